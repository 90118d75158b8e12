"""The wheel, installed in a fresh virtual environment outside the repository, works from a
folder of a user's own that holds a ``model.py`` and an ``agents/`` package: the presets and
the data travel inside it, and nothing is imported from the current folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ewom_abm.model import scenario
from ewom_testing import REPO

# builds a wheel and installs it in a fresh venv (minutes): the full suite's, not the inner
# loop's
pytestmark = pytest.mark.slow


def test_the_installed_command_runs_from_a_folder_that_shadows_its_modules(
        installed, shadowing_folder: Path) -> None:
    def ewom(*args: str) -> subprocess.CompletedProcess:
        res = subprocess.run([installed.bin("ewom"), *args], cwd=shadowing_folder,
                             env=installed.env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, (args, res.stderr)
        assert "Traceback" not in res.stderr
        return res

    where = subprocess.run([installed.bin("python"), "-c", "import ewom_abm, ewom_abm.data; "
                            "print(ewom_abm.__file__); print(ewom_abm.data.FACEBOOK)"],
                           cwd=shadowing_folder, env=installed.env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(installed.venv) for p in where), where
    assert not Path(where[0]).is_relative_to(REPO)

    listed = ewom("list").stdout
    assert [line.split()[0] for line in listed.splitlines()] == scenario.scenario_names()
    ewom("run", "organic", "--steps", "3")
    summary = json.loads((shadowing_folder / "out" / "organic" / "summary.json").read_text())
    assert summary["scenario"] == "organic" and summary["steps"] == 3
    ewom("run", "facebook", "--steps", "1", "--out", "fb")  # the packaged graph file
    # local worker processes (forkserver) import the package in the same folder
    ewom("sweep", "organic", "--vary", "ewom.p_share=0.02,0.04", "--reps", "2", "--steps", "3",
         "--set", "network.n=200", "--workers", "2", "--no-progress", "--out", "sweep")
    ewom("report", "sweep")
    for name in ("runs.parquet", "timeseries.parquet", "report/frontier.png",
                 "report/summary.md"):
        assert (shadowing_folder / "sweep" / name).is_file(), name
