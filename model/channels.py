"""Channels (issue 17; docs/ODD.md 7.24): where a purchase happens, store or online, and what
each channel's experience is worth.

Who lives near one of a brand's stores is drawn once at set-up (C0: ``store_u``); online is open
to everyone with the budget when the brand sells online. A buyer who can use both goes online
with chance ``online_share``; under integration (``omnichannel``) some online shoppers within
reach of a store finish the purchase there (webrooming). The online experience falls short of
the store's by ``online_gap``, and integration closes that share of the gap (C1). A poor channel
works only through the buyer's experience (ODD 7.13): disappointed buyers complain, and some
turn rejecters who spread negative word of mouth; no rule here adds negative talk.
"""

from __future__ import annotations

import numpy as np

from ewom_abm.model.jit import inline, uniform
from ewom_abm.model.state import REJECTER, Consumers, Ties

NONE, STORE, ONLINE = -1, 0, 1


@inline
def channel_gate(reservation_price: float, core: bool, brand: tuple, distribution: float,
                 store_u: float, ch: tuple, gen: object) -> int:
    """C1, the access gate with channels (replaces the distribution coin): the channel a
    would-be buyer buys in, or NONE if they cannot afford it or reach neither. Stores reach
    ``store_reach`` of consumers (under selective distribution, times ``distribution`` outside
    the core); online reaches everyone if the brand sells online."""
    if reservation_price < brand.price:
        return NONE
    store_ok = store_u < brand.store_reach * (1.0 if core else distribution)
    online_ok = brand.sells_online
    if not store_ok and not online_ok:
        return NONE
    if not online_ok:
        return STORE
    if not store_ok:
        return ONLINE
    if uniform(gen) >= ch.online_share:
        return STORE
    if brand.omnichannel > 0 and uniform(gen) < ch.webrooming * brand.omnichannel:
        return STORE  # found online, bought in the store (integration)
    return ONLINE


@inline
def shortfall(channel: int, brand: tuple) -> float:
    """How much worse than the store's the channel's experience is: online, the gap left after
    integration closed its share (``online_gap x (1 - omnichannel)``)."""
    if channel == ONLINE:
        return brand.online_gap * (1.0 - brand.omnichannel)
    return 0.0


CHANNEL_KPIS = ("online_share", "revenue_store", "revenue_online", "satisfaction_store",
                "satisfaction_online", "complainers_store", "complainers_online")


def book(ties: Ties, cons: Consumers, b: int, buyers: np.ndarray, euros: float,
         books: dict) -> None:
    """Count a step's buyers of brand b by channel: purchases, satisfied ones, revenue."""
    if not ties.channelled or buyers.size == 0:
        return
    chan = ties.channel[b, buyers]
    happy = cons.disappointment[b, buyers] >= 0
    for c, name in ((STORE, "store"), (ONLINE, "online")):
        mine = chan == c
        books[f"n_{name}"] += int(np.count_nonzero(mine))
        books[f"ok_{name}"] += int(np.count_nonzero(mine & happy))
        books[f"revenue_{name}"] += int(np.count_nonzero(mine)) * euros


def new_books() -> dict:
    return {"n_store": 0, "n_online": 0, "ok_store": 0, "ok_online": 0, "revenue_store": 0.0,
            "revenue_online": 0.0}


def channel_kpis(ties: Ties, cons: Consumers, b: int, books: dict) -> dict[str, float]:
    """The channel KPIs of brand b (zero while channels are off; a share of no purchases is
    NaN). Complainers: the share of the owners whose last purchase was in the channel who now
    speak ill of the brand (dissatisfied or rejecting: ODD 7.5), the channel's negative
    word of mouth at its source."""
    if not ties.channelled:
        return dict.fromkeys(CHANNEL_KPIS, 0.0)
    nan = float("nan")
    n_s, n_o = books["n_store"], books["n_online"]
    out = {"online_share": n_o / (n_s + n_o) if n_s + n_o else nan,
           "revenue_store": books["revenue_store"], "revenue_online": books["revenue_online"],
           "satisfaction_store": books["ok_store"] / n_s if n_s else nan,
           "satisfaction_online": books["ok_online"] / n_o if n_o else nan}
    owner, stage, dis = cons.owner[b], cons.stage[b], cons.disappointment[b]
    complain = owner & ((stage == REJECTER) | (dis < 0))
    for c, name in ((STORE, "store"), (ONLINE, "online")):
        mine = owner & (ties.channel[b] == c)
        k = int(np.count_nonzero(mine))
        out[f"complainers_{name}"] = int(np.count_nonzero(mine & complain)) / k if k else nan
    return out
