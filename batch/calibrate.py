"""Calibration: fit scenario parameters to an observed curve by simulation, beside a Bass fit.

The distance is the mean squared difference between the observed curve and the mean simulated
curve over ``reps`` replicates. Every candidate point uses the same replicate seeds (common
random numbers), so the objective is a smooth function of the parameters and derivative-free
optimisers (bounded Nelder-Mead, then Powell's search) can follow it. Uncertainty is asymptotic
(a sandwich around J, the sensitivity of the mean curve to each parameter by central
differences with the same seeds): see ``_standard_errors``. The closed-form Bass model (p, q, m)
is fitted to the same data by nonlinear least squares as the baseline.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ewom_abm import files, limits
from ewom_abm.batch.executors import Executor, make_executor
from ewom_abm.batch.grid import Run, run_seed
from ewom_abm.batch.runner import EwomSimulator, Outcome, Task, execute, failed
from ewom_abm.batch.sensitivity import Param, parse_param
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError
from ewom_abm.model.network import cached_graph_file
from ewom_abm.model.reference import bass_continuous
from ewom_abm.model.scenario import Scenario

TIME_COLUMNS = ("step", "week", "period", "t", "date", "day", "month")
KINDS = ("cumulative", "per_step")
# metrics that are shares of consumers, and counts the fit divides by the number of consumers
SHARE_METRICS = ("reach", "penetration", "penetration_core", "penetration_outside_core",
                 "interested", "rejecters")
COUNT_METRICS = ("new_adopters", "messages", "advocates")
NOISE_REPS = 30  # runs at the optimum to estimate the run-to-run covariance
SCOUT_PER_PARAM = 8  # quasi-random points per parameter before the simplex starts


# --------------------------------------------------------------------------- observed data

@dataclass(frozen=True)
class Observed:
    """An observed curve on the model's clock: steps and values as shares of the population."""

    steps: np.ndarray  # int, model steps
    values: np.ndarray  # float, share of the population (cumulative or per step)
    column: str
    source: str


def load_observed(path: str | Path, target: str, *, time_column: str | None = None,
                  period_days: float = 7.0, offset: int = 0, scale: str = "share",
                  population: int | None = None) -> Observed:
    """Read a CSV of an observed curve. The time column holds steps (numbers) or dates, which
    become steps of ``period_days`` from the first date; ``offset`` shifts them (model step =
    time + offset). ``scale`` says whether values are shares or counts of ``population``."""
    path = Path(path)
    where = "--data"
    if not (period_days > 0 and np.isfinite(period_days)):
        raise EwomError(f"--period-days: must be a positive number of days, got {period_days}")
    limits.check(limits.STEPS, abs(offset), "--offset", f"{offset:,} steps")
    path = files.input_file(path, where)
    try:
        df = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError,
            OSError) as exc:
        raise EwomError(f"{where}: {path.name} is not a readable CSV ({str(exc).strip()})") \
            from None
    columns = [str(c) for c in df.columns]
    if target not in columns:
        raise EwomError(f"--target: no column {target!r} in {path.name}"
                        f"{sc.suggest(target, columns)}; columns: {', '.join(columns)}")
    if time_column is None:
        time_column = next((c for c in columns if c.lower() in TIME_COLUMNS), None)
        if time_column is None:
            raise EwomError(f"--time-column: {path.name} has no column named one of "
                            f"{', '.join(TIME_COLUMNS)}; name the time column")
    elif time_column == target:
        raise EwomError(f"--time-column: {time_column!r} is the --target column; name the "
                        "column that holds steps or dates")
    elif time_column not in columns:
        raise EwomError(f"--time-column: no column {time_column!r} in {path.name}; columns: "
                        f"{', '.join(columns)}")
    df = df[[time_column, target]].dropna()
    if len(df) < 3:
        raise EwomError(f"--data: {path.name} has {len(df)} usable rows; a curve needs 3 or more")
    values = pd.to_numeric(df[target], errors="coerce")
    if values.isna().any():
        bad = df[target][values.isna()].iloc[0]
        raise EwomError(f"--target {target}: value {bad!r} is not a number")
    steps = _steps(df[time_column], time_column, period_days) + offset
    limits.check(limits.STEPS, int(steps[-1]), "--data",
                 f"its last observation at model step {int(steps[-1]):,}")
    if np.any(np.diff(steps) <= 0):
        raise EwomError(f"--time-column {time_column}: times must increase, one row per step")
    if steps[0] < 0:
        raise EwomError(f"--offset: the first observation would fall at step {steps[0]} < 0")
    y = values.to_numpy(dtype=float)
    if np.any(y < 0):
        raise EwomError(f"--target {target}: negative values; expected shares or counts")
    if scale == "count":
        if population is None or population <= 0:
            raise EwomError("--population: a positive market size is needed with --scale "
                            "count (the number the counts are out of)")
        y = y / population
    elif scale != "share":
        raise EwomError(f"--scale: {scale!r} is not one of share, count")
    if np.any(y > 1):
        raise EwomError(f"--target {target}: values above 1 are not shares; use --scale count "
                        "--population N")
    return Observed(steps.astype(int), y, target, str(path))


def _on_axis(t: np.ndarray, name: str, unit: str) -> np.ndarray:
    """Times as whole model steps, refused beyond the steps limit (before any cast that
    would overflow, and before a run that would never end)."""
    far = float(np.max(np.abs(t))) if t.size else 0.0
    if not np.isfinite(far):
        raise EwomError(f"--time-column {name}: {unit} must be finite numbers")
    limits.check(limits.STEPS, far, f"--time-column {name}",
                 f"a time {far:.6g} {unit} from the start")
    return np.round(t).astype(np.int64)


def _steps(col: pd.Series, name: str, period_days: float) -> np.ndarray:
    numeric = pd.to_numeric(col, errors="coerce")
    if not numeric.isna().any():
        values = numeric.to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise EwomError(f"--time-column {name}: steps must be finite numbers")
        if not np.allclose(values, np.round(values)):
            raise EwomError(f"--time-column {name}: steps must be whole numbers")
        return _on_axis(values, name, "steps")
    with warnings.catch_warnings():  # mixed formats fall back to dateutil: fine here
        warnings.simplefilter("ignore", UserWarning)
        dates = pd.to_datetime(col, errors="coerce")
    if dates.isna().any():
        bad = col[dates.isna()].iloc[0]
        raise EwomError(f"--time-column {name}: {bad!r} is neither a step number nor a date")
    days = (dates - dates.iloc[0]).dt.total_seconds().to_numpy() / 86400.0
    with np.errstate(over="ignore"):  # a tiny --period-days: refused just below
        return _on_axis(days / period_days, name, f"steps of {period_days:g} days")


# --------------------------------------------------------------------------- Bass baseline

@dataclass
class BassFit:
    """Closed-form Bass fitted by nonlinear least squares."""

    p: float
    q: float
    m: float
    se: dict[str, float]
    rmse: float
    curve: np.ndarray


def bass_curve(t: np.ndarray, p: float, q: float, m: float, kind: str = "cumulative"
               ) -> np.ndarray:
    """m F(t), or the per-step increments m (F(t) - F(t-1))."""
    t = np.asarray(t, dtype=float)
    if kind == "cumulative":
        return m * bass_continuous(p, q, t)
    return m * (bass_continuous(p, q, t) - bass_continuous(p, q, np.maximum(t - 1, 0)))


def fit_bass(observed: Observed, kind: str = "cumulative") -> BassFit:
    """p, q and market size m (a share of the population) by nonlinear least squares."""
    t, y = observed.steps.astype(float), observed.values
    m0 = max(float(y.max() if kind == "cumulative" else y.sum()), 1e-6)
    fn = functools.partial(bass_curve, kind=kind)
    try:
        popt, pcov = optimize.curve_fit(fn, t, y, p0=(0.01, 0.3, min(1.0, m0 * 1.2)),
                                        bounds=([1e-6, 0.0, 1e-6], [1.0, 5.0, 1.0]),
                                        maxfev=20_000)
    except (RuntimeError, ValueError) as exc:
        raise EwomError(f"--data: the Bass model could not be fitted ({exc})") from None
    curve = fn(t, *popt)
    se = np.sqrt(np.clip(np.diag(pcov), 0, None))
    return BassFit(*map(float, popt), dict(zip("pqm", map(float, se), strict=True)),
                   float(np.sqrt(np.mean((curve - y) ** 2))), curve)


# --------------------------------------------------------------------------- simulation fit

@dataclass
class Fit:
    """The calibrated parameters and everything needed to judge them."""

    params: list[Param]
    values: dict[str, float]
    se: dict[str, float]
    ci: dict[str, tuple[float, float]]
    cov: np.ndarray  # covariance of the fitted values, in parameter order
    rmse: float
    evaluations: int
    mean_curve: np.ndarray
    band: tuple[np.ndarray, np.ndarray]  # 2.5% and 97.5% of the replicates
    bass: BassFit
    better: str
    extra: dict[str, Any] = field(default_factory=dict)


def consumers(config: Scenario) -> int:
    """How many consumers a scenario's runs have (a graph file decides its own; the graph
    cache parses it once per process, as it does for the runs)."""
    if config.network.kind == "file":
        return cached_graph_file(config.network.path).n
    return config.network.n


class Calibration:
    """Simulated mean curves at candidate parameter values, with common random numbers."""

    def __init__(self, simulator: EwomSimulator, params: list[Param], observed: Observed,
                 metric: str, reps: int, root_seed: int, executor: Executor) -> None:
        self.simulator, self.params, self.observed = simulator, params, observed
        self.metric, self.reps, self.root_seed, self.executor = metric, reps, root_seed, executor
        self.evaluations = 0
        self._cache: dict[tuple[float, ...], np.ndarray] = {}

    def values(self, x: np.ndarray) -> dict[str, Any]:
        """Scenario values of a point in the unit box (integers rounded for integer keys)."""
        out: dict[str, Any] = {}
        for p, u in zip(self.params, np.clip(x, 0, 1), strict=True):
            v = p.lo + float(u) * (p.hi - p.lo)
            out[p.key] = round(v) if p.integer else v
        return out

    def curves(self, x: np.ndarray, reps: int | None = None) -> np.ndarray:
        """Replicate curves (reps x observed steps) of the target metric at point x; the same
        seeds at every point (replicate r always has stream r)."""
        reps = self.reps if reps is None else reps
        key = (*np.round(np.clip(x, 0, 1), 12), reps)
        if key in self._cache:
            return self._cache[key]
        payload = self.simulator.configure(self.values(np.asarray(key[:-1])))
        tasks = [Task(Run(r, 0, r, run_seed(self.root_seed, r)), payload) for r in range(reps)]
        out = np.empty((reps, self.observed.steps.size))
        run = functools.partial(execute, self.simulator)
        for outcome in self.executor.map_unordered(run, tasks, failed):
            out[outcome.run.rep] = self._extract(outcome)
        if self.metric in COUNT_METRICS:  # the observed values are shares of the population
            out /= consumers(payload)
        self.evaluations += 1
        self._cache[key] = out
        return out

    def _extract(self, outcome: Outcome) -> np.ndarray:
        if not outcome.ok:
            raise EwomError(f"calibrate: a simulation failed: {outcome.error}")
        ts = outcome.output.timeseries
        first = ts[ts["brand"] == ts["brand"].iloc[0]].set_index("step")[self.metric]
        steps = self.observed.steps
        if steps[-1] > first.index.max():
            raise EwomError(f"--data: observations run to step {steps[-1]} but the scenario "
                            f"has {first.index.max()} steps; raise --steps")
        return first.reindex(steps).to_numpy(dtype=float)

    def objective(self, x: np.ndarray) -> float:
        return float(np.mean((self.curves(x).mean(axis=0) - self.observed.values) ** 2))

    def jacobian(self, x: np.ndarray, reps: int, h: float = 0.05) -> np.ndarray:
        """d(mean curve)/d(parameter) by central differences in the unit box (same seeds),
        over ``reps`` runs: too few, and noise hides how parameters trade off."""
        cols = []
        for i, p in enumerate(self.params):
            up, down = x.copy(), x.copy()
            up[i], down[i] = min(1.0, x[i] + h), max(0.0, x[i] - h)
            diff = (self.curves(up, reps).mean(axis=0)
                    - self.curves(down, reps).mean(axis=0))
            cols.append(diff / ((up[i] - down[i]) * (p.hi - p.lo)))
        return np.column_stack(cols)


def calibrate(scenario: str | None, data: Observed, params: list[str], *, metric: str,
              kind: str = "cumulative", reps: int = 8, overrides: list[str] | None = None,
              seed: int | None = None, steps: int | None = None, workers: int | None = 1,
              scheduler: str | None = None, connect_timeout: float | None = None,
              max_evals: int | None = None,
              on_start: Callable[[str], None] | None = None) -> Fit:
    """Fit ``params`` (``KEY=LO:HI``) of a scenario to an observed curve. The search evaluates
    about ``max_evals`` points (default 20 + 60 per parameter; the simplex may finish the
    iteration it is in), then the uncertainty needs 2 per parameter more, each ``reps`` runs.
    Everything is validated first; then ``on_start`` gets the scenario's name (the caller
    checks its output folder there, before the fit's minutes of work)."""
    if metric not in SHARE_METRICS + COUNT_METRICS:
        allowed = SHARE_METRICS + COUNT_METRICS
        raise EwomError(f"--metric: {metric!r} is not a metric a curve can be fitted to"
                        f"{sc.suggest(metric, allowed)}; metrics: {', '.join(allowed)}")
    if kind not in KINDS:
        raise EwomError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    if reps < 2:
        raise EwomError(f"--reps: need at least 2 replicates for a band, got {reps}")
    if not params:
        raise EwomError("--param: name at least one KEY=LO:HI to fit")
    parsed = [parse_param(p) for p in params]
    keys = [p.key for p in parsed]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            raise EwomError(f"--param {key}: given twice; give each key one range")
    if max_evals is None:
        max_evals = 20 + 60 * len(parsed)
    if max_evals < 2 * len(parsed) + 2:
        raise EwomError(f"--max-evals: at least {2 * len(parsed) + 2} points are needed for "
                        f"{len(parsed)} parameter(s), got {max_evals}")
    config = sc.load(scenario, overrides or [], seed=seed, steps=steps)
    if steps is None and config.steps < data.steps[-1]:  # run at least as long as the data
        config = sc.load(scenario, overrides or [], seed=seed, steps=int(data.steps[-1]))
    simulator = EwomSimulator.from_scenario(config)
    for corner in (0.0, 1.0):  # every value in the box must be one the schema accepts
        simulator.configure({p.key: (round(p.lo if corner == 0 else p.hi) if p.integer else
                                     (p.lo if corner == 0 else p.hi)) for p in parsed})
    _check_runs(len(parsed), reps, max_evals)
    with make_executor(workers, scheduler, connect_timeout) as executor:
        if on_start is not None:
            on_start(config.name)
        cal = Calibration(simulator, parsed, data, metric, reps, config.seed, executor)
        # a space-filling look first (parameters trade off along curved valleys, where a
        # search started in the middle gets stuck), then a simplex and Powell's search
        scout = stats.qmc.Sobol(len(parsed), seed=config.seed).random(SCOUT_PER_PARAM
                                                                       * len(parsed))
        start = min(scout, key=cal.objective)
        budget = max(10, max_evals - len(scout))
        best = _search(cal.objective, start, budget)
        curves = cal.curves(best)
        # the sensitivities and the run-to-run covariance need more runs than the mean does
        jac = cal.jacobian(best, max(reps, NOISE_REPS))
        noise = cal.curves(best, max(reps, NOISE_REPS))
        evaluations = cal.evaluations
    values = cal.values(best)
    mean = curves.mean(axis=0)
    resid = mean - data.values
    dof = max(1, resid.size - len(parsed))
    cov = _covariance(jac, resid, noise, reps, dof)
    se_arr = np.sqrt(np.clip(np.diag(cov), 0, None))
    tq = stats.t.ppf(0.975, dof)
    se = {p.key: float(s) for p, s in zip(parsed, se_arr, strict=True)}
    ci = {p.key: (max(p.lo, values[p.key] - tq * se[p.key]),
                  min(p.hi, values[p.key] + tq * se[p.key])) for p in parsed}  # within the box
    rmse = float(np.sqrt(np.mean(resid**2)))
    bass = fit_bass(data, kind)
    n = resid.size
    aic_model = n * np.log(max(rmse**2, 1e-300)) + 2 * len(parsed)
    aic_bass = n * np.log(max(bass.rmse**2, 1e-300)) + 2 * 3
    better = "model" if aic_model < aic_bass else "bass"
    band = (np.percentile(curves, 2.5, axis=0), np.percentile(curves, 97.5, axis=0))
    return Fit(parsed, values, se, ci, cov, rmse, evaluations, mean, band, bass, better,
               {"aic_model": float(aic_model), "aic_bass": float(aic_bass), "reps": reps,
                "metric": metric, "kind": kind, "scenario": config.name,
                "seed": config.seed, "optimizer": "Powell, then Nelder-Mead"})


def _search(objective: Any, start: np.ndarray, budget: int) -> np.ndarray:
    """The best point seen by Powell's conjugate-direction search (Powell 1964) from the best
    scout point, on half the budget, then Nelder-Mead from where it stopped, on the rest.
    With common random numbers the objective is smooth only at a coarse scale: Powell's line
    searches run along a curved valley (advertising against word of mouth) where a simplex
    collapses across it, and the simplex then settles the minimum. Either can end on a worse
    point than one it passed, so the best point evaluated is kept."""
    best = {"x": np.clip(start, 0, 1), "f": float(objective(start))}

    def seen(x: np.ndarray) -> float:
        f = float(objective(x))
        if f < best["f"]:
            best.update(x=np.clip(np.array(x, dtype=float), 0, 1), f=f)
        return f

    box = [(0.0, 1.0)] * start.size
    first = optimize.minimize(seen, start, method="Powell", bounds=box,
                              options={"maxfev": max(2 * start.size + 2, budget // 2),
                                       "xtol": 2e-3, "ftol": 1e-9})
    rest = budget - first.nfev
    if rest >= 2 * start.size + 2:
        x0 = best["x"].copy()
        optimize.minimize(seen, x0, method="Nelder-Mead", bounds=box,
                          options={"maxfev": rest, "xatol": 2e-3, "fatol": 1e-9,
                                   "initial_simplex": _simplex(x0, 0.1)})
    return best["x"]


def _simplex(x0: np.ndarray, step: float) -> np.ndarray:
    """A starting simplex around x0, ``step`` of the box in each direction, inside the box."""
    pts = [x0]
    for i in range(x0.size):
        p = x0.copy()
        p[i] = p[i] + step if p[i] + step <= 1.0 else p[i] - step
        pts.append(p)
    return np.array(pts)


def _check_runs(n_params: int, reps: int, max_evals: int) -> None:
    """The runs a fit may take, within the runs limit: the search's points x ``reps``, then
    2 per parameter and the optimum again with at least NOISE_REPS for the uncertainty."""
    search = max(max_evals, SCOUT_PER_PARAM * n_params + 10) + 1
    total = search * reps + (2 * n_params + 1) * max(reps, NOISE_REPS)
    limits.check(limits.RUNS, total, "--reps",
                 f"about {total:,} runs ({search:,} points x {reps:,} replicates, plus "
                 f"{2 * n_params + 1} x {max(reps, NOISE_REPS):,} for the uncertainty)")


def _covariance(jac: np.ndarray, resid: np.ndarray, runs: np.ndarray, reps: int,
                dof: int) -> np.ndarray:
    """Sandwich covariance of the fitted parameters.

    The observed curve is taken to be one realisation of the process (a market happens once),
    so its noise has the covariance C of single simulated runs (estimated from ``runs``),
    time-correlated as curves are; the simulated mean of ``reps`` runs adds C / reps. Misfit
    beyond that noise (a model that cannot follow the data) enters as independent error with
    the excess residual variance.
    """
    a = np.linalg.pinv(jac.T @ jac)
    c = np.atleast_2d(np.cov(runs, rowvar=False)) * (1 + 1 / reps)
    cov = a @ jac.T @ c @ jac @ a
    excess = float(resid @ resid / dof) - float(np.trace(c)) / resid.size
    if excess > 0:
        cov = cov + excess * a
    return cov


# --------------------------------------------------------------------------- outputs

def plot(fit: Fit, observed: Observed, path: Path | None) -> Any:
    """Observed points, the fitted model's mean with its replicate band, and the Bass fit."""
    from matplotlib.figure import Figure

    t = observed.steps
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(t, *fit.band, color="C0", alpha=0.2, label="model, 95% of replicates")
    ax.plot(t, fit.mean_curve, color="C0", lw=2,
            label=f"model (mean of {fit.extra['reps']} runs), RMSE {fit.rmse:.4f}")
    ax.plot(t, fit.bass.curve, color="C1", lw=2, ls="--",
            label=f"Bass p={fit.bass.p:.3f} q={fit.bass.q:.3f} m={fit.bass.m:.3f}, "
                  f"RMSE {fit.bass.rmse:.4f}")
    ax.plot(t, observed.values, "o", color="k", ms=4, label=f"observed: {observed.column}")
    ax.set_xlabel("step (model time)")
    ax.set_ylabel(f"{fit.extra['metric']} (share of consumers)")
    ax.set_title("Calibration: " + ", ".join(f"{k} = {v:.4g} ± {fit.se[k]:.2g}"
                                             for k, v in fit.values.items()))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def _verdict(fit: Fit) -> str:
    return (f"The simulation model fits better (AIC {fit.extra['aic_model']:.1f} against "
            f"Bass {fit.extra['aic_bass']:.1f})." if fit.better == "model" else
            f"The Bass model fits better (AIC {fit.extra['aic_bass']:.1f} against the "
            f"simulation's {fit.extra['aic_model']:.1f}).")


def markdown(fit: Fit, observed: Observed) -> str:
    """calibration.md: the fitted values with their uncertainty, the Bass fit, the verdict."""
    lines = [f"# Calibration of `{fit.extra['scenario']}` to {Path(observed.source).name}", "",
             f"Target: `{observed.column}` against the model's `{fit.extra['metric']}` "
             f"({fit.extra['kind']}), mean of {fit.extra['reps']} replicates per point "
             f"(common random numbers), {fit.evaluations} points evaluated.", "",
             "| parameter | fitted | standard error | 95% CI |", "| --- | --- | --- | --- |"]
    for k, v in fit.values.items():
        lo, hi = fit.ci[k]
        lines.append(f"| `{k}` | {v:.4g} | {fit.se[k]:.2g} | {lo:.4g} to {hi:.4g} |")
    b = fit.bass
    lines += ["", f"Model RMSE {fit.rmse:.4f}. Bass (closed form, least squares): "
              f"p = {b.p:.4f} ± {b.se['p']:.2g}, q = {b.q:.4f} ± {b.se['q']:.2g}, "
              f"m = {b.m:.4f} ± {b.se['m']:.2g}, RMSE {b.rmse:.4f}.", "", _verdict(fit), "",
              "Standard errors are asymptotic: the observed curve is treated as one "
              "realisation of the process, with the time-correlated run-to-run covariance of "
              "the simulation, plus any misfit beyond that noise. Where parameters trade off "
              "(a valley in the fit, such as advertising against word of mouth) they can be "
              "too narrow: in a check on simulated markets, one world in six fell outside "
              "them. More --reps narrow the simulation's share of the error.", ""]
    return "\n".join(lines)


def report(fit: Fit, observed: Observed, out: Path) -> dict[str, Path]:
    """calibration.json, calibration.md and calibration.png in ``out``, all three or none
    (a failed write keeps the previous ones)."""
    from ewom_abm import __version__

    data = {"version": __version__, "data": observed.source, "target": observed.column,
            **fit.extra, "evaluations": fit.evaluations,
            "parameters": {k: {"value": v, "se": fit.se[k], "ci95": list(fit.ci[k])}
                           for k, v in fit.values.items()},
            "rmse": fit.rmse,
            "bass": {"p": fit.bass.p, "q": fit.bass.q, "m": fit.bass.m, "se": fit.bass.se,
                     "rmse": fit.bass.rmse},
            "better": fit.better, "verdict": _verdict(fit)}
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "calibration.json", "md": out / "calibration.md",
             "png": out / "calibration.png"}
    with files.staged(list(paths.values())) as (json_tmp, md_tmp, png_tmp):
        json_tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        md_tmp.write_text(markdown(fit, observed), encoding="utf-8")
        plot(fit, observed, png_tmp)
    return paths
