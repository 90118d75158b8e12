"""The Python API (``import ewom_abm as ew``): its functions, its one-line errors, a script
without a main guard, and the example notebook."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import ewom_abm as ew
from ewom_abm.batch.runner import EwomSimulator
from ewom_testing import REPO

SMALL = {"network.n": 300}


def test_importing_the_package_loads_nothing_heavy():
    code = ("import sys, ewom_abm; heavy = [m for m in ('pandas', 'numpy', 'mesa', "
            "'ewom_abm.model.model', 'ewom_abm.api') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_run_returns_a_tidy_timeseries_and_a_summary():
    res = ew.run("organic", seed=3, steps=5, overrides={**SMALL, "ewom.model": "linear"})
    assert list(res.timeseries["step"].unique()) == list(range(6))
    assert res.summary["seed"] == 3 and res.scenario.ewom.model == "linear"
    assert set(res.final.index) == {b.name for b in res.scenario.brands}
    again = ew.run(res.scenario, seed=3)  # a Scenario object runs the same
    pd.testing.assert_frame_equal(again.timeseries, res.timeseries)


def test_overrides_are_typed_like_set():
    cfg = ew.load("organic", {"brands.0.budget": 300, "ewom.p_share": "0.07"})
    assert cfg.brands[0].budget == 300.0 and cfg.ewom.p_share == 0.07


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: ew.run({"ewom": {"model": "viral"}}), "ewom.model: 'viral' is not one of"),
        (lambda: ew.run("nonesuch"), "scenario: no preset or file named 'nonesuch'"),
        (lambda: ew.run(3.5), "scenario: expected a preset name"),
        (lambda: ew.run("organic", seed=-1), "seed: -1 is out of range"),
        (lambda: ew.run("organic", overrides={"ewom.modle": "linear"}), "did you mean"),
        (lambda: ew.run("organic", overrides="ewom.model=linear"), "overrides: expected a dict"),
        (lambda: ew.sweep("organic", vary={"ewom.model": ["organic", "viral"]}, reps=1),
         "'viral' is not one of"),
        (lambda: ew.calibrate("calibration", REPO / "data" / "colour_tv.csv", "sales",
                              kind="per_period", scale="count", reps=1), "--reps"),
    ],
)
def test_bad_input_is_one_ewom_error(call, needle):
    with pytest.raises(ew.EwomError) as err:
        call()
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_changed_scenario_object_is_checked_again():
    from ewom_abm.model.model import EwomModel

    cfg = ew.load("organic", SMALL)
    cfg.ewom.model = "viral"
    with pytest.raises(ew.EwomError, match=r"ewom\.model: 'viral'"):
        EwomModel(cfg)
    cfg.ewom.model = "organic"
    with pytest.raises(ew.EwomError, match="rng: expected a whole number >= 0"):
        EwomModel(cfg, rng=-2)


def test_sweep_returns_the_runs_table_with_and_without_vary(tmp_path):
    runs = ew.sweep("organic", vary={"ewom.p_share": [0.02, 0.05]}, reps=2, workers=1,
                    steps=4, overrides=SMALL, progress=False)
    assert len(runs) == 4 and sorted(runs["ewom.p_share"].unique()) == [0.02, 0.05]
    reps_only = ew.sweep("organic", reps=3, workers=1, steps=4, overrides=SMALL,
                         out=tmp_path / "reps", progress=False, timeseries=True)
    assert len(reps_only) == 3 and reps_only["seed"].nunique() == 3
    assert (tmp_path / "reps" / "runs.parquet").is_file()
    assert set(reps_only.attrs["timeseries"]["run"]) == {0, 1, 2}


def test_a_failed_run_raises(monkeypatch):
    def boom(self, payload, seed):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(EwomSimulator, "run", boom)
    with pytest.raises(ew.EwomError, match=r"sweep: 2 of 2 runs failed \(first: run 0: "
                                           r"RuntimeError: the engine fell over\)"):
        ew.sweep("organic", reps=2, workers=1, steps=3, overrides=SMALL, progress=False)


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_on_worker_processes(tmp_path):
    """multiprocessing re-runs the main script in each worker; without a guard that used to
    start the sweep again there and break the pool (BrokenProcessPool)."""
    script = tmp_path / "analysis.py"
    script.write_text(textwrap.dedent("""\
        import ewom_abm as ew
        runs = ew.sweep("organic", vary={"ewom.p_share": [0.02, 0.05]}, reps=2, workers=2,
                        steps=4, overrides={"network.n": 300}, progress=False)
        print("RUNS", len(runs), sorted(runs["status"].unique()))
        """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "RUNS 4 ['ok']"
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_example_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(REPO / "examples" / "research_api.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "examples")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "EwomError: ewom.model: 'viral' is not one of" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the calibration plot
