"""Helpers shared by the tests: build a model from a preset plus ``--set``-style overrides; run
``ewom`` in this process."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

REPO = Path(__file__).resolve().parents[1]


def build(*overrides: str, preset: str | None = None, **top) -> EwomModel:
    """A model from a preset (or the default) with ``--set``-style overrides."""
    return EwomModel(scenario.load(preset, list(overrides), **top))


def edge_file(tmp_path: Path, edges: list[tuple[int, int]], name: str = "g.txt") -> str:
    """Write an edge list and return its path, for hand-made graphs."""
    path = tmp_path / name
    path.write_text("".join(f"{u} {v}\n" for u, v in edges))
    return str(path)


@dataclass
class Result:
    """What a command left: its exit status, its stdout and its stderr."""

    code: int
    out: str
    err: str


class _TimedOut(BaseException):
    """A command that did not return in time (a hang the test exists to rule out)."""


def ewom_in_process(args: list[str | bytes], cwd: Path, timeout: float = 120) -> Result:
    """``ewom ARGS`` run as ``cli.main(ARGS)`` in this process, from ``cwd``, with its output
    captured: what a subprocess would show, without paying for a fresh interpreter, its imports
    and its compiled engine's load (seconds each). Bytes arguments become what the shell hands
    Python (surrogate escapes); argparse's exit is the exit status; a command that takes longer
    than ``timeout`` raises (the "returns within seconds" check, as a subprocess's timeout).
    An exception escaping ``main`` propagates: it would be a traceback for the user. What only
    a real process shows (its exit at interpreter shutdown, signals, closed or full streams,
    file-size limits) stays with the subprocess tests."""
    from ewom_abm import cli

    argv = [os.fsdecode(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    before, shown = Path.cwd(), warnings.showwarning
    timed = threading.current_thread() is threading.main_thread()
    if timed:
        def expire(signum, frame):
            raise _TimedOut(f"ewom {shlex.join(argv)} took over {timeout} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        os.chdir(before)
        warnings.showwarning = shown  # main() installs its one-line notes for the process
    return Result(code, out.getvalue(), err.getvalue())
