"""Whom a brand seeds or pays: consumers ranked best first, computed only as far as asked.

Rules (``brands.N.seeding``):

- ``random``: a uniform random order.
- ``degree``: most friends first, ties at random.
- ``betweenness``: Brandes' (2001) betweenness centrality, highest first; exact when the graph has
  at most ``betweenness_pivots`` consumers, otherwise estimated from that many BFS sources drawn
  at random (Brandes & Pich 2007).
- ``degree_discount``: DegreeDiscountIC (Chen, Wang & Yang 2009): degree, discounted for friends
  already seeded, at the independent cascade's edge probability p.
- ``greedy``: CELF lazy greedy (Leskovec et al. 2007) on the expected independent-cascade spread
  at p, estimated from ``greedy_samples`` live-edge samples drawn once (common random numbers:
  every candidate is scored on the same samples, so the estimate is exactly submodular and
  CELF's lazy re-evaluation is valid). Once every remaining consumer adds nothing on those
  samples (all are reached in every sample), the rest follow in degree order.

The interface is :class:`SeedOrder`: ``order[:k]`` gives the first k consumers. Nothing is computed
before the first request; ``random`` and ``degree`` then rank everyone (cheap), the others compute
just the first k and extend when a later request asks for more (an influencer brand needs more
after scandals). The prefix never changes, so asking for 5 then 12 gives the same 12 as asking
for 12 at once. All randomness comes from the model's rng at the first request (the launch):
``random`` and ``degree`` draw their order from it, the other rules one seed for a generator of
their own. Without a graph (global mixing) every rule is random.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ewom_abm.model.arrays import index_dtype, random_subset, top_k
from ewom_abm.model.errors import EwomError
from ewom_abm.model.graph import Graph
from ewom_abm.model.scenario import SEEDINGS, suggest

# Long seeding work reports to a progress bar when one is given: ``progress(total=, desc=,
# unit=)`` returns a context manager with ``update(k)`` (tqdm's signature). The model layer never
# prints; ``ewom run`` passes a bar that shows itself only once the work has taken a while.
Progress = Callable[..., Any]

_BC_CELLS = 1_000_000  # betweenness: sources per batch x consumers (~60 bytes a cell)
_GAIN_ROWS = 20_000  # greedy: consumers per block when scoring everyone at the start


class SeedOrder:
    """Consumers in the order a brand seeds or pays them, best first; ``order[:k]`` is the first k.

    ``p`` is the independent cascade's edge probability (``ewom.p_share``) used by
    ``degree_discount`` and ``greedy``; ``samples`` the live-edge samples of ``greedy``;
    ``pivots`` the BFS sources of ``betweenness``.
    """

    def __init__(self, rule: str, n: int, graph: Graph | None, rng: np.random.Generator, *,
                 p: float = 0.05, samples: int = 200, pivots: int = 500,
                 progress: Progress | None = None) -> None:
        if rule not in SEEDINGS:
            raise EwomError(f"seeding: {rule!r} is not one of {', '.join(SEEDINGS)}"
                            f"{suggest(rule, SEEDINGS)}")
        self.rule = rule if graph is not None else "random"
        self.n, self.graph, self.p = n, graph, float(p)
        self.samples, self.pivots = int(samples), int(pivots)
        self._rng = rng
        self.progress = progress
        self._own: np.random.Generator | None = None
        self._ranker: _Ranker | None = None
        self._ranked: np.ndarray | None = None

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        done = 0 if self._ranked is None else self._ranked.size
        return f"SeedOrder({self.rule!r}, n={self.n}, ranked={done})"

    def __getitem__(self, key: slice) -> np.ndarray:
        """The first k consumers (``order[:k]``), int64, read-only."""
        if not (isinstance(key, slice) and key.start in (None, 0) and key.step in (None, 1)
                and (key.stop is None or int(key.stop) >= 0)):
            raise TypeError(f"SeedOrder: ask for the first k consumers as order[:k], not [{key}]")
        k = self.n if key.stop is None else min(int(key.stop), self.n)
        if self._ranked is None:
            self._begin()
        assert self._ranked is not None
        if k > self._ranked.size:
            if self._ranker is None:
                self._ranker = self._make_ranker()
            more = self._ranker.take(k - self._ranked.size)
            self._ranked = np.concatenate([self._ranked, more])
            self._ranked.flags.writeable = False
        return self._ranked[:k]

    def _begin(self) -> None:
        """First request: take this order's randomness from the model's rng."""
        rng, graph = self._rng, self.graph
        if self.rule == "random" or graph is None:
            self._ranked = rng.permutation(self.n)
        elif self.rule == "degree":
            self._ranked = top_k(graph.degree.astype(np.float64), self.n, rng)
        else:
            self._own = np.random.default_rng(int(rng.integers(2**63)))
            self._ranked = np.empty(0, np.int64)
        self._ranked = self._ranked.astype(np.int64, copy=False)
        self._ranked.flags.writeable = False

    def _make_ranker(self) -> _Ranker:
        graph, rng = self.graph, self._own
        assert graph is not None and rng is not None
        if self.rule == "betweenness":
            score = betweenness(graph, self.pivots, rng, self.progress)
            return _Fixed(top_k(score, self.n, rng))
        if self.rule == "degree_discount":
            return _DegreeDiscount(graph, self.p, rng)
        return _Celf(graph, self.p, self.samples, rng, self.progress)


class _Ranker:
    """A ranking computed on demand: ``take(count)`` returns the next ``count`` consumers."""

    def take(self, count: int) -> np.ndarray:
        raise NotImplementedError


class _Fixed(_Ranker):
    def __init__(self, order: np.ndarray) -> None:
        self.order, self.pos = order.astype(np.int64), 0

    def take(self, count: int) -> np.ndarray:
        out = self.order[self.pos: self.pos + count]
        self.pos += out.size
        return out


# --------------------------------------------------------------------------- betweenness

def bar(progress: Progress | None, total: int, desc: str, unit: str) -> Any:
    """A progress bar for long seeding work, or nothing."""
    return progress(total=total, desc=desc, unit=unit) if progress is not None else nullcontext()


def betweenness(graph: Graph, pivots: int, rng: np.random.Generator,
                progress: Progress | None = None) -> np.ndarray:
    """Betweenness centrality of every consumer, each unordered pair counted once (networkx's
    ``normalized=False``). Exact (Brandes 2001) when ``pivots >= n``; otherwise the dependencies
    of ``pivots`` sources drawn without replacement, scaled by n / pivots (Brandes & Pich 2007).

    The BFS runs for a batch of sources at once as sparse-matrix products, level by level:
    path counts forward, dependencies backward."""
    n = graph.n
    if pivots >= n:
        sources, scale = np.arange(n), 0.5
    else:
        sources, scale = np.sort(rng.choice(n, size=pivots, replace=False)), 0.5 * n / pivots
    adj = sp.csr_array((np.ones(graph.indices.size), graph.indices, graph.indptr), shape=(n, n))
    batch = int(np.clip(_BC_CELLS // max(n, 1), 1, 256))
    score = np.zeros(n)
    with bar(progress, sources.size, "seeding: betweenness", "source") as done:
        for start in range(0, sources.size, batch):
            chunk = sources[start: start + batch]
            score += _dependencies(adj, chunk)
            if done is not None:
                done.update(chunk.size)
    # the same dependencies summed in another order differ in their last bits: rounded to 12
    # digits of the largest, consumers of equal betweenness tie, and top_k draws among them
    peak = score.max(initial=0.0)
    return np.round(score / peak, 12) * (peak * scale) if peak > 0 else score


def _dependencies(adj: sp.csr_array, src: np.ndarray) -> np.ndarray:
    """Sum over the given sources s of Brandes' dependency delta_s(v), for every v. Each level
    multiplies only the rows of consumers on that level for some source (adj is symmetric)."""
    n, cols = adj.shape[0], np.arange(src.size)
    dist = np.full((n, src.size), -1, np.int32)
    sigma = np.zeros((n, src.size))  # shortest paths from each source
    dist[src, cols], sigma[src, cols] = 0, 1.0
    front, rows, level = sigma, np.unique(src), 0
    while rows.size:
        paths = adj[rows].T @ front[rows]
        new = (paths > 0) & (dist < 0)
        level += 1
        dist[new] = level
        front = np.where(new, paths, 0.0)
        sigma += front
        rows = np.flatnonzero(new.any(axis=1))
    delta = np.zeros_like(sigma)
    for lv in range(level - 1, 1, -1):  # level 1 only passes dependency to the sources
        at = dist == lv
        rows = np.flatnonzero(at.any(axis=1))
        on = at[rows]
        coef = np.where(on, (1.0 + delta[rows]) / np.where(on, sigma[rows], 1.0), 0.0)
        delta += np.where(dist == lv - 1, sigma * (adj[rows].T @ coef), 0.0)
    delta[src, cols] = 0.0
    return delta.sum(axis=1)


# --------------------------------------------------------------------------- degree discount

class _DegreeDiscount(_Ranker):
    """DegreeDiscountIC: pick the highest discounted degree dd_v = d_v - 2 t_v - (d_v - t_v) t_v p,
    t_v being v's friends already picked (Chen, Wang & Yang 2009, algorithm 4); ties at random.
    A heap with stale entries skipped keeps each pick O(degree log n)."""

    def __init__(self, graph: Graph, p: float, rng: np.random.Generator) -> None:
        self.graph, self.p = graph, p
        self.d = graph.degree.astype(np.float64)
        self.t = np.zeros(graph.n)
        self.dd = self.d.copy()
        self.tie = rng.permutation(graph.n)
        self.picked = np.zeros(graph.n, dtype=bool)
        self.heap = list(zip((-self.dd).tolist(), self.tie.tolist(), range(graph.n),
                             strict=True))
        heapq.heapify(self.heap)

    def take(self, count: int) -> np.ndarray:
        out: list[int] = []
        g, heap = self.graph, self.heap
        while len(out) < count and heap:
            neg, _, v = heapq.heappop(heap)
            if self.picked[v] or -neg != self.dd[v]:
                continue  # already picked, or a stale key
            self.picked[v] = True
            out.append(v)
            nb = g.indices[g.indptr[v]: g.indptr[v + 1]]
            nb = nb[~self.picked[nb]]
            self.t[nb] += 1
            d, t = self.d[nb], self.t[nb]
            self.dd[nb] = d - 2 * t - (d - t) * t * self.p
            for key, tie, u in zip((-self.dd[nb]).tolist(), self.tie[nb].tolist(),
                                   nb.tolist(), strict=True):
                heapq.heappush(heap, (key, tie, u))
        return np.array(out, dtype=np.int64)


# --------------------------------------------------------------------------- greedy (CELF)

class LiveEdgeSamples:
    """Live-edge samples of the independent cascade at edge probability p on an undirected graph.

    In the cascade only the first attempt across an edge can inform anyone (by the time the other
    end talks back, the first is already informed), so the informed set from seeds S has the same
    law as the connected components of S after keeping each undirected edge with probability p
    (bond percolation; Kempe, Kleinberg & Tardos 2003 for the live-edge view). Each sample is
    stored as every consumer's component id, so a seed set's reach in a sample is the total size
    of its distinct components. Memory: 4 x samples x n bytes.
    """

    def __init__(self, graph: Graph, p: float, samples: int, rng: np.random.Generator,
                 progress: Progress | None = None) -> None:
        n = graph.n
        u, v = graph.edges()
        dtype = index_dtype(samples * n)  # component ids over all samples
        self.samples = samples
        self.component = np.empty((n, samples), dtype=dtype)  # global component ids
        sizes, offset = [], 0
        with bar(progress, samples, "seeding: live-edge samples", "sample") as done:
            for r in range(samples):
                live = random_subset(u.size, p, rng)
                kept = sp.csr_array((np.ones(live.size, np.int8), (u[live], v[live])),
                                    shape=(n, n))
                k, label = connected_components(kept, directed=False)
                self.component[:, r] = label + offset
                sizes.append(np.bincount(label, minlength=k))
                offset += k
                if done is not None:
                    done.update(1)
        self.size = np.concatenate(sizes).astype(dtype)  # consumers in each component

    def reach(self, seeds: np.ndarray) -> np.ndarray:
        """Consumers the cascade from ``seeds`` reaches in each sample, seeds included."""
        comp = np.sort(self.component[np.asarray(seeds, dtype=np.int64)], axis=0)
        if comp.shape[0] == 0:
            return np.zeros(self.samples, dtype=np.int64)
        first = np.ones(comp.shape, dtype=bool)  # per sample (column): first of each component
        first[1:] = comp[1:] != comp[:-1]
        return np.where(first, self.size[comp], 0).sum(axis=0, dtype=np.int64)


class _Celf(_Ranker):
    """CELF lazy greedy on the spread estimated from fixed live-edge samples. A consumer's
    marginal gain is the size of its components not yet reached, summed over samples (an integer,
    so equal gains tie exactly and break at random)."""

    def __init__(self, graph: Graph, p: float, samples: int, rng: np.random.Generator,
                 progress: Progress | None = None) -> None:
        self.live = LiveEdgeSamples(graph, p, samples, rng, progress)
        n = graph.n
        tie = rng.permutation(n)
        self.reached = np.zeros(self.live.size.size, dtype=bool)  # components reached so far
        self.picked = np.zeros(n, dtype=bool)
        self.gains: list[int] = []  # marginal gain of each pick, summed over samples
        gain = np.concatenate([
            self.live.size[self.live.component[i: i + _GAIN_ROWS]].sum(axis=1, dtype=np.int64)
            for i in range(0, n, _GAIN_ROWS)])
        # (-gain upper bound, tie, consumer, picks made when it was computed)
        self.heap = list(zip((-gain).tolist(), tie.tolist(), range(n), [0] * n, strict=True))
        heapq.heapify(self.heap)
        self.rest = np.lexsort((tie, -graph.degree))  # once the samples are exhausted
        self.exhausted = False

    def _gain(self, v: int) -> int:
        comp = self.live.component[v]
        return int(self.live.size[comp][~self.reached[comp]].sum())

    def take(self, count: int) -> np.ndarray:
        out: list[int] = []
        heap = self.heap
        while len(out) < count and not self.exhausted:
            if not heap or heap[0][0] >= 0:  # every bound is 0: nobody adds anything
                self.exhausted = True
                break
            neg, tie, v, rnd = heapq.heappop(heap)
            if rnd == len(self.gains):  # fresh: its gain beats every other bound
                self.picked[v] = True
                self.reached[self.live.component[v]] = True
                self.gains.append(-neg)
                out.append(v)
            else:
                heapq.heappush(heap, (-self._gain(v), tie, v, len(self.gains)))
        if len(out) < count:
            rest = self.rest[~self.picked[self.rest]][: count - len(out)]
            self.picked[rest] = True
            out.extend(rest.tolist())
        return np.array(out, dtype=np.int64)
