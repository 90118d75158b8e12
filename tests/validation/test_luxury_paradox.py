"""Property 5: the luxury paradox (Dubois & Paternault 1995; Kapferer & Valette-Florence 2018).

Across runs, dream value regressed on awareness (reach) and penetration has a positive awareness
and a negative penetration coefficient when dilution is on, and a penetration coefficient near
zero when it is off. With equal budgets, exclusivity ends with less reach and less dilution
than influencer and entertainment.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from ewom_abm.batch.stats import ols
from ewom_testing import build


@cache
def market(dilution: bool) -> np.ndarray:
    """One run per brand configuration, a market of brands like Dubois & Paternault's: final
    (dream value, reach, penetration)."""
    rows = []
    grid = itertools.product(("entertainment", "influencer", "exclusivity"), (25, 100, 400),
                             (0.02, 0.05, 0.1))
    for seed, (strategy, budget, p_adopt) in enumerate(grid, start=1):
        m = build("network.kind=barabasi_albert", "network.n=2000", "consumers.agents_max=0",
                  f"brands.0.strategy={strategy}", f"brands.0.budget={budget}",
                  f"funnel.p_adopt={p_adopt}", f"dilution.enabled={str(dilution).lower()}",
                  steps=26, seed=seed)
        last = m.run().iloc[-1]
        rows.append((last["dream_value"], last["reach"], last["penetration"]))
    return np.array(rows)


def paradox(dilution: bool):
    """Final dream value regressed on awareness (reach) and penetration across the market."""
    dream, reach, penetration = market(dilution).T
    return ols(dream, {"awareness": reach, "penetration": penetration})


def test_dream_value_rises_with_awareness_and_falls_with_penetration():
    fit = paradox(True)
    assert fit.lo[1] > 0  # awareness: positive
    assert fit.hi[2] < 0  # penetration: negative


def test_without_dilution_penetration_does_not_matter():
    on, off = paradox(True).coef, paradox(False).coef
    # near zero: a tenth of the effect with dilution on (what is left is the curvature of
    # exp(awareness_gain x reach), which a linear fit shares between its two regressors)
    assert abs(off[2]) < 0.1 * abs(on[2])
    assert off[1] > 0


def test_equal_budgets_exclusivity_has_less_reach_and_less_dilution():
    final = {}
    for strategy in ("entertainment", "influencer", "exclusivity"):
        runs = [build("consumers.agents_max=0", preset=strategy, seed=s).run().iloc[-1]
                for s in range(5)]
        final[strategy] = np.array([(r["reach"], r["dilution"], r["spend"]) for r in runs])
    ex = final["exclusivity"]
    for other in ("entertainment", "influencer"):
        them = final[other]
        for col in (0, 1):  # reach, dilution
            se = np.sqrt(ex[:, col].var(ddof=1) / 5 + them[:, col].var(ddof=1) / 5)
            assert ex[:, col].mean() + 4 * se < them[:, col].mean(), (other, col)
    budgets = {s: build(preset=s).config.brands[0].budget for s in final}
    assert len(set(budgets.values())) == 1  # equal budgets
