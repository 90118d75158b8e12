"""Where the runs of a batch execute: in this process, a local process pool, or a Dask cluster.

All three hand back outcomes as runs finish (unordered) and keep only a bounded window of runs
in flight, so a sweep of a million runs does not hold a million pickled scenarios in memory.
Results do not depend on the executor: each run carries its own seed (batch.grid).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing as mp
import os
import re
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ewom_abm import limits
from ewom_abm.batch.runner import Outcome, Task
from ewom_abm.model.errors import EwomError, one_line
from ewom_abm.model.jit import held_interrupts

RunFn = Callable[[Task], Outcome]
OnError = Callable[[Task, BaseException, str], Outcome]

# modules the forkserver imports once, so each worker it forks starts warm
_PRELOAD = ["ewom_abm.batch.runner", "ewom_abm.model.model"]
# Dask: how long a scheduler may take to answer (--connect-timeout), the protocols accepted
CONNECT_TIMEOUT = 5.0
SCHEMES = ("tcp", "tls", "ws", "wss")
_ADDRESS = re.compile(r"^(?:(?P<scheme>[A-Za-z]+)://)?"
                      r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
                      r":(?P<port>\d{1,5})/?$")


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


@contextlib.contextmanager
def _starting_workers() -> Iterator[None]:
    """Around a submit, which may start a worker process:

    - multiprocessing re-runs the parent's main script in each worker (so that functions
      defined there can be found), which in a script without an ``if __name__ ==
      "__main__"`` guard starts the batch again in every worker and breaks the pool. The
      runs need nothing from ``__main__`` (every function they call lives in this package),
      so workers start as if the main module had no file;
    - a Ctrl-C in the middle of starting a worker would leave it half-made, printing a
      traceback from inside multiprocessing when the pool is torn down: it is held until
      the submit returns."""
    main = sys.modules.get("__main__")
    hide = main is not None and (getattr(main, "__file__", None) is not None
                                 or getattr(main, "__spec__", None) is not None)
    with held_interrupts():
        if hide:
            sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if hide:
                sys.modules["__main__"] = main


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
                with _starting_workers():
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
        """Wait for the workers; or, interrupted, stop them now: a run in flight is lost
        anyway, and a worker still starting up when its pool is torn down would print a
        traceback from inside multiprocessing."""
        if cancel:
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    proc.terminate()
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def _probe() -> str:
    """Runs on a Dask worker: can it import the model, and which version is it?"""
    import ewom_abm.batch.runner
    import ewom_abm.model.model  # noqa: F401
    from ewom_abm import __version__

    return __version__


def check_address(address: str) -> str:
    """A scheduler address Dask can dial (``tcp://HOST:PORT``; a bare ``HOST:PORT`` is
    tcp), checked before any connection: a malformed one made Dask print a line, wait a
    minute and leave a traceback behind."""
    m = _ADDRESS.match(address.strip())
    scheme = (m["scheme"] or "tcp").lower() if m else ""
    if m is None or scheme not in SCHEMES or not 1 <= int(m["port"]) <= 65535:
        raise EwomError(f"--scheduler: {address!r} is not a Dask scheduler address; allowed "
                        f"{'://HOST:PORT, '.join(SCHEMES)}://HOST:PORT with a port from 1 to "
                        "65535, e.g. tcp://10.0.0.5:8786")
    return f"{scheme}://{m['host']}:{int(m['port'])}"


def check_timeout(seconds: float | None) -> float:
    """``--connect-timeout``: a positive number of seconds (default CONNECT_TIMEOUT)."""
    if seconds is None:
        return CONNECT_TIMEOUT
    if not (math.isfinite(seconds) and 0 < seconds <= 3600):
        raise EwomError(f"--connect-timeout: {seconds:g} is not allowed; allowed more than 0 "
                        "and up to 3600 seconds")
    return float(seconds)


def probe_scheduler(address: str, timeout: float) -> None:
    """Dial the scheduler and complete Dask's handshake within ``timeout`` seconds, or say
    why not in one line. Dask's own connect timeout covers only the TCP connection: a port
    that accepts but is not a Dask scheduler kept it waiting for a handshake forever."""
    from distributed.comm import connect

    async def dial() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    failure: list[BaseException] = []

    def attempt() -> None:  # its own thread and event loop, whatever the caller's state
        try:  # Dask gives up dialling after ``timeout``; the extra second bounds the handshake
            asyncio.run(asyncio.wait_for(dial(), timeout + 1))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=attempt, name="ewom-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        failure.append(TimeoutError())
    try:
        if failure:
            raise failure[0]
    except TimeoutError:
        raise EwomError(f"--scheduler: no Dask scheduler answered at {address} within "
                        f"{timeout:g} s (something accepts connections there but does not "
                        "speak Dask's protocol); check the address, or raise --connect-timeout"
                        ) from None
    except Exception as exc:  # refused, unknown host, timed out dialling, TLS, a bad reply
        detail = one_line(exc) or type(exc).__name__
        raise EwomError(f"--scheduler: cannot connect to {address} within {timeout:g} s: "
                        f"{detail}") from None


class DaskExecutor(Executor):
    """An existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``); its workers
    need this package installed (``pip install -e .``) and one thread each is best (the runs
    are Python-heavy, so threads of one worker share the GIL). The cluster must be trusted:
    Dask moves tasks and results as pickles, which can run code where they are loaded."""

    def __init__(self, address: str, timeout: float = CONNECT_TIMEOUT) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EwomError(f"--scheduler: dask distributed is not installed ({exc})") from None
        address = check_address(address)
        probe_scheduler(address, timeout)
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except Exception as exc:  # it answered the probe a moment ago: gone since
            raise EwomError(f"--scheduler: cannot connect to {address}: "
                            f"{' '.join(str(exc).split())}") from None
        try:
            nthreads = self._wait_for_workers(address, timeout)
            self.workers = max(1, sum(nthreads.values()))
            self.description = (f"Dask cluster at {address} ({self.workers} threads on "
                                f"{len(nthreads)} workers)")
            self.remote_version = self._check_workers()
        except BaseException:
            self._client.close()
            raise

    def _wait_for_workers(self, address: str, timeout: float) -> dict[str, int]:
        """The workers' threads; a cluster with none would leave every run queued."""
        nthreads = self._client.nthreads()
        if not nthreads:
            try:
                self._client.wait_for_workers(1, timeout=max(timeout, 10.0))
            except TimeoutError:
                raise EwomError(f"--scheduler: the cluster at {address} has no workers; "
                                f"start some with `dask worker {address}`") from None
            nthreads = self._client.nthreads()
        return nthreads

    def _check_workers(self) -> str:
        """Fail before any run if the workers cannot import the model."""
        try:
            return self._client.submit(_probe, pure=False).result(timeout=120)
        except Exception as exc:
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


@dataclass(frozen=True)
class Target:
    """Where a batch's runs execute, as the command line says it (``--workers``,
    ``--scheduler``, ``--connect-timeout``); ``executor()`` checks it and makes the executor."""

    workers: int | None = None
    scheduler: str | None = None
    connect_timeout: float | None = None

    def executor(self) -> Executor:
        return make_executor(self.workers, self.scheduler, self.connect_timeout)

    @property
    def parallel(self) -> int:
        """How many runs go at once (a cluster's count is known only once connected)."""
        return default_workers() if self.workers is None else max(1, self.workers)


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  connect_timeout: float | None = None) -> Executor:
    """The executor the command line asked for: Dask if ``scheduler``, else local processes
    (``workers`` default: the core count; 1 runs in this process)."""
    timeout = check_timeout(connect_timeout)
    if scheduler is not None:
        if workers is not None:
            raise EwomError("--workers: not used with --scheduler (the cluster's workers run "
                            "the sweep); drop one of them")
        return DaskExecutor(scheduler, timeout)
    if connect_timeout is not None:
        raise EwomError("--connect-timeout: only used with --scheduler; drop it")
    n = default_workers() if workers is None else workers
    if n < 1:
        raise EwomError(f"--workers: must be at least 1, got {n}")
    limits.check_workers(n)
    return SerialExecutor() if n == 1 else LocalExecutor(n)
