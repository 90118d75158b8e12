"""Consumer state as a struct of arrays: the one place that knows its layout.

Traits are per consumer, shape ``(n,)``; funnel state is per brand and consumer, shape
``(n_brands, n)``, so every rule is a handful of numpy operations over all consumers at once.
``agents.consumer.Consumer`` is a readable view onto one column of these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np

from ewom_abm.model.scenario import ConsumerConfig

NO_MESSAGE = np.iinfo(np.int16).max  # hops of a consumer who holds no message


class Stage(IntEnum):
    """Funnel stage of one consumer for one brand."""

    UNAWARE = 0
    AWARE = 1
    INTERESTED = 2
    ADOPTER = 3
    REJECTER = 4  # aware, negative, and spreading negative word of mouth


def beta_traits(mean: float, spread: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Beta draws with the given mean and sd = spread * sqrt(mean (1 - mean)); spread 0 gives
    everyone the mean (docking runs need homogeneous consumers)."""
    if spread <= 0 or mean <= 0 or mean >= 1:
        return np.full(size, mean, dtype=np.float32)
    concentration = 1.0 / spread**2 - 1.0
    return rng.beta(mean * concentration, (1 - mean) * concentration, size).astype(np.float32)


@dataclass(eq=False)
class Consumers:
    """All consumers: fixed traits plus per-brand funnel state."""

    core: np.ndarray  # bool (n,): in the core (affluent target) segment
    susceptibility: np.ndarray  # float32 (n,)
    propensity: np.ndarray  # float32 (n,): propensity to share
    status: np.ndarray  # float32 (n,): status sensitivity (snob effect)
    leader: np.ndarray  # bool (n,): opinion leader
    stage: np.ndarray  # int8 (B, n): Stage
    attitude: np.ndarray  # float32 (B, n): valence of the consumer's view, in [-1, 1]
    advocate: np.ndarray  # bool (B, n)
    exposures: np.ndarray  # int32 (B, n): messages received so far
    hops: np.ndarray  # int16 (B, n): retellings between the brand and the message held
    valence: np.ndarray  # float32 (B, n): valence of the message held
    sponsored: np.ndarray  # bool (B, n): the message held started as paid/brand content
    told: np.ndarray  # bool (B, n): has already talked (share_once mode)

    @property
    def n(self) -> int:
        return self.core.size

    @cached_property
    def core_count(self) -> int:
        """Consumers in the core segment (a fixed trait: counted once, not every step)."""
        return int(np.count_nonzero(self.core))

    @classmethod
    def create(cls, n: int, n_brands: int, cfg: ConsumerConfig, degree: np.ndarray | None,
               rng: np.random.Generator) -> Consumers:
        """Draw traits; everyone starts unaware of every brand with a neutral attitude."""
        core = np.zeros(n, dtype=bool)
        core[rng.permutation(n)[: round(cfg.core_share * n)]] = True
        spread = cfg.trait_spread
        status = np.where(
            core,
            beta_traits(cfg.status_core, spread, n, rng),
            beta_traits(cfg.status_aspirational, spread, n, rng),
        ).astype(np.float32)
        shape = (n_brands, n)
        return cls(
            core=core,
            susceptibility=beta_traits(cfg.susceptibility, spread, n, rng),
            propensity=beta_traits(cfg.share_propensity, spread, n, rng),
            status=status,
            leader=pick_leaders(n, cfg.leader_share, cfg.leader_centrality, degree, rng),
            stage=np.zeros(shape, dtype=np.int8),
            attitude=np.zeros(shape, dtype=np.float32),
            advocate=np.zeros(shape, dtype=bool),
            exposures=np.zeros(shape, dtype=np.int32),
            hops=np.full(shape, NO_MESSAGE, dtype=np.int16),
            valence=np.zeros(shape, dtype=np.float32),
            sponsored=np.zeros(shape, dtype=bool),
            told=np.zeros(shape, dtype=bool),
        )


def top_k(score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the k highest scores, ties broken at random (equal-degree lattices stay fair)."""
    k = int(min(max(k, 0), score.size))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((rng.random(score.size), -score))
    return order[:k]


def pick_leaders(n: int, share: float, centrality: str, degree: np.ndarray | None,
                 rng: np.random.Generator) -> np.ndarray:
    """Opinion leaders: the top share of consumers by centrality (at random without a graph)."""
    k = round(share * n)
    leader = np.zeros(n, dtype=bool)
    if centrality == "degree" and degree is not None:
        leader[top_k(degree.astype(np.float64), k, rng)] = True
    else:
        leader[rng.permutation(n)[:k]] = True
    return leader
