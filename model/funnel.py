"""What this step's messages do to the consumers who receive them: attention, attitude, the
message they hold, funnel stage, purchase and the experience that follows it (vectorised).

Every rule reads the state at the start of the step; receivers are handled all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ewom_abm.model.arrays import first_of_run, group_by_receiver
from ewom_abm.model.ewom import Messages, Regime, Source
from ewom_abm.model.scenario import Scenario
from ewom_abm.model.state import Consumers, Stage

_SURE = 1.0 - 1e-9  # per-message chances are capped here so log(1 - c) stays finite


@dataclass(frozen=True)
class Access:
    """Who may buy brand b this step besides its price: ``distribution`` of the would-be
    buyers outside the core find it on sale; at most ``cap`` buyers per step (limited drops;
    None: no cap)."""

    distribution: float = 1.0
    cap: int | None = None


@dataclass(frozen=True)
class Received:
    """What one brand's messages did this step: for the KPIs and for what friends see."""

    receivers: np.ndarray  # consumers who attended to a message
    became_aware: np.ndarray  # consumers who first heard of the brand
    bought: np.ndarray  # consumers who bought it
    wom: int  # word-of-mouth messages attended to (peer and paid posts)
    negative: int  # of which negative


def attend(batches: list[Messages], n: int, attention: int,
           rng: np.random.Generator) -> list[Messages]:
    """Limited attention: a consumer attends to at most ``attention`` of the step's messages
    about all brands together, a uniformly random subset of them, so a louder brand crowds
    out its rivals (share of voice); 0 means no limit."""
    sizes = [len(m) for m in batches]
    total = sum(sizes)
    if attention <= 0 or total <= attention:
        return batches
    dst = np.concatenate([m.dst for m in batches])
    per = np.bincount(dst, minlength=n)
    crowded = np.flatnonzero(per[dst] > attention)  # messages to receivers over the limit
    if crowded.size == 0:
        return batches
    # among those, a uniformly random `attention` per receiver survive
    order = crowded[np.lexsort((rng.random(crowded.size), dst[crowded]))]
    sorted_dst = dst[order]
    first = first_of_run(sorted_dst)
    rank = np.arange(order.size) - np.maximum.accumulate(
        np.where(first, np.arange(order.size), 0))
    keep = np.ones(total, dtype=bool)
    keep[order[rank >= attention]] = False
    bounds = np.cumsum([0, *sizes])
    return [m.take(keep[lo:hi]) for m, lo, hi in zip(batches, bounds[:-1], bounds[1:],
                                                     strict=True)]


def receive(cons: Consumers, b: int, msgs: Messages, *, step: int, regime: Regime,
            desire: Callable[[np.ndarray, np.ndarray], np.ndarray], rival: np.ndarray | None,
            access: Access, price: float, quality: tuple[float, float], sc: Scenario,
            rng: np.random.Generator) -> Received:
    """Apply one step's attended messages about brand b.

    Per receiver: attitude moves toward the weighted mean valence (negative messages weigh
    ``negativity_bias`` times more) by susceptibility x min(1, mean weight); the most credible
    message that agrees with their new attitude becomes the one they hold (its valence, trust,
    fidelity, hops, sponsorship). Below ``reject_threshold`` they turn rejecter. With a
    non-negative attitude, each positive message is an independent chance to move aware ->
    interested (``p_interest``) and interested -> adopter (``p_adopt``), times the consumer's
    desire (``desire(receivers, attitude)``: their new liking scaled by the brand's status as
    they perceive it at the start of the step, on a 0-to-1 scale, see model/desire.py) and the
    message's weight (times the reinforcement of friends who adopted, under coproduction).
    Buying also needs a budget that covers the price, the brand on sale to them
    (``distribution``, the cap) and no rival owned (else x (1 - competition)). Buyers then
    experience the product (see :func:`experience`).
    """
    empty = np.empty(0, np.int64)
    if len(msgs) == 0:
        return Received(empty, empty, empty, 0, 0)
    fn = sc.funnel
    idx, inverse, counts = group_by_receiver(msgs.dst, cons.n)
    k = idx.size
    negative = msgs.valence < 0
    weight = msgs.weight * np.where(negative, fn.negativity_bias, 1.0)
    wsum = np.bincount(inverse, weights=weight, minlength=k)
    vsum = np.bincount(inverse, weights=weight * msgs.valence, minlength=k)
    vbar = np.divide(vsum, wsum, out=np.zeros_like(vsum), where=wsum > 0)
    wbar = wsum / counts

    cons.exposures[b, idx] += counts.astype(np.int32)
    old_stage = cons.stage[b, idx]
    a = cons.attitude[b, idx].astype(np.float64)
    a = np.clip(a + cons.susceptibility[idx] * np.minimum(wbar, 1.0) * (vbar - a), -1.0, 1.0)
    hold(cons, b, idx, inverse, msgs, a)

    stage = old_stage.copy()
    stage[stage == Stage.UNAWARE] = Stage.AWARE
    rejecting = (a < fn.reject_threshold) & (stage != Stage.REJECTER)
    stage[rejecting] = Stage.REJECTER

    # conversion: each positive message is an independent chance (x desire x its weight)
    drive = desire(idx, a)  # desire now: the news is what moves them
    if regime.reinforces and cons.friends_owner_core is not None:
        friends = (cons.friends_owner_core[b, idx] + cons.friends_owner_other[b, idx])
        drive = drive * (1.0 + fn.reinforcement * np.maximum(friends - 1, 0))
    persuasion = np.where(negative, 0.0, weight)
    open_minded = (a >= 0) & (stage != Stage.REJECTER)
    p_interest = chance(fn.p_interest * drive, persuasion, inverse, k)
    interest = open_minded & (stage == Stage.AWARE) & (rng.random(k) < p_interest)
    stage[interest] = Stage.INTERESTED
    buy = open_minded & (stage == Stage.INTERESTED) & ~cons.owner[b, idx]
    if buy.any():
        p_adopt = chance(fn.p_adopt * drive, persuasion, inverse, k)
        if rival is not None:
            p_adopt = p_adopt * (1.0 - fn.competition * rival[idx])
        buy &= (rng.random(k) < p_adopt) & (cons.reservation_price[idx] >= price)
    if access.distribution < 1.0:
        buy &= cons.core[idx] | (rng.random(k) < access.distribution)
    if access.cap is not None:
        chosen = np.flatnonzero(buy)
        if chosen.size > access.cap:  # limited drop: a random few of the would-be buyers
            buy[:] = False
            buy[rng.choice(chosen, access.cap, replace=False)] = True
    stage[buy] = Stage.ADOPTER
    cons.owner[b, idx[buy]] = True
    a[buy], disappointed = experience(a[buy], quality, fn.experience_weight, fn.tolerance, rng)
    cons.disappointment[b, idx[buy]] = disappointed
    turned = buy & (a < fn.reject_threshold)  # a bad experience can make a rejecter at once
    stage[turned] = Stage.REJECTER

    cons.attitude[b, idx] = a.astype(np.float32)
    cons.stage[b, idx] = stage
    # clients at an event, and satisfied enthusiastic buyers, become advocates
    event = msgs.source == Source.EVENT
    host = (np.bincount(inverse, weights=event, minlength=k) > 0) if event.any() else False
    content = np.bincount(inverse, weights=msgs.source != Source.PEER, minlength=k) > 0
    satisfied = cons.owner[b, idx] & (cons.disappointment[b, idx] >= 0)
    cons.advocate[b, idx] = (stage != Stage.REJECTER) & (
        cons.advocate[b, idx] | (satisfied & (host | (a >= fn.advocate_threshold))))
    # news: anything that changed their stage, and anything the brand itself sent them
    cons.news[b, idx[(stage != old_stage) | content]] = step
    cons.check_finite(b, idx)
    wom = msgs.word_of_mouth
    return Received(receivers=idx, became_aware=idx[old_stage == Stage.UNAWARE],
                    bought=idx[buy], wom=int(wom.sum()),
                    negative=int((wom & negative).sum()))


def chance(base: np.ndarray, persuasion: np.ndarray, inverse: np.ndarray, k: int) -> np.ndarray:
    """Per receiver, the chance that at least one message converts: 1 - prod(1 - c) over their
    messages, with c = min(base x persuasion, 1) (independent exposures: simple contagion)."""
    c = np.minimum(base[inverse] * persuasion, _SURE)
    return -np.expm1(np.bincount(inverse, weights=np.log1p(-c), minlength=k))


def hold(cons: Consumers, b: int, idx: np.ndarray, inverse: np.ndarray, msgs: Messages,
         attitude: np.ndarray) -> None:
    """Each receiver adopts as their view the most credible message (trust x fidelity) of
    this step that agrees with where their attitude now stands (positive or negative), or
    the most credible one if none does: its provenance (valence, trust, fidelity, hops,
    sponsorship) is what they pass on."""
    agrees = (msgs.valence >= 0) == (attitude[inverse] >= 0)
    # one sort key: receiver, then agreeing before not, then the most credible first
    weight = msgs.weight
    rank = (agrees + weight / (2.0 * weight.max() + 1.0)) / 2.0  # in [0, 0.75)
    order = np.argsort(inverse + (1.0 - rank))  # highest rank first within each receiver
    first = first_of_run(inverse[order])
    top = order[first]  # one message per receiver, receivers in idx order
    cons.valence[b, idx] = msgs.valence[top]
    cons.trust[b, idx] = msgs.trust[top]
    cons.fidelity[b, idx] = msgs.fidelity[top]
    cons.hops[b, idx] = msgs.hops[top]
    cons.sponsored[b, idx] = msgs.sponsored[top]


def experience(expected: np.ndarray, quality: tuple[float, float], weight: float,
               tolerance: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A buyer's experience of the product (expectation-disconfirmation, Oliver 1980).

    The experience is a draw ``e ~ quality + spread x N(0, 1)`` clipped to [0, 1], read in
    attitude units as ``2e - 1``; the attitude the messages left is the expectation. The new
    attitude moves ``weight`` of the way to the experience. A buyer whose experience falls
    short of the expectation by more than ``tolerance`` is dissatisfied: their disappointment
    (the shortfall, negative) is what they complain about. Returns (attitude, disappointment).
    """
    mean, spread = quality
    felt = 2.0 * np.clip(mean + spread * rng.standard_normal(expected.size), 0.0, 1.0) - 1.0
    gap = felt - expected
    attitude = np.clip(expected + weight * gap, -1.0, 1.0)
    return attitude, np.where(gap < -tolerance, gap, 0.0).astype(np.float32)
