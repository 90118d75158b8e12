"""Property 9: plausible by default.

The default scenario and the luxury presets end with awareness at least five times penetration
(Dubois & Paternault: luxury awareness runs to tens of percent, penetration to a few), luxury
penetration at most 15%, a mass brand with more penetration and more dilution than the luxury
house, and negative word of mouth under every eWOM model.
"""

from __future__ import annotations

import numpy as np
import pytest

from ewom_testing import build

SEEDS = range(6)
# (preset, brands held to the awareness/penetration ratio, luxury brands held to 15%)
LUXURY = (
    (None, ("Brand",), ()),
    ("luxury_vs_mass", ("Maison",), ("Maison",)),
    ("facebook", ("Maison",), ("Maison",)),
    ("lesson5_exclusivity", ("Maison",), ("Maison",)),
    ("lesson6_facebook", ("Maison",), ("Maison",)),
)


def finals(preset: str | None, *extra: str) -> list:
    return [build("consumers.agents_max=0", *extra, preset=preset, seed=s).run()
            for s in SEEDS]


def last(df, brand: str, col: str) -> float:
    return float(df[df["brand"] == brand][col].iloc[-1])


def upper(x: np.ndarray) -> float:
    return x.mean() + 3 * x.std(ddof=1) / np.sqrt(x.size)


@pytest.mark.parametrize(("preset", "ratio_brands", "luxury"), LUXURY)
def test_awareness_far_above_penetration_and_luxury_penetration_low(preset, ratio_brands,
                                                                    luxury):
    runs = finals(preset)
    for brand in ratio_brands:
        reach = np.array([last(df, brand, "reach") for df in runs])
        pen = np.array([last(df, brand, "penetration") for df in runs])
        assert upper(5 * pen - reach) < 0, (preset, brand, reach.mean(), pen.mean())
    for brand in luxury:
        pen = np.array([last(df, brand, "penetration") for df in runs])
        assert upper(pen) <= 0.15, (preset, brand)


def test_the_mass_brand_has_more_penetration_and_more_dilution():
    runs = finals("luxury_vs_mass")
    for col in ("penetration", "dilution"):
        d = np.array([last(df, "MassPremium", col) - last(df, "Maison", col) for df in runs])
        assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(d.size), col


@pytest.mark.parametrize("ewom", ["organic", "linear", "coproduction"])
def test_negative_word_of_mouth_appears_under_every_regime_by_default(ewom):
    runs = finals(None, f"ewom.model={ewom}")
    negative = np.array([df["negative_share"].max() for df in runs])
    assert (negative > 0).all()
    rejecters = np.array([df["rejecters"].iloc[-1] for df in runs])
    assert rejecters.mean() > 0
