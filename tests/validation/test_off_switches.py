"""Issue 17's golden master: with every new mechanism at its default (off), every shipped preset
runs draw for draw as the engine did before issue 17 (``tools/golden.py``, made on branch
``engine`` at 29db178 before the first change).

Non-money columns are compared bit for bit (a SHA-256 of their float64 bytes), the generator's
final state too (no extra draw was taken); money moved to EUR with the same action counts, so
revenue is today's x 1,000 (price in thousands of EUR) x ``market.scale`` (1,000), spend x 1,000
(budget in thousands of EUR) and cost per reached consumer unchanged (EUR per real consumer:
x 1,000 / ``market.scale``), each to a relative 1e-12. Seed 101 in the default run, 102 slow.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys

import numpy as np
import pytest

from ewom_abm.model import scenario
from ewom_testing import REPO

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location("golden", REPO / "tools" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
sys.modules["golden"] = golden
_spec.loader.exec_module(golden)

STORED = json.loads(gzip.decompress(golden.PATH.read_bytes()))
FACTOR = {"revenue": 1e6, "spend": 1e3, "cost_per_reached": 1.0}
SEEDS = [pytest.param(101, id="seed-101"), pytest.param(102, id="seed-102",
                                                       marks=pytest.mark.slow)]


def test_every_preset_is_fingerprinted():
    assert {k.split("@")[0] for k in STORED} == set(scenario.scenario_names()) - NEW_PRESETS


# presets added by issue 17 (their mechanisms are on)
NEW_PRESETS = {"lesson8_followers", "lesson9_clients", "lesson10_channels"}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", sorted(set(scenario.scenario_names()) - NEW_PRESETS))
def test_off_is_draw_for_draw_the_engine_before_issue_17(preset, seed):
    old, new = STORED[f"{preset}@{seed}"], golden.run(preset, seed)
    assert new["hash"] == old["hash"], "a non-money column moved"
    assert new["rng"] == old["rng"], "the random stream was drawn differently"
    for col, factor in FACTOR.items():
        np.testing.assert_allclose(new["money"][col], np.array(old["money"][col]) * factor,
                                   rtol=1e-12, err_msg=col)
