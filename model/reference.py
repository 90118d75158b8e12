"""Closed forms and exact references the model docks to (MODEL.md's required properties).

Used by the validation tests and by ``benchmarks/docking.py``, which prints the errors.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from ewom_abm.model.graph import Graph
from ewom_abm.model.scenario import WEEKS_PER_YEAR, weekly_chance

# Overrides that make consumers homogeneous and the funnel frictionless (an exposure is an
# adoption: one message makes the attitude 1, so liking and desire are 1), with no status
# effects, advertising, attention limit, fading talk, price, disappointment or strategy: the
# setting the closed forms assume.
DOCKED = (
    "consumers.trait_spread=0", "consumers.share_propensity=1", "consumers.susceptibility=1",
    "consumers.status_sensitivity_core=0", "consumers.status_sensitivity_aspirational=0",
    "consumers.attention=0",
    "funnel.p_interest=1", "funnel.p_adopt=1", "funnel.competition=0",
    "ewom.advocate_boost=1", "funnel.reject_threshold=-1", "ewom.p_external=0",
    "ewom.talk_halflife=0", "brands.0.budget=0", "brands.0.price=0", "brands.0.quality=1",
    "brands.0.quality_spread=0", "status.desire_top=1",
)


def bass_recurrence(p: float, q: float, steps: int) -> np.ndarray:
    """Discrete Bass: F(t+1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0; shape (steps + 1,)."""
    f = np.zeros(steps + 1)
    for t in range(steps):
        f[t + 1] = f[t] + (p + q * f[t]) * (1 - f[t])
    return f


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Continuous Bass: F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - e) / (1 + (q / p) * e)


def bass_sd(p: float, q: float, steps: int, n: int) -> np.ndarray:
    """Standard deviation of one run's adopter share around the recurrence, by the linear noise
    approximation: V(t+1) = J(t)^2 V(t) + h (1 - h) (1 - F) / n, J = 1 + q - p - 2 q F."""
    f = bass_recurrence(p, q, steps)
    v = np.zeros(steps + 1)
    for t in range(steps):
        h = p + q * f[t]
        jac = 1 + q - p - 2 * q * f[t]
        v[t + 1] = jac**2 * v[t] + h * (1 - h) * (1 - f[t]) / n
    return np.sqrt(v)


def er_giant_fraction(c: float) -> float:
    """The giant cascade fraction z solving z = 1 - e^(-c z) (0 when c <= 1)."""
    if c <= 1:
        return 0.0
    z = 1.0
    for _ in range(10_000):
        z_new = 1 - np.exp(-c * z)
        if abs(z_new - z) < 1e-15:
            break
        z = z_new
    return float(z)


def er_giant_sd(c: float, n: int) -> float:
    """Sd of the giant component's share in G(n, c/n): sqrt(z (1 - z) / (1 - c (1 - z))^2 / n)."""
    z = er_giant_fraction(c)
    return float(np.sqrt(z * (1 - z) / (1 - c * (1 - z)) ** 2 / n))


def _arcs(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    src = np.repeat(np.arange(graph.n), graph.degree)
    return src, graph.indices.astype(np.int64)


def cascade_distribution_exact(graph: Graph, seeds: list[int], p: float) -> np.ndarray:
    """Exact distribution of the independent cascade's final size (seeds included): entry k is
    P(size = k), from enumerating every live/dead pattern of the directed arcs (<= 20 arcs)."""
    src, dst = _arcs(graph)
    k = src.size
    if k > 20:
        raise ValueError(f"{k} arcs: too many to enumerate")
    dist = np.zeros(graph.n + 1)
    for live in itertools.product((False, True), repeat=k):
        live = np.array(live, dtype=bool)
        dist[_reached(graph.n, src[live], dst[live], seeds)] += (
            p ** live.sum() * (1 - p) ** (k - live.sum()))
    return dist


def _reached(n: int, src: np.ndarray, dst: np.ndarray, seeds: list[int] | np.ndarray) -> int:
    """Consumers reachable from the seeds along the given arcs (seeds included)."""
    seeds = np.asarray(seeds)
    rows = np.concatenate([src, np.full(seeds.size, n)])
    cols = np.concatenate([dst, seeds])
    adj = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n + 1, n + 1))
    return breadth_first_order(adj, n, directed=True, return_predecessors=False).size - 1


def live_edge_reach(graph: Graph, seeds: np.ndarray, p: float, rng: np.random.Generator) -> int:
    """One live-edge percolation sample: each directed arc is live with probability p; the
    cascade is everything reachable from the seeds (Kempe, Kleinberg & Tardos 2003)."""
    src, dst = _arcs(graph)
    live = rng.random(src.size) < p
    return _reached(graph.n, src[live], dst[live], seeds)


def epidemic_threshold(graph: Graph) -> float:
    """Bond-percolation threshold of a graph with this degree sequence: <k> / (<k^2> - <k>)."""
    k = graph.degree.astype(float)
    return float(k.mean() / ((k**2).mean() - k.mean()))


def weekly_bass(p_year: float, q_year: float) -> tuple[float, float]:
    """Annual Bass coefficients as weekly ones (a step is a week): the innovation hazard
    ``1 - exp(-p / 52)`` (a constant hazard over the week) and the imitation coefficient
    ``q / 52`` (the Bass hazard p + q F is a rate per year; a weekly step is its Euler step)."""
    return weekly_chance(p_year), q_year / WEEKS_PER_YEAR
