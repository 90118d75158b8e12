"""Channels (issue 17, ODD 7.23): who reaches a store, who buys online, the webrooming of
integrated houses, the online gap, and the channel KPIs."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from ewom_abm.model.channels import NONE, ONLINE, STORE, channel_gate, shortfall
from ewom_abm.model.jit import generator, stream
from ewom_abm.model.params import params
from ewom_abm.model.scenario import BrandConfig, ChannelsConfig
from ewom_testing import build

N = 20000


@njit  # not cached: it inlines channel_gate, whose edits (mutants) must recompile it
def gate_many(res: np.ndarray, core: np.ndarray, brand: tuple, distribution: float,
              store_u: np.ndarray, ch: tuple, rng: object) -> np.ndarray:
    gen = generator(rng)
    out = np.empty(res.size, np.int64)
    for i in range(res.size):
        out[i] = channel_gate(res[i], core[i], brand, distribution, store_u[i], ch, gen)
    return out


def gate(distribution=1.0, core=False, price=1.0, **brand):
    rng = np.random.default_rng(4)
    b = params(BrandConfig(price=price, **brand))
    ch = params(ChannelsConfig(enabled=True, online_share=0.3, webrooming=0.5))
    store_u = rng.random(N)
    got = gate_many(np.full(N, 2.0), np.full(N, core), b, distribution, store_u, ch,
                    stream(rng))
    return got, store_u


def close(x: float, p: float) -> None:
    assert abs(x - p) < 5 * np.sqrt(p * (1 - p) / N), (x, p)


def test_buyers_who_reach_both_go_online_at_online_share_and_the_rest_where_they_can():
    got, u = gate(store_reach=0.6)
    near = u < 0.6
    close((got[near] == ONLINE).mean(), 0.3)
    assert (got[~near] == ONLINE).all()  # far from a store: online is open to all
    got, u = gate(store_reach=0.6, sells_online=False)
    assert (got[u < 0.6] == STORE).all() and (got[u >= 0.6] == NONE).all()
    got, _ = gate(price=3.0)
    assert (got == NONE).all()  # the budget first


def test_selective_distribution_narrows_store_reach_outside_the_core_only():
    got, u = gate(store_reach=1.0, distribution=0.3, sells_online=False)
    assert ((got == STORE) == (u < 0.3)).all()
    got, u = gate(store_reach=1.0, distribution=0.3, sells_online=False, core=True)
    assert (got == STORE).all()


def test_integration_sends_half_of_the_near_online_shoppers_to_the_store():
    got, u = gate(store_reach=1.0, omnichannel=1.0)
    close((got == ONLINE).mean(), 0.3 * 0.5)
    got, u = gate(store_reach=0.5, omnichannel=1.0)
    assert (got[u >= 0.5] == ONLINE).all()  # nobody far from a store is sent to one


def test_the_online_gap_is_what_integration_leaves_of_it():
    b = params(BrandConfig(online_gap=0.2, omnichannel=0.25))
    assert shortfall(ONLINE, b) == pytest.approx(0.15)
    assert shortfall(STORE, b) == 0.0


def test_where_consumers_live_is_drawn_once_and_purchases_are_booked_in_their_channel():
    m = build("channels.enabled=true", "brands.0.online_gap=0.3", "brands.0.store_reach=0.5",
              "brands.0.price=0.3", "network.n=1500", "consumers.agents_max=0", seed=8)
    before = m.ties.store_u.copy()
    ts = m.run(30)
    assert np.array_equal(before, m.ties.store_u)
    owner, chan = m.consumers.owner[0], m.ties.channel[0]
    bought = owner & (chan >= 0)
    happy = m.consumers.disappointment[0] >= 0
    last = ts.iloc[-1]
    online = bought & (chan == ONLINE)
    assert last["online_share"] == pytest.approx(online.sum() / bought.sum())
    assert last["satisfaction_online"] == pytest.approx((online & happy).sum() / online.sum())
    assert last["satisfaction_online"] < last["satisfaction_store"]
    assert last["revenue_store"] + last["revenue_online"] == pytest.approx(last["revenue"])


def test_switched_off_the_channel_keys_change_nothing_and_draw_nothing():
    base = build("network.n=500", "consumers.agents_max=0", seed=11)
    other = build("network.n=500", "consumers.agents_max=0", "channels.online_share=0.7",
                  "brands.0.online_gap=0.5", "brands.0.store_reach=0.2",
                  "brands.0.omnichannel=1", seed=11)
    a, b = base.run(20), other.run(20)
    assert a.equals(b)
    assert base.rng.bit_generator.state == other.rng.bit_generator.state


def test_complainers_are_the_owners_who_last_bought_in_the_channel_and_now_speak_ill():
    from ewom_abm.model.channels import channel_kpis, new_books
    from ewom_abm.model.state import ADOPTER, REJECTER
    m = build("channels.enabled=true", "network.n=100", "consumers.agents_max=0", seed=1)
    c, t = m.consumers, m.ties
    c.owner[0, :10], c.stage[0, :10] = True, ADOPTER
    t.channel[0, :10] = [STORE] * 6 + [ONLINE] * 4
    c.stage[0, 0] = REJECTER  # store: one rejecter, one disappointed
    c.disappointment[0, 1] = -0.4
    c.disappointment[0, 6] = -0.2  # online: one disappointed
    c.stage[0, 20:30] = REJECTER  # rejecters who never bought: not a channel's complainers
    c.disappointment[0, 20:30] = -0.5
    k = channel_kpis(t, c, 0, new_books())
    assert k["complainers_store"] == pytest.approx(2 / 6)
    assert k["complainers_online"] == pytest.approx(1 / 4)


def test_repeat_purchases_are_booked_in_their_channel_too():
    m = build("channels.enabled=true", "repeat.repurchase_weeks=5", "brands.0.price=0.3",
              "brands.0.store_reach=0.5", "network.n=1500", "consumers.agents_max=0", seed=8)
    ts = m.run(30)
    last = ts.iloc[-1]
    assert last["revenue_returning"] > 0
    assert last["revenue_store"] + last["revenue_online"] == pytest.approx(last["revenue"])
