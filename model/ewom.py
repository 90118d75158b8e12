"""The three eWOM models: who tells whom this step, and with what message (vectorised).

Each regime (Kozinets et al. 2010) is one small object, :data:`REGIMES`, saying who talks, what a
retelling does to the message, whether sponsored content meets pushback and whether several
friends reinforce each other:

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
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from ewom_abm.model.arrays import member, random_subset
from ewom_abm.model.graph import Graph
from ewom_abm.model.scenario import EwomConfig
from ewom_abm.model.state import Consumers, Stage

_DENSE_ABOVE = 0.25  # per-edge probability above which drawing one uniform per edge is cheaper
_CLASSES = 6  # probability classes (a factor 2 apart) that transmit samples separately
_SKIP_ABOVE = 1e-6  # below this per-edge probability hits are drawn directly, not skipped to
_FEW_EDGES = 1 << 15  # up to this many edges, one uniform per edge beats any skipping


class Source(IntEnum):
    """Where a message comes from: the brand's own channels, paid posts, or a consumer."""

    AD = 0  # mass advertising (external influence)
    CONTENT = 1  # entertainment content
    INVITATION = 2  # exclusivity: an invitation to a prospect in the core
    EVENT = 3  # exclusivity: an event for a client
    BRIEF = 4  # influencer: the brief the paid influencer receives
    POST = 5  # influencer: a paid post seen by a follower (word of mouth from here on:
    PEER = 6  # word of mouth from a consumer              keep these two last)


@dataclass(eq=False)
class Messages:
    """Messages about one brand arriving in one step, one entry per (sender, receiver)."""

    dst: np.ndarray  # int64: receiving consumer
    valence: np.ndarray  # float32 in [-1, 1]
    trust: np.ndarray  # float32: trust in the source (x persuasion for invitations)
    fidelity: np.ndarray  # float32 in [0, 1]: meaning surviving the retellings
    hops: np.ndarray  # int16: retellings since the brand (0: the brand's or a teller's own)
    sponsored: np.ndarray  # bool: started as brand or paid content
    source: np.ndarray  # int8: Source

    FIELDS = ("dst", "valence", "trust", "fidelity", "hops", "sponsored", "source")

    def __len__(self) -> int:
        return self.dst.size

    @property
    def weight(self) -> np.ndarray:
        """How much a message counts: trust in its source times its fidelity (float64, so no
        product of large factors overflows)."""
        return self.trust.astype(np.float64) * self.fidelity

    @property
    def peer(self) -> np.ndarray:
        return self.source == Source.PEER

    @property
    def word_of_mouth(self) -> np.ndarray:
        """What consumers post and say (paid posts and retellings): the `messages` KPI."""
        return self.source >= Source.POST

    @classmethod
    def make(cls, dst: np.ndarray, valence: float | np.ndarray, trust: float | np.ndarray,
             source: Source, *, fidelity: float | np.ndarray = 1.0,
             hops: int | np.ndarray = 0, sponsored: bool | np.ndarray = True) -> Messages:
        """Broadcast scalars so strategies can say 'these consumers get this message'."""
        k = dst.size

        def full(value: object, dtype: type) -> np.ndarray:
            if np.ndim(value) == 0:
                return np.full(k, value, dtype=dtype)
            return np.asarray(value, dtype=dtype)

        return cls(dst=np.asarray(dst, dtype=np.int64), valence=full(valence, np.float32),
                   trust=full(trust, np.float32), fidelity=full(fidelity, np.float32),
                   hops=full(hops, np.int16), sponsored=full(sponsored, bool),
                   source=np.full(k, source, dtype=np.int8))

    @classmethod
    def empty(cls) -> Messages:
        return cls.make(np.empty(0, np.int64), 0.0, 0.0, Source.PEER)

    @classmethod
    def concat(cls, batches: list[Messages]) -> Messages:
        batches = [m for m in batches if len(m)]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(*(np.concatenate([getattr(m, f) for m in batches]) for f in cls.FIELDS))

    def take(self, keep: np.ndarray) -> Messages:
        """The messages selected by a mask or index array."""
        return Messages(*(getattr(self, f)[keep] for f in self.FIELDS))


# --------------------------------------------------------------------------- transmission

def transmit(graph: Graph, senders: np.ndarray, prob: np.ndarray,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each sender's message reaches each of its friends independently with probability
    ``prob[k]`` (the independent cascade's live edges). Returns (sender slot, receiver).

    Senders are sampled in classes whose probabilities are within a factor 2 of each other, so
    thinning each class to its senders' own probabilities wastes at most half the draws.
    """
    empty = np.empty(0, np.int64)
    if senders.size == 0 or prob.max() <= 0:
        return empty, empty
    if int((graph.indptr[senders + 1] - graph.indptr[senders]).sum()) <= _FEW_EDGES:
        return _transmit_class(graph, senders, prob, rng, per_edge=True)
    ratio = prob.max() / np.maximum(prob, np.finfo(np.float32).tiny)
    cls = np.minimum(np.floor(np.log2(ratio)), _CLASSES - 1).astype(np.int64)
    if cls.max() == 0:
        return _transmit_class(graph, senders, prob, rng)
    slots, receivers = [], []
    for c in np.flatnonzero(np.bincount(cls)):
        members = np.flatnonzero(cls == c)
        slot, dst = _transmit_class(graph, senders[members], prob[members], rng)
        slots.append(members[slot])
        receivers.append(dst)
    return np.concatenate(slots), np.concatenate(receivers)


def _transmit_class(graph: Graph, senders: np.ndarray, prob: np.ndarray,
                    rng: np.random.Generator, per_edge: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Bernoulli trials along the senders' concatenated edge lists at the class's largest
    probability, thinned to each sender's own: by geometric skipping when talk is sparse, so
    the cost follows the messages sent rather than the edges; one uniform per edge when the
    probability is high or the edges few (``per_edge``)."""
    empty = np.empty(0, np.int64)
    starts = graph.indptr[senders]
    deg = graph.indptr[senders + 1] - starts
    ends = np.cumsum(deg)
    total = int(ends[-1]) if ends.size else 0
    pmax = float(prob.max())
    if total == 0 or pmax <= 0:
        return empty, empty
    if per_edge or pmax > _DENSE_ABOVE:
        slot = np.repeat(np.arange(senders.size), deg)
        pos = np.arange(total) - np.repeat(ends - deg, deg)
        hit = rng.random(total) < prob[slot]
        slot = slot[hit]
        return slot, graph.indices[starts[slot] + pos[hit]].astype(np.int64)
    # positions of successes of Bernoulli(pmax) trials along the concatenated edge lists
    if pmax < _SKIP_ABOVE:  # geometric gaps this long would overflow: draw the few hits directly
        pos = random_subset(total, pmax, rng)
    else:
        expected = total * pmax
        gaps = rng.geometric(pmax, size=int(expected + 6 * np.sqrt(expected) + 16))
        pos = np.cumsum(gaps) - 1
        while pos[-1] < total:  # rare: draw more gaps until past the end
            more = rng.geometric(pmax, size=gaps.size)
            pos = np.concatenate([pos, pos[-1] + np.cumsum(more)])
        pos = pos[pos < total]
    slot = np.searchsorted(ends, pos, side="right")
    keep = rng.random(pos.size) * pmax < prob[slot]  # thin to each sender's own probability
    slot, pos = slot[keep], pos[keep]
    edge = starts[slot] + (pos - (ends[slot] - deg[slot]))
    return slot, graph.indices[edge].astype(np.int64)


def mixing_hazard(prob: np.ndarray, n: int, mean_degree: float) -> float:
    """Global mixing: everyone sees the population of talkers; each talker's word reaches
    ``mean_degree`` contacts with its per-edge probability, spread over all n consumers."""
    return float(min(1.0, mean_degree * prob.sum() / n))


# --------------------------------------------------------------------------- the three regimes

@dataclass(frozen=True)
class Said:
    """What the talkers of one step say: per talker, the message they send."""

    valence: np.ndarray
    trust: np.ndarray
    fidelity: np.ndarray
    hops: np.ndarray
    sponsored: np.ndarray


def own_words(valence: np.ndarray) -> Said:
    """A consumer speaking for themselves: their own valence, a friend's full trust, no
    retellings, nothing sponsored about it."""
    k = valence.size
    return Said(valence.astype(np.float32), np.ones(k, np.float32), np.ones(k, np.float32),
                np.zeros(k, np.int16), np.zeros(k, bool))


def retold_trust(cons: Consumers, b: int, who: np.ndarray) -> np.ndarray:
    """The trust a retelling carries: the source's, so a paid post stays a paid post, but at
    most a friend's: an invitation's persuasion was for its guest, not for the guest's friends."""
    return np.minimum(cons.trust[b, who], np.float32(1.0))


def complaint(cons: Consumers, b: int, who: np.ndarray) -> np.ndarray:
    """What a complainer says: the worse of their attitude and their disappointment."""
    return np.minimum(cons.attitude[b, who], cons.disappointment[b, who])


def complainers(cons: Consumers, b: int, who: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Rejecters and dissatisfied buyers (among ``who``; default everyone): they speak their
    own negative mind in any regime."""
    return ((cons.stage[b, who] == Stage.REJECTER)
            | (cons.owner[b, who] & (cons.disappointment[b, who] < 0)))


class Regime:
    """One eWOM model: who talks, with what weight, and what a retelling does."""

    name = ""
    reinforces = False  # friends who adopted make each message more persuasive
    pushes_back = False  # sponsored content can meet community pushback

    def talking(self, cons: Consumers, b: int, cfg: EwomConfig) -> np.ndarray:
        """Per consumer, the weight of their talk (0: silent) before novelty and boosts;
        complainers talk whatever this says (see ``talkers``)."""
        raise NotImplementedError

    def retell(self, cons: Consumers, b: int, who: np.ndarray, cfg: EwomConfig,
               graph: Graph | None, rng: np.random.Generator) -> Said:
        """What talkers ``who`` (none of them complainers) say."""
        raise NotImplementedError

    def pushback(self, msgs: Messages, cfg: EwomConfig, rng: np.random.Generator) -> Messages:
        """The community's reaction to the step's messages (only coproduction has one)."""
        return msgs


class Organic(Regime):
    """Consumer to consumer only: those who bought talk about their own experience."""

    name = "organic"

    def talking(self, cons: Consumers, b: int, cfg: EwomConfig) -> np.ndarray:
        return cons.owner[b].astype(np.float32)

    def retell(self, cons, b, who, cfg, graph, rng) -> Said:
        return own_words(cons.attitude[b, who])


class Linear(Regime):
    """Two-step flow: opinion leaders pass the message on unchanged, followers barely."""

    name = "linear"

    def talking(self, cons: Consumers, b: int, cfg: EwomConfig) -> np.ndarray:
        aware = cons.stage[b] != Stage.UNAWARE
        weight = np.where(cons.leader, 1.0, cfg.follower_share).astype(np.float32)
        return np.where(aware, weight, 0.0)

    def retell(self, cons, b, who, cfg, graph, rng) -> Said:
        hops = (cons.hops[b, who].astype(np.int32) + 1).clip(max=NO_HOPS).astype(np.int16)
        return Said(cons.valence[b, who], retold_trust(cons, b, who), cons.fidelity[b, who],
                    hops, cons.sponsored[b, who])


class Coproduction(Regime):
    """Everyone aware retells, and every retelling transforms the message."""

    name = "coproduction"
    reinforces = True
    pushes_back = True

    def talking(self, cons: Consumers, b: int, cfg: EwomConfig) -> np.ndarray:
        return (cons.stage[b] != Stage.UNAWARE).astype(np.float32)

    def retell(self, cons, b, who, cfg, graph, rng) -> Said:
        hops = (cons.hops[b, who].astype(np.int32) + 1).clip(max=NO_HOPS).astype(np.int16)
        pull = 0.5 * cons.attitude[b, who]
        if cfg.drift > 0:
            pull = pull + 0.5 * community_norm(graph, cons.attitude[b], who)
        valence = (1 - cfg.drift) * cons.valence[b, who] + cfg.drift * pull
        if cfg.noise > 0:
            valence = valence + cfg.noise * rng.standard_normal(who.size, dtype=np.float32)
        fidelity = cons.fidelity[b, who] * np.float32(cfg.fidelity_decay)
        return Said(np.clip(valence, -1, 1).astype(np.float32), retold_trust(cons, b, who),
                    fidelity, hops, cons.sponsored[b, who])

    def pushback(self, msgs: Messages, cfg: EwomConfig, rng: np.random.Generator) -> Messages:
        """Commercial-communal tension: sponsored content reaching the community (paid posts
        and retellings within ``pushback_hops``) is received as negative with chance
        ``pushback``."""
        if cfg.pushback <= 0 or len(msgs) == 0:
            return msgs
        exposed = msgs.sponsored & (msgs.hops <= cfg.pushback_hops) & msgs.word_of_mouth
        hit = exposed & (rng.random(len(msgs)) < cfg.pushback)
        if hit.any():
            msgs.valence = np.where(hit, -np.abs(msgs.valence), msgs.valence).astype(np.float32)
        return msgs


NO_HOPS = int(np.iinfo(np.int16).max) - 1  # hops saturate here (never NO_MESSAGE)
REGIMES: dict[str, Regime] = {r.name: r for r in (Organic(), Linear(), Coproduction())}


def community_norm(graph: Graph | None, attitude: np.ndarray,
                   who: np.ndarray) -> np.ndarray:
    """Mean attitude of the friends of consumers ``who`` (everyone's mean under global mixing)."""
    if graph is None:
        return np.full(who.size, attitude.mean(), dtype=np.float32)
    deg = np.maximum(graph.degree[who], 1)
    if 4 * who.size < graph.n:  # few tellers: only their rows
        friends_sum = graph.adjacency[who] @ attitude
    else:
        friends_sum = (graph.adjacency @ attitude)[who]
    return (friends_sum / deg).astype(np.float32)


# --------------------------------------------------------------------------- one step's talk

@dataclass(eq=False)
class Talk:
    """This step's word of mouth about one brand."""

    messages: Messages
    talkers: int


def novelty(cons: Consumers, b: int, who: np.ndarray, step: int, cfg: EwomConfig) -> np.ndarray:
    """How fresh the brand still is to talkers ``who``: 1 the step they learned something new,
    halving every ``talk_halflife`` steps (advocates' news fades ``advocate_persistence``
    times slower); 1 throughout when ``talk_halflife`` is 0."""
    if cfg.talk_halflife <= 0:
        return np.ones(who.size, np.float32)
    age = np.maximum(step - 1 - cons.news[b, who], 0).astype(np.float32)
    halflife = np.where(cons.advocate[b, who], cfg.talk_halflife * cfg.advocate_persistence,
                        cfg.talk_halflife).astype(np.float32)
    return np.exp2(-age / halflife)


def talkers(cons: Consumers, b: int, cfg: EwomConfig, regime: Regime, step: int,
            boosted: np.ndarray, boost: float) -> tuple[np.ndarray, np.ndarray]:
    """Who talks about brand b this step, and each talker's per-edge sending probability:
    ``p_share x propensity x regime weight x novelty x (1 + boost if the brand's content
    reached them this step) x advocate_boost if an advocate``, x ``hearsay`` for complainers
    who never owned the brand."""
    weight = regime.talking(cons, b, cfg)
    # complainers speak their mind in any regime; about a brand the teller never owned it is
    # hearsay, told less often
    moaning = np.flatnonzero(complainers(cons, b))
    weight[moaning] = np.where(cons.owner[b, moaning], np.float32(1.0), np.float32(cfg.hearsay))
    if cfg.share_once:
        weight[cons.told[b]] = 0.0
    senders = np.flatnonzero(weight)
    prob = (cfg.p_share * weight[senders] * cons.propensity[senders]).astype(np.float32)
    prob *= novelty(cons, b, senders, step, cfg)
    if boost > 0 and boosted.size:
        prob[member(senders, boosted)] *= np.float32(1.0 + boost)
    prob = np.where(cons.advocate[b, senders], prob * np.float32(cfg.advocate_boost), prob)
    keep = prob > 0
    return senders[keep], np.minimum(prob[keep], 1.0).astype(np.float32)


def spread(cons: Consumers, b: int, cfg: EwomConfig, regime: Regime, graph: Graph | None,
           mean_degree: float, step: int, boosted: np.ndarray, boost: float,
           rng: np.random.Generator) -> Talk:
    """All messages about brand b this step: mass advertising (external influence) plus word of
    mouth under the eWOM regime, computed from the state at the start of the step."""
    n = cons.n
    senders, prob = talkers(cons, b, cfg, regime, step, boosted, boost)
    if graph is None:
        # Bass hazard: each consumer hears with probability p + h, from the ads with share p
        hazard = mixing_hazard(prob, n, mean_degree) if senders.size else 0.0
        total = min(1.0, cfg.p_external + hazard)
        hit = random_subset(n, total, rng)
        from_ads = rng.random(hit.size) * total < cfg.p_external
        ads, dst = hit[from_ads], hit[~from_ads]
        cum = np.cumsum(prob, dtype=np.float64)
        slot = np.searchsorted(cum, rng.random(dst.size) * cum[-1], side="right") \
            if dst.size else np.empty(0, np.int64)
    else:
        ads = random_subset(n, cfg.p_external, rng)
        slot, dst = transmit(graph, senders, prob, rng)
    if cfg.share_once and senders.size:
        cons.told[b, senders] = True
    # only tellers whose word reached someone need a message (coproduction draws per teller)
    reached = np.zeros(senders.size, dtype=bool)
    reached[slot] = True
    slot = (np.cumsum(reached) - 1)[slot]
    said = say(cons, b, senders[reached], cfg, regime, graph, rng)
    wom = Messages(dst=dst, valence=said.valence[slot], trust=said.trust[slot],
                   fidelity=said.fidelity[slot], hops=said.hops[slot],
                   sponsored=said.sponsored[slot], source=np.full(dst.size, Source.PEER, np.int8))
    msgs = Messages.concat([Messages.make(ads, 1.0, 1.0, Source.AD), wom])
    return Talk(messages=msgs, talkers=int(senders.size))


def say(cons: Consumers, b: int, who: np.ndarray, cfg: EwomConfig, regime: Regime,
        graph: Graph | None, rng: np.random.Generator) -> Said:
    """What each talker says: complainers their own negative view, the rest per the regime."""
    moaning = complainers(cons, b, who)
    if not moaning.any():
        return regime.retell(cons, b, who, cfg, graph, rng)
    said = own_words(complaint(cons, b, who))
    # a complaint about a product the teller never owned is hearsay: it weighs less
    said.trust[~cons.owner[b, who]] = np.float32(cfg.hearsay)
    calm = np.flatnonzero(~moaning)
    if calm.size:
        part = regime.retell(cons, b, who[calm], cfg, graph, rng)
        for name in ("valence", "trust", "fidelity", "hops", "sponsored"):
            getattr(said, name)[calm] = getattr(part, name)
    return said
