"""Consumer state as a struct of arrays: the one place that knows its layout.

Traits are per consumer, shape ``(n,)``; state about brands is per brand and consumer, shape
``(n_brands, n)``. :class:`Consumers` is a NamedTuple of these arrays, so every compiled rule
takes it whole and reads ``cons.attitude[b, i]``: a new piece of state is one field here and
one line in :meth:`Consumers.create` (docs/ODD.md, "How to add a rule").
``agents.consumer.Consumer`` is a readable view onto one column of these arrays.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from ewom_abm.model.arrays import top_k
from ewom_abm.model.message import Content
from ewom_abm.model.scenario import ConsumerConfig

NEVER = np.iinfo(np.int32).min // 2  # the step of something that never happened


class Stage(IntEnum):
    """Where a consumer's mind is about one brand (ownership is kept apart: ``owner``)."""

    UNAWARE = 0
    AWARE = 1
    INTERESTED = 2
    ADOPTER = 3  # bought it and still thinks well of it
    REJECTER = 4  # aware, negative, and spreading negative word of mouth (owner or not)


# the stages as plain integers, as compiled rules compare and store them (int8 in the state)
UNAWARE, AWARE, INTERESTED, ADOPTER, REJECTER = (int(s) for s in Stage)

def beta_traits(mean: float, spread: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Beta draws with the given mean and sd = spread * sqrt(mean (1 - mean)); spread 0 gives
    everyone the mean (docking runs need homogeneous consumers)."""
    if spread <= 0 or mean <= 0 or mean >= 1:
        return np.full(size, mean, dtype=np.float32)
    concentration = 1.0 / spread**2 - 1.0
    return rng.beta(mean * concentration, (1 - mean) * concentration, size).astype(np.float32)


def lognormal_prices(median: float, sigma: float, size: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Reservation prices: log-normal around the segment's median (income is skewed)."""
    if sigma <= 0 or median <= 0:
        return np.full(size, median, dtype=np.float64)
    return median * np.exp(sigma * rng.standard_normal(size))


class Consumers(NamedTuple):
    """All consumers: fixed traits plus, per brand, funnel, ownership, view and what they see."""

    # fixed traits, shape (n,)
    core: np.ndarray  # bool: in the core (affluent target) segment
    susceptibility: np.ndarray  # float32
    propensity: np.ndarray  # float32: propensity to share
    status_sensitivity: np.ndarray  # float32: how much perceived status moves desire
    leader: np.ndarray  # bool: opinion leader
    reservation_price: np.ndarray  # float64: the most they can pay for one purchase
    # per brand, shape (B, n)
    stage: np.ndarray  # int8: Stage
    owner: np.ndarray  # bool: has bought the brand
    bought: np.ndarray  # int32: step of their purchase (NEVER: none)
    attitude: np.ndarray  # float32 in [-1, 1]: valence of the consumer's view
    advocate: np.ndarray  # bool
    disappointment: np.ndarray  # float32 <= 0: how far experience fell short (0: satisfied)
    exposures: np.ndarray  # int32: messages attended to so far
    news: np.ndarray  # int32: step in which they last learned something new about the brand
    told: np.ndarray  # bool: has already talked (share_once mode)
    desire: np.ndarray  # float32 >= 0: desire for the brand, measured at the end of each step
    undiluted: np.ndarray  # float32: the desire they would have if no friend owned it
    held: Content  # the message they hold as their view (its provenance), each field (B, n)
    # what each consumer sees among friends, shape (B, n) (zero under global mixing)
    friends_aware: np.ndarray  # int32: friends who know the brand
    friends_owner_core: np.ndarray  # int32: friends in the core who own it
    friends_owner_other: np.ndarray  # int32: friends outside the core who own it

    @property
    def n(self) -> int:
        return self.core.size

    @property
    def n_brands(self) -> int:
        return self.stage.shape[0]

    @property
    def core_count(self) -> int:
        """Consumers in the core segment."""
        return int(np.count_nonzero(self.core))

    @classmethod
    def create(cls, n: int, n_brands: int, cfg: ConsumerConfig, degree: np.ndarray | None,
               rng: np.random.Generator) -> Consumers:
        """Draw traits; everyone starts unaware of every brand with a neutral attitude."""
        core = np.zeros(n, dtype=bool)
        core[rng.permutation(n)[: round(cfg.core_share * n)]] = True
        spread = cfg.trait_spread
        status_sensitivity = np.where(
            core,
            beta_traits(cfg.status_sensitivity_core, spread, n, rng),
            beta_traits(cfg.status_sensitivity_aspirational, spread, n, rng),
        ).astype(np.float32)
        sigma = cfg.reservation_price_spread
        reservation_price = np.where(
            core,
            lognormal_prices(cfg.reservation_price_core, sigma, n, rng),
            lognormal_prices(cfg.reservation_price_aspirational, sigma, n, rng))
        shape = (n_brands, n)

        def zeros(dtype: type) -> np.ndarray:
            return np.zeros(shape, dtype=dtype)

        return cls(
            core=core,
            susceptibility=beta_traits(cfg.susceptibility, spread, n, rng),
            propensity=beta_traits(cfg.share_propensity, spread, n, rng),
            status_sensitivity=status_sensitivity,
            leader=pick_leaders(n, cfg.leader_share, cfg.leader_centrality, degree, rng),
            reservation_price=reservation_price,
            stage=zeros(np.int8),
            owner=zeros(bool),
            bought=np.full(shape, NEVER, dtype=np.int32),
            attitude=zeros(np.float32),
            advocate=zeros(bool),
            disappointment=zeros(np.float32),
            exposures=zeros(np.int32),
            news=np.full(shape, NEVER, dtype=np.int32),
            told=zeros(bool),
            desire=zeros(np.float32),
            undiluted=zeros(np.float32),
            held=Content.nothing(shape),
            friends_aware=zeros(np.int32),
            friends_owner_core=zeros(np.int32),
            friends_owner_other=zeros(np.int32),
        )


class Ties(NamedTuple):
    """Issue 17's state, one group per mechanism: a group is per brand and consumer, shape
    ``(B, n)``, while its mechanism is on and ``(B, 0)`` while it is off, so compiled rules test
    ``.shape[1]`` and a switched-off mechanism allocates nothing and draws nothing."""

    # followers (followers.enabled)
    follower: np.ndarray  # bool: follows the brand's account
    activity: np.ndarray  # float32: recent interactions with its posts (fading)
    followed_back: np.ndarray  # bool: the brand followed them back or replied (a one-to-one tie)
    # relationships and repeat purchase (repeat.repurchase_weeks > 0)
    strength: np.ndarray  # float32 in [0, 1]: relationship strength as last written
    strength_at: np.ndarray  # int32: the step it was written (it fades from there)
    purchases: np.ndarray  # int32: purchases of the brand
    first_purchase: np.ndarray  # int32: the step of the first (NEVER: none)
    clv_margin: np.ndarray  # float64: discounted margin earned, EUR per real customer
    crm_cost: np.ndarray  # float64: discounted one-to-one cost spent on them, EUR
    next_occasion: np.ndarray  # int32 (n,): the step of their next category occasion
    last_brand: np.ndarray  # int8 (n,): the brand they last bought (-1: none)
    # channels (channels.enabled)
    store_u: np.ndarray  # float32: where they live (below the brand's store reach: near a store)
    channel: np.ndarray  # int8: channel of their last purchase (-1 none, 0 store, 1 online)

    @property
    def following(self) -> bool:
        return self.follower.shape[1] > 0

    @property
    def repeating(self) -> bool:
        return self.strength.shape[1] > 0

    @property
    def channelled(self) -> bool:
        return self.store_u.shape[1] > 0

    @classmethod
    def create(cls, n: int, n_brands: int, followers: bool, repeat: bool, channels: bool,
               rng: np.random.Generator) -> Ties:
        """Each group sized for its mechanism; with channels on, where each consumer lives
        relative to each brand's stores is drawn now (one uniform per brand and consumer)."""
        nf, nr, nc = (n if on else 0 for on in (followers, repeat, channels))

        def arr(m: int, dtype: type, fill: float = 0) -> np.ndarray:
            return np.full((n_brands, m), fill, dtype=dtype)

        store_u = (rng.random((n_brands, n)).astype(np.float32) if channels
                   else arr(0, np.float32))
        return cls(arr(nf, bool), arr(nf, np.float32), arr(nf, bool),
                   arr(nr, np.float32), arr(nr, np.int32, NEVER), arr(nr, np.int32),
                   arr(nr, np.int32, NEVER), arr(nr, np.float64), arr(nr, np.float64),
                   np.full(nr, NEVER, np.int32), np.full(nr, -1, np.int8),
                   store_u, arr(nc, np.int8, -1))


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
