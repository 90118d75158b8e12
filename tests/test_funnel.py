"""What messages do to receivers: attitude, funnel stages, reinforcement, competition, desire."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.ewom import Messages
from ewom_abm.model.funnel import Access, receive
from ewom_abm.model.reference import DOCKED
from ewom_abm.model.state import Stage
from ewom_testing import build

N = 40000


def population(*extra: str):
    """A large docked population with a funnel that only moves part of the way."""
    return build(*DOCKED, "network.kind=global", f"network.n={N}", *extra)


def rate(hits: np.ndarray, p: float) -> tuple[float, float]:
    """Observed share and 5 binomial standard errors around the expected p."""
    return hits.mean(), 5 * np.sqrt(p * (1 - p) / hits.size)


def run_receive(m, msgs, desire=None, rival=None, access=None):
    desire = np.ones(N, np.float32) if desire is None else desire
    rival = None if rival is None else rival.astype(np.int8)  # brands adopted, none of them b
    return receive(m.consumers, 0, msgs, desire, rival, access or Access(), m.config, m.rng)


def test_an_exposure_moves_unaware_to_aware_and_docked_funnel_adopts_at_once():
    m = population()
    new = run_receive(m, Messages.make(np.arange(100), 1.0, 1.0))
    stage = m.consumers.stage[0]
    assert new == 100 and (stage[:100] == Stage.ADOPTER).all()
    assert (stage[100:] == Stage.UNAWARE).all()
    assert (m.consumers.exposures[0, :100] == 1).all()


def test_conversion_rates_follow_p_interest_and_p_adopt():
    m = population("funnel.p_interest=0.4", "funnel.p_adopt=0.5")
    run_receive(m, Messages.make(np.arange(N), 1.0, 1.0))
    stage = m.consumers.stage[0]
    share, tol = rate(stage >= Stage.INTERESTED, 0.4)
    assert abs(share - 0.4) < tol
    share, tol = rate(stage == Stage.ADOPTER, 0.2)  # interested then adopted in the same step
    assert abs(share - 0.2) < tol


def test_social_reinforcement_in_coproduction_only():
    for ewom, boosted in (("coproduction", 0.4), ("organic", 0.2)):
        m = population("funnel.p_interest=0.2", "funnel.p_adopt=0", f"ewom.model={ewom}",
                       "ewom.reinforcement=0.5")
        half = N // 2
        dst = np.concatenate([np.arange(half), np.repeat(np.arange(half, N), 3)])  # 1 vs 3 tellers
        run_receive(m, Messages.make(dst, 1.0, 1.0, peer=True))
        interested = m.consumers.stage[0] == Stage.INTERESTED
        share, tol = rate(interested[:half], 0.2)
        assert abs(share - 0.2) < tol
        share, tol = rate(interested[half:], boosted)
        assert abs(share - boosted) < tol


def test_having_adopted_a_rival_lowers_adoption():
    m = population("funnel.p_adopt=0.5", "funnel.competition=0.5")
    rival = np.arange(N) % 2 == 1
    run_receive(m, Messages.make(np.arange(N), 1.0, 1.0), rival=rival)
    adopted = m.consumers.stage[0] == Stage.ADOPTER
    share, tol = rate(adopted[~rival], 0.5)
    assert abs(share - 0.5) < tol
    share, tol = rate(adopted[rival], 0.25)
    assert abs(share - 0.25) < tol


def test_lower_desire_means_fewer_conversions():
    m = population("funnel.p_interest=0.5")
    desire = np.where(np.arange(N) < N // 2, 1.0, 0.4).astype(np.float32)
    run_receive(m, Messages.make(np.arange(N), 1.0, 1.0), desire=desire)
    interested = m.consumers.stage[0] >= Stage.INTERESTED
    share, tol = rate(interested[N // 2:], 0.2)
    assert abs(share - 0.2) < tol


def test_negative_messages_make_rejecters_who_never_adopt():
    m = population("consumers.susceptibility=1", "ewom.reject_threshold=-0.3")
    run_receive(m, Messages.make(np.arange(100), -1.0, 1.0))
    assert (m.consumers.stage[0, :100] == Stage.REJECTER).all()
    assert np.allclose(m.consumers.attitude[0, :100], -1.0)
    run_receive(m, Messages.make(np.arange(100), 1.0, 0.1))  # a weak positive message
    assert (m.consumers.stage[0, :100] == Stage.REJECTER).all()


def test_attitude_moves_toward_the_weighted_mean_valence():
    m = population("consumers.susceptibility=0.5")
    dst = np.array([0, 0, 1])
    msgs = Messages.make(dst, np.array([1.0, -0.5, 1.0]), np.array([1.0, 0.5, 0.5]))
    run_receive(m, msgs)
    vbar = (1.0 * 1.0 + 0.5 * -0.5) / 1.5
    assert m.consumers.attitude[0, 0] == pytest.approx(0.5 * 0.75 * vbar)
    assert m.consumers.attitude[0, 1] == pytest.approx(0.5 * 0.5 * 1.0)


def test_enthusiastic_adopters_become_advocates():
    m = population("consumers.susceptibility=1", "ewom.advocate_threshold=0.8")
    run_receive(m, Messages.make(np.arange(10), 1.0, 1.0))
    run_receive(m, Messages.make(np.arange(10, 20), 0.5, 1.0))
    assert m.consumers.advocate[0, :10].all()
    assert not m.consumers.advocate[0, 10:20].any()


def test_cap_and_core_only_access():
    m = population("consumers.core_share=0.5")
    new = run_receive(m, Messages.make(np.arange(N), 1.0, 1.0), access=Access(True, 25))
    adopters = m.consumers.stage[0] == Stage.ADOPTER
    assert new == 25 and adopters.sum() == 25
    assert m.consumers.core[adopters].all()


def test_reinforcement_counts_friends_not_brand_messages():
    m = population("funnel.p_interest=0.2", "funnel.p_adopt=0", "ewom.model=coproduction",
                   "ewom.reinforcement=0.5")
    dst = np.repeat(np.arange(N), 3)  # three messages each, all from the brand
    run_receive(m, Messages.make(dst, 1.0, 1.0, peer=False))
    share, tol = rate(m.consumers.stage[0] == Stage.INTERESTED, 0.2)
    assert abs(share - 0.2) < tol


def test_grouping_by_receiver_is_the_same_sorted_or_counted():
    from ewom_abm.model.funnel import group_by_receiver

    rng = np.random.default_rng(3)
    dst = rng.integers(0, 1000, 500)
    sparse = group_by_receiver(dst, 10**6)  # few messages: sorted
    dense = group_by_receiver(dst, 1000)  # many: counted
    for a, b in zip(sparse, dense, strict=True):
        assert np.array_equal(a, b)
    idx, inverse, counts = dense
    assert np.array_equal(idx[inverse], dst) and counts.sum() == dst.size
    assert np.array_equal(idx, np.unique(dst))
