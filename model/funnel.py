"""What this step's messages do to the consumers who receive them (compiled rules, docs/ODD.md
7.8-7.13): attention (:func:`attend`), then one rule per ODD paragraph:

- the attitude update, 7.9: :func:`update_attitude`;
- the message held, 7.10: :func:`hold_message`;
- conversion, 7.11: :func:`convert` (with :func:`drive_of`: desire, reinforcement);
- the access gate, 7.12: :func:`admit`, applied by :func:`convert` to each would-be buyer as they
  turn up (its draws come between conversions), then :func:`limited_drop`;
- experience, 7.13: :func:`buy` for each buyer;
- advocates and news, 7.13: :func:`advocacy_and_news`; then :func:`tally` counts the KPIs.

:func:`receive` is the driver (compiled: :func:`reception`): it groups a brand's messages by
receiver (an :class:`Inbox`) and applies the rules in the ODD's order, each a loop over the
receivers in the order of their first message. The status a receiver perceives and the rivals
they own are as they were at the start of the step. The rules draw from the one stream in this
order, so a seed decides the run: per receiver, conversion then the access gate; then the drop's
lottery; then each buyer's experience.
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
from ewom_abm.model.message import Content, Messages, Source
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


# --------------------------------------------------------------------------- the formulas
# What one message or one receiver does, from values: the rules below apply them.

@jit
def attitude_step(attitude: float, susceptibility: float, wsum: float, vsum: float,
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
def rival(owner: np.ndarray, bought: np.ndarray, b: int, i: int, step: int) -> bool:
    """Whether consumer i owned another brand than b at the start of the step."""
    for c in range(owner.shape[0]):  # noqa: SIM110 (a loop compiles; any() of a generator not)
        if c != b and owner[c, i] and bought[c, i] != step:
            return True
    return False


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
def drive_of(a: float, seen: tuple, core: bool, sensitivity: float, friends_owning: int,
             reinforces: bool, fn: tuple, st: tuple, brand: tuple) -> float:
    """What drives conversion (7.11): desire (7.14), the new liking ``a`` scaled by the status
    ``seen`` at the start of the step, times the reinforcement of friends who own it under
    coproduction (``reinforces``)."""
    status, _ = status_value(seen, core, st, brand)
    drive = desire_of(max(a, 0.0), sensitivity, status, st, brand)
    if reinforces:
        drive *= 1.0 + fn.reinforcement * max(friends_owning - 1, 0)
    return drive


@inline
def admit(reservation_price: float, core: bool, store_u: float, channelled: bool,
          brand: tuple, access: Access, ch: tuple, gen: object) -> tuple[int, bool]:
    """The access gate (7.12) for a would-be buyer: price and selective distribution, or with
    channels on (7.23) the channel they buy through, which replaces the distribution coin.
    Returns (channel, whether they can buy)."""
    if channelled:
        chan = channel_gate(reservation_price, core, brand, access.distribution, store_u, ch, gen)
        return chan, chan != NONE
    return NONE, access_gate(reservation_price, core, brand, access, gen)


# --------------------------------------------------------------------------- the rules
# One rule per ODD paragraph, each a loop over the receivers of the inbox that reads and writes
# their state for brand b. The driver calls each once per brand and step, so the arrays it
# hands them cost nothing per receiver; inside, a rule's loop calls formulas that take values
# (a loop compiles best when its calls pass no arrays: model/jit.py).

class Inbox(NamedTuple):
    """One brand's attended messages grouped by receiver: receiver r is consumer
    ``receivers[r]``, and their messages are ``order[start[r]:start[r + 1]]``, in batch order
    (model/arrays.py ``group_by_receiver``)."""

    receivers: np.ndarray
    start: np.ndarray
    order: np.ndarray
    said: Content
    source: np.ndarray


@jit
def update_attitude(cons: Consumers, b: int, inbox: Inbox, fn: tuple) -> np.ndarray:
    """The attitude update (7.9): each receiver's attitude moves toward the weighted mean
    valence of their messages (weight trust x fidelity, more if negative); they are aware now,
    and a rejecter if it falls below ``reject_threshold``. Returns the new attitudes (before
    they are stored, in the state's precision: the next rules read these)."""
    said, order, start = inbox.said, inbox.order, inbox.start
    attitudes = np.empty(inbox.receivers.size)
    for r, i in enumerate(inbox.receivers):
        wsum = vsum = 0.0
        for q in range(start[r], start[r + 1]):
            m = order[q]
            w = biased(said.trust[m] * said.fidelity[m], said.valence[m], fn)
            wsum, vsum = wsum + w, vsum + w * said.valence[m]
        a = attitude_step(cons.attitude[b, i], cons.susceptibility[i], wsum, vsum,
                          start[r + 1] - start[r])
        cons.exposures[b, i] += start[r + 1] - start[r]
        s = AWARE if cons.stage[b, i] == UNAWARE else cons.stage[b, i]
        cons.stage[b, i] = REJECTER if a < fn.reject_threshold else s
        attitudes[r], cons.attitude[b, i] = a, a
    return attitudes


@jit
def hold_message(held: Content, inbox: Inbox, attitudes: np.ndarray) -> None:
    """The message held (7.10): of each receiver's messages, the one :func:`preferred` given
    their new attitude replaces the one they held (``held``: brand b's row)."""
    said, order, start = inbox.said, inbox.order, inbox.start
    for r, i in enumerate(inbox.receivers):
        best = order[start[r]]
        for q in range(start[r] + 1, start[r + 1]):
            m = order[q]
            if preferred(said.valence[m], said.trust[m] * said.fidelity[m], said.valence[best],
                         said.trust[best] * said.fidelity[best], attitudes[r]):
                best = m
        put(held, i, said, best)


@jit
def convert(cons: Consumers, b: int, inbox: Inbox, attitudes: np.ndarray, step: int,
            regime: Regime, links: Links, view: tuple, fn: tuple, st: tuple, brand: tuple,
            access: Access, ties: Ties, ch: tuple, rng: object) -> tuple[np.ndarray, np.ndarray]:
    """Conversion (7.11): each positive message is an independent chance, desire x its weight,
    to make an open-minded receiver interested, and another to make them want to buy (computed
    only where they can matter); owning a rival lowers the latter; a would-be buyer then meets
    the access gate (7.12, :func:`admit`). Returns (would-be buyers let in, their channels)."""
    gen, said, order, start = generator(rng), inbox.said, inbox.order, inbox.start
    aware, owner_core, owner_other = (cons.friends_aware[b], cons.friends_owner_core[b],
                                      cons.friends_owner_other[b])
    graph, channelled = links.indptr.size > 1, ties.store_u.shape[1] > 0
    wants, chan = np.zeros(start.size - 1, np.bool_), np.full(start.size - 1, NONE, np.int64)
    for r, i in enumerate(inbox.receivers):
        a, s, owner = attitudes[r], cons.stage[b, i], cons.owner[b, i]
        seen = shares_seen(links, aware, owner_core, owner_other, i) if graph else view
        drive = drive_of(a, seen, cons.core[i], cons.status_sensitivity[i],
                         owner_core[i] + owner_other[i], regime.reinforces and graph, fn, st, brand)
        interest = adopt = 1.0
        for q in range(start[r], start[r + 1]):
            m = order[q]
            if said.valence[m] >= 0 and a >= 0 and s != REJECTER:
                w = said.trust[m] * said.fidelity[m]
                if s == AWARE:
                    interest *= missed(fn.p_interest * drive, w)
                if not owner:
                    adopt *= missed(fn.p_adopt * drive, w)
        owns_rival = rival(cons.owner, cons.bought, b, i, step)
        s, wants[r] = conversion(a, s, owner, owns_rival, 1.0 - interest, 1.0 - adopt, fn, gen)
        if wants[r]:
            chan[r], wants[r] = admit(cons.reservation_price[i], cons.core[i],
                                      ties.store_u[b, i] if channelled else 0.0, channelled,
                                      brand, access, ch, gen)
        cons.stage[b, i] = s
    return wants, chan


@jit
def buy(cons: Consumers, b: int, buyers: np.ndarray, chan: np.ndarray, step: int,
        brand: tuple, fn: tuple, ties: Ties, rng: object) -> None:
    """Experience (7.13): each buyer owns the brand from now; their experience of it, in the
    channel they bought through (7.24), moves their attitude and may disappoint them or make
    them a rejecter."""
    gen = generator(rng)
    for k in range(buyers.size):
        i, c = buyers[k], chan[k]
        if ties.store_u.shape[1] > 0:
            ties.channel[b, i] = c
            a, cons.disappointment[b, i] = experience_in(float(cons.attitude[b, i]), brand, fn,
                                                         shortfall(c, brand), gen)
        else:
            a, cons.disappointment[b, i] = experience(float(cons.attitude[b, i]), brand, fn, gen)
        cons.owner[b, i], cons.bought[b, i], cons.attitude[b, i] = True, step, a
        cons.stage[b, i] = REJECTER if a < fn.reject_threshold else ADOPTER


@jit
def advocacy_and_news(cons: Consumers, b: int, inbox: Inbox, old: np.ndarray, step: int,
                      fn: tuple) -> None:
    """Advocates and news (7.13): satisfied owners hosted at an event or enthusiastic enough
    become advocates (:func:`advocates`); a receiver whose stage changed, or who heard from
    the brand's own channels, has news to tell."""
    for r, i in enumerate(inbox.receivers):
        hosted = from_brand = False
        for q in range(inbox.start[r], inbox.start[r + 1]):
            source = inbox.source[inbox.order[q]]
            hosted = hosted or source == Source.EVENT
            from_brand = from_brand or source != Source.PEER
        satisfied = cons.owner[b, i] and cons.disappointment[b, i] >= 0
        cons.advocate[b, i] = advocates(cons.stage[b, i], cons.advocate[b, i], satisfied,
                                        hosted, cons.attitude[b, i], fn)
        if cons.stage[b, i] != old[r] or from_brand:
            cons.news[b, i] = step


@jit
def tally(cons: Consumers, b: int, msgs: Messages, receivers: np.ndarray, old: np.ndarray,
          step: int) -> Received:
    """The step's counts for the KPIs: word of mouth attended to (peer and paid posts) and how
    much of it was negative, the receivers who first heard of the brand and those who bought
    it. A non-finite attitude or held valence is a bug, and stops the run."""
    wom = negative = 0
    for m in range(msgs.dst.size):
        wom += msgs.source[m] >= Source.POST
        negative += msgs.source[m] >= Source.POST and msgs.content.valence[m] < 0
    became_aware, bought = np.empty(receivers.size, np.int64), np.empty(receivers.size, np.int64)
    a = n = 0
    for r, i in enumerate(receivers):
        if not (math.isfinite(cons.attitude[b, i]) and math.isfinite(cons.held.valence[b, i])):
            raise FloatingPointError("attitude: a non-finite value reached the state; this is "
                                     "a bug, please report it")
        if old[r] == UNAWARE:
            became_aware[a] = i
            a += 1
        if cons.bought[b, i] == step:
            bought[n] = i
            n += 1
    return Received(receivers, became_aware[:a], bought[:n], wom, negative)


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
    """Apply one step's attended messages about brand b, the ODD's rules in its order (7.9 to
    7.13): the attitude update, the message held, conversion with the access gate, the limited
    drop, the buyers' experience, and advocates and news."""
    receivers, start, order = group_by_receiver(msgs.dst, cons.core.size)
    inbox = Inbox(receivers, start, order, msgs.content, msgs.source)
    graph, old = links.indptr.size > 1, cons.stage[b][receivers]
    # under global mixing everyone sees the population, as it was at the start of the step
    view = (0.0, 0.0, 0.0) if graph else population_view(cons, b)
    attitudes = update_attitude(cons, b, inbox, fn)
    hold_message(row(cons.held, b), inbox, attitudes)
    wants, chan = convert(cons, b, inbox, attitudes, step, regime, links, view, fn, st, brand,
                          access, ties, ch, rng)
    chosen = limited_drop(wants, access.cap, rng)
    buy(cons, b, receivers[chosen], chan[chosen], step, brand, fn, ties, rng)
    advocacy_and_news(cons, b, inbox, old, step, fn)
    return tally(cons, b, msgs, receivers, old, step)
