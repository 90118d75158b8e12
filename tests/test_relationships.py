"""Relationships and repeat purchase (issue 17, ODD 7.21-7.22): the annual-to-occasion
conversion, fading strength, the occasion choice, the books of revenue and lifetime value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ewom_abm.model.jit import stream
from ewom_abm.model.relationships import (
    Shelf,
    choose,
    logit,
    occasion,
    per_occasion,
    strength_now,
)
from ewom_abm.model.state import ADOPTER, NEVER, REJECTER
from ewom_testing import build


def test_annual_chances_become_chances_per_occasion():
    assert per_occasion(0.15, 52) == pytest.approx(0.15)
    assert per_occasion(0.15, 26) == pytest.approx(1 - 0.85 ** 0.5)
    m = build("repeat.repurchase_weeks=26", "network.n=50")
    oc = occasion(m.config)
    assert oc.c0 + oc.desire_weight / 2 == pytest.approx(logit(per_occasion(0.15, 26)))
    assert oc.beta_s == pytest.approx(logit(per_occasion(0.5, 26)) - logit(per_occasion(0.15,
                                                                                         26)))
    assert oc.weekly_discount == pytest.approx(1.12 ** (-1 / 52))


def test_strength_halves_every_halflife_and_is_nothing_before_any_tie():
    assert strength_now(0.8, 10, 36, 26.0) == pytest.approx(0.4)
    assert strength_now(0.8, 10, 10, 26.0) == pytest.approx(0.8)
    assert strength_now(0.9, NEVER, 50, 26.0) == 0.0


def owners(n=4000, *extra):
    """Owners of brand 0, all due now, liking it fully (desire 1/2: liking alone)."""
    m = build("repeat.repurchase_weeks=52", f"network.n={n}", "consumers.agents_max=0",
              "brands.1.name=Rival", "brands.1.budget=0", *extra, seed=2)
    c, t = m.consumers, m.ties
    c.owner[0], c.stage[0], c.attitude[0], c.desire[0] = True, ADOPTER, 1.0, 0.5
    c.reservation_price[:] = 10.0
    t.last_brand[:] = 0
    return m


def shelf(m, price=(1.0, 1.0), avail=(1.0, 1.0)):
    return Shelf(np.array(price), np.array(avail), np.array([-1, -1]),
                 np.array([650.0, 650.0]))


def choices(m, sh=None) -> np.ndarray:
    sh = sh or shelf(m)
    u = np.random.default_rng(5).random(m.n)
    return np.array([choose(m.consumers, m.ties, i, 52, m.occasion, sh, u[i])
                     for i in range(m.n)])


def rate_is(x: np.ndarray, p: float) -> None:
    assert abs(x.mean() - p) < 5 * math.sqrt(p * (1 - p) / x.size), (x.mean(), p)


def test_a_satisfied_owner_who_likes_it_buys_again_at_p_repeat_and_a_strong_tie_at_p_strong():
    m = owners()
    rate_is(choices(m) == 0, 0.15)
    m.ties.strength[0], m.ties.strength_at[0] = 1.0, 52
    rate_is(choices(m) == 0, 0.5)


def test_disappointment_lowers_the_odds_and_budget_rejection_and_dislike_rule_it_out():
    m = owners()
    m.consumers.disappointment[0] = -0.5
    p = 0.15 * 0.2 / (1 - 0.15 + 0.15 * 0.2)  # odds x 0.2
    rate_is(choices(m) == 0, p)
    m = owners()
    assert (choices(m, shelf(m, price=(20.0, 1.0))) == -1).all()  # cannot afford it
    m.consumers.stage[0] = REJECTER
    assert (choices(m) == -1).all()
    m = owners()
    m.consumers.attitude[0] = -0.1
    assert (choices(m) == -1).all()


def test_a_desired_rival_wins_switchers():
    m = owners()
    c = m.consumers
    c.stage[1], c.attitude[1], c.desire[1] = 2, 1.0, 1.0  # interested, desiring it fully
    got = choices(m)
    assert (got == 1).mean() > (got == 0).mean() > 0


def test_repeat_buyers_experience_what_they_buy():
    """A repeat purchase of an awful product disappoints: attitude falls, the buyer rejects."""
    from ewom_abm.model.relationships import occasions
    m = owners()
    m.ties.next_occasion[:] = 52
    m.ties.strength[0], m.ties.strength_at[0] = 1.0, 52
    brands = tuple(b.params._replace(quality=0.0, quality_spread=0.0) for b in m.brands)
    occ, kept, rep, _sw, buyers = occasions(m.consumers, m.ties, 52, m.occasion,
                                           m.settings.funnel, brands, shelf(m),
                                           m.settings.channels, stream(m.rng))
    who = buyers[1][buyers[0] == 0]
    assert rep[0] == who.size > 0 and occ[0] == m.n and kept[0] == who.size
    assert (m.consumers.attitude[0, who] < 0).all()
    assert (m.consumers.stage[0, who] == REJECTER).all()
    assert (m.consumers.disappointment[0, who] < 0).all()
    assert (m.ties.purchases[0, who] == 1).all() and (m.ties.next_occasion == 104).all()


def test_occasions_come_once_a_cycle_and_revenue_splits_into_new_and_returning():
    m = build("repeat.repurchase_weeks=10", "brands.0.budget=200", "network.n=1500",
              "consumers.agents_max=0", "brands.0.price=0.3", seed=6)
    ts = m.run(45)
    t = m.ties
    owners_now = m.consumers.owner[0]
    assert (t.next_occasion[owners_now] > 45).all() and (t.next_occasion[owners_now] <= 55).all()
    assert ts["repeat_purchases"].sum() > 0
    np.testing.assert_allclose(ts["revenue"], ts["revenue_new"] + ts["revenue_returning"])
    bought = t.purchases[0][owners_now]
    assert ts["revenue"].iloc[-1] == pytest.approx(bought.sum() * 0.3 * 1e6)


def test_lifetime_value_is_the_discounted_margin_net_of_one_to_one_cost():
    m = build("repeat.repurchase_weeks=10", "brands.0.budget=200", "network.n=1500",
              "consumers.agents_max=0", "brands.0.price=0.3", "brands.0.relationship_share=0.3",
              seed=6)
    ts = m.run(45)
    t = m.ties
    cust = t.purchases[0] >= 1
    assert t.crm_cost[0].sum() > 0
    # a customer's margin: 65% of EUR 300 per purchase, discounted weekly from their first
    assert (t.clv_margin[0][cust] <= 0.65 * 300 * t.purchases[0][cust] + 1e-9).all()
    repeat = cust & (t.purchases[0] >= 2)
    assert (t.clv_margin[0][repeat] < 0.65 * 300 * t.purchases[0][repeat]).all()
    net = (t.clv_margin[0][cust] - t.crm_cost[0][cust]).sum() / cust.sum()
    assert ts["clv"].iloc[-1] == pytest.approx(net)


def test_switched_off_repeat_and_relationship_keys_change_nothing():
    base = build("network.n=500", "consumers.agents_max=0", seed=11)
    other = build("network.n=500", "consumers.agents_max=0", "repeat.p_repeat=0.4",
                  "relationships.contact_gain=0.9", "relationships.p_repeat_strong=0.9",
                  "brands.0.margin=0.3", "brands.0.cost_one_to_one=3", seed=11)
    a, b = base.run(20), other.run(20)
    assert a.equals(b)
    assert base.rng.bit_generator.state == other.rng.bit_generator.state
    assert (a[["retention", "repeat_rate", "clv", "revenue_returning"]] == 0).all().all()


@pytest.mark.parametrize(("override", "message"), [
    ("followers.p_follow=1.7", "followers.p_follow: 1.7 is out of range, allowed [0, 1]"),
    ("relationships.p_repeat_strong=0.1", "relationships.p_repeat_strong: 0.1 is below "
                                          "repeat.p_repeat"),
    ("repeat.repurchase_weeks=-3", "repeat.repurchase_weeks: -3 is out of range"),
    ("channels.online_shar=0.3", "channels.online_shar: unknown key (did you mean "
                                 "'online_share'?)"),
    ("brands.0.omnichannel=2", "brands.0.omnichannel: 2.0 is out of range, allowed [0, 1]"),
    ("market.scale=0", "market.scale: 0.0 is out of range, allowed [1, 1e+09]"),
])
def test_bad_issue_17_inputs_are_one_line_naming_the_key(override, message):
    from ewom_abm.model.errors import EwomError
    from ewom_abm.model.scenario import load
    with pytest.raises(EwomError) as err:
        load(None, [override])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_one_to_one_messages_and_events_build_ties_and_only_one_to_one_follows_back():
    """G1: of every kind of message a client can get, a one-to-one message or a client event
    closes ``contact_gain`` of the gap; only a one-to-one message to a follower follows them
    back."""
    from ewom_abm.model.message import Messages, Source
    from ewom_abm.model.relationships import contacts
    m = build("repeat.repurchase_weeks=52", "followers.enabled=true", "network.n=50",
              "consumers.agents_max=0", seed=1)
    t = m.ties
    t.follower[0, :] = True
    src = np.array([s.value for s in Source], np.int8)  # consumer i gets one of kind i
    msgs = Messages.make(np.arange(src.size), 1.0, 1.0, src)
    contacts(t, 0, msgs, 10, m.occasion, True)
    tied = [Source.EVENT, Source.ONE_TO_ONE]
    assert np.flatnonzero(t.followed_back[0]).tolist() == [Source.ONE_TO_ONE]
    assert np.flatnonzero(t.strength[0]).tolist() == tied
    np.testing.assert_allclose(t.strength[0, tied], 0.3)
    assert (t.strength_at[0, tied] == 10).all()


def test_a_purchase_builds_the_tie_when_it_satisfies_and_loses_it_when_it_disappoints():
    """G2 for first buyers and for repeat buyers: a satisfied buyer (disappointment 0) closes
    ``experience_gain`` of the gap, a disappointed one loses that share of the tie."""
    from ewom_abm.model.relationships import first_purchases, occasions
    m = owners(50)
    t, c = m.ties, m.consumers
    t.strength[0, :2], t.strength_at[0, :2] = 0.5, 52
    c.disappointment[0, :2] = 0.0, -0.3
    first_purchases(c, t, 0, np.array([0, 1]), 52, m.occasion, 650.0)
    np.testing.assert_allclose(t.strength[0, :2], [0.5 + 0.15 * 0.5, 0.5 * 0.85], rtol=1e-6)
    for quality, after in ((1.0, 0.5 + 0.15 * 0.5), (0.0, 0.5 * 0.85)):
        m = owners(200)
        t = m.ties
        t.next_occasion[:] = 52
        t.strength[0], t.strength_at[0] = 0.5, 52
        brands = tuple(b.params._replace(quality=quality, quality_spread=0.0)
                       for b in m.brands)
        *_, buyers = occasions(m.consumers, t, 52, m.occasion, m.settings.funnel, brands,
                               shelf(m), m.settings.channels, stream(m.rng))
        who = buyers[1][buyers[0] == 0]
        assert who.size > 0
        assert (m.consumers.disappointment[0, who] < 0).all() == (quality == 0.0)
        np.testing.assert_allclose(t.strength[0, who], after, rtol=1e-6)


def test_a_rival_is_found_at_its_distribution_outside_the_core_and_the_incumbent_always():
    m = owners()
    c = m.consumers
    c.core[:] = False
    c.stage[1], c.attitude[1], c.desire[1] = 2, 1.0, 1.0  # interested, desiring it fully
    got = choices(m, shelf(m, avail=(0.0, 0.0)))
    assert (got == 1).sum() == 0 and (got == 0).sum() > 0  # the incumbent: no distribution coin
    c.core[:] = True
    got = choices(m, shelf(m, avail=(0.0, 0.0)))
    assert (got == 1).sum() > 0  # the core is always within reach


def test_repeat_kpis_are_the_books_ratios_and_the_mean_faded_strength_of_customers():
    from ewom_abm.model.relationships import repeat_kpis
    m = build("repeat.repurchase_weeks=26", "network.n=50", "consumers.agents_max=0", seed=1)
    t = m.ties
    t.purchases[0, :4] = 1, 2, 1, 3
    t.strength[0, :4] = 0.8, 0.6, 0.9, 0.4
    t.strength_at[0, :4] = 0, 26, NEVER, 52  # customer 2: never a tie (0, not 0.9)
    t.clv_margin[0, :4] = 100.0, 300.0, 0.0, 500.0
    t.crm_cost[0, :4] = 20.0
    books = {"spend_one_to_one": 7.0, "cycle": [(10, 3), (5, 1)], "repeat_now": 2,
             "revenue_new": 11.0, "revenue_returning": 13.0}
    k = repeat_kpis(t, 0, 52, m.occasion, books)
    assert k["relationship"] == pytest.approx((0.8 / 4 + 0.6 / 2 + 0 + 0.4) / 4)
    assert k["retention"] == pytest.approx(4 / 15)
    assert k["repeat_rate"] == pytest.approx(2 / 4)
    assert k["clv"] == pytest.approx((900.0 - 80.0) / 4)
    assert (k["repeat_purchases"], k["revenue_new"], k["revenue_returning"],
            k["spend_one_to_one"]) == (2.0, 11.0, 13.0, 7.0)
    assert math.isnan(repeat_kpis(t, 0, 52, m.occasion, {**books, "cycle": []})["retention"])


def test_a_repeat_purchase_adds_its_margin_discounted_from_the_first():
    """A customer's margin is 65% of the EUR 300 price for the first purchase, and the same
    discounted weekly from the first for each repeat (at most 45 weeks later here)."""
    m = build("repeat.repurchase_weeks=10", "brands.0.budget=200", "network.n=1500",
              "consumers.agents_max=0", "brands.0.price=0.3", "brands.0.seeds=0", seed=6)
    m.run(45)
    t = m.ties
    k = t.purchases[0]
    repeat = k >= 2
    assert repeat.sum() > 0
    low = 0.65 * 300 * (1 + (k[repeat] - 1) * 1.12 ** (-45 / 52))
    assert (t.clv_margin[0][repeat] >= low - 1e-9).all()
    assert (t.clv_margin[0][repeat] < 0.65 * 300 * k[repeat]).all()


def test_launch_seeds_are_customers_with_one_purchase_due_a_cycle_later():
    m = build("repeat.repurchase_weeks=26", "brands.0.seeds=7", "network.n=300",
              "consumers.agents_max=0", seed=2)
    seeds = np.flatnonzero(m.consumers.owner[0])
    t = m.ties
    assert seeds.size == 7
    assert (t.purchases[0, seeds] == 1).all() and (t.first_purchase[0, seeds] == 0).all()
    assert (t.next_occasion[seeds] == 26).all() and (t.last_brand[seeds] == 0).all()
    assert t.clv_margin[0, seeds].sum() == 0  # they paid nothing
    assert (np.delete(t.purchases[0], seeds) == 0).all()
