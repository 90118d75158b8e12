"""Tests for model/network.py: CSR invariants, generator statistics, file loading, errors.

Statistical tolerances are 5 standard deviations of the quantity's sampling distribution
(computed in each test), so a correct generator fails with probability < 1e-6 and seeds
are fixed anyway; a wrong edge count, mixing share or rewiring rate lands far outside.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from ewom_abm.model import generators, network, seeding
from ewom_abm.model import graph as graph_mod
from ewom_abm.model.arrays import coin_flips, index_dtype, member
from ewom_abm.model.errors import EwomError
from ewom_abm.model.generators import MAX_COMPLETE_N
from ewom_abm.model.graph import NO_LINKS, Graph, from_edges, links
from ewom_abm.model.graph_files import file_digest, load_graph_file
from ewom_abm.model.jit import stream
from ewom_abm.model.network import (
    KINDS,
    build_graph,
    check_params,
    clear_graph_cache,
    graph_cache_info,
)
from ewom_abm.model.seeding import LiveEdgeSamples
from ewom_abm.model.state import beta_traits, lognormal_prices, pick_leaders

FACEBOOK = Path(__file__).resolve().parents[1] / "data" / "facebook_combined.txt.gz"
GENERATED = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "stochastic_block", "complete")


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_valid_csr(g: Graph) -> None:
    """The Graph contract: dtypes, shapes, symmetric, strictly sorted rows, no self-loops."""
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.indptr.shape == (g.n + 1,) and g.indptr[0] == 0
    assert g.indptr[-1] == g.indices.size == 2 * g.m
    assert np.all(np.diff(g.indptr) >= 0)
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    assert np.all((g.indices >= 0) & (g.indices < g.n))
    assert not np.any(src == g.indices), "self-loop"
    same_row = src[1:] == src[:-1]
    assert np.all(np.diff(g.indices.astype(np.int64))[same_row] > 0), "unsorted or duplicate"
    fwd = src * g.n + g.indices
    rev = np.sort(g.indices.astype(np.int64) * g.n + src)
    assert np.array_equal(fwd, rev), "not symmetric"
    assert g.degree.dtype == np.int32 and np.array_equal(g.degree, np.diff(g.indptr))


def lattice_keys(n: int, half: int) -> np.ndarray:
    u = np.repeat(np.arange(n), half)
    v = (u + np.tile(np.arange(1, half + 1), n)) % n
    return np.sort(np.minimum(u, v) * n + np.maximum(u, v))


def edge_keys(g: Graph) -> np.ndarray:
    u, v = g.edges()
    return u.astype(np.int64) * g.n + v


def mean_clustering(g: Graph) -> float:
    """Average local clustering from sparse triangle counts (nodes of degree < 2 count 0)."""
    a = g.adjacency
    tri = np.asarray((a @ a).multiply(a).sum(axis=1)).ravel() / 2
    d = g.degree.astype(float)
    pairs = d * (d - 1) / 2
    return float(np.mean(np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)))


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("kind", GENERATED)
@pytest.mark.parametrize("n", [2, 3, 17, 1500])
def test_structural_invariants(kind: str, n: int) -> None:
    md = {2: 1.0, 3: 2.0, 17: 4.0, 1500: 10.0}[n]
    blocks = 1 if n < 17 else 4
    g = build_graph(kind, n, rng(), mean_degree=md, blocks=blocks, mixing=0.2, rewire=0.3)
    assert g is not None and g.kind == kind and g.n == n and g.m > 0
    assert_valid_csr(g)
    if kind == "stochastic_block":
        assert g.blocks is not None and g.blocks.dtype == np.int32
        assert np.array_equal(g.blocks, np.arange(n) * blocks // n)
    else:
        assert g.blocks is None


def test_dense_small_watts_strogatz_stays_simple() -> None:
    # n=12, k=10 with full rewiring: nearly every redraw collides, leftovers must be dropped
    g = build_graph("watts_strogatz", 12, rng(3), mean_degree=10, rewire=1.0)
    assert_valid_csr(g)
    assert g.m <= 12 * 5


@pytest.mark.parametrize("kind", GENERATED[:4])
def test_same_seed_same_graph_different_seed_different(kind: str) -> None:
    a = build_graph(kind, 3000, rng(11))
    b = build_graph(kind, 3000, rng(11))
    c = build_graph(kind, 3000, rng(12))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (a.indices.size == c.indices.size and np.array_equal(a.indices, c.indices))


def test_global_returns_none_and_complete_has_all_pairs() -> None:
    assert build_graph("global", 100, rng()) is None
    g = build_graph("complete", 300, rng())
    assert g.m == 300 * 299 // 2
    assert np.all(g.degree == 299)
    assert_valid_csr(g)


# --------------------------------------------------------------------------- Erdos-Renyi


def test_erdos_renyi_edge_count_and_uniformity() -> None:
    n, md = 20_000, 10.0
    g = build_graph("erdos_renyi", n, rng(1), mean_degree=md)
    pairs = n * (n - 1) / 2
    p = md / (n - 1)
    mu, sd = pairs * p, math.sqrt(pairs * p * (1 - p))
    assert abs(g.m - mu) <= 5 * sd
    # uniform pairs: share of edges joining the two halves of the id range ~ 1/2 * n/(n-1)
    u, v = g.edges()
    cross = int(np.count_nonzero((u < n // 2) != (v < n // 2)))
    q = (n / 2) ** 2 / pairs
    assert abs(cross - g.m * q) <= 5 * math.sqrt(g.m * q * (1 - q))
    # Poisson degrees: variance ~ mean (sd of a sample variance ~ mean*sqrt(2/n) for large mean)
    d = g.degree.astype(float)
    assert abs(d.var() - d.mean()) <= 5 * d.mean() * math.sqrt(2 / n) + 5 * math.sqrt(md / n)


def test_erdos_renyi_million_nodes() -> None:
    n, md = 1_000_000, 10.0
    g = build_graph("erdos_renyi", n, rng(5), mean_degree=md)
    mu = n * md / 2
    assert g.n == n
    assert abs(g.m - mu) <= 5 * math.sqrt(mu)
    assert g.indices.dtype == np.int32 and g.indptr[-1] == 2 * g.m


# --------------------------------------------------------------------------- Watts-Strogatz


def test_watts_strogatz_no_rewire_is_ring_lattice() -> None:
    n = 2000
    g = build_graph("watts_strogatz", n, rng(), mean_degree=10, rewire=0.0)
    assert np.array_equal(edge_keys(g), lattice_keys(n, 5))
    assert np.all(g.degree == 10)
    assert mean_clustering(g) == pytest.approx(3 * 8 / (4 * 9))  # 3(k-2)/(4(k-1))


def test_watts_strogatz_even_k_from_mean_degree() -> None:
    g = build_graph("watts_strogatz", 500, rng(), mean_degree=6.4, rewire=0.0)
    assert np.array_equal(edge_keys(g), lattice_keys(500, 3))


@pytest.mark.parametrize("mean_degree", [1.0, 2.0, 2.9])
def test_watts_strogatz_below_three_friends_is_a_ring(mean_degree: float) -> None:
    """k/2 rounds to one neighbour each side (at least one), not two: a ring, degree 2."""
    g = build_graph("watts_strogatz", 40, rng(), mean_degree=mean_degree, rewire=0.0)
    assert np.array_equal(edge_keys(g), lattice_keys(40, 1))


def test_watts_strogatz_redraws_every_collision_on_small_dense_graphs() -> None:
    """Fully rewired, 30 consumers with 6 friends each (a fifth of all pairs): collisions are
    common, yet redrawing keeps the edge count exactly n*k/2 (a leftover after 50 rounds has
    chance below 0.3**50)."""
    for seed in range(30):
        g = build_graph("watts_strogatz", 30, rng(seed), mean_degree=6, rewire=1.0)
        assert g.m == 90, seed


def test_watts_strogatz_rewiring_rate_and_clustering() -> None:
    n, k, p = 10_000, 10, 0.1
    g = build_graph("watts_strogatz", n, rng(2), mean_degree=k, rewire=p)
    m = n * k // 2
    assert g.m == m  # collisions are redrawn, so the mean degree is exactly k
    off_lattice = g.m - np.count_nonzero(np.isin(edge_keys(g), lattice_keys(n, k // 2)))
    assert abs(off_lattice - m * p) <= 5 * math.sqrt(m * p * (1 - p))
    full = build_graph("watts_strogatz", 2000, rng(2), mean_degree=k, rewire=1.0)
    assert full.m == 2000 * k // 2
    assert mean_clustering(full) < 0.05  # random graph: ~k/n = 0.005; lattice: 0.667


# --------------------------------------------------------------------------- Barabasi-Albert


def test_barabasi_albert_degrees_heavy_tailed() -> None:
    n, m = 20_000, 5
    g = build_graph("barabasi_albert", n, rng(4), mean_degree=2 * m)
    d = g.degree.astype(float)
    # m edges per node minus dropped self-loops/multi-edges, which are O(m^2 log n) << 1%
    assert 2 * m * 0.99 <= d.mean() <= 2 * m
    assert d.min() >= 1  # every node links to an earlier one
    assert nx.is_connected(g.to_networkx())
    assert d.max() >= 10 * d.mean()
    # tail exponent: discrete MLE for k >= 20 against its value under the exact BA law
    # p(k) ~ 1/(k(k+1)(k+2)) (asymptotic slope -3); sd of the MLE is (alpha-1)/sqrt(N_tail)
    kmin = 20
    tail = d[d >= kmin]
    alpha = 1 + tail.size / np.log(tail / (kmin - 0.5)).sum()
    k = np.arange(kmin, 10**6, dtype=float)
    pk = 1 / (k * (k + 1) * (k + 2))
    alpha_law = 1 + 1 / (pk / pk.sum() * np.log(k / (kmin - 0.5))).sum()
    assert abs(alpha - alpha_law) <= 5 * (alpha - 1) / math.sqrt(tail.size)
    assert 2.8 < alpha_law < 3.0
    er = build_graph("erdos_renyi", n, rng(4), mean_degree=2 * m)
    assert er.degree.max() < 3 * 2 * m < d.max()
    assert np.count_nonzero(d >= 30) > 0.01 * n > np.count_nonzero(er.degree >= 30)


def test_barabasi_albert_matches_sequential_batagelj_brandes() -> None:
    """Pointer jumping must give exactly the sequential algorithm's targets for the same draws."""
    n, m, seed = 300, 3, 9
    r = [0] * m + rng(seed).integers(0, 2 * m * (np.arange(m, n * m) // m)).tolist()
    ends = [0] * (2 * n * m)
    for j in range(n * m):
        ends[2 * j] = j // m
        ends[2 * j + 1] = ends[r[j]] if j >= m else 0
    ref = from_edges(np.array(ends[0::2]), np.array(ends[1::2]), n, kind="barabasi_albert")
    g = build_graph("barabasi_albert", n, rng(seed), mean_degree=2 * m)
    assert np.array_equal(g.indptr, ref.indptr) and np.array_equal(g.indices, ref.indices)


# --------------------------------------------------------------------------- stochastic block


def test_stochastic_block_mixing_share_and_block_balance() -> None:
    n, b, md, mu = 20_000, 4, 10.0, 0.1
    g = build_graph("stochastic_block", n, rng(6), mean_degree=md, blocks=b, mixing=mu)
    expected = n * md / 2
    assert abs(g.m - expected) <= 5 * math.sqrt(expected)
    u, v = g.edges()
    bu, bv = g.blocks[u], g.blocks[v]
    share = np.count_nonzero(bu != bv) / g.m
    # share = O/(O+I) with Poisson-like counts: var ~ mu(1-mu)/E
    assert abs(share - mu) <= 5 * math.sqrt(mu * (1 - mu) / expected)
    within = np.bincount(bu[bu == bv], minlength=b)
    per_block = expected * (1 - mu) / b
    assert np.all(np.abs(within - per_block) <= 5 * math.sqrt(per_block))
    assert np.array_equal(np.bincount(g.blocks), [n // b] * b)


def test_stochastic_block_extremes() -> None:
    g0 = build_graph("stochastic_block", 2000, rng(), blocks=5, mixing=0.0)
    assert np.all(g0.blocks[g0.edges()[0]] == g0.blocks[g0.edges()[1]])
    g1 = build_graph("stochastic_block", 2000, rng(), blocks=5, mixing=1.0)
    assert np.all(g1.blocks[g1.edges()[0]] != g1.blocks[g1.edges()[1]])


def test_stochastic_block_of_single_consumers_needs_every_edge_between_blocks() -> None:
    """With as many blocks as consumers no edge can stay within a block: mixing below 1 is a
    one-line error naming network.mixing, and mixing 1 gives the graph (all edges between)."""
    msg = raises_one_line("network.mixing", build_graph, "stochastic_block", 60, rng(),
                          mean_degree=6, blocks=60, mixing=0.5)
    assert "must be 1" in msg and "0.5" in msg
    g = build_graph("stochastic_block", 60, rng(), mean_degree=6, blocks=60, mixing=1.0)
    expected = 60 * 6 / 2
    assert abs(g.m - expected) <= 5 * math.sqrt(expected)
    assert np.all(g.blocks[g.edges()[0]] != g.blocks[g.edges()[1]])


def test_stochastic_block_full_between_class_is_complete_and_beyond_is_refused() -> None:
    """Two blocks of 50 have 2,500 between-block pairs: mean degree 50 with mixing 1 asks for
    all of them (p_out = 1: the complete bipartite graph); mean degree 60 asks for more than
    exist, a one-line error, not a graph with fewer edges or an endless draw."""
    g = build_graph("stochastic_block", 100, rng(), mean_degree=50, blocks=2, mixing=1.0)
    assert g.m == 50 * 50
    assert np.all(g.degree == 50)
    assert np.all(g.blocks[g.edges()[0]] != g.blocks[g.edges()[1]])
    msg = raises_one_line("network.mean_degree", build_graph, "stochastic_block", 100, rng(),
                          mean_degree=60, blocks=2, mixing=1.0)
    assert "between-block edge probability 1.2 > 1" in msg


# --------------------------------------------------------------------------- from_edges / views


def test_from_edges_symmetrises_and_dedupes() -> None:
    u = np.array([0, 1, 2, 2, 3, 0, 4])
    v = np.array([1, 0, 2, 3, 2, 4, 0])
    g = from_edges(u, v, 6)
    assert g.n == 6 and g.m == 3 and g.kind == "file"
    assert_valid_csr(g)
    eu, ev = g.edges()
    assert eu.tolist() == [0, 0, 2] and ev.tolist() == [1, 4, 3]
    assert g.degree.tolist() == [2, 1, 1, 1, 1, 0]


def test_from_edges_rejects_bad_ids() -> None:
    with pytest.raises(EwomError, match=r"network\.edges"):
        from_edges(np.array([0, 5]), np.array([1, 2]), 5)
    with pytest.raises(EwomError, match=r"network\.edges"):
        from_edges(np.array([-1]), np.array([1]), 5)
    with pytest.raises(EwomError, match=r"network\.edges"):
        from_edges(np.array([0.0]), np.array([1.0]), 5)
    with pytest.raises(EwomError, match=r"network\.kind"):
        from_edges(np.array([0]), np.array([1]), 5, kind="global")


def test_from_edges_errors_name_the_bad_id_and_refuse_any_length_mismatch() -> None:
    msg = raises_one_line("network.edges", from_edges, np.array([0, 2]), np.array([1, 5]), 5)
    assert "node id 5 outside [0, 5)" in msg  # the offending id, though the smallest is 0
    msg = raises_one_line("network.edges", from_edges, np.array([-1, 2]), np.array([1, 7]), 5)
    assert "node id -1 outside" in msg
    for v in (np.array([1, 2, 3]), np.array([1]), np.array([[1, 2], [3, 4]])):
        msg = raises_one_line("network.edges", from_edges, np.array([0, 1]), v, 5)
        assert "equal length" in msg


def test_to_networkx_and_adjacency_match_csr() -> None:
    g = build_graph("stochastic_block", 400, rng(8), mean_degree=6, blocks=3, mixing=0.3)
    h = g.to_networkx()
    assert list(h.nodes) == list(range(g.n))
    assert h.number_of_edges() == g.m
    assert all(h.nodes[i]["block"] == g.blocks[i] for i in range(g.n))
    back = from_edges(*map(np.array, zip(*h.edges(), strict=True)), g.n, kind=g.kind)
    assert np.array_equal(back.indptr, g.indptr) and np.array_equal(back.indices, g.indices)
    ref = nx.to_scipy_sparse_array(h, nodelist=range(g.n), format="csr")
    a = g.adjacency
    assert a.shape == (g.n, g.n) and a.dtype == np.float32
    assert (a != ref).nnz == 0
    assert np.shares_memory(a.indices, g.indices)


def test_links_are_present_for_a_graph_and_absent_under_global_mixing() -> None:
    """Compiled rules get CSR arrays either way; ``present`` tells them which regime they are in
    (NO_LINKS has a single indptr entry), even for a graph with no edges."""
    assert links(None) is NO_LINKS and not NO_LINKS.present
    assert links(build_graph("erdos_renyi", 50, rng(), mean_degree=4)).present
    assert links(from_edges(np.array([], int), np.array([], int), 2)).present


def test_a_graph_s_bytes_count_what_it_holds_once_used() -> None:
    """The graph cache's budget: the CSR arrays plus the adjacency's data and indptr and the
    degrees, made on first use (counted in advance, so the budget does not grow later)."""
    g = build_graph("stochastic_block", 500, rng(), mean_degree=8, blocks=4, mixing=0.2)
    a = g.adjacency
    held = (g.indptr.nbytes + g.indices.nbytes + g.blocks.nbytes + a.data.nbytes
            + a.indptr.nbytes + g.degree.nbytes)
    assert abs(g.nbytes - held) <= 8  # the adjacency's indptr has n + 1 entries


# --------------------------------------------------------------------------- files


def test_load_plain_edge_list_with_comments_weights_and_blanks(tmp_path: Path) -> None:
    f = tmp_path / "g.edges"
    f.write_text(
        "# header\n% matrix-market style comment\n10 20 0.5\n\n20\t30 1.0 x\n30 10\n10 10\n"
    )
    g = load_graph_file(f)
    assert (g.n, g.m, g.kind) == (3, 3, "file")
    assert_valid_csr(g)
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"# c\r\n1 2\r\n2 3\r\n3 4")  # Windows line ends, no final newline
    assert edge_keys(load_graph_file(crlf)).tolist() == [0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 3]
    mac = tmp_path / "mac.txt"
    mac.write_bytes(b"1 2\r2 3\r")  # classic-Mac line ends
    assert load_graph_file(mac).m == 2


def test_load_gz_and_csv_and_directed_duplicates(tmp_path: Path) -> None:
    text = "0,1\n1,0\n1,2,7\n2 , 3\n"
    (tmp_path / "g.csv").write_text(text)
    with gzip.open(tmp_path / "g.csv.gz", "wt") as fh:
        fh.write(text)
    a = load_graph_file(tmp_path / "g.csv")
    b = load_graph_file(str(tmp_path / "g.csv.gz"))
    assert (a.n, a.m) == (4, 3)
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)


def test_load_string_labels_in_order_of_first_appearance(tmp_path: Path) -> None:
    long = "x" * 70  # exercises the dict fallback for very long labels
    f = tmp_path / "names.txt"
    f.write_text(f"bob alice\ncarol_the_third bob\nalice émile\n{long} bob\n")
    g = load_graph_file(f)
    assert g.n == 5 and g.m == 4
    # bob=0 alice=1 carol_the_third=2 émile=3 long=4
    assert edge_keys(g).tolist() == sorted([0 * 5 + 1, 0 * 5 + 2, 1 * 5 + 3, 0 * 5 + 4])
    short = tmp_path / "short.txt"
    short.write_text("b a\nc b\n")
    assert edge_keys(load_graph_file(short)).tolist() == [0 * 3 + 1, 0 * 3 + 2]


@pytest.mark.parametrize("name", ["g.graphml", "g.graphml.gz"])
def test_load_graphml_written_by_networkx(tmp_path: Path, name: str) -> None:
    h = nx.DiGraph()
    h.add_nodes_from(["a", "b", "c", "lonely"])
    h.add_edges_from([("a", "b"), ("b", "a"), ("b", "c")])
    nx.write_graphml(h, tmp_path / name)
    g = load_graph_file(tmp_path / name)
    assert (g.n, g.m) == (4, 2)
    assert edge_keys(g).tolist() == [0 * 4 + 1, 1 * 4 + 2]
    assert g.degree[3] == 0


def test_load_facebook() -> None:
    g = load_graph_file(FACEBOOK)
    assert (g.n, g.m) == (4039, 88234)
    assert_valid_csr(g)
    assert build_graph("file", 0, rng(), path=str(FACEBOOK)).m == 88234


# --------------------------------------------------------------------------- graph cache


def test_a_graph_file_is_parsed_once_per_content(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    f.write_text("0 1\n1 2\n")
    clear_graph_cache()
    first = build_graph("file", 0, None, path=str(f))
    assert build_graph("file", 0, None, path=str(f)) is first  # parsed once, shared
    (tmp_path / "sub").mkdir()
    assert build_graph("file", 0, None, path=str(tmp_path / "sub" / ".." / "g.txt")) is first
    assert graph_cache_info()[:3] == (2, 1, 1)  # hits, misses, graphs held
    f.write_text("0 1\n1 2\n2 3\n")  # new content, same name: read again
    second = build_graph("file", 0, None, path=str(f))
    assert second is not first and (second.n, second.m) == (4, 3)
    f.write_text("0 1\n1 2\n")  # the old content again: still cached under its hash
    assert build_graph("file", 0, None, path=str(f)) is first
    twin = tmp_path / "twin.txt"
    twin.write_text("0 1\n1 2\n")  # same content, another file: its own entry
    assert build_graph("file", 0, None, path=str(twin)) is not first
    assert graph_cache_info().misses == 3


def test_shared_graphs_cannot_be_written() -> None:
    g = build_graph("barabasi_albert", 300, rng(), graph_seed=1)
    sbm = build_graph("stochastic_block", 300, rng(), graph_seed=1)
    for arr in (g.indptr, g.indices, g.degree, g.adjacency.data, sbm.blocks):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1
    assert_valid_csr(g)


def test_the_graph_cache_is_bounded_in_graphs_and_bytes(tmp_path: Path) -> None:
    clear_graph_cache()
    paths = []
    for i in range(network.GRAPH_CACHE_GRAPHS + 2):
        paths.append(tmp_path / f"g{i}.txt")
        paths[-1].write_text(f"0 1\n1 {i + 2}\n")
    graphs = [build_graph("file", 0, None, path=str(p)) for p in paths]
    assert graph_cache_info().graphs == network.GRAPH_CACHE_GRAPHS
    assert build_graph("file", 0, None, path=str(paths[-1])) is graphs[-1]
    assert build_graph("file", 0, None, path=str(paths[0])) is not graphs[0]  # evicted first
    small = network._GraphCache(max_graphs=8, max_bytes=1)  # below any graph's size
    a = small.get("a", lambda: graphs[0])
    assert small.get("a", lambda: graphs[1]) is a  # the most recent is kept whatever its size
    small.get("b", lambda: graphs[1])
    assert small.info().graphs == 1 and small.get("a", lambda: graphs[2]) is graphs[2]


@pytest.mark.parametrize("kind", GENERATED)
def test_graph_seed_is_the_graph_s_own_seed_and_leaves_the_rng_alone(kind: str) -> None:
    r = rng(5)
    state = r.bit_generator.state
    g = build_graph(kind, 400, r, mean_degree=6, graph_seed=11)
    assert r.bit_generator.state == state  # the run's stream is not drawn from
    assert build_graph(kind, 400, rng(6), mean_degree=6, graph_seed=11) is g  # one graph
    plain = build_graph(kind, 400, rng(11), mean_degree=6)  # as if drawn from default_rng(11)
    assert np.array_equal(plain.indptr, g.indptr) and np.array_equal(plain.indices, g.indices)
    if kind != "complete":  # complete has no randomness and no mean degree
        other = build_graph(kind, 400, r, mean_degree=6, graph_seed=12)
        assert not np.array_equal(other.indices, g.indices)
        assert build_graph(kind, 400, r, mean_degree=8, graph_seed=11) is not g  # own key
    assert build_graph(kind, 401, r, mean_degree=6, graph_seed=11).n == 401
    assert build_graph("global", 400, None, graph_seed=11) is None
    with pytest.raises(EwomError, match=r"^network\.graph_seed"):
        build_graph(kind, 400, r, graph_seed=-2)


# --------------------------------------------------------------------------- errors


def raises_one_line(field: str, fn, *args, **kwargs) -> str:
    with pytest.raises(EwomError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    assert msg.startswith(field + ":"), msg
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("field", "kind", "n", "kwargs"),
    [
        ("network.n", "erdos_renyi", 1, {}),
        ("network.n", "watts_strogatz", 10.5, {}),
        ("network.n", "global", 0, {}),
        ("network.n", "complete", MAX_COMPLETE_N + 1, {}),
        ("network.mean_degree", "erdos_renyi", 100, {"mean_degree": 0}),
        ("network.mean_degree", "barabasi_albert", 100, {"mean_degree": 100}),
        ("network.mean_degree", "watts_strogatz", 100, {"mean_degree": float("nan")}),
        ("network.mean_degree", "stochastic_block", 100, {"mean_degree": 50, "blocks": 50}),
        ("network.rewire", "watts_strogatz", 100, {"rewire": -0.1}),
        ("network.rewire", "watts_strogatz", 100, {"rewire": 1.5}),
        ("network.mixing", "stochastic_block", 100, {"mixing": 1.01}),
        ("network.blocks", "stochastic_block", 100, {"blocks": 0}),
        ("network.blocks", "stochastic_block", 100, {"blocks": 101}),
        ("network.path", "file", 10, {}),
    ],
)
def test_build_graph_validation(field: str, kind: str, n: float, kwargs: dict) -> None:
    raises_one_line(field, build_graph, kind, n, rng(), **kwargs)


def test_integer_fields_refuse_booleans_and_integers_beyond_float() -> None:
    """``true`` is not a count (bool is an int in Python), and an integer too large for a float
    is out of range, not an OverflowError."""
    raises_one_line("network.blocks", build_graph, "stochastic_block", 100, rng(), blocks=True)
    raises_one_line("network.graph_seed", build_graph, "erdos_renyi", 100, None, graph_seed=True)
    msg = raises_one_line("network.blocks", build_graph, "stochastic_block", 100, rng(),
                          blocks=10**400)
    assert "<= network.n (100)" in msg


def test_network_n_stops_below_two_to_the_31() -> None:
    assert check_params("erdos_renyi", 2**31 - 1)["n"] == 2**31 - 1
    msg = raises_one_line("network.n", check_params, "erdos_renyi", 2**31)
    assert msg.endswith("<= 2,147,483,647 (2^31 - 1), got 2147483648"), msg
    msg = raises_one_line("network.n", check_params, "erdos_renyi", 10**400)
    assert msg.endswith("got an integer of 401 digits"), msg  # not an OverflowError


def test_ids_are_32_bit_exactly_while_they_fit() -> None:
    assert index_dtype(2**31 - 1) is np.int32
    assert index_dtype(2**31) is np.int64
    assert index_dtype(0) is np.int32


@pytest.mark.parametrize("kind", ["erdos_renyi", "watts_strogatz", "barabasi_albert",
                                  "stochastic_block"])
def test_each_width_is_asked_for_the_largest_value_its_arrays_hold(kind, monkeypatch) -> None:
    """The generators and the live-edge samples pick int32 or int64 by the largest value an
    array will hold; asking for less would overflow at sizes no test can build."""
    asked: list[int] = []

    def spy(largest: int) -> type:
        asked.append(largest)
        return index_dtype(largest)

    monkeypatch.setattr(generators, "index_dtype", spy)
    monkeypatch.setattr(graph_mod, "index_dtype", spy)
    n, half = 300, 5
    g = build_graph(kind, n, rng(), mean_degree=2 * half)
    # a ring lattice's far ends reach n - 1 + k/2 before they wrap; every id is below n; the
    # upper triangle's pointers reach m; the adjacency's, 2m
    largest = n - 1 + half if kind == "watts_strogatz" else n - 1
    assert asked and min(asked) >= largest, asked
    assert max(asked) >= g.m
    asked.clear()
    assert g.adjacency.indptr[-1] == g.indices.size and asked == [g.indices.size]
    monkeypatch.setattr(seeding, "index_dtype", spy)
    asked.clear()
    samples = LiveEdgeSamples(g, 0.05, 20, rng())
    assert asked == [asked[0]] and asked[0] >= samples.component.max(), asked


def test_check_params_has_build_graph_s_defaults() -> None:
    """Checking a configuration and building it agree on what an unset parameter means."""
    assert check_params("stochastic_block", 100) == {"n": 100, "mean_degree": 10.0,
                                                     "blocks": 4, "mixing": 0.1}
    assert check_params("watts_strogatz", 100)["rewire"] == 0.1


def test_unknown_kind_lists_allowed() -> None:
    msg = raises_one_line("network.kind", build_graph, "small_world", 100, rng())
    assert all(k in msg for k in KINDS)


def test_file_errors(tmp_path: Path) -> None:
    missing = raises_one_line("network.path", load_graph_file, tmp_path / "nope.txt")
    assert "file not found" in missing and "nope.txt" in missing
    fake_gz = tmp_path / "bad.txt.gz"
    fake_gz.write_text("0 1\n")
    assert "gzip" in raises_one_line("network.path", load_graph_file, fake_gz)
    truncated = tmp_path / "cut.txt.gz"
    truncated.write_bytes(gzip.compress(b"0 1\n" * 1000)[:40])
    assert "gzip" in raises_one_line("network.path", load_graph_file, truncated)
    one_token = tmp_path / "one.txt"
    one_token.write_text("# c\n0 1\n\n7\n2 3\n")
    msg = raises_one_line("network.path", load_graph_file, one_token)
    assert "line 4" in msg and "'7'" in msg
    for name, text in [("empty.txt", ""), ("comments.txt", "# a\n% b\n\n"), ("loops.txt", "1 1\n")]:
        (tmp_path / name).write_text(text)
        msg = raises_one_line("network.path", load_graph_file, tmp_path / name)
        assert "has no edges (empty graph)" in msg
    long_line = tmp_path / "long.txt"
    long_line.write_text("0 1\n" + "x" * 100 + "\n2 3\n")
    msg = raises_one_line("network.path", load_graph_file, long_line)
    assert "line 2" in msg and f"'{'x' * 57}...'" in msg  # the line, cut to 60 characters
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph><node id='a'></graph>")
    assert "GraphML" in raises_one_line("network.path", load_graph_file, broken)
    raises_one_line("network.path", build_graph, "file", 0, rng(), path=str(tmp_path / "x.txt"))


def test_file_digest_is_the_content_not_the_name(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("0 1\n1 2\n")
    b.write_text("0 1\n1 2\n")
    assert file_digest(a) == file_digest(b) and len(file_digest(a)) == 40
    b.write_text("0 1\n1 3\n")
    assert file_digest(a) != file_digest(b)
    with pytest.raises(EwomError, match=r"network\.path: .* is a folder"):
        file_digest(tmp_path)


def test_stochastic_block_draws_reach_the_first_and_last_consumer_alike() -> None:
    """Between-block pairs are uniform over consumers: the first and last consumer get as many
    between-block friends as anyone, on average over graphs (an off-by-one in the draws would
    halve or zero theirs)."""
    n, graphs = 2000, 20
    ends, mean = np.zeros(2), 0.0
    for seed in range(graphs):
        g = build_graph("stochastic_block", n, rng(seed), mean_degree=20, blocks=2, mixing=0.5)
        u, v = g.edges()
        between = np.bincount(np.concatenate([u, v])[np.concatenate([g.blocks[u] != g.blocks[v]]
                                                                     * 2)], minlength=n)
        ends += between[[0, n - 1]]
        mean += between.mean()
    # each end's total over the graphs is Poisson-like around the graphs' mean total
    assert np.all(np.abs(ends - mean) < 5 * np.sqrt(mean)), (ends, mean)


# --------------------------------------------------------------------------- set-up helpers
# (model/arrays.py's sorted-set membership behind the generators; model/state.py's trait draws)


def test_member_is_exact_membership_below_between_and_above_the_reference() -> None:
    ref = np.array([2, 5, 7])
    values = np.array([-1, 2, 3, 5, 7, 8, 100])
    assert member(values, ref).tolist() == [False, True, False, True, True, False, False]
    assert member(values, ref[:0]).tolist() == [False] * 7


def test_beta_traits_have_the_mean_and_sd_the_spread_asks_for() -> None:
    """sd = spread * sqrt(mean (1 - mean)) (scenario.trait_spread); the tolerance is 5 standard
    errors of the sample mean and of the sample sd (from the sample's fourth moment)."""
    mean, spread, size = 0.3, 0.5, 40_000
    drawn = beta_traits(mean, spread, size, rng(8))
    assert drawn.dtype == np.float32 and drawn.min() >= 0 and drawn.max() <= 1
    x = drawn.astype(np.float64)
    sd = spread * math.sqrt(mean * (1 - mean))
    s = x.std()
    m4 = float(((x - x.mean()) ** 4).mean())
    assert abs(x.mean() - mean) <= 5 * s / math.sqrt(size)
    assert abs(s - sd) <= 5 * math.sqrt(m4 - s**4) / (2 * s * math.sqrt(size))


def test_homogeneous_traits_are_the_mean_and_take_no_draws() -> None:
    """Spread 0 gives everyone the mean or median exactly and leaves the run's stream alone, so
    switching heterogeneity off moves no other draw of the run."""
    r = rng(3)
    state = r.bit_generator.state
    prices = lognormal_prices(250.0, 0.0, 6, r)
    assert prices.dtype == np.float64 and prices.tolist() == [250.0] * 6
    traits = beta_traits(0.4, 0.0, 6, r)
    assert traits.dtype == np.float32 and np.all(traits == np.float32(0.4))
    assert r.bit_generator.state == state


def test_coin_flips_take_nobody_at_zero_and_everybody_at_one() -> None:
    r = rng(4)  # compiled rules draw through a stream handle, which must outlive the call
    assert coin_flips(50, 0.0, stream(r)).size == 0
    assert coin_flips(50, 1.0, stream(r)).tolist() == list(range(50))
    hits = coin_flips(100_000, 0.3, stream(r))
    assert np.all(np.diff(hits) > 0) and hits[0] >= 0 and hits[-1] < 100_000
    assert abs(hits.size - 30_000) <= 5 * math.sqrt(100_000 * 0.3 * 0.7)


def test_opinion_leaders_are_the_best_connected_or_a_random_share() -> None:
    """consumers.leader_centrality: 'degree' takes the top share by degree, 'random' (or no
    graph) a uniform share; either way round(share * n) leaders."""
    degree = np.arange(200)[::-1].copy()  # consumer i has 199 - i friends
    top = pick_leaders(200, 0.05, "degree", degree, rng())
    assert np.flatnonzero(top).tolist() == list(range(10))
    for leaders in (pick_leaders(200, 0.05, "random", degree, rng()),
                    pick_leaders(200, 0.05, "degree", None, rng())):
        assert leaders.sum() == 10
        assert np.flatnonzero(leaders).tolist() != list(range(10))
