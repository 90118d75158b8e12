"""Array helpers the rules share: sorted sets, membership, random subsets, grouping by receiver.

One place for each idiom, so the rules read as what they do (``member``, ``group_by_receiver``)
rather than as searchsorted arithmetic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ewom_abm.model.graph import Graph


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


def neighbours(graph: Graph, who: np.ndarray) -> np.ndarray:
    """The friends of consumers ``who``, concatenated (a friend of two appears twice)."""
    starts = graph.indptr[who]
    deg = graph.indptr[who + 1] - starts
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offset = np.repeat(starts - np.cumsum(deg) + deg, deg)
    return graph.indices[offset + np.arange(total)].astype(np.int64)


def distinct(who: np.ndarray, n: int) -> np.ndarray:
    """The distinct values of ``who`` (consumers out of n), sorted: marked in one pass when
    they are many, sorted when they are few."""
    if 16 * who.size > n:
        mark = np.zeros(n, dtype=bool)
        mark[who] = True
        return np.flatnonzero(mark)
    return sorted_unique(who)


def group_by_receiver(dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receivers (sorted), each message's receiver position, and messages per receiver.

    Few messages are sorted, so the cost follows the messages; many are counted with one pass
    over the population. Both give the same arrays."""
    if 8 * dst.size >= n:
        per_consumer = np.bincount(dst, minlength=n)
        idx = np.flatnonzero(per_consumer)
        position = np.empty(n, dtype=np.int64)
        position[idx] = np.arange(idx.size)
        return idx, position[dst], per_consumer[idx]
    order = np.argsort(dst, kind="stable")
    sorted_dst = dst[order]
    first = first_of_run(sorted_dst)
    idx = sorted_dst[first]
    inverse = np.empty(dst.size, dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    counts = np.diff(np.append(np.flatnonzero(first), dst.size))
    return idx, inverse, counts
