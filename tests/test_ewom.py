"""The three eWOM models: who talks, to whom, and what happens to the message on the way."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.ewom import novelty, pushback, say, spread, talkers, transmit
from ewom_abm.model.graph import from_edges
from ewom_abm.model.jit import stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.params import params
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
                 "brands.0.scandal_rate=0", "brands.0.seeding=degree", *extra, steps=8)


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


def test_linear_passes_the_message_unchanged_and_keeps_its_trust(tmp_path):
    """A paid post relayed by followers is still a paid post: no fidelity lost, no trust
    regained (no laundering), one more retelling on its record."""
    m = star_model(tmp_path, "ewom.model=linear", "ewom.follower_share=1",
                   "brands.0.influencer_trust=0.6")
    m.run()
    c = m.consumers
    assert np.allclose(c.held.valence[0], 1.0) and np.allclose(c.held.fidelity[0], 1.0)
    assert c.held.hops[0, 7] == c.held.hops[0, 6] + 1  # one more retelling down the tail
    assert np.allclose(c.held.trust[0], 0.6)  # everyone holds the influencer's paid message


def path_model(tmp_path, *extra):
    """A path 0-1-...-7 with consumer 0 holding the brand's message; everyone retells once."""
    path = edge_file(tmp_path, PATH)
    m = build(*DOCKED, "network.kind=file", f"network.path={path}", "ewom.p_share=1",
              "ewom.share_once=true", "ewom.noise=0", "ewom.pushback=0", "ewom.drift=0",
              "consumers.susceptibility=0.5", *extra, steps=10)
    m.seed_adopters(0, np.array([0]))
    return m


def test_coproduction_fidelity_decays_per_hop(tmp_path):
    m = path_model(tmp_path, "ewom.model=coproduction", "ewom.fidelity_decay=0.5",
                   "funnel.p_interest=0")
    c = m.consumers
    for k in range(1, 8):
        m.step()  # consumer k hears for the first time, k retellings from the brand
        assert c.held.hops[0, k] == k
        assert c.held.fidelity[0, k] == pytest.approx(0.5**k)
        # one exposure at weight decay**k moves attitude by susceptibility * weight * valence
        assert c.attitude[0, k] == pytest.approx(0.5 * 0.5**k, rel=1e-5)


def test_coproduction_retellings_keep_a_paid_posts_lower_trust(tmp_path):
    m = path_model(tmp_path, "ewom.model=coproduction", "funnel.p_interest=0")
    m.consumers.held.trust[0, 0] = 0.6  # consumer 0 holds a paid post
    m.run()
    assert np.allclose(m.consumers.held.trust[0], 0.6)


@pytest.mark.parametrize("ewom", ["linear", "coproduction"])
def test_a_retold_invitation_is_a_friends_word(tmp_path, ewom):
    """An invitation persuades its guest (trust 2); retold, it weighs what a friend's word does."""
    m = path_model(tmp_path, f"ewom.model={ewom}", "ewom.follower_share=1", "funnel.p_interest=0")
    m.consumers.held.trust[0, 0] = 2.0  # consumer 0 holds an invitation
    m.run()
    assert np.allclose(m.consumers.held.trust[0, 1:], 1.0)


def test_organic_and_linear_keep_full_fidelity(tmp_path):
    for ewom in ("organic", "linear"):
        m = path_model(tmp_path, f"ewom.model={ewom}", "ewom.follower_share=1",
                       "consumers.susceptibility=1")
        m.run()
        reached = m.consumers.stage[0] != Stage.UNAWARE
        assert reached.all()
        assert np.allclose(m.consumers.held.fidelity[0][reached], 1.0)


def test_coproduction_valence_drifts_toward_teller_and_community(tmp_path):
    m = path_model(tmp_path, "ewom.model=coproduction", "ewom.drift=1")
    c = m.consumers
    c.stage[0, :] = Stage.AWARE
    c.held.valence[0, :] = 1.0
    c.attitude[0, :] = np.array([-1, 1, -1, 1, 0, 0, 0.5, -0.5], dtype=np.float32)
    senders = np.array([2, 4])
    said = say(m.regime, c, 0, senders, m.settings.ewom, m.links, stream(m.rng))
    # drift 1: half the teller's attitude plus half their friends' mean attitude
    norm = np.array([(1 + 1) / 2, (1 + 0) / 2])
    assert np.allclose(said.valence, 0.5 * c.attitude[0, senders] + 0.5 * norm)
    m2 = path_model(tmp_path, "ewom.model=coproduction", "ewom.drift=0")
    m2.consumers.stage[0, :] = Stage.AWARE
    m2.consumers.held.valence[0, :] = 0.7
    said = say(m2.regime, m2.consumers, 0, senders, m2.settings.ewom, m2.links,
               stream(m2.rng))
    assert np.allclose(said.valence, 0.7)  # no drift, no noise: the message survives as it was


def test_coproduction_retellings_carry_valence_noise():
    """Each coproduction retelling adds ``noise`` x N(0, 1) to the valence (drift 0 here): the
    retold valences spread with sd ``noise`` around the held one; with noise 0 they do not."""
    n = 20_000
    for noise in (0.1, 0.0):
        m = build(*DOCKED, "network.kind=global", f"network.n={n}", "ewom.model=coproduction",
                  "ewom.drift=0", f"ewom.noise={noise}")
        c = m.consumers
        c.stage[0, :] = Stage.AWARE
        c.held.valence[0, :], c.held.trust[0, :], c.held.fidelity[0, :] = 0.5, 1.0, 1.0
        c.held.hops[0, :] = 0
        said = say(m.regime, c, 0, np.arange(n), m.settings.ewom, m.links, stream(m.rng))
        spread = said.valence.std()
        if noise:
            assert abs(said.valence.mean() - 0.5) < 5 * noise / np.sqrt(n)
            assert abs(spread - noise) < 5 * noise / np.sqrt(2 * n)
        else:
            assert spread == 0.0 and said.valence[0] == pytest.approx(0.5)


def sponsored_mix(k: int) -> Messages:
    """k each of: a paid post, its first retelling, a retelling three hops on, an unsponsored
    retelling, and a brand ad."""
    dst = np.arange(k)
    return Messages.concat([
        Messages.make(dst, 1.0, 0.6, Source.POST, hops=0, sponsored=True),
        Messages.make(dst, 1.0, 0.6, Source.PEER, hops=1, sponsored=True),
        Messages.make(dst, 1.0, 0.6, Source.PEER, hops=3, sponsored=True),
        Messages.make(dst, 1.0, 1.0, Source.PEER, hops=1, sponsored=False),
        Messages.make(dst, 1.0, 1.0, Source.AD, sponsored=True),
    ])


def pushed_back(m, msgs: Messages) -> Messages:
    """The messages after the community's reaction under the model's regime."""
    pushback(m.regime, msgs, m.settings.ewom, stream(m.rng))
    return msgs


def test_pushback_hits_sponsored_content_and_its_close_retellings_only():
    m = build("ewom.model=coproduction", "ewom.pushback=1", "ewom.pushback_hops=1",
              "network.n=200")
    out = pushed_back(m, sponsored_mix(100))
    negative = (out.content.valence < 0).reshape(5, 100)
    assert negative[:2].all()  # the paid post and its first retelling
    assert not negative[2:].any()  # far retellings, unsponsored talk, the brand's own ads
    for ewom in ("organic", "linear"):  # only coproduction's community pushes back
        m = build(f"ewom.model={ewom}", "ewom.pushback=1", "network.n=200")
        assert not (pushed_back(m, sponsored_mix(10)).content.valence < 0).any()


def test_pushback_rate_matches_its_probability():
    m = build("ewom.model=coproduction", "ewom.pushback=0.3", "network.n=200")
    out = pushed_back(m, sponsored_mix(20_000))
    share = (out.content.valence[:20_000] < 0).mean()
    assert abs(share - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 20_000)


@pytest.mark.parametrize("ewom", ["organic", "linear", "coproduction"])
def test_rejecters_and_dissatisfied_buyers_complain_under_every_regime(ewom):
    m = build(*DOCKED, "network.kind=erdos_renyi", "network.n=500", "funnel.reject_threshold=-0.3",
              f"ewom.model={ewom}", "ewom.follower_share=0", "consumers.leader_share=0")
    c = m.consumers
    c.stage[0, :10] = Stage.REJECTER
    c.attitude[0, :10] = -1.0
    c.stage[0, 10:20], c.owner[0, 10:20] = Stage.ADOPTER, True
    c.attitude[0, 10:20], c.disappointment[0, 10:20] = 0.3, -0.7  # bought, let down
    senders, prob = talkers(m.regime, c, 0, m.settings.ewom, 1, np.empty(0, np.int64), 0.0)
    assert set(range(20)) <= set(senders.tolist()) and (prob > 0).all()
    said = say(m.regime, c, 0, np.arange(20), m.settings.ewom, m.links, stream(m.rng))
    assert (said.valence[:10] == -1).all() and np.allclose(said.valence[10:], -0.7)
    m.step()  # their friends hear negative word of mouth
    assert m.final()["Brand"]["negative_share"] == 1.0


def test_talk_fades_with_time_since_the_news_and_advocates_last_longer():
    m = build("ewom.talk_halflife=4", "ewom.advocate_persistence=3", "network.n=300")
    cfg = m.config.ewom
    ages, advocates = [0, 4, 8, 8], [False, False, False, True]  # news 0, 4, 8 and 8 steps old
    fresh = [novelty(a, adv, params(cfg)) for a, adv in zip(ages, advocates, strict=True)]
    assert fresh == pytest.approx([1.0, 0.5, 0.25, 2 ** (-8 / 12)])
    m = build("ewom.talk_halflife=0", "network.n=300")
    fresh = [novelty(a, adv, m.settings.ewom) for a, adv in zip(ages, advocates, strict=True)]
    assert fresh == pytest.approx([1, 1, 1, 1])


@pytest.mark.parametrize("halflife", [1e-50, 1e-300])
def test_a_vanishing_talk_halflife_is_the_shortest_talk_not_no_decay(halflife):
    """Half-lives below the smallest float32 (about 1e-45) once underflowed to 0, which read
    as "talk never fades". A vanishing half-life is the opposite limit: consumers talk the step
    after their news and never again."""
    m = build(f"ewom.talk_halflife={halflife}", "network.n=300")
    ew = m.settings.ewom
    assert [novelty(age, False, ew) for age in (0, 1, 5)] == [1.0, 0.0, 0.0]
    assert [novelty(age, True, ew) for age in (0, 1)] == [1.0, 0.0]  # advocates too
    talk = {}
    for life in (halflife, 0.0):  # an organic launch: messages in its last ten steps
        df = build("network.kind=watts_strogatz", "network.n=2000", "ewom.p_external=0",
                   "brands.0.budget=0", "brands.0.seeds=20", "brands.0.price=0",
                   "funnel.p_interest=1", "funnel.p_adopt=1", "ewom.p_share=0.1",
                   f"ewom.talk_halflife={life}", "consumers.agents_max=0", steps=40).run()
        talk[life] = df["messages"].iloc[-10:].sum()
    assert talk[halflife] == 0 < talk[0.0]


def test_word_of_mouth_dies_out_and_reach_plateaus_when_talk_fades():
    """With fading talk an organic launch stalls below full reach; without it, it saturates."""
    final = {}
    for halflife in (0, 2):
        m = build("network.kind=watts_strogatz", "network.n=2000", "ewom.p_external=0",
                  "brands.0.budget=0", "brands.0.seeds=20", "brands.0.price=0",
                  "funnel.p_interest=1", "funnel.p_adopt=1", "ewom.p_share=0.1",
                  "status.desire_top=1", f"ewom.talk_halflife={halflife}",
                  "consumers.agents_max=0", steps=80)
        df = m.run()
        final[halflife] = (df["reach"].iloc[-1], df["messages"].iloc[-10:].mean())
    assert final[0][0] > 0.95
    assert final[2][0] < 0.9 and final[2][1] < 0.1 * final[0][1]


def test_content_boosts_the_talk_of_the_consumers_it_reached_only():
    m = build("network.n=300", "ewom.p_share=0.1", "consumers.trait_spread=0",
              "ewom.talk_halflife=0")
    c = m.consumers
    c.owner[0, :10], c.stage[0, :10] = True, Stage.ADOPTER
    boosted = np.array([0, 1, 2])
    senders, prob = talkers(m.regime, c, 0, m.settings.ewom, 1, boosted, 0.5)
    assert senders.tolist() == list(range(10))
    assert prob[:3] == pytest.approx(0.1 * 0.5 * 1.5) and prob[3:] == pytest.approx(0.05)


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
        slot, dst = transmit(g.links, senders, prob, stream(rng))
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
    c.stage[0, :50000], c.owner[0, :50000] = Stage.ADOPTER, True  # F = 0.25
    msgs, _ = spread(m.regime, c, 0, Messages.empty(), m.settings.ewom, m.links, m.mean_degree,
                     1, np.empty(0, np.int64), 0.0, stream(m.rng))
    heard = np.unique(msgs.dst)
    assert heard.size == msgs.size  # one message at most per consumer and step
    share = np.isin(heard, np.arange(50000, 200000)).sum() / 150000
    h = 0.03 + 0.38 * 0.25
    assert abs(share - h) < 5 * np.sqrt(h * (1 - h) / 150000)


def test_messages_concat_keeps_fields_aligned():
    a = Messages.make(np.array([1, 2]), 1.0, 0.5, Source.POST, hops=3, sponsored=True)
    b = Messages.make(np.array([7]), -1.0, 1.0, Source.PEER, hops=0, sponsored=False)
    m = Messages.concat([a, Messages.empty(), b])
    assert m.dst.tolist() == [1, 2, 7]
    assert m.content.valence.tolist() == [1.0, 1.0, -1.0]
    assert m.content.hops.tolist() == [3, 3, 0]
    assert m.content.sponsored.tolist() == [True, True, False]
    assert (m.source == Source.PEER).tolist() == [False, False, True]
    assert m.content.trust.tolist() == [0.5, 0.5, 1.0]


@pytest.mark.parametrize("ewom", ["organic", "linear", "coproduction"])
def test_every_model_spreads_on_a_graph(ewom):
    m = build("network.kind=barabasi_albert", "network.n=2000", f"ewom.model={ewom}",
              "brands.0.strategy=influencer", "ewom.follower_share=0.2", steps=15)
    df = m.run()
    assert df["reach"].iloc[-1] > 0.05
    assert (df["reach"] >= df["penetration"]).all()


def test_transmit_on_few_edges_draws_each_edge_once():
    """Few edges: one uniform per edge (no skipping), hits at each sender's own probability."""
    g = from_edges(*np.array([(i, (i + j) % 400) for i in range(400) for j in (1, 2, 3)]).T, 400)
    rng = np.random.default_rng(2)
    senders = np.arange(400)
    prob = np.where(senders < 200, 0.2, 0.02).astype(np.float32)
    hits = np.zeros(400)
    for _ in range(200):
        slot, dst = transmit(g.links, senders, prob, stream(rng))
        for s, d in zip(senders[slot[:20]], dst[:20], strict=True):
            assert d in g.indices[g.indptr[s]: g.indptr[s + 1]]
        hits += np.bincount(slot, minlength=400)
    for part, p in ((slice(0, 200), 0.2), (slice(200, 400), 0.02)):
        n = 200 * 6 * 200  # trials: senders x degree x repeats
        assert abs(hits[part].sum() - n * p) < 5 * np.sqrt(n * p * (1 - p))


def test_transmit_with_vanishing_probabilities_neither_hangs_nor_misdirects():
    """Per-edge probabilities far below 1e-6 (possible with very spread traits) are drawn
    directly instead of by geometric skipping, whose gaps would overflow."""
    g = from_edges(*np.array([(i, (i + j) % 100) for i in range(100) for j in (1, 2, 3)]).T, 100)
    rng = np.random.default_rng(1)
    slot, dst = transmit(g.links, np.array([0, 1]), np.array([0.01, 1e-25], np.float32),
                         stream(rng))
    assert (slot == 0).all() and np.isin(dst, g.indices[g.indptr[0]: g.indptr[1]]).all()
    slot, dst = transmit(g.links, np.arange(100), np.full(100, 1e-30, np.float32), stream(rng))
    assert slot.size == 0 and dst.size == 0


def test_complaints_from_consumers_who_never_owned_it_are_hearsay():
    """Told less often and weighing less: second-hand experience persuades less."""
    m = build("network.kind=erdos_renyi", "network.n=500", "consumers.trait_spread=0",
              "ewom.hearsay=0.4", "ewom.talk_halflife=0", "ewom.model=organic")
    c = m.consumers
    c.stage[0, :4] = Stage.REJECTER
    c.attitude[0, :4] = -0.8
    c.owner[0, :2] = True  # 0 and 1 bought it and turned against it; 2 and 3 only heard
    senders, prob = talkers(m.regime, c, 0, m.settings.ewom, 1, np.empty(0, np.int64), 0.0)
    assert senders.tolist() == [0, 1, 2, 3]
    assert prob[2:] == pytest.approx(0.4 * prob[:2])
    said = say(m.regime, c, 0, senders, m.settings.ewom, m.links, stream(m.rng))
    assert said.trust.tolist() == pytest.approx([1.0, 1.0, 0.4, 0.4])


def test_advocates_share_advocate_boost_times_as_often():
    m = build("network.n=300", "ewom.p_share=0.1", "consumers.trait_spread=0",
              "ewom.talk_halflife=0", "ewom.advocate_boost=3")
    c = m.consumers
    c.owner[0, :4], c.stage[0, :4] = True, Stage.ADOPTER
    c.advocate[0, :2] = True
    senders, prob = talkers(m.regime, c, 0, m.settings.ewom, 1, np.empty(0, np.int64), 0.0)
    assert senders.tolist() == [0, 1, 2, 3]
    assert prob[:2] == pytest.approx(3 * prob[2:])


def always_zero() -> np.random.Generator:
    """A generator whose every uniform draw is 0 (an all-zero Mersenne Twister state stays
    zero): every Bernoulli trial succeeds, whatever its probability, in compiled code too."""
    bits = np.random.MT19937(0)
    state = bits.state
    state["state"]["key"][:] = 0
    state["state"]["pos"] = 0
    bits.state = state
    return np.random.Generator(bits)


def test_transmit_keeps_every_hit_when_the_draws_give_far_more_than_expected():
    """The hits buffer is sized for the expected hits plus a margin; draws that hit every edge
    of a hub (1000 edges at probability 0.5: about 650 slots) must grow it, not drop or
    overwrite hits."""
    g = from_edges(np.zeros(1000, np.int64), np.arange(1, 1001), 1001)
    rng = always_zero()  # kept alive while compiled code draws from it
    slot, dst = transmit(g.links, np.array([1, 0]), np.array([0.5, 0.5], np.float32),
                         stream(rng))
    assert slot.tolist() == [0] + [1] * 1000
    assert dst.tolist() == list(range(1001))
