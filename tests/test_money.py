"""Money and market scale (issue 17, ODD 2.6): prices and budgets in thousands of EUR, costs in
EUR per real consumer, every money KPI in EUR for the real market of ``market.scale`` real
consumers per simulated one; return on marketing spend."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ewom_abm.model.metrics import euros, kpi
from ewom_testing import build

NON_MONEY = ["reach", "penetration", "messages", "new_adopters", "dream_value", "dilution"]


@pytest.mark.parametrize("strategy", ["entertainment", "influencer", "exclusivity"])
def test_scale_and_budget_times_ten_change_no_action_and_money_times_ten(strategy):
    base = ["network.n=600", "consumers.agents_max=0", f"brands.0.strategy={strategy}"]
    one = build(*base, seed=7).run(15)
    ten = build(*base, "market.scale=10000", "brands.0.budget=1000", seed=7).run(15)
    assert one[NON_MONEY].equals(ten[NON_MONEY])
    assert ten["spend"].iloc[-1] > 0
    np.testing.assert_allclose(ten["spend"], 10 * one["spend"], rtol=1e-12)
    np.testing.assert_allclose(ten["revenue"], 10 * one["revenue"], rtol=1e-12)
    np.testing.assert_allclose(ten["cost_per_reached"], one["cost_per_reached"], rtol=1e-12)


def test_revenue_spend_and_return_in_eur():
    m = build("network.n=500", "consumers.agents_max=0", "brands.0.price=2",
              "brands.0.budget=50", "brands.0.cost_contact=1", seed=3)
    ts = m.run(10)
    last = ts.iloc[-1]
    bought = m.consumers.owner[0].sum() - m.config.brands[0].seeds
    assert last["revenue"] == pytest.approx(bought * 2 * 1000 * 1000)  # EUR 2,000 x 1,000
    assert last["spend"] == pytest.approx(10 * 50_000)  # EUR 50,000 a week for ten weeks
    assert last["roms"] == pytest.approx(last["revenue"] / last["spend"])
    assert math.isnan(ts.iloc[0]["roms"])  # nothing spent yet: no return to speak of
    assert kpi("roms").format(float("nan")) == "n/a"


def test_money_reads_in_euros():
    assert euros(204_000_000) == "EUR 204.0M" and euros(40_000) == "EUR 40.0k"
    assert euros(2.5) == "EUR 2.50" and euros(3.2e9) == "EUR 3.2bn"


def test_each_kind_of_kpi_reads_in_its_unit():
    assert kpi("revenue").format(204_000_000) == "EUR 204.0M"
    assert kpi("spend").format(40_000) == "EUR 40.0k"
    assert kpi("reach").format(0.256) == "25.6%"
    assert kpi("messages").format(12345.4) == "12,345"
    assert kpi("roms").format(2.5) == "2.500"
