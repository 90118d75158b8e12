"""``ewom sensitivity``: which parameters drive reach and dilution (SALib: Sobol or Morris).

SALib samples the ``--param`` ranges; every sample point becomes a configuration of a batch run
by the same machinery as ``sweep`` (validated up front, seeds spawned per run, durable chunks,
resumable, local or Dask); the final metrics then go back to SALib. The model is pluggable:
``Ishigami`` (a function with known Sobol indices) goes through exactly the same path, which is
how the tests check the plumbing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ewom_abm import files, limits
from ewom_abm.batch.grid import Design
from ewom_abm.batch.runner import EwomSimulator, RunOutput, Simulator
from ewom_abm.batch.storage import RUNS, read_table
from ewom_abm.batch.sweep import Options, Plan, execute_design, validate
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError

METHODS = ("sobol", "morris")
LEVEL = 0.95


@dataclass(frozen=True)
class Param:
    """One ``--param KEY=LO:HI``."""

    key: str
    lo: float
    hi: float
    integer: bool = False


def parse_param(item: str) -> Param:
    """``KEY=LO:HI`` for a numeric scenario key; the schema checks LO and HI later."""
    if "=" not in item or item.count(":") != 1:
        raise EwomError(f"--param: expected KEY=LO:HI (e.g. ewom.p_share=0.01:0.1), got {item!r}")
    key, text = (s.strip() for s in item.split("=", 1))
    if key == "seed":
        raise EwomError("--param seed: not a parameter of the model's behaviour; every run "
                        "gets its own seed (use --reps for more, --seed for the root seed)")
    typ = sc.field_type(key)
    if typ is None:  # let the schema name the key and suggest one
        sc.from_dict(_nested(key, 0))
        raise EwomError(f"--param {key}: unknown key")
    if typ not in (int, float) or typ is bool:
        raise EwomError(f"--param {key}: not a numeric key; sensitivity needs a number range")
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise EwomError(f"--param {item}: LO and HI must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise EwomError(f"--param {item}: LO and HI must be finite numbers")
    if not lo < hi:
        raise EwomError(f"--param {item}: LO must be below HI")
    if typ is int and round(lo) == round(hi):
        raise EwomError(f"--param {item}: {key} takes whole numbers and {lo:g} to {hi:g} "
                        f"rounds to the one value {round(lo)}; give a range spanning at least "
                        "two whole numbers")
    return Param(key, lo, hi, typ is int)


def _nested(key: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    sc.set_key(data, key, value)
    return data


def problem_of(params: Sequence[Param]) -> dict[str, Any]:
    """SALib's problem dictionary."""
    return {"num_vars": len(params), "names": [p.key for p in params],
            "bounds": [[p.lo, p.hi] for p in params]}


def sample(problem: dict[str, Any], method: str, n: int, seed: int, levels: int = 4
           ) -> np.ndarray:
    """SALib's sample: Sobol (Saltelli scheme, first and total order: N x (D + 2) points) or
    Morris (N trajectories of D + 1 points)."""
    if method == "sobol":
        from SALib.sample import sobol

        if n < 2 or n & (n - 1):
            raise EwomError(f"--n: Sobol sampling needs a power of 2, got {n} (try "
                            f"{2 ** max(1, round(math.log2(max(n, 2))))})")
        _check_points(n, problem["num_vars"] + 2)
        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        if n < 2:
            raise EwomError(f"--n: Morris needs at least 2 trajectories, got {n}")
        if levels < 2:
            raise EwomError(f"--levels: Morris needs at least 2 levels, got {levels}")
        _check_points(n, problem["num_vars"] + 1)
        return morris.sample(problem, n, num_levels=levels, seed=seed)
    raise EwomError(f"--method: {method!r} is not one of {', '.join(METHODS)}")


def _check_points(n: int, per: int) -> None:
    """Sample points within the configurations limit, before SALib allocates them."""
    limits.check(limits.CONFIGS, n * per, "--n",
                 f"{n:,} x {per} = {n * per:,} sample points", "sample points")


@dataclass
class Spec:
    """A validated sensitivity analysis: the batch to run and how to analyse it."""

    plan: Plan
    method: str
    problem: dict[str, Any]
    x: np.ndarray
    n: int
    outputs: list[str]
    brand: str | None
    levels: int = 4

    def extra(self) -> dict[str, Any]:
        return {"method": self.method, "problem": self.problem, "n": self.n,
                "outputs": self.outputs, "brand": self.brand, "levels": self.levels}


def plan_design(simulator: Simulator, params: Sequence[Param], method: str, n: int, *,
                seed: int, reps: int = 1, levels: int = 4, outputs: Sequence[str] = ("y",),
                brand: str | None = None, meta: dict[str, Any] | None = None) -> Spec:
    """Any simulator: sample, turn points into configurations, validate them all."""
    if len(params) < 2:
        raise EwomError("--param: give at least two KEY=LO:HI ranges to compare")
    keys = [p.key for p in params]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            raise EwomError(f"--param {key}: given twice")
    problem = problem_of(params)
    x = sample(problem, method, n, seed, levels)
    points = tuple(tuple(round(v) if p.integer else float(v)
                         for v, p in zip(row, params, strict=True)) for row in x)
    design = Design(tuple(keys), points, reps, seed)
    payloads = validate(simulator, design)
    plan = Plan(simulator, design, payloads, dict(meta or {}))
    return Spec(plan, method, problem, x, n, list(outputs), brand, levels)


def plan(scenario: str | None, params: Sequence[str], method: str, n: int, *,
         overrides: Sequence[str] = (), seed: int | None = None, steps: int | None = None,
         reps: int = 1, levels: int = 4, outputs: Sequence[str] = ("reach", "dilution"),
         brand: str | None = None) -> Spec:
    """The eWOM model on a scenario: the command line's terms."""
    from ewom_abm.batch.report import FINAL

    base = sc.load(scenario, list(overrides), seed=seed, steps=steps)
    parsed = [parse_param(p) for p in params]
    for out in outputs:
        if out not in FINAL:
            raise EwomError(f"--outputs: {out!r} is not a final metric; allowed: "
                            f"{', '.join(FINAL)}")
    if not outputs:
        raise EwomError("--outputs: name at least one final metric, e.g. reach,dilution")
    names = [b.name for b in base.brands]
    if brand is not None and brand not in names:
        raise EwomError(f"--brand: no brand named {brand!r}; brands: {', '.join(names)}")
    meta = {"scenario": base.name, "set": list(overrides), "steps": base.steps,
            "seed": base.seed,
            "source": None if scenario is None else str(sc.resolve_path(scenario).resolve())}
    return plan_design(EwomSimulator.from_scenario(base, timeseries=False), parsed, method, n,
                       seed=base.seed, reps=reps, levels=levels, outputs=outputs,
                       brand=brand or names[0], meta=meta)


# --------------------------------------------------------------------------- the toy

@dataclass
class Ishigami:
    """Ishigami & Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3, whose
    Sobol indices are known in closed form (``ishigami_indices``)."""

    a: float = 7.0
    b: float = 0.1
    name: str = "ishigami"

    def identity(self) -> dict[str, Any]:
        return {"simulator": self.name, "a": self.a, "b": self.b}

    def configure(self, values: dict[str, Any]) -> tuple[float, float, float]:
        if set(values) != {"x1", "x2", "x3"}:
            raise EwomError(f"ishigami: parameters are x1, x2, x3, got {', '.join(values)}")
        return values["x1"], values["x2"], values["x3"]

    def run(self, payload: tuple[float, float, float], seed: int) -> RunOutput:
        x1, x2, x3 = payload
        y = math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3 ** 4 * math.sin(x1)
        return RunOutput([{"y": y}])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """Exact first-order and total Sobol indices of the Ishigami function."""
    pi4, pi8 = math.pi ** 4, math.pi ** 8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": np.array([v1, v2, 0.0]) / v, "ST": np.array([v1 + v13, v2, v13]) / v}


# --------------------------------------------------------------------------- analysis

@dataclass
class Result:
    """Indices per output and parameter, and where they were written."""

    method: str
    table: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    failed: int = 0

    def table_text(self) -> str:
        if self.table.empty:
            return "(no indices: some runs failed)"
        text = self.table.to_string(index=False, float_format=lambda v: f"{v:.3f}",
                                    na_rep="undefined")
        for out in constant_outputs(self.table):
            text += (f"\n{out}: the same value at every sample point, so its indices are "
                     "undefined (nothing varies to attribute)")
        return text


def outputs_matrix(runs: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """One row per sample point (in sample order), one column per output: the mean over
    the point's replicates (of the analysed brand, for the eWOM model)."""
    ok = runs[runs["status"] == "ok"]
    if spec.brand is not None and "brand" in ok:
        ok = ok[ok["brand"] == spec.brand]
    y = ok.groupby("config")[spec.outputs].mean()
    return y.reindex(range(spec.plan.design.n_configs))


def _constant(values: np.ndarray) -> bool:
    """The same value at every sample point (up to rounding noise)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return True
    return float(np.ptp(finite)) <= 1e-12 * max(1.0, float(np.abs(finite).max()))


def _undefined(spec: Spec, out: str) -> list[dict[str, Any]]:
    """An output that never moves has no variance to apportion (Sobol indices are 0/0) and
    no effect to rank: its rows say so instead of printing 0.000 +- 0.000."""
    cols = (("S1", "S1_conf", "ST", "ST_conf") if spec.method == "sobol"
            else ("mu_star", "mu_star_conf", "mu", "sigma"))
    return [{"output": out, "parameter": name, **dict.fromkeys(cols, math.nan)}
            for name in spec.problem["names"]]


def constant_outputs(table: pd.DataFrame) -> list[str]:
    """Outputs whose indices are undefined (constant at every sample point)."""
    if table.empty:
        return []
    num = table.drop(columns=["output", "parameter"])
    undefined = num.isna().all(axis=1).groupby(table["output"]).all()
    return [str(o) for o, flag in undefined.items() if flag]


def analyse(spec: Spec, y: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """SALib's indices for each output, as a tidy table (output, parameter, ...)."""
    rows = []
    seed = spec.plan.design.root_seed
    for out in spec.outputs:
        values = y[out].to_numpy(float)
        if _constant(values):
            rows += _undefined(spec, out)
            continue
        if spec.method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(spec.problem, values, calc_second_order=False,
                                conf_level=level, num_resamples=200, seed=seed)
            for i, name in enumerate(spec.problem["names"]):
                rows.append({"output": out, "parameter": name, "S1": res["S1"][i],
                             "S1_conf": res["S1_conf"][i], "ST": res["ST"][i],
                             "ST_conf": res["ST_conf"][i]})
        else:
            from SALib.analyze import morris

            res = morris.analyze(spec.problem, spec.x, values, conf_level=level,
                                 num_levels=spec.levels, num_resamples=200, seed=seed)
            for i, name in enumerate(spec.problem["names"]):
                rows.append({"output": out, "parameter": name, "mu_star": res["mu_star"][i],
                             "mu_star_conf": res["mu_star_conf"][i], "mu": res["mu"][i],
                             "sigma": res["sigma"][i]})
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, method: str, path: Path | None, title: str = "") -> Any:
    """One panel per output: Sobol S1 and ST bars with their CIs, or Morris mu* (with CI)
    and sigma."""
    from matplotlib.figure import Figure

    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(5.5 * len(outputs), 4.8), layout="constrained")
    axes = fig.subplots(1, len(outputs), squeeze=False)
    bars = ((("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST"))
            if method == "sobol" else
            (("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma")))
    colours = ("#0072B2", "#E69F00")
    for ax, out in zip(axes[0], outputs, strict=True):
        part = table[table["output"] == out]
        x = np.arange(len(part))
        for j, (col, conf, label) in enumerate(bars):
            ax.bar(x + (j - 0.5) * 0.38, part[col], 0.38, label=label, color=colours[j],
                   yerr=None if conf is None else part[conf], capsize=4)
        ax.set_xticks(x, part["parameter"], rotation=20, ha="right")
        ax.set_title(f"final {out}")
        ax.set_ylabel("Sobol index (share of variance)" if method == "sobol"
                      else f"elementary effect on {out}")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(frameon=False)
    fig.suptitle(f"{title}: {method} sensitivity, whiskers {LEVEL:.0%} CI" if title
                 else f"{method} sensitivity")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def markdown(table: pd.DataFrame, spec: Spec, title: str) -> str:
    cols = [c for c in table.columns if c not in ("output", "parameter")]
    lines = [f"# {title}: {spec.method} sensitivity", "",
             f"{spec.plan.design.describe()}; outputs: final {', '.join(spec.outputs)}"
             + (f" of brand {spec.brand}" if spec.brand else "") + f"; CIs at {LEVEL:.0%} "
             "(bootstrap).", "",
             "| output | parameter | " + " | ".join(cols) + " |",
             "| --- | --- |" + " ---: |" * len(cols)]
    for row in table.to_dict("records"):
        lines.append(f"| {row['output']} | `{row['parameter']}` | "
                     + " | ".join("undefined" if math.isnan(row[c]) else f"{row[c]:.3f}"
                                  for c in cols) + " |")
    for out in constant_outputs(table):
        lines += ["", f"`{out}` takes the same value at every sample point: its indices are "
                  "undefined (nothing varies to attribute)."]
    return "\n".join(lines) + "\n"


def run(spec: Spec, out: Path | str, options: Options | None = None, *,
        executor: Any = None) -> Result:
    """Run the sample (resumably) and analyse it; writes DIR/sensitivity/indices.*."""
    out = Path(out)
    options = dataclasses.replace(options or Options(), kind="sensitivity", extra=spec.extra())
    res = execute_design(spec.plan, out, options, executor=executor)
    if res.failed:
        return Result(spec.method, pd.DataFrame(), failed=res.failed)
    y = outputs_matrix(read_table(out / RUNS, required=("run", "status", "config")), spec)
    table = analyse(spec, y)
    folder = out / "sensitivity"
    title = str(spec.plan.meta.get("scenario") or getattr(spec.plan.simulator, "name", ""))
    paths = {"csv": folder / "indices.csv", "markdown": folder / "indices.md",
             "figure": folder / "indices.png"}
    try:  # all three or none; the runs are saved, so rerunning the command only analyses
        folder.mkdir(exist_ok=True)
        with files.staged(list(paths.values())) as (csv_tmp, md_tmp, png_tmp):
            table.to_csv(csv_tmp, index=False)
            md_tmp.write_text(markdown(table, spec, title), encoding="utf-8")
            plot(table, spec.method, png_tmp, title)
    except OSError as exc:
        raise EwomError(f"--out: cannot write to {folder}: {files.reason(exc)}; the runs are "
                        "saved: free space and rerun the same command to analyse them") from None
    return Result(spec.method, table, paths)
