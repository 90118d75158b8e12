"""Figures people look at instead of reading tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ewom_abm.model.metrics import kpi

PANELS = ("reach", "penetration", "penetration_outside_core", "dream_value", "dilution",
          "negative_share")


def plot_timeseries(df: pd.DataFrame, path: Path | None = None, title: str = "") -> Figure:
    """The run's KPI curves, one line per brand, one panel per KPI."""
    fig = Figure(figsize=(13, 7), layout="constrained")  # no pyplot: the user's backend stays
    axes = fig.subplots(2, 3, sharex=True)
    for ax, col in zip(axes.flat, PANELS, strict=True):
        for brand, part in df.groupby("brand", sort=False):
            ax.plot(part["step"], part[col], lw=2, label=str(brand))
        ax.set_title(kpi(col).label)
        ax.set_ylabel(kpi(col).unit)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("step (week)")
    axes[0, 0].legend(title="brand", frameon=False)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
