"""Each teaching preset's claim (its ``look_for`` and ``try_this`` text) holds, over several seeds.

Every check runs the preset headless on ``SEEDS`` (fixed, so the test is deterministic) and
compares means with a margin from the sampling error: a claim "A > B" passes when the mean of
the per-seed differences exceeds ``Z`` standard errors (paired: both brands share a seed), a
claim "X < c" when the mean plus ``Z`` standard errors stays below c. Each check runs again on a
second, disjoint block of seeds (marked ``slow``). No wall-clock assertions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel
from ewom_abm.model.state import Stage

# each lesson's claim over a block of seeds: the full suite's, not the inner loop's
pytestmark = pytest.mark.slow

SEEDS = tuple(range(101, 107))
MORE_SEEDS = tuple(range(101, 113))  # for the claims about smaller differences
MANY_SEEDS = tuple(range(101, 125))  # for claims on values that vary a lot from run to run
Z = 3.0
# every claim is checked on the seeds its text was measured on and again on a second, disjoint
# block (slow): a claim that held only on its own seeds would fail there
SECOND = 100  # the second block: the same seeds plus 100 (201-206, 201-212, ...)
BLOCKS = [pytest.param(0, id="seeds-101"), pytest.param(SECOND, id="seeds-201",
                                                        marks=pytest.mark.slow)]


def block(seeds: tuple[int, ...], shift: int) -> tuple[int, ...]:
    return tuple(s + shift for s in seeds)


def runs(preset: str, *overrides: str, seeds=SEEDS) -> list[EwomModel]:
    out = []
    for seed in seeds:
        m = EwomModel(scenario.load(preset, list(overrides), seed=seed))
        m.run()
        out.append(m)
    return out


def series(models: list[EwomModel], brand: str, col: str, step: int | None = None) -> np.ndarray:
    """One value per run: ``col`` of ``brand`` at ``step`` (default: the last step)."""
    vals = []
    for m in models:
        ts = m.timeseries()
        part = ts[ts["brand"] == brand]
        row = part.iloc[-1] if step is None else part[part["step"] == step].iloc[0]
        vals.append(float(row[col]))
    return np.asarray(vals)


def se(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0


def assert_greater(a: np.ndarray, b: np.ndarray, what: str, by: float = 0.0) -> None:
    """mean(a - b) > by, by more than Z standard errors of the paired difference."""
    d = np.asarray(a) - np.asarray(b)
    assert d.mean() - by > Z * se(d), (
        f"{what}: mean difference {d.mean():.4f} (se {se(d):.4f}) not above {by} + {Z} se; "
        f"a={np.round(a, 3)}, b={np.round(b, 3)}")


def assert_below(x: np.ndarray, limit: float, what: str) -> None:
    assert x.mean() + Z * se(x) < limit, (
        f"{what}: mean {x.mean():.4f} + {Z} se ({se(x):.4f}) not below {limit}; "
        f"x={np.round(x, 3)}")


def assert_above(x: np.ndarray, limit: float, what: str) -> None:
    assert x.mean() - Z * se(x) > limit, (
        f"{what}: mean {x.mean():.4f} - {Z} se ({se(x):.4f}) not above {limit}; "
        f"x={np.round(x, 3)}")


LESSONS = ("lesson1_seeding", "lesson2_leaders", "lesson3_coproduction", "lesson4_influencer",
           "lesson5_exclusivity", "lesson6_facebook", "lesson7_adaptive")


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_has_teaching_text(name):
    sc = scenario.load(name)
    assert sc.title.startswith("Lesson")
    assert len(sc.description) > 100 and len(sc.look_for) > 60 and len(sc.try_this) > 40


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson1_organic_word_of_mouth_stalls_without_seeds(shift):
    seeds = block(SEEDS, shift)
    models = runs("lesson1_seeding", seeds=seeds)
    seeded, unseeded = series(models, "Seeded", "reach"), series(models, "Unseeded", "reach")
    assert_below(unseeded, 0.1, "Unseeded stuck below a tenth")
    assert_greater(seeded, 2 * unseeded, "Seeded reaches over twice Unseeded's reach")
    assert_above(seeded, 0.15, "Seeded: about a fifth")
    assert_below(series(models, "Seeded", "penetration"), 0.1, "a few percent buy it")
    early = series(models, "Seeded", "reach", step=10)
    assert_greater(early, series(models, "Seeded", "reach", step=1), "Seeded climbs early")
    # things to try: advertising at 0.005 lets Unseeded catch up (well above its stuck level)
    ads = runs("lesson1_seeding", "ewom.p_external=0.005", seeds=seeds)
    assert_greater(series(ads, "Unseeded", "reach"), unseeded, "ads lift Unseeded", by=0.2)
    both = runs("lesson1_seeding", "brands.1.seeds=20", seeds=seeds)
    d = series(both, "Seeded", "reach") - series(both, "Unseeded", "reach")
    assert abs(d.mean()) < Z * se(d) + 0.05, "with seeds Unseeded climbs like Seeded"
    assert_greater(series(both, "Unseeded", "reach"), unseeded, "seeds lift Unseeded", by=0.1)
    weak = runs("lesson1_seeding", "ewom.p_share=0.15", seeds=seeds)
    assert_greater(seeded, series(weak, "Seeded", "reach"), "weak sharing: Seeded struggles",
                   by=0.05)


def _linear_bound(m: EwomModel) -> float:
    """Share of consumers who are opinion leaders, paid influencers, or a friend of one: the
    only consumers linear influence can reach when followers never retell (and nobody
    complains)."""
    g, cons = m.graph, m.consumers
    paid = np.zeros(m.n, dtype=bool)
    br = m.brands[0]
    k = int(br.cfg.budget // br.cfg.cost_influencer)
    paid[np.asarray(br.seed_order[:k])] = True
    talkers = cons.leader | paid
    reach = talkers.copy()
    src = np.repeat(np.arange(m.n), g.degree)
    reach[g.indices[talkers[src]]] = True
    return float(reach.mean())


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson2_leaders_reach_fast_then_followers_stop_it(shift):
    seeds = block(SEEDS, shift)
    models = runs("lesson2_leaders", seeds=seeds)
    final = series(models, "Brand", "reach")
    at5 = series(models, "Brand", "reach", step=5)
    at20 = series(models, "Brand", "reach", step=20)
    assert_above(at5 / final, 0.6, "most of the final reach within five weeks")
    assert_below((final - at20) / final, 0.1, "reach flat after week 20: under a tenth more")
    assert_above(final, 0.5, "plateau about 60%")
    assert_below(final, 0.7, "plateau about 60%")
    for m, r in zip(models, final, strict=True):  # exact: nobody beyond the leaders' friends
        assert r <= _linear_bound(m) + 1e-12
    assert series(models, "Brand", "negative_share").max() == 0.0  # nobody is let down
    # things to try: followers who pass it on take it to nearly everyone; organic buyers keep
    # talking past the leaders' audiences
    passing = runs("lesson2_leaders", "ewom.follower_share=0.5", seeds=seeds)
    assert_above(series(passing, "Brand", "reach"), 0.9, "followers retelling reach nearly all")
    organic = runs("lesson2_leaders", "ewom.model=organic", seeds=seeds)
    assert_greater(at5, series(organic, "Brand", "reach", step=5), "organic starts slower")
    assert_greater(series(organic, "Brand", "reach"), final, "organic passes the plateau")


def whole_run(models: list[EwomModel], brand: str, col: str) -> np.ndarray:
    """One value per run: the mean of ``col`` over the whole run."""
    return np.array([m.timeseries().query("brand == @brand")[col].mean() for m in models])


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson3_coproduction_spreads_further_but_turns_negative(shift):
    seeds = block(SEEDS, shift)
    co = runs("lesson3_coproduction", seeds=seeds)
    org = runs("lesson3_coproduction", "ewom.model=organic", seeds=seeds)
    assert_greater(series(co, "Brand", "reach", step=20), series(org, "Brand", "reach", step=20),
                   "coproduction ahead of organic by week 20", by=0.15)
    assert_above(series(co, "Brand", "reach", step=20), 0.7, "most have heard by week 20")
    negative = whole_run(co, "Brand", "negative_share")
    assert_above(negative, 0.08, "about a tenth of the year's talk negative")
    assert_above(series(co, "Brand", "rejecters"), 0.07, "about a tenth end as rejecters")
    assert_greater(series(co, "Brand", "rejecters"), 2 * series(org, "Brand", "rejecters"),
                   "many times organic's rejecters")
    organic_negative = whole_run(org, "Brand", "negative_share")
    assert_greater(negative, organic_negative, "organic: less negative talk")
    assert_above(organic_negative, 0.0, "organic: buyers still complain")
    calm = runs("lesson3_coproduction", "ewom.pushback=0", seeds=seeds)
    assert_greater(negative, whole_run(calm, "Brand", "negative_share"),
                   "pushback drives most of the negative talk", by=0.04)


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson4_influencer_buys_reach_and_dilution_together(shift):
    seeds = block(MANY_SEEDS, shift)  # week 5's dilution, among few aware, is 0 to 1
    models = runs("lesson4_influencer", seeds=seeds)
    for step in (10, 26, 52):
        assert_greater(series(models, "Lavish", "reach", step), series(models, "Modest", "reach",
                                                                        step),
                       f"Lavish more reach at week {step}")
    for brand in ("Lavish", "Modest"):  # both climb up and to the right: reach, then dilution
        assert_greater(series(models, brand, "dilution"), series(models, brand, "dilution", 5),
                       f"{brand}: more dilution at the end than at week 5")
        assert_above(series(models, brand, "dilution"), 0.35, f"{brand}: about half diluted")
    exclusive = runs("lesson4_influencer", "brands.1.strategy=exclusivity", seeds=seeds)
    assert_greater(series(models, "Lavish", "dilution"), series(exclusive, "Modest", "dilution"),
                   "exclusive Modest stays near the bottom", by=0.3)
    carefree = runs("lesson4_influencer", "status.snob=0", seeds=seeds)
    for brand in ("Lavish", "Modest"):  # nobody minds who owns it: nothing is diluted
        assert_below(np.abs(series(carefree, brand, "dilution")), 0.05, "no snobs, no dilution")


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson5_exclusivity_keeps_the_dream_value(shift):
    seeds = block(SEEDS, shift)
    models = runs("lesson5_exclusivity", seeds=seeds)
    assert_greater(series(models, "Buzz", "reach"), series(models, "Maison", "reach"),
                   "Buzz wins reach by far", by=0.3)
    assert_greater(series(models, "Maison", "dream_value"), series(models, "Buzz", "dream_value"),
                   "the core who know Maison dream of it, not of Buzz", by=0.15)
    assert_greater(series(models, "Maison", "desire"), series(models, "Buzz", "desire"),
                   "those who know Maison desire it more", by=0.1)
    assert_below(series(models, "Maison", "dilution"), 0.08, "Maison: a few percent diluted")
    assert_below(series(models, "Maison", "penetration_outside_core"), 0.005,
                 "Maison sells to almost nobody outside the core")
    assert_greater(series(models, "Buzz", "revenue"), series(models, "Maison", "revenue"),
                   "Buzz earns more")
    bigger = runs("lesson5_exclusivity", "brands.0.budget=300", seeds=seeds)
    assert_greater(series(bigger, "Maison", "reach"), series(models, "Maison", "reach"),
                   "a bigger budget, a little more reach")
    assert_below(series(bigger, "Maison", "penetration_outside_core"), 0.005,
                 "a bigger budget, still nobody outside the core")
    assert_below(series(bigger, "Maison", "dilution"), 0.08, "a bigger budget, little dilution")
    loud = runs("lesson5_exclusivity", "brands.0.strategy=influencer", "brands.0.price=0.5",
                seeds=seeds)
    assert_greater(series(loud, "Maison", "dilution"), series(models, "Maison", "dilution"),
                   "an affordable influencer Maison is diluted", by=0.2)
    status = runs("lesson5_exclusivity", "brands.1.status_weight=1", seeds=seeds)
    assert_above(series(status, "Buzz", "dilution"), 0.3,
                 "Buzz as status-laden as a luxury house: most of its dream diluted")


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson6_luxury_and_mass_on_facebook(shift):
    seeds = block(MORE_SEEDS, shift)  # Maison's dilution: 0 to 5% from run to run
    models = runs("lesson6_facebook", seeds=seeds)
    assert all(m.n == 4039 for m in models)
    mass_pen = series(models, "MassPremium", "penetration")
    lux_pen = series(models, "Maison", "penetration")
    assert_above(series(models, "MassPremium", "reach", step=5), 0.5, "hubs reach most fast")
    assert_greater(mass_pen, 10 * lux_pen, "over ten times Maison's buyers")
    assert series(models, "MassPremium", "dream_value").max() == 0.0  # nobody dreams of it
    lux_dream = series(models, "Maison", "dream_value")
    assert_greater(lux_dream, series(models, "Maison", "dream_value", step=10), "Maison rising")
    assert_below(np.abs(series(models, "Maison", "dilution")), 0.05, "Maison: about 1% diluted")
    assert_below(series(models, "Maison", "penetration_outside_core"), 0.005, "Maison: core")
    adaptive = runs("lesson6_facebook", "brands.0.strategy=adaptive", seeds=seeds)
    assert_above(series(adaptive, "Maison", "reach"), 0.7, "adaptive Maison: loud, far reach")
    assert_below(series(adaptive, "Maison", "dilution"), 0.05, "adaptive Maison: no dilution")
    talk = runs("lesson6_facebook", "ewom.model=coproduction", seeds=seeds[:2])
    assert min(series(talk, b, "negative_share").max() for b in ("Maison", "MassPremium")) > 0


def late_share(m: EwomModel, brand: str, strategy: str) -> float:
    """Share of steps after week 20 that ``brand`` ran ``strategy``."""
    ts = m.timeseries()
    late = ts[(ts["brand"] == brand) & (ts["step"] > 20)]
    return float((late["strategy"] == strategy).mean())


@pytest.mark.parametrize("shift", BLOCKS)
def test_lesson7_the_brand_that_fears_dilution_learns_exclusivity(shift):
    seeds = block(MANY_SEEDS, shift)
    models = runs("lesson7_adaptive", seeds=seeds)
    heritage = np.array([late_share(m, "Heritage", "exclusivity") for m in models])
    trendy = np.array([late_share(m, "Trendy", "exclusivity") for m in models])
    assert_below(trendy, 0.3, "Trendy mostly runs the others")
    assert_greater(heritage, trendy, "Heritage runs exclusivity more")
    for m in models:  # all three strategies tried in the first twelve weeks
        ts = m.timeseries()
        early = ts[(ts["step"] <= 12)]
        for brand in ("Heritage", "Trendy"):
            tried = set(early[early["brand"] == brand]["strategy"])
            assert tried == {"entertainment", "influencer", "exclusivity"}, (brand, tried)
    for col in ("reach", "penetration"):
        assert_greater(series(models, "Trendy", col), series(models, "Heritage", col),
                       f"Trendy more {col}")
    careless = runs("lesson7_adaptive", "brands.0.exclusivity_weight=0", seeds=seeds[:12])
    assert_below(np.array([late_share(m, "Heritage", "exclusivity") for m in careless]), 0.3,
                 "Heritage without the weight behaves like Trendy")


def test_every_preset_loads_and_steps():
    """The app offers every file in scenarios/: each must build and step."""
    for name in scenario.scenario_names():
        m = EwomModel(scenario.load(name, steps=2))
        m.run()
        assert isinstance(m.timeseries(), pd.DataFrame)
        assert set(np.unique(m.consumers.stage)) <= {int(s) for s in Stage}
