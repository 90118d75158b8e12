"""Per-step KPIs per brand, and the tidy table they make (one row per step and brand)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ewom_abm.model.state import Consumers, Stage

# the columns every timeseries row carries, in order (after step, brand, strategy)
METRICS = (
    "reach",  # share aware (rejecters included: they have heard)
    "penetration",  # share adopted
    "penetration_core",  # share of the core segment adopted
    "penetration_outside_core",  # share of everyone else adopted
    "interested",  # share interested, not yet adopted
    "advocates",  # consumers who are advocates (count)
    "rejecters",  # share who turned negative and spread negative WOM
    "messages",  # word-of-mouth messages this step
    "negative_share",  # share of this step's word-of-mouth messages with negative valence
    "new_adopters",  # adoptions this step
    "dream_value",
    "dilution",
    "spend",  # cumulative
    "cost_per_reached",  # cumulative spend per aware consumer
)


def funnel_shares(cons: Consumers, b: int) -> dict[str, float]:
    """Shares of the population (and of each segment) at each funnel stage for brand b."""
    stage = cons.stage[b]
    n = cons.n
    counts = [np.count_nonzero(stage == s) for s in Stage]  # cheaper than bincount on int8
    adopters = stage == Stage.ADOPTER
    core_n = cons.core_count
    core_adopters = int(np.count_nonzero(adopters & cons.core))
    out_n = n - core_n
    return {
        "reach": 1.0 - counts[Stage.UNAWARE] / n,
        "penetration": counts[Stage.ADOPTER] / n,
        "penetration_core": core_adopters / core_n if core_n else 0.0,
        "penetration_outside_core": (counts[Stage.ADOPTER] - core_adopters) / out_n
        if out_n else 0.0,
        "interested": counts[Stage.INTERESTED] / n,
        "advocates": int(np.count_nonzero(cons.advocate[b])),
        "rejecters": counts[Stage.REJECTER] / n,
    }


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """The tidy timeseries: one row per step and brand."""
    cols = ["step", "brand", "strategy", *METRICS]
    return pd.DataFrame(rows, columns=cols)
