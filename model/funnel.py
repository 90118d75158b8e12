"""What this step's messages do to the consumers who receive them (compiled rules): attention,
then, per receiver, the attitude update, the message held, conversion, the access gate, the
product experience, and advocates and news (docs/ODD.md 7.8-7.13).

:func:`receive` is the driver: it groups a brand's messages by receiver and applies the rules
in the ODD's order. Every rule reads the state at the start of the step (the status a receiver
perceives, the rivals they own); receivers are handled in increasing order of their index.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import NamedTuple

import numpy as np

from ewom_abm.model.arrays import group_by_receiver
from ewom_abm.model.channels import NONE, channel_gate, shortfall
from ewom_abm.model.desire import desire_of, population_view, shares_seen, status_value
from ewom_abm.model.ewom import Regime
from ewom_abm.model.graph import Links
from ewom_abm.model.jit import below, generator, inline, jit, normal, put, row, stream, uniform
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.params import ChannelsParams
from ewom_abm.model.scenario import ChannelsConfig
from ewom_abm.model.state import ADOPTER, AWARE, INTERESTED, REJECTER, UNAWARE, Consumers, Ties

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
    gen = generator(rng)
    keep = np.full(dst.size, True)
    receivers, start, order = group_by_receiver(dst, n)
    for r in range(receivers.size):
        lo, hi = start[r], start[r + 1]
        if hi - lo <= attention:
            continue
        for j in range(lo, lo + attention):  # a partial shuffle: the first `attention` stay
            pick = j + below(hi - j, gen)
            order[j], order[pick] = order[pick], order[j]
        for q in range(lo + attention, hi):
            keep[order[q]] = False
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
    return [m if keep[lo:hi].all() else m.take(keep[lo:hi])
            for m, lo, hi in zip(batches, bounds[:-1], bounds[1:], strict=True)]


# --------------------------------------------------------------------------- the rules
# Rules take and return values; the driver reads and writes the state and loops over each
# receiver's messages (a loop compiles best when its calls pass no arrays: model/jit.py).

@jit
def attitude_update(attitude: float, susceptibility: float, wsum: float, vsum: float,
                    count: int) -> float:
    """Attitude moves toward the messages' weighted mean valence ``vsum / wsum`` (7.9), by
    susceptibility x min(mean weight, 1), and stays in [-1, 1]. A message's weight is trust x
    fidelity, x ``negativity_bias`` if negative (see :func:`biased`)."""
    vbar = vsum / wsum if wsum > 0 else 0.0
    a = attitude + susceptibility * min(wsum / count, 1.0) * (vbar - attitude)
    return min(max(a, -1.0), 1.0)


@jit
def biased(weight: float, valence: float, fn: tuple) -> float:
    """A message's weight in the attitude update: bad is stronger than good (7.9)."""
    return weight * (fn.negativity_bias if valence < 0 else 1.0)


@jit
def preferred(valence: float, weight: float, best_valence: float, best_weight: float,
              attitude: float) -> bool:
    """Whether a message is held rather than the best so far (7.10): one that agrees with where
    the attitude now stands (positive or negative) beats one that does not; then the more
    credible (trust x fidelity); among equals the earlier in the batch stays."""
    agrees = (valence >= 0) == (attitude >= 0)
    best_agrees = (best_valence >= 0) == (attitude >= 0)
    return (agrees and not best_agrees) or (agrees == best_agrees and weight > best_weight)


@jit
def missed(base: float, weight: float) -> float:
    """The chance that one positive message does not convert: 1 - c, c = min(base x weight,
    1 - 1e-9); the product over a receiver's messages is the chance none does (independent
    exposures: simple contagion, 7.11)."""
    return 1.0 - min(base * weight, _SURE)


@inline
def conversion(attitude: float, stage: int, owner: bool, rival: bool, interest: float,
               adopt: float, fn: tuple, gen: object) -> tuple[int, bool]:
    """Conversion (7.11): an open-minded receiver (attitude >= 0, not a rejecter) who is aware
    becomes interested with chance ``interest``; one interested and not yet an owner wants to
    buy with chance ``adopt`` x (1 - competition if they own a rival). Returns (stage, wants to
    buy)."""
    if attitude < 0 or stage == REJECTER:
        return stage, False
    if stage == AWARE and uniform(gen) < interest:
        stage = INTERESTED
    if stage != INTERESTED or owner:
        return stage, False
    return stage, uniform(gen) < adopt * (1.0 - fn.competition if rival else 1.0)


@inline
def access_gate(reservation_price: float, core: bool, brand: tuple, access: Access,
                gen: object) -> bool:
    """Whether a would-be buyer can buy (7.12): their reservation price covers the brand's
    price, and outside the core they find it on sale with chance ``distribution``."""
    if reservation_price < brand.price:
        return False
    if access.distribution < 1.0 and not core:
        return uniform(gen) < access.distribution
    return True


@jit
def limited_drop(wants: np.ndarray, cap: int, rng: object) -> np.ndarray:
    """The buyers (positions among the receivers): every would-be buyer, or a uniformly random
    ``cap`` of them when more would buy (7.12)."""
    gen = generator(rng)
    chosen = np.empty(wants.size, np.int64)
    k = 0
    for r in range(wants.size):
        if wants[r]:
            chosen[k] = r
            k += 1
    if cap == NO_CAP or k <= cap:
        return chosen[:k]
    for j in range(cap):  # a partial shuffle: the first `cap` buy
        pick = j + below(k - j, gen)
        chosen[j], chosen[pick] = chosen[pick], chosen[j]
    return chosen[:cap]


@inline
def experience(expected: float, brand: tuple, fn: tuple, gen: object) -> tuple[float, float]:
    """A buyer's experience of the product (7.13), in a store or with channels off."""
    return experience_in(expected, brand, fn, 0.0, gen)


@inline
def experience_in(expected: float, brand: tuple, fn: tuple, gap: float, gen: object
                  ) -> tuple[float, float]:
    """A buyer's experience of the product (7.13; expectation-disconfirmation, Oliver 1980):
    ``e = clip(quality - gap + quality_spread x N(0, 1), 0, 1)``, felt as ``2e - 1``, where
    ``gap`` is how much worse the channel's experience is than the store's (7.24); the
    attitude moves ``experience_weight`` of the way from the expectation to it. Returns
    (attitude, disappointment: the shortfall if beyond ``tolerance``, else 0)."""
    e = brand.quality - gap
    if brand.quality_spread > 0:
        e += brand.quality_spread * normal(gen)
    gap = 2.0 * min(max(e, 0.0), 1.0) - 1.0 - expected
    attitude = min(max(expected + fn.experience_weight * gap, -1.0), 1.0)
    return attitude, (gap if gap < -fn.tolerance else 0.0)


@jit
def advocates(stage: int, advocate: bool, satisfied: bool, hosted: bool, attitude: float,
              fn: tuple) -> bool:
    """Whether a receiver is an advocate after the step (7.13): satisfied owners hosted at an
    event, or at ``advocate_threshold``, become one, and stay one until they reject."""
    return stage != REJECTER and (advocate or (satisfied and (
        hosted or attitude >= fn.advocate_threshold)))


@inline
def rival(owner: np.ndarray, bought: np.ndarray, b: int, i: int, step: int) -> bool:
    """Whether consumer i owned another brand than b at the start of the step."""
    for c in range(owner.shape[0]):  # noqa: SIM110 (a loop compiles; any() of a generator not)
        if c != b and owner[c, i] and bought[c, i] != step:
            return True
    return False


# --------------------------------------------------------------------------- the driver

def receive(cons: Consumers, b: int, msgs: Messages, step: int, regime: Regime, fn: tuple,
            st: tuple, brand: tuple, access: Access, links: Links, rng: object,
            ties: Ties | None = None, ch: tuple | None = None) -> Received:
    """:func:`reception` with issue 17's state (None: its mechanisms off)."""
    if ties is None:
        ties = Ties.create(cons.n, cons.n_brands, False, False, False, None)
    if ch is None:
        ch = ChannelsParams(*(f.default for f in fields(ChannelsConfig)
                              if f.name in ChannelsParams._fields))
    return reception(cons, b, msgs, step, regime, fn, st, brand, access, links, rng, ties, ch)


@jit
def reception(cons: Consumers, b: int, msgs: Messages, step: int, regime: Regime, fn: tuple,
              st: tuple, brand: tuple, access: Access, links: Links, rng: object, ties: Ties,
              ch: tuple) -> Received:
    """Apply one step's attended messages about brand b, rule by rule, each receiver in turn:
    attitude (7.9), the message held (7.10), rejection, conversion with desire (7.11), the
    access gate (7.12); then the limited drop (7.12), the buyers' experience, advocates and
    news (7.13). Desire is the receiver's new liking scaled by the status they perceived at
    the start of the step (model/desire.py), times the reinforcement of friends who own it
    under coproduction. A change of stage, or anything from the brand's own channels, is
    news."""
    gen = generator(rng)
    receivers, start, order = group_by_receiver(msgs.dst, cons.core.size)
    said, source, held = msgs.content, msgs.source, row(cons.held, b)
    stage, attitude, owner = cons.stage[b], cons.attitude[b], cons.owner[b]
    aware, owner_core, owner_other = (cons.friends_aware[b], cons.friends_owner_core[b],
                                      cons.friends_owner_other[b])
    graph = links.indptr.size > 1
    # under global mixing everyone sees the population, as it was at the start of the step
    view = (0.0, 0.0, 0.0) if graph else population_view(cons, b)
    k = receivers.size
    old, wants = np.empty(k, np.int8), np.zeros(k, np.bool_)
    hosted, from_brand = np.zeros(k, np.bool_), np.zeros(k, np.bool_)
    channelled = ties.store_u.shape[1] > 0
    chan = np.full(k, NONE, np.int64)
    for r in range(k):
        i, lo, hi = receivers[r], start[r], start[r + 1]
        old[r] = stage[i]
        wsum = vsum = 0.0
        for q in range(lo, hi):
            m = order[q]
            w = biased(said.trust[m] * said.fidelity[m], said.valence[m], fn)
            wsum, vsum = wsum + w, vsum + w * said.valence[m]
            hosted[r] |= source[m] == Source.EVENT
            from_brand[r] |= source[m] != Source.PEER
        a = attitude_update(attitude[i], cons.susceptibility[i], wsum, vsum, hi - lo)
        cons.exposures[b, i] += hi - lo
        s = AWARE if stage[i] == UNAWARE else stage[i]
        s = REJECTER if a < fn.reject_threshold else s
        seen = shares_seen(links, aware, owner_core, owner_other, i) if graph else view
        status, _ = status_value(seen, cons.core[i], st, brand)
        drive = desire_of(max(a, 0.0), cons.status_sensitivity[i], status, st, brand)
        if regime.reinforces and graph:
            drive *= 1.0 + fn.reinforcement * max(owner_core[i] + owner_other[i] - 1, 0)
        # the message held, and the chances that no positive message converts (computed only
        # where they can matter)
        open_minded = a >= 0 and s != REJECTER
        best, interest, adopt = order[lo], 1.0, 1.0
        for q in range(lo, hi):
            m = order[q]
            w = said.trust[m] * said.fidelity[m]
            if q > lo and preferred(said.valence[m], w, said.valence[best],
                                    said.trust[best] * said.fidelity[best], a):
                best = m
            if said.valence[m] >= 0 and open_minded:
                if s == AWARE:
                    interest *= missed(fn.p_interest * drive, w)
                if not owner[i]:
                    adopt *= missed(fn.p_adopt * drive, w)
        put(held, i, said, best)
        owns_rival = rival(cons.owner, cons.bought, b, i, step)
        s, wants[r] = conversion(a, s, owner[i], owns_rival, 1.0 - interest, 1.0 - adopt, fn,
                                 gen)
        if wants[r] and channelled:  # 7.23: the channel replaces the distribution coin
            chan[r] = channel_gate(cons.reservation_price[i], cons.core[i], brand,
                                   access.distribution, ties.store_u[b, i], ch, gen)
            wants[r] = chan[r] != NONE
        elif wants[r]:
            wants[r] = access_gate(cons.reservation_price[i], cons.core[i], brand, access, gen)
        stage[i], attitude[i] = s, a
    for r in limited_drop(wants, access.cap, rng):
        i = receivers[r]
        if channelled:
            ties.channel[b, i] = chan[r]
            a, cons.disappointment[b, i] = experience_in(float(attitude[i]), brand, fn,
                                                         shortfall(chan[r], brand), gen)
        else:
            a, cons.disappointment[b, i] = experience(float(attitude[i]), brand, fn, gen)
        owner[i], cons.bought[b, i], attitude[i] = True, step, a
        stage[i] = REJECTER if a < fn.reject_threshold else ADOPTER
    for r in range(k):
        i = receivers[r]
        satisfied = owner[i] and cons.disappointment[b, i] >= 0
        cons.advocate[b, i] = advocates(stage[i], cons.advocate[b, i], satisfied, hosted[r],
                                        attitude[i], fn)
        if stage[i] != old[r] or from_brand[r]:
            cons.news[b, i] = step
        if not (math.isfinite(attitude[i]) and math.isfinite(held.valence[i])):
            raise FloatingPointError("attitude: a non-finite value reached the state; this is "
                                     "a bug, please report it")
    wom = negative = 0
    for m in range(msgs.dst.size):
        wom += source[m] >= Source.POST
        negative += source[m] >= Source.POST and said.valence[m] < 0
    became_aware, bought = np.empty(k, np.int64), np.empty(k, np.int64)
    a = n = 0
    for r in range(k):
        if old[r] == UNAWARE:
            became_aware[a] = receivers[r]
            a += 1
        if cons.bought[b, receivers[r]] == step:
            bought[n] = receivers[r]
            n += 1
    return Received(receivers, became_aware[:a], bought[:n], wom, negative)
