"""What each brand strategy does with its budget in one step.

A strategy is a rule: it reads the brand's configuration, the consumers' arrays and what the
brand knows (whom it may pay), and returns an :class:`Action` saying what it decided: the
brand's own messages this step, what they cost, whose talk its content boosts, who may buy,
and which influencers it drops. It changes nothing itself; the brand applies the decision.

Every effect scales with what was bought this step, with diminishing returns: content reaches
random consumers (more of them already reached), influencers are paid best first (the next
one has fewer followers), invitations go to a finite core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ewom_abm.model.ewom import Messages, Source, transmit
from ewom_abm.model.funnel import Access
from ewom_abm.model.graph import Graph
from ewom_abm.model.scenario import BrandConfig, weekly_chance
from ewom_abm.model.state import Consumers, Stage


@dataclass(frozen=True, eq=False)
class Market:
    """What a strategy may look at: the brand, the consumers and the graph."""

    cfg: BrandConfig
    b: int  # the brand's row in the state arrays
    cons: Consumers
    graph: Graph | None
    order: object  # the brand's seeding order: ``order[:k]`` is its best k (model/seeding.py)
    dropped: np.ndarray  # bool (n,): influencers the brand no longer pays
    rng: np.random.Generator


@dataclass(eq=False)
class Action:
    """One brand's decision for one step."""

    messages: Messages
    spend: float
    boosted: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sorted
    boost: float = 0.0  # extra share of word of mouth by the consumers in ``boosted``
    access: Access = field(default_factory=Access)
    drop: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # after scandals


def affordable(budget: float, cost: float, available: int) -> int:
    """How many actions of this (positive) cost the budget buys, at most ``available``."""
    return int(min(available, np.floor(budget / cost + 1e-9)))


def entertainment(m: Market) -> Action:
    """Entertaining content shown to random consumers of both segments: it makes them aware and
    builds trust, and the consumers it reached share word of mouth about the brand more this
    step (by ``entertainment_value``)."""
    cfg, n = m.cfg, m.cons.n
    k = affordable(cfg.budget, cfg.cost_contact, n)
    targets = np.sort(m.rng.choice(n, size=k, replace=False))
    return Action(Messages.make(targets, 1.0, 1.0, Source.CONTENT),
                  spend=k * cfg.cost_contact, boosted=targets, boost=cfg.entertainment_value)


def influencer(m: Market) -> Action:
    """Paid posts by the best opinion leaders not dropped: each post reaches ``post_reach`` of
    their friends with the lower trust of paid content; each paid influencer risks a scandal
    each week (``scandal_rate`` a year) that turns their post negative, after which the brand
    drops them."""
    cfg, rng, n = m.cfg, m.rng, m.cons.n
    wanted = affordable(cfg.budget, cfg.cost_influencer, n)
    head = m.order[: wanted + int(m.dropped.sum())]  # enough to skip every dropped one
    paid = head[~m.dropped[head]][:wanted]
    k = paid.size
    scandal = rng.random(k) < weekly_chance(cfg.scandal_rate)
    valence = np.where(scandal, -1.0, 1.0).astype(np.float32)
    if m.graph is not None and k:
        slot, dst = transmit(m.graph, paid, np.full(k, cfg.post_reach, np.float32), rng)
    else:
        slot, dst = np.empty(0, np.int64), np.empty(0, np.int64)
    posts = Messages.make(dst, valence[slot], cfg.influencer_trust, Source.POST)
    # the influencers know the brand from a paid brief: what they relay is paid content too
    briefs = Messages.make(paid, valence, cfg.influencer_trust, Source.BRIEF)
    return Action(Messages.concat([briefs, posts]), spend=k * cfg.cost_influencer,
                  drop=paid[scandal])


def exclusivity(m: Market) -> Action:
    """Invitations to prospects in the core (persuasive: ``exclusive_persuasion``), events that
    turn satisfied clients into advocates with news to tell, sales in limited drops
    (``adoption_cap`` per step) and selective distribution: only ``distribution`` of the
    would-be buyers outside the core find it on sale. Whatever one half of the budget cannot
    buy (too few clients, or too few prospects) goes to the other half; what neither can buy is
    not spent."""
    cfg, rng, cons, b = m.cfg, m.rng, m.cons, m.b
    rejecting = cons.stage[b] == Stage.REJECTER
    prospects = np.flatnonzero(cons.core & ~cons.owner[b] & ~rejecting)
    clients = np.flatnonzero(cons.owner[b] & ~rejecting & (cons.disappointment[b] >= 0))
    cost = cfg.cost_invitation
    k_ev = affordable(cfg.budget * cfg.client_share, cost, clients.size)
    k_inv = affordable(cfg.budget - k_ev * cost, cost, prospects.size)
    k_ev = affordable(cfg.budget - k_inv * cost, cost, clients.size)
    invited = rng.choice(prospects, size=k_inv, replace=False)
    hosted = rng.choice(clients, size=k_ev, replace=False)
    cap = 0 if cfg.adoption_cap == 0 else max(1, round(cfg.adoption_cap * cons.n))
    msgs = Messages.concat([Messages.make(invited, 1.0, cfg.exclusive_persuasion,
                                          Source.INVITATION),
                            Messages.make(hosted, 1.0, 1.0, Source.EVENT)])
    return Action(msgs, spend=(k_inv + k_ev) * cost,
                  access=Access(distribution=cfg.distribution, cap=cap))


STRATEGY_ACTIONS: dict[str, Callable[[Market], Action]] = {
    "entertainment": entertainment,
    "influencer": influencer,
    "exclusivity": exclusivity,
}
