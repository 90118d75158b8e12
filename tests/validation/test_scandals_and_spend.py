"""Property 8: scandals hurt, and spend has diminishing returns.

With scandals on, dream value and revenue end lower and negative word of mouth higher than with
them off (paired seeds: common random numbers). Reach is increasing and concave in each
strategy's budget, within sampling error and strictly over the whole range.
"""

from __future__ import annotations

import numpy as np
import pytest

from ewom_testing import build

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

SEEDS = range(8)
# every claim is checked again on a second, disjoint block of seeds (slow)
BLOCKS = [pytest.param(0, id="seeds-0"), pytest.param(1000, id="seeds-1000",
                                                      marks=pytest.mark.slow)]


def final(preset: str, *extra: str, seed: int) -> dict[str, float]:
    m = build("consumers.agents_max=0", *extra, preset=preset, seed=seed)
    df = m.run()
    last = df.iloc[-1]
    return {"dream_value": last["dream_value"], "revenue": last["revenue"],
            "negative_share": df["negative_share"].mean(), "reach": last["reach"],
            "spend": last["spend"]}


@pytest.mark.parametrize("first", BLOCKS)
def test_scandals_lower_dream_value_and_revenue_and_raise_negative_talk(first):
    on = [final("influencer", "brands.0.scandal_rate=5.48", seed=first + s) for s in SEEDS]
    off = [final("influencer", "brands.0.scandal_rate=0", seed=first + s) for s in SEEDS]
    for key, sign in (("dream_value", -1), ("revenue", -1), ("negative_share", +1)):
        d = sign * np.array([a[key] - b[key] for a, b in zip(on, off, strict=True)])
        assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(d.size), key
    assert [a["spend"] for a in on] == [b["spend"] for b in off]  # at equal spend


# budgets in equal slices, each buying 20 contacts, one influencer or six invitations a week
BUDGETS = {"entertainment": (0, 20, 40, 60, 80), "influencer": (0, 25, 50, 75, 100),
           "exclusivity": (0, 120, 240, 360, 480)}


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("strategy", sorted(BUDGETS))
def test_reach_is_increasing_and_concave_in_budget(strategy, first):
    reach = np.array([[final(strategy, f"brands.0.budget={b}", seed=first + 100 + s)["reach"]
                       for b in BUDGETS[strategy]] for s in range(12)])
    gain = np.diff(reach, axis=1)  # per seed: what each extra slice of budget bought
    mean, se = gain.mean(axis=0), gain.std(axis=0, ddof=1) / np.sqrt(gain.shape[0])
    assert mean[0] > 3 * se[0]  # the first slice buys reach
    assert (mean > -3 * se).all()  # no slice loses reach
    assert (reach[:, -1] - reach[:, 0]).mean() > 0  # more budget, more reach
    bend = np.diff(gain, axis=1)  # second differences: concave means they are not positive
    bend_se = bend.std(axis=0, ddof=1) / np.sqrt(bend.shape[0])
    assert (bend.mean(axis=0) < 3 * bend_se).all()
    first_last = gain[:, 0] - gain[:, -1]  # and strictly: the last slice buys less than the first
    assert first_last.mean() > 3 * first_last.std(ddof=1) / np.sqrt(first_last.size)
