"""Dream value, dilution and the snob effect."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.dilution import desire, dilution, dream_value
from ewom_abm.model.scenario import DilutionConfig
from ewom_testing import build

ON = DilutionConfig()
OFF = DilutionConfig(enabled=False)


def test_dilution_is_zero_when_nobody_has_adopted():
    assert dilution(0.0, 0.0, ON) == 0.0


def test_dilution_rises_with_penetration_most_outside_the_core():
    values = [dilution(p, p, ON) for p in np.linspace(0, 1, 11)]
    assert np.all(np.diff(values) > 0)
    assert dilution(0.1, 0.1, ON) > dilution(0.1, 0.0, ON) > 0
    assert 0 <= max(values) < 1


def test_dilution_off_costs_nothing():
    assert dilution(0.9, 0.9, OFF) == 0.0


def test_dream_value_rises_with_awareness_and_falls_with_penetration():
    assert dream_value(1.0, 0.5, 0.0, ON) > dream_value(1.0, 0.1, 0.0, ON) > 1.0
    assert dream_value(1.0, 0.5, dilution(0.3, 0.3, ON), ON) < dream_value(1.0, 0.5, 0.0, ON)
    assert dream_value(2.0, 0.0, 0.0, ON) == 2.0


def test_desire_falls_only_below_base_and_with_status_sensitivity():
    status = np.array([0.0, 0.5, 1.0], np.float32)
    assert np.allclose(desire(status, 1.3, 1.0), 1.0)
    assert np.allclose(desire(status, 0.6, 1.0), [1.0, 0.8, 0.6])


def test_model_dilution_and_dream_value_follow_its_own_penetration():
    m = build("network.kind=barabasi_albert", "network.n=2000", steps=30)
    df = m.run()
    for _, row in df.iterrows():
        d = dilution(row["penetration"], row["penetration_outside_core"], m.config.dilution)
        assert row["dilution"] == pytest.approx(d)
        assert row["dream_value"] == pytest.approx(
            dream_value(1.0, row["reach"], d, m.config.dilution))
    assert df["dilution"].iloc[0] == 0.0 and df["dilution"].iloc[-1] > 0


def test_snob_effect_slows_adoption_when_dilution_is_on():
    """Same seed, status-sensitive consumers: dilution feeds back into fewer adoptions."""
    common = ("network.kind=barabasi_albert", "network.n=3000", "consumers.status_core=1",
              "consumers.status_aspirational=1", "consumers.trait_spread=0",
              "dilution.outside_core_loss=5")
    on = build(*common, steps=40).run()["penetration"].iloc[-1]
    off = build(*common, "dilution.enabled=false", steps=40).run()["penetration"].iloc[-1]
    assert on < 0.9 * off
