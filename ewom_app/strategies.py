"""Compare strategies in class: the product's question, reach against dilution, answered live.

Each strategy the brand may run, times a few seeds, at the page's current settings, runs as a
small sweep through the batch layer (``ewom_abm.batch``: the same validation, seeds and tables
as ``ewom sweep``) in a temporary folder; the frontier is then drawn by ``ewom report``'s own
function, with its 95% intervals. :func:`run_sweep` is the one call into the sweep machinery.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ewom_abm.app.setup import Setup, build_config, format_value
from ewom_abm.batch import report, sweep
from ewom_abm.batch.executors import Executor, OnError, RunFn, default_workers, make_executor
from ewom_abm.batch.runner import Outcome, Task
from ewom_abm.model.errors import EwomError
from ewom_abm.model.scenario import BRAND_STRATEGIES

REPS = 5  # seeds per strategy: enough for a t interval, quick in class


class StoppedError(Exception):
    """The comparison was stopped from the page."""


@dataclass(frozen=True)
class Comparison:
    """A finished comparison: the frontier picture and the brand's summary rows."""

    brand: str
    image: bytes
    summary: pd.DataFrame
    runs: int
    seconds: float
    setting: str


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    seconds: float

    @property
    def remaining(self) -> float | None:
        """Seconds left at the rate so far (None before the first run has finished)."""
        if self.done == 0:
            return None
        return self.seconds / self.done * (self.total - self.done)


class _Watched(Executor):
    """An executor that reports each finished run and stops when asked."""

    def __init__(self, inner: Executor, on_run: Callable[[], None],
                 cancel: threading.Event) -> None:
        self.inner, self.on_run, self.cancel = inner, on_run, cancel
        self.description, self.workers = inner.description, inner.workers

    def map_unordered(self, fn: RunFn, tasks: Iterable[Task],
                      on_error: OnError) -> Iterator[Outcome]:
        for outcome in self.inner.map_unordered(fn, tasks, on_error):
            self.on_run()
            yield outcome
            if self.cancel.is_set():
                raise StoppedError

    def close(self, cancel: bool = False) -> None:
        self.inner.close(cancel)


def strategies_for(setup: Setup, brand: int) -> list[str]:
    """The strategies this brand can run under the current settings (``influencer`` needs a
    graph, for one)."""
    ok = []
    for strategy in BRAND_STRATEGIES:
        try:
            build_config(setup.preset, {**setup.overrides, f"brands.{brand}.strategy": strategy})
        except EwomError:
            continue
        ok.append(strategy)
    return ok


def setting_text(setup: Setup) -> str:
    """The settings a comparison runs at, as the command line would give them."""
    changes = ", ".join(f"{k}={format_value(v)}" for k, v in setup.overrides.items())
    return setup.preset + (f" with {changes}" if changes else "")


def run_sweep(setup: Setup, brand: int, strategies: list[str], reps: int, folder: Path,
              executor: Executor) -> sweep.Result:
    """The sweep: ``brands.B.strategy`` over the strategies, ``reps`` seeds each, at the
    session's preset and changes, into ``folder`` (final KPIs only, no timeseries)."""
    overrides = [f"{k}={format_value(v)}" for k, v in setup.overrides.items()]
    plan = sweep.plan(setup.preset, [f"brands.{brand}.strategy={','.join(strategies)}"], reps,
                      overrides=overrides, timeseries=False)
    return sweep.execute_design(plan, folder, sweep.Options(progress=False), executor=executor)


def compare(setup: Setup, brand: int, *, reps: int = REPS, workers: int | None = None,
            on_progress: Callable[[Progress], None] | None = None,
            cancel: threading.Event | None = None) -> Comparison:
    """Run the comparison and draw its frontier (raises :class:`StoppedError` if stopped)."""
    strategies = strategies_for(setup, brand)
    if not strategies:
        raise EwomError(f"brands.{brand}.strategy: no strategy can run with these settings")
    name = setup.config.brands[brand].name
    total = len(strategies) * reps
    cancel = cancel or threading.Event()
    started = time.perf_counter()
    done = 0

    def finished_one() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(Progress(done, total, time.perf_counter() - started))

    if on_progress is not None:
        on_progress(Progress(0, total, 0.0))
    n_workers = max(1, min(workers or default_workers(), total))
    with tempfile.TemporaryDirectory(prefix="ewom-compare-") as tmp:
        folder = Path(tmp) / "sweep"
        executor = _Watched(make_executor(n_workers), finished_one, cancel)
        stopped = True
        try:
            result = run_sweep(setup, brand, strategies, reps, folder, executor)
            stopped = False
        finally:
            executor.close(cancel=stopped)
        if result.ok == 0:
            raise EwomError(f"every run of the comparison failed: {result.failures[0]['error']}"
                            if result.failures else "the comparison ran nothing")
        summary = report.summarize(report.load(folder))
        mine = summary[summary["brand"] == name].reset_index(drop=True)
        mine["extra"] = ""  # one brand and one varied key: the colours say which strategy
        picture = Path(tmp) / "frontier.png"
        report.plot_frontier(mine, picture, f"{name}, {setup.config.network.n:,} consumers"
                             if setup.config.network.kind != "file" else name)
        image = picture.read_bytes()
    return Comparison(name, image, mine, result.ok, time.perf_counter() - started,
                      setting_text(setup))
