"""`python run.py run`: outputs, every preset, and one-line errors without tracebacks."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pandas as pd
import pytest

from ewom_abm import cli as run
from ewom_abm.model import scenario
from ewom_testing import REPO

COLUMNS = ["step", "brand", "reach", "penetration", "penetration_outside_core", "advocates",
           "negative_share", "revenue", "desire", "dream_value", "dilution", "spend", "seed",
           "scenario"]


def test_run_writes_timeseries_summary_and_figure(tmp_path, capsys):
    out = tmp_path / "out"
    code = run.main(["run", "--seed", "11", "--steps", "6", "--set", "brands.1.name=Rival",
                     "--set", "network.n=500", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Brand" in printed and "Rival" in printed and "dilution" in printed
    df = pd.read_csv(out / "timeseries.csv")
    assert set(COLUMNS) <= set(df.columns)
    assert len(df) == 7 * 2 and (df["seed"] == 11).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 11 and summary["scenario"] == "default"
    assert summary["parameters"]["network"]["n"] == 500
    assert summary["parameters"]["brands"][1]["name"] == "Rival"
    assert set(summary["final"]) == {"Brand", "Rival"}
    assert summary["version"]
    assert (out / "timeseries.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.parametrize("name", scenario.scenario_names())
def test_every_preset_runs(name, tmp_path):
    assert run.main(["run", name, "--steps", "3", "--out", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "timeseries.csv")
    assert df["step"].max() == 3 and (df["scenario"] == name).all()


def bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    malformed = tmp_path / "malformed.txt"
    malformed.write_text("0 1\n2\n")
    badgz = tmp_path / "bad.txt.gz"
    badgz.write_bytes(b"not gzip at all")
    typo = tmp_path / "typo.toml"
    typo.write_text("[ewom]\nmodle = 'linear'\n")
    ok = tmp_path / "ok.txt.gz"
    with gzip.open(ok, "wt") as fh:
        fh.write("0 1\n")
    return [
        (["--set", "ewom.modle=linear"], "did you mean 'model'"),
        (["--set", "network.n=many"], "network.n: expected an integer"),
        (["--set", "ewom.p_share=1.7"], "ewom.p_share: 1.7 is out of range"),
        (["--set", "brands.0.strategy=viral"], "brands.0.strategy: 'viral' is not one of"),
        (["--set", "network.kind=file", "--set", f"network.path={tmp_path / 'nope.txt'}"],
         "network.path"),
        (["--set", "network.kind=file", "--set", f"network.path={malformed}"], "line 2"),
        (["--set", "network.kind=file", "--set", f"network.path={empty}"], "no edges"),
        (["--set", "network.kind=file", "--set", f"network.path={badgz}"], "network.path"),
        ([str(typo)], "ewom.modle: unknown key"),
        (["no_such_preset"], "scenario: no preset or file named"),
        (["--seed", "-3"], "seed: -3 is out of range"),
    ]


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    for args, needle in bad_inputs(tmp_path):
        code = run.main(["run", *args, "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert code == 2, args
        assert err.startswith("error: ") and needle in err, (args, err)
        assert err.count("\n") == 1, err


def test_bad_input_from_the_shell_has_no_traceback(tmp_path):
    for args in (["run", "--set", "network.kind=file", "--set", "network.path=/nonexistent.txt"],
                 ["run", "--steps", "ten"], ["fly"]):
        proc = subprocess.run([sys.executable, "run.py", *args], cwd=REPO, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2, proc
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr


def test_list_shows_every_preset(capsys):
    assert run.main(["list"]) == 0
    printed = capsys.readouterr().out
    for name in scenario.scenario_names():
        assert name in printed
