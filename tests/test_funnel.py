"""What messages do to receivers: attention, attitude, held message, funnel stages, purchase,
experience, advocates and rejecters."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from ewom_abm.model.arrays import group_by_receiver
from ewom_abm.model.ewom import REGIMES
from ewom_abm.model.funnel import Access, attend, experience, limited_drop, receive
from ewom_abm.model.jit import generator, stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.params import params
from ewom_abm.model.reference import DOCKED
from ewom_abm.model.scenario import BrandConfig, FunnelConfig
from ewom_abm.model.state import Stage
from ewom_testing import build

N = 40000


def population(*extra: str, kind: str = "global"):
    """A large docked population (one message: attitude 1, desire 1) with settings on top."""
    return build(*DOCKED, f"network.kind={kind}", f"network.n={N}", "network.mean_degree=10",
                 "consumers.agents_max=0", "brands.1.name=Rival", "brands.1.budget=0", *extra)


def rate(hits: np.ndarray, p: float) -> tuple[float, float]:
    """Observed share and 5 binomial standard errors around the expected p."""
    return hits.mean(), 5 * np.sqrt(p * (1 - p) / hits.size)


def run_receive(m, msgs, *, rival=None, access=None, price=0.0, quality=(1.0, 0.0), step=1):
    """One brand's messages through the funnel, with the model's own settings otherwise:
    ``rival`` marks the consumers who own another brand (one more brand in the model)."""
    if rival is not None:
        m.consumers.owner[1, rival] = True
    brand = params(m.config.brands[0])._replace(price=price, quality=quality[0],
                                                quality_spread=quality[1])
    return receive(m.consumers, 0, msgs, step, m.regime, m.settings.funnel, m.settings.status,
                   brand, access or Access(), m.links, stream(m.rng))


def peer(dst, valence=1.0, trust=1.0, **kw) -> Messages:
    return Messages.make(np.asarray(dst), valence, trust, Source.PEER, **kw)


def test_an_exposure_moves_unaware_to_aware_and_docked_funnel_adopts_at_once():
    m = population()
    got = run_receive(m, peer(np.arange(100)))
    stage = m.consumers.stage[0]
    assert got.bought.size == 100 and (stage[:100] == Stage.ADOPTER).all()
    assert m.consumers.owner[0, :100].all() and not m.consumers.owner[0, 100:].any()
    assert (stage[100:] == Stage.UNAWARE).all()
    assert (m.consumers.exposures[0, :100] == 1).all()
    assert np.array_equal(got.became_aware, np.arange(100))


def test_conversion_rates_follow_p_interest_and_p_adopt():
    m = population("funnel.p_interest=0.4", "funnel.p_adopt=0.5")
    run_receive(m, peer(np.arange(N)))
    stage = m.consumers.stage[0]
    share, tol = rate(stage >= Stage.INTERESTED, 0.4)
    assert abs(share - 0.4) < tol
    share, tol = rate(stage == Stage.ADOPTER, 0.2)  # interested then adopted in the same step
    assert abs(share - 0.2) < tol


def test_each_message_is_an_independent_chance():
    """Simple contagion (organic): three friends' messages in one step give three chances."""
    m = population("funnel.p_interest=0.2", "funnel.p_adopt=0")
    half = N // 2
    dst = np.concatenate([np.arange(half), np.repeat(np.arange(half, N), 3)])
    run_receive(m, peer(dst))
    interested = m.consumers.stage[0] == Stage.INTERESTED
    share, tol = rate(interested[:half], 0.2)
    assert abs(share - 0.2) < tol
    three = 1 - 0.8**3
    share, tol = rate(interested[half:], three)
    assert abs(share - three) < tol


def test_reinforcement_by_friends_who_adopted_under_coproduction_only():
    """Complex contagion (Centola & Macy 2007): each friend who adopted, beyond the first,
    adds ``reinforcement`` to every message's chance; it accumulates across steps because the
    count of adopting friends does. Organic keeps simple contagion."""
    for ewom, expected in (("coproduction", 0.4), ("organic", 0.2)):
        m = population("funnel.p_interest=0.2", "funnel.p_adopt=0", f"ewom.model={ewom}",
                       "funnel.reinforcement=0.5", kind="erdos_renyi")
        half = N // 2
        m.consumers.friends_owner_other[0, half:] = 3  # three friends own it already
        run_receive(m, peer(np.arange(N)))
        interested = m.consumers.stage[0] == Stage.INTERESTED
        share, tol = rate(interested[:half], 0.2)
        assert abs(share - 0.2) < tol
        share, tol = rate(interested[half:], expected)
        assert abs(share - expected) < tol, ewom


def test_having_adopted_a_rival_lowers_adoption():
    m = population("funnel.p_adopt=0.5", "funnel.competition=0.5")
    rival = np.arange(N) % 2 == 1
    run_receive(m, peer(np.arange(N)), rival=rival)
    adopted = m.consumers.owner[0]
    share, tol = rate(adopted[~rival], 0.5)
    assert abs(share - 0.5) < tol
    share, tol = rate(adopted[rival], 0.25)
    assert abs(share - 0.25) < tol


def test_status_as_perceived_scales_desire_and_conversions():
    """Conversion is driven by desire: liking scaled by the status a consumer perceives, as much
    as their status sensitivity makes it matter (a brand of prestige -1, nobody aware yet:
    status -1, so sensitivity 0.6 scales desire by 0.4)."""
    m = population("funnel.p_interest=0.5", "brands.0.prestige=-1")
    m.consumers.status_sensitivity[N // 2:] = 0.6
    run_receive(m, peer(np.arange(N)))
    interested = m.consumers.stage[0] >= Stage.INTERESTED
    share, tol = rate(interested[N // 2:], 0.2)
    assert abs(share - 0.2) < tol
    share, tol = rate(interested[: N // 2], 0.5)
    assert abs(share - 0.5) < tol


def test_only_consumers_who_can_afford_it_buy():
    m = population()
    price = m.consumers.reservation_price
    price[:] = np.where(np.arange(N) % 4 == 0, 2.0, 0.5)
    run_receive(m, peer(np.arange(N)), price=1.0)
    assert np.array_equal(m.consumers.owner[0], price >= 1.0)
    # those who cannot pay are interested, not buyers
    assert (m.consumers.stage[0][price < 1.0] == Stage.INTERESTED).all()


def test_distribution_limits_buyers_outside_the_core_and_the_cap_limits_everyone():
    m = population("consumers.core_share=0.5")
    run_receive(m, peer(np.arange(N)), access=Access(distribution=0.3))
    owner, core = m.consumers.owner[0], m.consumers.core
    assert owner[core].all()
    share, tol = rate(owner[~core], 0.3)
    assert abs(share - 0.3) < tol
    m = population("consumers.core_share=0.5")
    got = run_receive(m, peer(np.arange(N)), access=Access(cap=25))
    assert got.bought.size == 25 and m.consumers.owner[0].sum() == 25


def test_negative_messages_make_rejecters_who_never_adopt():
    m = population("funnel.reject_threshold=-0.3")
    run_receive(m, peer(np.arange(100), -1.0))
    assert (m.consumers.stage[0, :100] == Stage.REJECTER).all()
    assert np.allclose(m.consumers.attitude[0, :100], -1.0)
    run_receive(m, peer(np.arange(100), 1.0, 0.1))  # a weak positive message
    assert (m.consumers.stage[0, :100] == Stage.REJECTER).all()
    assert not m.consumers.owner[0, :100].any()


def test_negative_messages_weigh_more_than_positive_ones():
    """Negativity bias: a negative message moves attitude ``negativity_bias`` times as hard."""
    moved = {}
    for bias in (1.0, 2.0):
        m = population("consumers.susceptibility=0.5", f"funnel.negativity_bias={bias}",
                       "funnel.reject_threshold=-1")
        run_receive(m, peer(np.arange(2), np.array([-1.0, 1.0]), 0.4))
        moved[bias] = m.consumers.attitude[0, :2].copy()
    assert moved[1.0] == pytest.approx([-0.2, 0.2])
    assert moved[2.0] == pytest.approx([-0.4, 0.2])  # 0.5 x (0.4 x 2) x -1; positive as before


def test_one_scandal_post_makes_an_average_consumer_a_rejecter_with_defaults():
    m = build("network.kind=global", "network.n=1000", "consumers.trait_spread=0")
    cfg = m.config.brands[0]
    run_receive(m, Messages.make(np.arange(10), -1.0, cfg.influencer_trust, Source.POST))
    assert (m.consumers.stage[0, :10] == Stage.REJECTER).all()


def test_attitude_moves_toward_the_weighted_mean_valence():
    m = population("consumers.susceptibility=0.5", "funnel.p_interest=0")
    msgs = peer(np.array([0, 0, 1]), np.array([1.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.5]))
    run_receive(m, msgs)
    vbar = (1.0 * 1.0 + 0.5 * 0.5) / 1.5
    assert m.consumers.attitude[0, 0] == pytest.approx(0.5 * 0.75 * vbar)
    assert m.consumers.attitude[0, 1] == pytest.approx(0.5 * 0.5 * 1.0)


def test_the_heaviest_message_becomes_the_one_held():
    m = population("consumers.susceptibility=0.5")
    msgs = Messages.concat([
        Messages.make(np.array([0]), 1.0, 0.6, Source.POST, hops=0, sponsored=True),
        peer(np.array([0]), 0.5, 1.0, fidelity=0.8, hops=2, sponsored=False),  # weight 0.8
    ])
    run_receive(m, msgs)
    cons = m.consumers
    held = cons.held
    assert held.valence[0, 0] == pytest.approx(0.5) and held.hops[0, 0] == 2
    assert held.trust[0, 0] == pytest.approx(1.0) and held.fidelity[0, 0] == pytest.approx(0.8)
    assert not cons.held.sponsored[0, 0]  # provenance of the message, not a lifetime flag
    run_receive(m, Messages.make(np.array([0]), 1.0, 1.0, Source.POST, sponsored=True))
    assert cons.held.sponsored[0, 0] and cons.held.hops[0, 0] == 0
    run_receive(m, peer(np.array([0]), 0.5, 1.0, hops=3, sponsored=False))
    assert not held.sponsored[0, 0] and held.hops[0, 0] == 3  # the new view, not a lifetime flag


def test_the_message_held_agrees_with_the_view_it_left():
    """A consumer left positive holds the positive message, even when a negative one was more
    credible (the complaint moved them, but their view is still the brand's message)."""
    m = population("consumers.susceptibility=0.5", "funnel.p_interest=0",
                   "funnel.negativity_bias=1", "funnel.reject_threshold=-1")
    m.consumers.attitude[0, 0] = 0.9
    msgs = Messages.concat([peer(np.array([0]), -0.5, 1.0, hops=0, sponsored=False),
                            Messages.make(np.array([0]), 1.0, 0.6, Source.POST, hops=0)])
    run_receive(m, msgs)
    cons = m.consumers
    assert cons.attitude[0, 0] > 0 and cons.held.valence[0, 0] == pytest.approx(1.0)
    assert cons.held.trust[0, 0] == pytest.approx(0.6) and cons.held.sponsored[0, 0]


def test_invitations_persuade_by_exclusive_persuasion():
    """An invitation counts ``exclusive_persuasion`` times a friend's word (desire per exposure)."""
    for persuasion in (1.0, 2.0):
        m = population("funnel.p_interest=0.2", "funnel.p_adopt=0", "consumers.susceptibility=1")
        run_receive(m, Messages.make(np.arange(N), 1.0, persuasion, Source.INVITATION))
        expected = 0.2 * persuasion
        share, tol = rate(m.consumers.stage[0] == Stage.INTERESTED, expected)
        assert abs(share - expected) < tol


def test_satisfied_enthusiastic_buyers_and_event_guests_become_advocates():
    m = population("funnel.advocate_threshold=0.8")
    run_receive(m, peer(np.arange(10)))  # attitude 1, perfect product: advocates
    assert m.consumers.advocate[0, :10].all()
    m = population("funnel.advocate_threshold=0.8", "consumers.susceptibility=0")
    cons = m.consumers
    cons.owner[0, :20], cons.stage[0, :20], cons.attitude[0, :20] = True, Stage.ADOPTER, 0.5
    run_receive(m, peer(np.arange(20)))  # satisfied clients, but lukewarm: not advocates
    assert not m.consumers.advocate[0, :20].any()
    run_receive(m, Messages.make(np.arange(10), 1.0, 1.0, Source.EVENT))  # invited to an event
    assert m.consumers.advocate[0, :10].all() and not m.consumers.advocate[0, 10:20].any()


@njit
def _experiences(expected, brand, fn, rng):
    gen = generator(rng)
    out = np.empty((2, expected.size))
    for k in range(expected.size):
        out[0, k], out[1, k] = experience(expected[k], brand, fn, gen)
    return out


def experiences(expected, quality, spread, weight, tolerance, seed):
    """The experience rule applied to each expectation, as arrays (attitude, disappointment)."""
    brand = params(BrandConfig(quality=quality, quality_spread=spread))
    fn = params(FunnelConfig(experience_weight=weight, tolerance=tolerance))
    rng = np.random.default_rng(seed)
    return _experiences(np.asarray(expected, np.float64), brand, fn, stream(rng))


def test_experience_sets_attitude_and_disappointment():
    expected = np.full(50_000, 0.8)
    attitude, gap = experiences(expected, 0.8, 0.2, weight=0.8, tolerance=0.5, seed=1)
    felt = (attitude - 0.2 * 0.8) / 0.8  # the experience in attitude units
    assert felt.min() >= -1 - 1e-9 and felt.max() <= 1 + 1e-9
    assert np.median(felt) == pytest.approx(2 * 0.8 - 1, abs=0.01)  # clipping spares the median
    unhappy = gap < 0
    assert np.array_equal(unhappy, felt - 0.8 < -0.5)
    assert (gap[unhappy] < -0.5).all() and (gap[~unhappy] == 0).all()
    share = unhappy.mean()  # e < 0.65: P(z < -0.75) = 0.227
    assert abs(share - 0.2266) < 5 * np.sqrt(0.2266 * 0.7734 / expected.size)


def test_an_awful_experience_makes_a_typical_buyer_a_rejecter_with_defaults():
    m = build("network.kind=global", "network.n=1000")
    fn = m.config.funnel
    attitude, gap = experiences([0.5], 0.0, 0.0, fn.experience_weight, fn.tolerance, seed=0)
    assert attitude[0] < m.config.funnel.reject_threshold and gap[0] < 0


def test_disappointed_buyers_are_flagged_and_may_reject_at_once():
    m = population("consumers.susceptibility=1", "funnel.reject_threshold=-0.3")
    got = run_receive(m, peer(np.arange(1000)), quality=(0.1, 0.0))  # a bad product
    assert got.bought.size == 1000
    cons = m.consumers
    assert (cons.disappointment[0, :1000] < 0).all()
    assert (cons.stage[0, :1000] == Stage.REJECTER).all()  # 1 + 0.8 x (-0.8 - 1) = -0.44
    assert cons.owner[0, :1000].all()  # they still own it: friends see it


def test_news_is_what_changes_a_consumer_or_comes_from_the_brand():
    m = population("funnel.p_interest=0", "consumers.susceptibility=0.5")
    run_receive(m, peer(np.arange(10)), step=1)  # aware: news
    assert (m.consumers.news[0, :10] == 1).all()
    run_receive(m, peer(np.arange(10)), step=2)  # nothing new: still aware
    assert (m.consumers.news[0, :10] == 1).all()
    run_receive(m, Messages.make(np.arange(5), 1.0, 1.0, Source.CONTENT), step=3)
    assert (m.consumers.news[0, :5] == 3).all() and (m.consumers.news[0, 5:10] == 1).all()


def test_attention_keeps_a_random_few_so_a_louder_brand_crowds_out_a_quieter_one():
    rng = np.random.default_rng(5)
    n = 20_000
    quiet = peer(np.arange(n))  # one message each
    loud = peer(np.repeat(np.arange(n), 4))  # four each
    kept = attend([quiet, loud], n, attention=2, rng=rng)
    per = np.bincount(np.concatenate([k.dst for k in kept]), minlength=n)
    assert (per == 2).all()
    share, tol = rate(np.isin(np.arange(n), kept[0].dst), 2 / 5)  # 2 of 5 kept at random
    assert abs(share - 0.4) < tol
    assert attend([quiet, loud], n, attention=0, rng=rng)[1] is loud  # 0: no limit


def test_grouping_by_receiver_lists_each_receivers_messages_in_batch_order():
    """Receivers in the order of their first message, each with its messages in batch order
    (the held message's ties and the draws per receiver depend on it), whatever the
    population's size."""
    rng = np.random.default_rng(3)
    dst = rng.integers(0, 1000, 500)
    firsts = np.sort(np.unique(dst, return_index=True)[1])
    for n in (1000, 10**6):
        receivers, start, order = group_by_receiver(dst, n)
        assert np.array_equal(receivers, dst[firsts])
        assert np.array_equal(np.sort(order), np.arange(dst.size))  # each message once
        for r, i in enumerate(receivers):
            mine = order[start[r]:start[r + 1]]
            assert np.array_equal(mine, np.flatnonzero(dst == i))


def test_regimes_are_one_object_each():
    assert set(REGIMES) == {"organic", "linear", "coproduction"}
    assert [r.reinforces for r in REGIMES.values()] == [False, False, True]
    assert [r.pushes_back for r in REGIMES.values()] == [False, False, True]


def small(*extra: str, n: int = 400):
    """A small docked population (the rules' exact cases; quick in pure Python too)."""
    return build(*DOCKED, "network.kind=global", f"network.n={n}", "network.mean_degree=10",
                 "consumers.agents_max=0", "brands.1.name=Rival", "brands.1.budget=0", *extra)


def test_full_competition_stops_owners_of_a_rival_from_buying():
    """competition = 1: owning a rival takes the whole chance to buy; others still buy at
    p_adopt (1 here, docked)."""
    m = small("funnel.competition=1")
    rival = np.arange(400) % 2 == 1
    run_receive(m, peer(np.arange(400)), rival=rival)
    adopted = m.consumers.owner[0]
    assert adopted[~rival].all() and not adopted[rival].any()
    assert (m.consumers.stage[0, rival] == Stage.INTERESTED).all()


def test_a_drop_that_fits_everyone_lets_them_all_buy_in_order_without_a_draw():
    """Limited drops draw who buys only when more would buy than the cap allows."""
    wants = np.zeros(10, np.bool_)
    wants[[1, 4, 6, 9]] = True
    for cap in (4, 5, -1):  # exactly the cap, below it, no cap
        rng = np.random.default_rng(3)
        before = rng.bit_generator.state
        assert limited_drop(wants, cap, stream(rng)).tolist() == [1, 4, 6, 9]
        assert rng.bit_generator.state == before
    rng = np.random.default_rng(3)
    chosen = limited_drop(wants, 3, stream(rng))
    assert chosen.size == 3 and set(chosen.tolist()) <= {1, 4, 6, 9}


def test_the_message_held_is_the_heaviest_of_those_agreeing_with_the_view_either_way():
    """Agreeing with the new attitude's sign comes first, whichever sign and whichever comes
    first in the batch; a heavier message that disagrees never displaces a lighter one that
    agrees."""
    m = small("consumers.susceptibility=0.5", "funnel.p_interest=0", "funnel.negativity_bias=1")
    cons = m.consumers
    cons.attitude[0, 0], cons.attitude[0, 1] = -0.9, 0.9
    light_neg = peer(np.array([0]), -0.5, 0.5, sponsored=False)
    heavy_pos = Messages.make(np.array([0]), 1.0, 1.0, Source.POST, sponsored=True)
    light_pos = peer(np.array([1]), 0.5, 0.5, sponsored=False)
    heavy_neg = Messages.make(np.array([1]), -1.0, 1.0, Source.POST, sponsored=True)
    run_receive(m, Messages.concat([light_neg, heavy_pos, light_pos, heavy_neg]))
    assert cons.attitude[0, 0] < 0 and cons.attitude[0, 1] > 0
    assert cons.held.valence[0, 0] == pytest.approx(-0.5) and not cons.held.sponsored[0, 0]
    assert cons.held.valence[0, 1] == pytest.approx(0.5) and not cons.held.sponsored[0, 1]


def test_an_event_makes_no_advocate_of_a_disappointed_client():
    """Only satisfied owners become advocates: an owner the product let down (however
    little or much beyond tolerance) is hosted like the others but does not advocate."""
    m = small("consumers.susceptibility=0", "funnel.advocate_threshold=1")
    cons = m.consumers
    cons.owner[0, :30], cons.stage[0, :30], cons.attitude[0, :30] = True, Stage.ADOPTER, 0.5
    cons.disappointment[0, :10] = -0.5
    cons.disappointment[0, 10:20] = -1.5
    run_receive(m, Messages.make(np.arange(30), 1.0, 1.0, Source.EVENT))
    assert not cons.advocate[0, :20].any() and cons.advocate[0, 20:30].all()


def test_a_message_converts_by_its_trust_times_its_fidelity():
    """A positive message's chance to convert is desire x p_adopt x its weight, trust x
    fidelity (here desire 1, p_adopt 1: the weight itself)."""
    n = 1000
    m = small(n=n)
    cons = m.consumers
    cons.stage[0], cons.attitude[0] = Stage.INTERESTED, 1.0
    half = n // 2
    trust = np.where(np.arange(n) < half, 0.5, 1.0).astype(np.float32)
    run_receive(m, peer(np.arange(n), 1.0, trust, fidelity=0.5))
    bought = cons.owner[0]
    for part, p in ((bought[:half], 0.25), (bought[half:], 0.5)):
        share, tol = rate(part, p)
        assert abs(share - p) < tol
