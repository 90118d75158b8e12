"""The KPIs every run records per brand and step: one registry of their names, labels and units
(that the CLI table, the plots, the report and the app all read), and the tidy table they make
(one row per step and brand)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ewom_abm.model.desire import measure
from ewom_abm.model.jit import jit
from ewom_abm.model.state import INTERESTED, REJECTER, UNAWARE, Consumers, Stage


@dataclass(frozen=True)
class KPI:
    """One recorded metric: ``kind`` is ``share`` (a fraction, shown as a percentage), ``count``,
    ``money`` (cost or price units) or ``index`` (a number on its own scale)."""

    name: str
    label: str
    unit: str
    kind: str
    doc: str

    def format(self, value: float) -> str:
        """The value as the faces show it: shares as percentages, counts whole, money with
        two decimals whatever its size (40.00 and 204.00, never 40.00 and 204)."""
        if self.kind == "share":
            return f"{value:.1%}"
        if self.kind == "count":
            return f"{value:,.0f}"
        if self.kind == "money":
            return f"{value:,.2f}"
        return f"{value:.3f}"


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
    KPI("revenue", "Revenue", "cumulative, price units", "money",
        "cumulative sales: purchases times the brand's price"),
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
    KPI("spend", "Spend", "cumulative, cost units", "money", "cumulative spend"),
    KPI("cost_per_reached", "Cost per reached", "spend per aware consumer", "money",
        "cumulative spend per consumer aware of the brand"),
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
