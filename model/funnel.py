"""What this step's messages do to the consumers who receive them: attitude, funnel stage,
rejecters and advocates, all at once for every receiver (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ewom_abm.model.ewom import Messages
from ewom_abm.model.scenario import Scenario
from ewom_abm.model.state import Consumers, Stage


@dataclass(frozen=True)
class Access:
    """Who may adopt brand b this step: the exclusivity strategy sells to the core only, in
    limited drops (``cap`` adoptions per step); None means no limit."""

    core_only: bool = False
    cap: int | None = None


def group_by_receiver(dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receivers (sorted), each message's receiver position, and messages per receiver.

    Few messages are sorted, so the cost follows the messages; many are counted with one pass
    over the population. Both give the same arrays."""
    if 8 * dst.size >= n:
        per_consumer = np.bincount(dst, minlength=n)
        idx = np.flatnonzero(per_consumer)
        position = np.empty(n, dtype=np.int64)
        position[idx] = np.arange(idx.size)
        return idx, position[dst], per_consumer[idx]
    order = np.argsort(dst, kind="stable")
    sorted_dst = dst[order]
    first = np.ones(sorted_dst.size, dtype=bool)
    first[1:] = sorted_dst[1:] != sorted_dst[:-1]
    idx = sorted_dst[first]
    inverse = np.empty(dst.size, dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    counts = np.diff(np.append(np.flatnonzero(first), dst.size))
    return idx, inverse, counts


def receive(cons: Consumers, b: int, msgs: Messages, desire: np.ndarray | float,
            rival_adopters: np.ndarray | None, access: Access, sc: Scenario,
            rng: np.random.Generator) -> int:
    """Apply one step's messages about brand b; returns the number of new adopters.

    ``rival_adopters`` counts, per consumer, the brands they had adopted at the start of the step
    (None with a single brand).
    Per receiver: attitude moves toward the weighted mean valence by susceptibility x weight;
    below ``reject_threshold`` the consumer becomes a rejecter; otherwise, with a non-negative
    attitude, the step may move them aware -> interested -> adopter with chance
    ``p_interest`` and ``p_adopt`` times desire x message weight (x social reinforcement in
    coproduction, x (1 - competition) if they adopted a rival), capped at 1.
    """
    if len(msgs) == 0:
        return 0
    idx, inverse, c = group_by_receiver(msgs.dst, cons.n)
    k = idx.size
    wsum = np.bincount(inverse, weights=msgs.weight, minlength=k)
    vsum = np.bincount(inverse, weights=msgs.weight * msgs.valence, minlength=k)
    vbar = np.divide(vsum, wsum, out=np.zeros_like(vsum), where=wsum > 0)
    wbar = wsum / c
    hops = np.full(k, np.iinfo(np.int16).max, dtype=np.int16)
    np.minimum.at(hops, inverse, msgs.hops)
    sponsored = np.bincount(inverse, weights=msgs.sponsored, minlength=k) > 0
    rival = rival_adopters[idx] - (cons.stage[b, idx] == Stage.ADOPTER) > 0 \
        if rival_adopters is not None else np.zeros(k, dtype=bool)

    ew, fn = sc.ewom, sc.funnel
    cons.exposures[b, idx] += c.astype(np.int32)
    a = cons.attitude[b, idx]
    a = np.clip(a + cons.susceptibility[idx] * np.minimum(wbar, 1.0) * (vbar - a), -1, 1)
    cons.attitude[b, idx] = a
    cons.hops[b, idx] = np.minimum(cons.hops[b, idx], hops)
    cons.valence[b, idx] = vbar
    cons.sponsored[b, idx] |= sponsored

    stage = cons.stage[b, idx]
    stage[stage == Stage.UNAWARE] = Stage.AWARE
    rejecting = (a < ew.reject_threshold) & (stage != Stage.REJECTER)
    stage[rejecting] = Stage.REJECTER
    cons.advocate[b, idx[rejecting]] = False

    if isinstance(desire, np.ndarray):
        desire = desire[idx]
    push = desire * wbar  # persuasion: desire x trust x fidelity x (exclusive) persuasion
    if ew.model == "coproduction":  # social reinforcement: several friends at once persuade more
        friends = np.bincount(inverse, weights=msgs.peer, minlength=k)
        push = push * (1.0 + ew.reinforcement * np.maximum(friends - 1, 0))
    open_minded = (a >= 0) & (stage != Stage.REJECTER)
    p_interest = np.minimum(fn.p_interest * push, 1.0)
    interest = open_minded & (stage == Stage.AWARE) & (rng.random(idx.size) < p_interest)
    stage[interest] = Stage.INTERESTED
    p_adopt = np.minimum(fn.p_adopt * push * (1.0 - fn.competition * rival), 1.0)
    adopt = open_minded & (stage == Stage.INTERESTED) & (rng.random(idx.size) < p_adopt)
    if access.core_only:
        adopt &= cons.core[idx]
    if access.cap is not None:
        chosen = np.flatnonzero(adopt)
        if chosen.size > access.cap:  # limited drop: a random few of the would-be buyers
            adopt[:] = False
            adopt[rng.choice(chosen, access.cap, replace=False)] = True
    stage[adopt] = Stage.ADOPTER
    cons.stage[b, idx] = stage
    cons.advocate[b, idx] |= (stage == Stage.ADOPTER) & (a >= ew.advocate_threshold)
    return int(adopt.sum())
