"""`run.py sweep`: grid and seeds, identical results on any executor, kill -9 and resume,
recorded failures, and one-line rejection of bad input before any run starts."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ewom_abm import cli as run
from ewom_abm.batch import grid
from ewom_abm.batch.executors import Target
from ewom_abm.batch.grid import Design, parse_vary
from ewom_abm.batch.storage import identity
from ewom_abm.batch.sweep import Options, execute_design, plan
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.network import clear_graph_cache, graph_cache_info
from ewom_testing import REPO, build, edge_file

SMALL = ["network.n=300"]  # tiny graphs: these tests check plumbing, not dynamics

QUIET = Options(Target(1), progress=False)


def read(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "timeseries.parquet")


def assert_same_tables(a: Path, b: Path) -> None:
    for x, y in zip(read(a), read(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


# --------------------------------------------------------------------------- grid and seeds

def test_vary_values_are_typed_like_the_scenario_file():
    assert parse_vary("ewom.model=organic, linear").values == ("organic", "linear")
    assert parse_vary("ewom.p_share=0.01,1").values == (0.01, 1.0)  # float key: 1 -> 1.0
    assert all(type(v) is float for v in parse_vary("ewom.p_share=0.01,1").values)
    assert parse_vary("ewom.share_once=true,false").values == (True, False)
    assert parse_vary("brands.0.name=A,B").values == ("A", "B")


def test_numeric_ranges_include_both_ends():
    assert parse_vary("ewom.p_share=0.1:0.3:3").values == (0.1, 0.2, 0.3)  # no 0.30000000004
    assert parse_vary("network.n=1000:3000:3").values == (1000, 2000, 3000)
    assert all(type(v) is int for v in parse_vary("network.n=1000:3000:3").values)
    assert parse_vary("brands.0.budget=10:1000:3:log").values == (10.0, 100.0, 1000.0)
    assert parse_vary("network.n=100:100:1").values == (100,)
    assert parse_vary("steps=10:1000:3:log").values == (10, 100, 1000)


def test_grid_is_the_product_first_key_slowest_and_run_ids_are_replicate_major():
    d = Design.grid([parse_vary("ewom.model=organic,linear"),
                     parse_vary("brands.0.budget=10,20,30")], reps=2, root_seed=5)
    assert d.n_configs == 6 and d.n_runs == 12
    assert d.values(0) == {"ewom.model": "organic", "brands.0.budget": 10.0}
    assert d.values(1) == {"ewom.model": "organic", "brands.0.budget": 20.0}
    assert d.values(3) == {"ewom.model": "linear", "brands.0.budget": 10.0}
    runs = list(d.runs())
    assert [(r.config, r.rep) for r in runs[:7]] == [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0),
                                                     (5, 0), (0, 1)]
    assert d.describe() == "6 configurations x 2 replicates = 12 runs"


def test_seeds_are_spawned_streams_of_the_root_seed():
    d = Design.grid([parse_vary("ewom.model=organic,linear,coproduction")], reps=4, root_seed=42)
    seeds = [r.seed for r in d.runs()]
    children = np.random.SeedSequence(42).spawn(d.n_runs)
    assert seeds == [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert len(set(seeds)) == d.n_runs and all(0 <= s < 2**63 for s in seeds)
    # a run's seed depends on the root seed and its id only: more replicates append runs
    more = Design.grid([parse_vary("ewom.model=organic,linear,coproduction")], reps=6,
                       root_seed=42)
    assert [r.seed for r in more.runs()][: d.n_runs] == seeds
    other = Design.grid([parse_vary("ewom.model=organic,linear,coproduction")], reps=4,
                        root_seed=43)
    assert not set(seeds) & {r.seed for r in other.runs()}


def test_common_seeds_share_a_seed_per_replicate():
    d = Design.grid([parse_vary("ewom.model=organic,linear")], reps=3, root_seed=1,
                    common_seeds=True)
    by_rep = {}
    for r in d.runs():
        by_rep.setdefault(r.rep, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values()) and len(by_rep) == 3
    assert by_rep[2] == {grid.run_seed(1, 2)}


def test_sweeps_skip_mesa_agents_because_they_do_not_change_results():
    a = build(*SMALL, "consumers.agents_max=0", steps=6, seed=3).run()
    b = build(*SMALL, "consumers.agents_max=100000", steps=6, seed=3).run()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- executors

@pytest.mark.slow
def test_same_tables_on_one_worker_two_workers_and_a_dask_cluster(tmp_path):
    from distributed import LocalCluster

    p = plan("organic", ["ewom.model=organic,coproduction", "brands.0.strategy=influencer,"
                         "exclusivity"], reps=2, overrides=SMALL, steps=8)
    execute_design(p, tmp_path / "one", QUIET)
    execute_design(p, tmp_path / "two", Options(Target(2), progress=False, chunk_runs=3))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        res = execute_design(p, tmp_path / "dask", Options(
            Target(scheduler=cluster.scheduler_address), progress=False))
    assert res.ok == 8 and res.failed == 0
    assert_same_tables(tmp_path / "one", tmp_path / "two")
    assert_same_tables(tmp_path / "one", tmp_path / "dask")
    runs, ts = read(tmp_path / "one")
    # one row per run and brand, every row tagged with run id, seed and the varied values
    assert runs["run"].tolist() == list(range(8))
    assert {"run", "seed", "ewom.model", "brands.0.strategy", "reach", "dilution",
            "peak_reach", "peak_reach_step"} <= set(runs.columns)
    assert (runs["ewom.model"] == runs["ewom_model"]).all()
    assert len(ts) == 8 * 9 and set(ts["seed"]) == set(runs["seed"])
    # the run's final row is its last timeseries step
    last = ts[ts["step"] == 8].set_index("run")
    np.testing.assert_array_equal(last.loc[runs["run"], "reach"], runs["reach"])
    history = json.loads((tmp_path / "dask" / "sweep.json").read_text())["history"]
    assert "Dask cluster at tcp://127.0.0.1" in history[0]["executor"]


def test_a_run_equals_a_bare_engine_run_with_its_seed(tmp_path):
    p = plan("organic", ["brands.0.budget=50"], reps=2, overrides=SMALL, steps=5)
    execute_design(p, tmp_path, QUIET)
    runs, ts = read(tmp_path)
    seed = int(runs.loc[1, "seed"])
    bare = build(*SMALL, "brands.0.budget=50", preset="organic", steps=5, seed=seed).run()
    mine = ts[ts["run"] == 1][bare.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, bare, check_dtype=False, check_exact=True)


# --------------------------------------------------------------------------- durability

def reap_group(pgid: int, wait: float = 5.0) -> None:
    """The killed sweep's pool workers exit when they lose their parent; kill any that stay
    (only the process group this test started)."""
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            os.killpg(pgid, 0)
            time.sleep(0.05)
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def sweep_argv(out: Path, *extra: str) -> list[str]:
    return ["sweep", "organic", "--vary", "ewom.model=organic,coproduction", "--reps", "20",
            "--set", "network.n=1000", "--steps", "15", "--chunk", "3", "--out", str(out),
            "--no-progress", *extra]


@pytest.mark.slow
def test_kill_9_mid_sweep_then_resume_gives_the_uninterrupted_tables(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "run.py", *sweep_argv(out, "--workers", "2")],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "parts").glob("runs-*.parquet"))) < 3:
            assert proc.poll() is None, "the sweep ended before the kill: make it longer"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reap_group(proc.pid)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "running"
    recorded = pd.concat(pd.read_parquet(p) for p in (out / "parts").glob("runs-*.parquet"))
    assert 3 <= recorded["run"].nunique() < 40
    assert not (out / "runs.parquet").exists()

    # the same command again: only the missing runs
    assert run.main(sweep_argv(out, "--workers", "2")) == 0
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "complete" and manifest["done"] == 40
    assert manifest["history"][-1]["to_run"] == 40 - recorded["run"].nunique()
    assert not (out / "parts").exists()

    assert run.main(sweep_argv(tmp_path / "whole", "--workers", "1")) == 0
    assert_same_tables(out, tmp_path / "whole")


def test_resume_from_sweep_json_and_more_replicates_append_runs(tmp_path):
    out = tmp_path / "grow"
    argv = ["sweep", "organic", "--vary", "ewom.model=organic,linear", "--set", "network.n=300",
            "--steps", "5", "--workers", "1", "--out", str(out), "--no-progress"]
    assert run.main([*argv, "--reps", "2"]) == 0
    # --resume with only --out rebuilds the sweep from sweep.json; --reps 3 adds a replicate
    assert run.main(["sweep", "--resume", "--out", str(out), "--reps", "3", "--workers", "1",
                     "--no-progress", "--csv"]) == 0
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["reps"] == 3 and manifest["history"][-1]["to_run"] == 2
    assert run.main([*argv, "--reps", "3", "--out", str(tmp_path / "fresh")]) == 0
    assert_same_tables(out, tmp_path / "fresh")
    assert pd.read_csv(out / "runs.csv")["run"].tolist() == list(range(6))
    # done: the same command runs nothing
    assert run.main([*argv, "--reps", "3"]) == 0
    assert json.loads((out / "sweep.json").read_text())["history"][-1]["to_run"] == 0


@pytest.mark.slow
def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path, capsys):
    good = edge_file(tmp_path, [(i, (i + 1) % 200) for i in range(200)], "ring.txt")
    bad = tmp_path / "broken.txt"
    bad.write_text("0 1\n2\n")  # valid path, malformed file: fails only when a run reads it
    out = tmp_path / "out"
    argv = ["sweep", "organic", "--set", "network.kind=file", "--set", f"network.path={good}",
            "--vary", f"network.path={good},{bad}", "--reps", "3", "--steps", "4",
            "--workers", "2", "--out", str(out), "--no-progress"]
    assert run.main(argv) == 1
    err = capsys.readouterr().err
    assert "error: 3 of 6 runs failed" in err and "line 2" in err
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run"].tolist() == list(range(6))
    failed = runs[runs["status"] == "failed"]
    assert failed["network.path"].eq(str(bad)).all() and len(failed) == 3
    assert failed["error"].str.contains("EwomError: network.path:.*line 2").all()
    assert failed["reach"].isna().all()
    ok = runs[runs["status"] == "ok"]
    assert len(ok) == 3 and ok["reach"].notna().all() and (ok["error"] == "").all()
    assert (ok["brand"] == "Brand").all()
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "failed" and manifest["failed"] == 3
    assert sorted(f["run"] for f in manifest["failures"]) == failed["run"].tolist()
    assert len(list((out / "failures").glob("run-*.txt"))) == 3
    # fix the file and run the same command: the failed runs, and only they, are retried
    bad.write_text("0 1\n1 2\n2 0\n")
    assert run.main(argv) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and runs["run"].tolist() == list(range(6))
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["history"][-1]["to_run"] == 3 and manifest["status"] == "complete"
    assert not list((out / "failures").glob("run-*.txt"))


# --------------------------------------------------------------------------- bad input

BAD = [
    (["--vary", "ewom.modle=organic,linear"], "did you mean 'model'"),
    (["--vary", "ewom.p_share=0.1:0.3"], "malformed range"),
    (["--vary", "ewom.p_share=0.1:x:3"], "malformed range"),
    (["--vary", "network.n=100:200:4"], "takes integers"),
    (["--vary", "network.n=1000,1"], "network.n: 1 is out of range"),
    (["--vary", "ewom.model=organic,viral"], "'viral' is not one of"),
    (["--vary", "ewom.p_share=0.1,0.1"], "listed twice"),
    (["--vary", "ewom.model=organic", "--vary", "ewom.model=linear"], "given twice"),
    (["--vary", "seed=1,2"], "cannot be varied"),
    (["--vary", "ewom.model"], "expected KEY=VALUES"),
    (["--vary", "ewom.model=organic", "--reps", "0"], "--reps: must be at least 1"),
    (["--vary", "ewom.model=organic", "--workers", "0"], "--workers: must be at least 1"),
    (["--vary", "brands.5.strategy=exclusivity"], "--vary brands.5.strategy"),
    (["--vary", "network.kind=global", "--set", "ewom.model=linear"], "'linear' needs"),
    (["--vary", "network.n=10,2000"], "network.mean_degree"),  # graph rules checked up front
    (["--vary", "ewom.model=organic", "--resume"], "holds no sweep to resume"),
    (["--vary", "ewom.model=organic", "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout",
      "1"], "cannot connect"),
    (["--vary", "ewom.model=organic", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
     "not used with --scheduler"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_gets_one_line_before_any_run(extra, message, tmp_path, capsys):
    out = tmp_path / "out"
    code = run.main(["sweep", "organic", "--set", "network.n=300", "--steps", "3",
                     "--out", str(out), "--no-progress", *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (out / "parts").exists() and not (out / "runs.parquet").exists()


def test_an_output_folder_holding_a_different_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["sweep", "organic", "--set", "network.n=300", "--steps", "3", "--workers", "1",
            "--out", str(out), "--no-progress"]
    assert run.main([*base, "--vary", "ewom.model=organic,linear"]) == 0
    before = (out / "runs.parquet").read_bytes()
    capsys.readouterr()
    for extra, what in ((["--vary", "ewom.model=organic,coproduction"],
                         '--vary ewom.model, configuration 1: "linear" in sweep.json, '
                         '"coproduction" now'),
                        (["--vary", "ewom.model=organic,linear", "--set", "ewom.p_share=0.2"],
                         "scenario key ewom.p_share: 0.12 in sweep.json, 0.2 now"),
                        (["--vary", "ewom.model=organic,linear", "--seed", "7"],
                         "seed: 1 in sweep.json, 7 now"),
                        (["--vary", "ewom.model=organic,linear", "--reps", "1", "--steps", "4"],
                         "steps")):
        assert run.main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert "holds a different sweep" in err and what in err, err
        assert len(err.strip().splitlines()) == 1
    assert (out / "runs.parquet").read_bytes() == before
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    assert run.main([*base[:-3], "--out", str(tmp_path / "mine"), "--vary",
                     "ewom.model=organic"]) == 2
    assert "not empty and holds no sweep.json" in capsys.readouterr().err


def test_a_sweep_builds_its_graph_once_and_its_replicates_still_differ(tmp_path):
    edges = [(i, (i + k) % 300) for i in range(300) for k in (1, 2, 17)]
    ring = edge_file(tmp_path, edges, "ring.txt")
    for name, overrides in (("file", ["network.kind=file", f"network.path={ring}"]),
                            ("seeded", [*SMALL, "network.graph_seed=4"])):
        clear_graph_cache()
        p = plan("organic", ["ewom.p_share=0.1,0.2"], reps=3, overrides=overrides, steps=6)
        execute_design(p, tmp_path / name, QUIET)
        assert graph_cache_info()[:3] == (5, 1, 1), name  # six runs, one graph built
        _, ts = read(tmp_path / name)
        curves = ts.groupby("run")["reach"].apply(tuple)
        assert curves.nunique() == 6, name  # every run its own, by its own seed


def test_sweeps_started_before_graph_seed_existed_keep_their_identity():
    design = Design.grid([parse_vary("ewom.p_share=0.1")], reps=1, root_seed=1)
    params = scenario.load("organic").to_dict()
    older = copy.deepcopy(params)
    del older["network"]["graph_seed"]
    assert identity({"parameters": older}, design) == identity({"parameters": params}, design)
    params["network"]["graph_seed"] = 3
    assert identity({"parameters": older}, design) != identity({"parameters": params}, design)
    assert params["network"]["graph_seed"] == 3  # the parameters themselves are not changed


def test_plan_validates_every_configuration_up_front():
    with pytest.raises(EwomError, match=r"ewom\.p_share: 1\.5 is out of range"):
        plan("organic", ["ewom.model=organic,linear", "ewom.p_share=0.1,1.5"], reps=1)


def test_help_is_fast_because_batch_imports_wait_for_their_command():
    code = ("import sys; from ewom_abm import cli; cli.build_parser().format_help(); "
            "print(sorted(m for m in ('ewom_abm.batch.sweep', 'pandas', 'SALib') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize(("address", "normal"), [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"), ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("TLS://sched.example.org:8786/", "tls://sched.example.org:8786"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786")])
def test_a_scheduler_address_is_checked_before_connecting(address, normal):
    from ewom_abm.batch.executors import check_address

    assert check_address(address) == normal


@pytest.mark.parametrize("address", ["not a url", "", "tcp://host", "tcp://host:0",
                                     "tcp://host:65536", "http://host:8786", "tcp://-x:1",
                                     "tcp://host:8786; rm -rf /"])
def test_a_malformed_scheduler_address_is_one_line(address):
    from ewom_abm.batch.executors import check_address

    with pytest.raises(EwomError, match=r"^--scheduler: .* is not a Dask scheduler address"):
        check_address(address)
