"""Run a design of configurations x replicates into a folder: validated, resumable, any executor.

``plan`` turns the command line (scenario, ``--set``, ``--vary``, ``--reps``) into a simulator
and a design and validates every configuration before anything runs. ``execute_design`` runs
whatever runs the folder does not hold yet, makes finished runs durable in chunks as they
arrive, and merges the final tables. Sensitivity analysis uses the same ``execute_design`` with
sampled points instead of a grid.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ewom_abm import __version__
from ewom_abm.batch.executors import Executor, make_executor
from ewom_abm.batch.grid import Design, Run, parse_varies
from ewom_abm.batch.runner import EwomSimulator, Outcome, Simulator, Task, execute, failed
from ewom_abm.batch.storage import FORMAT, SweepStore, identity, now
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError
from ewom_abm.model.graph_files import file_digest

FLUSH_SECONDS = 2.0  # a kill loses at most this much finished work (plus one chunk)
CHUNK_RUNS = 500


@dataclass
class Plan:
    """A validated batch: what runs (simulator, design) and the payload per configuration."""

    simulator: Simulator
    design: Design
    payloads: list[Any]
    meta: dict[str, Any] = field(default_factory=dict)  # for sweep.json: how it was asked


@dataclass
class Result:
    """How a batch ended."""

    out: Path
    total: int
    ok: int
    failed: int
    ran: int
    seconds: float
    status: str
    failures: list[dict[str, Any]] = field(default_factory=list)


def validate(simulator: Simulator, design: Design) -> list[Any]:
    """Every configuration's payload, or the first configuration's error: one line, before
    any run starts."""
    return [simulator.configure(design.values(i)) for i in range(design.n_configs)]


def plan(scenario: str | None, vary: Sequence[str], reps: int, *, overrides: Sequence[str] = (),
         seed: int | None = None, steps: int | None = None, common_seeds: bool = False,
         timeseries: bool = True) -> Plan:
    """A sweep from the command line's terms: base scenario plus the product of ``vary``."""
    base = sc.load(scenario, list(overrides), seed=seed, steps=steps)
    varies = parse_varies(vary)
    if not varies:
        raise EwomError("--vary: give at least one KEY=VALUES to sweep (a comma list or "
                        "lo:hi:n); for replicates only, vary a key over one value")
    design = Design.grid(varies, reps, base.seed, common_seeds)
    simulator = EwomSimulator.from_scenario(base, timeseries)
    payloads = validate(simulator, design)
    source = None if scenario is None else str(sc.resolve_path(scenario).resolve())
    meta = {"scenario": base.name, "source": source, "set": list(overrides),
            "vary": {v.key: list(v.values) for v in varies}, "steps": base.steps,
            "seed": base.seed}
    return Plan(simulator, design, payloads, meta)


def plan_from_manifest(out: Path, reps: int | None = None) -> Plan:
    """``--resume`` with no scenario: rebuild the sweep from its sweep.json."""
    manifest = SweepStore(out).read_manifest()
    if manifest is None:
        raise EwomError(f"--resume: {out} holds no sweep.json; give the scenario and --vary "
                        "to start a sweep there")
    if manifest.get("format") != FORMAT:
        raise EwomError(f"--resume: {out} holds a sweep in another format; rerun its own "
                        "command with the ewom-abm that started it")
    if manifest.get("kind") != "sweep":
        raise EwomError(f"--resume: {out} holds a {manifest.get('kind')}, not a sweep; "
                        "rerun its own command")
    ident = manifest["identity"]
    sim = ident["simulator"]
    simulator = EwomSimulator(manifest["parameters"], sim.get("timeseries", True))
    d = ident["design"]
    design = Design(tuple(d["keys"]), tuple(tuple(p) for p in d["points"]),
                    reps or manifest["reps"], d["root_seed"], d["common_seeds"])
    meta = {k: manifest.get(k) for k in ("scenario", "source", "set", "vary", "steps", "seed")}
    return Plan(simulator, design, validate(simulator, design), meta)


def input_files(payloads: Sequence[Any]) -> tuple[dict[str, str], dict[str, set[int]]]:
    """The content hash of every graph file the configurations read (hashed once per file),
    and which configurations read it: part of the sweep's identity, so a resume after the
    file changed cannot mix runs of two graphs."""
    digests: dict[str, str] = {}
    uses: dict[str, set[int]] = {}
    for config, payload in enumerate(payloads):
        net = getattr(payload, "network", None)
        if net is not None and net.kind == "file" and net.path:
            if net.path not in digests:
                digests[net.path] = file_digest(net.path)
            uses.setdefault(net.path, set()).add(config)
    return digests, uses


def _tasks(plan: Plan, todo: list[Run]) -> Iterator[Task]:
    for run in todo:
        yield Task(run, plan.payloads[run.config])


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a job scheduler's stop) flushes finished runs like Ctrl-C does."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress(total: int, done: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="run", desc=label, file=sys.stderr,
                disable=not enabled, dynamic_ncols=True, smoothing=0.05,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} runs "
                           "[{elapsed}<{remaining}, {rate_fmt}{postfix}]")


def execute_design(plan: Plan, out: Path | str, *, workers: int | None = None,
                   scheduler: str | None = None, connect_timeout: float | None = None,
                   executor: Executor | None = None,
                   csv: bool = False, progress: bool = True, chunk_runs: int = CHUNK_RUNS,
                   flush_seconds: float = FLUSH_SECONDS, kind: str = "sweep",
                   extra: dict[str, Any] | None = None,
                   on_start: Callable[[str], None] | None = None) -> Result:
    """Run every run of the design the folder does not already hold (a fresh folder: all of
    them), durable as they finish; merge the final tables; record how it went in sweep.json.
    Every check (configurations, folder, executor) passes before anything is written;
    ``on_start`` then gets a one-line description of what will run."""
    out = Path(out)
    design = plan.design
    store = SweepStore(out)
    digests, uses = input_files(plan.payloads)
    ident = identity(plan.simulator.identity(), design, digests)
    old = store.check(ident, design.reps, kind=kind, uses=uses)
    own_executor = executor is None
    if executor is None:  # may fail (no cluster there): still nothing written
        started = time.perf_counter()
        executor = make_executor(workers, scheduler, connect_timeout)
        startup = time.perf_counter() - started
    else:
        startup = 0.0
    try:
        store.open()
        return _execute(plan, store, old, ident, executor, startup=startup, csv=csv,
                        progress=progress, chunk_runs=chunk_runs, flush_seconds=flush_seconds,
                        kind=kind, extra=extra or {}, on_start=on_start)
    except BaseException:
        if own_executor:  # interrupted: drop queued runs instead of waiting for them
            own_executor = False
            with contextlib.suppress(Exception):
                executor.close(cancel=True)
        raise
    finally:
        store.close()
        if own_executor:
            executor.close()


def _execute(plan: Plan, store: SweepStore, old: dict | None, ident: dict[str, Any],
             executor: Executor, *, startup: float, csv: bool, progress: bool,
             chunk_runs: int, flush_seconds: float, kind: str, extra: dict[str, Any],
             on_start: Callable[[str], None] | None) -> Result:
    design = plan.design
    started_wall = time.perf_counter()
    status = store.run_status()
    todo = [r for r in design.runs() if not status.get(r.run, False)]
    done_before = design.n_runs - len(todo)
    manifest: dict[str, Any] = {
        "kind": kind, **plan.meta, **extra,
        "configurations": design.n_configs, "reps": design.reps, "runs": design.n_runs,
        "design": design.describe(), "common_seeds": design.common_seeds,
        "version": __version__,
        "started": (old or {}).get("started", now()), "finished": None, "status": "running",
        "done": done_before, "failed": 0, "failures": [],
        "history": (old or {}).get("history", []),
        "identity": ident, "parameters": getattr(plan.simulator, "base", None),
    }
    if old is not None and old.get("version") != __version__:
        print(f"note: {store.out} was started with ewom-abm {old.get('version')}, this is "
              f"{__version__}", file=sys.stderr)
    session: dict[str, Any] = {"started": now(), "to_run": len(todo)}
    manifest["history"] = [*manifest["history"], session]
    store.write_manifest(manifest)

    counts = {"ok": 0, "failed": 0}
    timing = {"run_seconds": 0.0, "build": 0.0, "steps": 0.0, "io": 0.0, "startup": 0.0}
    failures: list[dict[str, Any]] = []
    buffer: list[Outcome] = []
    last_flush = time.perf_counter()

    def flush() -> None:
        nonlocal last_flush
        t = time.perf_counter()
        store.write_chunk(buffer, design)
        buffer.clear()
        last_flush = time.perf_counter()
        timing["io"] += last_flush - t

    timing["startup"] = startup
    session["executor"] = executor.description
    if on_start is not None:
        name = plan.meta.get("scenario") or getattr(plan.simulator, "name", "")
        on_start(f"{kind} {name}: {design.describe()}; {len(todo)} to run on "
                 f"{executor.description} -> {store.out}")
    remote = getattr(executor, "remote_version", __version__)
    if remote != __version__:
        print(f"note: the cluster's workers run ewom-abm {remote}, this is {__version__}",
              file=sys.stderr)
    bar = None
    try:
        with _sigterm_as_interrupt():
            if todo:
                label = store.out.name or str(store.out)
                bar = _progress(design.n_runs, done_before, label, progress)
                fn = functools.partial(execute, plan.simulator)
                for outcome in executor.map_unordered(fn, _tasks(plan, todo), failed):
                    buffer.append(outcome)
                    timing["run_seconds"] += outcome.seconds
                    if outcome.ok:
                        counts["ok"] += 1
                        for k in ("build", "steps"):
                            timing[k] += outcome.output.timing.get(k, 0.0)
                    else:
                        counts["failed"] += 1
                        failures.append({"run": outcome.run.run, "config": outcome.run.config,
                                         "error": outcome.error})
                        bar.set_postfix_str(f"{counts['failed']} failed", refresh=False)
                    bar.update(1)
                    if len(buffer) >= chunk_runs or \
                            time.perf_counter() - last_flush >= flush_seconds:
                        flush()
                flush()
                bar.close()
    except BaseException:
        with contextlib.suppress(Exception):
            flush()
        if bar is not None:
            bar.close()
        with contextlib.suppress(OSError, EwomError):  # a full disk: the first error counts
            _close_manifest(manifest, session, store, counts, failures, timing,
                            "interrupted", started_wall)
        raise

    t = time.perf_counter()
    runs, _ = store.finalize(csv=csv)
    timing["io"] += time.perf_counter() - t
    failed_now = runs.loc[runs["status"] != "ok"].drop_duplicates("run")
    outcome_status = "failed" if len(failed_now) else "complete"
    # failures recorded in earlier sessions and not retried count too
    failures = [{"run": int(r.run), "config": int(r.config), "error": r.error}
                for r in failed_now.itertuples()]
    _close_manifest(manifest, session, store, counts, failures, timing, outcome_status,
                    started_wall)
    ok_total = int(runs.loc[runs["status"] == "ok", "run"].nunique())
    return Result(store.out, design.n_runs, ok_total, len(failed_now), len(todo),
                  time.perf_counter() - started_wall, outcome_status, failures)


def _close_manifest(manifest: dict[str, Any], session: dict[str, Any], store: SweepStore,
                    counts: dict[str, int], failures: list[dict[str, Any]],
                    timing: dict[str, float], status: str, started: float) -> None:
    """Record how the session ended: counts, failures (first 50), timings."""
    wall = time.perf_counter() - started
    ran = counts["ok"] + counts["failed"]
    session.update({"finished": now(), "status": status, "ran": ran, "failed": counts["failed"],
                    "wall_seconds": round(wall, 3),
                    "runs_per_second": round(ran / wall, 3) if wall > 0 and ran else None,
                    "seconds": {k: round(v, 3) for k, v in timing.items()}})
    manifest.update({"status": status, "failed": len(failures), "failures": failures[:50]})
    if status != "interrupted":
        manifest["finished"] = now()
        manifest["done"] = manifest["runs"] - len(failures)
    else:
        manifest["done"] = manifest["done"] + counts["ok"]
    store.write_manifest(manifest)
