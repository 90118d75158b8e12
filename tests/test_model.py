"""The model as a whole: Mesa agents, schedule, metrics, outputs."""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from mesa.discrete_space import Network

from ewom_abm.agents import Brand, Consumer
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.metrics import METRICS
from ewom_abm.model.model import EwomModel
from ewom_abm.model.network import build_graph
from ewom_abm.model.state import Consumers, Stage
from ewom_testing import build


def test_small_models_have_a_mesa_agent_per_consumer_on_a_network_space():
    m = build("network.kind=watts_strogatz", "network.n=300",
              "brands.1.strategy=influencer")
    consumers = m.agents_by_type[Consumer]  # the first use makes them all
    assert len(consumers) == 300 and len(m.agents_by_type[Brand]) == 2
    c = m.consumer(7)
    assert c.cell is not None and c.cell.coordinate == 7
    assert sorted(a.index for a in c.cell.neighborhood.agents) == sorted(c.friends)
    assert m.space is not None and len(m.space.G) == 300
    # ids as if made at set-up: brands first, then consumers in index order
    assert [b.unique_id for b in m.brands] == [1, 2] and c.unique_id == 3 + 7
    assert len(m.agents) == 302 and set(m.agent_types) == {Brand, Consumer}


def mesa_registry(m) -> int:
    """How many agents Mesa has registered, read without triggering the lazy view."""
    return len(mesa.Model.agents.fget(m))


@pytest.mark.parametrize("first_use", ["agents", "agents_by_type", "agent_types", "space",
                                       "consumer", "create_consumer_agents"])
def test_consumer_agents_and_the_space_wait_for_their_first_use(first_use):
    m = build("network.n=300", steps=3)
    m.run()
    m.final()
    assert mesa_registry(m) == 1 and m._space is None  # a plain run made neither
    view = getattr(m, first_use)
    if callable(view):
        view(0) if first_use == "consumer" else view()
    assert mesa_registry(m) == (1 if first_use == "space" else 301)
    assert m.space is not None and m.consumer(5).cell is m.space[5]


def test_runs_outputs_and_the_app_never_make_consumer_agents(monkeypatch, tmp_path):
    from ewom_abm import results
    from ewom_abm.app import components, setup
    from ewom_abm.model import model as model_mod

    def refuse(*args, **kwargs):
        raise AssertionError("made a consumer agent or the space")

    monkeypatch.setattr(model_mod, "Consumer", refuse)
    monkeypatch.setattr(model_mod, "network_space", refuse)
    m = build("network.n=400", "brands.1.strategy=influencer", steps=4)
    m.run()
    results.write_run(m, tmp_path)
    app = setup.AppModel(setup.Setup("lesson6_facebook"))
    app.step()
    components.network_png(app, 0)
    components.charts_svg(app)
    assert mesa_registry(m) == 2 and mesa_registry(app) == len(app.brands)


def test_the_space_is_mesa_s_network_of_the_model_s_graph():
    m = build("network.kind=barabasi_albert", "network.n=400")
    space = m.space
    assert isinstance(space, Network) and m.space is space  # made once
    ref = Network(m.graph.to_networkx(), layout=None, random=m.random)
    for i in range(m.n):
        assert list(space[i].connections) == list(ref[i].connections)
        assert [c.coordinate for c in space[i].connections.values()] == \
            list(ref[i].connections)
    assert nx.utils.graphs_equal(space.G, ref.G)
    a, b = next(i for i in range(m.n) if 0 not in space[i].connections), 0
    space.add_connection(space[a], space[b])  # Mesa's own mutators work on the copy
    assert space.G.has_edge(a, b) and b in space[a].connections
    assert 0 not in m.consumer(a).friends  # the model's graph does not change


def test_a_large_model_refuses_to_make_every_agent():
    m = build("network.n=500", "consumers.agents_max=100")
    assert m.space is None and len(m.agents) == 1
    with pytest.raises(EwomError, match=r"^consumers\.agents_max: 500 consumers"):
        m.create_consumer_agents()


def test_large_models_create_consumer_agents_on_demand():
    m = build("network.n=5000", "consumers.agents_max=1000")
    assert len(m.agents_by_type.get(Consumer, [])) == 0
    c = m.consumer(4321)
    assert c.index == 4321 and m.consumer(4321) is c and c.cell is None
    assert len(m.agents_by_type[Consumer]) == 1


# --------------------------------------------------------------------------- graph_seed

def test_graph_seed_holds_the_graph_fixed_while_run_seeds_still_differ():
    a = build("network.kind=erdos_renyi", "network.graph_seed=7", steps=10, seed=1)
    b = build("network.kind=erdos_renyi", "network.graph_seed=7", steps=10, seed=2)
    assert a.graph is b.graph  # one graph, built once
    assert not np.array_equal(a.consumers.susceptibility, b.consumers.susceptibility)
    assert not a.run().equals(b.run())
    c = build("network.kind=erdos_renyi", steps=10, seed=1)
    d = build("network.kind=erdos_renyi", steps=10, seed=2)
    assert not np.array_equal(c.graph.indices, d.graph.indices)  # unset: a graph per seed


def test_without_graph_seed_the_graph_is_the_first_draw_of_the_run_s_stream():
    cfg = scenario.load(None, ["network.kind=watts_strogatz", "network.n=500"], seed=9)
    rng = np.random.default_rng(9)
    graph = build_graph("watts_strogatz", 500, rng, mean_degree=10, rewire=0.1)
    traits = Consumers.create(500, 1, cfg.consumers, graph.degree, rng)
    m = EwomModel(cfg)
    assert np.array_equal(m.graph.indices, graph.indices)
    assert np.array_equal(m.consumers.susceptibility, traits.susceptibility)
    fixed = EwomModel(scenario.load(None, ["network.kind=watts_strogatz", "network.n=500",
                                           "network.graph_seed=3"], seed=9))
    untouched = Consumers.create(500, 1, cfg.consumers, fixed.graph.degree,
                                 np.random.default_rng(9))
    assert np.array_equal(fixed.consumers.susceptibility, untouched.susceptibility)


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
              "brands.0.strategy=influencer", "brands.0.scandal_rate=11.6")
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
    learning = build(*sets, "brands.0.strategy=adaptive", "brands.0.adapt_every=1", steps=60)
    learning.run()
    assert not learning._settled  # an adaptive brand keeps reviewing its strategy


def test_consumer_agents_name_the_valid_range_and_check_attitudes():
    m = build("network.n=50")
    with pytest.raises(IndexError, match=r"consumer: index 50 out of range 0\.\.49"):
        m.consumer(50)
    c = m.consumer(3)
    c.set_attitude(0, -0.25)
    assert c.attitude(0) == pytest.approx(-0.25) == m.consumers.attitude[0, 3]
    for bad in (1.5, -1.01):
        with pytest.raises(ValueError, match=r"attitude: .* is out of range, allowed \[-1, 1\]"):
            c.set_attitude(0, bad)
    assert c.attitude(0) == pytest.approx(-0.25)


def test_brands_are_found_by_name_or_index():
    m = build("brands.0.name=Maison", "brands.1.name=Rival", "network.n=50",
              "consumers.agents_max=0")
    assert (m.brand_index("Maison"), m.brand_index("Rival"), m.brand_index(1)) == (0, 1, 1)
    with pytest.raises(KeyError, match="no brand named 'Atelier'; brands: Maison, Rival"):
        m.brand_index("Atelier")


def test_a_model_of_exactly_agents_max_consumers_makes_every_agent():
    m = build("network.n=60", "consumers.agents_max=60")
    assert len(m.agents_by_type[Consumer]) == 60


def test_funnel_shares_and_dissatisfied_buyers_are_counted_from_the_consumers():
    m = build("network.n=1000", "consumers.agents_max=0", "brands.0.budget=100",
              "brands.0.price=0.3", "brands.0.quality=0.5", seed=5)
    df = m.run(12)
    last = df[df["brand"] == m.brands[0].name].iloc[-1]
    stage, owner = m.consumers.stage[0], m.consumers.owner[0]
    unhappy = owner & (m.consumers.disappointment[0] < 0)
    assert 0 < last["interested"] == pytest.approx((stage == Stage.INTERESTED).mean())
    assert 0 < last["dissatisfied"] < 1
    assert last["dissatisfied"] == pytest.approx(unhappy.sum() / owner.sum())
    assert last["rejecters"] == pytest.approx((stage == Stage.REJECTER).mean())


def test_the_faces_show_a_mechanism_s_kpis_only_while_it_is_on():
    from ewom_abm.model.metrics import headline
    assert not {"followers", "retention", "online_share"} & set(headline(scenario.load(None)))
    on = scenario.load(None, ["followers.enabled=true", "repeat.repurchase_weeks=52",
                              "channels.enabled=true"])
    assert {"followers", "retention", "online_share"} <= set(headline(on))


def test_quoted_details_stay_on_one_line_and_are_cut_to_the_limit():
    from ewom_abm.model.errors import describe, one_line
    assert one_line("bad\n  value\there") == "bad value here"
    assert one_line("x" * 30, 30) == "x" * 30
    assert one_line("x" * 31, 30) == "x" * 27 + "..."
    assert describe(ValueError("no\nsuch file"), 10) == "ValueError: no such..."
    assert describe(KeyError()) == "KeyError"
