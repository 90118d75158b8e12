"""The KPIs every run records per brand and step: one registry of their names, labels and units
(that the CLI table, the plots, the report and the app all read), and the tidy table they make
(one row per step and brand)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ewom_abm.model.desire import measure
from ewom_abm.model.jit import jit
from ewom_abm.model.state import INTERESTED, REJECTER, UNAWARE, Consumers, Stage


@dataclass(frozen=True)
class KPI:
    """One recorded metric: ``kind`` is ``share`` (a fraction, shown as a percentage), ``count``,
    ``money`` (EUR, for the whole real market: ``market.scale``) or ``index`` (a number on its
    own scale)."""

    name: str
    label: str
    unit: str
    kind: str
    doc: str
    mechanism: str = ""  # issue 17: the switch it needs (faces show it only when that is on)

    def format(self, value: float) -> str:
        """The value as the faces show it: shares as percentages, counts whole, money in EUR
        with a suffix and one decimal whatever its size (EUR 40.0k and EUR 204.0k, EUR 1.2M);
        a value that cannot mean anything (NaN: a ratio of nothing) as n/a."""
        if math.isnan(value):
            return "n/a"
        if self.kind == "share":
            return f"{value:.1%}"
        if self.kind == "count":
            return f"{value:,.0f}"
        if self.kind == "money":
            return euros(value)
        return f"{value:.3f}"


def euros(value: float) -> str:
    """EUR with a k/M/bn suffix and one decimal (EUR 2.50 below a thousand)."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"EUR {value / size:,.1f}{suffix}"
    return f"EUR {value:,.2f}"


KPIS: tuple[KPI, ...] = (
    KPI("reach", "Reach", "share of consumers aware", "share",
        "share of consumers who know the brand (rejecters included: they have heard)"),
    KPI("penetration", "Penetration", "share of consumers who bought", "share",
        "share of consumers who own the brand"),
    KPI("penetration_core", "Penetration in the core", "share of the core who bought", "share",
        "share of the core segment who own the brand"),
    KPI("penetration_outside_core", "Penetration outside the core",
        "share of the rest who bought", "share",
        "share of consumers outside the core who own the brand"),
    KPI("interested", "Interested", "share of consumers interested", "share",
        "share of consumers interested who have not bought"),
    KPI("advocates", "Advocates", "share of consumers advocating", "share",
        "share of consumers who are advocates (their sharing is boosted)"),
    KPI("rejecters", "Rejecters", "share of consumers rejecting", "share",
        "share of consumers who turned negative and spread negative word of mouth"),
    KPI("dissatisfied", "Dissatisfied buyers", "share of buyers", "share",
        "share of owners whose experience fell short of what they expected"),
    KPI("messages", "Word of mouth", "messages this step", "count",
        "word-of-mouth messages attended to this step: consumers' retellings and paid posts"),
    KPI("negative_share", "Negative word of mouth", "share of this step's messages", "share",
        "share of this step's word-of-mouth messages (paid posts and scandals included) with "
        "negative valence"),
    KPI("scandals", "Scandals", "influencer scandals so far", "count",
        "paid influencers who had a scandal so far"),
    KPI("new_adopters", "New buyers", "purchases this step", "count",
        "consumers who bought the brand this step"),
    KPI("revenue", "Revenue", "cumulative, EUR", "money",
        "cumulative sales in EUR: purchases times the brand's price, each simulated purchase "
        "standing for market.scale real ones"),
    KPI("desire", "Desire of the aware", "mean desire, 0 to 1", "index",
        "mean desire for the brand (0: none, 1/status.desire_top: liking alone, 1: the top of "
        "the scale) among the surveyed consumers (status.dream_panel: the core by default) who "
        "know it"),
    KPI("dream_value", "Dream value", "share of the aware who dream of owning it", "share",
        "share of the surveyed consumers (status.dream_panel: the affluent core by default) "
        "aware of the brand whose desire reaches status.dream_threshold (Dubois & Paternault's "
        "dream item, asked of those who know the brand; 0 while nobody does), measured from "
        "consumers each step"),
    KPI("dilution", "Dilution", "share of dream value ownership costs", "share",
        "1 - dream value / the dream value the same consumers would report if none of their "
        "friends owned the brand (negative: owners add to the dream)"),
    KPI("spend", "Spend", "cumulative, EUR", "money",
        "cumulative marketing spend in EUR for the whole real market"),
    KPI("cost_per_reached", "Cost per reached", "EUR per real consumer aware", "money",
        "cumulative spend per real consumer aware of the brand"),
    KPI("roms", "Return on marketing spend", "EUR of revenue per EUR spent", "index",
        "cumulative revenue / cumulative spend (n/a while nothing was spent)"),
    # issue 17: followers (followers.enabled)
    KPI("followers", "Followers", "share of consumers following", "share",
        "share of consumers who follow the brand's account", "followers"),
    KPI("followers_core", "Followers in the core", "share of the core following", "share",
        "share of the core segment who follow the brand's account", "followers"),
    KPI("followers_outside_core", "Followers outside the core", "share of the rest following",
        "share", "share of consumers outside the core who follow the brand's account",
        "followers"),
    KPI("followers_who_bought", "Followers who bought", "share of followers", "share",
        "share of the brand's followers who own it (n/a without followers)", "followers"),
    KPI("engagement", "Engagement", "interactions per follower this week", "index",
        "likes, comments and shares of the brand's own posts this week per follower at the "
        "start of the week (n/a without followers)", "followers"),
    KPI("interactions", "Interactions", "this week", "count",
        "likes, comments and shares of the brand's own posts this week", "followers"),
    # issue 17: relationships and repeat purchase (repeat.repurchase_weeks > 0)
    KPI("repeat_rate", "Repeat customers", "share of customers", "share",
        "share of the brand's customers who bought it at least twice", "repeat"),
    KPI("retention", "Retention", "share of clients due in the last cycle", "share",
        "share of the repeat occasions of the brand's clients over the last purchase cycle at "
        "which they bought it again (n/a before the first occasion)", "repeat"),
    KPI("clv", "Customer lifetime value", "EUR per customer, discounted", "money",
        "discounted margin earned per customer so far (brands.N.margin, market.discount_rate "
        "from each customer's first purchase), net of the one-to-one cost spent on them",
        "repeat"),
    KPI("relationship", "Relationship strength", "mean over customers, 0 to 1", "index",
        "customers' mean relationship strength with the brand now", "repeat"),
    KPI("repeat_purchases", "Repeat purchases", "this week", "count",
        "purchases by customers buying again (or switching in from a rival) this week",
        "repeat"),
    KPI("revenue_new", "Revenue from new customers", "cumulative, EUR", "money",
        "revenue from first purchases, switchers from rivals included", "repeat"),
    KPI("revenue_returning", "Revenue from returning customers", "cumulative, EUR", "money",
        "revenue from customers buying the brand again", "repeat"),
    KPI("spend_one_to_one", "One-to-one spend", "cumulative, EUR", "money",
        "the part of spend on one-to-one work with clients and contributors "
        "(brands.N.relationship_share)"),
    # issue 17: channels (channels.enabled)
    KPI("online_share", "Online share of sales", "share of purchases", "share",
        "share of purchases made online (n/a before any purchase)", "channels"),
    KPI("revenue_store", "Store revenue", "cumulative, EUR", "money",
        "revenue from purchases in the brand's stores", "channels"),
    KPI("revenue_online", "Online revenue", "cumulative, EUR", "money",
        "revenue from purchases online", "channels"),
    KPI("satisfaction_store", "Store satisfaction", "share of store purchases", "share",
        "share of store purchases whose experience met the buyer's expectation", "channels"),
    KPI("satisfaction_online", "Online satisfaction", "share of online purchases", "share",
        "share of online purchases whose experience met the buyer's expectation", "channels"),
    KPI("complainers_store", "Complaining store buyers", "share of store buyers", "share",
        "share of the owners who last bought in a store who now speak ill of the brand "
        "(dissatisfied or rejecting): the store's negative word of mouth at its source",
        "channels"),
    KPI("complainers_online", "Complaining online buyers", "share of online buyers", "share",
        "share of the owners who last bought online who now speak ill of the brand",
        "channels"),
)
# what each run adds at its end: when reach and adoptions peaked (final values hide timing)
RUN_KPIS: tuple[KPI, ...] = (
    KPI("peak_reach", "Peak reach", "share of consumers aware", "share",
        "the highest reach of the run"),
    KPI("peak_reach_step", "Reach peak (step)", "step", "count", "the step reach peaked"),
    KPI("peak_new_adopters", "Peak new buyers", "purchases in a step", "count",
        "the most purchases in one step"),
    KPI("peak_new_adopters_step", "Adoption peak (step)", "step", "count",
        "the step with the most purchases"),
)
BY_NAME = {k.name: k for k in (*KPIS, *RUN_KPIS)}
# the columns every timeseries row carries, in order (after step, brand, strategy)
METRICS = tuple(k.name for k in KPIS)
# the KPIs the run table, the app and the report show first
HEADLINE = ("reach", "penetration", "penetration_outside_core", "negative_share", "revenue",
            "dream_value", "dilution", "spend")


# issue 17: what the faces add when a mechanism is on (its KPIs stay in every timeseries)
MECHANISM_HEADLINE = {
    "followers": ("followers", "followers_who_bought", "engagement"),
    "repeat": ("retention", "repeat_rate", "clv", "revenue_returning"),
    "channels": ("online_share", "satisfaction_store", "satisfaction_online"),
}


def mechanisms_on(config: object) -> tuple[str, ...]:
    """The issue 17 mechanisms a scenario switches on."""
    on = []
    if getattr(getattr(config, "followers", None), "enabled", False):
        on.append("followers")
    if getattr(getattr(config, "repeat", None), "repurchase_weeks", 0) > 0:
        on.append("repeat")
    if getattr(getattr(config, "channels", None), "enabled", False):
        on.append("channels")
    return tuple(on)


def headline(config: object = None) -> tuple[str, ...]:
    """The KPIs the run table and the app show: the headline ones, return on marketing spend,
    and those of every mechanism the scenario switches on."""
    extra = [k for m in mechanisms_on(config) for k in MECHANISM_HEADLINE[m] if k in BY_NAME]
    return (*HEADLINE, "roms", *extra)


def kpi(name: str) -> KPI:
    """The KPI called ``name``."""
    return BY_NAME[name]


_STAGES = len(Stage)
# the KPIs measured from the consumers, in the order :func:`census` returns them
MEASURED = ("reach", "penetration", "penetration_core", "penetration_outside_core",
            "interested", "advocates", "rejecters", "dissatisfied", "dream_value", "dilution",
            "desire")


@jit
def census(cons: Consumers, b: int, st: tuple, core_only: bool) -> np.ndarray:
    """The KPIs of brand b measured from the consumers now (:data:`MEASURED`): funnel shares
    counted in one pass, then dream value, dilution and desire of the surveyed (``core_only``:
    the dream panel is the core; model/desire.py)."""
    n = cons.core.size
    stages = np.zeros(_STAGES, np.int64)
    core = owners = core_owners = advocates = unhappy = 0
    for i in range(n):
        stages[cons.stage[b, i]] += 1
        core += cons.core[i]
        advocates += cons.advocate[b, i]
        if cons.owner[b, i]:
            owners += 1
            core_owners += cons.core[i]
            unhappy += cons.disappointment[b, i] < 0
    dream, dilution, desire = measure(cons, b, st, core_only)
    out_n = n - core
    return np.array([
        1.0 - stages[UNAWARE] / n,
        owners / n,
        core_owners / core if core else 0.0,
        (owners - core_owners) / out_n if out_n else 0.0,
        stages[INTERESTED] / n,
        advocates / n,
        stages[REJECTER] / n,
        unhappy / owners if owners else 0.0,
        dream, dilution, desire])


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """The tidy timeseries: one row per step and brand."""
    cols = ["step", "brand", "strategy", *METRICS]
    return pd.DataFrame(rows, columns=cols)
