"""Calibration: fit scenario parameters (and the market size) to an observed curve by simulation.

The pieces, in the order ``calibrate`` runs them:

1. ``setup``: the observed curve (``batch/observed.py``: periods, per-period or cumulative),
   the parameters and their box, the scenario lasting as long as the data, the estimate.
2. ``Calibration``: the simulated mean curve at a candidate point, in the data's form (the
   model's flow summed over each period, or its stock at the period's end), with the same
   replicate seeds at every point (common random numbers, so the objective is a smooth
   function of the parameters). When the market size is unknown it is profiled out: for each
   candidate, the scale ``M`` that best maps the simulated share curve onto the data is a
   least-squares ratio, exactly as Bass's ``m`` scales his curve.
3. ``search``: a space-filling scout with few replicates, then a simplex with all of them,
   keeping the best point evaluated; a progress bar counts the runs, shows the best R² so
   far and the time left; Ctrl-C stops it and keeps the best point.
4. ``uncertainty``: a sandwich covariance around the sensitivities of the mean curve to each
   parameter (and to ``M``), with the run-to-run noise of the simulation.
5. ``judge``: R², RMSE and MAPE of the model and of Bass fitted by nonlinear least squares to
   the same form (``batch/bass.py``), and a verdict that calls a poor fit poor.

Outputs (calibration.json, .md, .png) are written by ``batch/calibration_report.py``.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

from ewom_abm import limits
from ewom_abm.batch import estimate
from ewom_abm.batch.bass import BassFit, Gof, fit_bass, goodness, verdict
from ewom_abm.batch.executors import Executor, Target
from ewom_abm.batch.grid import Run, run_seed
from ewom_abm.batch.observed import Observed, load_observed
from ewom_abm.batch.runner import EwomSimulator, Outcome, Task, execute, failed
from ewom_abm.batch.sensitivity import Param, parse_param
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError
from ewom_abm.model.network import cached_graph_file
from ewom_abm.model.scenario import Scenario

__all__ = ["Budget", "Calibration", "EwomSimulator", "Fit", "Target", "calibrate",
           "fit_bass", "load_observed", "parse_param"]

# metrics a curve can be fitted to: stocks are shares of consumers at a step; flows are
# counts per step (their running total, out of the consumers, is the stock)
STOCK_METRICS = ("penetration", "reach", "penetration_core", "penetration_outside_core",
                 "interested", "advocates", "rejecters")
FLOW_METRICS = ("new_adopters", "messages")
METRICS = STOCK_METRICS + FLOW_METRICS
# adoption and awareness never fall: a cumulative curve of them that does is not cumulative
NEVER_FALL = ("penetration", "reach", "penetration_core", "penetration_outside_core",
              "new_adopters")
# what the model fits when no --param is named: advertising's reach and word of mouth, per
# week, wide enough for yearly durables (Bass p ~ 0.01, q ~ 0.4 per year) and weekly launches
DEFAULT_PARAMS = ("ewom.p_external=0.00001:0.05", "ewom.p_share=0.001:0.5")
NOISE_REPS = 30  # runs at the optimum to estimate the run-to-run covariance
SCOUT_PER_PARAM = 32  # quasi-random points per parameter before the search starts...
SCOUT_REPS_SHARE = 4  # ...each run with a quarter of the replicates (at least 2)
LOG_ABOVE = 10.0  # a range whose HI / LO is at least this is searched on a log scale


@dataclass(frozen=True)
class Budget:
    """How hard a calibration looks: replicates per candidate point, candidate points after
    the scout (default 20 + 20 per parameter), whether a progress bar shows it, and the runs
    per point that estimate the uncertainty (at least ``reps``)."""

    reps: int = 4
    max_evals: int | None = None
    progress: bool = True
    noise_reps: int = NOISE_REPS  # runs per point for the uncertainty (fewer: rougher)

    def evals(self, n_params: int) -> int:
        return 20 + 20 * n_params if self.max_evals is None else self.max_evals


@dataclass
class Market:
    """The market size: the number of people the simulated consumers stand for (so the data
    are ``M`` times the simulated shares). Fitted when the counts come without a population."""

    value: float
    fitted: bool
    se: float | None = None
    ci: tuple[float, float] | None = None


@dataclass
class Fit:
    """The calibrated parameters and everything needed to judge them."""

    params: list[Param]
    values: dict[str, float]
    se: dict[str, float | None]
    ci: dict[str, tuple[float, float] | None]
    cov: np.ndarray | None  # covariance of the fitted values (and M), in parameter order
    gof: Gof
    market: Market
    evaluations: int
    mean_curve: np.ndarray  # in the data's units
    band: tuple[np.ndarray, np.ndarray]  # 2.5% and 97.5% of the replicates, data units
    bass: BassFit
    verdict: str
    status: str = "complete"  # or "interrupted": the best point found, no uncertainty
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rmse(self) -> float:
        return self.gof.rmse

    @property
    def r2(self) -> float:
        return self.gof.r2


def consumers(config: Scenario) -> int:
    """How many consumers a scenario's runs have (a graph file decides its own; the graph
    cache parses it once per process, as it does for the runs)."""
    if config.network.kind == "file":
        return cached_graph_file(config.network.path).n
    return config.network.n


def on_log_scale(p: Param) -> bool:
    return (not p.integer) and p.lo > 0 and p.hi / p.lo >= LOG_ABOVE


# --------------------------------------------------------------------------- the model's curve

def observed_form(stock: np.ndarray, observed: Observed) -> np.ndarray:
    """Curves of a stock (runs x steps + 1, state after each step) in the data's form: the
    stock at each observation's end, or its increase over the period (the flow summed over
    the steps the period covers; fractional steps interpolated)."""
    steps = np.arange(stock.shape[-1], dtype=float)

    def at(t: np.ndarray) -> np.ndarray:
        cols = [np.interp(t, steps, row) for row in np.atleast_2d(stock)]
        out = np.array(cols)
        out[:, t < 0] = 0.0  # before launch: nothing
        return out

    ends = observed.ends
    if not observed.per_period:
        return at(ends)
    return at(ends) - at(ends - observed.length)


class Calibration:
    """Simulated mean curves at candidate parameter values, with common random numbers, and
    the market size that maps them onto the data."""

    def __init__(self, simulator: EwomSimulator, params: list[Param], observed: Observed,
                 metric: str, reps: int, root_seed: int, executor: Executor,
                 on_runs: Callable[[int], None] | None = None) -> None:
        self.simulator, self.params, self.observed = simulator, params, observed
        self.metric, self.reps, self.root_seed, self.executor = metric, reps, root_seed, executor
        self.on_runs = on_runs
        self.evaluations = 0
        self.runs = 0
        self._cache: dict[tuple[float, ...], np.ndarray] = {}
        y = observed.values
        self._norm = float(((y - y.mean()) ** 2).sum()) or float(y @ y) or 1.0

    def values(self, x: np.ndarray) -> dict[str, Any]:
        """Scenario values of a point in the unit box: linear, or geometric for a range
        spanning a decade or more; integers rounded for integer keys."""
        out: dict[str, Any] = {}
        for p, u in zip(self.params, np.clip(x, 0, 1), strict=True):
            if on_log_scale(p):
                v = p.lo * (p.hi / p.lo) ** float(u)
            else:
                v = p.lo + float(u) * (p.hi - p.lo)
            out[p.key] = round(v) if p.integer else v
        return out

    def curves(self, x: np.ndarray, reps: int | None = None) -> np.ndarray:
        """Replicate curves (reps x observations) at point x, as shares of the consumers in
        the data's form; the same seeds at every point (replicate r always has stream r)."""
        reps = self.reps if reps is None else reps
        key = (*np.round(np.clip(x, 0, 1), 12), reps)
        if key in self._cache:
            return self._cache[key]
        payload = self.simulator.configure(self.values(np.asarray(key[:-1])))
        tasks = [Task(Run(r, 0, r, run_seed(self.root_seed, r)), payload) for r in range(reps)]
        stock = np.empty((reps, payload.steps + 1))
        run = functools.partial(execute, self.simulator)
        for outcome in self.executor.map_unordered(run, tasks, failed):
            stock[outcome.run.rep] = self._stock(outcome, payload)
            self.runs += 1
            if self.on_runs is not None:
                self.on_runs(1)
        out = observed_form(stock, self.observed)
        self.evaluations += 1
        self._cache[key] = out
        return out

    def _stock(self, outcome: Outcome, payload: Scenario) -> np.ndarray:
        if not outcome.ok:
            raise EwomError(f"calibrate: a simulation failed: {outcome.error}")
        ts = outcome.output.timeseries
        series = ts.loc[ts["brand"] == ts["brand"].iloc[0], self.metric].to_numpy(dtype=float)
        if self.metric in FLOW_METRICS:  # a running total, out of the consumers
            return np.cumsum(series) / consumers(payload)
        return series

    def scale(self, mean: np.ndarray) -> float:
        """The market size: fixed (shares: 1; --population), or the least-squares scale of
        the simulated share curve onto the data (profiled out, like Bass's m)."""
        if self.observed.market is not None:
            return self.observed.market
        ss = float(mean @ mean)
        return float(mean @ self.observed.values) / ss if ss > 0 else 0.0

    def objective(self, x: np.ndarray, reps: int | None = None) -> float:
        """1 - R² at x (the sum of squares over the data's spread about its mean), with the
        market size at its best for x."""
        mean = self.curves(x, reps).mean(axis=0)
        resid = self.scale(mean) * mean - self.observed.values
        return float(resid @ resid) / self._norm

    def jacobian(self, x: np.ndarray, reps: int, h: float = 0.05) -> np.ndarray:
        """d(mean share curve)/d(parameter) by central differences in the unit box (same
        seeds), over ``reps`` runs: too few, and noise hides how parameters trade off."""
        cols = []
        for i, p in enumerate(self.params):
            up, down = x.copy(), x.copy()
            up[i], down[i] = min(1.0, x[i] + h), max(0.0, x[i] - h)
            diff = (self.curves(up, reps).mean(axis=0)
                    - self.curves(down, reps).mean(axis=0))
            width = self.values(up)[p.key] - self.values(down)[p.key]
            cols.append(diff / width if width else np.zeros_like(diff))
        return np.column_stack(cols)


# --------------------------------------------------------------------------- 1. set-up

@dataclass
class Setup:
    """A validated calibration, ready to run."""

    config: Scenario
    simulator: EwomSimulator
    params: list[Param]
    metric: str
    budget: Budget
    evals: int
    runs: int  # planned, uncertainty included
    seconds: float  # estimated wall time


def setup(scenario: str | Scenario | None, data: Observed, params: Sequence[str], *,
          metric: str, overrides: Sequence[str], seed: int | None, steps: int | None,
          budget: Budget, target: Target) -> Setup:
    """Everything checked before any run: the metric, the data against it, the parameters
    and every corner of their box, the runs against the limits; then the time it will take."""
    if metric not in METRICS:
        raise EwomError(f"--metric: {metric!r} is not a metric a curve can be fitted to"
                        f"{sc.suggest(metric, METRICS)}; metrics: {', '.join(METRICS)}")
    _check_monotone(data, metric)
    if isinstance(budget.reps, bool) or not isinstance(budget.reps, int) or budget.reps < 2:
        raise EwomError(f"--reps: need at least 2 replicates for a band, got {budget.reps!r}")
    parsed = [parse_param(p) for p in (params or DEFAULT_PARAMS)]
    keys = [p.key for p in parsed]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            raise EwomError(f"--param {key}: given twice; give each key one range")
    evals = budget.evals(len(parsed))
    if evals < 2 * len(parsed) + 2:
        raise EwomError(f"--max-evals: at least {2 * len(parsed) + 2} points are needed for "
                        f"{len(parsed)} parameter(s), got {evals}")
    config = _scenario(scenario, overrides, seed, steps)
    if steps is None and config.steps < data.steps_needed:  # run at least as long as the data
        config = _scenario(scenario, overrides, seed, data.steps_needed)
    elif config.steps < data.steps_needed:
        raise EwomError(f"--steps: the data run to model step {data.steps_needed:,} but "
                        f"--steps is {config.steps:,}; raise it or leave it out")
    simulator = EwomSimulator.from_scenario(config)
    for corner in (0.0, 1.0):  # every value in the box must be one the schema accepts
        simulator.configure({p.key: (round(p.lo if corner == 0 else p.hi) if p.integer else
                                     (p.lo if corner == 0 else p.hi)) for p in parsed})
    if budget.noise_reps < 2:
        raise EwomError(f"--noise-reps: need at least 2 runs for a covariance, got "
                        f"{budget.noise_reps}")
    runs = _check_runs(len(parsed), budget.reps, evals, budget.noise_reps)
    per_run = estimate.seconds_per_run(simulator, config, config.steps, config.seed)
    seconds = per_run * runs / min(target.parallel, budget.reps)
    return Setup(config, simulator, parsed, metric, budget, evals, runs, seconds)


def _scenario(scenario: str | Scenario | None, overrides: Sequence[str], seed: int | None,
              steps: int | None) -> Scenario:
    if isinstance(scenario, Scenario):
        data = scenario.to_dict()
        for item in overrides:
            sc.set_key(data, *sc.parse_override(item))
        for key, value in (("seed", seed), ("steps", steps)):
            if value is not None:
                data[key] = value
        return sc.from_dict(data)
    return sc.load(scenario, list(overrides), seed=seed, steps=steps)


def _check_monotone(data: Observed, metric: str) -> None:
    """A cumulative curve of adoptions that falls is per-period data, or damaged."""
    if data.per_period or metric not in NEVER_FALL:
        return
    drops = np.flatnonzero(np.diff(data.values) < 0)
    if drops.size:
        i = int(drops[0])
        raise EwomError(
            f"--kind cumulative: {data.column} falls from {data.values[i]:g} "
            f"({data.times[i]}) to {data.values[i + 1]:g} ({data.times[i + 1]}), but a "
            f"cumulative {metric} never falls; if these are sales per period, say "
            "--kind per_period")


def _check_runs(n_params: int, reps: int, max_evals: int, noise_reps: int = NOISE_REPS
                ) -> int:
    """The runs a fit may take, within the runs limit: the search's points x ``reps``, then
    2 per parameter and the optimum again with at least ``noise_reps`` for the uncertainty."""
    scout = scout_points(n_params) * scout_reps(reps)
    search = max(max_evals, 10) + 1
    noise = max(reps, noise_reps)
    total = scout + search * reps + (2 * n_params + 1) * noise
    limits.check(limits.RUNS, total, "--reps",
                 f"about {total:,} runs ({scout:,} to scout, {search:,} points x {reps:,} "
                 f"replicates, plus {2 * n_params + 1} x {noise:,} for the uncertainty)")
    return total


def scout_points(n_params: int) -> int:
    """Sobol points of the scout: a power of two (a balanced Sobol sample), 32 or more per
    parameter."""
    return 2 ** math.ceil(math.log2(SCOUT_PER_PARAM * n_params))


def scout_reps(reps: int) -> int:
    return max(2, reps // SCOUT_REPS_SHARE)


# --------------------------------------------------------------------------- 3. search

class Progress:
    """The calibration's progress bar: runs done of planned, the best R² so far, time left."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        self.best = math.inf
        self.bar = tqdm(total=total, unit="run", desc="calibrating", file=sys.stderr,
                        disable=not enabled, dynamic_ncols=True, smoothing=0.1,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                   "runs [{elapsed}<{remaining}{postfix}]")

    def runs(self, n: int) -> None:
        if self.bar.n + n > self.bar.total:
            self.bar.total = self.bar.n + n
        self.bar.update(n)

    def point(self, evaluations: int, value: float) -> None:
        self.best = min(self.best, value)
        self.bar.set_postfix_str(f"point {evaluations}, best R² {1 - self.best:.3f}",
                                 refresh=False)

    def stage(self, text: str) -> None:
        self.bar.set_description_str(text, refresh=False)

    def close(self) -> None:
        self.bar.close()


class Search:
    """The best point seen by the search (kept whatever stops it)."""

    def __init__(self, cal: Calibration, progress: Progress) -> None:
        self.cal, self.progress = cal, progress
        self.x: np.ndarray | None = None
        self.f = math.inf
        self.started = time.perf_counter()
        self.trace: list[tuple[int, float, float]] = []  # (points, seconds, best R²)

    def __call__(self, x: np.ndarray) -> float:
        f = self.cal.objective(np.asarray(x, dtype=float))
        return self._seen(x, f)

    def _seen(self, x: np.ndarray, f: float) -> float:
        if f < self.f:
            self.x, self.f = np.clip(np.array(x, dtype=float), 0, 1), f
            self.trace.append((self.cal.evaluations, round(time.perf_counter() - self.started,
                                                           1), round(1 - f, 4)))
        self.progress.point(self.cal.evaluations, f)
        return f

    def run(self, seed: int, evals: int) -> None:
        """A space-filling look first, cheaply (a quarter of the replicates per point: the
        parameters trade off along a narrow curved valley that a search started in the
        middle of the box misses), then a simplex from its best point, with every
        replicate."""
        d = len(self.cal.params)
        scout = stats.qmc.Sobol(d, seed=seed).random(scout_points(d))
        rough = scout_reps(self.cal.reps)
        values = []
        for x in scout:
            values.append(self.cal.objective(x, rough))
            self.progress.point(self.cal.evaluations, values[-1])
        start = scout[int(np.argmin(values))]
        self(start)  # its value with every replicate
        _search(self, start, max(10, evals - 1))


def _search(objective: Search, start: np.ndarray, budget: int) -> None:
    """Nelder-Mead (bounded) from the scout's best point, with a starting simplex a tenth of
    the box wide: with common random numbers the objective is smooth at that scale, and the
    scout has already found the valley the parameters trade off along (Powell's line
    searches, tried first here before, spent about twice the runs for a worse fit on the
    shipped series). The best point evaluated is kept (by ``objective``)."""
    box = [(0.0, 1.0)] * start.size
    optimize.minimize(objective, start, method="Nelder-Mead", bounds=box,
                      options={"maxfev": budget, "xatol": 2e-3, "fatol": 1e-9,
                               "initial_simplex": _simplex(start, 0.1)})


def _simplex(x0: np.ndarray, step: float) -> np.ndarray:
    """A starting simplex around x0, ``step`` of the box in each direction, inside the box."""
    pts = [x0]
    for i in range(x0.size):
        p = x0.copy()
        p[i] = p[i] + step if p[i] + step <= 1.0 else p[i] - step
        pts.append(p)
    return np.array(pts)


# --------------------------------------------------------------------------- 4. uncertainty

@dataclass
class Uncertainty:
    se: dict[str, float | None]
    ci: dict[str, tuple[float, float] | None]
    cov: np.ndarray | None
    market_se: float | None = None
    market_ci: tuple[float, float] | None = None


def uncertainty(cal: Calibration, best: np.ndarray, market: float, resid: np.ndarray,
                noise_reps: int = NOISE_REPS) -> Uncertainty:
    """Standard errors and 95% intervals of the parameters and, when fitted, the market
    size: a sandwich around the mean curve's sensitivities (see ``_covariance``)."""
    params, values = cal.params, cal.values(best)
    noise_reps = max(cal.reps, noise_reps)
    jac = cal.jacobian(best, noise_reps) * market  # in the data's units
    noise = cal.curves(best, noise_reps)
    fitted = cal.observed.market is None
    if fitted:  # d(M s)/dM = s
        jac = np.column_stack([jac, noise.mean(axis=0)])
    k = jac.shape[1]
    dof = max(1, resid.size - k)
    cov = _covariance(jac, resid, noise * market, cal.reps, dof)
    se_all = np.sqrt(np.clip(np.diag(cov), 0, None))
    tq = stats.t.ppf(0.975, dof)
    se = {p.key: float(s) for p, s in zip(params, se_all, strict=False)}
    ci: dict[str, tuple[float, float] | None] = {
        p.key: _interval(p, values[p.key], se[p.key], tq) for p in params}
    out = Uncertainty(se, ci, cov)  # type: ignore[arg-type]
    if fitted:
        out.market_se = float(se_all[-1])
        out.market_ci = (max(0.0, market - tq * out.market_se), market + tq * out.market_se)
    return out


def _interval(p: Param, value: float, se: float, tq: float) -> tuple[float, float]:
    """The 95% interval, within the box; on a log scale (a range over decades) it is
    symmetric in the logarithm (the delta method), so it stays positive."""
    if on_log_scale(p) and value > 0:
        spread = math.exp(tq * se / value)
        lo, hi = value / spread, value * spread
    else:
        lo, hi = value - tq * se, value + tq * se
    return max(p.lo, lo), min(p.hi, hi)


def _covariance(jac: np.ndarray, resid: np.ndarray, runs: np.ndarray, reps: int,
                dof: int) -> np.ndarray:
    """Sandwich covariance of the fitted parameters.

    The observed curve is taken to be one realisation of the process (a market happens once),
    so its noise has the covariance C of single simulated runs (estimated from ``runs``),
    time-correlated as curves are; the simulated mean of ``reps`` runs adds C / reps. Misfit
    beyond that noise (a model that cannot follow the data) enters as independent error with
    the excess residual variance.
    """
    # columns scaled to unit length first: a market size of 10^5 beside a rate of 10^-4
    # would otherwise leave the pseudo-inverse to drop one of them as numerically zero
    norms = np.linalg.norm(jac, axis=0)
    norms[norms == 0] = 1.0
    j = jac / norms
    a = np.linalg.pinv(j.T @ j)
    c = np.atleast_2d(np.cov(runs, rowvar=False)) * (1 + 1 / reps)
    cov = a @ j.T @ c @ j @ a
    excess = float(resid @ resid / dof) - float(np.trace(c)) / resid.size
    if excess > 0:
        cov = cov + excess * a
    return cov / np.outer(norms, norms)


# --------------------------------------------------------------------------- the driver

def calibrate(scenario: str | Scenario | None, data: Observed, params: Sequence[str] = (), *,
              metric: str = "penetration", overrides: Sequence[str] = (),
              seed: int | None = None, steps: int | None = None, budget: Budget | None = None,
              target: Target | None = None,
              on_start: Callable[[str, str], None] | None = None) -> Fit:
    """Fit ``params`` (``KEY=LO:HI``; default: advertising's reach and word of mouth) of a
    scenario, and the market size when the data's counts come without one, to an observed
    curve. Everything is validated first; then ``on_start`` gets the scenario's name and a
    line saying what will run and how long it should take (the caller checks its output
    folder there, before the work). Ctrl-C during the search ends it with the best point
    found (``status`` "interrupted", without uncertainty)."""
    budget, target = budget or Budget(), target or Target()
    plan = setup(scenario, data, params, metric=metric, overrides=overrides, seed=seed,
                 steps=steps, budget=budget, target=target)
    started = time.perf_counter()
    with target.executor() as executor:
        if on_start is not None:
            on_start(plan.config.name, _announce(plan, data, executor))
        progress = Progress(plan.runs, budget.progress)
        cal = Calibration(plan.simulator, plan.params, data, metric, budget.reps,
                          plan.config.seed, executor, on_runs=progress.runs)
        search = Search(cal, progress)
        status = "complete"
        try:
            try:
                search.run(plan.config.seed, plan.evals)
            except KeyboardInterrupt:
                if search.x is None:
                    raise
                status = "interrupted"
            best = search.x
            curves = cal.curves(best)
            mean = curves.mean(axis=0)
            market = cal.scale(mean)
            resid = market * mean - data.values
            if status == "complete":
                progress.stage("uncertainty")
                unc = uncertainty(cal, best, market, resid, budget.noise_reps)
            else:
                unc = Uncertainty({p.key: None for p in plan.params},
                                  {p.key: None for p in plan.params}, None)
        finally:
            progress.close()
    fit = _judge(plan, data, cal, best, curves, market, unc, status,
                 time.perf_counter() - started)
    fit.extra["improvements"] = search.trace  # when the best point improved: how the search went
    return fit


def _announce(plan: Setup, data: Observed, executor: Executor) -> str:
    keys = ", ".join(p.key for p in plan.params)
    scale = (" and the market size" if data.market is None else "")
    line = (f"calibrating {keys}{scale} to {data.column} ({data.values.size} "
            f"{data.period if data.period != 'step' else 'step'} observations, "
            f"{'per period' if data.per_period else 'cumulative'}): up to {plan.runs:,} runs "
            f"of {plan.config.steps:,} steps on {executor.description}, about "
            f"{estimate.duration(plan.seconds)}")
    if plan.seconds > estimate.ANNOUNCE_SECONDS:
        line += ("; that is long: fewer --reps or --max-evals shorten it, and Ctrl-C keeps "
                 "the best point found so far")
    return line


def _judge(plan: Setup, data: Observed, cal: Calibration, best: np.ndarray,
           curves: np.ndarray, market: float, unc: Uncertainty, status: str,
           seconds: float) -> Fit:
    """Goodness of fit of the model and of Bass, and the verdict."""
    mean = curves.mean(axis=0)
    k = len(plan.params) + (1 if data.market is None else 0)
    gof = goodness(data.values, market * mean, k)
    bass = fit_bass(data)
    band = (market * np.percentile(curves, 2.5, axis=0),
            market * np.percentile(curves, 97.5, axis=0))
    return Fit(plan.params, cal.values(best), unc.se, unc.ci, unc.cov, gof,
               Market(market, data.market is None, unc.market_se, unc.market_ci),
               cal.evaluations, market * mean, band, bass, verdict(gof, bass.gof), status,
               seconds,
               {"reps": plan.budget.reps, "metric": plan.metric, "scenario": plan.config.name,
                "seed": plan.config.seed, "steps": plan.config.steps, "runs": cal.runs,
                "consumers": consumers(plan.config),
                "log_scale": [p.key for p in plan.params if on_log_scale(p)],
                "optimizer": "Sobol scout, then Nelder-Mead"})

