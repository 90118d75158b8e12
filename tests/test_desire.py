"""Desire and status value as consumers perceive them; dream value and dilution measured."""

from __future__ import annotations

import numpy as np
import pytest

from ewom_abm.model.desire import Dream, measure, observe, shares_seen, status_value
from ewom_abm.model.scenario import BrandConfig
from ewom_abm.model.state import Stage
from ewom_testing import build, edge_file

# consumer 0 in the middle of a star: friends 1..4
STAR = [(0, 1), (0, 2), (0, 3), (0, 4)]


def star(tmp_path, *extra):
    m = build("network.kind=file", f"network.path={edge_file(tmp_path, STAR)}",
              "consumers.trait_spread=0", "status.recognition=1", "status.snob=4",
              "status.in_group_core=0.5", "status.aspiration=1", *extra)
    m.consumers.core[:] = [True, True, False, False, False]
    return m


def test_friends_see_who_knows_and_who_owns_by_segment(tmp_path):
    m = star(tmp_path)
    c = m.consumers
    c.friends_aware[:] = 0
    c.friends_owner_core[:] = 0
    c.friends_owner_other[:] = 0
    c.stage[0, :], c.attitude[0, :], c.desire[0, :] = Stage.AWARE, 1.0, 0.0
    c.status_sensitivity[:] = 0.6
    st, brand = m.settings.status, m.brands[0].params
    observe(c, 0, m.links, np.array([1, 2]), np.array([1, 3]), st, brand)
    assert c.friends_aware[0].tolist() == [2, 0, 0, 0, 0]  # 0 sees its friends 1 and 2
    assert c.friends_owner_core[0].tolist() == [1, 0, 0, 0, 0]  # 1 is in the core
    assert c.friends_owner_other[0].tolist() == [1, 0, 0, 0, 0]  # 3 is not
    # only the consumer whose view changed has their desire re-measured (status 2/4 - 4 x 1/4
    # - 4 x 0.5 x 1/4 = -1.0, sensitivity 0.6, on a scale whose top is desire_top = 2)
    assert c.desire[0].tolist() == pytest.approx([1.0 * (1 - 0.6 * 1.0) / 2, 0, 0, 0, 0])
    observe(c, 0, m.links, np.array([0]), np.empty(0, np.int64), st, brand)
    assert c.friends_aware[0].tolist() == [2, 1, 1, 1, 1]  # all four see the centre


def perceived(m, i: int, prestige: float) -> tuple[float, float]:
    """Brand 0's status as consumer i perceives it, and with no friend owning it."""
    c = m.consumers
    seen = shares_seen(m.links, c.friends_aware[0], c.friends_owner_core[0],
                       c.friends_owner_other[0], i)
    brand = m.brands[0].params._replace(prestige=prestige)
    return status_value(seen, c.core[i], m.settings.status, brand)


def test_status_as_a_core_consumer_sees_it(tmp_path):
    """Recognition raises it; owners outside the core lower it fully, core owners by
    in_group_core."""
    m = star(tmp_path, "brands.0.prestige=0.5")
    c = m.consumers
    c.friends_aware[0, 0], c.friends_owner_core[0, 0], c.friends_owner_other[0, 0] = 4, 1, 1
    status, undiluted = perceived(m, 0, prestige=0.5)
    assert undiluted == pytest.approx(0.5 + 1.0)
    assert status == pytest.approx(0.5 + 1.0 - 4 * (0.25 + 0.5 * 0.25))


def test_the_aspirational_emulate_the_core_and_are_no_snobs_to_each_other_by_default(tmp_path):
    """Bandwagon (MODEL.md: the aspirational emulate the core): core owners raise an
    aspirational consumer's status value, other aspirational owners do not lower it unless a
    scenario sets in_group_aspirational."""
    m = star(tmp_path)
    assert m.config.status.in_group_aspirational == 0.0
    c = m.consumers
    c.core[0] = False
    c.friends_aware[0, 0], c.friends_owner_core[0, 0], c.friends_owner_other[0, 0] = 4, 1, 1
    status, undiluted = perceived(m, 0, prestige=0.0)
    assert undiluted == pytest.approx(1.0)
    assert status == pytest.approx(1.0 + 1.0 * 0.25)  # emulation, no snobbery
    snobs = star(tmp_path, "status.in_group_aspirational=0.5")
    c2 = snobs.consumers
    c2.core[0] = False
    c2.friends_aware[0, 0], c2.friends_owner_core[0, 0], c2.friends_owner_other[0, 0] = 4, 1, 1
    status, _ = perceived(snobs, 0, prestige=0.0)
    assert status == pytest.approx(1.0 - 4 * 0.5 * 0.25 + 1.0 * 0.25)


def test_desire_is_liking_scaled_by_status_on_a_bounded_scale(tmp_path):
    """desire = liking x (1 + sensitivity x status) / desire_top, at most 1: a fan blind to
    status sits at 1 / desire_top, only status lifts desire above it."""
    m = star(tmp_path, "consumers.status_sensitivity_core=1",
             "consumers.status_sensitivity_aspirational=1", "status.dream_panel=everyone")
    assert m.config.status.desire_top == 2.0 and m.config.status.dream_threshold == 0.7
    c = m.consumers
    c.stage[0, :] = [Stage.AWARE, Stage.AWARE, Stage.AWARE, Stage.UNAWARE, Stage.REJECTER]
    c.attitude[0, :] = [0.8, -0.5, 0.4, 0.9, -1.0]
    c.friends_aware[0, :] = [4, 1, 1, 1, 1]
    c.friends_owner_core[0, :] = 0
    c.friends_owner_other[0, :] = 0
    # prestige 1: status 1 + 1 = 2
    dream = Dream(c, 0, m.graph, m.config.status, BrandConfig(prestige=1.0))
    dream.refresh(np.arange(5))
    # consumer 0: liking 0.8 x (1 + 2) / 2 = 1.2, the top of the scale: 1; consumer 2:
    # 0.4 x 3 / 2 = 0.6; the unaware and the rejecter: nothing
    assert c.desire[0].tolist() == pytest.approx([1.0, 0.0, 0.6, 0.0, 0.0])
    measured = dream.measure()
    # four know it (the rejecter has heard of it); one of them reaches the 0.7 threshold
    assert measured["dream_value"] == pytest.approx(1 / 4)
    assert measured["desire"] == pytest.approx(1.6 / 4)
    assert measured["dilution"] == pytest.approx(0.0)
    blind = Dream(c, 0, m.graph, m.config.status, BrandConfig(prestige=1.0, status_weight=0.0))
    blind.refresh(np.arange(5))
    assert c.desire[0].tolist() == pytest.approx([0.4, 0.0, 0.2, 0.0, 0.0])  # liking / 2
    assert blind.measure()["dream_value"] == 0.0  # blind to status, nobody dreams


def test_the_dream_survey_asks_the_aware_core_by_default(tmp_path):
    """Dubois & Paternault surveyed affluent consumers, Kapferer & Valette-Florence luxury
    buyers: by default dream value and desire are measured among the aware in the core."""
    m = star(tmp_path, "consumers.status_sensitivity_core=1",
             "consumers.status_sensitivity_aspirational=1")
    assert m.config.status.dream_panel == "core"
    c = m.consumers  # 0 and 1 are in the core
    c.stage[0, :] = [Stage.AWARE, Stage.AWARE, Stage.AWARE, Stage.AWARE, Stage.UNAWARE]
    c.attitude[0, :] = [1.0, 0.2, 1.0, 1.0, 1.0]
    c.friends_aware[0, :] = [4, 1, 1, 1, 1]
    dream = Dream(c, 0, m.graph, m.config.status, BrandConfig(prestige=0.0))
    dream.refresh(np.arange(5))
    assert c.desire[0].tolist() == pytest.approx([1.0, 0.2, 1.0, 1.0, 0.0])
    assert dream.measure() == pytest.approx({"dream_value": 1 / 2, "dilution": 0.0,
                                             "desire": 1.2 / 2})
    c.stage[0, :2] = Stage.UNAWARE  # nobody in the core knows it: nobody is asked
    assert dream.measure() == pytest.approx({"dream_value": 0.0, "dilution": 0.0,
                                             "desire": 0.0})


def test_the_brands_status_weight_scales_how_much_status_matters(tmp_path):
    """A mass brand's buyers mind its status less: desire = liking x (1 + weight x
    sensitivity x status) / desire_top."""
    m = star(tmp_path, "consumers.status_sensitivity_core=1",
             "consumers.status_sensitivity_aspirational=1")
    c = m.consumers
    c.stage[0, :] = Stage.AWARE
    c.attitude[0, :] = 0.4
    c.friends_aware[0, :] = [4, 1, 1, 1, 1]
    for weight, want in ((1.0, 0.4), (0.5, 0.3), (0.0, 0.2)):
        brand = BrandConfig(prestige=0.0, status_weight=weight)
        Dream(c, 0, m.graph, m.config.status, brand).refresh(np.arange(5))
        assert c.desire[0].tolist() == pytest.approx([want] * 5), weight


def test_a_brand_for_which_status_does_not_matter_is_desired_for_its_liking_alone():
    """The model passes each brand's status_weight to its desire: at 0, status-sensitive
    consumers desire it for their liking alone (here on a scale that liking alone tops, so
    fans can dream of it) and nothing dilutes it."""
    m = build("network.n=1000", "brands.0.status_weight=0", "brands.0.price=0.1",
              "ewom.p_share=0.2", "status.desire_top=1", "status.dream_panel=everyone",
              steps=20)
    df = m.run()
    c = m.consumers
    aware = c.stage[0] != Stage.UNAWARE
    assert c.status_sensitivity.mean() > 0.3
    assert np.allclose(c.desire[0][aware], np.maximum(c.attitude[0][aware], 0))
    assert df["dream_value"].iloc[-1] > 0.2
    assert (df["dilution"].abs() < 1e-9).all() and df["penetration"].iloc[-1] > 0.05


def test_dilution_is_the_dream_value_ownership_costs(tmp_path):
    m = star(tmp_path, "consumers.status_sensitivity_core=1",
             "consumers.status_sensitivity_aspirational=1", "status.dream_panel=everyone")
    c = m.consumers
    c.stage[0, :] = Stage.AWARE
    c.attitude[0, :] = 1.0
    c.friends_aware[0, :] = [4, 1, 1, 1, 1]
    c.friends_owner_core[0, :] = 0
    c.friends_owner_other[0, :] = [2, 0, 0, 0, 0]  # the core centre sees two outsiders own it
    dream = Dream(c, 0, m.graph, m.config.status, BrandConfig(prestige=0.0))
    dream.refresh(np.arange(5))
    # consumer 0: status 1 - snob 4 x 2/4 = -1, desire 1 x max(0, 1 - 1) / 2 = 0: no longer
    # dreams; without the owners, 1 x (1 + 1) / 2 = 1: all five would dream of it
    assert c.desire[0, 0] == pytest.approx(0.0)
    assert dream.measure()["dream_value"] == pytest.approx(4 / 5)
    assert dream.measure()["dilution"] == pytest.approx(1 - (4 / 5) / (5 / 5))
    # owners in the core are what aspirational consumers emulate: negative dilution. Liking 0.5
    # with status 1 is 0.5, below the threshold; a core owner among one's friends lifts it to
    # 0.5 x (1 + 2) / 2 = 0.75
    c.attitude[0, :] = [0.5, 1.0, 0.5, 0.5, 0.5]  # consumer 1 dreams of it either way
    c.friends_owner_other[0, :] = 0
    c.friends_owner_core[0, 2:] = 1
    dream.refresh(np.arange(5))
    assert c.desire[0, 2:].tolist() == pytest.approx([0.75] * 3)
    assert dream.measure()["dream_value"] == pytest.approx(4 / 5)
    assert dream.measure()["dilution"] == pytest.approx(1 - (4 / 5) / (1 / 5))


def test_dream_value_is_asked_of_the_aware_so_it_does_not_count_reach():
    """Blind to status (on a scale that liking alone tops), more consumers knowing the brand
    with the same mix of liking leaves dream value where it was: awareness is not in the
    measure by definition (the population's mean desire, the old index, grew with reach)."""
    m = build("network.n=1000", "consumers.status_sensitivity_core=0",
              "consumers.status_sensitivity_aspirational=0", "brands.0.budget=0",
              "status.desire_top=1", "status.dream_panel=everyone", steps=0)
    c, dream = m.consumers, m.dreams[0]
    liking = np.where(np.arange(m.n) % 4 == 0, 0.9, 0.2).astype(np.float32)
    measured = {}
    for known in (100, 200, 1000):
        c.stage[0, :] = Stage.UNAWARE
        c.stage[0, :known] = Stage.AWARE
        c.attitude[0, :] = np.where(np.arange(m.n) < known, liking, 0.0)
        dream.refresh(None)
        measured[known] = (dream.measure(), c.desire[0].sum() / m.n)
    for known in (200, 1000):
        assert measured[known][0] == pytest.approx(measured[100][0])
        assert measured[known][0]["dream_value"] == pytest.approx(0.25)
        assert measured[known][1] == pytest.approx(measured[100][1] * known / 100)


def test_dream_share_counts_the_aware_at_or_above_the_threshold(tmp_path):
    m = star(tmp_path, "status.dream_threshold=0.5")
    c = m.consumers
    c.desire[0, :] = c.undiluted[0, :] = [1.0, 0.5, 0.49, 0.9, 0.0]
    c.stage[0, :] = [Stage.AWARE, Stage.ADOPTER, Stage.REJECTER, Stage.UNAWARE, Stage.UNAWARE]
    dream, dilution, desire = measure(c, 0, m.settings.status, False)
    assert dream == pytest.approx(2 / 3) and dilution == 0.0
    assert desire == pytest.approx(1.99 / 3)
    c.core[:] = [False, True, True, False, False]  # the core panel: the adopter and rejecter
    assert measure(c, 0, m.settings.status, True)[0] == pytest.approx(1 / 2)
    c.stage[0, :] = Stage.UNAWARE  # nobody is asked: nothing to report
    assert measure(c, 0, m.settings.status, False) == (0.0, 0.0, 0.0)


def test_without_status_sensitivity_desire_is_liking_and_nothing_dilutes():
    """Blind to status, desire is liking on the scale (liking / desire_top): nobody dreams of
    the brand on the default scale, and on a scale liking alone tops nothing dilutes it."""
    blind = ("consumers.status_sensitivity_core=0", "consumers.status_sensitivity_aspirational=0",
             "brands.0.price=0.1", "ewom.p_share=0.2")
    m = build(*blind, "network.n=1000", steps=20)
    df = m.run()
    c = m.consumers
    aware = c.stage[0] != Stage.UNAWARE
    assert np.allclose(c.desire[0][aware], np.maximum(c.attitude[0][aware], 0) / 2)
    assert (df["dream_value"] == 0).all() and df["penetration"].iloc[-1] > 0.02
    m = build(*blind, "network.n=1000", "status.desire_top=1", steps=20)
    df = m.run()
    assert df["dream_value"].iloc[-1] > 0.2
    assert (df["dilution"].abs() < 1e-9).all()


@pytest.mark.parametrize("kind", ["watts_strogatz", "global"])
def test_desire_kept_current_step_by_step_equals_a_fresh_measurement(kind):
    """Only consumers whose attitude or friends changed are re-measured each step; the result
    must equal measuring everyone afresh."""
    rival = "influencer" if kind != "global" else "exclusivity"
    m = build(f"network.kind={kind}", "network.n=1500", "brands.0.price=0.2",
              "ewom.model=coproduction", f"brands.1.strategy={rival}", steps=25)
    m.run()
    c = m.consumers
    for b in range(2):
        stored = c.desire[b].copy()
        measured = m.dreams[b].measure()
        counts = [x[b].copy() for x in (c.friends_aware, c.friends_owner_core,
                                         c.friends_owner_other)] if m.graph else []
        if m.graph is not None:  # recount what friends see from scratch
            for x in (c.friends_aware, c.friends_owner_core, c.friends_owner_other):
                x[b] = 0
            aware = np.flatnonzero(c.stage[b] != Stage.UNAWARE)
            observe(c, b, m.links, aware, np.flatnonzero(c.owner[b]), m.settings.status,
                    m.brands[b].params)
            for before, x in zip(counts, (c.friends_aware, c.friends_owner_core,
                                          c.friends_owner_other), strict=True):
                assert np.array_equal(before, x[b])
        m.dreams[b].refresh(None if m.graph is None else np.arange(m.n))
        assert np.allclose(stored, c.desire[b], atol=1e-6)
        assert m.dreams[b].measure() == pytest.approx(measured)


def test_snob_effect_costs_a_mass_brand_its_core_desire():
    """Emergent: when the masses own it, the core's desire falls (the status rule at work)."""
    final = {}
    for snob in (0.0, 4.0):
        m = build("network.kind=watts_strogatz", "network.n=3000", "brands.0.price=0.05",
                  "ewom.p_share=0.15", "brands.0.budget=300", f"status.snob={snob}",
                  "consumers.agents_max=0", steps=40, seed=3)
        m.run()
        c = m.consumers
        core_aware = c.core & (c.stage[0] != Stage.UNAWARE)
        final[snob] = (c.desire[0][core_aware].mean(), m.final()["Brand"]["dilution"])
    assert final[4.0][0] < 0.8 * final[0.0][0]
    assert final[4.0][1] > 0.1 and abs(final[0.0][1]) < 0.05


def test_snobs_buy_less_as_the_masses_own_it():
    """The status rule reaches purchases, not just the measurement: core consumers buy a mass
    brand less when they mind who else owns it (paired seeds)."""
    core_pen = {}
    for snob in (0.0, 8.0):
        core_pen[snob] = np.array([
            build("network.kind=watts_strogatz", "network.n=3000", "brands.0.price=0.05",
                  "ewom.p_share=0.15", "brands.0.budget=300", f"status.snob={snob}",
                  "consumers.agents_max=0", steps=40, seed=s).run().iloc[-1]["penetration_core"]
            for s in range(4)])
    d = core_pen[0.0] - core_pen[8.0]
    assert d.mean() > 3 * d.std(ddof=1) / 2
