"""Relationships and repeat purchase (issue 17; docs/ODD.md 7.22-7.23): one-to-one work (R1),
relationship strength (G), repeat occasions (R2), first-purchase bookkeeping (R3) and customer
lifetime value.

A product category has a purchase cycle of ``repeat.repurchase_weeks``: each owner has an
occasion that many weeks after each purchase or decision, at which they buy the brand again,
switch to a rival or abstain (a logit choice, ODD 7.23). Relationship strength, built by
one-to-one contact and satisfying purchases and fading without them, raises the odds of buying
the incumbent again. Nothing here is drawn while ``repurchase_weeks = 0``: the model buys once,
as before issue 17.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ewom_abm.model.channels import NONE, channel_gate, shortfall
from ewom_abm.model.funnel import NO_CAP, experience_in, limited_drop
from ewom_abm.model.jit import generator, jit, uniform
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.scenario import WEEKS_PER_YEAR
from ewom_abm.model.state import ADOPTER, INTERESTED, NEVER, REJECTER, Consumers, Ties


class Occasion(NamedTuple):
    """The repeat choice's coefficients per occasion, from annual chances (ODD 7.23):
    ``p_occ(p) = 1 - (1 - p)^(W / 52)``, ``c0 = logit(p_occ(p_repeat)) - desire_weight /
    desire_top`` (p_repeat is the chance of an owner whose desire is their full liking, no
    status lift: 1 / desire_top on the 0-to-1 scale),
    ``beta_s = logit(p_occ(p_repeat_strong)) - logit(p_occ(p_repeat))``."""

    weeks: int  # W
    c0: float
    desire_weight: float
    beta_s: float
    log_dissatisfied: float  # ln(dissatisfied_odds)
    relationships: bool  # strength changes (relationships.enabled)
    contact_gain: float
    experience_gain: float
    halflife: float
    weekly_discount: float  # d = (1 + discount_rate)^(-1/52)


def per_occasion(p_year: float, weeks: int) -> float:
    """The chance per occasion, every ``weeks`` weeks, of a chance ``p_year`` per year."""
    return 1.0 - (1.0 - p_year) ** (weeks / WEEKS_PER_YEAR)


def logit(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


def occasion(cfg: object) -> Occasion:
    """The coefficients of a scenario (``cfg``: the Scenario)."""
    rep, rel = cfg.repeat, cfg.relationships
    w = rep.repurchase_weeks
    base = logit(per_occasion(rep.p_repeat, w)) if w else 0.0
    strong = logit(per_occasion(rel.p_repeat_strong, w)) if w else 0.0
    return Occasion(w, base - rep.desire_weight / cfg.status.desire_top, rep.desire_weight,
                    strong - base,
                    math.log(max(rep.dissatisfied_odds, 1e-12)), rel.enabled, rel.contact_gain,
                    rel.experience_gain, rel.halflife_weeks,
                    (1.0 + cfg.market.discount_rate) ** (-1.0 / WEEKS_PER_YEAR))


# --------------------------------------------------------------------------- strength (G)

@jit
def strength_now(strength: float, at: int, step: int, halflife: float) -> float:
    """Strength fades by half every ``halflife`` weeks without contact or purchase."""
    if at == NEVER:
        return 0.0
    return strength * 0.5 ** ((step - at) / halflife)


@jit
def gained(s: float, gain: float) -> float:
    """A contact or a satisfying purchase closes ``gain`` of the gap to 1."""
    return s + gain * (1.0 - s)


@jit
def after_purchase(s: float, satisfied: bool, oc: Occasion) -> float:
    """G2: a satisfying purchase builds the tie, a disappointing one loses that share of it."""
    return gained(s, oc.experience_gain) if satisfied else s * (1.0 - oc.experience_gain)


@jit
def contacts(ties: Ties, b: int, msgs: Messages, step: int, oc: Occasion,
             following: bool) -> None:
    """G1 over this step's attended messages about brand b: each one-to-one message or client
    event builds the receiver's tie (relationships on); a follower who gets a one-to-one
    message is followed back (followers on)."""
    for m in range(msgs.dst.size):
        src = msgs.source[m]
        if src != Source.ONE_TO_ONE and src != Source.EVENT:
            continue
        i = msgs.dst[m]
        if following and src == Source.ONE_TO_ONE and ties.follower[b, i]:
            ties.followed_back[b, i] = True
        if oc.relationships and ties.strength.shape[1] > 0:
            s = strength_now(ties.strength[b, i], ties.strength_at[b, i], step, oc.halflife)
            ties.strength[b, i] = gained(s, oc.contact_gain)
            ties.strength_at[b, i] = step


# --------------------------------------------------------------------------- R1 one-to-one

def one_to_one_pool(cons: Consumers, ties: Ties, b: int, top_share: float) -> np.ndarray:
    """Whom one-to-one work can reach: the brand's clients (owners not rejecting it), and with
    followers on the most active ``top_share`` of its followers (by recent interactions, then
    index: no draw)."""
    clients = cons.owner[b] & (cons.stage[b] != REJECTER)
    if ties.following and top_share > 0:
        act = ties.activity[b]
        count = int(np.count_nonzero(ties.follower[b]))
        k = math.ceil(top_share * count)
        active = np.flatnonzero(ties.follower[b] & (act > 0))
        if k and active.size:
            order = np.lexsort((active, -act[active]))[:k]
            clients = clients.copy()
            clients[active[order]] = True
    return np.flatnonzero(clients)


def charge(ties: Ties, b: int, targets: np.ndarray, cost_eur: float, step: int,
           oc: Occasion) -> None:
    """The one-to-one cost aimed at a customer is charged to their lifetime value, discounted
    from their first purchase (cost on non-customers is acquisition, outside CLV)."""
    if not ties.repeating or targets.size == 0:
        return
    first = ties.first_purchase[b, targets]
    cust = first != NEVER
    ties.crm_cost[b, targets[cust]] += cost_eur * oc.weekly_discount ** (step - first[cust])


# --------------------------------------------------------------------------- R3 first purchases

@jit
def first_purchases(cons: Consumers, ties: Ties, b: int, bought: np.ndarray, step: int,
                    oc: Occasion, margin_eur: float) -> None:
    """R3: a first buyer's books (one purchase, acquired now, next occasion in W weeks, the
    margin) and G2 for their experience."""
    for i in bought:
        ties.purchases[b, i] = 1
        ties.first_purchase[b, i] = step
        ties.next_occasion[i] = step + oc.weeks
        ties.last_brand[i] = b
        ties.clv_margin[b, i] += margin_eur
        if oc.relationships:
            s = strength_now(ties.strength[b, i], ties.strength_at[b, i], step, oc.halflife)
            ties.strength[b, i] = after_purchase(s, cons.disappointment[b, i] >= 0, oc)
            ties.strength_at[b, i] = step


# --------------------------------------------------------------------------- R2 occasions

class Shelf(NamedTuple):
    """Per brand (arrays of length B): what a repeat buyer meets."""

    price: np.ndarray  # thousands of EUR
    avail: np.ndarray  # chance a non-core rival buyer finds it (exclusivity's distribution)
    cap: np.ndarray  # buyers per step (NO_CAP: none)
    margin_eur: np.ndarray  # margin per purchase, EUR per real customer


@jit
def choose(cons: Consumers, ties: Ties, i: int, step: int, oc: Occasion, shelf: Shelf,
           u: float) -> int:
    """R2's logit choice of consumer i at an occasion: the brand (or -1: abstain). Eligible:
    the incumbent, or a rival they are interested in or own; never a brand they reject or
    dislike, or cannot afford. ``P(b) = w_b / (1 + sum w)``, ``w_b = exp(U_b) x avail``,
    ``U_b = c0 + desire_weight x desire + beta_s x strength + ln(dissatisfied_odds) if their
    last experience of b disappointed``."""
    inc = ties.last_brand[i]
    nb = cons.stage.shape[0]
    w = np.zeros(nb)
    total = 1.0
    for b in range(nb):
        st = cons.stage[b, i]
        if b != inc and st != INTERESTED and st != ADOPTER:
            continue
        if st == REJECTER or cons.attitude[b, i] < 0:
            continue
        if cons.reservation_price[i] < shelf.price[b]:
            continue
        s = strength_now(ties.strength[b, i], ties.strength_at[b, i], step, oc.halflife)
        u_b = oc.c0 + oc.desire_weight * min(cons.desire[b, i], 1.0) + oc.beta_s * s
        if cons.owner[b, i] and cons.disappointment[b, i] < 0:
            u_b += oc.log_dissatisfied
        avail = 1.0 if (b == inc or cons.core[i]) else shelf.avail[b]
        w[b] = math.exp(u_b) * avail
        total += w[b]
    x = u * total
    for b in range(nb):
        if w[b] > 0:
            if x < w[b]:
                return b
            x -= w[b]
    return -1


@jit
def occasions(cons: Consumers, ties: Ties, step: int, oc: Occasion, fn: tuple,
              brands: tuple, shelf: Shelf, ch: tuple, rng: object
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R2: every owner whose occasion is due now chooses (one uniform each, in index order);
    limited drops serve these clients first (a random ``cap`` of them when more chose a brand);
    each buyer buys in a channel (channels on: C1, where online is open to all and the
    incumbent's clients know its stores as anyone else does; a buyer who reaches neither
    abstains), experiences it (one normal draw, 7.13) and builds or loses the tie (G2).
    Returns per brand: occasions where it was the incumbent, of which bought it again, repeat
    purchases, purchases by switchers (new owners), and the buyers (brand, consumer) in order."""
    gen = generator(rng)
    nb, n = cons.stage.shape[0], cons.core.size
    occ, kept = np.zeros(nb, np.int64), np.zeros(nb, np.int64)
    due = np.empty(n, np.int64)
    pick = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if ties.next_occasion[i] == step:
            due[k] = i
            pick[k] = choose(cons, ties, i, step, oc, shelf, uniform(gen))
            inc = ties.last_brand[i]
            if inc >= 0:
                occ[inc] += 1
                kept[inc] += pick[k] == inc
            ties.next_occasion[i] = step + oc.weeks
            k += 1
    repeat, switched = np.zeros(nb, np.int64), np.zeros(nb, np.int64)
    who_b, who_i = np.empty(k, np.int64), np.empty(k, np.int64)
    nbuy = 0
    for b in range(nb):
        wants = np.zeros(k, np.bool_)
        for j in range(k):
            wants[j] = pick[j] == b
        for j in limited_drop(wants, shelf.cap[b], rng):
            i = due[j]
            gap = 0.0
            if ties.store_u.shape[1] > 0:
                c = channel_gate(cons.reservation_price[i], cons.core[i], brands[b],
                                 shelf.avail[b], ties.store_u[b, i], ch, gen)
                if c == NONE:
                    continue
                ties.channel[b, i] = c
                gap = shortfall(c, brands[b])
            ties.purchases[b, i] += 1
            ties.last_brand[i] = b
            if not cons.owner[b, i]:
                cons.owner[b, i] = True
                cons.bought[b, i] = step
                ties.first_purchase[b, i] = step
                switched[b] += 1
            else:
                repeat[b] += 1
            a, cons.disappointment[b, i] = experience_in(float(cons.attitude[b, i]),
                                                         brands[b], fn, gap, gen)
            cons.attitude[b, i] = a
            cons.stage[b, i] = REJECTER if a < fn.reject_threshold else ADOPTER
            cons.news[b, i] = step
            age = step - ties.first_purchase[b, i]
            ties.clv_margin[b, i] += shelf.margin_eur[b] * oc.weekly_discount ** age
            if oc.relationships:
                s = strength_now(ties.strength[b, i], ties.strength_at[b, i], step, oc.halflife)
                ties.strength[b, i] = after_purchase(s, cons.disappointment[b, i] >= 0, oc)
                ties.strength_at[b, i] = step
            who_b[nbuy], who_i[nbuy] = b, i
            nbuy += 1
    return occ, kept, repeat, switched, np.stack((who_b[:nbuy], who_i[:nbuy]))


def seeded(ties: Ties, b: int, seeds: np.ndarray, weeks: int) -> None:
    """Launch seeds own the brand from step 0: one purchase, no margin (they paid nothing)."""
    if not ties.repeating or seeds.size == 0:
        return
    ties.purchases[b, seeds] = np.maximum(ties.purchases[b, seeds], 1)
    ties.first_purchase[b, seeds] = 0
    ties.next_occasion[seeds] = weeks
    ties.last_brand[seeds] = b


def remaining_cap(cap: int, repeat_buyers: int) -> int:
    """What a limited drop leaves for first buyers after serving clients."""
    return cap if cap == NO_CAP else max(cap - repeat_buyers, 0)


# --------------------------------------------------------------------------- KPIs

REPEAT_KPIS = ("repeat_rate", "retention", "clv", "relationship", "repeat_purchases",
               "revenue_new", "revenue_returning", "spend_one_to_one")


def repeat_kpis(ties: Ties, b: int, step: int, oc: Occasion, books: dict) -> dict[str, float]:
    """The repeat KPIs of brand b now (zero while repeat is off; a ratio of nothing is NaN)."""
    out = dict.fromkeys(REPEAT_KPIS, 0.0)
    out["spend_one_to_one"] = books["spend_one_to_one"]
    if not ties.repeating:
        return out
    p = ties.purchases[b]
    cust = p >= 1
    customers = int(np.count_nonzero(cust))
    occ = sum(o for o, _ in books["cycle"])
    kept = sum(r for _, r in books["cycle"])
    s = ties.strength[b, cust] * 0.5 ** ((step - ties.strength_at[b, cust]) / oc.halflife)
    s = np.where(ties.strength_at[b, cust] == NEVER, 0.0, s)
    nan = float("nan")
    out.update(
        repeat_rate=int(np.count_nonzero(p >= 2)) / customers if customers else nan,
        retention=kept / occ if occ else nan,
        clv=(float((ties.clv_margin[b, cust] - ties.crm_cost[b, cust]).sum()) / customers
             if customers else nan),
        relationship=float(s.mean()) if customers else nan,
        repeat_purchases=float(books["repeat_now"]),
        revenue_new=books["revenue_new"],
        revenue_returning=books["revenue_returning"])
    return out
