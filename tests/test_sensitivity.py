"""`run.py sensitivity`: Sobol indices of the Ishigami function come out right through the same
plumbing as the model; the eWOM model's Sobol and Morris runs; bad input."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from scipy import stats

from ewom_abm import cli as run
from ewom_abm.batch import sensitivity as sa
from ewom_abm.batch.executors import Target
from ewom_abm.batch.storage import RUNS
from ewom_abm.batch.sweep import Options

EWOM = ["--set", "network.n=300", "--steps", "10", "--workers", "1", "--no-progress"]
PARAMS = ["--param", "ewom.p_share=0.01:0.1", "--param", "ewom.p_external=0.001:0.02"]


def test_ishigami_sobol_indices_match_the_closed_form_within_their_bootstrap_cis(tmp_path):
    params = [sa.Param(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]
    spec = sa.plan_design(sa.Ishigami(), params, "sobol", 1024, seed=12)
    result = sa.run(spec, tmp_path, Options(Target(1), progress=False))
    assert result.failed == 0 and spec.plan.design.n_runs == 1024 * 5
    # six comparisons: each at level 1 - 0.05/6 (Bonferroni), so all six hold with >= 95%
    level = 1 - 0.05 / 6
    y = sa.outputs_matrix(pd.read_parquet(tmp_path / RUNS), spec)
    table = sa.analyse(spec, y, level=level).set_index("parameter")
    exact = sa.ishigami_indices()
    widen = stats.norm.ppf(0.5 + level / 2) / stats.norm.ppf(0.975)
    for i, name in enumerate(("x1", "x2", "x3")):
        row = table.loc[name]
        for index in ("S1", "ST"):
            assert abs(row[index] - exact[index][i]) <= row[f"{index}_conf"], (name, index)
            # the test has power: the 95% intervals are narrow next to the indices' spread
            assert row[f"{index}_conf"] / widen < 0.1
    # and the run went through the batch machinery: one row per sample point, seeds and all
    runs = pd.read_parquet(tmp_path / RUNS)
    assert runs["run"].tolist() == list(range(5120)) and runs["seed"].nunique() == 5120
    assert json.loads((tmp_path / "sweep.json").read_text())["kind"] == "sensitivity"


def test_sobol_on_the_model_writes_indices_and_resumes_to_nothing(tmp_path, capsys):
    out = tmp_path / "sobol"
    argv = ["sensitivity", "organic", *PARAMS, "--method", "sobol", "--n", "8",
            "--out", str(out), *EWOM]
    assert run.main(argv) == 0
    printed = capsys.readouterr().out
    assert "S1" in printed and "ewom.p_share" in printed
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert set(table["output"]) == {"reach", "dilution"} and len(table) == 4
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)
    assert (out / "sensitivity" / "indices.png").stat().st_size > 20_000
    assert "| reach | `ewom.p_share` |" in (out / "sensitivity" / "indices.md").read_text()
    runs = pd.read_parquet(out / RUNS)
    assert len(runs) == 8 * 4 and runs["ewom.p_share"].between(0.01, 0.1).all()
    assert run.main(argv) == 0  # the same command: nothing left to run, same indices
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["history"][-1]["to_run"] == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "sensitivity" / "indices.csv"), table)


def test_morris_on_the_model(tmp_path, capsys):
    out = tmp_path / "morris"
    assert run.main(["sensitivity", "organic", *PARAMS, "--param", "network.mean_degree=4:12",
                     "--method", "morris", "--n", "4", "--outputs", "reach", "--out", str(out),
                     *EWOM]) == 0
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert len(table) == 3 and {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert (table["mu_star"] >= 0).all()
    assert len(pd.read_parquet(out / RUNS)) == 4 * 4  # N trajectories of D + 1 points


BAD = [
    (["--param", "ewom.model=0:1", "--param", "ewom.p_share=0:1"], "not a numeric key"),
    (["--param", "ewom.p_shar=0:1", "--param", "ewom.p_external=0:1"], "did you mean"),
    (["--param", "ewom.p_share=0.5:0.1", "--param", "ewom.p_external=0:1"], "LO must be below"),
    (["--param", "ewom.p_share=0.1"], "expected KEY=LO:HI"),
    (["--param", "ewom.p_share=0.01:0.1"], "at least two"),
    ([*PARAMS, "--n", "10"], "power of 2"),
    ([*PARAMS, "--outputs", "reach,fame"], "'fame' is not a final metric"),
    ([*PARAMS, "--brand", "Nope"], "no brand named 'Nope'"),
    (["--param", "ewom.p_share=0.01:2", "--param", "ewom.p_external=0:1"], "out of range"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_gets_one_line(extra, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert run.main(["sensitivity", "organic", "--n", "8", "--out", str(out), *EWOM,
                     *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_constant_output_has_undefined_indices(tmp_path):
    """No brand here pays influencers, so scandals stay 0 at every sample point: a Sobol
    index of a constant is 0/0, and the table says undefined instead of 0.000 +- 0.000."""
    spec = sa.plan("organic", ["ewom.p_share=0.01:0.1", "ewom.p_external=0:0.01"], "sobol", 4,
                   overrides=["network.n=100"], steps=3, outputs=["scandals", "reach"])
    result = sa.run(spec, tmp_path, Options(Target(1), progress=False))
    scandals = result.table[result.table["output"] == "scandals"]
    assert scandals[["S1", "ST"]].isna().all().all()
    assert not result.table[result.table["output"] == "reach"][["S1", "ST"]].isna().any().any()
    text = result.table_text()
    assert "undefined" in text and "scandals: the same value at every sample point" in text
    assert "0.000 ± 0.000" not in (tmp_path / "sensitivity" / "indices.md").read_text()
    assert "its indices are undefined" in (tmp_path / "sensitivity" / "indices.md").read_text()
