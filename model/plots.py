"""Figures people look at instead of reading tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

PANELS = (
    ("reach", "Reach", "share of consumers aware"),
    ("penetration", "Penetration", "share of consumers adopted"),
    ("penetration_outside_core", "Penetration outside core", "share of non-core adopted"),
    ("dream_value", "Dream value", "index (base = brand's base value)"),
    ("dilution", "Dilution", "share of dream value lost"),
    ("negative_share", "Negative word of mouth", "share of this step's messages"),
)


def plot_timeseries(df: pd.DataFrame, path: Path | None = None, title: str = "") -> Figure:
    """The run's KPI curves, one line per brand, one panel per KPI."""
    fig = Figure(figsize=(13, 7), layout="constrained")  # no pyplot: the user's backend stays
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (col, name, unit) in zip(axes.flat, PANELS, strict=True):
        for brand, part in df.groupby("brand", sort=False):
            ax.plot(part["step"], part[col], lw=2, label=str(brand))
        ax.set_title(name)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("step (week)")
    axes[0, 0].legend(title="brand", frameon=False)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
