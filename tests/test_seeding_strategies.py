"""Seeding strategies: whom a brand seeds at launch and pays as influencers (model/seeding.py).

Expected spreads are exact (enumerating every live/dead pattern of a small graph's edges) or
Monte-Carlo with their standard errors; tolerances come from that sampling error.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import ClassVar

import networkx as nx
import numpy as np
import pytest
from scipy.stats import spearmanr

from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.graph import Graph, from_edges
from ewom_abm.model.network import build_graph
from ewom_abm.model.reference import cascade_distribution_exact, epidemic_threshold, live_edge_reach
from ewom_abm.model.scenario import SEEDINGS
from ewom_abm.model.seeding import LiveEdgeSamples, SeedOrder, betweenness
from ewom_abm.model.state import Stage
from ewom_testing import build

KITE = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)]
# Two adjacent hubs (0, 1) sharing their four friends, a star 6 with four leaves, a star 11 with
# three: degree seeds both hubs, whose audiences overlap; the optimum takes one hub and the stars.
HUBS = [(0, 1)] + [(h, f) for h in (0, 1) for f in range(2, 6)]
STARS = [(6, leaf) for leaf in range(7, 11)] + [(11, leaf) for leaf in range(12, 15)]
TWIN_HUBS = HUBS + STARS
Z = 3.0  # standard errors allowed for Monte-Carlo error


def graph_of(edges: list[tuple[int, int]]) -> Graph:
    return from_edges(*np.array(edges).T, max(max(e) for e in edges) + 1)


@cache
def live_patterns(edges: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every live/dead pattern of the undirected edges (rows) and each consumer's component in
    it (label = smallest member), by min-label propagation."""
    n, m = max(max(e) for e in edges) + 1, len(edges)
    live = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)
    label = np.tile(np.arange(n, dtype=np.int8), (2**m, 1))
    while True:
        before = label.copy()
        for j, (a, b) in enumerate(edges):
            low = np.minimum(label[:, a], label[:, b])
            label[:, a] = np.where(live[:, j], low, label[:, a])
            label[:, b] = np.where(live[:, j], low, label[:, b])
        if (label == before).all():
            return live, label


def exact_spread(edges: list[tuple[int, int]], p: float,
                 seed_sets: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and sd of the cascade's size (seeds included) from each seed set, each edge
    live with probability p (the cascade's law on an undirected graph, checked on KITE below)."""
    live, label = live_patterns(tuple(edges))
    k = live.sum(axis=1)
    weight = p**k * (1 - p) ** (live.shape[1] - k)
    size = (label[:, :, None] == label[:, None, :]).sum(axis=1)
    mean, sd = [], []
    for seeds in seed_sets:
        total = np.zeros(weight.size)
        for i, v in enumerate(seeds):
            new = np.ones(weight.size, dtype=bool)
            for u in seeds[:i]:
                new &= label[:, v] != label[:, u]
            total += size[:, v] * new
        mu = weight @ total
        mean.append(mu)
        sd.append(np.sqrt(max(weight @ total**2 - mu**2, 0.0)))
    return np.array(mean), np.array(sd)


# --------------------------------------------------------------------------- the spread estimate

def test_live_edge_samples_and_exact_enumeration_match_the_exact_directed_cascade():
    """Bond percolation of undirected edges has the independent cascade's law: compared with the
    reference that enumerates every directed arc (model/reference.py)."""
    kite, p = graph_of(KITE), 0.4
    samples = LiveEdgeSamples(kite, p, 3000, np.random.default_rng(1))
    for seeds in ([0], [0, 5], [3, 4]):
        dist = cascade_distribution_exact(kite, seeds, p)
        exact = float((np.arange(dist.size) * dist).sum())
        mean, sd = exact_spread(KITE, p, [tuple(seeds)])
        assert abs(mean[0] - exact) < 1e-9
        reach = samples.reach(np.array(seeds))
        assert abs(reach.mean() - exact) < 4 * sd[0] / np.sqrt(reach.size)
        assert reach.min() >= len(set(seeds))


# --------------------------------------------------------------------------- greedy and optimum

def test_greedy_reaches_one_minus_one_over_e_of_the_brute_force_optimum():
    """Greedy on R samples maximises the sample mean; the sample means of its set and of the
    optimum are each within Z standard errors of the exact spreads, so
    sigma(greedy) >= (1 - 1/e) (sigma(OPT) - Z sd_OPT / sqrt R) - Z sd_greedy / sqrt R."""
    g, p, samples = graph_of(TWIN_HUBS), 0.4, 500
    for k in (2, 3):
        subsets = list(itertools.combinations(range(g.n), k))
        mean, sd = exact_spread(TWIN_HUBS, p, subsets)
        best = int(mean.argmax())

        def bound(i: int, best=best, mean=mean, sd=sd) -> float:
            err = Z / np.sqrt(samples)
            return (1 - 1 / np.e) * (mean[best] - err * sd[best]) - err * sd[i]

        for seed in range(3):
            order = SeedOrder("greedy", g.n, g, np.random.default_rng(seed), p=p,
                              samples=samples)
            chosen = subsets.index(tuple(sorted(order[:k].tolist())))
            assert mean[chosen] >= bound(chosen)
        # the bound is not vacuous: the worst seed set and top-degree seeding miss it or trail
        worst = int(mean.argmin())
        assert mean[worst] < bound(worst)
        top = SeedOrder("degree", g.n, g, np.random.default_rng(0))[:k]
        assert mean[subsets.index(tuple(sorted(top.tolist())))] < mean[chosen] - 0.5


def test_degree_discount_skips_the_friends_of_chosen_seeds():
    """After one hub, its twin's discounted degree is 5 - 2 - 4p < 4, so the stars come next."""
    g = graph_of(TWIN_HUBS)
    for seed in range(4):
        picks = SeedOrder("degree_discount", g.n, g, np.random.default_rng(seed), p=0.4)[:3]
        assert picks[0] in (0, 1) and picks[1:].tolist() == [6, 11]
        top = SeedOrder("degree", g.n, g, np.random.default_rng(seed))[:3]
        assert set(top.tolist()) == {0, 1, 6}


def discounted_degrees(g: Graph, picked: np.ndarray, p: float) -> np.ndarray:
    """DegreeDiscountIC's dd_v = d_v - 2 t_v - (d_v - t_v) t_v p after ``picked`` (algorithm 4 of
    Chen, Wang & Yang 2009), t_v being v's friends among them; -inf for the picked."""
    chosen = np.zeros(g.n, dtype=bool)
    chosen[picked] = True
    src = np.repeat(np.arange(g.n), g.degree)
    t = np.bincount(src[chosen[g.indices]], minlength=g.n).astype(float)
    d = g.degree.astype(float)
    return np.where(chosen, -np.inf, d - 2 * t - (d - t) * t * p)


@pytest.mark.parametrize(("edges", "p", "k"), [
    # a star of 4 and a path of 6: at p = 1 the path is the bigger cascade (greedy starts
    # there), but the star's centre has the highest degree
    ([(0, 1), (0, 2), (0, 3), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9)], 1.0, 6),
    (None, 0.1, 25),  # a scale-free graph: hubs share friends
])
def test_degree_discount_picks_the_highest_discounted_degree_at_every_step(edges, p, k):
    g = (graph_of(edges) if edges else
         build_graph("barabasi_albert", 120, np.random.default_rng(2), mean_degree=4))
    for seed in range(3):
        picks = SeedOrder("degree_discount", g.n, g, np.random.default_rng(seed), p=p)[:k]
        assert np.unique(picks).size == k
        for i, v in enumerate(picks.tolist()):
            dd = discounted_degrees(g, picks[:i], p)
            assert dd[v] == pytest.approx(dd.max(), abs=1e-12), (seed, i)


def test_degree_discount_beats_degree_on_a_scale_free_graph_at_low_probability():
    """Paired live-edge samples (the same live arcs for both seed sets) of the reference cascade;
    the mean gain must exceed its standard error several times."""
    p, k, reps = 0.02, 100, 400
    args = ("network.kind=barabasi_albert", "network.n=1000", "network.mean_degree=10",
            f"ewom.p_share={p}", f"brands.0.seeds={k}", "consumers.agents_max=0")
    dd = build(*args, "brands.0.seeding=degree_discount", seed=11)
    top = build(*args, "brands.0.seeding=degree", seed=11)
    g = dd.graph
    assert (g.indices == top.graph.indices).all()  # the graph comes first from the seed
    assert p < 0.6 * epidemic_threshold(g)  # well below the critical point
    s_dd, s_top = dd.brands[0].seed_order[:k], top.brands[0].seed_order[:k]
    assert len(set(s_dd.tolist()) ^ set(s_top.tolist())) > 0.1 * k
    gain = np.array([live_edge_reach(g, s_dd, p, np.random.default_rng(r))
                     - live_edge_reach(g, s_top, p, np.random.default_rng(r))
                     for r in range(reps)])
    se = gain.std(ddof=1) / np.sqrt(reps)
    assert gain.mean() > 4 * se


# --------------------------------------------------------------------------- betweenness

def test_betweenness_is_exact_on_small_graphs_and_sampled_pivots_rank_alike():
    for kind in ("watts_strogatz", "barabasi_albert"):
        g = build(f"network.kind={kind}", "network.n=200", "network.mean_degree=6",
                  "consumers.agents_max=0").graph
        ref = nx.betweenness_centrality(g.to_networkx(), normalized=False)
        exact = betweenness(g, g.n, np.random.default_rng(0))
        assert np.allclose(exact, [ref[i] for i in range(g.n)], rtol=1e-9, atol=1e-9)
    g = build("network.kind=barabasi_albert", "network.n=2000", "network.mean_degree=6",
              "consumers.agents_max=0").graph
    exact = betweenness(g, g.n, np.random.default_rng(0))
    approx = betweenness(g, 200, np.random.default_rng(1))
    assert not np.allclose(approx, exact)  # really sampled
    assert abs(approx.sum() / exact.sum() - 1) < 0.1
    assert spearmanr(approx, exact).statistic > 0.85
    top = set(np.argsort(-exact)[:20].tolist())
    assert len(top & set(np.argsort(-approx)[:20].tolist())) >= 15


# --------------------------------------------------------------------------- used by the brand

@pytest.mark.parametrize("rule", SEEDINGS)
def test_every_rule_respects_the_budget_and_the_launch_seed_count(rule):
    budget, cost = 110.0, 25.0  # 4 influencers a step
    m = build("network.kind=barabasi_albert", "network.n=400", "network.mean_degree=6",
              "ewom.model=coproduction", "brands.0.strategy=influencer",
              f"brands.0.budget={budget}", f"brands.0.cost_influencer={cost}",
              "brands.0.scandal_rate=47.6", "brands.0.seeds=7", f"brands.0.seeding={rule}",
              "brands.0.greedy_samples=50", "brands.0.betweenness_pivots=100",
              "consumers.agents_max=0")
    brand = m.brands[0]
    launched = np.flatnonzero(m.consumers.stage[0] == Stage.ADOPTER)
    assert set(launched.tolist()) == set(brand.seed_order[:7].tolist()) and launched.size == 7
    for _ in range(6):
        dropped = brand.dropped.copy()
        head = brand.seed_order[: 4 + brand.scandals]
        action = brand.act()
        k = round(action.spend / cost)
        assert action.spend <= budget and k == 4
        paid = action.messages.dst[:k]  # the influencers' briefs come first
        assert np.unique(paid).size == k and not dropped[paid].any()
        assert paid.tolist() == head[~dropped[head]][:k].tolist()  # best first, in seed order
    assert brand.scandals > 4  # scandals made the brand ask the order for more


@pytest.mark.parametrize("rule", SEEDINGS)
def test_launch_seeds_the_count_asked_in_ic_docking_and_without_a_graph(rule):
    ic = build(f"brands.0.seeding={rule}", "network.n=2000", "brands.0.greedy_samples=30",
               "brands.0.betweenness_pivots=50", preset="ic_docking")
    assert (ic.consumers.stage[0] == Stage.ADOPTER).sum() == ic.config.brands[0].seeds == 10
    mixed = build("network.kind=global", "network.n=300", "brands.0.seeds=12",
                  f"brands.0.seeding={rule}")
    assert (mixed.consumers.stage[0] == Stage.ADOPTER).sum() == 12


@pytest.mark.parametrize("rule", SEEDINGS)
def test_same_seed_same_order_and_asking_for_more_keeps_the_prefix(rule):
    args = ("network.kind=barabasi_albert", "network.n=500", f"brands.0.seeding={rule}",
            "brands.0.greedy_samples=40", "brands.0.betweenness_pivots=80",
            "consumers.agents_max=0")
    a, b = build(*args, seed=5), build(*args, seed=5)
    state = a.rng.bit_generator.state
    first = a.brands[0].seed_order[:5].copy()
    more = a.brands[0].seed_order[:60]
    assert a.rng.bit_generator.state == state  # randomness was taken at the launch only
    assert more[:5].tolist() == first.tolist()
    assert b.brands[0].seed_order[:60].tolist() == more.tolist()  # asked at once, same order
    assert np.unique(more).size == 60
    everyone = a.brands[0].seed_order[:]
    assert np.sort(everyone).tolist() == list(range(500))
    c = build(*args, seed=6)
    assert c.brands[0].seed_order[:60].tolist() != more.tolist()


def test_greedy_takes_the_rest_by_degree_once_every_sample_is_reached():
    g = graph_of(KITE)  # p = 1: the first seed reaches everyone, nobody else adds anything
    seeds = SeedOrder("greedy", g.n, g, np.random.default_rng(0), p=1.0, samples=5)
    assert seeds[:3].size == 3  # one by spread, then the rest begins
    order = seeds[:6]  # asked again for more: the rest goes on without repeating anyone
    assert sorted(order.tolist()) == list(range(6))
    rest = g.degree[order[1:]].tolist()
    assert rest == sorted(rest, reverse=True)


def test_a_seed_order_says_how_far_it_has_ranked():
    g = graph_of(KITE)
    order = SeedOrder("degree_discount", g.n, g, np.random.default_rng(0))
    assert repr(order) == "SeedOrder('degree_discount', n=6, ranked=0)"
    order[:2]
    assert repr(order) == "SeedOrder('degree_discount', n=6, ranked=2)"


def test_an_unknown_seeding_is_a_one_line_error_with_a_suggestion():
    with pytest.raises(EwomError) as err:
        scenario.load(None, ["brands.0.seeding=gredy"])
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("brands.0.seeding:")
    assert "did you mean 'greedy'" in msg and all(rule in msg for rule in SEEDINGS)
    with pytest.raises(EwomError, match="did you mean 'degree_discount'"):
        SeedOrder("degree_discont", 10, None, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"order\[:k\]"):
        SeedOrder("random", 10, None, np.random.default_rng(0))[2:5]


class Bar:
    """A stand-in for tqdm that records what long seeding work reported."""

    made: ClassVar[list[Bar]] = []

    def __init__(self, *, total: int, desc: str, unit: str) -> None:
        self.total, self.desc, self.done = total, desc, 0
        Bar.made.append(self)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, k: int) -> None:
        self.done += k


@pytest.mark.parametrize("rule,desc,total", [("betweenness", "seeding: betweenness", 40),
                                             ("greedy", "seeding: live-edge samples", 30)])
def test_costly_seeding_reports_its_progress(rule, desc, total):
    from ewom_abm.model.model import EwomModel

    Bar.made = []
    config = scenario.load(None, ["network.n=300", f"brands.0.seeding={rule}",
                                  "brands.0.seeds=3", "brands.0.betweenness_pivots=40",
                                  "brands.0.greedy_samples=30"], steps=1)
    EwomModel(config, progress=Bar)
    assert [(b.desc, b.total, b.done) for b in Bar.made] == [(desc, total, total)]


def test_ewom_run_gives_the_model_a_bar_for_slow_work(monkeypatch, tmp_path):
    from ewom_abm import cli
    from ewom_abm.model import model as model_mod

    seen = {}
    real = model_mod.EwomModel

    def spy(config, **kw):
        seen.update(kw)
        return real(config, **kw)

    monkeypatch.setattr(model_mod, "EwomModel", spy)
    assert cli.main(["run", "--steps", "1", "--set", "network.n=50", "--out", str(tmp_path)]) == 0
    bar = seen["progress"](total=10, desc="x", unit="y")
    assert bar.delay == 2.0 and bar.total == 10  # shows itself only when the work is slow
    bar.close()


def test_consumers_of_equal_betweenness_tie_and_the_seed_decides_among_them():
    # on a torus every consumer has the same betweenness; summed in batches, the scores differ
    # in their last bits, which would pick the same consumer whatever the seed
    g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(17, 19, periodic=True))
    graph = graph_of(list(g.edges()))
    assert np.unique(betweenness(graph, graph.n, np.random.default_rng(0))).size == 1
    firsts = {int(SeedOrder("betweenness", graph.n, graph, np.random.default_rng(seed),
                            pivots=graph.n)[:1][0]) for seed in range(8)}
    # 8 uniform draws among 323 consumers are all equal with probability 323^-7
    assert len(firsts) > 1
