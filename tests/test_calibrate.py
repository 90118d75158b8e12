"""Calibration: the Bass baseline and simulation fits recover known parameters; bad files fail
cleanly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ewom_abm.batch.bass import bass_curve, fit_bass
from ewom_abm.batch.calibrate import (
    Budget,
    Calibration,
    EwomSimulator,
    Target,
    calibrate,
    parse_param,
)
from ewom_abm.batch.executors import make_executor
from ewom_abm.batch.observed import load_observed
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.model import EwomModel
from ewom_abm.model.reference import DOCKED

# word of mouth drives adoption here (an exposure is an adoption), so the curve identifies it
BASE = ["network.kind=watts_strogatz", "network.n=2000", "consumers.agents_max=0", *DOCKED,
        "ewom.p_external=0.01"]


def write(tmp_path, name, frame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_bass_fit_recovers_known_p_q_m(tmp_path):
    rng = np.random.default_rng(5)
    t = np.arange(0, 31)
    truth = {"p": 0.02, "q": 0.35, "m": 0.6}
    y = np.clip(bass_curve(t, **truth) + rng.normal(0, 0.004, t.size), 0, None)
    obs = load_observed(write(tmp_path, "bass.csv", pd.DataFrame({"week": t, "sales": y})),
                        "sales")
    fit = fit_bass(obs)
    for name, value in truth.items():
        assert abs(getattr(fit, name) - value) < 3 * fit.se[name], name
    assert fit.rmse < 0.006


def market(tmp_path, seed: int, truth: dict[str, float]):
    """One realisation of the model at known parameter values: the 'observed' market."""
    sets = [f"{k}={v}" for k, v in truth.items()]
    world = EwomModel(scenario.load("organic", [*BASE, *sets], steps=25), rng=seed)
    y = world.run()["penetration"].to_numpy()
    return load_observed(write(tmp_path, "obs.csv",
                               pd.DataFrame({"step": np.arange(26), "adopted": y})), "adopted")


@pytest.mark.slow
def test_simulation_fit_recovers_the_parameter_that_made_the_data(tmp_path):
    """The fit finds word of mouth's strength within its reported 95% interval."""
    truth = 0.04
    obs = market(tmp_path, 12345, {"ewom.p_share": truth})
    fit = calibrate("organic", obs, ["ewom.p_share=0.01:0.1"], metric="penetration",
                    overrides=BASE, steps=25, budget=Budget(6), target=Target(1))
    lo, hi = fit.ci["ewom.p_share"]
    assert lo <= truth <= hi, (fit.values, fit.ci)
    assert hi - lo < 0.045  # and the interval says something (half the box)
    assert fit.rmse < 0.03
    assert fit.r2 > 0.95 and fit.bass.rmse > 0 and "Both reproduce" in fit.verdict


@pytest.mark.slow
def test_two_parameter_fit_is_at_least_as_good_as_the_truth(tmp_path):
    """Advertising and word of mouth trade off along a valley; the optimiser must find a point
    at least as close to the data as the true values are (same replicate seeds)."""
    truth = {"ewom.p_share": 0.04, "ewom.p_external": 0.01}
    obs = market(tmp_path, 12345, truth)
    box = ["ewom.p_share=0.01:0.1", "ewom.p_external=0.002:0.03"]
    fit = calibrate("organic", obs, box, metric="penetration", overrides=BASE,
                    steps=25, budget=Budget(6), target=Target(1))
    simulator = EwomSimulator.from_scenario(scenario.load("organic", BASE, steps=25))
    with make_executor(1) as ex:
        cal = Calibration(simulator, [parse_param(b) for b in box], obs, "penetration", 6,
                          simulator_seed(), ex)
        at_truth = cal.objective(np.array([(0.04 - 0.01) / 0.09, (0.01 - 0.002) / 0.028]))
    assert 1 - fit.r2 <= at_truth  # the objective is 1 - R²
    for key, value in truth.items():  # and lands in the right neighbourhood
        assert abs(fit.values[key] - value) < 0.25 * value + 3 * fit.se[key]


def simulator_seed() -> int:
    return scenario.load("organic", BASE, steps=25).seed


def test_dates_become_steps_and_counts_become_shares(tmp_path):
    dates = pd.date_range("2026-01-05", periods=6, freq="7D").strftime("%Y-%m-%d")
    path = write(tmp_path, "d.csv", pd.DataFrame({"date": dates, "buyers": [0, 5, 9, 20, 40, 60]}))
    obs = load_observed(path, "buyers", scale="count", population=100, offset=1)
    assert obs.period == "week"  # inferred from the dates' spacing
    # the first row is the second week after launch (offset 1): its stock after step 2
    assert obs.ends.tolist() == [2, 3, 4, 5, 6, 7]
    assert obs.values.tolist() == [0, 5, 9, 20, 40, 60] and obs.market == 100


@pytest.mark.parametrize(
    ("frame", "kwargs", "needle"),
    [
        (None, {}, "file not found"),
        (pd.DataFrame({"step": [0, 1, 2], "adopters": [0, 0.1, 0.2]}), {"target": "adopter"},
         "did you mean 'adopters'"),
        (pd.DataFrame({"step": [0, 1, 2], "adopters": [0, "x", 0.2]}), {}, "is not a number"),
        (pd.DataFrame({"step": [0, 1], "adopters": [0, 0.1]}), {}, "a curve needs 3"),
        (pd.DataFrame({"step": [0, 2, 1], "adopters": [0, 0.1, 0.2]}), {}, "must increase"),
        (pd.DataFrame({"step": [0, 1, 2], "adopters": [0, 10, 20]}), {}, "values above 1"),
        (pd.DataFrame({"step": [0, 1, 2], "adopters": [0, 0.1, 0.2]}), {"population": 10},
         "--population: only used with --scale count"),
        (pd.DataFrame({"when": ["a", "b", "c"], "adopters": [0, 0.1, 0.2]}), {},
         "no column named one of"),
        (pd.DataFrame({"step": ["x", "y", "z"], "adopters": [0, 0.1, 0.2]}), {},
         "neither a number nor a date"),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path, frame, kwargs, needle):
    path = str(tmp_path / "missing.csv") if frame is None else write(tmp_path, "f.csv", frame)
    target = kwargs.pop("target", "adopters")
    with pytest.raises(EwomError) as err:
        load_observed(path, target, **kwargs)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_bad_calibration_arguments(tmp_path):
    obs = load_observed(write(tmp_path, "o.csv", pd.DataFrame(
        {"step": [0, 1, 2, 3], "a": [0, 0.01, 0.02, 0.04]})), "a")
    with pytest.raises(EwomError, match="did you mean 'penetration'"):
        calibrate("organic", obs, ["ewom.p_share=0.01:0.1"], metric="penetraton")
    with pytest.raises(EwomError, match="--param"):
        calibrate("organic", obs, ["ewom.p_share=0.1"], metric="penetration")
    with pytest.raises(EwomError, match="out of range"):
        calibrate("organic", obs, ["ewom.p_share=0.5:1.5"], metric="penetration")


@pytest.mark.slow
def test_calibrate_command_writes_its_report(tmp_path, capsys):
    import run
    from ewom_testing import REPO

    out = tmp_path / "cal"
    code = run.main(["calibrate", "calibration", "--data", str(REPO / "data" /
                     "example_launch.csv"), "--target", "adopters", "--scale", "count",
                     "--population", "2000", "--param", "ewom.p_share=0.01:0.1",
                     "--set", "network.n=500", "--reps", "3", "--max-evals", "8",
                     "--workers", "1", "--out", str(out)])
    assert code == 0
    assert "ewom.p_share" in capsys.readouterr().out
    for name in ("calibration.json", "calibration.md", "calibration.png"):
        assert (out / name).stat().st_size > 0
    code = run.main(["calibrate", "calibration", "--data", str(tmp_path / "none.csv"),
                     "--target", "x", "--param", "ewom.p_share=0.01:0.1"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --data: file not found") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"time_column": "adopters"}, "is the --target column"),
        ({"period": "fortnight"}, "--period: 'fortnight' is not one of"),
        ({"offset": -1}, "--offset: periods between launch"),
        ({"scale": "count", "population": -5}, "--population: a positive market size"),
    ],
)
def test_bad_reading_options(tmp_path, kwargs, needle):
    path = write(tmp_path, "o.csv", pd.DataFrame({"step": [0, 1, 2], "adopters": [0, 1, 2]}))
    with pytest.raises(EwomError, match=needle):
        load_observed(path, "adopters", **kwargs)


@pytest.mark.slow
def test_count_metrics_are_compared_as_shares(tmp_path):
    """new_adopters per step is a count; the observed curve is a share: the fit divides."""
    world = EwomModel(scenario.load("organic", [*BASE, "ewom.p_share=0.04"], steps=25), rng=3)
    per_step = world.run()["new_adopters"].to_numpy() / 2000
    obs = load_observed(write(tmp_path, "n.csv", pd.DataFrame(
        {"step": np.arange(26), "new": per_step})), "new", kind="per_period")
    fit = calibrate("organic", obs, ["ewom.p_share=0.01:0.1"], metric="new_adopters",
                    overrides=BASE, steps=25, budget=Budget(4, 20), target=Target(1))
    assert fit.mean_curve.max() < 0.2  # shares, not counts of adopters
    assert fit.rmse < 0.02


@pytest.mark.slow
def test_ctrl_c_keeps_the_best_point_written_and_marked_interrupted(tmp_path, monkeypatch,
                                                                     capsys):
    """Ctrl-C in the search: the best point found so far is reported and written, marked
    interrupted, without standard errors (they need the search to finish); exit 130."""
    import json

    import run
    from ewom_abm.batch import calibrate as cal_mod
    from ewom_testing import REPO

    def interrupted(objective, start, budget):
        for u in (0.2, 0.4, 0.6):
            objective(np.array([u]))
        raise KeyboardInterrupt

    monkeypatch.setattr(cal_mod, "_search", interrupted)
    out = tmp_path / "cal"
    code = run.main(["calibrate", "calibration", "--data", str(REPO / "data" /
                     "example_launch.csv"), "--target", "adopters", "--scale", "count",
                     "--population", "2000", "--param", "ewom.p_share=0.01:0.1",
                     "--set", "network.n=300", "--reps", "2", "--workers", "1",
                     "--no-progress", "--out", str(out)])
    assert code == 130
    report = json.loads((out / "calibration.json").read_text())
    assert report["status"] == "interrupted"
    assert report["params"]["ewom.p_share"]["se"] is None
    assert report["params"]["ewom.p_share"]["ci"] is None
    # the scout's 32 points and three more (with 2 replicates the scout already ran every
    # replicate, so its best point is not run again)
    assert report["evaluations"] == 32 + 3
    assert "Interrupted" in (out / "calibration.md").read_text()
    assert "interrupted: wrote the best point found so far" in capsys.readouterr().err
