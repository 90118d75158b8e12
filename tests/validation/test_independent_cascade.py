"""Property 2: organic talk with share-once and p per friend is the independent cascade."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from ewom_abm.model.graph import from_edges
from ewom_abm.model.graph_files import load_graph_file
from ewom_abm.model.reference import (
    DOCKED,
    cascade_distribution_exact,
    er_giant_fraction,
    er_giant_sd,
    live_edge_reach,
)
from ewom_abm.model.state import Stage
from ewom_testing import build, edge_file

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

IC = (*DOCKED, "ewom.model=organic", "ewom.share_once=true", "consumers.agents_max=0")
KITE = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)]  # 6 consumers, 14 arcs
# every claim is checked again on a second, disjoint block of seeds (slow)
BLOCKS = [pytest.param(0, id="seeds-0"), pytest.param(1000, id="seeds-1000",
                                                      marks=pytest.mark.slow)]


@pytest.mark.parametrize("first", BLOCKS)
def test_mean_cascade_equals_the_exact_expectation_on_a_small_graph(tmp_path, first):
    p, copies = 0.4, 4000
    kite = from_edges(*np.array(KITE).T, 6)
    dist = cascade_distribution_exact(kite, [0], p)
    sizes_k = np.arange(dist.size)
    exact_mean = float((sizes_k * dist).sum())
    exact_var = float(((sizes_k - exact_mean) ** 2 * dist).sum())
    # many disjoint copies of the kite in one model: independent cascades, one from each node 0
    edges = [(u + 6 * k, v + 6 * k) for k in range(copies) for u, v in KITE]
    path = edge_file(tmp_path, edges)
    m = build(*IC, "network.kind=file", f"network.path={path}", f"ewom.p_share={p}", steps=10,
              seed=42 + first)
    m.seed_adopters(0, np.arange(copies) * 6)
    m.run()
    sizes = (m.consumers.stage[0] != Stage.UNAWARE).reshape(copies, 6).sum(axis=1)
    assert abs(sizes.mean() - exact_mean) < 4.5 * np.sqrt(exact_var / copies)
    # and the whole distribution of cascade sizes fits the exact one
    observed = np.bincount(sizes, minlength=dist.size)[1:]
    assert chisquare(observed, dist[1:] * copies).pvalue > 1e-4


@pytest.mark.parametrize("first", BLOCKS)
def test_mean_reach_equals_live_edge_percolation(tmp_path, first):
    """Same graph, same seeds: the model's cascades and live-edge samples agree in mean."""
    p, reps, samples = 0.12, 30, 300
    g = build("network.kind=barabasi_albert", "network.n=3000", "network.mean_degree=6",
              "consumers.agents_max=0", seed=7).graph
    u, v = g.edges()
    path = edge_file(tmp_path, list(zip(u.tolist(), v.tolist(), strict=True)))
    graph = load_graph_file(path)
    seeds = np.array([5, 50, 500, 1500, 2500])
    model_reach = []
    for seed in range(first, first + reps):
        m = build(*IC, "network.kind=file", f"network.path={path}", f"ewom.p_share={p}",
                  steps=60, seed=seed)
        m.seed_adopters(0, seeds)
        m.run()
        model_reach.append(np.count_nonzero(m.consumers.stage[0] != Stage.UNAWARE))
    rng = np.random.default_rng(1 + first)
    live = [live_edge_reach(graph, seeds, p, rng) for _ in range(samples)]
    se = np.sqrt(np.var(model_reach, ddof=1) / reps + np.var(live, ddof=1) / samples)
    assert abs(np.mean(model_reach) - np.mean(live)) < 4 * se
    assert np.mean(live) > 3 * seeds.size  # a real cascade, not just the seeds


@pytest.mark.parametrize("first", BLOCKS)
def test_giant_cascade_on_erdos_renyi_solves_z_equals_one_minus_exp_minus_cz(first):
    c, n, reps = 2.0, 50_000, 3
    z = er_giant_fraction(c)
    assert abs(z - 0.797) < 5e-4
    reach = []
    for seed in range(first, first + reps):
        m = build(*IC, "network.kind=erdos_renyi", f"network.n={n}", f"network.mean_degree={c}",
                  "ewom.p_share=1", "brands.0.seeds=25", steps=200, seed=seed)
        reach.append(m.run()["reach"].iloc[-1])
    # the giant component's share fluctuates with sd er_giant_sd between graphs
    assert abs(np.mean(reach) - z) < 4.5 * er_giant_sd(c, n) / np.sqrt(reps) + 25 * 3 / n
