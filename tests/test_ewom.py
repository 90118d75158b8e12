"""The three eWOM models: who talks, to whom, and what happens to the message on the way."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.ewom import Messages, retell, spread, talkers, transmit
from ewom_abm.model.network import from_edges
from ewom_abm.model.reference import DOCKED
from ewom_abm.model.state import Stage
from ewom_testing import build, edge_file

# a star (leader 0 with followers 1..5) with a tail 5 - 6 - 7 hanging off follower 5
STAR_TAIL = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (5, 6), (6, 7)]
PATH = [(i, i + 1) for i in range(7)]


def star_model(tmp_path, *extra):
    path = edge_file(tmp_path, STAR_TAIL)
    return build(*DOCKED, "network.kind=file", f"network.path={path}", "ewom.p_share=1",
                 "consumers.leader_share=0.125", "brands.0.strategy=influencer",
                 "brands.0.budget=25", "brands.0.cost_influencer=25", "brands.0.post_reach=1",
                 "brands.0.scandal_prob=0", "brands.0.seeding=degree", *extra, steps=8)


def test_linear_followers_do_not_rebroadcast(tmp_path):
    m = star_model(tmp_path, "ewom.model=linear", "ewom.follower_share=0")
    assert np.flatnonzero(m.consumers.leader).tolist() == [0]
    m.run()
    stage = m.consumers.stage[0]
    assert (stage[:6] != Stage.UNAWARE).all()  # the leader's followers heard it
    assert stage[6] == Stage.UNAWARE and stage[7] == Stage.UNAWARE  # and stopped there


def test_linear_followers_pass_it_on_when_allowed(tmp_path):
    m = star_model(tmp_path, "ewom.model=linear", "ewom.follower_share=1")
    m.run()
    assert (m.consumers.stage[0] != Stage.UNAWARE).all()


def test_organic_adopters_pass_it_on(tmp_path):
    m = star_model(tmp_path, "ewom.model=organic")
    m.run()
    assert (m.consumers.stage[0] != Stage.UNAWARE).all()


def test_linear_passes_the_message_unchanged(tmp_path):
    m = star_model(tmp_path, "ewom.model=linear", "ewom.follower_share=1")
    m.run()
    assert (m.consumers.hops[0] == 0).all()
    assert np.allclose(m.consumers.valence[0], 1.0)


def path_model(tmp_path, *extra):
    """A path 0-1-...-7 with consumer 0 holding the brand's message; everyone retells once."""
    path = edge_file(tmp_path, PATH)
    m = build(*DOCKED, "network.kind=file", f"network.path={path}", "ewom.p_share=1",
              "ewom.share_once=true", "ewom.noise=0", "ewom.pushback=0", "ewom.drift=0",
              "consumers.susceptibility=0.5", *extra, steps=10)
    m.seed_adopters(0, np.array([0]))
    return m


def test_coproduction_fidelity_decays_per_hop(tmp_path):
    m = path_model(tmp_path, "ewom.model=coproduction", "ewom.fidelity_decay=0.5")
    c = m.consumers
    for k in range(1, 8):
        m.step()  # consumer k hears for the first time, k retellings from the brand
        assert c.hops[0, k] == k
        # one exposure at weight decay**k moves attitude by susceptibility * weight * valence
        assert c.attitude[0, k] == pytest.approx(0.5 * 0.5**k, rel=1e-5)
    assert c.hops[0].tolist() == list(range(8))


def test_organic_and_linear_keep_full_fidelity(tmp_path):
    for ewom in ("organic", "linear"):
        m = path_model(tmp_path, f"ewom.model={ewom}", "ewom.follower_share=1")
        m.run()
        reached = m.consumers.stage[0] != Stage.UNAWARE
        assert reached.all()
        assert (m.consumers.hops[0][reached] == 0).all()


def test_coproduction_valence_drifts_toward_teller_and_community(tmp_path):
    m = path_model(tmp_path, "ewom.model=coproduction", "ewom.drift=1")
    c = m.consumers
    c.stage[0, :] = Stage.AWARE
    c.valence[0, :] = 1.0
    c.attitude[0, :] = np.array([-1, 1, -1, 1, 0, 0, 0.5, -0.5], dtype=np.float32)
    senders = np.array([2, 4])
    valence, *_ = retell(c, 0, senders, m.config.ewom, m.graph, m.rng)
    # drift 1: half the teller's attitude plus half their friends' mean attitude
    norm = np.array([(1 + 1) / 2, (1 + 0) / 2])
    assert np.allclose(valence, 0.5 * c.attitude[0, senders] + 0.5 * norm)
    m2 = path_model(tmp_path, "ewom.model=coproduction", "ewom.drift=0")
    m2.consumers.stage[0, :] = Stage.AWARE
    m2.consumers.valence[0, :] = 0.7
    v2, *_ = retell(m2.consumers, 0, senders, m2.config.ewom, m2.graph, m2.rng)
    assert np.allclose(v2, 0.7)  # no drift, no noise: the message survives as it was


def pushback_run(ewom: str, pushback: float):
    m = build("network.kind=erdos_renyi", "network.n=3000", f"ewom.model={ewom}",
              f"ewom.pushback={pushback}", "ewom.noise=0", "ewom.drift=0", "ewom.p_share=0.5",
              "brands.0.seeds=300", "brands.0.budget=0", "ewom.p_external=0")
    return spread(m.consumers, 0, m.config.ewom, m.graph, m.mean_degree, 0.0, m.rng)


def test_coproduction_pushback_turns_sponsored_messages_negative():
    assert pushback_run("coproduction", 1.0).negative == pushback_run("coproduction", 1.0).sent
    talk = pushback_run("coproduction", 1.0)
    assert talk.sent > 100 and talk.negative == talk.sent
    assert pushback_run("coproduction", 0.0).negative == 0
    assert pushback_run("organic", 1.0).negative == 0  # only coproduction meets pushback


def test_pushback_rate_matches_its_probability():
    talk = pushback_run("coproduction", 0.3)
    share, n = talk.negative / talk.sent, talk.sent
    assert abs(share - 0.3) < 5 * np.sqrt(0.3 * 0.7 / n)


def test_rejecters_spread_negative_word_of_mouth():
    m = build(*DOCKED, "network.kind=erdos_renyi", "network.n=500", "consumers.susceptibility=1",
              "ewom.reject_threshold=-0.3")
    c = m.consumers
    c.stage[0, :10] = Stage.REJECTER
    c.attitude[0, :10] = -1.0
    senders, prob = talkers(c, 0, m.config.ewom, 0.0)
    assert senders.tolist() == list(range(10)) and (prob > 0).all()
    valence, *_ = retell(c, 0, np.arange(10), m.config.ewom, m.graph, m.rng)
    assert (valence < 0).all()
    m.step()  # their friends hear negative word of mouth and turn rejecters too
    assert m.final()["Brand"]["negative_share"] == 1.0
    assert (c.stage[0] == Stage.REJECTER).sum() > 10


def test_share_once_talks_exactly_once():
    m = build(*DOCKED, "network.kind=complete", "network.n=50", "ewom.share_once=true",
              "ewom.p_share=1", "brands.0.seeds=1")
    m.step()
    assert m.final()["Brand"]["messages"] == 49
    m.step()  # 49 new adopters talk once each, to everyone
    assert m.final()["Brand"]["messages"] == 49 * 49
    m.step()
    assert m.final()["Brand"]["messages"] == 0


def test_transmit_matches_edge_probability():
    """Both sampling paths (dense and geometric skipping) hit each edge with its probability."""
    rng = np.random.default_rng(0)
    u = rng.integers(0, 2000, 40000)
    v = rng.integers(0, 2000, 40000)
    g = from_edges(u, v, 2000)
    senders = np.arange(0, 2000, 2)
    degree_sum = int(g.degree[senders].sum())
    for p in (0.05, 0.5):
        prob = np.full(senders.size, p, np.float32)
        prob[: senders.size // 2] = p / 2  # thinning to each sender's own probability
        slot, dst = transmit(g, senders, prob, rng)
        # every hit is a real edge of its sender
        for s, d in zip(senders[slot[:200]], dst[:200], strict=True):
            assert d in g.indices[g.indptr[s]: g.indptr[s + 1]]
        expected = float((g.degree[senders] * prob).sum())
        var = float((g.degree[senders] * prob * (1 - prob)).sum())
        assert abs(slot.size - expected) < 5 * np.sqrt(var)
        low = g.degree[senders[: senders.size // 2]].sum() * p / 2
        assert abs((slot < senders.size // 2).sum() - low) < 5 * np.sqrt(low)
    assert degree_sum > 0


def test_global_mixing_hazard_is_bass():
    """Under global mixing each non-adopter hears with probability p + q F."""
    m = build(*DOCKED, "network.kind=global", "network.n=200000", "ewom.p_external=0.03",
              "ewom.p_share=0.038", "network.mean_degree=10")
    c = m.consumers
    c.stage[0, :50000] = Stage.ADOPTER  # F = 0.25
    talk = spread(c, 0, m.config.ewom, None, m.mean_degree, 0.0, m.rng)
    heard = np.unique(talk.messages.dst)
    share = np.isin(heard, np.arange(50000, 200000)).sum() / 150000
    h = 0.03 + 0.38 * 0.25
    assert abs(share - h) < 5 * np.sqrt(h * (1 - h) / 150000)


def test_messages_concat_keeps_fields_aligned():
    a = Messages.make(np.array([1, 2]), 1.0, 0.5, hops=3, sponsored=True)
    b = Messages.make(np.array([7]), -1.0, 1.0, hops=0, sponsored=False, peer=True)
    m = Messages.concat([a, Messages.empty(), b])
    assert m.dst.tolist() == [1, 2, 7]
    assert m.valence.tolist() == [1.0, 1.0, -1.0]
    assert m.hops.tolist() == [3, 3, 0]
    assert m.sponsored.tolist() == [True, True, False]
    assert m.peer.tolist() == [False, False, True]


@pytest.mark.parametrize("ewom", ["organic", "linear", "coproduction"])
def test_every_model_spreads_on_a_graph(ewom):
    m = build("network.kind=barabasi_albert", "network.n=2000", f"ewom.model={ewom}",
              "brands.0.strategy=influencer", "ewom.follower_share=0.2", steps=15)
    df = m.run()
    assert df["reach"].iloc[-1] > 0.05
    assert (df["reach"] >= df["penetration"]).all()


def test_transmit_with_vanishing_probabilities_neither_hangs_nor_misdirects():
    """Per-edge probabilities far below 1e-6 (possible with very spread traits) are drawn
    directly instead of by geometric skipping, whose gaps would overflow."""
    g = from_edges(*np.array([(i, (i + j) % 100) for i in range(100) for j in (1, 2, 3)]).T, 100)
    rng = np.random.default_rng(1)
    slot, dst = transmit(g, np.array([0, 1]), np.array([0.01, 1e-25], np.float32), rng)
    assert (slot == 0).all() and np.isin(dst, g.indices[g.indptr[0]: g.indptr[1]]).all()
    slot, dst = transmit(g, np.arange(100), np.full(100, 1e-30, np.float32), rng)
    assert slot.size == 0 and dst.size == 0
