"""Graph generators: Erdos-Renyi, Watts-Strogatz, Barabasi-Albert, stochastic block, complete.

Vectorised numpy (no Python loop over nodes or edges, no networkx object), so a 1,000,000-node
graph builds in seconds; all randomness comes from the ``rng`` passed in, so one seed decides
the graph. Each returns the same CSR ``Graph`` (``model/graph.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ewom_abm.model.arrays import first_of_run, index_dtype, member, sorted_unique
from ewom_abm.model.errors import EwomError
from ewom_abm.model.graph import Graph, csr_from_keys, from_edges, pair_keys

MAX_COMPLETE_N = 20_000  # complete CSR is 4*n*(n-1) bytes: 1.6 GB at this size
_WS_REDRAW_ROUNDS = 50  # after this many rounds leftover WS duplicates are dropped


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
        new = sorted_unique(pair_keys(*draw(int(need / free * 1.002) + 64), n))
        new = new[~member(new, have)]
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
    dtype = index_dtype(n)

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(0, n, k, dtype=dtype), rng.integers(0, n, k, dtype=dtype)

    return csr_from_keys(_distinct_pairs(count, draw, n, pairs, rng), n, "erdos_renyi", None)


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
    dtype = index_dtype(2 * n)  # ring ends reach n + k/2 before they wrap
    u = np.repeat(np.arange(n, dtype=dtype), half)
    v = (u.reshape(n, half) + np.arange(1, half + 1, dtype=dtype)).reshape(-1)
    v[v >= n] -= n
    rewired = rng.random(u.shape[0]) < rewire
    moved = np.flatnonzero(rewired)
    v[moved] = _other_node(u[moved], n, rng)
    keys = pair_keys(u, v, n)  # no self-loops by construction, so aligned with u; lattice unique
    del v, moved
    ordered = np.sort(keys)
    first = first_of_run(ordered)
    if first.all():
        return csr_from_keys(ordered, n, "watts_strogatz", None)
    # among edges sharing a key keep the lattice one (or the first rewired), redraw the rest
    dup_keys = sorted_unique(ordered[~first])
    placed = ordered[first]
    del ordered, first
    cand = np.flatnonzero(member(keys, dup_keys))
    cand = cand[np.lexsort((cand, rewired[cand], keys[cand]))]
    ck = keys[cand]
    near = u[cand[1:][ck[1:] == ck[:-1]]].astype(np.int64)
    del u, keys, rewired
    for _ in range(_WS_REDRAW_ROUNDS):
        if near.size == 0:
            break
        new = pair_keys(near, _other_node(near, n, rng), n)
        order = np.argsort(new, kind="stable")
        ok = np.zeros(new.shape[0], dtype=bool)
        ok[order[first_of_run(new[order])]] = True  # first of equal redraws in this round
        ok &= ~member(new, placed)
        add = np.sort(new[ok])
        placed = np.insert(placed, np.searchsorted(placed, add), add)
        near = near[~ok]
    return csr_from_keys(placed, n, "watts_strogatz", None)


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
    dtype = index_dtype(n)
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
    dtype = index_dtype(n)

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
    return csr_from_keys(keys, n, "stochastic_block", block_of)


def generate(kind: str, params: dict[str, object], rng: np.random.Generator) -> Graph:
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
