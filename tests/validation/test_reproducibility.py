"""Property 6: one seed decides a run, bit for bit, in one process or many; seeds differ."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pandas as pd
import pytest

from ewom_testing import build

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

ARGS = ("network.kind=barabasi_albert", "network.n=3000", "ewom.model=coproduction",
        "brands.0.strategy=adaptive", "brands.1.strategy=influencer", "consumers.agents_max=0")


def run_seed(seed: int) -> pd.DataFrame:
    return build(*ARGS, steps=20, seed=seed).run()


def test_same_seed_same_run_bit_for_bit():
    a, b = build(*ARGS, steps=20, seed=3), build(*ARGS, steps=20, seed=3)
    pd.testing.assert_frame_equal(a.run(), b.run(), check_exact=True)
    for name in ("stage", "attitude", "advocate", "exposures"):
        assert np.array_equal(getattr(a.consumers, name), getattr(b.consumers, name))
    for mine, theirs in zip(a.consumers.held, b.consumers.held, strict=True):
        assert np.array_equal(mine, theirs)
    assert np.array_equal(a.graph.indices, b.graph.indices)


def test_same_seed_in_other_processes():
    here = [run_seed(s) for s in (1, 2)]
    with mp.get_context("spawn").Pool(2) as pool:
        there = pool.map(run_seed, (1, 2))
    for x, y in zip(here, there, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_different_seeds_differ():
    a, b = run_seed(1), run_seed(2)
    assert not a[["reach", "penetration"]].equals(b[["reach", "penetration"]])
    g1 = build(*ARGS, seed=1).graph
    g2 = build(*ARGS, seed=2).graph
    assert not np.array_equal(g1.indices, g2.indices)  # the graph is drawn from the seed too


def test_rng_argument_overrides_the_scenario_seed():
    from ewom_abm.model import scenario
    from ewom_abm.model.model import EwomModel

    sc = scenario.load(None, list(ARGS), steps=5)
    a, b = EwomModel(sc, rng=9), build(*ARGS, steps=5, seed=9)
    assert a.seed == 9
    pd.testing.assert_frame_equal(a.run(), b.run(), check_exact=True)
