"""The model as a whole: Mesa agents, schedule, metrics, outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ewom_abm.agents import Brand, Consumer
from ewom_abm.model.metrics import METRICS
from ewom_abm.model.state import Stage
from ewom_testing import build


def test_small_models_have_a_mesa_agent_per_consumer_on_a_network_space():
    m = build("network.kind=watts_strogatz", "network.n=300",
              "brands.1.strategy=influencer")
    consumers = m.agents_by_type[Consumer]
    assert len(consumers) == 300 and len(m.agents_by_type[Brand]) == 2
    c = m.consumer(7)
    assert c.cell is not None and c.cell.coordinate == 7
    assert sorted(a.index for a in c.cell.neighborhood.agents) == sorted(c.friends)
    assert m.space is not None and len(m.space.G) == 300


def test_consumer_view_reads_and_writes_the_arrays():
    m = build("network.n=300")
    c = m.consumer(5)
    c.set_stage("Brand", Stage.ADOPTER)
    c.set_attitude(0, 0.25)
    assert m.consumers.stage[0, 5] == Stage.ADOPTER and c.stage() is Stage.ADOPTER
    assert m.consumers.attitude[0, 5] == pytest.approx(0.25)
    assert c.state()["stage"] == "adopter"
    assert c.segment in ("core", "aspirational")
    with pytest.raises(ValueError, match="attitude"):
        c.set_attitude(0, 1.5)
    with pytest.raises(KeyError, match="no brand named"):
        c.stage("Nope")


def test_large_models_create_consumer_agents_on_demand():
    m = build("network.n=5000", "consumers.agents_max=1000")
    assert len(m.agents_by_type.get(Consumer, [])) == 0
    c = m.consumer(4321)
    assert c.index == 4321 and m.consumer(4321) is c and c.cell is None
    assert len(m.agents_by_type[Consumer]) == 1


def test_launch_seeds_are_adopters_at_step_zero():
    m = build("brands.0.seeds=25", "brands.0.seeding=degree", "network.kind=barabasi_albert")
    adopters = np.flatnonzero(m.consumers.stage[0] == Stage.ADOPTER)
    assert adopters.size == 25
    assert m.graph.degree[adopters].min() >= np.sort(m.graph.degree)[-25]
    assert m.timeseries()["new_adopters"].iloc[0] == 25


def test_timeseries_is_tidy_and_sane():
    m = build("brands.1.strategy=exclusivity", steps=10)
    df = m.run()
    assert list(df.columns[:3]) == ["step", "brand", "strategy"]
    assert set(METRICS) <= set(df.columns)
    assert len(df) == 11 * 2 and df.groupby("brand").size().eq(11).all()
    for col in ("reach", "penetration", "penetration_outside_core", "negative_share",
                "advocates", "rejecters", "dissatisfied"):
        assert df[col].between(0, 1).all()
    assert df["dilution"].le(1).all() and (df["dream_value"] >= 0).all()
    assert (df["reach"] >= df["penetration"]).all()
    for col in ("spend", "revenue", "penetration", "scandals"):  # cumulative: never fall
        assert df.groupby("brand")[col].apply(lambda s: s.is_monotonic_increasing).all()
    assert df.groupby("brand")["spend"].apply(lambda s: s.is_monotonic_increasing).all()
    assert df.groupby("brand")["reach"].apply(lambda s: s.is_monotonic_increasing).all()


def test_stages_never_go_back_up_the_funnel():
    m = build("network.kind=barabasi_albert", "ewom.model=coproduction",
              "brands.0.strategy=influencer", "brands.0.scandal_prob=0.2")
    before = m.consumers.stage[0].copy()
    for _ in range(20):
        m.step()
        now = m.consumers.stage[0]
        was_adopter = before == Stage.ADOPTER
        assert np.isin(now[was_adopter], [Stage.ADOPTER, Stage.REJECTER]).all()
        assert m.consumers.owner[0][was_adopter].all()  # buying is for good
        assert (now[before == Stage.REJECTER] == Stage.REJECTER).all()
        assert (now[before != Stage.UNAWARE] != Stage.UNAWARE).all()
        before = now.copy()


def test_model_steps_count_and_mesa_time():
    m = build(steps=5)
    m.run()
    assert m.steps == 5 and m.time == 5
    m.run(2)
    assert m.steps == 7


def test_a_settled_model_coasts_to_the_same_rows_as_stepping_through():
    """Once nobody can talk and nothing is sent (a finished cascade, no budget, no ads), run()
    fills the remaining steps' rows instead of computing them: the same table as stepping."""
    sets = ["network.kind=erdos_renyi", "network.n=2000", "network.mean_degree=4",
            "ewom.share_once=true", "ewom.p_share=0.3", "ewom.p_external=0",
            "ewom.talk_halflife=0", "brands.0.budget=0", "brands.0.seeds=5",
            "consumers.agents_max=0"]
    coasted = build(*sets, steps=60)
    df = coasted.run()
    assert coasted._settled and coasted.steps == 60 and len(df) == 61
    stepped = build(*sets, steps=60)
    for _ in range(60):
        stepped.step()
    pd.testing.assert_frame_equal(df, stepped.timeseries())
    busy = build(*sets[:-3], "brands.0.budget=10", "consumers.agents_max=0", steps=5)
    busy.run()
    assert not busy._settled  # a brand with a budget keeps acting
