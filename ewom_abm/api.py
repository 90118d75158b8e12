"""The Python API for research: the command line's work as functions that return DataFrames.

    import ewom_abm as ew

    res = ew.run("luxury_vs_mass", seed=3, overrides={"ewom.model": "coproduction"})
    res.timeseries            # tidy: one row per step and brand
    res.summary               # final KPIs per brand, scenario, seed, version
    runs = ew.sweep("organic", vary={"ewom.p_share": [0.02, 0.05]}, reps=10)
    fit = ew.calibrate("calibration", "data/colour_tv.csv", "sales", kind="per_period",
                       scale="count", time_column="year")

Every function validates its input as the command line does and raises ``EwomError`` (one
line naming the field and what is allowed); a run that fails raises too, naming the run. They
work in Jupyter and in a plain script, with or without an ``if __name__ == "__main__"`` guard:
worker processes never re-run the caller's script.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError

if TYPE_CHECKING:
    from ewom_abm.batch.calibrate import Fit
    from ewom_abm.batch.observed import Observed
    from ewom_abm.model.model import EwomModel
    from ewom_abm.model.scenario import Scenario


@dataclass
class RunResult:
    """One run: its tidy ``timeseries`` (one row per step and brand), the ``summary`` (final
    KPIs per brand, with scenario, seed, steps and version), its validated ``scenario`` and
    the ``model`` itself (consumers and brands as Mesa agents, on first use)."""

    timeseries: pd.DataFrame
    summary: dict[str, Any]
    scenario: Scenario
    model: EwomModel = field(repr=False)

    @property
    def final(self) -> pd.DataFrame:
        """The last step's KPIs, one row per brand."""
        return pd.DataFrame.from_dict(self.summary["final"], orient="index")


@dataclass
class Calibrated:
    """A calibration: the ``fit`` (values, uncertainty, goodness of fit, Bass, verdict), the
    ``observed`` curve as read, and ``report`` (the calibration.json contract as a dict)."""

    fit: Fit
    observed: Observed
    report: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)

    def plot(self) -> Any:
        """The observed points, the model's mean and band, and Bass (a matplotlib Figure)."""
        from ewom_abm.batch.calibration_report import plot

        return plot(self.fit, self.observed, None)

    def _repr_markdown_(self) -> str:  # Jupyter shows the report
        from ewom_abm.batch.calibration_report import markdown

        return markdown(self.fit, self.observed)


def presets() -> pd.DataFrame:
    """The shipped scenarios: name and title (what ``ewom list`` prints)."""
    rows = []
    for name in sc.scenario_names():
        s = sc.load(name)
        rows.append({"name": name, "title": s.title or (s.description.strip().splitlines()
                                                        or [""])[0]})
    return pd.DataFrame(rows)


def load(name_or_path: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
         *, seed: int | None = None, steps: int | None = None) -> Scenario:
    """A validated scenario: a preset name, a TOML path or None (the default), with
    ``overrides`` as typed values (``{"ewom.model": "linear", "brands.0.budget": 300}``)."""
    return _scenario(name_or_path, overrides, seed, steps)


def _set_items(overrides: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if overrides is None:
        return []
    if not isinstance(overrides, Mapping):
        raise EwomError("overrides: expected a dict of KEY: value, e.g. "
                        f"{{'ewom.model': 'linear'}}, got {type(overrides).__name__}")
    items = []
    for key, value in overrides.items():
        if not isinstance(key, str) or not key:
            raise EwomError(f"overrides: keys are dotted scenario keys such as "
                            f"'ewom.p_share', got {key!r}")
        if isinstance(value, str) and sc.field_type(key) is not str:
            value = sc.parse_value(value, sc.field_type(key))  # "0.05" as --set reads it
        items.append((key, value))
    return items


def _scenario(scenario: Any, overrides: Mapping[str, Any] | None, seed: Any,
              steps: Any) -> Scenario:
    """Any scenario the API accepts, with typed overrides validated like ``--set``."""
    if scenario is None or isinstance(scenario, str | Path):
        data = {} if scenario is None else sc.read_toml(sc.resolve_path(scenario))
        if scenario is not None:
            data.setdefault("name", sc.resolve_path(scenario).stem)
        base = None if scenario is None else sc.resolve_path(scenario).resolve().parent
    elif isinstance(scenario, dict):
        import copy

        data, base = copy.deepcopy(scenario), None
    else:
        data, base = sc.coerce(scenario).to_dict(), None
    for key, value in _set_items(overrides):
        sc.set_key(data, key, value)
        if key == "network.path" and isinstance(value, str) and value:
            from ewom_abm.files import resolve

            data["network"]["path"] = str(resolve(value, "network.path"))
    for key, value in (("seed", seed), ("steps", steps)):
        if value is not None:
            data[key] = value
    return sc.from_dict(data, base or Path.cwd())


def run(scenario: Any = None, *, seed: int | None = None, steps: int | None = None,
        overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Run one scenario (a preset name, a TOML path, a dict, a Scenario, or None for the
    default) and return its timeseries and summary; ``seed`` decides the run."""
    from ewom_abm.model.model import EwomModel
    from ewom_abm.results import summary, tag

    config = _scenario(scenario, overrides, seed, steps)
    model = EwomModel(config)
    model.run()
    return RunResult(tag(model.timeseries(), model), summary(model), config, model)


def _varies(vary: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    """``{"key": [values]}`` (or ``"lo:hi:n"``), or command-line strings ``"KEY=VALUES"``."""
    if vary is None:
        return []
    if isinstance(vary, str):
        return [vary]
    if isinstance(vary, Mapping):
        out = []
        for key, values in vary.items():
            if isinstance(values, str):
                out.append(f"{key}={values}")
            elif isinstance(values, Iterable):
                listed = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
                if not listed:
                    raise EwomError(f"vary {key}: no values")
                out.append(f"{key}={','.join(listed)}")
            else:
                out.append(f"{key}={values}")
        return out
    return [str(v) for v in vary]


def sweep(scenario: Any = None, vary: Mapping[str, Any] | Sequence[str] | None = None, *,
          reps: int = 1, workers: int | None = None, out: str | Path | None = None,
          overrides: Mapping[str, Any] | None = None, seed: int | None = None,
          steps: int | None = None, common_seeds: bool = False, timeseries: bool = False,
          progress: bool = True) -> pd.DataFrame:
    """Run ``scenario`` at every combination of ``vary`` (``{"ewom.model": ["organic",
    "linear"], "ewom.p_share": "0.01:0.1:5"}``), ``reps`` replicates each, and return the runs
    table (one row per run and brand: run, config, rep, seed, the varied keys, final KPIs),
    like Mesa's ``batch_run`` or NetLogo's BehaviorSpace table. With ``out`` the sweep is
    kept there (resumable, ``ewom report`` reads it); without, it runs in a temporary folder.
    ``timeseries=True`` attaches the per-step table as ``runs.attrs["timeseries"]``. A run
    that fails raises EwomError naming it."""
    from ewom_abm.batch.executors import Target
    from ewom_abm.batch.storage import RUNS, TIMESERIES, read_table
    from ewom_abm.batch.sweep import Options, execute_design, plan

    base = _scenario(scenario, overrides, seed, steps)
    p = plan(base, _varies(vary), reps, common_seeds=common_seeds, timeseries=timeseries)
    with tempfile.TemporaryDirectory(prefix="ewom-sweep-") as tmp:
        folder = Path(out) if out is not None else Path(tmp)
        result = execute_design(p, folder, Options(Target(workers), progress=progress))
        if result.failed:
            first = result.failures[0]
            raise EwomError(f"sweep: {result.failed} of {result.total} runs failed (first: "
                            f"run {first['run']}: {first['error']})"
                            + (f"; tracebacks in {folder}/failures/" if out else ""))
        runs = read_table(folder / RUNS)
        if timeseries and (folder / TIMESERIES).is_file():
            runs.attrs["timeseries"] = read_table(folder / TIMESERIES)
    return runs


def calibrate(scenario: Any, data: str | Path | pd.DataFrame, target: str, *,
              params: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
              time_column: str | None = None, period: str | None = None,
              kind: str = "cumulative", offset: int = 0, scale: str = "share",
              population: float | None = None, metric: str = "penetration", reps: int = 4,
              max_evals: int | None = None, workers: int | None = None,
              overrides: Mapping[str, Any] | None = None, seed: int | None = None,
              progress: bool = True, noise_reps: int = 30,
              out: str | Path | None = None) -> Calibrated:
    """Fit ``params`` (``{"ewom.p_share": (0.001, 0.5)}`` or ``["KEY=LO:HI"]``; default
    advertising and word of mouth) of ``scenario`` to the ``target`` column of ``data`` (a CSV
    path or a DataFrame), as ``ewom calibrate`` does; with ``out``, writes calibration.json,
    .md and .png there. ``noise_reps`` runs per point estimate the uncertainty (fewer is
    faster and rougher). Ctrl-C ends the search with the best point found
    (``fit.status == "interrupted"``)."""
    from ewom_abm.batch.calibrate import Budget, Target
    from ewom_abm.batch.calibrate import calibrate as fit_model
    from ewom_abm.batch.calibration_report import report, to_dict
    from ewom_abm.batch.observed import load_observed, say_notes

    with tempfile.TemporaryDirectory(prefix="ewom-data-") as tmp:
        path = data
        if isinstance(data, pd.DataFrame):
            path = Path(tmp) / "data.csv"
            data.to_csv(path, index=False)
        observed = load_observed(path, target, time_column=time_column, period=period,
                                 kind=kind, offset=offset, scale=scale, population=population)
    say_notes(observed)
    if isinstance(params, Mapping):
        params = [f"{k}={lo}:{hi}" for k, (lo, hi) in params.items()]
    config = _scenario(scenario, overrides, seed, None)
    fit = fit_model(config, observed, list(params or ()), metric=metric,
                    budget=Budget(reps, max_evals, progress, noise_reps),
                    target=Target(workers))
    paths = report(fit, observed, Path(out)) if out is not None else {}
    return Calibrated(fit, observed, to_dict(fit, observed), paths)
