"""Brand strategies: whom they reach, what they cost, and what they let happen."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.ewom import Source
from ewom_abm.model.state import Stage
from ewom_abm.model.strategies import prospects_and_clients
from ewom_testing import build


def brand_model(strategy: str, *extra: str, n: int = 3000, **top):
    return build("network.kind=barabasi_albert", f"network.n={n}",
                 f"brands.0.strategy={strategy}", *extra, **top)


def test_exclusivity_invites_only_the_core_and_caps_sales_per_step():
    m = brand_model("exclusivity", "brands.0.budget=1000", "brands.0.cost_invitation=1",
                    "brands.0.adoption_cap=0.002", "funnel.p_interest=1", "funnel.p_adopt=1",
                    "ewom.p_share=0.3", "ewom.p_external=0.05", "consumers.core_share=0.2",
                    "brands.0.price=0", "brands.0.distribution=0", steps=25)
    core = m.consumers.core
    brand = m.brands[0]
    cap = round(0.002 * m.n)
    for _ in range(25):
        action = brand.act()
        invited = action.messages.dst[action.messages.source == Source.INVITATION]
        assert invited.size and core[invited].all()  # nobody outside the core is invited
        assert action.access.cap == cap and action.access.distribution == 0
        brand.spend = 0.0
        m.step()
    df = m.timeseries()
    assert df["new_adopters"].iloc[1:].max() == cap  # the drop sells out, and no more
    assert (df["new_adopters"].iloc[1:] <= cap).all()
    owners = m.consumers.owner[0]
    assert owners.sum() > 0 and core[owners].all()  # distribution 0: sold to the core only
    assert df["reach"].iloc[-1] > df["penetration"].iloc[-1]  # others hear, cannot buy


def test_exclusivity_is_not_a_wall_word_of_mouth_brings_buyers_from_outside_the_core():
    """Aspirational consumers who come to desire it and can pay still buy where it is sold."""
    m = brand_model("exclusivity", "brands.0.price=0", "brands.0.distribution=1",
                    "brands.0.adoption_cap=1", "ewom.p_share=0.2", steps=30)
    assert m.run()["penetration_outside_core"].iloc[-1] > 0


def test_exclusivity_events_turn_clients_into_advocates():
    m = brand_model("exclusivity", "brands.0.client_share=1", "brands.0.budget=50",
                    "brands.0.cost_invitation=5", "consumers.core_share=0")
    clients = np.arange(30)
    cons = m.consumers
    cons.owner[0, clients], cons.stage[0, clients], cons.attitude[0, clients] = (
        True, Stage.ADOPTER, 0.3)
    action = m.brands[0].act()
    hosted = action.messages.dst[action.messages.source == Source.EVENT]
    assert hosted.size == 10 and np.isin(hosted, clients).all()  # budget 50 / cost 5 events
    assert not cons.advocate[0].any()  # a strategy decides; it changes no consumer itself
    m.step()  # the step's own events: ten more clients
    assert cons.advocate[0].sum() == 10 and cons.advocate[0, clients].sum() == 10


def test_exclusivity_spends_its_whole_budget_while_anyone_is_left_to_invite_or_host():
    m = brand_model("exclusivity", "brands.0.budget=100", "brands.0.cost_invitation=5",
                    "brands.0.client_share=0.3", steps=20)
    spend = np.diff(m.run()["spend"].to_numpy())
    assert (spend == 100_000).all()  # EUR 100,000 a week (the budget is in thousands of EUR)


def test_influencers_are_the_top_opinion_leaders_and_reach_their_followers():
    m = brand_model("influencer", "brands.0.budget=100", "brands.0.cost_influencer=25",
                    "brands.0.seeding=degree", "brands.0.post_reach=1",
                    "brands.0.scandal_rate=0")
    before = m.consumers.stage.copy(), m.consumers.attitude.copy()
    action = m.brands[0].act()
    assert np.array_equal(before[0], m.consumers.stage)  # the rule only decides
    assert np.array_equal(before[1], m.consumers.attitude)
    top4 = np.argsort(-m.graph.degree, kind="stable")[:4]
    paid = m.brands[0].seed_order[:4]
    assert set(m.graph.degree[paid]) == set(m.graph.degree[top4])
    assert (action.messages.content.valence > 0).all()
    followers = np.unique(np.concatenate(
        [m.graph.indices[m.graph.indptr[i]: m.graph.indptr[i + 1]] for i in paid]))
    assert set(np.unique(action.messages.dst)) == set(followers) | set(paid)
    posts = action.messages.source == Source.POST
    assert np.allclose(action.messages.content.trust[posts], m.config.brands[0].influencer_trust)
    assert action.spend == 100


def test_influencer_scandal_turns_posts_negative_and_drops_the_influencer():
    m = brand_model("influencer", "brands.0.scandal_rate=1000", "brands.0.seeding=degree")
    brand = m.brands[0]
    first = brand.act()
    paid = brand.seed_order[:4]
    assert (first.messages.content.valence < 0).all()
    assert brand.dropped[paid].all() and brand.scandals == 4
    second = brand.act()
    assert not np.isin(second.messages.dst[:4], paid).any()  # new influencers hired
    calm = brand_model("influencer", "brands.0.scandal_rate=0")
    assert (calm.brands[0].act().messages.content.valence > 0).all()


def test_scandals_happen_at_the_yearly_rate_per_paid_influencer():
    """scandal_rate is per influencer-year: 4 paid influencers (always 4: each one dropped is
    replaced) over 52 weeks at 2.6 a year have 4 x 52 x (1 - exp(-2.6/52)) = 10.1 scandals on
    average (Poisson-like), not 2.6 per week (the rate taken for a weekly chance)."""
    counts = []
    for seed in range(8):
        m = brand_model("influencer", "brands.0.scandal_rate=2.6", "brands.0.budget=100",
                        "brands.0.cost_influencer=25", "ewom.p_share=0", n=1000, seed=seed,
                        steps=52)
        m.run()
        counts.append(m.brands[0].scandals)
    expected = 8 * 4 * 52 * (1 - np.exp(-2.6 / 52))
    assert abs(sum(counts) - expected) < 5 * np.sqrt(expected)


def test_scandals_create_rejecters_and_count_as_negative_word_of_mouth():
    m = brand_model("influencer", "brands.0.scandal_rate=1000", "ewom.p_share=0", steps=5)
    df = m.run()
    assert df["scandals"].iloc[-1] == m.brands[0].scandals == 20
    assert (df["negative_share"].iloc[1:] == 1.0).all()  # every post this step was a scandal
    assert df["rejecters"].iloc[-1] > 0.05


def test_entertainment_reaches_random_consumers_of_both_segments_and_boosts_sharing():
    m = brand_model("entertainment", "brands.0.budget=300", "brands.0.cost_contact=1",
                    "brands.0.entertainment_value=0.5")
    action = m.brands[0].act()
    dst = action.messages.dst
    assert dst.size == 300 and np.unique(dst).size == 300
    assert m.consumers.core[dst].any() and (~m.consumers.core[dst]).any()
    assert action.boost == 0.5 and np.array_equal(action.boosted, np.sort(dst))
    broke = brand_model("entertainment", "brands.0.budget=0")
    assert broke.brands[0].act().boosted.size == 0  # no content, nobody's talk boosted


@pytest.mark.parametrize("strategy", ["entertainment", "influencer", "exclusivity", "adaptive"])
def test_no_strategy_spends_more_than_its_budget(strategy):
    m = brand_model(strategy, "brands.0.budget=77", "brands.0.cost_influencer=20",
                    "brands.0.cost_invitation=3", steps=12)
    df = m.run()
    per_step = np.diff(df["spend"].to_numpy())
    assert (per_step <= 77_000 + 1e-6).all()  # in EUR: the budget is EUR 77,000 a week
    assert per_step.max() > 0


def test_adaptive_brand_tries_every_strategy_and_fixed_never_switches():
    m = brand_model("adaptive", "brands.0.adapt_every=2", steps=30)
    df = m.run()
    assert set(df["strategy"]) == {"entertainment", "influencer", "exclusivity"}
    assert len(m.brands[0].switches) >= 2
    fixed = brand_model("influencer", steps=30)
    assert set(fixed.run()["strategy"]) == {"influencer"}
    assert fixed.brands[0].switches == []


@pytest.mark.xfail(strict=True, reason="settles on exclusivity for its last 12 weeks in 47% of "
                   "seeds 0-29 (60% under the earlier engine's draws): since issue 15's bounded "
                   "dream value the reward rarely separates the arms; for the re-tuning of "
                   "issue 15")
def test_adaptive_brand_that_fears_dilution_settles_on_exclusivity():
    """The bandit's score is reach gained minus exclusivity_weight x dilution gained."""
    m = brand_model("adaptive", "brands.0.adapt_every=3", "brands.0.exclusivity_weight=200",
                    "brands.0.exploration=0", "brands.0.price=0.3", steps=60)
    df = m.run()
    assert df["strategy"].iloc[-12:].eq("exclusivity").all()


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
    closed = brand_model("exclusivity", "brands.0.adoption_cap=0", "funnel.p_adopt=1",
                         "brands.0.seeds=0", steps=10)
    assert closed.run()["penetration"].max() == 0.0


class Market:
    """A scripted market for the adaptive policy: each strategy's reach gain per review."""

    def __init__(self, brand, gains: dict[str, float]) -> None:
        self.brand, self.gains = brand, gains

    def review(self) -> str:
        """One review period: reach grows by the running strategy's gain of the headroom."""
        b = self.brand
        ran = b.strategy
        for _ in range(b.cfg.adapt_every):
            b.reach += self.gains[ran] * (1 - b.reach) / b.cfg.adapt_every
            b.review()
        return ran


def scripted(*extra: str):
    m = brand_model("adaptive", "brands.0.adapt_every=1", "brands.0.exploration=0", *extra,
                    n=300)
    return m.brands[0]


def test_adaptive_policy_forgets_old_scores_when_the_market_moves():
    """Discounted scores: when the best strategy stops working, the brand moves on within a few
    reviews; without discounting (discount 1) its old record keeps it there much longer."""
    def switch_time(discount: float) -> int:
        brand = scripted(f"brands.0.discount={discount}")
        market = Market(brand, {"entertainment": 0.3, "influencer": 0.1, "exclusivity": 0.05})
        for _ in range(20):
            market.review()
        market.gains = {"entertainment": 0.0, "influencer": 0.1, "exclusivity": 0.05}
        for t in range(1, 60):
            if market.review() != "entertainment":
                return t
        return 60

    assert switch_time(0.5) <= 3
    assert switch_time(1.0) > 3 * switch_time(0.5)


def test_adaptive_rewards_are_shares_of_the_headroom_left():
    """A strategy that wins the same share of the still-unreached consumers scores the same late
    as early: the first strategy tried is not credited with the easy early gains."""
    brand = scripted("brands.0.discount=1")
    market = Market(brand, {"entertainment": 0.2, "influencer": 0.2, "exclusivity": 0.2})
    for _ in range(9):
        market.review()
    means = [brand._score[a] / brand._weight[a] for a in brand.arms]
    assert max(means) - min(means) < 1e-9 and means[0] == pytest.approx(0.2)


def test_adaptive_outcome_does_not_depend_on_its_first_strategy():
    """Credit assignment that survives saturation: whichever strategy the adaptive brand tries
    first, it ends with the same reach and dilution, within sampling error (3 standard errors
    of each difference of means, 12 seeds per start)."""
    finals = {}
    for first in ("entertainment", "influencer", "exclusivity"):
        runs = [build("consumers.agents_max=0", f"brands.0.initial_strategy={first}",
                      preset="adaptive", seed=300 + s).run().iloc[-1] for s in range(12)]
        finals[first] = np.array([(r["reach"], r["dilution"]) for r in runs])
    starts = list(finals)
    for i, a in enumerate(starts):
        for b in starts[i + 1:]:
            x, y = finals[a], finals[b]
            se = np.sqrt(x.var(axis=0, ddof=1) / len(x) + y.var(axis=0, ddof=1) / len(y))
            assert (np.abs(x.mean(axis=0) - y.mean(axis=0)) < 3 * se).all(), (a, b)


def test_one_to_one_work_and_the_strategy_share_one_budget():
    """relationship_share of the budget buys one-to-one contacts with clients at
    cost_one_to_one each; the strategy gets what they did not cost, so together they spend
    the budget, never more."""
    m = brand_model("entertainment", "brands.0.budget=100", "brands.0.relationship_share=0.5",
                    "brands.0.cost_one_to_one=20", "brands.0.cost_contact=1",
                    "brands.0.seeds=10", n=300)
    action = m.brands[0].act()
    one_to_one = action.messages.dst[action.messages.source == Source.ONE_TO_ONE]
    content = action.messages.dst[action.messages.source == Source.CONTENT]
    assert one_to_one.size == 2  # half of EUR 100,000 buys two EUR 20,000 contacts (of ten)
    assert m.consumers.owner[0, one_to_one].all()  # clients
    assert content.size == 60  # the other EUR 60,000 at EUR 1,000 a contact
    assert action.spend == pytest.approx(100.0)


def test_disappointed_owners_are_not_invited_to_client_events():
    """Exclusivity's clients are owners who neither reject the brand nor were disappointed
    by it (any shortfall beyond tolerance, however small or large); non-owners in the core
    are its prospects."""
    m = brand_model("exclusivity", "consumers.core_share=0.5", n=200)
    cons = m.consumers
    owners = np.arange(40)
    cons.owner[0, owners], cons.stage[0, owners] = True, Stage.ADOPTER
    cons.disappointment[0, :10] = -0.5  # let down, within the range an experience can give
    cons.disappointment[0, 10:20] = -1.5
    cons.stage[0, 20:30] = Stage.REJECTER
    prospects, clients = prospects_and_clients(cons, 0)
    assert clients.tolist() == list(range(30, 40))
    non_owners = np.arange(40, 200)
    assert prospects.tolist() == non_owners[cons.core[non_owners]].tolist()


def test_adaptive_reward_is_reach_share_gained_minus_weighted_dilution_share_gained():
    """The adaptive score: reach gained as a share of the headroom, minus exclusivity_weight
    times the dilution gained as a share of the dream value left."""
    brand = scripted("brands.0.discount=1", "brands.0.exclusivity_weight=2")
    ran = brand.strategy
    brand.reach, brand.dilution = 0.4, 0.2
    brand.review()
    assert brand._score[ran] == pytest.approx(0.4 - 2 * 0.2)
    ran = brand.strategy
    brand.reach, brand.dilution = 0.7, 0.6
    brand.review()  # headroom 0.6, dream value left 0.8
    assert brand._score[ran] == pytest.approx(0.3 / 0.6 - 2 * 0.4 / 0.8)


def test_adaptive_brand_logs_every_switch_of_strategy():
    """Each review that changes the strategy is logged as (step, new strategy), whichever way
    it goes (entertainment, influencer, exclusivity, and back), and no other review is."""
    brand = scripted()
    market = Market(brand, {"entertainment": 0.3, "influencer": 0.0, "exclusivity": 0.0})
    changes = []
    for _ in range(8):
        before = market.review()
        if brand.strategy != before:
            changes.append((brand.model.steps, brand.strategy))
    assert [s for _, s in changes[:3]] == ["influencer", "exclusivity", "entertainment"]
    assert brand.switches == changes
