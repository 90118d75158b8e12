"""The social graph as one CSR adjacency, the representation every network kind shares.

Why one representation: the step loop gathers neighbour states for up to millions of agents
with ``indptr``/``indices`` (or the sparse matrix), so every generator
(``model/generators.py``), the file readers (``model/graph_files.py``) and the tests share a
single layout and a single construction path (``csr_from_keys``).

Edges are handled internally as int64 keys ``lo * n + hi`` (``lo < hi``): sorting keys sorts
edges, adjacent equal keys are duplicates, and membership tests are ``searchsorted``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import scipy.sparse as sp

from ewom_abm.model.arrays import index_dtype, sorted_unique
from ewom_abm.model.errors import EwomError, shown

if TYPE_CHECKING:
    import networkx as nx

# kinds build_graph generates from n and the rng
GENERATED_KINDS = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "stochastic_block",
                   "complete")
# every network.kind: the generators, global mixing (no graph), and a graph read from a file
KINDS = (*GENERATED_KINDS, "global", "file")
GRAPH_KINDS = (*GENERATED_KINDS, "file")  # the kinds that have a graph


class Links(NamedTuple):
    """The CSR arrays as compiled rules take them: friends of i are
    ``indices[indptr[i]:indptr[i+1]]``. Without a graph (global mixing): :data:`NO_LINKS`."""

    indptr: np.ndarray  # int64, shape (n+1,)
    indices: np.ndarray  # int32

    @property
    def present(self) -> bool:
        return self.indptr.size > 1


NO_LINKS = Links(np.zeros(1, np.int64), np.empty(0, np.int32))
for _array in NO_LINKS:  # read-only like a graph's, so rules are compiled once for both
    _array.flags.writeable = False


def links(graph: Graph | None) -> Links:
    """The graph's CSR arrays for compiled rules (:data:`NO_LINKS` under global mixing)."""
    return NO_LINKS if graph is None else graph.links


@dataclass(frozen=True, eq=False)
class Graph:
    """Undirected simple graph as CSR.

    Neighbours of i are ``indices[indptr[i]:indptr[i+1]]``, sorted ascending.

    Build it with ``from_edges``/``build_graph``/``load_graph_file``, which guarantee the
    invariants (symmetric, sorted rows, no self-loops, no duplicates); the fields are not
    re-checked here so wrapping large arrays stays O(1). The arrays are made read-only:
    a cached graph is shared by every run in the process, so a write would leak into them.
    """

    indptr: np.ndarray  # int64, shape (n+1,)
    indices: np.ndarray  # int32, shape (2*m,)
    kind: str
    blocks: np.ndarray | None = None  # int32 block id per node (stochastic_block only)

    def __post_init__(self) -> None:
        for arr in (self.indptr, self.indices, self.blocks):
            if arr is not None:
                arr.flags.writeable = False

    @property
    def n(self) -> int:
        """Number of nodes (agents)."""
        return int(self.indptr.shape[0] - 1)

    @property
    def m(self) -> int:
        """Number of undirected edges (each stored twice in ``indices``)."""
        return int(self.indices.shape[0] // 2)

    @cached_property
    def degree(self) -> np.ndarray:
        """Degree per node (int32, read-only); cached because seeding and metrics ask for it
        often."""
        degree = np.diff(self.indptr).astype(np.int32)
        degree.flags.writeable = False
        return degree

    @cached_property
    def links(self) -> Links:
        """The CSR arrays as compiled rules take them."""
        return Links(self.indptr, self.indices)

    @cached_property
    def adjacency(self) -> sp.csr_array:
        """float32 0/1 adjacency for sparse mat-vec influence sums; shares ``indices`` (no copy).

        scipy wants one index dtype, so ``indptr`` (n+1 values, cheap) is cast to int32 while
        the big ``indices`` array is shared whenever 2m fits in int32.
        """
        nnz = self.indices.shape[0]
        indptr = self.indptr.astype(index_dtype(nnz), copy=False)
        data = np.ones(nnz, dtype=np.float32)
        data.flags.writeable = False
        adj = sp.csr_array((data, self.indices, indptr), shape=(self.n, self.n), copy=False)
        adj.has_sorted_indices = True
        adj.has_canonical_format = True
        return adj

    def to_networkx(self) -> nx.Graph:
        """networkx copy, nodes 0..n-1 (plus 'block' attribute for SBM); for small graphs only."""
        import networkx as nx

        g = nx.Graph()
        if self.blocks is None:
            g.add_nodes_from(range(self.n))
        else:
            g.add_nodes_from((i, {"block": b}) for i, b in enumerate(self.blocks.tolist()))
        u, v = self.edges()
        g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
        return g

    @property
    def nbytes(self) -> int:
        """Memory held by the CSR arrays, counting the adjacency's data and degrees once made
        (the graph cache's budget)."""
        total = self.indptr.nbytes + self.indices.nbytes
        total += 0 if self.blocks is None else self.blocks.nbytes
        return total + 4 * self.indices.shape[0] + 8 * self.n

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Each undirected edge once as int32 arrays (u, v) with u < v, sorted by (u, v)."""
        src = np.repeat(np.arange(self.n, dtype=np.int32), self.degree)
        keep = src < self.indices
        return src[keep], self.indices[keep]


# --------------------------------------------------------------------------- CSR construction






def csr_from_keys(keys: np.ndarray, n: int, kind: str, blocks: np.ndarray | None) -> Graph:
    """CSR from sorted, distinct int64 keys lo*n+hi (lo < hi); the builder behind from_edges.

    Row i is [lower neighbours (< i), upper neighbours (> i)], each part ascending. The sorted
    keys are the upper triangle in CSR order already; its transpose (scipy's O(m + n)
    counting sort, ascending within rows) gives the lower parts. Both are in row order, so a
    mask of lower/upper slots interleaves them without any 2m-element sort.
    """
    m = keys.shape[0]
    idx = index_dtype(max(m, n))
    up_ptr = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) * n).astype(idx)
    hi = (keys % n).astype(np.int32)
    upper = sp.csr_array((np.ones(m, dtype=np.int8), hi, up_ptr), shape=(n, n), copy=False)
    lower = upper.tocsc()  # CSC of the upper triangle == CSR of the lower triangle
    del upper
    counts = np.empty(2 * n, dtype=np.int64)
    counts[0::2] = np.diff(lower.indptr)
    counts[1::2] = np.diff(up_ptr)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts.reshape(n, 2).sum(axis=1), out=indptr[1:])
    is_low = np.repeat(np.tile(np.array([True, False]), n), counts)
    indices = np.empty(2 * m, dtype=np.int32)
    indices[is_low] = lower.indices
    indices[~is_low] = hi
    return Graph(indptr=indptr, indices=indices, kind=kind, blocks=blocks)


def pair_keys(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """int64 keys lo*n+hi for pairs, self-loops removed."""
    lo = np.minimum(u, v)
    hi = np.maximum(u, v)
    keep = lo != hi
    if not keep.all():
        lo, hi = lo[keep], hi[keep]
    keys = lo.astype(np.int64)
    keys *= n
    keys += hi
    return keys




def from_edges(
    u: np.ndarray,
    v: np.ndarray,
    n: int,
    kind: str = "file",
    blocks: np.ndarray | None = None,
) -> Graph:
    """Symmetrise, drop self-loops and duplicate edges, sort; the one place CSR arrays are made.

    Generators that already hold sorted distinct keys call its builder ``csr_from_keys``
    directly; only 'complete', already sorted, writes its CSR itself. Direction is ignored
    ((u, v) and (v, u) are the same edge) because word of mouth flows both ways between
    friends; node ids must lie in [0, n).
    """
    n = as_int("network.n", n, 1)
    if kind not in GRAPH_KINDS:
        raise EwomError(f"network.kind: must be one of {', '.join(GRAPH_KINDS)}, got {kind!r}")
    u = np.asarray(u)
    v = np.asarray(v)
    if u.ndim != 1 or u.shape != v.shape:
        raise EwomError(
            "network.edges: u and v must be 1-D arrays of equal length, "
            f"got shapes {u.shape} and {v.shape}"
        )
    if u.size and not (np.issubdtype(u.dtype, np.integer) and np.issubdtype(v.dtype, np.integer)):
        raise EwomError(
            f"network.edges: node ids must be integers, got dtypes {u.dtype} and {v.dtype}"
        )
    if u.size:
        low, high = int(min(u.min(), v.min())), int(max(u.max(), v.max()))
        if low < 0 or high >= n:
            bad = low if low < 0 else high
            raise EwomError(f"network.edges: node id {bad} outside [0, {n}) for network.n = {n}")
    if blocks is not None:
        blocks = np.asarray(blocks)
        if blocks.shape != (n,) or (blocks.size and not np.issubdtype(blocks.dtype, np.integer)):
            raise EwomError(
                f"network.blocks: block ids must be an integer array of length {n}, "
                f"got shape {blocks.shape}"
            )
        blocks = blocks.astype(np.int32)
    return csr_from_keys(sorted_unique(pair_keys(u, v, n)), n, kind, blocks)


# --------------------------------------------------------------------------- validation


def as_int(field: str, value: object, lo: int, hi: int | None = None, hi_text: str = "") -> int:
    """Integer in [lo, hi]; integral floats such as 1e6 are accepted (scenario files write them)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, numbers.Real) and not isinstance(value, bool):
        ok = math.isfinite(value) and float(value).is_integer()
    if not ok or value < lo or (hi is not None and value > hi):
        bound = f" and <= {hi_text or hi}" if hi is not None else ""
        raise EwomError(f"{field}: must be an integer >= {lo}{bound}, got {shown(value)}")
    return int(value)


def as_float(
    field: str,
    value: object,
    lo: float,
    hi: float,
    *,
    open_interval: bool = False,
    hi_text: str = "",
) -> float:
    """Finite real in [lo, hi], or in (lo, hi) when ``open_interval``."""
    rule = f"> {lo:g} and < {hi_text or hi}" if open_interval else f"in [{lo:g}, {hi:g}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise EwomError(f"{field}: must be a number {rule}, got {shown(value)}")
    x = float(value)
    if (lo < x < hi) if open_interval else (lo <= x <= hi):
        return x
    raise EwomError(f"{field}: must be a number {rule}, got {shown(value)}")
