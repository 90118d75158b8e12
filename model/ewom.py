"""The three eWOM models: who talks this step, to whom, and with what message (compiled rules).

Each regime (Kozinets et al. 2010) is one :class:`Regime` record, and its parts are the rules
below, each a branch on the regime (``talking``, ``retell``, ``pushback``, and ``reinforces``
for the funnel):

- organic: adopters talk about their own experience, in their own words (simple contagion).
- linear: opinion leaders pass the message they hold on unchanged to their followers; followers
  pass it on only with weight ``ewom.follower_share`` (two-step flow).
- coproduction: everyone aware retells what they heard; each retelling loses fidelity
  (``fidelity_decay`` per hop) and drifts toward the teller's attitude and their community's
  mean attitude; sponsored messages and their close retellings may meet pushback; friends who
  have adopted reinforce each other (complex contagion).

Under every regime, dissatisfied buyers and rejecters complain: they tell friends their own
negative view. Whoever talks does so less as the news fades (``ewom.talk_halflife``).

Transmission is the independent cascade's: a talker's message reaches each friend with its own
per-edge probability. Under ``global`` mixing there is no graph: each consumer hears with the
Bass hazard ``p_external + min(1, mean_degree * sum of talkers' per-edge probabilities / n)``
(capped at 1), which with homogeneous talkers is ``p + q F`` for ``q = p_share * mean_degree``.

Rules take the consumers (``model/state.py``), the brand's row ``b``, the ``ewom`` section as a
record (``model/params.py``), the graph's :class:`Links` and the model's random stream
(``model/jit.py``); each reads the state at the start of the step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ewom_abm.model.arrays import coin_flips, first_above, grow, skip
from ewom_abm.model.graph import Links
from ewom_abm.model.jit import alike, generator, inline, jit, normal, put, row, uniform
from ewom_abm.model.message import NO_HOPS, Content, Messages, Source
from ewom_abm.model.state import REJECTER, UNAWARE, Consumers

ORGANIC, LINEAR, COPRODUCTION = 0, 1, 2


class Regime(NamedTuple):
    """One eWOM model (``ewom.model``): which branch of each rule below it takes."""

    code: int  # ORGANIC, LINEAR or COPRODUCTION
    reinforces: bool  # friends who adopted make each message more persuasive (funnel, 7.11)
    pushes_back: bool  # sponsored content can meet community pushback


REGIMES: dict[str, Regime] = {
    "organic": Regime(ORGANIC, reinforces=False, pushes_back=False),
    "linear": Regime(LINEAR, reinforces=False, pushes_back=False),
    "coproduction": Regime(COPRODUCTION, reinforces=True, pushes_back=True),
}


# --------------------------------------------------------------------------- who talks (7.4-7.6)
# Per-consumer rules take the values they read (not the whole state: passing every array to a
# function called per consumer costs more than the rule); the loops read and write the state.

@jit
def complains(stage: int, owner: bool, disappointment: float) -> bool:
    """Rejecters and dissatisfied buyers speak their own negative mind in any regime (7.5)."""
    return stage == REJECTER or (owner and disappointment < 0)


@jit
def talking(regime: int, stage: int, owner: bool, leader: bool, ew: tuple) -> float:
    """The regime's weight of a consumer's talk before novelty and boosts (0: silent): owners
    (organic); leaders, and followers by ``follower_share``, once aware (linear); everyone
    aware (coproduction)."""
    if regime == ORGANIC:
        return 1.0 if owner else 0.0
    if stage == UNAWARE:
        return 0.0
    if regime == LINEAR:
        return 1.0 if leader else ew.follower_share
    return 1.0


@jit
def novelty(age: int, advocate: bool, ew: tuple) -> float:
    """How fresh the brand still is to a consumer whose news is ``age`` steps old: 1 the step
    after the news, halving every ``talk_halflife`` steps (advocates' news fades
    ``advocate_persistence`` times slower); 1 throughout when ``talk_halflife`` is 0."""
    if ew.talk_halflife <= 0 or age <= 0:
        return 1.0
    halflife = ew.talk_halflife * (ew.advocate_persistence if advocate else 1.0)
    return 2.0 ** (-age / halflife)


@jit
def talkers(regime: Regime, cons: Consumers, b: int, ew: tuple, step: int,
            boosted: np.ndarray, boost: float) -> tuple[np.ndarray, np.ndarray]:
    """Who talks about brand b this step, and each talker's per-edge sending probability:
    ``p_share x propensity x weight x novelty x (1 + boost if the brand's content reached them
    this step; ``boosted`` is sorted) x advocate_boost if an advocate``. The weight is the
    regime's, but complainers talk at 1, or ``hearsay`` about a brand they never owned, and
    under ``share_once`` nobody talks twice."""
    n = cons.core.size
    stage, owner, advocate = cons.stage[b], cons.owner[b], cons.advocate[b]
    senders = np.empty(n, np.int64)
    prob = np.empty(n, np.float32)
    k = nb = 0
    for i in range(n):
        if ew.share_once and cons.told[b, i]:
            continue
        if complains(stage[i], owner[i], cons.disappointment[b, i]):
            weight = 1.0 if owner[i] else ew.hearsay
        else:
            weight = talking(regime.code, stage[i], owner[i], cons.leader[i], ew)
        if weight <= 0:
            continue
        age = step - 1 - cons.news[b, i]
        p = ew.p_share * weight * cons.propensity[i] * novelty(age, advocate[i], ew)
        while nb < boosted.size and boosted[nb] < i:
            nb += 1
        if nb < boosted.size and boosted[nb] == i:
            p *= 1.0 + boost
        if advocate[i]:
            p *= ew.advocate_boost
        if p > 0:
            senders[k] = i
            prob[k] = min(p, 1.0)
            k += 1
    return senders[:k], prob[:k]


# --------------------------------------------------------------------------- what they say

@inline
def own_words(said: Content, k: int, valence: float) -> None:
    """A consumer speaking for themselves: their own valence, a friend's full trust, no
    retellings, nothing sponsored about it."""
    said.valence[k] = valence
    said.trust[k] = 1.0
    said.fidelity[k] = 1.0
    said.hops[k] = 0
    said.sponsored[k] = False


@jit
def complaint(attitude: float, disappointment: float, owner: bool, ew: tuple
              ) -> tuple[float, float]:
    """What a complainer says, in their own words (7.5): the worse of their attitude and their
    disappointment, at a friend's trust, or ``hearsay``'s about a product they never owned.
    Returns (valence, trust)."""
    return min(attitude, disappointment), (1.0 if owner else ew.hearsay)


@jit
def retold(hops: int, trust: float) -> tuple[int, float]:
    """A retelling of a held message (linear, coproduction): one more hop, its trust at most a
    friend's (a paid post stays paid; an invitation's persuasion stays with its guest)."""
    return min(int(hops) + 1, NO_HOPS), min(trust, 1.0)


@jit
def coproduced(valence: float, fidelity: float, attitude: float, norm: float, ew: tuple,
               noise: float) -> tuple[float, float]:
    """What coproduction's retelling does to a message (7.4): valence drifts by ``drift``
    toward half the teller's attitude plus half ``norm`` (their community's mean attitude),
    plus ``noise`` x a standard normal draw; fidelity x ``fidelity_decay``."""
    pull = 0.5 * attitude + 0.5 * norm
    moved = (1 - ew.drift) * valence + ew.drift * pull + ew.noise * noise
    return min(max(moved, -1.0), 1.0), fidelity * ew.fidelity_decay


@inline
def community_norm(indptr: np.ndarray, indices: np.ndarray, attitude: np.ndarray,
                   i: int) -> float:
    """Mean attitude of consumer i's friends (0 without friends)."""
    total = 0.0
    for e in range(indptr[i], indptr[i + 1]):
        total += attitude[indices[e]]
    return total / max(indptr[i + 1] - indptr[i], 1)


@jit
def say(regime: Regime, cons: Consumers, b: int, who: np.ndarray, ew: tuple, links: Links,
        rng: object) -> Content:
    """What each talker ``who`` says: complainers their complaint; the rest per the regime,
    organic talkers in their own words, linear and coproduction tellers the message they hold,
    retold (and under coproduction transformed: its community is the teller's friends, or
    everyone under global mixing). Rules as values, state read and written here (a loop
    compiles best when its calls pass no arrays; model/jit.py)."""
    gen = generator(rng)
    held = row(cons.held, b)
    attitude = cons.attitude[b]
    said = alike(held, who.size)
    norm = np.full(who.size, attitude.mean() if links.indptr.size <= 1 else 0.0)
    if regime.code == COPRODUCTION and ew.drift > 0 and links.indptr.size > 1:
        for k in range(who.size):
            norm[k] = community_norm(links.indptr, links.indices, attitude, who[k])
    for k in range(who.size):
        i = who[k]
        if complains(cons.stage[b, i], cons.owner[b, i], cons.disappointment[b, i]):
            valence, trust = complaint(attitude[i], cons.disappointment[b, i],
                                       cons.owner[b, i], ew)
            own_words(said, k, valence)
            said.trust[k] = trust
        elif regime.code == ORGANIC:
            own_words(said, k, attitude[i])
        else:
            put(said, k, held, i)
            said.hops[k], said.trust[k] = retold(held.hops[i], held.trust[i])
            if regime.code == COPRODUCTION:
                noise = normal(gen) if ew.noise > 0 else 0.0
                said.valence[k], said.fidelity[k] = coproduced(
                    held.valence[i], held.fidelity[i], attitude[i], norm[k], ew, noise)
    return said


# --------------------------------------------------------------------------- to whom (7.7)

@jit
def transmit(links: Links, senders: np.ndarray, prob: np.ndarray,
             rng: object) -> tuple[np.ndarray, np.ndarray]:
    """Each sender's message reaches each of its friends independently with probability
    ``prob[k]`` (the independent cascade's live edges). Returns (sender slot, receiver), in
    sender order. Each sender's trials skip from hit to hit (geometric gaps), so the cost
    follows the messages sent rather than the edges."""
    gen = generator(rng)
    indptr, indices = links.indptr, links.indices
    expected = 0.0
    for s in range(senders.size):
        expected += prob[s] * (indptr[senders[s] + 1] - indptr[senders[s]])
    slot = np.empty(int(expected + 6 * math.sqrt(expected) + 16), np.int64)
    dst = np.empty(slot.size, np.int64)
    k = 0
    for s in range(senders.size):
        p, lo, hi = prob[s], indptr[senders[s]], indptr[senders[s] + 1]
        if p <= 0:
            continue
        if k + hi - lo > slot.size:  # rare: more hits than expected
            slot, dst = grow(slot, k, k + hi - lo), grow(dst, k, k + hi - lo)
        scale = -1.0 / math.log1p(-p) if p < 1 else 0.0  # p = 1: every edge
        e = lo + skip(scale, gen)
        while e < hi:
            slot[k], dst[k] = s, indices[int(e)]
            k += 1
            e = int(e) + 1 + skip(scale, gen)
    return slot[:k], dst[:k]


@jit
def mixing(n: int, prob: np.ndarray, ew: tuple, mean_degree: float,
           rng: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Global mixing: everyone hears with one hazard ``H = min(1, p_external + h)``, ``h =
    min(1, mean_degree x sum(prob) / n)``; a hit is an ad with chance ``p_external / H``, else
    word of mouth from talker k with chance ``prob[k] / sum(prob)``. Returns (ads, talker slot,
    receiver)."""
    gen = generator(rng)
    cum = np.empty(prob.size, np.float64)
    talk = 0.0
    for k in range(prob.size):
        talk += prob[k]
        cum[k] = talk
    hazard = min(1.0, ew.p_external + min(1.0, mean_degree * talk / n))
    hit = coin_flips(n, hazard, rng)
    ads, slot, dst = np.empty(hit.size, np.int64), np.empty(hit.size, np.int64), \
        np.empty(hit.size, np.int64)
    a = w = 0
    for i in hit:
        if uniform(gen) * hazard < ew.p_external:
            ads[a] = i
            a += 1
        else:
            slot[w], dst[w] = first_above(cum, uniform(gen) * talk), i
            w += 1
    return ads[:a], slot[:w], dst[:w]


@jit
def spread(regime: Regime, cons: Consumers, b: int, own: Messages, ew: tuple, links: Links,
           mean_degree: float, step: int, boosted: np.ndarray, boost: float,
           rng: object) -> tuple[Messages, int]:
    """All of this step's messages about brand b: its ``own`` (the strategy's), mass
    advertising, and word of mouth under the regime, from the state at the start of the step,
    after the community's pushback. Returns them and the number of talkers."""
    n = cons.core.size
    senders, prob = talkers(regime, cons, b, ew, step, boosted, boost)
    if links.indptr.size > 1:
        ads = coin_flips(n, ew.p_external, rng)
        slot, dst = transmit(links, senders, prob, rng)
    else:
        ads, slot, dst = mixing(n, prob, ew, mean_degree, rng)
    if ew.share_once:
        for i in senders:
            cons.told[b, i] = True
    # only tellers whose word reached someone say something (coproduction draws per teller)
    position = np.full(senders.size, -1, np.int64)
    told = 0
    for s in slot:
        if position[s] < 0:
            position[s] = told
            told += 1
    who = np.empty(told, np.int64)
    for s in range(senders.size):
        if position[s] >= 0:
            who[position[s]] = senders[s]
    said = say(regime, cons, b, who, ew, links, rng)
    # the batch: the brand's own messages, then the ads (the brand's own words), then the talk
    first, second = own.dst.size, own.dst.size + ads.size
    size = second + dst.size
    batch = Messages(np.empty(size, np.int64), np.empty(size, np.int8), alike(said, size))
    for k in range(first):
        batch.dst[k], batch.source[k] = own.dst[k], own.source[k]
        put(batch.content, k, own.content, k)
    for k in range(first, second):
        batch.dst[k], batch.source[k] = ads[k - first], Source.AD
        own_words(batch.content, k, 1.0)
        batch.content.sponsored[k] = True
    for k in range(dst.size):
        batch.dst[second + k], batch.source[second + k] = dst[k], Source.PEER
        put(batch.content, second + k, said, position[slot[k]])
    pushback(regime, batch, ew, rng)
    return batch, senders.size


@jit
def pushback(regime: Regime, msgs: Messages, ew: tuple, rng: object) -> None:
    """Commercial-communal tension (coproduction only): sponsored content reaching the community
    (paid posts and retellings within ``pushback_hops``) is received as negative with chance
    ``pushback``; the brand's own channels are not."""
    if not regime.pushes_back or ew.pushback <= 0:
        return
    gen = generator(rng)
    said = msgs.content
    for m in range(msgs.dst.size):
        if said.sponsored[m] and said.hops[m] <= ew.pushback_hops \
                and msgs.source[m] >= Source.POST and uniform(gen) < ew.pushback:
            said.valence[m] = -abs(said.valence[m])

