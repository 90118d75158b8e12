"""Followers (issue 17, ODD 7.20): the follow rule, owned posts, interactions and their KPIs,
each checked against its rate with binomial tolerances (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.followers import follow, follower_kpis, owned_posts, unfollow_rejecters
from ewom_abm.model.jit import stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.state import Stage
from ewom_testing import build

N = 20000


def market(*extra: str):
    """A large market with followers on, nobody following yet."""
    return build("followers.enabled=true", "network.kind=global", f"network.n={N}",
                 "consumers.agents_max=0", *extra, seed=3)


def followed(m, msgs, attitude: float, *, entertaining=False) -> np.ndarray:
    """Who follows after one step's messages, every receiver at this attitude."""
    m.consumers.attitude[0, :] = attitude
    m.consumers.stage[0, :] = Stage.AWARE
    follow(m.consumers, m.ties, 0, msgs, m.settings.followers,
           m.brands[0].params.entertainment_value, entertaining, stream(m.rng))
    return m.ties.follower[0].copy()


def within(hits: np.ndarray, p: float) -> None:
    """The share of hits is p within 5 binomial standard errors."""
    assert abs(hits.mean() - p) < 5 * np.sqrt(p * (1 - p) / hits.size), (hits.mean(), p)


def test_the_follow_rate_scales_with_liking_and_nobody_who_dislikes_follows():
    ad = Messages.make(np.arange(N), 1.0, 1.0, Source.AD)
    for a in (1.0, 0.4):
        within(followed(market("followers.p_follow=0.3"), ad, a), 0.3 * a)
    assert not followed(market("followers.p_follow=0.9"), ad, 0.0).any()
    assert not followed(market("followers.p_follow=0.9"), ad, -0.5).any()


def test_entertaining_content_counts_one_plus_its_value_and_a_friends_word_peer_follow():
    content = Messages.make(np.arange(N), 1.0, 1.0, Source.CONTENT)
    within(followed(market("followers.p_follow=0.2", "brands.0.entertainment_value=1.5"),
                    content, 1.0), 0.2 * 2.5)
    peer = Messages.make(np.arange(N), 1.0, 1.0, Source.PEER)
    within(followed(market("followers.p_follow=0.5", "followers.peer_follow=0.4"), peer, 1.0),
           0.5 * 0.4)
    negative = Messages.make(np.arange(N), -1.0, 1.0, Source.AD)
    assert not followed(market("followers.p_follow=0.9"), negative, 1.0).any()


def test_rejecters_never_follow_and_stop_following():
    m = build("followers.enabled=true", "followers.p_follow=0.5", "brands.0.budget=300",
              "network.n=1000", "consumers.agents_max=0", seed=4)
    m.run(20)
    f, stage = m.ties.follower[0], m.consumers.stage[0]
    assert f.any() and not (f & (stage == Stage.REJECTER)).any()


def test_a_follower_who_turns_rejecter_stops_following():
    m = market()
    m.ties.follower[0, :10] = True
    m.consumers.stage[0, :5] = Stage.REJECTER
    unfollow_rejecters(m.consumers, m.ties, 0)
    assert m.ties.follower[0].tolist()[:10] == [False] * 5 + [True] * 5


def test_owned_posts_reach_followers_only_at_the_organic_rate():
    follower = np.zeros(N, bool)
    follower[::2] = True
    seen = owned_posts(follower, 0.15, stream(np.random.default_rng(1)))
    assert follower[seen].all() and np.unique(seen).size == seen.size
    hits = np.isin(np.flatnonzero(follower), seen)
    within(hits, 0.15)


def test_followers_who_attend_a_post_interact_at_p_interact_times_liking_and_content():
    for entertaining, factor in ((False, 1.0), (True, 1.5)):
        m = market("followers.p_interact=0.2", "brands.0.entertainment_value=0.5")
        m.ties.follower[0, :] = True
        post = Messages.make(np.arange(N), 1.0, 1.0, Source.OWNED)
        m.consumers.attitude[0, :] = 0.8
        m.consumers.stage[0, :] = Stage.AWARE
        got = follow(m.consumers, m.ties, 0, post, m.settings.followers,
                     m.brands[0].params.entertainment_value, entertaining, stream(m.rng))
        p = 0.2 * 0.8 * factor
        assert abs(got / N - p) < 5 * np.sqrt(p * (1 - p) / N)
        assert m.ties.activity[0].sum() == got


def test_engagement_is_interactions_per_follower_at_the_start_of_the_week():
    m = market()
    m.ties.follower[0, :100] = True
    m.consumers.owner[0, 75:300] = True  # 25 followers own it, and 200 who do not follow
    kpi = follower_kpis(m.consumers, m.ties, 0, interactions=6, followers_before=50)
    assert kpi["engagement"] == pytest.approx(6 / 50)
    assert kpi["followers"] == pytest.approx(100 / N)
    assert kpi["followers_who_bought"] == pytest.approx(0.25)
    assert np.isnan(follower_kpis(m.consumers, m.ties, 0, 0, 0)["engagement"])


def test_switched_off_the_follower_keys_change_nothing_and_draw_nothing():
    base = build("network.n=500", "consumers.agents_max=0", seed=11)
    other = build("network.n=500", "consumers.agents_max=0", "followers.p_follow=0.9",
                  "followers.organic_reach=0.8", "followers.p_interact=0.7", seed=11)
    a, b = base.run(20), other.run(20)
    assert a.equals(b)
    assert base.rng.bit_generator.state == other.rng.bit_generator.state
    assert (a[["followers", "engagement", "interactions"]] == 0).all().all()


def test_followers_by_segment_are_shares_of_the_core_and_of_the_rest():
    m = market()
    core = m.consumers.core
    m.ties.follower[0, np.flatnonzero(core)[:30]] = True
    m.ties.follower[0, np.flatnonzero(~core)[:50]] = True
    kpi = follower_kpis(m.consumers, m.ties, 0, 0, 80)
    assert kpi["followers_core"] == pytest.approx(30 / core.sum())
    assert kpi["followers_outside_core"] == pytest.approx(50 / (~core).sum())
    m = build("followers.enabled=true", "consumers.core_share=0", "network.n=200",
              "consumers.agents_max=0", seed=3)
    m.ties.follower[0, :20] = True
    kpi = follower_kpis(m.consumers, m.ties, 0, 0, 20)
    assert kpi["followers_core"] == 0.0  # no core: nobody in it follows
    assert kpi["followers_outside_core"] == pytest.approx(0.1)
    m = build("followers.enabled=true", "consumers.core_share=1", "network.n=200",
              "consumers.agents_max=0", seed=3)
    m.ties.follower[0, :20] = True
    kpi = follower_kpis(m.consumers, m.ties, 0, 0, 20)
    assert kpi["followers_outside_core"] == 0.0  # nobody outside the core
    assert kpi["followers_core"] == pytest.approx(0.1)


def test_contributors_activity_halves_every_activity_halflife():
    from ewom_abm.model.followers import fade_activity
    m = market()
    m.ties.activity[0, :3] = 8.0, 2.0, 0.0
    for _ in range(4):
        fade_activity(m.ties, 4.0)
    np.testing.assert_allclose(m.ties.activity[0, :3], [4.0, 1.0, 0.0], rtol=1e-5)
    fade_activity(m.ties, 2.0)
    np.testing.assert_allclose(m.ties.activity[0, 0], 4.0 * 0.5 ** 0.5, rtol=1e-5)


def test_the_launch_row_has_no_interactions_and_no_engagement():
    m = build("followers.enabled=true", "network.n=300", "consumers.agents_max=0", seed=3)
    first = m.timeseries().iloc[0]
    assert first["interactions"] == 0.0 and np.isnan(first["engagement"])
