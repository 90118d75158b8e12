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

from ewom_abm.model.ewom import transmit
from ewom_abm.model.funnel import Access
from ewom_abm.model.graph import Graph
from ewom_abm.model.jit import below, generator, jit, stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.scenario import BrandConfig, weekly_chance
from ewom_abm.model.state import REJECTER, Consumers


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
    unit: float = 1.0  # market.scale / 1000: a cost in EUR per real consumer, as the budget's kEUR


@dataclass(eq=False)
class Action:
    """One brand's decision for one step."""

    messages: Messages
    spend: float  # in the budget's unit (thousands of EUR)
    boosted: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sorted
    boost: float = 0.0  # extra share of word of mouth by the consumers in ``boosted``
    access: Access = field(default_factory=Access)
    drop: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # after scandals


NOTHING = Messages.empty()  # what a brand without a budget sends (shared: nothing changes it)


def affordable(budget: float, cost: float, available: int) -> int:
    """How many actions of this (positive) cost the budget buys, at most ``available`` (cost
    in the budget's unit: EUR per real consumer x market.scale / 1000, in thousands of EUR)."""
    return int(min(available, np.floor(budget / cost + 1e-9)))


def entertainment(m: Market) -> Action:
    """Entertaining content shown to random consumers of both segments: it makes them aware and
    builds trust, and the consumers it reached share word of mouth about the brand more this
    step (by ``entertainment_value``)."""
    cfg, n = m.cfg, m.cons.n
    cost = cfg.cost_contact * m.unit
    k = affordable(cfg.budget, cost, n)
    if k == 0:
        return Action(NOTHING, spend=0.0)
    targets = np.sort(m.rng.choice(n, size=k, replace=False))
    return Action(Messages.make(targets, 1.0, 1.0, Source.CONTENT),
                  spend=k * cost, boosted=targets, boost=cfg.entertainment_value)


def influencer(m: Market) -> Action:
    """Paid posts by the best opinion leaders not dropped: each post reaches ``post_reach`` of
    their friends with the lower trust of paid content; each paid influencer risks a scandal
    each week (``scandal_rate`` a year) that turns their post negative, after which the brand
    drops them."""
    cfg, rng, n = m.cfg, m.rng, m.cons.n
    cost = cfg.cost_influencer * m.unit
    wanted = affordable(cfg.budget, cost, n)
    head = m.order[: wanted + int(np.count_nonzero(m.dropped))]  # enough to skip the dropped
    paid = head[~m.dropped[head]][:wanted]
    k = paid.size
    scandal = rng.random(k) < weekly_chance(cfg.scandal_rate)
    valence = np.where(scandal, -1.0, 1.0).astype(np.float32)
    if m.graph is not None and k:
        slot, dst = transmit(m.graph.links, paid, np.full(k, cfg.post_reach, np.float32),
                             stream(rng))
    else:
        slot, dst = np.empty(0, np.int64), np.empty(0, np.int64)
    # the influencers know the brand from a paid brief: what they relay is paid content too;
    # then their posts
    source = np.repeat(np.array([Source.BRIEF, Source.POST], np.int8), [k, dst.size])
    msgs = Messages.make(np.concatenate((paid, dst)), np.concatenate((valence, valence[slot])),
                         cfg.influencer_trust, source)
    return Action(msgs, spend=k * cost, drop=paid[scandal])


def exclusivity(m: Market) -> Action:
    """Invitations to prospects in the core (persuasive: ``exclusive_persuasion``), events that
    turn satisfied clients into advocates with news to tell, sales in limited drops
    (``adoption_cap`` per step) and selective distribution: only ``distribution`` of the
    would-be buyers outside the core find it on sale. Whatever one half of the budget cannot
    buy (too few clients, or too few prospects) goes to the other half; what neither can buy is
    not spent."""
    cfg, cons = m.cfg, m.cons
    prospects, clients = prospects_and_clients(cons, m.b)
    cost = cfg.cost_invitation * m.unit
    k_ev = affordable(cfg.budget * cfg.client_share, cost, clients.size)
    k_inv = affordable(cfg.budget - k_ev * cost, cost, prospects.size)
    k_ev = affordable(cfg.budget - k_inv * cost, cost, clients.size)
    rng = stream(m.rng)
    invited, hosted = sample(prospects, k_inv, rng), sample(clients, k_ev, rng)
    trust = np.repeat(np.array([cfg.exclusive_persuasion, 1.0], np.float32), [k_inv, k_ev])
    source = np.repeat(np.array([Source.INVITATION, Source.EVENT], np.int8), [k_inv, k_ev])
    msgs = Messages.make(np.concatenate((invited, hosted)), 1.0, trust, source)
    cap = 0 if cfg.adoption_cap == 0 else max(1, round(cfg.adoption_cap * cons.n))
    return Action(msgs, spend=(k_inv + k_ev) * cost,
                  access=Access(distribution=cfg.distribution, cap=cap))


@jit
def prospects_and_clients(cons: Consumers, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Exclusivity's targets: prospects (in the core, not owning brand b, not rejecting it)
    and clients (owners who do not reject it and were not disappointed)."""
    prospects, clients = np.empty(cons.core.size, np.int64), np.empty(cons.core.size, np.int64)
    p = c = 0
    for i in range(cons.core.size):
        if cons.stage[b, i] == REJECTER:
            continue
        if cons.owner[b, i]:
            if cons.disappointment[b, i] >= 0:
                clients[c] = i
                c += 1
        elif cons.core[i]:
            prospects[p] = i
            p += 1
    return prospects[:p], clients[:c]


@jit
def sample(pool: np.ndarray, k: int, rng: object) -> np.ndarray:
    """k of ``pool`` uniformly at random without replacement (a partial shuffle of a copy)."""
    gen = generator(rng)
    out = pool.copy()
    for j in range(k):
        pick = j + below(out.size - j, gen)
        out[j], out[pick] = out[pick], out[j]
    return out[:k]


STRATEGY_ACTIONS: dict[str, Callable[[Market], Action]] = {
    "entertainment": entertainment,
    "influencer": influencer,
    "exclusivity": exclusivity,
}
