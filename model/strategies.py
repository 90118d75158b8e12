"""What each brand strategy does with its budget in one step.

Each strategy returns an :class:`Action`: the brand's own messages this step, what they cost,
how much they boost sharing, and who may adopt (exclusivity sells to the core in capped drops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ewom_abm.model.ewom import Messages, transmit
from ewom_abm.model.funnel import Access
from ewom_abm.model.state import Stage

if TYPE_CHECKING:
    from ewom_abm.agents.brand import Brand
    from ewom_abm.model.model import EwomModel


@dataclass(eq=False)
class Action:
    """One brand's move in one step."""

    messages: Messages
    spend: float
    share_boost: float = 0.0
    access: Access = field(default_factory=Access)


def affordable(budget: float, cost: float, available: int) -> int:
    """How many actions of this cost the budget buys, at most ``available``."""
    if cost <= 0:
        return available
    return int(min(available, np.floor(budget / cost + 1e-9)))


def entertainment(brand: Brand, model: EwomModel) -> Action:
    """Entertaining content shown to random consumers of both segments; while it runs, word
    of mouth about the brand is more likely to be shared."""
    cfg, rng = brand.cfg, model.rng
    k = affordable(cfg.budget, cfg.cost_contact, model.n)
    targets = rng.choice(model.n, size=k, replace=False)
    return Action(Messages.make(targets, valence=1.0, weight=1.0), spend=k * cfg.cost_contact,
                  share_boost=cfg.entertainment_value if k else 0.0)


def influencer(brand: Brand, model: EwomModel) -> Action:
    """Paid posts by the top opinion leaders: each post reaches ``post_reach`` of their friends
    with the lower trust of paid content; each influencer risks a scandal per step that turns
    their posts negative, after which the brand drops them."""
    cfg, rng = brand.cfg, model.rng
    # the best not yet dropped: the first (budget + dropped) in the order hold enough of them
    head = brand.seed_order[: affordable(cfg.budget, cfg.cost_influencer, model.n)
                            + brand.scandals]
    pool = head[~brand.dropped[head]]
    k = affordable(cfg.budget, cfg.cost_influencer, pool.size)
    paid = pool[:k]
    scandal = rng.random(k) < cfg.scandal_prob
    valence = np.where(scandal, -1.0, 1.0).astype(np.float32)
    slot, dst = transmit(model.graph, paid, np.full(k, cfg.post_reach, np.float32), rng)
    brand.dropped[paid[scandal]] = True
    brand.scandals += int(scandal.sum())
    posts = Messages.make(dst, valence=valence[slot], weight=cfg.influencer_trust)
    briefs = Messages.make(paid, valence=valence, weight=1.0)  # the influencers know the brand
    return Action(Messages.concat([briefs, posts]), spend=k * cfg.cost_influencer)


def exclusivity(brand: Brand, model: EwomModel) -> Action:
    """Invitations to core consumers only (high desire per exposure), events that turn existing
    clients into advocates, and sales in limited drops to the core segment."""
    cfg, rng, cons, b = brand.cfg, model.rng, model.consumers, brand.index
    stage = cons.stage[b]
    prospects = np.flatnonzero(cons.core & (stage != Stage.ADOPTER) & (stage != Stage.REJECTER))
    k_inv = affordable(cfg.budget * (1 - cfg.client_share), cfg.cost_invitation, prospects.size)
    invited = rng.choice(prospects, size=k_inv, replace=False)
    clients = np.flatnonzero((stage == Stage.ADOPTER) & ~cons.advocate[b])
    k_ev = affordable(cfg.budget * cfg.client_share, cfg.cost_invitation, clients.size)
    hosted = rng.choice(clients, size=k_ev, replace=False)
    cons.advocate[b, hosted] = True
    cap = 0 if cfg.adoption_cap == 0 else max(1, round(cfg.adoption_cap * model.n))
    msgs = Messages.concat([Messages.make(invited, 1.0, cfg.exclusive_persuasion),
                            Messages.make(hosted, 1.0, 1.0)])
    return Action(msgs, spend=(k_inv + k_ev) * cfg.cost_invitation,
                  access=Access(core_only=True, cap=cap))


STRATEGY_ACTIONS: dict[str, Callable[[Brand, EwomModel], Action]] = {
    "entertainment": entertainment,
    "influencer": influencer,
    "exclusivity": exclusivity,
}
