"""Brand strategies: whom they reach, what they cost, and what they let happen."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.state import Stage
from ewom_testing import build


def brand_model(strategy: str, *extra: str, n: int = 3000, **top):
    return build("network.kind=barabasi_albert", f"network.n={n}",
                 f"brands.0.strategy={strategy}", *extra, **top)


def test_exclusivity_targets_only_the_core_and_caps_adoptions():
    m = brand_model("exclusivity", "brands.0.budget=1000", "brands.0.cost_invitation=1",
                    "brands.0.adoption_cap=0.002", "funnel.p_interest=1", "funnel.p_adopt=1",
                    "ewom.p_share=0.3", "ewom.p_external=0.05", "consumers.core_share=0.2",
                    steps=25)
    core = m.consumers.core
    brand = m.brands[0]
    cap = round(0.002 * m.n)
    for _ in range(25):
        action = brand.act()
        assert core[action.messages.dst].all()  # nobody outside the core is invited
        assert action.access.core_only and action.access.cap == cap
        brand.spend = 0.0
        m.step()
    df = m.timeseries()
    assert df["new_adopters"].iloc[1:].max() == cap  # the drop sells out, and no more
    assert (df["new_adopters"].iloc[1:] <= cap).all()
    adopters = m.consumers.stage[0] == Stage.ADOPTER
    assert adopters.sum() > 0 and core[adopters].all()  # sold to the core only
    assert df["penetration_outside_core"].max() == 0.0
    assert df["reach"].iloc[-1] > df["penetration"].iloc[-1]  # others hear, cannot buy


def test_exclusivity_events_turn_clients_into_advocates():
    m = brand_model("exclusivity", "brands.0.client_share=1", "brands.0.budget=50",
                    "brands.0.cost_invitation=5")
    clients = np.flatnonzero(m.consumers.core)[:30]
    m.consumers.stage[0, clients] = Stage.ADOPTER
    m.brands[0].act()
    assert m.consumers.advocate[0].sum() == 10  # budget 50 / cost 5 events
    assert m.consumers.advocate[0, clients].sum() == 10


def test_influencers_are_the_top_opinion_leaders_and_reach_their_followers():
    m = brand_model("influencer", "brands.0.budget=100", "brands.0.cost_influencer=25",
                    "brands.0.seeding=degree", "brands.0.post_reach=1",
                    "brands.0.scandal_prob=0")
    action = m.brands[0].act()
    top4 = np.argsort(-m.graph.degree, kind="stable")[:4]
    paid = m.brands[0].seed_order[:4]
    assert set(m.graph.degree[paid]) == set(m.graph.degree[top4])
    assert (action.messages.valence > 0).all()
    followers = np.unique(np.concatenate(
        [m.graph.indices[m.graph.indptr[i]: m.graph.indptr[i + 1]] for i in paid]))
    assert set(np.unique(action.messages.dst)) == set(followers) | set(paid)
    assert action.spend == 100


def test_influencer_scandal_turns_posts_negative_and_drops_the_influencer():
    m = brand_model("influencer", "brands.0.scandal_prob=1", "brands.0.seeding=degree")
    brand = m.brands[0]
    first = brand.act()
    paid = brand.seed_order[:4]
    assert (first.messages.valence < 0).all()
    assert brand.dropped[paid].all() and brand.scandals == 4
    second = brand.act()
    assert not np.isin(second.messages.dst[:4], paid).any()  # new influencers hired
    calm = brand_model("influencer", "brands.0.scandal_prob=0")
    assert (calm.brands[0].act().messages.valence > 0).all()


def test_scandals_create_rejecters_and_negative_word_of_mouth():
    m = brand_model("influencer", "brands.0.scandal_prob=0.5", "ewom.p_share=0.1", steps=20)
    df = m.run()
    assert m.brands[0].scandals > 0
    assert df["rejecters"].iloc[-1] > 0
    assert df["negative_share"].max() > 0


def test_entertainment_reaches_random_consumers_of_both_segments_and_boosts_sharing():
    m = brand_model("entertainment", "brands.0.budget=300", "brands.0.cost_contact=1",
                    "brands.0.entertainment_value=0.5")
    action = m.brands[0].act()
    dst = action.messages.dst
    assert dst.size == 300 and np.unique(dst).size == 300
    assert m.consumers.core[dst].any() and (~m.consumers.core[dst]).any()
    assert action.share_boost == 0.5
    broke = brand_model("entertainment", "brands.0.budget=0")
    assert broke.brands[0].act().share_boost == 0.0  # no content, no boost


@pytest.mark.parametrize("strategy", ["entertainment", "influencer", "exclusivity", "adaptive"])
def test_no_strategy_spends_more_than_its_budget(strategy):
    m = brand_model(strategy, "brands.0.budget=77", "brands.0.cost_influencer=20",
                    "brands.0.cost_invitation=3", steps=12)
    df = m.run()
    per_step = np.diff(df["spend"].to_numpy())
    assert (per_step <= 77 + 1e-9).all()
    assert per_step.max() > 0


def test_adaptive_brand_tries_every_strategy_and_fixed_never_switches():
    m = brand_model("adaptive", "brands.0.adapt_every=2", steps=30)
    df = m.run()
    assert set(df["strategy"]) == {"entertainment", "influencer", "exclusivity"}
    assert len(m.brands[0].switches) >= 2
    fixed = brand_model("influencer", steps=30)
    assert set(fixed.run()["strategy"]) == {"influencer"}
    assert fixed.brands[0].switches == []


def test_adaptive_brand_that_fears_dilution_settles_on_exclusivity():
    """The bandit's score is reach gained minus exclusivity_weight x dilution gained."""
    m = brand_model("adaptive", "brands.0.adapt_every=3", "brands.0.exclusivity_weight=50",
                    "brands.0.explore=0", steps=60)
    df = m.run()
    assert df["strategy"].iloc[-10:].eq("exclusivity").all()


def test_adaptive_without_a_graph_never_picks_influencers():
    m = build("network.kind=global", "network.n=2000", "brands.0.strategy=adaptive",
              "brands.0.adapt_every=1", steps=20)
    assert "influencer" not in set(m.run()["strategy"])


def test_competing_brands_keep_separate_funnels():
    m = build("network.kind=barabasi_albert", "network.n=2000", "brands.0.name=A",
              "brands.1.name=B", "brands.1.budget=0", "ewom.p_external=0", steps=10)
    df = m.run()
    last = df.groupby("brand")["reach"].last()
    assert last["A"] > 0.05 and last["B"] == 0.0
    assert (m.consumers.stage[1] == Stage.UNAWARE).all()


def test_exclusivity_small_population_still_sells_and_zero_cap_stops_sales():
    small = brand_model("exclusivity", "funnel.p_interest=1", "funnel.p_adopt=1", n=120, steps=15)
    assert small.brands[0].act().access.cap == 1  # 0.002 x 120 rounds to 0: at least one
    assert small.run()["penetration"].iloc[-1] > 0
    closed = brand_model("exclusivity", "brands.0.adoption_cap=0", "funnel.p_adopt=1", steps=10)
    assert closed.run()["penetration"].max() == 0.0
