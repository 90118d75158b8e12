"""Property 5: the luxury paradox emerges (Dubois & Paternault 1995; Kapferer & Valette-Florence
2018).

Dream value is measured from consumers' desires (model/desire.py), as the share of the aware
who would dream of owning the brand; nothing computes it from aggregate awareness and
penetration, and the unaware are not in it. Across a market of brand configurations, the
measured dream value regressed on awareness and penetration has a positive awareness and a
negative penetration coefficient; with consumers blind to status the penetration coefficient's
CI includes zero. At equal spend, exclusivity ends with less reach and less dilution than
influencer and entertainment, and its dilution rises with word of mouth.

Two claims of MODEL.md's property 5 are not shown on the bounded dream value with
segment-consistent status at these sample sizes, and are kept as strict expected failures
(they fail loudly once they hold): the penetration coefficient moving by more than twice its
error when status is switched off, and exclusivity's dilution differing between eWOM models.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from ewom_abm.batch.stats import ols
from ewom_testing import build

BLIND = ("consumers.status_sensitivity_core=0", "consumers.status_sensitivity_aspirational=0")


@cache
def market(*extra: str) -> np.ndarray:
    """One run per brand configuration, a market of brands like Dubois & Paternault's: final
    (dream value, reach, penetration). Strategies, budgets and prices vary; so do the seeds."""
    rows = []
    grid = itertools.product(("entertainment", "influencer", "exclusivity"), (25, 100, 400),
                             (0.2, 1.0, 2.0))
    for seed, (strategy, budget, price) in enumerate(grid, start=1):
        m = build("network.kind=barabasi_albert", "network.n=2000", "consumers.agents_max=0",
                  f"brands.0.strategy={strategy}", f"brands.0.budget={budget}",
                  f"brands.0.price={price}", *extra, steps=26, seed=seed)
        last = m.run().iloc[-1]
        rows.append((last["dream_value"], last["reach"], last["penetration"]))
    return np.array(rows)


def paradox(*extra: str):
    """Final dream value regressed on awareness (reach) and penetration across the market."""
    dream, reach, penetration = market(*extra).T
    return ols(dream, {"awareness": reach, "penetration": penetration})


def test_measured_dream_value_rises_with_awareness_and_falls_with_penetration():
    fit = paradox()
    assert fit.lo[1] > 0  # awareness: positive
    assert fit.hi[2] < 0  # penetration: negative


def test_blind_to_status_penetration_does_not_lower_dream_value():
    """Blind to status, penetration does not lower dream value (its CI includes zero). The
    awareness coefficient is not asserted: the unaware are not in the measure, so whatever
    it shows is a finding (brands that reach more also carry more favourable talk)."""
    off = paradox(*BLIND)
    assert off.lo[2] <= 0 <= off.hi[2]


@pytest.mark.xfail(strict=True, reason="measured -0.310 (se 0.115) with status, -0.075 (se "
                   "0.175) blind: a gap of 1.1 combined se at 27 configurations; for the "
                   "configuration-level design of issue 15")
def test_removing_the_status_rule_moves_the_penetration_coefficient():
    """The coefficient moves by more than twice its sampling error when the rule is removed."""
    on, off = paradox(), paradox(*BLIND)
    gap = off.coef[2] - on.coef[2]
    assert gap > 2 * np.hypot(on.se[2], off.se[2])


def final_runs(preset: str, *extra: str, seeds=range(6)) -> np.ndarray:
    """(reach, dilution, spend) at the end of each seed's run of a preset."""
    runs = [build("consumers.agents_max=0", *extra, preset=preset, seed=s).run().iloc[-1]
            for s in seeds]
    return np.array([(r["reach"], r["dilution"], r["spend"]) for r in runs])


def test_equal_spend_exclusivity_has_less_reach_and_less_dilution():
    final = {s: final_runs(s) for s in ("entertainment", "influencer", "exclusivity")}
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
def exclusive_dilution(ewom: str, p_share: float, reps: int = 10) -> np.ndarray:
    """Final dilution of the exclusivity preset's brand under a regime and p_share."""
    return final_runs("exclusivity", f"ewom.model={ewom}", f"ewom.p_share={p_share}",
                      seeds=range(reps))[:, 1]


def test_exclusivity_dilution_rises_with_word_of_mouth():
    """Aspirational consumers who come to desire the brand through word of mouth buy where it is
    sold: the more they talk, the more of the exclusive brand's dream value is diluted."""
    shares = (0.05, 0.1, 0.2, 0.3)
    x = np.repeat(shares, 10)
    y = np.concatenate([exclusive_dilution("organic", p) for p in shares])
    fit = ols(y, {"p_share": x})
    assert fit.lo[1] > 0  # a significant positive slope


@pytest.mark.xfail(strict=True, reason="coproduction coefficient +0.0005 [-0.0014, +0.0023]: "
                   "with the aspirational no snobs toward each other, an exclusive brand's "
                   "dilution is near zero under both regimes; for the re-tuning of issue 15")
def test_exclusivity_dilution_differs_between_ewom_models():
    """Coproduction carries the exclusive brand further, to more aspirational buyers: more
    dilution than organic talk at the same p_share (pooled over three p_share values, with
    p_share in the regression)."""
    shares = (0.05, 0.1, 0.2)
    y, x, copro = [], [], []
    for model in ("organic", "coproduction"):
        for p in shares:
            d = exclusive_dilution(model, p)
            y.append(d)
            x.append(np.full(d.size, p))
            copro.append(np.full(d.size, float(model == "coproduction")))
    fit = ols(np.concatenate(y), {"coproduction": np.concatenate(copro),
                                  "p_share": np.concatenate(x)})
    assert fit.lo[1] > 0


def test_prestige_changes_behaviour():
    """The brand's heritage (what replaced a base dream value) raises status-sensitive
    consumers' desire, so more of them buy."""
    final = {}
    for prestige in (0.0, 2.0):
        final[prestige] = np.array([
            build("consumers.agents_max=0", f"brands.0.prestige={prestige}",
                  preset="entertainment", seed=s).run().iloc[-1][["desire", "penetration"]]
            for s in range(4)], dtype=float)
    d = final[2.0] - final[0.0]  # paired seeds
    assert (d.mean(axis=0) > 3 * d.std(axis=0, ddof=1) / 2).all()
