"""One run's outputs: the tidy timeseries, the summary, the figure; and the table printed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ewom_abm import __version__
from ewom_abm.model.files import staged

if TYPE_CHECKING:
    from ewom_abm.model.model import EwomModel

# the columns of the printed per-brand summary, with their headers
SUMMARY_COLUMNS = {
    "strategy": "strategy", "reach": "reach", "penetration": "penetration",
    "penetration_outside_core": "pen. outside core", "advocates": "advocates",
    "negative_share": "negative WOM", "dream_value": "dream value", "dilution": "dilution",
    "spend": "spend",
}


def tag(df: pd.DataFrame, model: EwomModel) -> pd.DataFrame:
    """Every row carries the scenario and seed that produced it."""
    return df.assign(scenario=model.config.name, seed=model.seed)


def summary(model: EwomModel, elapsed: float | None = None) -> dict[str, Any]:
    """What produced the run and how it ended: for summary.json."""
    return {
        "scenario": model.config.name,
        "seed": model.seed,
        "steps": model.steps,
        "consumers": model.n,
        "version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "elapsed_seconds": elapsed,
        "parameters": model.config.to_dict(),
        "final": model.final(),
    }


def summary_table(final: dict[str, dict]) -> str:
    """The per-brand table printed at the end of ``ewom run``."""
    rows = []
    for brand, kpis in final.items():
        row = {"brand": brand}
        for key, header in SUMMARY_COLUMNS.items():
            v = kpis[key]
            row[header] = f"{v:.3f}" if isinstance(v, float) else v
        rows.append(row)
    return pd.DataFrame(rows).to_string(index=False)


def write_run(model: EwomModel, out: Path, elapsed: float | None = None) -> dict[str, Path]:
    """Write timeseries.csv, summary.json and timeseries.png into ``out``: all three or none,
    so a full disk keeps the previous run's files whole instead of mixing two runs."""
    from ewom_abm.model.plots import plot_timeseries

    out.mkdir(parents=True, exist_ok=True)
    paths = {"timeseries": out / "timeseries.csv", "summary": out / "summary.json",
             "figure": out / "timeseries.png"}
    df = tag(model.timeseries(), model)
    with staged(list(paths.values())) as (ts_tmp, summary_tmp, figure_tmp):
        df.to_csv(ts_tmp, index=False)
        summary_tmp.write_text(json.dumps(summary(model, elapsed), indent=2) + "\n",
                               encoding="utf-8")
        plot_timeseries(df, figure_tmp, title=f"{model.config.name} (seed {model.seed})")
    return paths
