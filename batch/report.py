"""``ewom report DIR``: what a sweep found, as figures and tables with 95% confidence intervals.

Writes ``DIR/report/``: frontier.png (reach against dilution per configuration, Pareto frontier
drawn), frontier_revenue.png (the same with revenue), curves.png (reach, penetration and dream
value over time), summary.csv / summary.md (mean and CI of every final metric per
configuration) and paradox.md (the luxury paradox regressed on the configurations' means). A
configuration's replicates are its sample: intervals are t intervals of the mean across them;
the paradox's n is the number of configurations, not of runs. Works on a
finished, running or interrupted sweep (it reads, never writes, the sweep's tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ewom_abm import files
from ewom_abm.batch.stats import LEVEL, mean_ci, ols, pareto, t_halfwidth
from ewom_abm.batch.storage import SweepStore
from ewom_abm.model.errors import EwomError
from ewom_abm.model.metrics import METRICS, RUN_KPIS, kpi
from ewom_abm.model.scenario import BRAND_STRATEGIES, EWOM_MODELS

# final metrics summarised per configuration
FINAL = [*METRICS, *(k.name for k in RUN_KPIS)]
# the columns summary.md shows (summary.csv has them all); labels come from the KPI registry
SHOWN = ("reach", "penetration", "penetration_outside_core", "revenue", "dream_value",
         "dilution", "negative_share", "cost_per_reached", "peak_new_adopters_step")
# Okabe-Ito colours (colour-blind safe) per strategy; markers per eWOM model
COLOURS = {"entertainment": "#E69F00", "influencer": "#0072B2", "exclusivity": "#009E73",
           "adaptive": "#CC79A7"}
MARKERS = {"organic": "o", "linear": "s", "coproduction": "^"}
LINESTYLES = ("-", "--", ":", "-.")
CURVES = ("reach", "penetration", "dream_value")


@dataclass
class Sweep:
    """A sweep's folder as a report sees it."""

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame  # successful runs only
    timeseries: pd.DataFrame | None
    keys: list[str]
    failed: int

    @property
    def title(self) -> str:
        return str(self.manifest.get("scenario") or self.path.name)


def load(path: Path | str) -> Sweep:
    """Read a sweep folder (final tables plus any chunks not merged yet)."""
    path = files.input_folder(path, "report")
    store = SweepStore(path, key="report")
    manifest = store.read_manifest()
    if manifest is None:
        raise EwomError(f"report: {path} holds no sweep.json; run `ewom sweep "
                        f"SCENARIO --vary KEY=VALUES --out {path}` first")
    if manifest.get("kind") != "sweep":
        raise EwomError(f"report: {path} holds a {manifest.get('kind')}, not a sweep; its "
                        "results are in its own folder")
    runs, ts = store.load()
    keys = list(manifest["identity"]["design"]["keys"])
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs.iloc[0:0]
    if ok.empty:
        raise EwomError(f"report: {path} holds no successful runs yet")
    _check_columns(ok, keys, path)
    failed = int(runs.loc[runs["status"] != "ok", "run"].nunique())
    if ts is not None:
        ts = ts[ts["run"].isin(ok["run"].unique())]
    return Sweep(path, manifest, ok.reset_index(drop=True), ts, keys, failed)


# what every successful run's row holds besides the design's keys and the final metrics
_ROW = ("run", "config", "rep", "seed", "brand", "brand_index", "brand_strategy", "ewom_model")


def _check_columns(runs: pd.DataFrame, keys: list[str], path: Path) -> None:
    """A runs table without a metric, or without a key the design varies, was not written
    by this sweep: it is named as damaged instead of failing deep in the report."""
    missing = [c for c in (*_ROW, *keys, *FINAL) if c not in runs.columns]
    if missing:
        what = (f"column for the design's key {missing[0]!r}" if missing[0] in keys
                else f"column {missing[0]!r}")
        raise EwomError(f"report: {path / 'runs.parquet'} is damaged (no {what}"
                        f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}); "
                        "restore it, or delete runs.parquet and timeseries.parquet and rerun "
                        "the sweep command to run those runs again")


def _order(values: list[str], canon: tuple[str, ...]) -> list[str]:
    return sorted(values, key=lambda v: (canon.index(v) if v in canon else len(canon), v))


def _extras(sweep: Sweep) -> list[str]:
    """Varied keys besides the strategy and the eWOM model: they label points and lines."""
    return [k for k in sweep.keys
            if k != "ewom.model" and not (k.startswith("brands.") and k.endswith(".strategy"))]


def summarize(sweep: Sweep) -> pd.DataFrame:
    """Per configuration and brand: its varied values, n, and mean/lo/hi of each metric."""
    runs = sweep.runs
    unit = ["config", "brand"]
    attrs = runs.drop_duplicates(unit)[[*unit, *sweep.keys, "brand_index", "brand_strategy",
                                        "ewom_model"]]
    stats = mean_ci(runs, unit, [c for c in FINAL if c in runs])
    out = attrs.merge(stats, on=unit).sort_values(["config", "brand_index"], ignore_index=True)
    extras = _extras(sweep)
    short = {k: k.split(".")[-1] for k in extras}
    if len(set(short.values())) < len(short):  # brands.0.budget and brands.1.budget
        short = {k: k for k in extras}
    multi_brand = out["brand"].nunique() > 1
    rest = []
    for _, row in out.iterrows():
        bits = [f"{short[k]}={row[k]}" for k in extras]
        if multi_brand:
            bits.append(str(row["brand"]))
        rest.append(", ".join(bits))
    base = out["brand_strategy"].astype(str) + " / " + out["ewom_model"].astype(str)
    out.insert(2, "label", [b + (f", {r}" if r else "") for b, r in zip(base, rest,
                                                                       strict=True)])
    out.insert(3, "extra", rest)
    out.insert(4, "pareto", pareto(out["reach_mean"], out["dilution_mean"]))
    return out.drop(columns=["brand_index"])


# --------------------------------------------------------------------------- figures

def plot_frontier(summary: pd.DataFrame, path: Path | None, title: str = "",
                  x: str = "reach", unit: str = "replicates") -> pd.DataFrame:
    """Reach (or revenue: ``x``) against dilution (y): one point per configuration with its 95%
    CI whiskers (``unit``: what each point is the mean of, replicates or, for a cell averaged
    over a design, configurations), colour = strategy, marker = eWOM model, the Pareto
    frontier (more x, less dilution) dashed. Returns the plotted points (for checking against
    summary.csv)."""
    pts = pd.DataFrame({
        "config": summary["config"], "brand": summary["brand"], "label": summary["label"],
        "strategy": summary["brand_strategy"], "ewom_model": summary["ewom_model"],
        "x": summary[f"{x}_mean"], "x_lo": summary[f"{x}_lo"], "x_hi": summary[f"{x}_hi"],
        "y": summary["dilution_mean"], "y_lo": summary["dilution_lo"],
        "y_hi": summary["dilution_hi"], "n": summary["n"],
        "pareto": pareto(summary[f"{x}_mean"], summary["dilution_mean"])})
    numbered = bool((summary["extra"] != "").any()) and len(pts) <= 60
    ncol = 2 if len(pts) > 6 else 1
    height = 6.8 + (0.2 * -(-len(pts) // ncol) + 0.4 if numbered else 0.0)
    fig = Figure(figsize=(11 if numbered else 9.5, height), layout="constrained")
    ax = fig.subplots()
    front = pts[pts["pareto"]].sort_values("x")
    ax.plot(front["x"], front["y"], ls="--", lw=1.6, color="0.35", zorder=1)
    for p in pts.itertuples(index=False):
        colour = COLOURS.get(p.strategy, "0.4")
        xerr = np.array([[p.x - p.x_lo], [p.x_hi - p.x]])
        yerr = np.array([[p.y - p.y_lo], [p.y_hi - p.y]])
        ax.errorbar(p.x, p.y, xerr=None if np.isnan(xerr).any() else xerr,
                    yerr=None if np.isnan(yerr).any() else yerr, fmt="none",
                    ecolor=colour, elinewidth=1.4, capsize=3.5, zorder=2)
        ax.plot(p.x, p.y, ls="none", marker=MARKERS.get(p.ewom_model, "D"), ms=11,
                mfc=colour, mec="black" if p.pareto else "white",
                mew=1.8 if p.pareto else 1.0, zorder=3)
    if numbered:  # other varied values or brands: number the points, key on the right
        for k, p in enumerate(pts.itertuples(index=False), start=1):
            ax.annotate(str(k), (p.x, p.y), textcoords="offset points", xytext=(6, 5),
                        fontsize=8, color="0.2")
    if kpi(x).kind == "share":
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"{kpi(x).label} at the end of the run ({kpi(x).unit})", fontsize=11)
    ax.set_ylabel(f"{kpi('dilution').label} at the end of the run "
                  f"({kpi('dilution').unit})", fontsize=11)
    ax.grid(alpha=0.3)
    ax.margins(0.08)
    top = ax.get_ylim()[1]  # dilution axis from zero (a little below, so markers show)
    low = min(0.0, float(np.nanmin(pts[["y", "y_lo"]].to_numpy())))
    ax.set_ylim(low - 0.03 * (top - low), top)
    strategies = _order(pts["strategy"].unique().tolist(), BRAND_STRATEGIES)
    models = _order(pts["ewom_model"].unique().tolist(), EWOM_MODELS)
    handles = [Line2D([], [], ls="none", marker="o", ms=10, mfc=COLOURS.get(s, "0.4"),
                      mec="white", label=s) for s in strategies]
    handles += [Line2D([], [], ls="none", marker=MARKERS.get(m, "D"), ms=10, mfc="0.6",
                       mec="white", label=f"{m} eWOM") for m in models]
    handles += [Line2D([], [], ls="--", color="0.35", marker="o", mfc="none", mec="black",
                       mew=1.8, ms=10, label="Pareto frontier")]
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.9, fontsize=9,
              title="strategy (colour), eWOM model (shape)", title_fontsize=9)
    if numbered:
        key = [Line2D([], [], ls="none", label=f"{k}  {label}")
               for k, label in enumerate(pts["label"], start=1)]
        fig.legend(handles=key, loc="outside lower center", handlelength=0, handletextpad=0,
                   ncol=ncol, fontsize=8, title="points", title_fontsize=9, frameon=False)
    n = pts["n"]
    reps = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    what = kpi(x).label.lower()
    fig.suptitle(f"{title + ': ' if title else ''}{what} against dilution (better: lower "
                 f"right)\nmean of {reps} {unit} per point, whiskers: {LEVEL:.0%} CI; "
                 f"Pareto frontier: no other point has more {what} and less dilution",
                 fontsize=11)
    if path is not None:
        fig.savefig(path, dpi=130)
    return pts


def curve_bands(ts: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per configuration, brand and step: mean and CI of each column across replicates."""
    return mean_ci(ts, ["config", "brand", "step"], columns)


def plot_curves(sweep: Sweep, summary: pd.DataFrame, path: Path | None) -> pd.DataFrame | None:
    """Mean reach, penetration and dream value over time with CI bands: one row of panels per
    eWOM model, one colour per strategy (line style: other varied values or brands)."""
    if sweep.timeseries is None or sweep.timeseries.empty:
        return None
    cols = list(CURVES)
    bands = curve_bands(sweep.timeseries, cols)
    models = _order(summary["ewom_model"].unique().tolist(), EWOM_MODELS)
    fig = Figure(figsize=(13, 3.3 * len(models) + 0.8), layout="constrained")
    axes = fig.subplots(len(models), len(CURVES), sharex=True, sharey="col", squeeze=False)
    rest = summary["extra"]
    styles = {r: LINESTYLES[i % len(LINESTYLES)] for i, r in enumerate(dict.fromkeys(rest))}
    for row, model in zip(axes, models, strict=True):
        units = summary[summary["ewom_model"] == model]
        for u, extra in zip(units.itertuples(index=False), rest[units.index], strict=True):
            part = bands[(bands["config"] == u.config) & (bands["brand"] == u.brand)]
            colour = COLOURS.get(u.brand_strategy, "0.4")
            for ax, col in zip(row, cols, strict=True):
                ax.fill_between(part["step"], part[f"{col}_lo"], part[f"{col}_hi"],
                                color=colour, alpha=0.2, lw=0)
                ax.plot(part["step"], part[f"{col}_mean"], color=colour, lw=2,
                        ls=styles[extra])
        row[0].set_ylabel(f"{model} eWOM", fontsize=11, fontweight="bold")
    for ax, col in zip(axes[0], CURVES, strict=True):
        ax.set_title(f"{kpi(col).label} ({kpi(col).unit})", fontsize=11)
    for ax in axes[-1]:
        ax.set_xlabel("step (week)")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    for ax in axes[:, :2].flat:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    strategies = _order(summary["brand_strategy"].unique().tolist(), BRAND_STRATEGIES)
    handles = [Line2D([], [], color=COLOURS.get(s, "0.4"), lw=2.5, label=s) for s in strategies]
    if len(styles) > 1:
        handles += [Line2D([], [], color="0.3", lw=2, ls=st, label=r) for r, st in styles.items()]
    n = summary["n"].min()
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6),
               frameon=False, fontsize=10)
    fig.suptitle(f"{sweep.title}: mean over replicates (at least {n} each), bands: "
                 f"{LEVEL:.0%} CI", fontsize=12)
    if path is not None:
        fig.savefig(path, dpi=110)
    return bands


# --------------------------------------------------------------------------- tables

def _fmt(mean: float, lo: float, hi: float) -> str:
    if np.isnan(lo):
        return f"{mean:.3g}"
    return f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"


def summary_markdown(sweep: Sweep, summary: pd.DataFrame) -> str:
    m = sweep.manifest
    lines = [f"# {sweep.title}: summary of the sweep", "",
             f"{m.get('design', '')}; {len(sweep.runs['run'].unique())} successful runs"
             + (f", **{sweep.failed} failed** (see sweep.json)" if sweep.failed else "")
             + f"; status: {m.get('status')}.", "",
             f"Varied: {', '.join(f'`{k}`' for k in sweep.keys)}. Each cell: mean over the "
             f"replicates [{LEVEL:.0%} t confidence interval]; shares are of all consumers, "
             "dream value of those aware of the brand (who would dream of owning it), "
             "dilution is the share of dream value that ownership costs. All final metrics "
             "are in summary.csv.", ""]
    shown = {k: kpi(k).label.lower() for k in SHOWN if f"{k}_mean" in summary}
    header = ["configuration", "n", *shown.values(), "Pareto"]
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in summary.to_dict("records"):
        cells = [row["label"], str(row["n"])]
        cells += [_fmt(row[f"{k}_mean"], row[f"{k}_lo"], row[f"{k}_hi"]) for k in shown]
        cells.append("yes" if row["pareto"] else "")
        lines.append("| " + " | ".join(cells) + " |")
    front = summary[summary["pareto"]].sort_values("reach_mean")
    lines += ["", "Pareto frontier (no other configuration has more reach and less dilution), "
              "from least to most reach: " + "; ".join(front["label"]) + ".", ""]
    return "\n".join(lines)


def configuration_means(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration (and brand): the means of its replicates' final dream value,
    reach and penetration, and how many replicates it had. Replicates sharpen a
    configuration's mean; they are not independent markets, so the paradox is regressed on
    these means (rows without a ``config`` column are configurations already)."""
    cols = ["dream_value", "reach", "penetration"]
    if "config" not in runs:
        return runs[cols].assign(replicates=1)
    keys = ["config", "brand"] if "brand" in runs else ["config"]
    g = runs.groupby(keys, sort=True)
    out = g[cols].mean()
    out["replicates"] = g.size()
    return out.reset_index()


def paradox(runs: pd.DataFrame, status: bool = True) -> dict[str, Any]:
    """Dream value regressed on awareness (reach) and penetration across configurations, as
    Dubois & Paternault (1995) did across brands: one observation per configuration and brand,
    the mean of its replicates (n is the number of configurations, not of runs). The verdict
    reads the signs off the CIs. With consumers blind to status the model's claim is
    different: penetration should not matter."""
    means = configuration_means(runs)
    y = means["dream_value"].to_numpy(float)
    reach = means["reach"].to_numpy(float)
    pen = means["penetration"].to_numpy(float)
    n = len(means)
    out: dict[str, Any] = {"n": n, "runs": len(runs),
                           "replicates": int(means["replicates"].min()) if n else 0}
    corr = float(np.corrcoef(reach, pen)[0, 1]) if n > 2 and reach.std() > 0 and \
        pen.std() > 0 else float("nan")
    out["correlation"] = corr
    if n < 4 or reach.std() == 0 or pen.std() == 0:
        out["fit"] = None
        out["verdict"] = ("cannot be estimated: awareness and penetration need to vary across "
                          f"at least 4 configurations (here {n})")
        return out
    if y.std() == 0:
        out["fit"] = None
        out["verdict"] = (f"cannot be estimated: dream value is {y[0]:.3g} in every "
                          "configuration" + (" (consumers blind to status never dream of a "
                                             "brand)" if not status else ""))
        return out
    fit = ols(y, {"awareness (reach)": reach, "penetration": pen})
    out["fit"] = fit
    aware_pos = fit.lo[1] > 0
    pen_neg = fit.hi[2] < 0
    a = f"{fit.coef[1]:+.3f} [{fit.lo[1]:+.3f}, {fit.hi[1]:+.3f}]"
    p = f"{fit.coef[2]:+.3f} [{fit.lo[2]:+.3f}, {fit.hi[2]:+.3f}]"
    if not status:
        flat = fit.lo[2] <= 0 <= fit.hi[2]
        verdict = (f"with consumers blind to status, penetration {p} "
                   + ("does not lower dream value (its CI includes zero), as the model says"
                      if flat else "still moves dream value (its CI excludes zero)"))
    elif aware_pos and pen_neg:
        verdict = (f"the luxury paradox holds: dream value rises with awareness ({a}) and falls "
                   f"with penetration ({p}), both {LEVEL:.0%} CIs clear of zero, across {n} "
                   "configurations")
    else:
        verdict = (f"the luxury paradox is not shown across {n} configurations: awareness {a} "
                   f"({'positive' if aware_pos else 'not clearly positive'}), penetration {p} "
                   f"({'negative' if pen_neg else 'not clearly negative'})")
    if abs(corr) > 0.98:
        verdict += (f"; note awareness and penetration are almost collinear here "
                    f"(r = {corr:.3f}), so their effects are hard to separate")
    out["verdict"] = verdict
    return out


STATUS_KEYS = ("consumers.status_sensitivity_core", "consumers.status_sensitivity_aspirational")


def status_sensitive(sweep: Sweep) -> pd.Series:
    """Per run and brand: do its consumers care about the brand's status at all (either
    segment's mean status sensitivity above 0, and the brand's status weight above 0)? From the
    varied keys, else from the sweep's base scenario."""
    params = sweep.manifest.get("parameters") or {}
    consumers = params.get("consumers", {})
    runs = sweep.runs
    on = pd.Series(False, index=runs.index)
    for key in STATUS_KEYS:
        if key in runs:
            on |= runs[key].astype(float) > 0
        else:
            on |= float(consumers.get(key.split(".")[1], 1.0)) > 0
    brands = params.get("brands") or []
    index = runs["brand_index"] if "brand_index" in runs else pd.Series(0, index=runs.index)
    weight = pd.Series([float(brands[i].get("status_weight", 1.0)) if i < len(brands) else 1.0
                        for i in index.astype(int)], index=runs.index)
    for i in index.astype(int).unique():
        key = f"brands.{i}.status_weight"
        if key in runs:
            mine = index == i
            weight[mine] = runs.loc[mine, key].astype(float)
    return on & (weight > 0)


def paradox_groups(sweep: Sweep) -> list[tuple[str, pd.DataFrame, bool]]:
    """The regressions to run: one over all runs, or, when the sweep varies the consumers'
    status sensitivity (or a brand's status weight) to and from zero, one with and one without
    (MODEL.md property 5 compares them)."""
    runs, on = sweep.runs, status_sensitive(sweep)
    if on.nunique() > 1:
        return [("consumers sensitive to status", runs[on], True),
                ("consumers blind to status", runs[~on], False)]
    return [("", runs, bool(on.iloc[0]))]


def paradox_markdown(sweep: Sweep) -> str:
    lines = [f"# The luxury paradox across the configurations of {sweep.title}", "",
             "Dubois & Paternault (1995) found, across brands, that dream value rises with "
             "awareness and falls with penetration (\"the more popular the brand, the greater "
             "the sales, but the greater the sales, the less attractive\"). Here: ordinary "
             "least squares of final dream value on final reach (awareness) and penetration, "
             "one observation per configuration and brand: the mean of its replicates, with "
             f"{LEVEL:.0%} t confidence intervals. Replicates sharpen each configuration's "
             "mean but are not independent markets, so n is the number of configurations; "
             "a claim about brands needs many configurations, not many replicates.", ""]
    for title, runs, enabled in paradox_groups(sweep):
        result = paradox(runs, enabled)
        if title:
            lines += [f"## {title.capitalize()}", ""]
        fit = result["fit"]
        if fit is not None:
            lines += ["| term | coefficient | 95% CI | std. error | p |",
                      "| --- | ---: | --- | ---: | ---: |"]
            for i, name in enumerate(fit.names):
                lines.append(f"| {name} | {fit.coef[i]:+.4f} | [{fit.lo[i]:+.4f}, "
                             f"{fit.hi[i]:+.4f}] | {fit.se[i]:.4f} | {fit.p[i]:.2g} |")
            lines += ["", f"n = {fit.n} configurations (each the mean of at least "
                      f"{result['replicates']} replicates; {result['runs']} runs), "
                      f"R² = {fit.r2:.3f}, correlation of awareness and penetration "
                      f"r = {result['correlation']:.3f}.", ""]
        lines += [f"**Verdict{f' ({title})' if title else ''}: {result['verdict']}.**", ""]
    return "\n".join(lines)


def followers_markdown(summary: pd.DataFrame) -> str:
    """Issue 17's question across the sweep: revenue against followers, by strategy, with the
    reason the two part (who follows against who bought) in the table. One line when the
    follower mechanism was off in every run."""
    title = "# Followers against revenue"
    if "followers_mean" not in summary or not (summary["followers_mean"] > 0).any():
        return (f"{title}\n\nfollowers were off in this sweep (followers.enabled = false); "
                "switch them on to ask whether followers drive purchase.\n")
    cols = ("followers", "followers_outside_core", "followers_who_bought", "revenue", "roms",
            "reach")
    shown = [c for c in cols if f"{c}_mean" in summary]
    lines = [title, "", "Per configuration and brand: mean over the replicates "
             f"[{LEVEL:.0%} t confidence interval]. Following needs liking, never a budget, so "
             "followers track reach; who bought depends on who can pay (followers outside the "
             "core, followers who bought).", "",
             "| configuration | " + " | ".join(kpi(c).label.lower() for c in shown) + " |",
             "| --- |" + " --- |" * len(shown)]
    for row in summary.to_dict("records"):
        cells = [_fmt(row[f"{c}_mean"], row[f"{c}_lo"], row[f"{c}_hi"]) for c in shown]
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    lines.append("")
    for brand, part in summary.groupby("brand", sort=False):
        if part["brand_strategy"].nunique() < 2:
            continue
        by = part.groupby("brand_strategy")[["followers_mean", "revenue_mean"]].mean()
        most_f, most_r = by["followers_mean"].idxmax(), by["revenue_mean"].idxmax()
        verdict = ("followers and revenue part" if most_f != most_r
                   else "followers and revenue go together")
        lines.append(f"**{brand}: {verdict}: the most followers under {most_f}, the most "
                     f"revenue under {most_r}** (means over the configurations of each "
                     "strategy).")
    return "\n".join(lines) + "\n"


def write_report(path: Path | str, out: Path | str | None = None) -> dict[str, Path]:
    """Everything ``ewom report`` writes; returns the paths by name."""
    key = "--out" if out is not None else "report"
    out = files.writable_folder(out if out is not None else
                                files.input_folder(path, "report") / "report", key)
    sweep = load(path)
    paths = {"frontier": out / "frontier.png", "frontier_revenue": out / "frontier_revenue.png",
             "curves": out / "curves.png",
             "summary_csv": out / "summary.csv", "summary_md": out / "summary.md",
             "paradox": out / "paradox.md", "followers": out / "followers.md"}
    summary = summarize(sweep)
    try:  # every file or none: a failed write keeps the previous report whole
        out.mkdir(parents=True, exist_ok=True)
        with files.staged(list(paths.values())) as tmp:
            t = dict(zip(paths, tmp, strict=True))
            summary.to_csv(t["summary_csv"], index=False)
            t["summary_md"].write_text(summary_markdown(sweep, summary), encoding="utf-8")
            plot_frontier(summary, t["frontier"], sweep.title)
            plot_frontier(summary, t["frontier_revenue"], sweep.title, x="revenue")
            if plot_curves(sweep, summary, t["curves"]) is None:
                del paths["curves"]
            t["paradox"].write_text(paradox_markdown(sweep), encoding="utf-8")
            t["followers"].write_text(followers_markdown(summary), encoding="utf-8")
    except OSError as exc:
        raise EwomError(f"{key}: cannot write to {out}: {files.reason(exc)}") from None
    return paths


__all__ = ["Sweep", "configuration_means", "curve_bands", "followers_markdown", "load",
           "paradox", "plot_curves",
           "plot_frontier", "summarize", "t_halfwidth", "write_report"]
