"""Which social graph a scenario asks for: the network kinds, their parameters checked before
any run starts, and the graph built (generated, or read from a file) once per process.

Graphs are immutable (read-only arrays), so one graph can serve many runs: ``build_graph``
keeps a small process-wide LRU of graph files (keyed by resolved path and content hash) and
of generated graphs drawn from their own ``graph_seed``; a sweep's or calibration's runs in
one worker then parse or generate a graph once. The CSR layout is ``model/graph.py``; the
generators ``model/generators.py``; the file readers ``model/graph_files.py``.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

import numpy as np

from ewom_abm import files
from ewom_abm.model.errors import EwomError
from ewom_abm.model.generators import MAX_COMPLETE_N, generate
from ewom_abm.model.graph import KINDS, Graph, as_float, as_int
from ewom_abm.model.graph_files import content_hash, parse_graph_bytes

__all__ = ["KINDS", "Graph", "build_graph", "cached_graph_file", "check_params",
           "clear_graph_cache", "graph_cache_info"]

MAX_N = 2**31 - 1  # consumers: beyond it ids need 64 bits, and a market of 400 GB of state


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
        seed = as_int("network.graph_seed", graph_seed, 0)
        if kind == "global":
            return None
        key = ("generated", kind, tuple(sorted(params.items())), seed)
        return _GRAPHS.get(key, lambda: generate(kind, params, np.random.default_rng(seed)))
    if not isinstance(rng, np.random.Generator):
        raise EwomError(
            f"network.seed: rng must be a numpy.random.Generator, got {type(rng).__name__}"
        )
    if kind == "global":
        return None
    return generate(kind, params, rng)


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
    n = as_int("network.n", n, 2, MAX_N, hi_text=f"{MAX_N:,} (2^31 - 1)")
    if kind == "complete" and n > MAX_COMPLETE_N:
        raise EwomError(f"network.n: complete graph limited to n <= {MAX_COMPLETE_N} (memory: "
                        f"it needs n*(n-1) stored neighbours), got {n}; use 'global' for "
                        "all-to-all mixing")
    if kind in ("global", "complete"):
        return {"n": n}
    params: dict[str, object] = {"n": n, "mean_degree": as_float(
        "network.mean_degree", mean_degree, 0.0, float(n), open_interval=True,
        hi_text=f"network.n ({n})")}
    if kind == "watts_strogatz":
        params["rewire"] = as_float("network.rewire", rewire, 0.0, 1.0)
    if kind == "stochastic_block":
        params["blocks"] = as_int("network.blocks", blocks, 1, n, hi_text=f"network.n ({n})")
        params["mixing"] = as_float("network.mixing", mixing, 0.0, 1.0)
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
    key = ("file", str(files.resolve(path, "network.path")), content_hash(raw))
    return _GRAPHS.get(key, lambda: parse_graph_bytes(raw, path))
