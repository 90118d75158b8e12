"""The three eWOM models: who tells whom this step, and with what message (vectorised).

- organic: adopters (and rejecters) talk about their own experience, with their own valence.
- linear: opinion leaders pass the brand's message unchanged to their followers; followers
  pass it on only with weight ``ewom.follower_share`` (two-step flow).
- coproduction: everyone aware retells what they heard; each retelling loses fidelity
  (``fidelity_decay ** hops``) and drifts toward the teller's attitude and their community's
  mean attitude; sponsored messages may meet pushback.

Transmission is the independent cascade's: a talker's message reaches each friend with its own
per-edge probability. Under ``global`` mixing there is no graph: each consumer hears with the
Bass hazard ``p_external + min(1, mean_degree * sum of talkers' per-edge probabilities / n)``
(capped at 1), which with homogeneous talkers is ``p + q F`` for ``q = p_share * mean_degree``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ewom_abm.model.network import Graph
from ewom_abm.model.scenario import EwomConfig
from ewom_abm.model.state import Consumers, Stage

_DENSE_ABOVE = 0.25  # per-edge probability above which drawing one uniform per edge is cheaper
_CLASSES = 6  # probability classes (a factor 2 apart) that transmit samples separately
_SKIP_ABOVE = 1e-6  # below this per-edge probability hits are drawn directly, not skipped to


@dataclass(eq=False)
class Messages:
    """Messages about one brand arriving in one step, one entry per (sender, receiver)."""

    dst: np.ndarray  # int64: receiving consumer
    valence: np.ndarray  # float32 in [-1, 1]
    weight: np.ndarray  # float32: trust x fidelity x persuasion
    hops: np.ndarray  # int16: retellings since the brand
    sponsored: np.ndarray  # bool: started as brand or paid content
    peer: np.ndarray  # bool: word of mouth (not brand content)

    def __len__(self) -> int:
        return self.dst.size

    @classmethod
    def make(cls, dst: np.ndarray, valence: float | np.ndarray, weight: float | np.ndarray,
             hops: int | np.ndarray = 0, sponsored: bool | np.ndarray = True,
             peer: bool = False) -> Messages:
        """Broadcast scalars so strategies can say 'these consumers get this message'."""
        k = dst.size
        return cls(
            dst=np.asarray(dst, dtype=np.int64),
            valence=np.broadcast_to(np.asarray(valence, np.float32), k).copy(),
            weight=np.broadcast_to(np.asarray(weight, np.float32), k).copy(),
            hops=np.broadcast_to(np.asarray(hops, np.int16), k).copy(),
            sponsored=np.broadcast_to(np.asarray(sponsored, bool), k).copy(),
            peer=np.full(k, peer, dtype=bool),
        )

    @classmethod
    def empty(cls) -> Messages:
        return cls.make(np.empty(0, np.int64), 0.0, 0.0)

    @classmethod
    def concat(cls, batches: list[Messages]) -> Messages:
        batches = [m for m in batches if len(m)]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(*(np.concatenate([getattr(m, f) for m in batches])
                     for f in ("dst", "valence", "weight", "hops", "sponsored", "peer")))


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
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bernoulli trials along the senders' concatenated edge lists at the class's largest
    probability, thinned to each sender's own: by geometric skipping when talk is sparse, so
    the cost follows the messages sent rather than the edges."""
    empty = np.empty(0, np.int64)
    starts = graph.indptr[senders]
    deg = graph.indptr[senders + 1] - starts
    ends = np.cumsum(deg)
    total = int(ends[-1]) if ends.size else 0
    pmax = float(prob.max())
    if total == 0 or pmax <= 0:
        return empty, empty
    if pmax > _DENSE_ABOVE:
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


def random_subset(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Each of n consumers independently with probability p: a binomial count, then a uniform
    subset of that size (the same distribution as n coin flips, at the cost of the hits)."""
    k = int(rng.binomial(n, p)) if p > 0 else 0
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, np.int64)


def mixing_hazard(prob: np.ndarray, n: int, mean_degree: float) -> float:
    """Global mixing: everyone sees the population of talkers; each talker's word reaches
    ``mean_degree`` contacts with its per-edge probability, spread over all n consumers."""
    return float(min(1.0, mean_degree * prob.sum() / n))


# --------------------------------------------------------------------------- the three models

def talkers(cons: Consumers, b: int, cfg: EwomConfig,
            share_boost: float) -> tuple[np.ndarray, np.ndarray]:
    """Who talks about brand b this step, and each talker's per-edge sending probability."""
    stage = cons.stage[b]
    if cfg.model == "organic":
        talking = (stage == Stage.ADOPTER) | (stage == Stage.REJECTER)
    else:
        talking = stage != Stage.UNAWARE
    if cfg.share_once:
        talking &= ~cons.told[b]
    senders = np.flatnonzero(talking)
    prob = cfg.p_share * (1.0 + share_boost) * cons.propensity[senders]
    prob = np.where(cons.advocate[b, senders], prob * cfg.advocate_boost, prob)
    if cfg.model == "linear":
        prob = np.where(cons.leader[senders], prob, prob * cfg.follower_share)
    keep = prob > 0
    return senders[keep], np.minimum(prob[keep], 1.0).astype(np.float32)


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


def retell(cons: Consumers, b: int, senders: np.ndarray, cfg: EwomConfig, graph: Graph | None,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What each sender says: (valence, weight, hops, sponsored), per the eWOM model."""
    k = senders.size
    if cfg.model == "organic":  # their own experience, in their own words
        return (cons.attitude[b, senders], np.ones(k, np.float32), np.zeros(k, np.int16),
                np.zeros(k, bool))
    held_hops = cons.hops[b, senders]
    sponsored = cons.sponsored[b, senders]
    if cfg.model == "linear":  # passed on unchanged
        return cons.valence[b, senders], np.ones(k, np.float32), held_hops, sponsored
    # coproduction: every retelling transforms the message
    hops = (held_hops.astype(np.int32) + 1).clip(max=np.iinfo(np.int16).max - 1).astype(np.int16)
    pull = 0.5 * cons.attitude[b, senders]
    if cfg.drift > 0:
        pull = pull + 0.5 * community_norm(graph, cons.attitude[b], senders)
    valence = (1 - cfg.drift) * cons.valence[b, senders] + cfg.drift * pull
    if cfg.noise > 0:
        valence = valence + cfg.noise * rng.standard_normal(k, dtype=np.float32)
    weight = np.power(cfg.fidelity_decay, hops, dtype=np.float32)
    return np.clip(valence, -1, 1).astype(np.float32), weight, hops, sponsored


@dataclass(eq=False)
class Talk:
    """This step's word of mouth about one brand, with the counts the metrics report."""

    messages: Messages
    sent: int
    negative: int


def spread(cons: Consumers, b: int, cfg: EwomConfig, graph: Graph | None, mean_degree: float,
           share_boost: float, rng: np.random.Generator) -> Talk:
    """All messages about brand b this step: mass advertising (external influence) plus word of
    mouth under the scenario's eWOM model, computed from the state at the start of the step."""
    n = cons.n
    senders, prob = talkers(cons, b, cfg, share_boost)
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
    # only tellers whose word reached someone need a message (coproduction draws noise per teller)
    reached = np.zeros(senders.size, dtype=bool)
    reached[slot] = True
    slot = (np.cumsum(reached) - 1)[slot]
    valence, weight, hops, sponsored = retell(cons, b, senders[reached], cfg, graph, rng)
    valence, weight, hops, sponsored = valence[slot], weight[slot], hops[slot], sponsored[slot]
    if cfg.model == "coproduction" and cfg.pushback > 0 and dst.size:
        # commercial-communal tension: the community pushes back on sponsored content
        push = sponsored & (rng.random(dst.size) < cfg.pushback)
        valence = np.where(push, -np.abs(valence), valence)
    wom = Messages(dst=dst, valence=valence, weight=weight, hops=hops, sponsored=sponsored,
                   peer=np.ones(dst.size, bool))
    msgs = Messages.concat([Messages.make(ads, 1.0, 1.0), wom])
    return Talk(messages=msgs, sent=int(dst.size), negative=int((valence < 0).sum()))
