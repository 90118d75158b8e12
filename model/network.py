"""Social graphs for the simulator, every kind stored as the same CSR adjacency.

Why one representation: the step loop gathers neighbour states for up to millions of agents
with ``indptr``/``indices`` (or the sparse matrix), so every generator, the file loader and
the tests share a single layout and a single construction path (``_csr_from_keys``).
Generators are vectorised numpy (no Python loop over nodes or edges, no networkx object) so a
1,000,000-node graph builds in seconds; all randomness comes from the ``rng`` passed in, so one
seed decides the graph.

Edges are handled internally as int64 keys ``lo * n + hi`` (``lo < hi``): sorting keys sorts
edges, adjacent equal keys are duplicates, and membership tests are ``searchsorted``.

Graphs are immutable (read-only arrays), so one graph can serve many runs: ``build_graph``
keeps a small process-wide LRU of graph files (keyed by resolved path and content hash) and
of generated graphs drawn from their own ``graph_seed``; a sweep's or calibration's runs in
one worker then parse or generate a graph once.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import numbers
import os
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import scipy.sparse as sp

from ewom_abm import files
from ewom_abm.model.errors import EwomError, one_line

if TYPE_CHECKING:
    import networkx as nx
# kinds build_graph generates from n and the rng
GENERATED_KINDS = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "stochastic_block",
                   "complete")
# every network.kind: the generators, global mixing (no graph), and a graph read from a file
KINDS = (*GENERATED_KINDS, "global", "file")
GRAPH_KINDS = (*GENERATED_KINDS, "file")  # the kinds that have a graph
MAX_COMPLETE_N = 20_000  # complete CSR is 4*n*(n-1) bytes: 1.6 GB at this size
_WS_REDRAW_ROUNDS = 50  # after this many rounds leftover WS duplicates are dropped

# Byte classes for the edge-list tokenizer: 0 = label byte, 1 = separator (ASCII whitespace,
# comma, NUL), 2 = newline.
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[[0, 9, 11, 12, 13, 32, 44]] = 1
_BYTE_CLASS[10] = 2


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
    def adjacency(self) -> sp.csr_array:
        """float32 0/1 adjacency for sparse mat-vec influence sums; shares ``indices`` (no copy).

        scipy wants one index dtype, so ``indptr`` (n+1 values, cheap) is cast to int32 while
        the big ``indices`` array is shared whenever 2m fits in int32.
        """
        nnz = self.indices.shape[0]
        indptr = self.indptr.astype(np.int32) if nnz < 2**31 else self.indptr
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


def _first_of_run(ordered: np.ndarray) -> np.ndarray:
    """Mask of entries of a sorted array that differ from their predecessor."""
    keep = np.empty(ordered.shape[0], dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return keep


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values; np.unique is far slower than sort + mask on this numpy build."""
    keys = np.sort(keys)
    return keys[_first_of_run(keys)]


def _csr_from_keys(keys: np.ndarray, n: int, kind: str, blocks: np.ndarray | None) -> Graph:
    """CSR from sorted, distinct int64 keys lo*n+hi (lo < hi); the builder behind from_edges.

    Row i is [lower neighbours (< i), upper neighbours (> i)], each part ascending. The sorted
    keys are the upper triangle in CSR order already; its transpose (scipy's O(m + n)
    counting sort, ascending within rows) gives the lower parts. Both are in row order, so a
    mask of lower/upper slots interleaves them without any 2m-element sort.
    """
    m = keys.shape[0]
    idx = np.int32 if max(m, n) < 2**31 else np.int64
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


def _pair_keys(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
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


def _in_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` occur in the sorted array ``sorted_ref``."""
    if sorted_ref.size == 0:
        return np.zeros(values.shape[0], dtype=bool)
    pos = np.searchsorted(sorted_ref, values)
    np.minimum(pos, sorted_ref.size - 1, out=pos)
    return sorted_ref[pos] == values


def from_edges(
    u: np.ndarray,
    v: np.ndarray,
    n: int,
    kind: str = "file",
    blocks: np.ndarray | None = None,
) -> Graph:
    """Symmetrise, drop self-loops and duplicate edges, sort; the one place CSR arrays are made.

    Generators that already hold sorted distinct keys call its builder ``_csr_from_keys``
    directly; only 'complete', already sorted, writes its CSR itself. Direction is ignored
    ((u, v) and (v, u) are the same edge) because word of mouth flows both ways between
    friends; node ids must lie in [0, n).
    """
    n = _as_int("network.n", n, 1)
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
    return _csr_from_keys(sorted_unique(_pair_keys(u, v, n)), n, kind, blocks)


# --------------------------------------------------------------------------- validation


def _as_int(field: str, value: object, lo: int, hi: int | None = None, hi_text: str = "") -> int:
    """Integer in [lo, hi]; integral floats such as 1e6 are accepted (scenario files write them)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, numbers.Real) and not isinstance(value, bool):
        ok = math.isfinite(value) and float(value).is_integer()
    if not ok or value < lo or (hi is not None and value > hi):
        bound = f" and <= {hi_text or hi}" if hi is not None else ""
        raise EwomError(f"{field}: must be an integer >= {lo}{bound}, got {value!r}")
    return int(value)


def _as_float(
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
        raise EwomError(f"{field}: must be a number {rule}, got {value!r}")
    x = float(value)
    if (lo < x < hi) if open_interval else (lo <= x <= hi):
        return x
    raise EwomError(f"{field}: must be a number {rule}, got {value!r}")


# --------------------------------------------------------------------------- generators


def _distinct_pairs(
    count: int,
    draw: Callable[[int], tuple[np.ndarray, np.ndarray]],
    n: int,
    class_pairs: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``count`` distinct uniform pairs from a pair class, as sorted keys.

    ``draw(k)`` returns about k uniform candidate pairs of the class. Rounds draw, drop
    self-loops/duplicates/pairs already chosen and keep a uniform random subset of the new
    ones if there are too many; by symmetry the result is a uniform ``count``-subset of the
    class, which is what G(n, p) given its edge count is. Usually one or two rounds.
    """
    have = np.empty(0, dtype=np.int64)
    while have.size < count:
        need = count - have.size
        free = (class_pairs - have.size) / class_pairs  # chance a valid draw is new
        new = sorted_unique(_pair_keys(*draw(int(need / free * 1.002) + 64), n))
        new = new[~_in_sorted(new, have)]
        if new.size > need:  # drop a uniform random excess, keeping the sorted order
            keep = np.ones(new.size, dtype=bool)
            keep[rng.choice(new.size, new.size - need, replace=False)] = False
            new = new[keep]
        have = np.sort(np.concatenate((have, new)), kind="stable")  # merge of two sorted runs
    return have


def _erdos_renyi(n: int, rng: np.random.Generator, mean_degree: float) -> Graph:
    """G(n, p), p = mean_degree/(n-1): binomial edge count, then that many distinct pairs."""
    pairs = n * (n - 1) // 2
    count = int(rng.binomial(pairs, min(1.0, mean_degree / (n - 1))))
    dtype = np.int32 if n < 2**31 else np.int64

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(0, n, k, dtype=dtype), rng.integers(0, n, k, dtype=dtype)

    return _csr_from_keys(_distinct_pairs(count, draw, n, pairs, rng), n, "erdos_renyi", None)


def _complete(n: int) -> Graph:
    """K_n written straight into CSR (row i is 0..n-1 without i): already sorted, no key sort."""
    col = np.arange(n - 1, dtype=np.int32)
    indices = np.empty((n, n - 1), dtype=np.int32)
    for start in range(0, n, 1024):  # row chunks bound the temporary comparison array
        rows = np.arange(start, min(start + 1024, n), dtype=np.int32)[:, None]
        np.add(col[None, :], col[None, :] >= rows, out=indices[start : start + rows.shape[0]])
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    return Graph(indptr=indptr, indices=indices.reshape(-1), kind="complete")


def _other_node(u: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform node != u for each entry (draw from n-1 values and skip u)."""
    w = rng.integers(0, n - 1, u.shape[0], dtype=np.int64)
    return w + (w >= u)


def _watts_strogatz(n: int, rng: np.random.Generator, mean_degree: float, rewire: float) -> Graph:
    """Ring lattice (k/2 neighbours each side) with each edge's far end rewired w.p. ``rewire``.

    A rewired end goes to a uniform node other than the near end. If it lands on an existing
    edge (lattice or another rewired one) it is redrawn, so the edge count stays n*k/2 and
    the mean degree exactly k; only if that fails for 50 rounds (tiny, nearly complete
    graphs) are the leftovers dropped.
    """
    half = max(1, round(mean_degree / 2))
    half = min(half, (n - 1) // 2)
    if half < 1:  # n == 2: the only ring is the single edge
        return from_edges(np.array([0]), np.array([1]), n, kind="watts_strogatz")
    dtype = np.int32 if 2 * n < 2**31 else np.int64
    u = np.repeat(np.arange(n, dtype=dtype), half)
    v = (u.reshape(n, half) + np.arange(1, half + 1, dtype=dtype)).reshape(-1)
    v[v >= n] -= n
    rewired = rng.random(u.shape[0]) < rewire
    moved = np.flatnonzero(rewired)
    v[moved] = _other_node(u[moved], n, rng)
    keys = _pair_keys(u, v, n)  # no self-loops by construction, so aligned with u; lattice unique
    del v, moved
    ordered = np.sort(keys)
    first = _first_of_run(ordered)
    if first.all():
        return _csr_from_keys(ordered, n, "watts_strogatz", None)
    # among edges sharing a key keep the lattice one (or the first rewired), redraw the rest
    dup_keys = sorted_unique(ordered[~first])
    placed = ordered[first]
    del ordered, first
    cand = np.flatnonzero(_in_sorted(keys, dup_keys))
    cand = cand[np.lexsort((cand, rewired[cand], keys[cand]))]
    ck = keys[cand]
    near = u[cand[1:][ck[1:] == ck[:-1]]].astype(np.int64)
    del u, keys, rewired
    for _ in range(_WS_REDRAW_ROUNDS):
        if near.size == 0:
            break
        new = _pair_keys(near, _other_node(near, n, rng), n)
        order = np.argsort(new, kind="stable")
        ok = np.zeros(new.shape[0], dtype=bool)
        ok[order[_first_of_run(new[order])]] = True  # first of equal redraws in this round
        ok &= ~_in_sorted(new, placed)
        add = np.sort(new[ok])
        placed = np.insert(placed, np.searchsorted(placed, add), add)
        near = near[~ok]
    return _csr_from_keys(placed, n, "watts_strogatz", None)


def _barabasi_albert(n: int, rng: np.random.Generator, mean_degree: float) -> Graph:
    """Preferential attachment, m = max(1, round(mean_degree/2)) edges per node (Batagelj-Brandes).

    Edge slot j belongs to node v = j // m and stores v at endpoint position 2j and its target
    at 2j+1. Node 0 is the seed: its m slots are self-loops (0, 0), giving it weight 2m. For
    v >= 1 the target is copied from a uniform position r_j in [0, 2vm), i.e. an endpoint of
    an earlier node's edge, which picks a node proportionally to its degree. Even positions
    are known nodes; odd ones are other slots' targets, resolved for all slots at once by
    pointer jumping (each round replaces an unresolved pointer by the referenced slot's
    current pointer, O(log) rounds). Excluding the node's own slots (BB's original allows
    them) means no self-loops beyond the seed and every node v >= 1 links to an earlier node,
    so the graph is connected. Seed loops and multi-edges (a node picking the same target
    twice) are dropped afterwards, so the mean degree is slightly below 2m.
    """
    m = max(1, round(mean_degree / 2))
    ptr = np.zeros(n * m, dtype=np.int64)  # seed slots point at position 0 (node 0)
    ptr[m:] = rng.integers(0, np.repeat(np.arange(1, n, dtype=np.int64) * (2 * m), m))
    todo = np.flatnonzero(ptr & 1)
    while todo.size:
        nxt = ptr[(ptr[todo] - 1) >> 1]
        ptr[todo] = nxt
        todo = todo[(nxt & 1) == 1]
    ptr >>= 1
    ptr //= m
    dtype = np.int32 if n < 2**31 else np.int64
    target = ptr.astype(dtype)
    del ptr
    source = np.repeat(np.arange(n, dtype=dtype), m)
    return from_edges(source, target, n, kind="barabasi_albert")


def _stochastic_block(
    n: int, rng: np.random.Generator, mean_degree: float, n_blocks: int, mixing: float
) -> Graph:
    """Planted partition: equal blocks (id = i*blocks//n), share ``mixing`` of edges between blocks.

    Within-block pairs share one probability p_in and between-block pairs one p_out, chosen
    so the expected mean degree is ``mean_degree`` and the expected between share is
    ``mixing``. Summing the per-(block, block) binomials of one class gives one binomial
    over the class, and given its count the edge set is a uniform subset of the class, so
    each class is sampled like G(n, p): exact, and independent of the number of blocks
    (blocks may be as many as n). With one block the mixing share is moot and all edges
    are within it.
    """
    block_of = (np.arange(n, dtype=np.int64) * n_blocks // n).astype(np.int32)
    sizes = np.bincount(block_of, minlength=n_blocks).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    within_pairs = int((sizes * (sizes - 1) // 2).sum())
    between_pairs = n * (n - 1) // 2 - within_pairs
    expected = n * mean_degree / 2
    share = mixing if n_blocks > 1 else 0.0
    if within_pairs == 0 and share < 1:
        raise EwomError(
            f"network.mixing: must be 1 when every block has one node "
            f"(network.blocks = {n_blocks} = n), got {mixing}"
        )
    p_in = (1 - share) * expected / within_pairs if within_pairs else 0.0
    p_out = share * expected / between_pairs if between_pairs else 0.0
    if p_in > 1 or p_out > 1:
        which, p = ("within", p_in) if p_in > 1 else ("between", p_out)
        raise EwomError(
            f"network.mean_degree: {mean_degree} is too high for network.blocks = {n_blocks} and "
            f"network.mixing = {mixing} ({which}-block edge probability {p:.3g} > 1)"
        )
    count_in = int(rng.binomial(within_pairs, p_in)) if within_pairs else 0
    count_out = int(rng.binomial(between_pairs, p_out)) if between_pairs else 0
    weights = sizes * (sizes - 1) / 2
    weights /= weights.sum() if within_pairs else 1.0
    accept_out = 2 * between_pairs / (n * n) if between_pairs else 1.0  # ordered-draw acceptance
    smallest = int(sizes[sizes > 1].min()) if within_pairs else 2
    accept_in = 1 - 1 / smallest  # at least this share of within draws are not self-loops
    dtype = np.int32 if n < 2**31 else np.int64

    def draw_in(k: int) -> tuple[np.ndarray, np.ndarray]:
        b = rng.choice(n_blocks, size=int(k / accept_in) + 16, p=weights)
        s, first = sizes[b], starts[b]
        return first + rng.integers(0, s), first + rng.integers(0, s)

    def draw_out(k: int) -> tuple[np.ndarray, np.ndarray]:
        k = int(k / accept_out * 1.002) + 16
        u = rng.integers(0, n, k, dtype=dtype)
        v = rng.integers(0, n, k, dtype=dtype)
        keep = block_of[u] != block_of[v]
        return u[keep], v[keep]

    keys_in = _distinct_pairs(count_in, draw_in, n, max(within_pairs, 1), rng)
    keys_out = _distinct_pairs(count_out, draw_out, n, max(between_pairs, 1), rng)
    keys = np.sort(np.concatenate((keys_in, keys_out)), kind="stable")  # classes are disjoint
    return _csr_from_keys(keys, n, "stochastic_block", block_of)


def build_graph(
    kind: str,
    n: int,
    rng: np.random.Generator | None,
    *,
    mean_degree: float = 10.0,
    rewire: float = 0.1,
    blocks: int = 4,
    mixing: float = 0.1,
    path: str | os.PathLike | None = None,
    graph_seed: int | None = None,
) -> Graph | None:
    """Dispatch on kind; 'global' returns None (global mixing has no explicit graph).

    For 'file', n is ignored and comes from the file, which is parsed once per process and
    content (the graph cache). With ``graph_seed`` a generated graph is drawn from its own
    generator seeded by it, not from ``rng`` (left untouched; it may be None), and is cached
    too: replicates that differ only in their run seed share one graph.

    Only the parameters a kind uses are validated, so defaults for unused ones never get in
    the way; ``n`` is validated for every kind except 'file' (also for 'global', whose
    agents still need n >= 2).
    """
    params = check_params(kind, n, mean_degree=mean_degree, rewire=rewire, blocks=blocks,
                          mixing=mixing, path=path)
    if kind == "file":
        return cached_graph_file(params["path"])
    if graph_seed is not None:
        seed = _as_int("network.graph_seed", graph_seed, 0)
        if kind == "global":
            return None
        key = ("generated", kind, tuple(sorted(params.items())), seed)
        return _GRAPHS.get(key, lambda: _generate(kind, params, np.random.default_rng(seed)))
    if not isinstance(rng, np.random.Generator):
        raise EwomError(
            f"network.seed: rng must be a numpy.random.Generator, got {type(rng).__name__}"
        )
    if kind == "global":
        return None
    return _generate(kind, params, rng)


def _generate(kind: str, params: dict[str, object], rng: np.random.Generator) -> Graph:
    """A generated graph of a kind from its validated parameters (``check_params``)."""
    n = int(params["n"])  # type: ignore[call-overload]
    if kind == "complete":
        return _complete(n)
    if kind == "erdos_renyi":
        return _erdos_renyi(n, rng, params["mean_degree"])
    if kind == "barabasi_albert":
        return _barabasi_albert(n, rng, params["mean_degree"])
    if kind == "watts_strogatz":
        return _watts_strogatz(n, rng, params["mean_degree"], params["rewire"])
    return _stochastic_block(n, rng, params["mean_degree"], params["blocks"], params["mixing"])


def check_params(kind: str, n: int, *, mean_degree: float = 10.0, rewire: float = 0.1,
                 blocks: int = 4, mixing: float = 0.1,
                 path: str | os.PathLike | None = None) -> dict[str, object]:
    """Validate a network configuration without building it, so a batch of runs can refuse a
    bad one before any run starts; returns the values the kind uses, coerced."""
    if kind not in KINDS:
        raise EwomError(f"network.kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "file":
        if path is None or str(path) == "":
            raise EwomError("network.path: required when network.kind is 'file'")
        files.input_file(path, "network.path")
        return {"path": path}
    n = _as_int("network.n", n, 2)
    if kind == "complete" and n > MAX_COMPLETE_N:
        raise EwomError(f"network.n: complete graph limited to n <= {MAX_COMPLETE_N} (memory: "
                        f"it needs n*(n-1) stored neighbours), got {n}; use 'global' for "
                        "all-to-all mixing")
    if kind in ("global", "complete"):
        return {"n": n}
    params: dict[str, object] = {"n": n, "mean_degree": _as_float(
        "network.mean_degree", mean_degree, 0.0, float(n), open_interval=True,
        hi_text=f"network.n ({n})")}
    if kind == "watts_strogatz":
        params["rewire"] = _as_float("network.rewire", rewire, 0.0, 1.0)
    if kind == "stochastic_block":
        params["blocks"] = _as_int("network.blocks", blocks, 1, n, hi_text=f"network.n ({n})")
        params["mixing"] = _as_float("network.mixing", mixing, 0.0, 1.0)
    return params


# --------------------------------------------------------------------------- graph cache

GRAPH_CACHE_GRAPHS = 8  # graphs kept per process
GRAPH_CACHE_BYTES = 1 << 30  # and their memory (the most recent graph is kept whatever its size)


class CacheInfo(NamedTuple):
    """How the graph cache has done in this process (``graph_cache_info()``)."""

    hits: int
    misses: int
    graphs: int
    nbytes: int


class _GraphCache:
    """A small LRU of immutable graphs, bounded by count and bytes.

    Thread-safe because the app builds models for several sessions on server threads. A miss
    is computed outside the lock (a large parse must not block other sessions' hits); if two
    threads miss the same key at once, both keep the first graph stored.
    """

    def __init__(self, max_graphs: int, max_bytes: int) -> None:
        self.max_graphs, self.max_bytes = max_graphs, max_bytes
        self._graphs: OrderedDict[Hashable, tuple[Graph, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def get(self, key: Hashable, make: Callable[[], Graph]) -> Graph:
        with self._lock:
            entry = self._graphs.get(key)
            if entry is not None:
                self._graphs.move_to_end(key)
                self._hits += 1
                return entry[0]
            self._misses += 1
        graph = make()
        with self._lock:
            graph = self._graphs.setdefault(key, (graph, graph.nbytes))[0]
            self._graphs.move_to_end(key)
            self._evict()
        return graph

    def _evict(self) -> None:
        total = sum(size for _, size in self._graphs.values())
        while len(self._graphs) > 1 and (len(self._graphs) > self.max_graphs
                                         or total > self.max_bytes):
            _, (_, size) = self._graphs.popitem(last=False)
            total -= size

    def clear(self) -> None:
        with self._lock:
            self._graphs.clear()
            self._hits = self._misses = 0

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._graphs),
                             sum(size for _, size in self._graphs.values()))


_GRAPHS = _GraphCache(GRAPH_CACHE_GRAPHS, GRAPH_CACHE_BYTES)


def graph_cache_info() -> CacheInfo:
    """Hits, misses, graphs held and their bytes, since the process started or last cleared."""
    return _GRAPHS.info()


def clear_graph_cache() -> None:
    """Forget every cached graph (models still holding one keep it)."""
    _GRAPHS.clear()


def cached_graph_file(path: str | os.PathLike) -> Graph:
    """``load_graph_file`` once per process and content: keyed by the resolved path and the
    blake2b of the bytes just read, so an edited file is parsed again and the bytes parsed
    are the bytes hashed. Hashing costs about a millisecond per MB; parsing far more."""
    raw = files.read_bytes(path, "network.path")
    key = ("file", str(files.resolve(path, "network.path")), _content_hash(raw))
    return _GRAPHS.get(key, lambda: _parse_graph_bytes(raw, path))


# --------------------------------------------------------------------------- file loading


def load_graph_file(path: str | os.PathLike) -> Graph:
    """Load a real network: an edge list or GraphML file. Directed inputs are made undirected.

    Edge list (.txt/.csv/.edges, optionally .gz): whitespace- or comma-separated 'u v' per
    line, '#' or '%' comment lines, extra columns such as weights ignored, node labels may be
    any tokens: relabelled to 0..n-1 in order of first appearance. GraphML (.graphml,
    optionally .gz) is read via networkx, then converted.

    gzip is recognised by its magic bytes (a '.gz' name that is not gzip is an error); any
    name not ending in '.graphml[.gz]' is read as an edge list. Real networks let runs use
    observed structure instead of a generator's approximation of it.
    """
    return _parse_graph_bytes(files.read_bytes(path, "network.path"), path)


def _parse_graph_bytes(raw: bytes, path: str | os.PathLike) -> Graph:
    """A graph file's bytes as a Graph; ``path`` names the format and the file in errors."""
    name = Path(path).name.lower()
    if raw[:2] == b"\x1f\x8b" or name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise EwomError(
                f"network.path: unreadable gzip file {path}: {one_line(exc, 120)}"
            ) from None
        name = name.removesuffix(".gz")
    if name.endswith(".graphml"):
        graph = _parse_graphml(raw, str(path))
    else:
        graph = _parse_edge_list(raw, str(path))
    if graph.m == 0:
        raise EwomError(f"network.path: {path} has no edges (empty graph)")
    return graph


def file_digest(path: str | os.PathLike) -> str:
    """blake2b of a file's bytes, hex: a graph file's identity by content, not by name, so a
    sweep resumed after its graph file changed is refused (and a cache can key on it). Reads
    in blocks: about a second per GB."""
    h = _hasher()
    p = files.input_file(path, "network.path")
    try:
        with open(p, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    except OSError as exc:
        raise EwomError(f"network.path: cannot read {path}: {files.reason(exc)}") from None
    return h.hexdigest()


def _hasher() -> hashlib.blake2b:
    """The content hash of graph files (sweep identity and graph cache agree on it)."""
    return hashlib.blake2b(digest_size=20)


def _content_hash(raw: bytes) -> str:
    h = _hasher()
    h.update(raw)
    return h.hexdigest()


def _parse_graphml(raw: bytes, where: str) -> Graph:
    """GraphML via networkx, relabelled to 0..n-1 in node order (isolated nodes kept)."""
    import networkx as nx

    try:
        g = nx.read_graphml(BytesIO(raw))
    except (SyntaxError, nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EwomError(f"network.path: cannot parse GraphML {where}: "
                        f"{one_line(exc, 120)}") from None
    index = {node: i for i, node in enumerate(g.nodes)}
    uv = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    return from_edges(uv[:, 0], uv[:, 1], max(len(index), 1), kind="file")


def _parse_edge_list(raw: bytes, where: str) -> Graph:
    """Tokenise the whole byte string with numpy: token spans, their lines, first two per line.

    Works on bytes, so labels may be any non-separator tokens (UTF-8 included) and nothing
    is built per line except in the error path.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\n" not in raw:  # classic-Mac line ends (a lone \r would otherwise join all lines)
        raw = raw.replace(b"\r", b"\n")
    a = np.frombuffer(raw, dtype=np.uint8)
    tok = _BYTE_CLASS[a] == 0
    starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
    ends = np.flatnonzero(tok[1:] < tok[:-1]) + 1
    if tok.size and tok[0]:
        starts = np.concatenate(([0], starts))
    if tok.size and tok[-1]:
        ends = np.concatenate((ends, [tok.size]))
    del tok
    if starts.size == 0:
        raise EwomError(f"network.path: {where} has no edges (empty graph)")
    nl_pos = np.flatnonzero(a == 10)
    line = np.searchsorted(nl_pos, starts)  # 0-based line of each token
    first_idx = np.flatnonzero(_first_of_run(line))
    del line
    lead = a[starts[first_idx]]
    data_line = (lead != ord("#")) & (lead != ord("%"))
    n_tok = np.diff(first_idx, append=starts.shape[0])
    bad = np.flatnonzero(data_line & (n_tok < 2))
    if bad.size:
        ln = int(np.searchsorted(nl_pos, starts[first_idx[bad[0]]]))
        lo = int(nl_pos[ln - 1]) + 1 if ln > 0 else 0
        hi = int(nl_pos[ln]) if ln < nl_pos.size else len(raw)
        text = raw[lo:hi].decode("utf-8", errors="replace").strip()
        raise EwomError(
            f"network.path: {where} line {ln + 1}: expected two node labels 'u v', "
            f"got {one_line(text, 60)!r}"
        )
    first_idx = first_idx[data_line]  # data lines have >= 2 tokens: take the first two
    if first_idx.size == 0:
        raise EwomError(f"network.path: {where} has no edges (empty graph)")
    pick = np.empty(2 * first_idx.size, dtype=np.int64)
    pick[0::2] = first_idx
    pick[1::2] = first_idx + 1
    labels, n = _relabel_tokens(raw, starts[pick], ends[pick])
    return from_edges(labels[0::2], labels[1::2], n, kind="file")


def _relabel_tokens(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, int]:
    """Map token byte spans to ids 0..n-1 in order of first appearance.

    Tokens of <= 8 bytes (node ids up to 99,999,999, short names) become one big-endian
    uint64 read through an overlapping 8-byte window, injective because tokens never contain
    NUL; longer tokens are sliced as bytes. pandas.factorize (hash based) then numbers
    distinct keys in order of first appearance.
    """
    import pandas as pd  # deferred: only file loading needs it

    if int((ends - starts).max()) <= 8:
        padded = np.frombuffer(raw + bytes(8), dtype=np.uint8)
        window = np.ndarray((len(raw),), dtype=">u8", buffer=padded, strides=(1,))
        keys = window[starts].astype(np.uint64)
        keys >>= (8 * (8 - (ends - starts))).astype(np.uint64)
    else:
        keys = np.array(
            [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)], dtype=object
        )
    codes, uniques = pd.factorize(keys)
    return codes.astype(np.int64, copy=False), len(uniques)
