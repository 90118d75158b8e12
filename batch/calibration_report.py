"""A calibration's outputs: calibration.json (the contract scripts read), calibration.md, and
calibration.png (observed points, the model's mean and replicate band, the Bass curve).

calibration.json holds at least ``fit.r2``, ``fit.rmse``, ``bass.p``, ``bass.q``, ``bass.m``,
``bass.r2``, ``market_size.value``, ``market_size.ci`` and, per fitted key,
``params.KEY.value``, ``params.KEY.se`` and ``params.KEY.ci`` (tests/test_calibrate.py holds it
to that). Values that could not be estimated (an interrupted fit's uncertainty, a fixed market
size's interval) are null, never a made-up number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ewom_abm import files
from ewom_abm.batch.bass import ADEQUATE_R2
from ewom_abm.batch.calibrate import Fit
from ewom_abm.batch.observed import Observed


def _num(x: float | None) -> float | None:
    """A number for JSON: NaN and infinities become null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _unit(observed: Observed) -> str:
    return {"share": "share of consumers", "count": "count"}[observed.scale]


def to_dict(fit: Fit, observed: Observed) -> dict[str, Any]:
    """calibration.json's content."""
    from ewom_abm import __version__

    b = fit.bass
    market = fit.market
    return {
        "version": __version__, "status": fit.status, "data": observed.source,
        "target": observed.column, "period": observed.period,
        "kind": "per_period" if observed.per_period else "cumulative",
        "scale": observed.scale, "offset": observed.offset, **fit.extra,
        "evaluations": fit.evaluations, "seconds": round(fit.seconds, 1),
        "fit": {k: _num(v) if not isinstance(v, bool) else v
                for k, v in fit.gof.to_dict().items()},
        "params": {k: {"value": v, "se": _num(fit.se[k]),
                       "ci": None if fit.ci[k] is None else [_num(c) for c in fit.ci[k]]}
                   for k, v in fit.values.items()},
        "market_size": {"value": _num(market.value), "fitted": market.fitted,
                        "se": _num(market.se),
                        "ci": None if market.ci is None else [_num(c) for c in market.ci],
                        "unit": f"the number the simulated consumers stand for "
                                f"({_unit(observed)})"},
        "bass": {"p": b.p, "q": b.q, "m": b.m, "se": {k: _num(v) for k, v in b.se.items()},
                 **{k: _num(v) if not isinstance(v, bool) else v
                    for k, v in b.gof.to_dict().items()},
                 "per": observed.period, "note": b.note or None},
        "verdict": fit.verdict,
        "curves": {"time": [t.item() if hasattr(t, "item") else t for t in observed.times],
                   "observed": observed.values.tolist(), "model": fit.mean_curve.tolist(),
                   "model_lo": fit.band[0].tolist(), "model_hi": fit.band[1].tolist(),
                   "bass": b.curve.tolist()},
    }


def _fmt(x: float | None, spec: str = ".4g") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, spec)


def markdown(fit: Fit, observed: Observed) -> str:
    """calibration.md: goodness of fit of both models, the fitted values with their
    uncertainty, the market size, the Bass fit and the verdict."""
    ex = fit.extra
    form = "per-period values" if observed.per_period else "a cumulative curve"
    lines = [f"# Calibration of `{ex['scenario']}` to {Path(observed.source).name}", ""]
    if fit.status == "interrupted":
        lines += ["**Interrupted**: the best point found before Ctrl-C, without standard "
                  "errors (the uncertainty needs the search to finish).", ""]
    lines += [f"Target: `{observed.column}` ({form}, one row per {observed.period}) against "
              f"the model's `{ex['metric']}`, mean of {ex['reps']} replicates per point "
              f"(common random numbers); {fit.evaluations} points, {ex['runs']:,} runs of "
              f"{ex['steps']:,} weekly steps, {fit.seconds:.0f} s.", "",
              "| fit | R² | RMSE | MAPE | AIC |", "| --- | --- | --- | --- | --- |"]
    for name, g in (("model", fit.gof), ("Bass", fit.bass.gof)):
        mape = "n/a" if g.mape is None else f"{g.mape:.1f}%"
        lines.append(f"| {name} | {_fmt(g.r2, '.3f')} | {_fmt(g.rmse)} | {mape} | "
                     f"{g.aic:.1f} |")
    lines += ["", fit.verdict, "", "| parameter | fitted | standard error | 95% CI |",
              "| --- | --- | --- | --- |"]
    for k, v in fit.values.items():
        ci = fit.ci[k]
        shown = "n/a" if ci is None else f"{ci[0]:.4g} to {ci[1]:.4g}"
        lines.append(f"| `{k}` | {v:.4g} | {_fmt(fit.se[k], '.2g')} | {shown} |")
    m = fit.market
    if m.fitted:
        ci = "n/a" if m.ci is None else f"{m.ci[0]:,.4g} to {m.ci[1]:,.4g}"
        lines.append(f"| market size (fitted) | {m.value:,.4g} | {_fmt(m.se, ',.2g')} | {ci} |")
    b = fit.bass
    lines += ["", f"Market size: {m.value:,.6g} ({'fitted' if m.fitted else 'given'}), the "
              "number of people the simulated consumers stand for; the model's adopters are "
              "this times its penetration.", "",
              f"Bass (nonlinear least squares on the same form, Srinivasan & Mason 1986; p and "
              f"q per {observed.period}): p = {b.p:.4g} ± {_fmt(b.se['p'], '.2g')}, "
              f"q = {b.q:.4g} ± {_fmt(b.se['q'], '.2g')}, m = {b.m:,.6g} ± "
              f"{_fmt(b.se['m'], ',.2g')} (eventual adopters)."
              + (f" Note: {b.note}." if b.note else ""), "",
              f"A fit with R² below {ADEQUATE_R2} does not reproduce the curve; AIC compares "
              "fits only when both do. Standard errors are asymptotic: the observed curve is "
              "treated as one realisation of the process, with the time-correlated run-to-run "
              "covariance of the simulation, plus any misfit beyond that noise. Where "
              "parameters trade off (advertising against word of mouth) they can be too "
              "narrow. More --reps narrow the simulation's share of the error.", ""]
    return "\n".join(lines)


def plot(fit: Fit, observed: Observed, path: Path | None) -> Any:
    """Observed points, the fitted model's mean with its replicate band, and the Bass fit."""
    from matplotlib.figure import Figure

    t = _axis(observed)
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(t, *fit.band, color="C0", alpha=0.2, label="model, 95% of replicates")
    ax.plot(t, fit.mean_curve, color="C0", lw=2,
            label=f"model (mean of {fit.extra['reps']} runs), R² {_fmt(fit.gof.r2, '.3f')}")
    ax.plot(t, fit.bass.curve, color="C1", lw=2, ls="--",
            label=f"Bass p={fit.bass.p:.3g} q={fit.bass.q:.3g} m={fit.bass.m:,.4g}, "
                  f"R² {_fmt(fit.bass.gof.r2, '.3f')}")
    ax.plot(t, observed.values, "o", color="k", ms=4, label=f"observed: {observed.column}")
    ax.set_xlabel(observed.period if observed.period != "step" else "step (model time)")
    unit = "share of consumers" if observed.scale == "share" else "count"
    form = "per period" if observed.per_period else "cumulative"
    ax.set_ylabel(f"{observed.column} ({unit}, {form})")
    title = ", ".join(f"{k} = {v:.3g}" for k, v in fit.values.items())
    if fit.market.fitted:
        title += f", M = {fit.market.value:,.4g}"
    if fit.status == "interrupted":
        title = "INTERRUPTED: " + title
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def _axis(observed: Observed) -> np.ndarray:
    """The x axis: the time column when it is numeric, else the period index."""
    try:
        return np.asarray(observed.times, dtype=float)
    except (TypeError, ValueError):
        return observed.periods


def report(fit: Fit, observed: Observed, out: Path) -> dict[str, Path]:
    """calibration.json, calibration.md and calibration.png in ``out``, all three or none
    (a failed write keeps the previous ones)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "calibration.json", "md": out / "calibration.md",
             "png": out / "calibration.png"}
    with files.staged(list(paths.values())) as (json_tmp, md_tmp, png_tmp):
        json_tmp.write_text(json.dumps(to_dict(fit, observed), indent=2) + "\n",
                            encoding="utf-8")
        md_tmp.write_text(markdown(fit, observed), encoding="utf-8")
        plot(fit, observed, png_tmp)
    return paths
