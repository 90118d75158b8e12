"""Where each consumer sits in the network picture: computed once per graph, seeded, cached.

``networkx.spring_layout`` takes seconds at 1,000 nodes (its sparse path loops over nodes in
Python) and Mesa's network space recomputes it on every reset. Here a Fruchterman-Reingold
layout runs vectorised: attraction along the CSR edge arrays, repulsion through a particle-mesh
approximation (node density on a grid, convolved by FFT with the FR repulsion kernel), so one
iteration costs O(n + m + G^2 log G) instead of O(n^2). Layouts are cached by the graph's
content, so steps, resets and a second visit to a preset reuse them.

Graphs above ``DRAW_MAX`` nodes are drawn as a snowball sample of ``DRAW_SAMPLE`` nodes (a
connected-looking piece of the network, not scattered isolated dots); the picture says so.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ewom_abm.model.graph import Graph

DRAW_MAX = 5_000  # draw every consumer up to this many
DRAW_SAMPLE = 3_000  # above it, draw a snowball sample of this many
LAYOUT_VERSION = 1  # bump when the algorithm changes: part of the cache key
_CACHE_SIZE = 16
_cache: OrderedDict[tuple, Picture] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class Picture:
    """The drawable part of a graph: which consumers are shown, where, and the edges among them.

    ``nodes`` are indices into the model's consumers; ``pos`` (len(nodes), 2) lies in [0, 1]^2;
    ``edges`` (k, 2) index into ``nodes``. ``sampled`` is True when not everyone is shown.
    """

    nodes: np.ndarray
    pos: np.ndarray
    edges: np.ndarray
    n_total: int
    sampled: bool
    key: str


def fingerprint(graph: Graph) -> str:
    """A short content hash of the graph's CSR arrays (same graph, same key, any session)."""
    h = hashlib.blake2b(digest_size=12)
    h.update(np.ascontiguousarray(graph.indptr).view(np.uint8))
    h.update(np.ascontiguousarray(graph.indices).view(np.uint8))
    return h.hexdigest()


def picture(graph: Graph, seed: int = 0) -> Picture:
    """The cached picture of ``graph`` (computed on first use)."""
    key = (fingerprint(graph), int(seed), LAYOUT_VERSION, DRAW_MAX, DRAW_SAMPLE)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    pic = _compute(graph, seed, key[0])
    with _lock:
        _cache[key] = pic
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return pic


def cache_clear() -> None:
    with _lock:
        _cache.clear()


def _compute(graph: Graph, seed: int, fp: str) -> Picture:
    rng = np.random.default_rng(seed)
    n = graph.n
    nodes = snowball(graph, DRAW_SAMPLE, rng) if n > DRAW_MAX else np.arange(n, dtype=np.int64)
    indptr, indices = induced(graph, nodes)
    edges = _edge_pairs(indptr, indices)
    if graph.kind == "watts_strogatz" and nodes.size == n:
        pos = ring_layout(n, rng)
    else:
        pos = fr_layout(indptr, indices, rng)
    return Picture(nodes=nodes, pos=pos, edges=edges, n_total=n, sampled=nodes.size < n, key=fp)


def snowball(graph: Graph, size: int, rng: np.random.Generator) -> np.ndarray:
    """Breadth-first waves from random roots until ``size`` consumers are taken (sorted)."""
    n = graph.n
    taken = np.zeros(n, dtype=bool)
    count = 0
    order = rng.permutation(n)
    root_at = 0
    frontier = np.empty(0, dtype=np.int64)
    while count < size:
        if frontier.size == 0:
            while taken[order[root_at]]:
                root_at += 1
            frontier = order[root_at: root_at + 1].astype(np.int64)
            taken[frontier] = True
            count += 1
            continue
        starts, ends = graph.indptr[frontier], graph.indptr[frontier + 1]
        nb = np.concatenate([graph.indices[s:e] for s, e in zip(starts, ends, strict=True)]) \
            if frontier.size else np.empty(0, np.int64)
        nb = np.unique(nb)
        nb = nb[~taken[nb]]
        rng.shuffle(nb)
        nb = nb[: size - count]
        taken[nb] = True
        count += nb.size
        frontier = nb.astype(np.int64)
    return np.flatnonzero(taken)


def induced(graph: Graph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, indices) of the subgraph induced by sorted ``nodes``, relabelled 0..k-1."""
    if nodes.size == graph.n:
        return graph.indptr.astype(np.int64), graph.indices.astype(np.int64)
    local = np.full(graph.n, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    deg = graph.indptr[nodes + 1] - graph.indptr[nodes]
    src = np.repeat(np.arange(nodes.size), deg)
    idx = np.concatenate([np.arange(graph.indptr[i], graph.indptr[i + 1]) for i in nodes]) \
        if nodes.size else np.empty(0, np.int64)
    dst = local[graph.indices[idx]]
    keep = dst >= 0
    src, dst = src[keep], dst[keep]
    indptr = np.zeros(nodes.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=nodes.size), out=indptr[1:])
    return indptr, dst


def _edge_pairs(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    src = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    keep = src < indices
    return np.column_stack([src[keep], indices[keep]]).astype(np.int32)


# --------------------------------------------------------------------------- layouts

def ring_layout(n: int, rng: np.random.Generator) -> np.ndarray:
    """Watts-Strogatz graphs in their lattice order on a thick ring: friends on the lattice sit
    side by side, so word of mouth is seen creeping along the ring and jumping across it on
    the rewired shortcuts."""
    i = np.arange(n)
    angle = 2 * np.pi * i / n
    radius = 0.62 + 0.38 * rng.random(n)
    return np.column_stack([np.cos(angle) * radius, np.sin(angle) * radius]) * 0.48 + 0.5


def _unit_kernel(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """FFTs of the x and y components of r / (|r|^2 + soft^2), r in cells, on a (2G, 2G)
    periodic grid; for a cell of size c the kernel is this divided by c."""
    g2 = 2 * grid
    off = np.fft.fftfreq(g2, d=1.0 / g2)  # signed offsets in cells: 0, 1, ..., -1
    rx, ry = np.meshgrid(off, off, indexing="ij")
    r2 = rx * rx + ry * ry + 0.7**2
    return np.fft.rfft2(rx / r2), np.fft.rfft2(ry / r2)


_KERNELS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _kernel(grid: int, cell: float) -> tuple[np.ndarray, np.ndarray]:
    if grid not in _KERNELS:
        _KERNELS[grid] = _unit_kernel(grid)
    kx, ky = _KERNELS[grid]
    return kx / cell, ky / cell


def fr_layout(indptr: np.ndarray, indices: np.ndarray, rng: np.random.Generator, *,
              init: np.ndarray | None = None, iterations: int = 120,
              grid: int = 96, gravity: float = 2.0) -> np.ndarray:
    """Fruchterman-Reingold positions in [0, 1]^2 for a CSR graph (particle-mesh repulsion)."""
    n = indptr.size - 1
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    pos = init.copy() if init is not None else rng.random((n, 2))
    pos = pos + rng.normal(0, 1e-3, pos.shape)
    src = np.repeat(np.arange(n), np.diff(indptr))
    dst = np.asarray(indices, dtype=np.int64)
    k = 1.0 / np.sqrt(n)
    temp = 0.1
    cool = temp / (iterations + 1)
    for _ in range(iterations):
        lo = pos.min(axis=0)
        span = max(float((pos.max(axis=0) - lo).max()), 1e-9) * 1.0001
        cell = span / grid
        # cloud-in-cell deposit of node mass on the grid
        u = (pos - lo) / cell - 0.5
        i0 = np.floor(u).astype(np.int64)
        f = u - i0
        flat = np.zeros(4 * grid * grid)
        corners = []
        for dx in (0, 1):
            wx = f[:, 0] if dx else 1 - f[:, 0]
            ix = np.clip(i0[:, 0] + dx, 0, grid - 1)
            for dy in (0, 1):
                wy = f[:, 1] if dy else 1 - f[:, 1]
                iy = np.clip(i0[:, 1] + dy, 0, grid - 1)
                cell_id = ix * (2 * grid) + iy
                corners.append((cell_id, wx * wy))
                flat += np.bincount(cell_id, weights=wx * wy, minlength=flat.size)
        rho = flat.reshape(2 * grid, 2 * grid)
        kx, ky = _kernel(grid, cell)
        rf = np.fft.rfft2(rho)
        fx = np.fft.irfft2(rf * kx, s=rho.shape)
        fy = np.fft.irfft2(rf * ky, s=rho.shape)
        fxf, fyf = fx.reshape(-1), fy.reshape(-1)
        disp = np.zeros((n, 2))
        for cell_id, w in corners:
            disp[:, 0] += w * fxf[cell_id]
            disp[:, 1] += w * fyf[cell_id]
        disp *= k * k
        # gravity toward the centre keeps small components and isolated consumers in view
        disp -= gravity * (pos - pos.mean(axis=0))
        # attraction along edges: |d|^2 / k toward each friend
        if dst.size:
            x, y = pos[:, 0], pos[:, 1]
            dx_, dy_ = x[src] - x[dst], y[src] - y[dst]
            pull = np.sqrt(dx_ * dx_ + dy_ * dy_) / k
            disp[:, 0] -= np.bincount(src, weights=dx_ * pull, minlength=n)
            disp[:, 1] -= np.bincount(src, weights=dy_ * pull, minlength=n)
        length = np.sqrt(disp[:, 0] ** 2 + disp[:, 1] ** 2)
        length[length < 1e-12] = 1e-12
        pos += disp * (np.minimum(length, temp) / length)[:, None]
        temp -= cool
    return fit_unit_square(pos)


def fit_unit_square(pos: np.ndarray, quantile: float = 0.002) -> np.ndarray:
    """Scale into [0.02, 0.98]^2 keeping the aspect ratio; the few far outliers (isolated
    consumers pushed away by repulsion) are pulled onto the border."""
    lo = np.quantile(pos, quantile, axis=0)
    hi = np.quantile(pos, 1 - quantile, axis=0)
    span = max(float((hi - lo).max()), 1e-9)
    out = (pos - lo) / span * 0.96 + 0.02 + (1 - (hi - lo) / span) * 0.48
    return np.clip(out, 0.01, 0.99)


MIXING_SAMPLE = 2_500  # consumers shown for global mixing (no network to draw)


def mixing_picture(n: int, seed: int = 0) -> Picture:
    """Global mixing has no network: a grid of (a sample of) consumers, one square each."""
    key = ("global", int(n), int(seed), LAYOUT_VERSION, MIXING_SAMPLE)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
    rng = np.random.default_rng(seed)
    k = min(n, MIXING_SAMPLE)
    nodes = np.sort(rng.choice(n, size=k, replace=False)) if k < n else np.arange(n)
    side = int(np.ceil(np.sqrt(k)))
    cell = np.arange(k)
    pos = np.column_stack([(cell % side + 0.5) / side, 1 - (cell // side + 0.5) / side])
    pic = Picture(nodes=nodes, pos=pos * 0.96 + 0.02, edges=np.empty((0, 2), np.int32),
                  n_total=n, sampled=k < n, key=f"global-{n}-{seed}")
    with _lock:
        _cache[key] = pic
    return pic
