"""MODEL.md properties 10-12 (issue 17), each with its mechanism on and off, over fixed seeds;
a claim "A > B" passes when the mean paired difference exceeds Z = 3 standard errors
(tests/test_teaching.py's helpers). The second seed block is ``slow``.

Property 10, followers are not buyers: one luxury house (lesson 8's Spectacle, price EUR 2,000,
its rival silenced) runs each strategy at equal spend. Followers track reach; revenue does not.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from test_teaching import BLOCKS, SEEDS, assert_greater, block, se

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

STRATEGIES = ("entertainment", "influencer", "exclusivity")


@cache
def house(strategy: str, seed: int, *extra: str) -> dict:
    """Final KPIs of a lone luxury house running ``strategy`` (lesson 8's set-up)."""
    cfg = scenario.load("lesson8_followers", ["brands.1.budget=0", "brands.0.cost_invitation=5",
                                              f"brands.0.strategy={strategy}", *extra],
                        seed=seed)
    m = EwomModel(cfg)
    ts = m.run()
    return ts[ts["brand"] == "Spectacle"].iloc[-1].to_dict()


def col(strategy: str, name: str, seeds, *extra: str) -> np.ndarray:
    return np.array([house(strategy, s, *extra)[name] for s in seeds])


@pytest.mark.parametrize("shift", BLOCKS)
def test_property_10_the_strategy_with_most_followers_is_not_the_one_with_most_revenue(shift):
    seeds = block(SEEDS, shift)
    f = {s: col(s, "followers", seeds) for s in STRATEGIES}
    r = {s: col(s, "revenue", seeds) for s in STRATEGIES}
    for other in ("influencer", "exclusivity"):
        assert_greater(f["entertainment"], f[other], f"entertainment has more followers than "
                                                     f"{other}")
    assert_greater(r["exclusivity"], r["entertainment"], "exclusivity earns more")
    assert_greater(r["exclusivity"], r["influencer"], "exclusivity earns more than influencers")
    # followers rise with reach far more than revenue: from exclusivity to entertainment the
    # log ratio of followers exceeds that of revenue (which is negative) by far
    reach = {s: col(s, "reach", seeds) for s in STRATEGIES}
    assert_greater(np.log(reach["entertainment"] / reach["exclusivity"]), 0.0, "more reach")
    assert_greater(np.log(f["entertainment"] / f["exclusivity"]),
                   np.log(r["entertainment"] / r["exclusivity"]), "followers outrun revenue",
                   by=1.0)


def test_property_10_off_the_follower_metrics_are_zero_and_nothing_draws():
    for s in STRATEGIES:
        row = house(s, 101, "followers.enabled=false")
        assert row["followers"] == row["engagement"] == row["interactions"] == 0
    # nothing else changes: tests/validation/test_off_switches.py (every preset, draw for
    # draw) and tests/test_followers.py (every follower key perturbed while off)


# Property 11, relationships bring customers back: lesson 9's house alone (its twin silenced),
# the same budget with none or half of it on one-to-one work, three years of yearly occasions.
SEEDS_11 = tuple(range(101, 109))


@cache
def clienteling(share: float, seed: int, *extra: str) -> dict:
    cfg = scenario.load("lesson9_clients", ["brands.0.budget=0", f"brands.1.relationship_share="
                                            f"{share}", *extra], seed=seed)
    ts = EwomModel(cfg).run()
    part = ts[ts["brand"] == "Clienteling"]
    return {"final": part.iloc[-1].to_dict(), "year1": part[part["step"] == 52].iloc[0].to_dict()}


def p11(share: float, key: str, seeds, *extra: str, when: str = "final") -> np.ndarray:
    return np.array([clienteling(share, s, *extra)[when][key] for s in seeds])


@pytest.mark.parametrize("shift", BLOCKS)
def test_property_11_one_to_one_work_raises_retention_and_lifetime_value_and_costs_reach(shift):
    seeds = block(SEEDS_11, shift)
    assert_greater(p11(0.5, "retention", seeds), p11(0.0, "retention", seeds),
                   "retention rises with one-to-one work", by=0.05)
    assert_greater(p11(0.5, "clv", seeds), p11(0.0, "clv", seeds), "lifetime value rises")
    assert_greater(p11(0.0, "reach", seeds, when="year1"), p11(0.5, "reach", seeds,
                                                                when="year1"),
                   "the campaign's reach falls")
    assert (p11(0.5, "spend", seeds) == p11(0.0, "spend", seeds)).all()  # at equal spend


@pytest.mark.parametrize("shift", BLOCKS)
def test_property_11_without_relationship_effects_the_retention_gap_vanishes(shift):
    seeds = block(SEEDS_11, shift)
    off = "relationships.enabled=false"
    gap_on = p11(0.5, "retention", seeds) - p11(0.0, "retention", seeds)
    gap_off = p11(0.5, "retention", seeds, off) - p11(0.0, "retention", seeds, off)
    assert abs(gap_off.mean()) < 0.03 + 2 * se(gap_off), gap_off
    assert_greater(gap_on, gap_off, "the gap comes from relationship strength")
    assert (p11(0.5, "relationship", seeds, off) == 0).all()


def test_property_11_off_single_purchase_has_no_repeat_kpis():
    row = clienteling(0.5, 101, "repeat.repurchase_weeks=0")["final"]
    assert row["retention"] == row["repeat_rate"] == row["revenue_returning"] == 0
    assert row["spend_one_to_one"] > 0  # the work is still paid for, and buys little


# Property 12, channels matter: lesson 10's Split alone (its twin silenced), a year, priced at
# EUR 300 for enough buyers per channel (a few hundred a run).
SEEDS_12 = tuple(range(101, 109))


@cache
def channel_run(seed: int, *extra: str) -> dict:
    cfg = scenario.load("lesson10_channels", ["brands.1.budget=0", "brands.0.price=0.3", *extra],
                        seed=seed)
    ts = EwomModel(cfg).run()
    return ts[ts["brand"] == "Split"].iloc[-1].to_dict()


def p12(key: str, seeds, *extra: str) -> np.ndarray:
    rows = [channel_run(s, *extra) for s in seeds]
    if key == "satisfaction":  # over all purchases, both channels
        return np.array([r["satisfaction_store"] * (1 - r["online_share"])
                         + r["satisfaction_online"] * r["online_share"] for r in rows])
    return np.array([r[key] for r in rows])


@pytest.mark.parametrize("shift", BLOCKS)
def test_property_12_a_poorer_online_channel_disappoints_its_buyers_and_they_complain(shift):
    seeds = block(SEEDS_12, shift)
    good, poor = ("brands.0.online_gap=0",), ("brands.0.online_gap=0.15",)
    rise = (1 - p12("satisfaction_online", seeds, *poor)) - (1 - p12("satisfaction_online",
                                                                     seeds, *good))
    assert_greater(rise, 0.0, "online buyers are let down more often")
    assert_greater(p12("complainers_online", seeds, *poor), p12("complainers_online", seeds,
                                                                *good),
                   "and more of them speak ill of the brand")
    store = p12("satisfaction_store", seeds, *poor) - p12("satisfaction_store", seeds, *good)
    assert abs(store.mean()) < 0.2 * rise.mean() + 3 * se(store), "the store is not affected"


@pytest.mark.parametrize("shift", BLOCKS)
def test_property_12_integration_lifts_satisfaction_through_the_gap(shift):
    seeds = block(SEEDS_12, shift)
    apart, joined = ("brands.0.omnichannel=0",), ("brands.0.omnichannel=1",)
    assert_greater(p12("satisfaction_online", seeds, *joined),
                   p12("satisfaction_online", seeds, *apart), "integration lifts online buyers")
    assert_greater(p12("complainers_online", seeds, *apart),
                   p12("complainers_online", seeds, *joined), "fewer online buyers complain")
    assert_greater(p12("satisfaction", seeds, *joined), p12("satisfaction", seeds, *apart),
                   "integration lifts satisfaction over all purchases")
    # control: without a gap to close, integration (webrooming alone) changes little
    flat = ("brands.0.online_gap=0",)
    d = (p12("satisfaction_online", seeds, *flat, *joined)
         - p12("satisfaction_online", seeds, *flat, *apart))
    assert abs(d.mean()) < 0.1 + 2 * se(d), d


def test_property_12_off_no_channel_kpis():
    row = channel_run(101, "channels.enabled=false")
    for key in ("online_share", "satisfaction_store", "satisfaction_online", "revenue_online"):
        assert row[key] == 0
