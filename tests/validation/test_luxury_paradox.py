"""Property 5: the luxury paradox emerges (Dubois & Paternault 1995; Kapferer & Valette-Florence
2018).

Dream value is measured from consumers' desires (model/desire.py), as the share of the surveyed
consumers aware of the brand (the affluent core, the clientele those surveys asked) who would
dream of owning it; nothing computes it from aggregate awareness and penetration, and the
unaware are not in it. Across a market of brand configurations (one run each, so one
observation per configuration), the measured dream value regressed on awareness and penetration
has a positive awareness and a negative penetration coefficient. The controls:

- consumers who do not mind who owns the brand (``status.snob = 0``, ``status.aspiration = 0``):
  the penetration coefficient's CI includes zero, and removing these terms moves it by more
  than twice its combined standard error;
- consumers blind to status altogether (status sensitivity 0): nobody dreams of any brand (the
  dream item is about status), so there is nothing to regress.

At equal spend, exclusivity ends with less reach and less dilution than influencer and
entertainment, its dilution rises with word of mouth and is higher under coproduction than
under organic talk. Every claim is checked on a second, disjoint block of seeds (``slow``).
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from ewom_abm.batch.stats import ols
from ewom_testing import build

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

BLIND = ("consumers.status_sensitivity_core=0", "consumers.status_sensitivity_aspirational=0")
CAREFREE = ("status.snob=0", "status.aspiration=0")  # status, but nobody minds who owns it
# the first seed of each block; the second block is disjoint from the first
BLOCKS = [pytest.param(0, id="seeds-1"), pytest.param(100, id="seeds-101", marks=pytest.mark.slow)]
GRID = list(itertools.product(("entertainment", "influencer", "exclusivity"), (25, 100, 400),
                              (0.2, 1.0, 2.0)))


@cache
def market(first: int, *extra: str) -> np.ndarray:
    """One run per brand configuration, a market of luxury brands (prestige 1) like Dubois &
    Paternault's: final (dream value, reach, penetration). Strategies, budgets and prices
    vary; so do the seeds."""
    rows = []
    for seed, (strategy, budget, price) in enumerate(GRID, start=first + 1):
        m = build("network.kind=barabasi_albert", "network.n=2000", "consumers.agents_max=0",
                  "brands.0.prestige=1", f"brands.0.strategy={strategy}",
                  f"brands.0.budget={budget}", f"brands.0.price={price}", *extra, steps=26,
                  seed=seed)
        last = m.run().iloc[-1]
        rows.append((last["dream_value"], last["reach"], last["penetration"]))
    return np.array(rows)


def paradox(first: int, *extra: str):
    """Final dream value regressed on awareness (reach) and penetration across the market."""
    dream, reach, penetration = market(first, *extra).T
    return ols(dream, {"awareness": reach, "penetration": penetration})


@pytest.mark.parametrize("first", BLOCKS)
def test_measured_dream_value_rises_with_awareness_and_falls_with_penetration(first):
    fit = paradox(first)
    assert fit.n == len(GRID)  # one observation per configuration
    assert fit.lo[1] > 0  # awareness: positive
    assert fit.hi[2] < 0  # penetration: negative


@pytest.mark.parametrize("first", BLOCKS)
def test_when_nobody_minds_who_owns_it_penetration_does_not_lower_dream_value(first):
    """Without the snob and bandwagon terms penetration does not lower dream value (its CI
    includes zero), and the coefficient moves by more than twice its sampling error: the
    paradox's penetration term is the status rule's. The awareness coefficient is not
    asserted: the unaware are not in the measure, so whatever it shows is a finding
    (recognition among friends raises status)."""
    on, off = paradox(first), paradox(first, *CAREFREE)
    assert off.lo[2] <= 0 <= off.hi[2]
    gap = off.coef[2] - on.coef[2]
    assert gap > 2 * np.hypot(on.se[2], off.se[2])


def test_consumers_blind_to_status_never_dream():
    """The dream item is about status: with no status sensitivity nobody in the market dreams
    of any brand, so the regression has nothing to explain (the report says so)."""
    dream = market(0, *BLIND)[:, 0]
    assert (dream == 0).all() and (market(0)[:, 0] > 0).any()


def final_runs(preset: str, *extra: str, seeds=range(6)) -> np.ndarray:
    """(reach, dilution, spend) at the end of each seed's run of a preset."""
    runs = [build("consumers.agents_max=0", *extra, preset=preset, seed=s).run().iloc[-1]
            for s in seeds]
    return np.array([(r["reach"], r["dilution"], r["spend"]) for r in runs])


@pytest.mark.parametrize("first", BLOCKS)
def test_equal_spend_exclusivity_has_less_reach_and_less_dilution(first):
    seeds = range(first, first + 20)  # dilution's run-to-run sd is about 0.08
    final = {s: final_runs(s, seeds=seeds) for s in ("entertainment", "influencer",
                                                     "exclusivity")}
    ex = final["exclusivity"]
    for other in ("entertainment", "influencer"):
        them = final[other]
        for col in (0, 1):  # reach, dilution
            se = np.sqrt(ex[:, col].var(ddof=1) / ex.shape[0]
                         + them[:, col].var(ddof=1) / them.shape[0])
            assert ex[:, col].mean() + 4 * se < them[:, col].mean(), (other, col)
    spend = {s: f[:, 2] for s, f in final.items()}
    assert all(np.array_equal(spend["exclusivity"], v) for v in spend.values())  # equal spend


@cache
def exclusive_dilution(ewom: str, p_share: float, first: int, reps: int = 10) -> np.ndarray:
    """Final dilution of the exclusivity preset's brand under a regime and p_share."""
    return final_runs("exclusivity", f"ewom.model={ewom}", f"ewom.p_share={p_share}",
                      seeds=range(first, first + reps))[:, 1]


@pytest.mark.parametrize("first", BLOCKS)
def test_exclusivity_dilution_rises_with_word_of_mouth(first):
    """Aspirational consumers who come to desire the brand through word of mouth buy where it is
    sold: the more they talk, the more of the exclusive brand's dream value is diluted."""
    shares = (0.05, 0.1, 0.2, 0.3)
    x = np.repeat(shares, 10)
    y = np.concatenate([exclusive_dilution("organic", p, first) for p in shares])
    fit = ols(y, {"p_share": x})
    assert fit.lo[1] > 0  # a significant positive slope


@pytest.mark.parametrize("first", BLOCKS)
def test_exclusivity_dilution_differs_between_ewom_models(first):
    """Coproduction carries the exclusive brand further, to more aspirational buyers: more
    dilution than organic talk at the same p_share (pooled over three p_share values, with
    p_share in the regression)."""
    shares = (0.05, 0.1, 0.2)
    y, x, copro = [], [], []
    for model in ("organic", "coproduction"):
        for p in shares:
            d = exclusive_dilution(model, p, first)
            y.append(d)
            x.append(np.full(d.size, p))
            copro.append(np.full(d.size, float(model == "coproduction")))
    fit = ols(np.concatenate(y), {"coproduction": np.concatenate(copro),
                                  "p_share": np.concatenate(x)})
    assert fit.lo[1] > 0


@pytest.mark.parametrize("first", BLOCKS)
def test_prestige_changes_behaviour(first):
    """The brand's heritage (what replaced a base dream value) raises status-sensitive
    consumers' desire, so more of them buy."""
    final = {}
    for prestige in (0.0, 2.0):
        final[prestige] = np.array([
            build("consumers.agents_max=0", f"brands.0.prestige={prestige}",
                  preset="entertainment", seed=s).run().iloc[-1][["desire", "penetration"]]
            for s in range(first, first + 4)], dtype=float)
    d = final[2.0] - final[0.0]  # paired seeds
    assert (d.mean(axis=0) > 3 * d.std(axis=0, ddof=1) / 2).all()
