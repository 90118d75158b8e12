"""Followers of a brand's account (issue 17; docs/ODD.md 7.21): who follows (F1), what the
brand's own posts reach (F2, owned media), and how followers interact (F3).

Following is cheap: it needs liking and a message, never a budget, a price or a segment. Who
follows is who is reached and likes the brand, which for a luxury house is mostly people who
cannot buy it. That is where "followers are not buyers" (MODEL.md property 10) comes from; no
rule here looks at purchases.
"""

from __future__ import annotations

import numpy as np

from ewom_abm.model.arrays import coin_flips, group_by_receiver
from ewom_abm.model.funnel import missed
from ewom_abm.model.jit import generator, jit, uniform
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.state import REJECTER, Consumers, Ties


@jit
def owned_posts(follower: np.ndarray, organic_reach: float, rng: object) -> np.ndarray:
    """F2: the followers who see the brand's own post this week, each with chance
    ``organic_reach`` (no spend: owned media)."""
    fl = np.empty(follower.size, np.int64)
    k = 0
    for i in range(follower.size):
        if follower[i]:
            fl[k] = i
            k += 1
    pick = coin_flips(k, organic_reach, rng)
    out = np.empty(pick.size, np.int64)
    for j in range(pick.size):
        out[j] = fl[pick[j]]
    return out


def owned_messages(follower: np.ndarray, organic_reach: float, rng: object) -> Messages:
    """The brand's own post to the followers who see it: its own words, sponsored."""
    return Messages.make(owned_posts(follower, organic_reach, rng), 1.0, 1.0, Source.OWNED)


@jit
def follow_weight(source: int, entertainment_value: float, fp: tuple) -> float:
    """How much one positive message counts toward following: entertaining content
    1 + entertainment_value, word of mouth (a friend's, or an influencer's paid post: it comes
    from their account, not the brand's) ``peer_follow``, any other brand message 1."""
    if source == Source.CONTENT:
        return 1.0 + entertainment_value
    if source == Source.PEER or source == Source.POST:
        return fp.peer_follow
    return 1.0


@jit
def follow(cons: Consumers, ties: Ties, b: int, msgs: Messages, fp: tuple,
           entertainment_value: float, entertaining: bool, rng: object) -> int:
    """F1 and F3 over this step's attended messages about brand b, receivers in order of their
    first message, after the funnel (attitudes are the updated ones):

    - F1: a receiver who is not a follower, not a rejecter and likes the brand (attitude a > 0)
      follows with chance ``a x (1 - prod(1 - min(p_follow x w_m, 1)))`` over their positive
      messages (w_m: :func:`follow_weight`);
    - F3: a follower who attended the brand's own post interacts with chance
      ``p_interact x a x (1 + entertainment_value if the brand runs entertainment)``; an
      interaction adds one to their activity. Returns the interactions."""
    gen = generator(rng)
    receivers, start, order = group_by_receiver(msgs.dst, cons.core.size)
    said, source = msgs.content, msgs.source
    interactions = 0
    for r in range(receivers.size):
        i, lo, hi = receivers[r], start[r], start[r + 1]
        a = cons.attitude[b, i]
        if cons.stage[b, i] == REJECTER or a <= 0:
            continue
        if not ties.follower[b, i]:
            miss = 1.0
            for q in range(lo, hi):
                m = order[q]
                if said.valence[m] > 0:
                    miss *= missed(fp.p_follow, follow_weight(source[m], entertainment_value,
                                                              fp))
            if miss < 1.0 and uniform(gen) < a * (1.0 - miss):
                ties.follower[b, i] = True
            continue
        owned = False
        for q in range(lo, hi):
            owned |= source[order[q]] == Source.OWNED
        if owned:
            p = fp.p_interact * a * (1.0 + (entertainment_value if entertaining else 0.0))
            if uniform(gen) < p:
                interactions += 1
                ties.activity[b, i] += 1.0
    return interactions


def unfollow_rejecters(cons: Consumers, ties: Ties, b: int) -> None:
    """A consumer who turns against the brand stops following it (no draw)."""
    ties.follower[b] &= cons.stage[b] != REJECTER


def fade_activity(ties: Ties, halflife: float) -> None:
    """Contributors' activity halves every ``activity_halflife`` weeks."""
    np.multiply(ties.activity, np.float32(0.5 ** (1.0 / halflife)), out=ties.activity)


def follower_kpis(cons: Consumers, ties: Ties, b: int, interactions: int,
                  followers_before: int) -> dict[str, float]:
    """The follower KPIs of brand b now (zero while the mechanism is off; a ratio over no
    followers is NaN: it cannot mean anything)."""
    if not ties.following:
        return dict.fromkeys(FOLLOWER_KPIS, 0.0)
    f = ties.follower[b]
    count = int(np.count_nonzero(f))
    core = cons.core
    core_n, rest_n = int(np.count_nonzero(core)), int(core.size - np.count_nonzero(core))
    in_core = int(np.count_nonzero(f & core))
    return {
        "followers": count / core.size,
        "followers_core": in_core / core_n if core_n else 0.0,
        "followers_outside_core": (count - in_core) / rest_n if rest_n else 0.0,
        "followers_who_bought": (int(np.count_nonzero(f & cons.owner[b])) / count if count
                                 else float("nan")),
        "engagement": interactions / followers_before if followers_before else float("nan"),
        "interactions": float(interactions),
    }


FOLLOWER_KPIS = ("followers", "followers_core", "followers_outside_core",
                 "followers_who_bought", "engagement", "interactions")
