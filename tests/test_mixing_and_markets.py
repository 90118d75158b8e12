"""The places an independent set of mutants found unguarded (issue 16), each checked under global
mixing as well as on a graph: what consumers see of a brand (recognition, owners by segment)
and the valence word of mouth carries; launch seeds seen by their friends as owners; several
brands at different prices; negative sponsored content under pushback; coproduction's noise."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.desire import desire_of, population_view, status_value
from ewom_abm.model.ewom import pushback, say, spread
from ewom_abm.model.funnel import Access, receive
from ewom_abm.model.jit import stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.reference import DOCKED
from ewom_abm.model.state import Stage
from ewom_testing import build

GRAPHS = ["global", "erdos_renyi"]
# status matters to everyone, and each of its terms differs from the others
STATUS = ("consumers.status_sensitivity_core=1", "consumers.status_sensitivity_aspirational=1",
          "status.recognition=0.6", "status.snob=0.9", "status.in_group_core=0.3",
          "status.aspiration=0.7", "brands.0.status_weight=1", "brands.0.prestige=0.2",
          "status.desire_top=2")


def no_draw() -> np.ndarray:
    return np.empty(0, np.int64)


def seen_by_hand(m, b: int, i: int) -> tuple[float, float, float]:
    """What consumer i sees of brand b, counted from the state itself: the shares of their
    friends (everyone under global mixing) who know it, own it in the core, own it outside."""
    c = m.consumers
    if m.graph is None:
        others = np.arange(m.n)
        deg = m.n
    else:
        others = m.graph.indices[m.graph.indptr[i]: m.graph.indptr[i + 1]]
        deg = max(others.size, 1)
    aware = np.count_nonzero(c.stage[b, others] != Stage.UNAWARE)
    owner = c.owner[b, others]
    return (aware / deg, np.count_nonzero(owner & c.core[others]) / deg,
            np.count_nonzero(owner & ~c.core[others]) / deg)


def check_desire(m, b: int = 0) -> int:
    """Every aware consumer's desire is the one their view of the brand makes (status from
    what they see now, liking from their attitude); the unaware desire nothing. Returns the
    number of aware consumers checked."""
    c, st, brand = m.consumers, m.settings.status, m.brands[b].params
    aware = np.flatnonzero(c.stage[b] != Stage.UNAWARE)
    assert (c.desire[b, c.stage[b] == Stage.UNAWARE] == 0).all()
    for i in aware:
        status, undiluted = status_value(seen_by_hand(m, b, i), bool(c.core[i]), st, brand)
        liking = max(float(c.attitude[b, i]), 0.0)
        sens = float(c.status_sensitivity[i])
        assert c.desire[b, i] == pytest.approx(desire_of(liking, sens, status, st, brand),
                                               abs=1e-5), i
        assert c.undiluted[b, i] == pytest.approx(
            desire_of(liking, sens, undiluted, st, brand), abs=1e-5), i
    return aware.size


# --------------------------------------------------------------------------- what they see

def test_global_mixing_counts_recognition_and_owners_by_segment_over_everyone():
    m = build(*STATUS, "network.kind=global", "network.n=40", "brands.0.seeds=0",
              "consumers.core_share=0.5")
    c = m.consumers
    core, other = np.flatnonzero(c.core), np.flatnonzero(~c.core)
    assert core.size and other.size
    c.stage[0, :] = Stage.UNAWARE
    c.owner[0, :] = False
    c.stage[0, core[:3]] = Stage.ADOPTER
    c.owner[0, core[:3]] = True
    c.stage[0, other[:5]] = Stage.ADOPTER
    c.owner[0, other[:5]] = True
    c.stage[0, other[5:7]] = Stage.REJECTER  # aware, own nothing
    c.stage[0, core[3:4]] = Stage.INTERESTED
    assert population_view(c, 0) == pytest.approx((11 / 40, 3 / 40, 5 / 40))


@pytest.mark.parametrize("kind", GRAPHS)
def test_desire_follows_what_each_consumer_sees_from_launch_on(kind):
    """After the launch and after every step, each aware consumer's desire is what their view
    makes of the brand: the launch seeds are owners in their friends' eyes (in the core or
    not), and under global mixing everyone's view is the whole population's."""
    m = build(*STATUS, f"network.kind={kind}", "network.n=300", "network.mean_degree=6",
              "brands.0.seeds=12", "brands.0.seeding=random", "brands.0.price=0",
              "consumers.core_share=0.3",
              "funnel.p_interest=0.5", "funnel.p_adopt=0.5", "ewom.p_share=0.2",
              "ewom.p_external=0.01", "consumers.agents_max=0", seed=5)
    c = m.consumers
    assert np.count_nonzero(c.owner[0]) == 12 and (c.owner[0] & c.core).any() \
        and (c.owner[0] & ~c.core).any()
    assert check_desire(m) >= 12
    if m.graph is not None:  # the seeds' friends count them as owners, by segment
        g = m.graph
        for j in range(m.n):
            friends = g.indices[g.indptr[j]: g.indptr[j + 1]]
            owners = c.owner[0, friends]
            assert c.friends_owner_core[0, j] == np.count_nonzero(owners & c.core[friends])
            assert c.friends_owner_other[0, j] == np.count_nonzero(owners & ~c.core[friends])
            assert c.friends_aware[0, j] == np.count_nonzero(c.stage[0, friends]
                                                             != Stage.UNAWARE)
    for _ in range(4):
        m.step()
    assert np.count_nonzero(c.owner[0]) > 12  # the market moved
    check_desire(m)


@pytest.mark.parametrize("kind", ["global", "complete"])
def test_launch_seeds_are_owners_their_friends_see(kind):
    """A consumer whose friends (everyone, under global mixing) include launch seeds perceives
    them as owners: with a snob effect only, a core consumer's status, and so desire, falls by
    the seeds' share; with no seeds around they desire at the undiluted level."""
    snob = ("consumers.status_sensitivity_core=1", "status.snob=1", "status.recognition=0",
            "status.in_group_core=1", "brands.0.status_weight=1", "brands.0.prestige=1",
            "status.desire_top=2", "consumers.core_share=1")
    for seeds in (0, 20):
        m = build(*snob, f"network.kind={kind}", "network.n=100", f"brands.0.seeds={seeds}",
                  "brands.0.seeding=random", seed=3)
        c = m.consumers
        assert np.count_nonzero(c.owner[0]) == seeds
        watcher = int(np.flatnonzero(~c.owner[0])[0])
        c.stage[0, watcher], c.attitude[0, watcher] = Stage.AWARE, 1.0
        m.dreams[0].refresh(np.array([watcher]))
        share = seeds / (100 if kind == "global" else 99)  # the complete graph: all but self
        assert seen_by_hand(m, 0, watcher)[1] == pytest.approx(share)
        # prestige 1 - snob x owners' share, for a fan, on a scale whose top is 2
        assert c.desire[0, watcher] == pytest.approx((1 + 1 - share) / 2)
        assert c.undiluted[0, watcher] == pytest.approx(1.0)


# --------------------------------------------------------------------------- what is said

@pytest.mark.parametrize("kind", GRAPHS)
def test_word_of_mouth_carries_each_talkers_own_valence(kind):
    """Organic talk under global mixing and on a graph: each message says what its talker
    thinks, a satisfied owner's attitude or a rejecter's complaint; so the negative share of
    the talk is the talkers' (here half are rejecters)."""
    m = build(*DOCKED, f"network.kind={kind}", "network.n=4000", "network.mean_degree=10",
              "ewom.model=organic", "ewom.p_share=0.5", "brands.0.seeds=0", seed=7)
    c = m.consumers
    c.stage[0, :200], c.owner[0, :200], c.attitude[0, :200] = Stage.ADOPTER, True, 0.6
    c.stage[0, 200:400], c.attitude[0, 200:400] = Stage.REJECTER, -0.8
    msgs, talked = spread(m.regime, c, 0, Messages.empty(), m.settings.ewom, m.links,
                          m.mean_degree, 1, no_draw(), 0.0, stream(m.rng))
    assert talked == 400 and msgs.size > 500
    valence = msgs.content.valence
    assert set(np.unique(valence).astype(np.float64).round(4).tolist()) == {-0.8, 0.6}
    assert (msgs.source == Source.PEER).all() and not msgs.content.sponsored.any()
    # owners talk at weight 1, rejecters who never owned it at hearsay: the negative share
    h = m.settings.ewom.hearsay
    share = (valence < 0).mean()
    expected = h / (1 + h)
    assert abs(share - expected) < 5 * np.sqrt(expected * (1 - expected) / msgs.size)
    assert np.allclose(msgs.content.trust[valence < 0], h)


@pytest.mark.parametrize("kind", GRAPHS)
def test_coproduction_retells_the_held_message_with_noise(kind):
    """Under coproduction (no drift) every retelling is the held message's valence plus
    ``noise`` x N(0, 1), one draw per teller, on a graph as under global mixing."""
    n, noise = 5000, 0.2
    m = build(*DOCKED, f"network.kind={kind}", f"network.n={n}", "ewom.model=coproduction",
              "ewom.drift=0", f"ewom.noise={noise}", "ewom.pushback=0", "brands.0.seeds=0",
              seed=11)
    c = m.consumers
    c.stage[0, :] = Stage.AWARE
    c.held.valence[0, :], c.held.trust[0, :], c.held.fidelity[0, :] = 0.3, 1.0, 1.0
    c.held.hops[0, :] = 0
    said = say(m.regime, c, 0, np.arange(n), m.settings.ewom, m.links, stream(m.rng))
    v = said.valence.astype(np.float64)
    assert abs(v.mean() - 0.3) < 5 * noise / np.sqrt(n)
    assert abs(v.std() - noise) < 5 * noise / np.sqrt(2 * n)
    assert np.unique(v).size > 0.99 * n  # a draw per teller, not one for all
    assert (said.hops == 1).all() and np.allclose(said.fidelity, m.settings.ewom.fidelity_decay)


# --------------------------------------------------------------------------- pushback

def test_pushback_turns_sponsored_content_negative_and_keeps_negative_content_negative():
    """Pushback makes a sponsored message negative whatever it said: a positive post turns
    against the brand, and a negative one (a scandal's post) stays as negative as it was."""
    m = build("ewom.model=coproduction", "ewom.pushback=1", "ewom.pushback_hops=1",
              "network.n=200")
    valence = np.array([0.7, -0.4, -1.0, 0.0], np.float32)
    msgs = Messages.make(np.arange(4), valence, 0.6, Source.POST, hops=0, sponsored=True)
    pushback(m.regime, msgs, m.settings.ewom, stream(m.rng))
    assert msgs.content.valence.tolist() == pytest.approx([-0.7, -0.4, -1.0, 0.0])


@pytest.mark.parametrize("kind", GRAPHS)
def test_pushback_meets_retold_sponsored_content_under_mixing_and_on_graphs(kind):
    """Coproduction's talk about a paid post (held sponsored, one hop on) meets the community's
    pushback, under global mixing as on a graph; unsponsored talk does not. Held valences of
    either sign come out negative."""
    m = build(*DOCKED, f"network.kind={kind}", "network.n=3000", "network.mean_degree=10",
              "ewom.model=coproduction", "ewom.drift=0", "ewom.noise=0", "ewom.pushback=1",
              "ewom.pushback_hops=1", "ewom.p_share=0.5", "brands.0.seeds=0", seed=13)
    c = m.consumers
    c.stage[0, :300] = Stage.AWARE
    c.held.trust[0, :300], c.held.fidelity[0, :300], c.held.hops[0, :300] = 0.6, 1.0, 0
    c.held.valence[0, :100] = 0.8
    c.held.valence[0, 100:200] = -0.5
    c.held.sponsored[0, :200] = True
    c.held.valence[0, 200:300], c.held.sponsored[0, 200:300] = 0.9, False
    msgs, _ = spread(m.regime, c, 0, Messages.empty(), m.settings.ewom, m.links,
                     m.mean_degree, 1, no_draw(), 0.0, stream(m.rng))
    v = msgs.content.valence
    sponsored = msgs.content.sponsored
    assert sponsored.sum() > 100 and (~sponsored).sum() > 50
    assert set(np.unique(v[sponsored]).astype(np.float64).round(4).tolist()) == {-0.8, -0.5}
    assert np.allclose(v[~sponsored], 0.9)


# --------------------------------------------------------------------------- several brands

@pytest.mark.parametrize("kind", GRAPHS)
def test_each_brand_books_its_sales_at_its_own_price(kind):
    """Two brands at different prices: each one's revenue is its buyers times its own price,
    and consumers whose reservation price lies between the two buy only the cheaper one."""
    m = build(*DOCKED, f"network.kind={kind}", "network.n=600", "network.mean_degree=8",
              "ewom.p_external=0.2", "brands.0.price=2", "brands.0.seeds=0",
              "brands.1.name=Dear", "brands.1.budget=0", "brands.1.price=5",
              "brands.1.quality=1", "brands.1.quality_spread=0", "brands.1.seeds=0",
              "consumers.reservation_price_core=3.5",
              "consumers.reservation_price_aspirational=3.5", "consumers.agents_max=0",
              steps=6, seed=17)
    c = m.consumers
    c.reservation_price[:300] = 3.5  # between the prices
    c.reservation_price[300:] = 10.0  # can afford either
    df = m.run()
    last = df[df["step"] == df["step"].max()].set_index("brand")
    for b, name, price in ((0, "Brand", 2.0), (1, "Dear", 5.0)):
        buyers = np.count_nonzero(c.owner[b] & (c.bought[b] >= 1))
        assert buyers > 50, name
        euros = 1000.0 * m.config.market.scale  # a price is in kEUR; each buyer stands for scale
        assert last.loc[name, "revenue"] == pytest.approx(buyers * price * euros)
        assert m.brands[b].revenue == pytest.approx(buyers * price * euros)
    assert not c.owner[1, :300].any() and c.owner[0, :300].any()


@pytest.mark.parametrize("kind", GRAPHS)
def test_conversions_read_the_status_each_receiver_sees(kind):
    """Desire scales conversion by the status a receiver perceives at the start of the step
    (recognition 1, prestige 0, top 2: a fan's desire is (1 + share aware around them) / 2):
    with everyone aware, the interested buy at p_adopt; with only the receivers aware, at
    p_adopt x (1 + r) / 2, r their share of the population under global mixing, 0 on a graph
    whose friends' counts say nobody around them knows it."""
    n, p_adopt = 20_000, 0.5
    for receivers, aware in ((np.arange(n), n), (np.arange(2000), 2000)):
        m = build(*DOCKED, f"network.kind={kind}", f"network.n={n}", "network.mean_degree=4",
                  "consumers.status_sensitivity_core=1",
                  "consumers.status_sensitivity_aspirational=1", "status.recognition=1",
                  "status.snob=0", "status.aspiration=0", "brands.0.prestige=0",
                  "status.desire_top=2", f"funnel.p_adopt={p_adopt}", "brands.0.seeds=0",
                  seed=19)
        c = m.consumers
        c.stage[0, receivers], c.attitude[0, receivers] = Stage.INTERESTED, 1.0
        if m.graph is not None:
            c.friends_aware[0] = m.graph.degree if aware == n else 0
        r = aware / n if m.graph is None or aware == n else 0.0
        msgs = Messages.make(receivers, 1.0, 1.0, Source.PEER, sponsored=False)
        got = receive(c, 0, msgs, 1, m.regime, m.settings.funnel, m.settings.status,
                      m.brands[0].params, Access(), m.links, stream(m.rng))
        expected = p_adopt * (1 + r) / 2
        k = receivers.size
        assert abs(got.bought.size / k - expected) < 5 * np.sqrt(expected * (1 - expected) / k)


@pytest.mark.parametrize("kind", GRAPHS)
def test_launch_seeds_are_satisfied_owners_holding_the_brands_own_words(kind):
    """Launch seeds: adopters at step 0 with a full attitude, holding the brand's message (its
    own words, sponsored), and counted by the KPIs by segment."""
    m = build(*STATUS, f"network.kind={kind}", "network.n=400", "brands.0.seeds=30",
              "brands.0.seeding=random", "consumers.core_share=0.3", seed=23)
    c = m.consumers
    seeds = np.flatnonzero(c.owner[0])
    assert seeds.size == 30
    assert (c.stage[0, seeds] == Stage.ADOPTER).all() and (c.bought[0, seeds] == 0).all()
    assert np.allclose(c.attitude[0, seeds], 1.0) and np.allclose(c.held.valence[0, seeds], 1.0)
    assert c.held.sponsored[0, seeds].all() and (c.held.hops[0, seeds] == 0).all()
    kpi = m.final()["Brand"]
    core = c.core[seeds]
    assert kpi["penetration_core"] == pytest.approx(core.sum() / c.core.sum())
    assert kpi["penetration_outside_core"] == pytest.approx((~core).sum() / (~c.core).sum())
    assert kpi["penetration"] == pytest.approx(30 / 400)
