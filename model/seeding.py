"""Whom a brand seeds or pays: an order of consumers, best first."""

from __future__ import annotations

import numpy as np

from model.network import Graph
from model.state import top_k


def seed_order(rule: str, n: int, graph: Graph | None, rng: np.random.Generator) -> np.ndarray:
    """All consumers ranked by the seeding rule (``random`` or ``degree``, ties at random);
    without a graph every rule is random."""
    if rule == "degree" and graph is not None:
        return top_k(graph.degree.astype(np.float64), n, rng)
    return rng.permutation(n)
