"""Property 9: plausible by default, from behaviour rather than from the drop cap.

A step is a week. Every test runs with each exclusivity brand's drop cap as shipped and lifted
(``adoption_cap = 1``: the cap is a strategy's drop size, not the model's guardrail):

- the default scenario and the luxury presets end with awareness at least five times
  penetration (Dubois & Paternault: luxury awareness runs to tens of percent, penetration to a
  few), luxury penetration at most 15% and the luxury house's penetration of its own affluent
  core at most a fifth in its first year (ODD 5.3: an assumption);
- the mass brand sells more than the luxury house, and the surveyed core dreams of the luxury
  house, not of the mass brand;
- the luxury house's buyers can be let down too: dissatisfied buyers and negative word of mouth;
- negative word of mouth appears under every eWOM model;
- no preset outruns published first-year diffusion: at week 52 at most 10% of consumers own a
  brand that spends nothing (the Bass model with the average published coefficients puts 3.6%
  of the market potential in year one, with twice them 8.5%), at most 20% one with a budget, and
  awareness is at least three times penetration (ODD 5.3).

Each claim is checked again on a second, disjoint block of seeds (``slow``).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from ewom_abm.model import scenario
from ewom_testing import build

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

BLOCKS = [pytest.param(0, id="seeds-0"), pytest.param(100, id="seeds-100",
                                                      marks=pytest.mark.slow)]
CAPS = [pytest.param(False, id="cap-as-shipped"), pytest.param(True, id="cap-off")]
# (preset, brands held to the awareness/penetration ratio, luxury brands)
LUXURY = (
    (None, ("Brand",), ()),
    ("luxury_vs_mass", ("Maison",), ("Maison",)),
    ("facebook", ("Maison",), ("Maison",)),
    ("lesson5_exclusivity", ("Maison",), ("Maison",)),
    ("lesson6_facebook", ("Maison",), ("Maison",)),
)
WEEK = 52
# the presets held to published first-year diffusion (the docking ones are frictionless)
PRESETS = tuple(p for p in scenario.scenario_names() if not p.endswith("_docking"))


def lifted(preset: str | None) -> tuple[str, ...]:
    """Overrides that lift the drop cap of every brand that can run exclusivity."""
    brands = scenario.load(preset).brands
    return tuple(f"brands.{i}.adoption_cap=1" for i, b in enumerate(brands)
                 if "exclusivity" in (b.strategy, b.initial_strategy))


@cache
def run(preset: str | None, cap_off: bool, seed: int, *extra: str):
    sets = lifted(preset) if cap_off else ()
    return build("consumers.agents_max=0", *sets, *extra, preset=preset, seed=seed).run()


def finals(preset: str | None, cap_off: bool, first: int, reps: int = 6, *extra: str) -> list:
    return [run(preset, cap_off, s, *extra) for s in range(first, first + reps)]


def at(df, brand: str, col: str, step: int | None = None) -> float:
    part = df[df["brand"] == brand]
    if step is not None and step <= part["step"].max():
        return float(part.loc[part["step"] == step, col].iloc[0])
    return float(part[col].iloc[-1])


def upper(x: np.ndarray) -> float:
    return x.mean() + 3 * x.std(ddof=1) / np.sqrt(x.size)


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("cap_off", CAPS)
@pytest.mark.parametrize(("preset", "ratio_brands", "luxury"), LUXURY)
def test_awareness_far_above_penetration_and_luxury_penetration_low(preset, ratio_brands,
                                                                    luxury, cap_off, first):
    runs = finals(preset, cap_off, first)
    for brand in ratio_brands:
        reach = np.array([at(df, brand, "reach") for df in runs])
        pen = np.array([at(df, brand, "penetration") for df in runs])
        assert upper(5 * pen - reach) < 0, (preset, brand, reach.mean(), pen.mean())
    for brand in luxury:
        pen = np.array([at(df, brand, "penetration") for df in runs])
        assert upper(pen) <= 0.15, (preset, brand)
        core = np.array([at(df, brand, "penetration_core", WEEK) for df in runs])
        assert upper(core) <= 0.2, (preset, brand, core.mean())


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("cap_off", CAPS)
def test_the_mass_brand_sells_more_and_the_core_dreams_of_the_luxury_house(cap_off, first):
    runs = finals("luxury_vs_mass", cap_off, first)
    for col in ("penetration", "dream_value"):
        sign = 1 if col == "penetration" else -1
        d = sign * np.array([at(df, "MassPremium", col) - at(df, "Maison", col) for df in runs])
        assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(d.size), col


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("cap_off", CAPS)
def test_luxury_buyers_can_be_disappointed_and_complain(cap_off, first):
    """Quality varies for the luxury house too: across its presets some of its buyers are
    let down and negative word of mouth about it appears."""
    dissatisfied, negative = [], []
    for preset, _, luxury in LUXURY[1:]:
        for df in finals(preset, cap_off, first):
            for brand in luxury:
                part = df[df["brand"] == brand]
                dissatisfied.append(part["dissatisfied"].iloc[-1])
                negative.append(part["negative_share"].max())
    assert np.mean(dissatisfied) > 0 and np.mean(negative) > 0


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("ewom", ["organic", "linear", "coproduction"])
def test_negative_word_of_mouth_appears_under_every_regime_by_default(ewom, first):
    runs = finals(None, False, first, 6, f"ewom.model={ewom}")
    negative = np.array([df["negative_share"].max() for df in runs])
    assert (negative > 0).all()
    rejecters = np.array([df["rejecters"].iloc[-1] for df in runs])
    assert rejecters.mean() > 0


@pytest.mark.parametrize("first", BLOCKS)
@pytest.mark.parametrize("preset", PRESETS)
def test_no_preset_outruns_published_first_year_diffusion(preset, first):
    """With every drop cap lifted, at week 52: at most 10% of consumers own a brand that spends
    nothing, at most 20% one with a budget, and at least three times as many know it."""
    runs = finals(preset, True, first, 4)
    for i, brand in enumerate(scenario.load(preset).brands):
        pen = np.array([at(df, brand.name, "penetration", WEEK) for df in runs])
        reach = np.array([at(df, brand.name, "reach", WEEK) for df in runs])
        bound = 0.2 if brand.budget > 0 else 0.1
        assert upper(pen) <= bound, (preset, i, pen.mean())
        assert upper(3 * pen - reach) < 0, (preset, i, reach.mean(), pen.mean())
