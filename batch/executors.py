"""Where the runs of a batch execute: in this process, a local process pool, or a Dask cluster.

All three hand back outcomes as runs finish (unordered) and keep only a bounded window of runs
in flight, so a sweep of a million runs does not hold a million pickled scenarios in memory.
Results do not depend on the executor: each run carries its own seed (batch.grid).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ewom_abm.batch.runner import Outcome, Task
from ewom_abm.model.errors import EwomError

RunFn = Callable[[Task], Outcome]
OnError = Callable[[Task, BaseException, str], Outcome]

# modules the forkserver imports once, so each worker it forks starts warm
_PRELOAD = ["ewom_abm.batch.runner", "ewom_abm.model.model"]


def default_workers() -> int:
    """The cores this process may use (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Runs tasks and yields their outcomes as they finish."""

    description = "executor"
    workers = 1

    def map_unordered(self, fn: RunFn, tasks: Iterable[Task],
                      on_error: OnError) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self, cancel: bool = False) -> None:
        """Release workers; ``cancel`` drops queued runs (interrupt)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: Any) -> None:
        self.close(cancel=kind is not None)


class SerialExecutor(Executor):
    """In this process, one run after another: no start-up cost, easiest to debug."""

    description = "this process (1 worker)"

    def map_unordered(self, fn: RunFn, tasks: Iterable[Task],
                      on_error: OnError) -> Iterator[Outcome]:
        for task in tasks:
            yield fn(task)


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C to the parent (which flushes results and shuts them down), and
    exit when the parent dies: after a kill -9 nothing else would stop them, since each pool
    worker holds the write ends of its own task queue and of the forkserver's lifeline."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(70)
            except PermissionError:  # alive, owned by someone else (pid reuse): keep going
                pass

    threading.Thread(target=watch, name="ewom-parent-watch", daemon=True).start()


class LocalExecutor(Executor):
    """A pool of local worker processes (forkserver: safe with threads, warm imports)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"local processes ({workers} workers)"
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(_PRELOAD)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_worker_init,
                                   initargs=(os.getpid(),))

    def map_unordered(self, fn: RunFn, tasks: Iterable[Task],
                      on_error: OnError) -> Iterator[Outcome]:
        todo = iter(tasks)
        window = 4 * self.workers
        pending: dict[Future, Task] = {}

        def fill() -> None:
            while len(pending) < window:
                task = next(todo, None)
                if task is None:
                    return
                pending[self._pool.submit(fn, task)] = task

        fill()
        broken = False  # the pool lost a worker: its other futures fail too; then replace it
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool as exc:
                    broken = True
                    yield on_error(task, exc, "a worker process died while this run was in "
                                   "flight; run the sweep again to retry it")
                except Exception as exc:
                    yield on_error(task, exc, "")
            if broken and not pending:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                broken = False
            if not broken:
                fill()

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


def _probe() -> str:
    """Runs on a Dask worker: can it import the model, and which version is it?"""
    import ewom_abm.batch.runner
    import ewom_abm.model.model  # noqa: F401
    from ewom_abm import __version__

    return __version__


class DaskExecutor(Executor):
    """An existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``); its workers
    need this package installed (``pip install -e .``) and one thread each is best (the runs
    are Python-heavy, so threads of one worker share the GIL)."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EwomError(f"--scheduler: dask distributed is not installed ({exc})") from None
        try:
            # connect timeout: dask's distributed.comm.timeouts.connect (default 30 s)
            self._client = Client(address, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EwomError(f"--scheduler: cannot connect to {address}: "
                            f"{' '.join(str(exc).split())}") from None
        nthreads = self._client.nthreads()
        self.workers = max(1, sum(nthreads.values()))
        self.description = (f"Dask cluster at {address} ({self.workers} threads on "
                            f"{len(nthreads)} workers)")
        self.remote_version = self._check_workers()

    def _check_workers(self) -> str:
        """Fail before any run if the workers cannot import the model."""
        try:
            return self._client.submit(_probe, pure=False).result(timeout=120)
        except Exception as exc:
            self._client.close()
            raise EwomError("--scheduler: the cluster's workers cannot import ewom-abm "
                            f"({type(exc).__name__}: {exc}); install it on every worker "
                            "(pip install -e .)") from None

    def map_unordered(self, fn: RunFn, tasks: Iterable[Task],
                      on_error: OnError) -> Iterator[Outcome]:
        from distributed import as_completed

        todo = iter(tasks)
        window = max(32, 4 * self.workers)
        owner: dict[str, Task] = {}

        def submit() -> Any:
            task = next(todo, None)
            if task is None:
                return None
            fut = self._client.submit(fn, task, pure=False)
            owner[fut.key] = task
            return fut

        first = [f for f in (submit() for _ in range(window)) if f is not None]
        stream = as_completed(first, loop=self._client.loop)
        for fut in stream:
            task = owner.pop(fut.key)
            try:
                outcome = fut.result()
            except Exception as exc:
                outcome = on_error(task, exc, "the cluster lost or killed this run")
            fut.release()
            nxt = submit()
            if nxt is not None:
                stream.add(nxt)
            yield outcome

    def close(self, cancel: bool = False) -> None:
        self._client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line asked for: Dask if ``scheduler``, else local processes
    (``workers`` default: the core count; 1 runs in this process)."""
    if scheduler:
        if workers is not None:
            raise EwomError("--workers: not used with --scheduler (the cluster's workers run "
                            "the sweep); drop one of them")
        return DaskExecutor(scheduler)
    n = default_workers() if workers is None else workers
    if n < 1:
        raise EwomError(f"--workers: must be at least 1, got {n}")
    return SerialExecutor() if n == 1 else LocalExecutor(n)
