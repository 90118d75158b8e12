"""What this step's messages do to the consumers who receive them (compiled rules): attention,
then, per receiver, the attitude update, the message held, conversion, the access gate, the
product experience, and advocates and news (docs/ODD.md 7.8-7.13).

:func:`receive` is the driver: it groups a brand's messages by receiver and applies the rules
in the ODD's order. Every rule reads the state at the start of the step (the status a receiver
perceives, the rivals they own); receivers are handled in increasing order of their index.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ewom_abm.model.arrays import group_by_receiver
from ewom_abm.model.desire import desire_of, population_view, shares_seen, status_value
from ewom_abm.model.ewom import Regime
from ewom_abm.model.graph import Links
from ewom_abm.model.jit import generator, inline, jit, row, stream
from ewom_abm.model.message import Content, Messages, Source, put, weight
from ewom_abm.model.state import ADOPTER, AWARE, INTERESTED, REJECTER, UNAWARE, Consumers

_SURE = 1.0 - 1e-9  # per-message chances are capped here so log(1 - c) stays finite
NO_CAP = -1  # Access.cap: no limit on buyers per step


class Access(NamedTuple):
    """Who may buy brand b this step besides its price: ``distribution`` of the would-be
    buyers outside the core find it on sale; at most ``cap`` buyers per step (limited drops;
    NO_CAP: no cap)."""

    distribution: float = 1.0
    cap: int = NO_CAP


class Received(NamedTuple):
    """What one brand's messages did this step: for the KPIs and for what friends see."""

    receivers: np.ndarray  # consumers who attended to a message
    became_aware: np.ndarray  # consumers who first heard of the brand
    bought: np.ndarray  # consumers who bought it
    wom: int  # word-of-mouth messages attended to (peer and paid posts)
    negative: int  # of which negative


# --------------------------------------------------------------------------- attention (7.8)

@jit
def noticed(dst: np.ndarray, n: int, attention: int, rng: object) -> np.ndarray:
    """Which messages their receivers notice: everything, except that a receiver of more than
    ``attention`` messages notices a uniformly random ``attention`` of them."""
    rng = generator(rng)
    keep = np.ones(dst.size, np.bool_)
    receivers, start, order = group_by_receiver(dst, n)
    for r in range(receivers.size):
        mine = order[start[r]:start[r + 1]].copy()
        if mine.size <= attention:
            continue
        for j in range(attention):  # a partial shuffle: the first `attention` survive
            pick = j + rng.integers(0, mine.size - j)
            mine[j], mine[pick] = mine[pick], mine[j]
        for m in mine[attention:]:
            keep[m] = False
    return keep


def attend(batches: list[Messages], n: int, attention: int, rng: np.random.Generator
           ) -> list[Messages]:
    """Limited attention: a consumer attends to at most ``attention`` of the step's messages
    about all brands together, a uniformly random subset of them, so a louder brand crowds
    out its rivals (share of voice); 0 means no limit."""
    sizes = [m.size for m in batches]
    if attention <= 0 or sum(sizes) <= attention:
        return batches
    keep = noticed(np.concatenate([m.dst for m in batches]), n, attention, stream(rng))
    if keep.all():
        return batches
    bounds = np.cumsum([0, *sizes])
    return [m.take(keep[lo:hi]) for m, lo, hi in zip(batches, bounds[:-1], bounds[1:],
                                                     strict=True)]


# --------------------------------------------------------------------------- the rules
# Per-receiver rules take the values they read (passing every state array to a function called
# per consumer costs more than the rule); the driver reads and writes the state.

@inline
def attitude_update(attitude: float, susceptibility: float, msgs: Messages, mine: np.ndarray,
                    fn: tuple) -> float:
    """Attitude moves toward the weighted mean valence of the messages ``mine`` (7.9): weight =
    trust x fidelity, x ``negativity_bias`` if negative; step = susceptibility x min(mean
    weight, 1); the result stays in [-1, 1]."""
    said = msgs.content
    wsum = vsum = 0.0
    for m in mine:
        w = weight(said, m) * (fn.negativity_bias if said.valence[m] < 0 else 1.0)
        wsum += w
        vsum += w * said.valence[m]
    vbar = vsum / wsum if wsum > 0 else 0.0
    a = attitude + susceptibility * min(wsum / mine.size, 1.0) * (vbar - attitude)
    return min(max(a, -1.0), 1.0)


@inline
def hold(held: Content, i: int, msgs: Messages, mine: np.ndarray, attitude: float) -> None:
    """The message held (7.10): the most credible (trust x fidelity) of the step's messages
    that agrees with where the attitude now stands (positive or negative), or the most credible
    if none does; among equals, the first in the batch (a stable ranking)."""
    said = msgs.content
    best, best_agrees, best_weight = -1, False, 0.0
    for m in mine:
        agrees = (said.valence[m] >= 0) == (attitude >= 0)
        w = weight(said, m)
        if best < 0 or (agrees and not best_agrees) or (agrees == best_agrees and w > best_weight):
            best, best_agrees, best_weight = m, agrees, w
    put(held, i, said, best)


@inline
def chance(base: float, msgs: Messages, mine: np.ndarray) -> float:
    """The chance that at least one message converts: 1 - prod(1 - c) over the positive
    messages, c = min(base x weight, 1 - 1e-9) (independent exposures: simple contagion)."""
    said = msgs.content
    log_miss = 0.0
    for m in mine:
        if said.valence[m] >= 0:
            log_miss += math.log1p(-min(base * weight(said, m), _SURE))
    return -math.expm1(log_miss)


@inline
def rival(owner: np.ndarray, bought: np.ndarray, b: int, i: int, step: int) -> bool:
    """Whether consumer i owned another brand than b at the start of the step."""
    for c in range(owner.shape[0]):  # noqa: SIM110 (a loop compiles; any() of a generator not)
        if c != b and owner[c, i] and bought[c, i] != step:
            return True
    return False


@inline
def conversion(attitude: float, stage: int, owner: bool, rival: bool, drive: float,
               msgs: Messages, mine: np.ndarray, fn: tuple, rng: object) -> tuple[int, bool]:
    """Conversion (7.11): an open-minded receiver (attitude >= 0, not a rejecter) who is aware
    becomes interested with chance(p_interest x drive); one interested and not yet an owner
    wants to buy with chance(p_adopt x drive) x (1 - competition if they own a rival).
    Returns (stage, wants to buy)."""
    rng = generator(rng)
    if attitude < 0 or stage == REJECTER:
        return stage, False
    if stage == AWARE and rng.random() < chance(fn.p_interest * drive, msgs, mine):
        stage = INTERESTED
    if stage != INTERESTED or owner:
        return stage, False
    p = chance(fn.p_adopt * drive, msgs, mine)
    if rival:
        p *= 1.0 - fn.competition
    return stage, rng.random() < p


@inline
def access_gate(reservation_price: float, core: bool, brand: tuple, access: Access,
                rng: object) -> bool:
    """Whether a would-be buyer can buy (7.12): their reservation price covers the brand's
    price, and outside the core they find it on sale with chance ``distribution``."""
    rng = generator(rng)
    if reservation_price < brand.price:
        return False
    if access.distribution < 1.0 and not core:
        return rng.random() < access.distribution
    return True


@jit
def limited_drop(wants: np.ndarray, cap: int, rng: object) -> np.ndarray:
    """The buyers (positions among the receivers): every would-be buyer, or a uniformly random
    ``cap`` of them when more would buy (7.12)."""
    rng = generator(rng)
    chosen = np.flatnonzero(wants)
    if cap == NO_CAP or chosen.size <= cap:
        return chosen
    for j in range(cap):  # a partial shuffle: the first `cap` buy
        pick = j + rng.integers(0, chosen.size - j)
        chosen[j], chosen[pick] = chosen[pick], chosen[j]
    return np.sort(chosen[:cap])


@inline
def experience(expected: float, brand: tuple, fn: tuple, rng: object) -> tuple[float, float]:
    """A buyer's experience of the product (7.13; expectation-disconfirmation, Oliver 1980):
    ``e = clip(quality + quality_spread x N(0, 1), 0, 1)``, felt as ``2e - 1``; the attitude
    moves ``experience_weight`` of the way from the expectation to it. Returns (attitude,
    disappointment: the shortfall if beyond ``tolerance``, else 0)."""
    rng = generator(rng)
    e = brand.quality
    if brand.quality_spread > 0:
        e += brand.quality_spread * rng.standard_normal()
    gap = 2.0 * min(max(e, 0.0), 1.0) - 1.0 - expected
    attitude = min(max(expected + fn.experience_weight * gap, -1.0), 1.0)
    return attitude, (gap if gap < -fn.tolerance else 0.0)


@inline
def advocates(stage: int, advocate: bool, satisfied: bool, hosted: bool, attitude: float,
              fn: tuple) -> bool:
    """Whether a receiver is an advocate after the step (7.13): satisfied owners hosted at an
    event, or at ``advocate_threshold``, become one, and stay one until they reject."""
    return stage != REJECTER and (advocate or (satisfied and (
        hosted or attitude >= fn.advocate_threshold)))


# --------------------------------------------------------------------------- the driver

@jit
def receive(cons: Consumers, b: int, msgs: Messages, step: int, regime: Regime, fn: tuple,
            st: tuple, brand: tuple, access: Access, links: Links, rng: object) -> Received:
    """Apply one step's attended messages about brand b, rule by rule (7.9-7.13). Desire, which
    drives conversion, is the receiver's new liking scaled by the status they perceived at the
    start of the step (model/desire.py), times the reinforcement of friends who own it under
    coproduction. A change of stage, or anything from the brand's own channels, is news."""
    rng = generator(rng)
    receivers, start, order = group_by_receiver(msgs.dst, cons.core.size)
    k = receivers.size
    held = row(cons.held, b)
    stage, attitude = cons.stage[b], cons.attitude[b]
    # under global mixing everyone sees the population, as it was at the start of the step
    view = population_view(cons, b) if links.indptr.size <= 1 else (0.0, 0.0, 0.0)
    aware, owner_core, owner_other = (cons.friends_aware[b], cons.friends_owner_core[b],
                                      cons.friends_owner_other[b])
    old = np.empty(k, np.int8)
    wants = np.zeros(k, np.bool_)
    for r in range(k):
        i, mine = receivers[r], order[start[r]:start[r + 1]]
        old[r] = s = stage[i]
        a = attitude_update(attitude[i], cons.susceptibility[i], msgs, mine, fn)
        cons.exposures[b, i] += mine.size
        hold(held, i, msgs, mine, a)
        s = AWARE if s == UNAWARE else s
        s = REJECTER if a < fn.reject_threshold else s
        seen = shares_seen(links, aware, owner_core, owner_other, i, view)
        status, _ = status_value(seen, cons.core[i], st, brand.prestige)
        drive = desire_of(max(a, 0.0), cons.status_sensitivity[i], status)
        if regime.reinforces and links.indptr.size > 1:
            drive *= 1.0 + fn.reinforcement * max(owner_core[i] + owner_other[i] - 1, 0)
        owns_rival = rival(cons.owner, cons.bought, b, i, step)
        s, wants[r] = conversion(a, s, cons.owner[b, i], owns_rival, drive, msgs, mine, fn, rng)
        if wants[r]:
            wants[r] = access_gate(cons.reservation_price[i], cons.core[i], brand, access, rng)
        stage[i], attitude[i] = s, a
    for r in limited_drop(wants, access.cap, rng):
        i = receivers[r]
        a, cons.disappointment[b, i] = experience(float(attitude[i]), brand, fn, rng)
        cons.owner[b, i], cons.bought[b, i], attitude[i] = True, step, a
        stage[i] = REJECTER if a < fn.reject_threshold else ADOPTER
    wom = negative = 0
    for r in range(k):
        i, mine = receivers[r], order[start[r]:start[r + 1]]
        hosted = from_brand = False
        for m in mine:
            hosted |= msgs.source[m] == Source.EVENT
            from_brand |= msgs.source[m] != Source.PEER
            wom += msgs.source[m] >= Source.POST
            negative += msgs.source[m] >= Source.POST and msgs.content.valence[m] < 0
        satisfied = cons.owner[b, i] and cons.disappointment[b, i] >= 0
        cons.advocate[b, i] = advocates(stage[i], cons.advocate[b, i], satisfied, hosted,
                                        attitude[i], fn)
        if stage[i] != old[r] or from_brand:
            cons.news[b, i] = step
        if not (math.isfinite(attitude[i]) and math.isfinite(held.valence[i])):
            raise FloatingPointError("attitude: a non-finite value reached the state; this is "
                                     "a bug, please report it")
    bought = receivers[cons.bought[b, receivers] == step]
    return Received(receivers, receivers[old == UNAWARE], bought, wom, negative)
