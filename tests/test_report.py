"""`run.py report`: files, the numbers behind the figures, CIs, the Pareto frontier, the paradox."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ewom_abm import cli as run
from ewom_abm.batch import report
from ewom_abm.batch.executors import SerialExecutor, Target
from ewom_abm.batch.stats import ols, pareto
from ewom_abm.batch.sweep import Options, execute_design, plan

BASE = ["network.n=400", "ewom.p_external=0.01", "brands.0.budget=50"]
VARY = ["ewom.model=organic,coproduction", "brands.0.strategy=entertainment,exclusivity"]

QUIET = Options(Target(1), progress=False)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sweep"
    execute_design(plan("organic", VARY, reps=4, overrides=BASE, steps=15), out, QUIET)
    return out


def test_report_writes_every_file(sweep_dir, capsys):
    assert run.main(["report", str(sweep_dir)]) == 0
    folder = sweep_dir / "report"
    printed = capsys.readouterr().out.split()
    for name in ("frontier.png", "frontier_revenue.png", "curves.png", "summary.csv",
                 "summary.md", "paradox.md"):
        assert str(folder / name) in printed
    assert (folder / "frontier.png").stat().st_size > 30_000
    assert (folder / "curves.png").stat().st_size > 30_000
    md = (folder / "summary.md").read_text()
    assert "| entertainment / coproduction | 4 |" in md and "Pareto frontier" in md
    paradox = (folder / "paradox.md").read_text()
    assert "| awareness (reach) |" in paradox and "| penetration |" in paradox
    assert "**Verdict: the luxury paradox" in paradox


def test_frontier_points_are_summary_csv_means_and_cis(sweep_dir):
    assert run.main(["report", str(sweep_dir)]) == 0
    table = pd.read_csv(sweep_dir / "report" / "summary.csv")
    points = report.plot_frontier(report.summarize(report.load(sweep_dir)), None)
    assert len(points) == len(table) == 4
    for plotted, column in (("x", "reach_mean"), ("x_lo", "reach_lo"), ("x_hi", "reach_hi"),
                            ("y", "dilution_mean"), ("y_lo", "dilution_lo"),
                            ("y_hi", "dilution_hi")):
        np.testing.assert_allclose(points[plotted], table[column], rtol=1e-12)
    assert points["pareto"].tolist() == table["pareto"].tolist()
    assert points["strategy"].tolist() == table["brand_strategy"].tolist()


def test_summary_ci_is_the_t_interval_across_replicates(sweep_dir):
    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    summary = report.summarize(report.load(sweep_dir)).set_index("config")
    for config, part in runs.groupby("config"):
        for metric in ("reach", "dilution", "dream_value", "peak_reach_step"):
            x = part[metric].to_numpy(float)
            half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
            row = summary.loc[config]
            assert row["n"] == len(x) == 4
            assert row[f"{metric}_mean"] == pytest.approx(x.mean(), rel=1e-12)
            assert row[f"{metric}_lo"] == pytest.approx(x.mean() - half, rel=1e-9, abs=1e-12)
            assert row[f"{metric}_hi"] == pytest.approx(x.mean() + half, rel=1e-9, abs=1e-12)


def test_curves_end_at_the_final_metrics(sweep_dir):
    sweep = report.load(sweep_dir)
    summary = report.summarize(sweep)
    bands = report.plot_curves(sweep, summary, None)
    last = bands[bands["step"] == 15].set_index("config")
    for row in summary.itertuples():
        assert last.loc[row.config, "reach_mean"] == pytest.approx(row.reach_mean, rel=1e-12)
        assert last.loc[row.config, "dream_value_hi"] == pytest.approx(row.dream_value_hi,
                                                                       rel=1e-9)


def test_pareto_frontier_keeps_exactly_the_undominated_points():
    rng = np.random.default_rng(0)
    x, y = rng.random(40), rng.random(40)
    x[5], y[5] = x[6], y[6]  # a tie: neither dominates the other
    front = pareto(x, y)
    for i in range(40):
        dominated = any((x[j] >= x[i]) and (y[j] <= y[i]) and ((x[j] > x[i]) or (y[j] < y[i]))
                        for j in range(40))
        assert front[i] == (not dominated)
    assert front[5] == front[6]


def synthetic(penetration_effect: float, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    reach = rng.uniform(0.1, 1, n)
    pen = reach * rng.uniform(0.05, 0.9, n)
    dream = 1 + 0.5 * reach + penetration_effect * pen + rng.normal(0, 0.02, n)
    return pd.DataFrame({"reach": reach, "penetration": pen, "dream_value": dream})


def test_paradox_verdict_reads_the_signs_from_the_confidence_intervals():
    holds = report.paradox(synthetic(-2.0))
    fit = holds["fit"]
    assert fit.lo[1] < 0.5 < fit.hi[1] and fit.lo[2] < -2.0 < fit.hi[2]
    assert holds["verdict"].startswith("the luxury paradox holds")
    flat = report.paradox(synthetic(0.0))
    assert flat["verdict"].startswith("the luxury paradox is not shown")
    assert "not clearly negative" in flat["verdict"]
    off = report.paradox(synthetic(0.0), status=False)  # blind to status: the claim flips
    assert "does not lower dream value" in off["verdict"]
    few = report.paradox(synthetic(-2.0, n=3))
    assert few["fit"] is None and few["verdict"].startswith("cannot be estimated")


def replicated(seed: int = 5, configs: int = 6, reps: int = 30) -> pd.DataFrame:
    """Runs of a few configurations whose dream value has a configuration effect unrelated to
    penetration, plus small replicate noise: replicates are not independent markets."""
    rng = np.random.default_rng(seed)
    reach = rng.uniform(0.2, 0.9, configs)
    pen = reach * rng.uniform(0.05, 0.5, configs)
    effect = rng.normal(0, 0.1, configs)
    rows = [{"config": c, "brand": "B", "reach": reach[c] + rng.normal(0, 0.01),
             "penetration": pen[c] + rng.normal(0, 0.005),
             "dream_value": 0.5 + 0.3 * reach[c] + effect[c] + rng.normal(0, 0.01)}
            for c in range(configs) for _ in range(reps)]
    return pd.DataFrame(rows)


def test_paradox_is_regressed_on_configuration_means_not_on_replicates():
    """180 runs of 6 configurations are 6 observations: regressed run by run, the chance
    configuration effect would pass for a penetration effect; on the means it does not."""
    runs = replicated()
    pooled = ols(runs["dream_value"].to_numpy(), {"reach": runs["reach"].to_numpy(),
                                                   "penetration": runs["penetration"].to_numpy()})
    assert pooled.hi[2] < 0  # what pseudo-replication would report
    result = report.paradox(runs)
    assert (result["n"], result["runs"], result["replicates"]) == (6, 180, 30)
    fit = result["fit"]
    assert fit.n == 6 and fit.lo[2] <= 0 <= fit.hi[2]
    assert "not shown across 6 configurations" in result["verdict"]
    means = runs.groupby("config")[["dream_value", "reach", "penetration"]].mean()
    direct = ols(means["dream_value"].to_numpy(), {"reach": means["reach"].to_numpy(),
                                                    "penetration": means["penetration"].to_numpy()})
    assert np.allclose(fit.coef, direct.coef) and np.allclose(fit.se, direct.se)


def test_a_dream_value_that_never_varies_cannot_be_regressed():
    runs = synthetic(-2.0).assign(dream_value=0.0)
    result = report.paradox(runs, status=False)
    assert result["fit"] is None
    assert result["verdict"].startswith("cannot be estimated: dream value is 0 in every")


def test_a_brand_whose_status_weight_is_zero_is_blind_to_status():
    """Status sensitivity times the brand's status weight is what matters: a weight of 0 (as a
    varied key or in the base scenario) puts the brand's runs with the blind ones."""
    runs = pd.DataFrame({"run": range(4), "config": [0, 1, 0, 1], "brand_index": [0, 0, 1, 1],
                         "brands.0.status_weight": [0.0, 1.0, 0.0, 1.0]})
    manifest = {"parameters": {"consumers": {"status_sensitivity_core": 0.6,
                                             "status_sensitivity_aspirational": 0.4},
                               "brands": [{"status_weight": 1.0}, {"status_weight": 0.0}]}}
    sweep = report.Sweep(Path("."), manifest, runs, None, ["brands.0.status_weight"], 0)
    assert report.status_sensitive(sweep).tolist() == [False, True, False, False]


class StopAfter(SerialExecutor):
    """Delivers some runs, then Ctrl-C."""

    def __init__(self, n: int) -> None:
        self.n = n

    def map_unordered(self, fn, tasks, on_error):
        for i, outcome in enumerate(super().map_unordered(fn, tasks, on_error)):
            if i == self.n:
                raise KeyboardInterrupt
            yield outcome


def test_paradox_is_regressed_apart_for_consumers_blind_to_status(tmp_path):
    """A sweep that turns status sensitivity off in some runs gets two regressions: the claim
    for the blind runs is that penetration does not lower dream value."""
    out = tmp_path / "status"
    execute_design(plan("organic", ["consumers.status_sensitivity_aspirational=0,0.4",
                                    "brands.0.strategy=entertainment,exclusivity"], reps=3,
                        overrides=[*BASE, "consumers.status_sensitivity_core=0"], steps=10), out,
                   QUIET)
    sweep = report.load(out)
    groups = report.paradox_groups(sweep)
    assert [(title, blind) for title, _, blind in groups] == [
        ("consumers sensitive to status", True), ("consumers blind to status", False)]
    assert (groups[1][1]["consumers.status_sensitivity_aspirational"] == 0).all()
    assert "## Consumers blind to status" in report.paradox_markdown(sweep)


def test_report_reads_an_interrupted_sweep_from_its_chunks(tmp_path):
    out = tmp_path / "partial"
    p = plan("organic", VARY, reps=2, overrides=BASE, steps=5)
    with pytest.raises(KeyboardInterrupt):
        execute_design(p, out, Options(progress=False), executor=StopAfter(5))
    assert report.load(out).manifest["status"] == "interrupted"
    assert not (out / "runs.parquet").exists()
    summary = report.summarize(report.load(out))
    assert summary["n"].sum() == 5
    paths = report.write_report(out)
    assert paths["frontier"].is_file()


def test_report_of_a_folder_without_a_sweep_is_one_line(tmp_path, capsys):
    assert run.main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: report:") and "holds no sweep.json" in err
    assert len(err.strip().splitlines()) == 1


def test_the_followers_report_says_when_followers_were_off(sweep_dir):
    report.write_report(sweep_dir)
    text = (sweep_dir / "report" / "followers.md").read_text()
    assert "followers were off in this sweep" in text


def test_the_followers_report_parts_followers_from_revenue_for_a_luxury_house(tmp_path):
    """Issue 17's question over a small sweep: lesson 8's house alone, two strategies."""
    out = tmp_path / "sweep"
    execute_design(plan("lesson8_followers", ["brands.0.strategy=entertainment,exclusivity"],
                        reps=3, overrides=["brands.1.budget=0", "brands.0.cost_invitation=5"],
                        steps=52), out, QUIET)
    paths = report.write_report(out)
    text = paths["followers"].read_text()
    assert "Spectacle: followers and revenue part: the most followers under entertainment, " \
           "the most revenue under exclusivity" in text
    assert "followers who bought" in text
