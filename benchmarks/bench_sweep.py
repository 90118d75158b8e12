#!/usr/bin/env python
"""Sweep benchmark: the headline experiment (3 eWOM models x 3 strategies x 30 replicates,
10,000 consumers, 100 steps) end to end, against the same runs done bare in one process.

Prints:
1. bare in-process runs (EwomModel build + steps, no batch machinery): seconds per run;
2. the headline sweep on a local process pool: wall time, runs per second, and where the time
   went (worker-side build and steps, parent-side storage, pool start-up);
3. the per-run overhead of the batch machinery: wall x workers / runs minus the bare run time,
   and the same for an in-process (1 worker) sweep, which isolates storage from parallelism;
4. the report's time, and the target (whole headline sweep <= 60 s on 2 cores), met or not.

    python benchmarks/bench_sweep.py                 # the full headline sweep (about a minute)
    python benchmarks/bench_sweep.py --reps 5        # quicker look
    python benchmarks/bench_sweep.py --workers 2 --keep out/bench-headline
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ewom_abm.batch.executors import Target, default_workers
from ewom_abm.batch.report import write_report
from ewom_abm.batch.sweep import Options, execute_design, plan
from ewom_abm.model.model import EwomModel

ROOT = Path(__file__).resolve().parents[1]

VARY = ["ewom.model=organic,linear,coproduction",
        "brands.0.strategy=entertainment,influencer,exclusivity"]
TARGET_SECONDS = 60.0


def bare_runs(reps: int, overrides: list[str]) -> dict[str, float]:
    """The first ``reps`` replicates of the headline's runs, each with the seed the sweep gives
    it, run directly (no batch machinery): the floor the sweep is measured against."""
    p = plan("headline", VARY, reps, overrides=overrides)
    build, steps = [], []
    runs = list(p.design.runs())
    EwomModel(p.payloads[0], rng=0).run(2)  # warm up: first-call imports and caches
    for run in runs:
        cfg = dataclasses.replace(p.payloads[run.config], consumers=dataclasses.replace(
            p.payloads[run.config].consumers, agents_max=0))
        t0 = time.perf_counter()
        m = EwomModel(cfg, rng=run.seed)
        t1 = time.perf_counter()
        m.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        steps.append(t2 - t1)
    total = [b + s for b, s in zip(build, steps, strict=True)]
    return {"runs": len(total), "build": statistics.mean(build), "total": sum(total),
            "steps": statistics.mean(steps), "run": statistics.mean(total),
            "n": cfg.network.n, "step_count": cfg.steps}


def sweep(out: Path, reps: int, workers: int, overrides: list[str]) -> dict[str, float]:
    """One headline sweep into ``out``; wall time and sweep.json's breakdown."""
    shutil.rmtree(out, ignore_errors=True)
    p = plan("headline", VARY, reps, overrides=overrides)
    t0, cpu0 = time.perf_counter(), time.process_time()
    result = execute_design(p, out, Options(Target(workers), progress=False))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    assert result.failed == 0, result.failures
    session = json.loads((out / "sweep.json").read_text())["history"][-1]
    sec = session["seconds"]
    return {"wall": wall, "runs": result.total, "rate": result.total / wall,
            "build": sec["build"] / result.total, "steps": sec["steps"] / result.total,
            "worker_run": sec["run_seconds"] / result.total, "io": sec["io"],
            "startup": sec["startup"], "parent_cpu": cpu / result.total}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--bare", type=int, default=3,
                    help="replicates run bare and in a 1-worker sweep (default 3: 27 runs)")
    ap.add_argument("--set", action="append", default=[], help="override the headline scenario")
    ap.add_argument("--keep", type=Path, help="keep the sweep's folder here")
    args = ap.parse_args()

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, workers={args.workers}"
          f", load average {os.getloadavg()[0]:.2f} (other users slow every figure)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        # the same runs, same seeds: bare, in a 1-worker sweep, bare again (load drifts)
        first = bare_runs(args.bare, args.set)
        one = sweep(tmp / "serial", args.bare, 1, args.set)
        again = bare_runs(args.bare, args.set)
        bare = {k: (v + again[k]) / 2 if isinstance(v, float) else v for k, v in first.items()}
        print(f"\n1. bare in-process runs ({bare['runs']}: {bare['n']:,} consumers, "
              f"{bare['step_count']} steps)")
        print(f"   build {bare['build'] * 1e3:7.1f} ms   steps {bare['steps'] * 1e3:7.1f} ms   "
              f"run {bare['run'] * 1e3:7.1f} ms   ({bare['steps'] / bare['step_count'] * 1e3:.2f}"
              " ms per step)")

        out = args.keep or tmp / "headline"
        pool = sweep(out, args.reps, args.workers, args.set)
        print(f"\n2. headline sweep, {pool['runs']} runs on {args.workers} workers")
        print(f"   wall {pool['wall']:6.1f} s   {pool['rate']:6.1f} runs/s")
        tables = pool["worker_run"] - pool["build"] - pool["steps"]
        print(f"   per run in the workers: build {pool['build'] * 1e3:.1f} ms + steps "
              f"{pool['steps'] * 1e3:.1f} ms + final rows {tables * 1e3:.1f} ms; parent: "
              f"storage {pool['io']:.2f} s in all, pool start {pool['startup']:.2f} s")
        print(f"   parent process CPU: {pool['parent_cpu'] * 1e3:.1f} ms per run (receiving "
              "results, tables, chunk writes, final merge; insensitive to other users' load)")

        ideal = pool["runs"] * bare["run"] / args.workers
        per_run_pool = pool["wall"] * args.workers / pool["runs"] - bare["run"]
        per_run_one = (one["wall"] - bare["total"]) / one["runs"]
        print("\n3. overhead of the batch machinery against bare runs")
        print(f"   1 worker, in process, the same {one['runs']} runs: {one['wall']:.2f} s against "
              f"{bare['total']:.2f} s bare: {per_run_one * 1e3:+.1f} ms per run "
              f"({per_run_one / bare['run']:+.1%}; folder, tables, chunk writes)")
        print(f"   {args.workers} workers: ideal wall (bare run x runs / workers) {ideal:.1f} s, "
              f"measured {pool['wall']:.1f} s: {per_run_pool * 1e3:+.1f} ms per run "
              f"({per_run_pool / bare['run']:+.0%}; adds pool start, IPC, the parent's share "
              "of the cores)")

        t0 = time.perf_counter()
        write_report(out)
        print(f"\n4. report: {time.perf_counter() - t0:.1f} s  ({out / 'report'})")
        met = pool["wall"] <= TARGET_SECONDS
        print(f"\ntarget: headline sweep <= {TARGET_SECONDS:.0f} s on 2 cores: "
              f"{pool['wall']:.1f} s with {args.workers} workers, {pool['runs']} runs: "
              f"{'met' if met else 'NOT met'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
