"""One run's outputs: the tidy timeseries, the summary, the figure; and the table printed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ewom_abm import __version__
from ewom_abm.files import staged
from ewom_abm.model.metrics import headline, kpi

if TYPE_CHECKING:
    from ewom_abm.model.model import EwomModel



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


def summary_table(final: dict[str, dict], config: object = None) -> str:
    """The per-brand table printed at the end of ``ewom run``: the headline KPIs, labelled and
    formatted as the KPI registry says."""
    rows = []
    for brand, kpis in final.items():
        row = {"brand": brand, "strategy": kpis["strategy"]}
        for name in headline(config):
            row[kpi(name).label.lower()] = kpi(name).format(kpis[name])
        rows.append(row)
    return pd.DataFrame(rows).to_string(index=False)


def write_run(model: EwomModel, out: Path, elapsed: float | None = None) -> dict[str, Path]:
    """Write timeseries.csv, summary.json and timeseries.png into ``out``: all three or none,
    so a full disk keeps the previous run's files whole instead of mixing two runs."""
    from ewom_abm.plots import plot_timeseries

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
