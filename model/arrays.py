"""Array helpers the rules share: sorted sets, membership, random subsets, grouping by receiver.

One place for each idiom, so the rules read as what they do (``member``, ``group_by_receiver``,
``coin_flips``) rather than as index arithmetic. The numpy helpers serve set-up (graphs,
seeding); the compiled ones serve the step's rules.
"""

from __future__ import annotations

import math

import numpy as np

from ewom_abm.model.jit import exponential, generator, inline, jit


def index_dtype(largest: int) -> type[np.signedinteger]:
    """The integer type for ids and counts up to ``largest``: int32 while they fit (half the
    memory and bandwidth of int64 for graphs and samples below 2^31 entries), int64 beyond."""
    return np.int32 if largest < 2**31 else np.int64


def first_of_run(ordered: np.ndarray) -> np.ndarray:
    """Mask of entries of a sorted array that differ from their predecessor."""
    keep = np.empty(ordered.shape[0], dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return keep


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values; np.unique is far slower than sort + mask on this numpy build."""
    keys = np.sort(keys)
    return keys[first_of_run(keys)]


def member(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` occur in the sorted array ``sorted_ref``."""
    if sorted_ref.size == 0:
        return np.zeros(values.shape[0], dtype=bool)
    pos = np.searchsorted(sorted_ref, values)
    np.minimum(pos, sorted_ref.size - 1, out=pos)
    return sorted_ref[pos] == values


def random_subset(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Each of n consumers independently with probability p: a binomial count, then a uniform
    subset of that size (the same distribution as n coin flips, at the cost of the hits)."""
    k = int(rng.binomial(n, p)) if p > 0 else 0
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, np.int64)


def top_k(score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the k highest scores, ties broken at random (equal-degree lattices stay fair)."""
    k = int(min(max(k, 0), score.size))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((rng.random(score.size), -score))
    return order[:k]


# --------------------------------------------------------------------------- compiled helpers

@inline
def skip(scale: float, gen: object) -> float:
    """Failures before the next success of Bernoulli(p) trials, ``scale = -1 / log(1 - p)``:
    a geometric gap by inversion of an exponential draw, as a float, so a caller compares it
    with its bound before casting and a vanishing p cannot overflow an integer."""
    return np.floor(exponential(gen) * scale)


@jit
def grow(buffer: np.ndarray, used: int, need: int) -> np.ndarray:
    """A larger buffer (at least ``need`` entries, and twice the old size) holding the first
    ``used`` entries of ``buffer``."""
    out = np.empty(max(2 * buffer.size, need), buffer.dtype)
    for k in range(used):
        out[k] = buffer[k]
    return out


@jit
def coin_flips(n: int, p: float, rng: object) -> np.ndarray:
    """Each of n consumers independently with probability p, in increasing order: skipping
    from hit to hit, so the cost follows the hits."""
    gen = generator(rng)
    if p <= 0 or n <= 0:
        return np.empty(0, np.int64)
    scale = -1.0 / math.log1p(-p) if p < 1 else 0.0  # p = 1: every one
    out = np.empty(min(n, int(n * p + 6 * math.sqrt(n * p) + 16)), np.int64)
    k = 0
    at = skip(scale, gen)
    while at < n:
        if k == out.size:
            out = grow(out, k, k + 1)
        out[k] = int(at)
        k += 1
        at = int(at) + 1 + skip(scale, gen)
    return out[:k]


@jit
def group_by_receiver(dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receivers in the order of their first message, and the messages of the r-th one:
    ``order[start[r]:start[r + 1]]``, in batch order (a stable counting sort: its cost follows
    the messages, with a sparse set over the n consumers that is never cleared)."""
    slot = np.empty(n, np.int64)  # valid where receivers[slot[i]] == i (Briggs & Torczon)
    receivers = np.empty(dst.size, np.int64)
    k = 0
    for i in dst:
        s = slot[i]
        if not (0 <= s < k and receivers[s] == i):
            slot[i] = k
            receivers[k] = i
            k += 1
    start = np.zeros(k + 1, np.int64)
    for i in dst:
        start[slot[i] + 1] += 1
    for r in range(k):
        start[r + 1] += start[r]
    fill = np.empty(k, np.int64)  # where the next message of each receiver goes
    for r in range(k):
        fill[r] = start[r]
    order = np.empty(dst.size, np.int64)
    for m in range(dst.size):
        r = slot[dst[m]]
        order[fill[r]] = m
        fill[r] += 1
    return receivers[:k], start, order


@jit
def first_above(cum: np.ndarray, x: float) -> int:
    """The first index whose running total ``cum`` exceeds x (a binary search)."""
    lo, hi = 0, cum.size
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo
