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
from ewom_abm.batch import estimate
from ewom_abm.batch.executors import Executor, Target
from ewom_abm.batch.grid import Design, Run, parse_varies
from ewom_abm.batch.runner import EwomSimulator, Outcome, Simulator, Task, execute, failed
from ewom_abm.batch.storage import FORMAT, SweepStore, identity, now
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError
from ewom_abm.model.graph_files import file_digest
from ewom_abm.model.scenario import Scenario

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


def plan(scenario: str | Scenario | None, vary: Sequence[str], reps: int, *,
         overrides: Sequence[str] = (), seed: int | None = None, steps: int | None = None,
         common_seeds: bool = False, timeseries: bool = True) -> Plan:
    """A sweep from the command line's terms: base scenario (a name, a path or a validated
    Scenario) plus the product of ``vary`` (none: replicates of the base only)."""
    if isinstance(scenario, Scenario):
        if overrides or seed is not None or steps is not None:
            raise EwomError("plan: give overrides, seed and steps with the scenario's name, "
                            "or apply them to the Scenario before")
        base, scenario = scenario, None
    else:
        base = sc.load(scenario, list(overrides), seed=seed, steps=steps)
    varies = parse_varies(vary)  # none: replicates of the base scenario only
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


@dataclass(frozen=True)
class Options:
    """How a batch runs and is stored: where (``target``), CSV copies, the progress bar, how
    often finished runs are made durable, what sweep.json calls it, and the start line."""

    target: Target = field(default_factory=Target)
    csv: bool = False
    progress: bool = True
    chunk_runs: int = CHUNK_RUNS
    flush_seconds: float = FLUSH_SECONDS
    kind: str = "sweep"
    extra: dict[str, Any] = field(default_factory=dict)  # more for sweep.json
    on_start: Callable[[str], None] | None = None


def execute_design(plan: Plan, out: Path | str, options: Options | None = None, *,
                   executor: Executor | None = None) -> Result:
    """Run every run of the design the folder does not already hold (a fresh folder: all of
    them), durable as they finish; merge the final tables; record how it went in sweep.json.
    Every check (configurations, folder, executor) passes before anything is written;
    ``options.on_start`` then gets a one-line description of what will run. ``executor``
    overrides ``options.target`` (tests, callers that keep one open)."""
    options = options or Options()
    store = SweepStore(Path(out))
    digests, uses = input_files(plan.payloads)
    ident = identity(plan.simulator.identity(), plan.design, digests)
    old = store.check(ident, plan.design.reps, kind=options.kind, uses=uses)
    own_executor = executor is None
    started = time.perf_counter()
    if executor is None:  # may fail (no cluster there): still nothing written
        executor = options.target.executor()
    startup = time.perf_counter() - started if own_executor else 0.0
    try:
        store.open()
        session = Session(plan, store, options, ident, old, executor, startup)
        return session.run()
    except BaseException:
        if own_executor:  # interrupted: drop queued runs instead of waiting for them
            own_executor = False
            with _no_second_interrupt(), contextlib.suppress(Exception):
                executor.close(cancel=True)
        raise
    finally:
        with _no_second_interrupt():
            store.close()
            if own_executor:
                executor.close()


@contextlib.contextmanager
def _no_second_interrupt() -> Iterator[None]:
    """While a batch shuts down after Ctrl-C (its results are being saved), a second Ctrl-C
    is ignored instead of tearing the shutdown apart with a traceback."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Session:
    """One sitting of a batch in its folder: the runs still to do, the manifest it keeps up
    to date, what came back (counts, failures, timings) and the buffer of finished runs not
    yet durable."""

    def __init__(self, plan: Plan, store: SweepStore, options: Options, ident: dict[str, Any],
                 old: dict | None, executor: Executor, startup: float) -> None:
        self.plan, self.store, self.options, self.executor = plan, store, options, executor
        self.started = time.perf_counter()
        design = plan.design
        status = store.run_status()
        self.todo = [r for r in design.runs() if not status.get(r.run, False)]
        self.done_before = design.n_runs - len(self.todo)
        self.counts = {"ok": 0, "failed": 0}
        self.timing = {"run_seconds": 0.0, "build": 0.0, "steps": 0.0, "io": 0.0,
                       "startup": startup}
        self.failures: list[dict[str, Any]] = []
        self.buffer: list[Outcome] = []
        self.last_flush = time.perf_counter()
        self.record = {"started": now(), "to_run": len(self.todo),
                       "executor": executor.description}
        self.manifest = self._manifest(ident, old)

    def _manifest(self, ident: dict[str, Any], old: dict | None) -> dict[str, Any]:
        plan, design = self.plan, self.plan.design
        if old is not None and old.get("version") != __version__:
            print(f"note: {self.store.out} was started with ewom-abm {old.get('version')}, "
                  f"this is {__version__}", file=sys.stderr)
        return {
            "kind": self.options.kind, **plan.meta, **self.options.extra,
            "configurations": design.n_configs, "reps": design.reps, "runs": design.n_runs,
            "design": design.describe(), "common_seeds": design.common_seeds,
            "version": __version__,
            "started": (old or {}).get("started", now()), "finished": None,
            "status": "running", "done": self.done_before, "failed": 0, "failures": [],
            "history": [*(old or {}).get("history", []), self.record],
            "identity": ident, "parameters": getattr(plan.simulator, "base", None),
        }

    def run(self) -> Result:
        """Run the runs still to do, then merge the tables and close the manifest."""
        self.store.write_manifest(self.manifest)
        self._announce()
        try:
            with _sigterm_as_interrupt():
                if self.todo:
                    self._run_all()
        except BaseException:
            with _no_second_interrupt():
                with contextlib.suppress(Exception):
                    self.flush()
                # a full disk: the first error counts
                with contextlib.suppress(OSError, EwomError):
                    self.close("interrupted")
            raise
        return self._finish()

    def _announce(self) -> None:
        plan, design = self.plan, self.plan.design
        if self.options.on_start is not None:
            name = plan.meta.get("scenario") or getattr(plan.simulator, "name", "")
            line = (f"{self.options.kind} {name}: {design.describe()}; {len(self.todo)} to "
                    f"run on {self.executor.description} -> {self.store.out}")
            seconds = estimate.batch_seconds(plan.simulator, plan.payloads,
                                             [r.config for r in self.todo],
                                             getattr(self.executor, "workers", 1))
            if seconds >= 1:
                line += f"; about {estimate.duration(seconds)}"
            if seconds > estimate.ANNOUNCE_SECONDS:
                line += ("; that is long: Ctrl-C keeps every finished run and the same "
                         "command resumes")
            self.options.on_start(line)
        remote = getattr(self.executor, "remote_version", __version__)
        if remote != __version__:
            print(f"note: the cluster's workers run ewom-abm {remote}, this is {__version__}",
                  file=sys.stderr)

    def _run_all(self) -> None:
        label = self.store.out.name or str(self.store.out)
        bar = _progress(self.plan.design.n_runs, self.done_before, label,
                        self.options.progress)
        try:
            fn = functools.partial(execute, self.plan.simulator)
            for outcome in self.executor.map_unordered(fn, _tasks(self.plan, self.todo),
                                                       failed):
                self.take(outcome)
                if not outcome.ok:
                    bar.set_postfix_str(f"{self.counts['failed']} failed", refresh=False)
                bar.update(1)
                if len(self.buffer) >= self.options.chunk_runs or \
                        time.perf_counter() - self.last_flush >= self.options.flush_seconds:
                    self.flush()
            self.flush()
        finally:
            bar.close()

    def take(self, outcome: Outcome) -> None:
        """Count a finished run and buffer it for the next flush."""
        self.buffer.append(outcome)
        self.timing["run_seconds"] += outcome.seconds
        if outcome.ok:
            self.counts["ok"] += 1
            for k in ("build", "steps"):
                self.timing[k] += outcome.output.timing.get(k, 0.0)
        else:
            self.counts["failed"] += 1
            self.failures.append({"run": outcome.run.run, "config": outcome.run.config,
                                  "error": outcome.error})

    def flush(self) -> None:
        """Make the buffered runs durable."""
        t = time.perf_counter()
        self.store.write_chunk(self.buffer, self.plan.design)
        self.buffer.clear()
        self.last_flush = time.perf_counter()
        self.timing["io"] += self.last_flush - t

    def _finish(self) -> Result:
        design = self.plan.design
        t = time.perf_counter()
        runs, _ = self.store.finalize(csv=self.options.csv)
        self.timing["io"] += time.perf_counter() - t
        failed_now = runs.loc[runs["status"] != "ok"].drop_duplicates("run")
        status = "failed" if len(failed_now) else "complete"
        # failures recorded in earlier sessions and not retried count too
        self.failures = [{"run": int(r.run), "config": int(r.config), "error": r.error}
                         for r in failed_now.itertuples()]
        self.close(status)
        ok_total = int(runs.loc[runs["status"] == "ok", "run"].nunique())
        return Result(self.store.out, design.n_runs, ok_total, len(failed_now),
                      len(self.todo), time.perf_counter() - self.started, status,
                      self.failures)

    def close(self, status: str) -> None:
        """Record how the session ended: counts, failures (first 50), timings."""
        wall = time.perf_counter() - self.started
        ran = self.counts["ok"] + self.counts["failed"]
        self.record.update({
            "finished": now(), "status": status, "ran": ran, "failed": self.counts["failed"],
            "wall_seconds": round(wall, 3),
            "runs_per_second": round(ran / wall, 3) if wall > 0 and ran else None,
            "seconds": {k: round(v, 3) for k, v in self.timing.items()}})
        m = self.manifest
        m.update({"status": status, "failed": len(self.failures),
                  "failures": self.failures[:50]})
        if status != "interrupted":
            m["finished"] = now()
            m["done"] = m["runs"] - len(self.failures)
        else:
            m["done"] = m["done"] + self.counts["ok"]
        self.store.write_manifest(m)
