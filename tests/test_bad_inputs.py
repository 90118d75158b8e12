"""Bad input to every subcommand: one line on stderr, a non-zero exit, no traceback, nothing
lost; inputs that used to hang return within the timeout.

The table runs each case through ``cli.main`` in this process (``ewom_in_process``: the same
parsing, checks and messages, without a fresh interpreter per case); a sample of it, and what
only a real process shows (Ctrl-C, a closed or full stdout, a full disk), runs ``ewom`` in a
subprocess as a user does.

Each case builds its arguments in a scratch folder that holds the awkward files (a scenario
that is not UTF-8, a FIFO, a symlink loop, a finished sweep to damage) and may check what is
left on disk afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ewom_abm import cli
from ewom_testing import REPO

HANG_SECONDS = 120  # a case that used to hang (for hours) ends well within this, even when it
# is the first to load the compiled engine on a busy machine
QUICK = ["--steps", "3", "--set", "network.n=100"]
SWEEP = ["sweep", "organic", *QUICK, "--vary", "ewom.p_share=0.02,0.04", "--workers", "1",
         "--no-progress"]
CALIBRATE = ["calibrate", "calibration", "--target", "adopters", "--scale", "count",
             "--population", "2000", "--param", "ewom.p_share=0.01:0.1"]
SENSITIVITY = ["sensitivity", "organic", *QUICK, "--param", "ewom.p_share=0.01:0.1",
               "--param", "ewom.p_external=0:0.01", "--workers", "1", "--no-progress"]


@dataclass
class Result:
    """What a command left: its exit status, its stdout and its stderr."""

    code: int
    out: str
    err: str


class _TimedOut(BaseException):
    """A command that did not return in time (a hang the test exists to rule out)."""


def ewom_in_process(args: list[str | bytes], cwd: Path, timeout: float = HANG_SECONDS
                    ) -> Result:
    """``ewom ARGS`` run as ``cli.main(ARGS)`` in this process, from ``cwd``, with its output
    captured: what a subprocess would show, without paying for a fresh interpreter, its imports
    and its compiled engine's load (seconds each). Bytes arguments become what the shell hands
    Python (surrogate escapes); argparse's exit is the exit status; a command that takes longer
    than ``timeout`` raises (the "returns within seconds" check, as a subprocess's timeout).
    An exception escaping ``main`` propagates: it would be a traceback for the user. What only
    a real process shows (its exit at interpreter shutdown, signals, closed or full streams,
    file-size limits) stays with the subprocess tests."""
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


def ewom(args: list[str | bytes], cwd: Path, timeout: float = HANG_SECONDS,
         max_file_bytes: int | None = None, stdout: int | None = None) -> Result:
    """``ewom ARGS`` in a subprocess; ``max_file_bytes`` makes every file write beyond that
    size fail as a full disk would (RLIMIT_FSIZE, with SIGXFSZ ignored)."""
    prefix: list[str] = [sys.executable]
    if max_file_bytes is not None:
        prefix += ["-c", "import resource, runpy, signal, sys; "
                   "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
                   f"resource.setrlimit(resource.RLIMIT_FSIZE, ({max_file_bytes}, "
                   f"{max_file_bytes})); sys.argv[0] = 'ewom'; "
                   "runpy.run_module('ewom_abm', run_name='__main__')"]
    else:
        prefix += ["-m", "ewom_abm"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([*prefix, *args], cwd=cwd, timeout=timeout, env=env,
                          stdout=stdout if stdout is not None else subprocess.PIPE,
                          stderr=subprocess.PIPE)
    return Result(proc.returncode, (proc.stdout or b"").decode(errors="replace"),
                  proc.stderr.decode(errors="replace"))


def readonly(tmp: Path) -> Path:
    """A folder nobody may create files in (root ignores permission bits; sysfs refuses)."""
    if os.geteuid() != 0:
        folder = tmp / "readonly"
        folder.mkdir()
        folder.chmod(0o555)
        return folder / "out"
    if not Path("/sys/kernel").is_dir():
        pytest.skip("needs a folder root cannot write to (Linux sysfs)")
    return Path("/sys/ewom-test-out")


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word (not a Dask scheduler)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes, to show nothing was lost or changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


# --------------------------------------------------------------------------- the scratch folder

@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished sweep whose copies the damage cases break."""
    out = tmp_path_factory.mktemp("sweep") / "done"
    assert cli.main([*SWEEP, "--out", str(out)]) == 0
    return out


@pytest.fixture
def world(tmp_path: Path, finished_sweep: Path) -> Path:
    (tmp_path / "latin1.toml").write_bytes('name = "x"\ndescription = "café"\n'.encode("latin-1"))
    (tmp_path / "huge_int.toml").write_text("[network]\nn = " + "9" * 5000 + "\n")
    (tmp_path / "brands.toml").write_text("brands = [1, 2]\n")
    (tmp_path / "escape.toml").write_text('name = "../../escaped"\nsteps = 2\n'
                                          "[network]\nn = 100\n")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo.toml")
    os.mkfifo(tmp_path / "fifo.csv")
    os.symlink("loop_b", tmp_path / "loop_a")
    os.symlink("loop_a", tmp_path / "loop_b")
    (tmp_path / "file.txt").write_text("not a folder\n")
    (tmp_path / "latin1.csv").write_bytes("step,adopters\n0,1\n1,2 é\n".encode("latin-1"))
    (tmp_path / "far.csv").write_text("step,adopters\n0,1\n1,2\n1000000000000000,3\n")
    (tmp_path / "stray.csv").write_text(
        "step,adopters\n" + "".join(f"{i},{i}\n" for i in range(11)) + "99999,12\n")
    (tmp_path / "falling.csv").write_text("step,adopters\n1,10\n2,20\n3,30\n4,20\n")
    (tmp_path / "graph.txt").write_text("0 1\n1 2\n2 3\n3 0\n0 2\n")
    shutil.copytree(finished_sweep, tmp_path / "sweep")
    return tmp_path


# --------------------------------------------------------------------------- the table

Check = Callable[[Path, Result], None]


@dataclass
class Case:
    """A bad input: its arguments (``{w}`` is the scratch folder), the exit code and a part
    of the one-line message; ``prepare`` breaks something first, ``check`` looks at what
    is left on disk."""

    args: list[str]
    message: str
    code: int = 2
    prepare: Callable[[Path], None] | None = None
    check: Check | None = None


def no_folder(name: str) -> Check:
    def check(w: Path, _: Result) -> None:
        assert not (w / name).exists(), f"{name} was created by a refused command"
    return check


def truncate(rel: str) -> Callable[[Path], None]:
    def prepare(w: Path) -> None:
        path = w / rel
        path.write_bytes(path.read_bytes()[:100])
    return prepare


def overwrite(rel: str, text: str) -> Callable[[Path], None]:
    def prepare(w: Path) -> None:
        (w / rel).write_text(text)
    return prepare


def drop_column(column: str) -> Callable[[Path], None]:
    """A runs table someone edited: one column gone."""
    def prepare(w: Path) -> None:
        import pandas as pd

        path = w / "sweep" / "runs.parquet"
        pd.read_parquet(path).drop(columns=[column]).to_parquet(path)
    return prepare


def change_graph(w: Path) -> None:
    """A sweep on graph.txt, then graph.txt edited: resuming would mix two graphs."""
    assert cli.main(["sweep", "organic", "--steps", "3", "--set", "network.kind=file", "--set",
                     f"network.path={w / 'graph.txt'}", "--vary", "ewom.p_share=0.02,0.04",
                     "--workers", "1", "--no-progress", "--out", str(w / "on_graph")]) == 0
    (w / "graph.txt").write_text("0 1\n1 2\n2 3\n3 0\n1 3\n")


CASES: dict[str, Case] = {
    # run: paths of every kind
    "run: scenario not UTF-8": Case(["run", "{w}/latin1.toml"], "scenario: latin1.toml is "
                                    "not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8"),
    "run: scenario is a FIFO (would block)": Case(["run", "{w}/fifo.toml"],
                                                  "fifo.toml is not a regular file"),
    "run: scenario is a folder": Case(["run", "{w}/folder"], "is a folder, not a file"),
    "run: scenario is a symlink loop": Case(["run", "{w}/loop_a"],
                                            "scenario: cannot open {w}/loop_a: Too many levels"),
    "run: scenario under an unknown user": Case(["run", "~nosuchuser_ewom/x.toml"],
                                                "cannot expand '~nosuchuser_ewom' (no such user)"),
    "run: --set into a brand that is a number": Case(
        ["run", "{w}/brands.toml", "--set", "brands.0.name=x"],
        "--set brands.0.name: brands.0 is 1, not a brand table"),
    "run: graph path is a symlink loop": Case(
        ["run", "--set", "network.kind=file", "--set", "network.path={w}/loop_a"],
        "network.path: {w}/loop_a: a symlink loop"),
    "run: graph path under an unknown user": Case(
        ["run", "--set", "network.kind=file", "--set", "network.path=~nosuchuser_ewom/g.txt"],
        "network.path: ~nosuchuser_ewom/g.txt: cannot expand"),
    "run: graph path is a FIFO": Case(
        ["run", "--set", "network.kind=file", "--set", "network.path={w}/fifo.csv"],
        "network.path: {w}/fifo.csv is not a regular file"),
    "run: graph path is a folder": Case(
        ["run", "--set", "network.kind=file", "--set", "network.path={w}/folder"],
        "network.path: {w}/folder is a folder, not a file"),
    "run: brand name not UTF-8": Case(["run", "--set", b"brands.0.name=\xff"],  # type: ignore[list-item]
                                      "brands.0.name: '\\udcff' is not valid UTF-8 text"),
    # run: sizes (each used to run out of memory or never end), checked before --out exists
    "run: network.n=2*10^9": Case(["run", "--set", "network.n=2000000000", "--out", "{w}/o"],
                                  "network.n: 2,000,000,000 consumers need about",
                                  check=no_folder("o")),
    "run: network.n=10^10 (ids beyond 32 bits)": Case(
        ["run", "--set", "network.n=10000000000"], "network.n: must be an integer >= 2 and <= "
        "2,147,483,647 (2^31 - 1), got 10000000000"),
    "run: network.n of 400 digits (no float holds it)": Case(
        ["run", "--set", "network.n=1" + "0" * 400], "network.n: must be an integer >= 2 and "
        "<= 2,147,483,647 (2^31 - 1), got an integer of 401 digits"),
    "run: network.n of 5,000 digits (Python will not read it)": Case(
        ["run", "--set", "network.n=" + "9" * 5000], "network.n: expected an integer, got "
        "'9999999999"),
    "run: scenario with an integer of 5,000 digits": Case(
        ["run", "{w}/huge_int.toml"], "scenario: huge_int.toml is not valid TOML: Exceeds the "
        "limit (4300 digits)"),
    "run: steps=1e300 (hang)": Case(["run", "--set", "steps=1e300", "--out", "{w}/o"],
                                    "steps: 1e+300 steps is above the limit; allowed up to "
                                    "100,000 steps (EWOM_MAX_STEPS raises the limit)",
                                    check=no_folder("o")),
    "run: greedy samples x consumers": Case(
        ["run", "--set", "network.n=1000000", "--set", "brands.0.seeding=greedy",
         "--set", "brands.0.greedy_samples=100000"], "greedy seeding's samples take"),
    "run: --out read-only": Case(["run", *QUICK, "--out", "{ro}"], "--out: cannot write to"),
    "run: --out is a file": Case(["run", *QUICK, "--out", "{w}/file.txt"],
                                 "--out: {w}/file.txt is a file, not a folder"),
    # sweep
    "sweep: --reps 10^9 (hang)": Case([*SWEEP, "--reps", "1000000000", "--out", "{w}/o"],
                                      "--reps: 2 configurations x 1,000,000,000 replicates = "
                                      "2,000,000,000 runs is above the limit; allowed up to "
                                      "1,000,000 runs", check=no_folder("o")),
    "sweep: a range of 10^8 values (hang)": Case(
        ["sweep", "organic", "--vary", "ewom.p_share=0:1:100000000", "--out", "{w}/o"],
        "--vary ewom.p_share=0:1:100000000: a range of 100,000,000 values is above the limit",
        check=no_folder("o")),
    "sweep: a grid of 10^6 configurations": Case(
        ["sweep", "organic", "--vary", "ewom.p_share=0:1:1000", "--vary",
         "ewom.p_external=0:1:1000", "--out", "{w}/o"],
        "--vary: 1,000 x 1,000 = 1,000,000 configurations is above the limit"),
    "sweep: an infinite range": Case(["sweep", "organic", "--vary", "ewom.p_share=0:1e400:3"],
                                     "lo and hi must be finite numbers"),
    "sweep: --workers 10^5 (fork bomb)": Case([*SWEEP[:-3], "--workers", "100000"],
                                              "--workers: 100,000 worker processes on"),
    "sweep: --scheduler not a url": Case([*SWEEP[:-3], "--scheduler", "not a url"],
                                         "--scheduler: 'not a url' is not a Dask scheduler "
                                         "address; allowed tcp://HOST:PORT"),
    "sweep: --scheduler port out of range": Case([*SWEEP[:-3], "--scheduler", "tcp://h:99999"],
                                                 "is not a Dask scheduler address"),
    "sweep: --scheduler nobody listening (hang)": Case(
        [*SWEEP[:-3], "--scheduler", "tcp://127.0.0.1:{closed}", "--connect-timeout", "2"],
        "--scheduler: cannot connect to tcp://127.0.0.1:{closed} within 2 s"),
    "sweep: --scheduler accepts but is not Dask (hang)": Case(
        [*SWEEP[:-3], "--scheduler", "tcp://127.0.0.1:{silent}", "--connect-timeout", "2"],
        "--scheduler: no Dask scheduler answered at tcp://127.0.0.1:{silent} within 2 s"),
    "sweep: --connect-timeout nan": Case(
        [*SWEEP[:-3], "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", "nan"],
        "--connect-timeout: nan is not allowed"),
    "sweep: --out read-only": Case([*SWEEP, "--out", "{ro}"], "--out: cannot write to"),
    "sweep: --out inside a file": Case([*SWEEP, "--out", "{w}/file.txt/sub"],
                                       "--out: {w}/file.txt/sub is inside {w}/file.txt, a "
                                       "file, not a folder"),
    "sweep: damaged sweep.json": Case(["sweep", "--resume", "--out", "{w}/sweep"],
                                      "sweep.json is damaged (JSONDecodeError",
                                      prepare=overwrite("sweep/sweep.json", '{"format": 1,')),
    "sweep: sweep.json of the wrong shape": Case(
        ["sweep", "--resume", "--out", "{w}/sweep"],
        "sweep.json is damaged (identity is missing or malformed)",
        prepare=overwrite("sweep/sweep.json", '{"format": 1, "kind": "sweep"}')),
    "sweep: truncated runs.parquet": Case(
        [*SWEEP, "--reps", "2", "--out", "{w}/sweep"],
        "runs.parquet is damaged (ArrowInvalid", prepare=truncate("sweep/runs.parquet")),
    "sweep: resumed after its graph file changed": Case(
        ["sweep", "organic", "--steps", "3", "--set", "network.kind=file", "--set",
         "network.path={w}/graph.txt", "--vary", "ewom.p_share=0.02,0.04", "--reps", "2",
         "--workers", "1", "--out", "{w}/on_graph"],
        "network.path: {w}/graph.txt changed since the sweep in {w}/on_graph started",
        prepare=change_graph),
    # report
    "report: truncated runs.parquet": Case(["report", "{w}/sweep"],
                                           "report: {w}/sweep/runs.parquet is damaged",
                                           prepare=truncate("sweep/runs.parquet")),
    "report: runs.parquet without a metric": Case(
        ["report", "{w}/sweep"],
        "report: {w}/sweep/runs.parquet is damaged (no column 'reach'",
        prepare=drop_column("reach")),
    "report: runs.parquet without a varied key": Case(
        ["report", "{w}/sweep"],
        "report: {w}/sweep/runs.parquet is damaged (no column for the design's key 'ewom.p_share')",
        prepare=drop_column("ewom.p_share")),
    "report: no such folder": Case(["report", "{w}/nothing"], "report: folder not found"),
    "report: a FIFO": Case(["report", "{w}/fifo.csv"], "report: {w}/fifo.csv is not a folder"),
    "report: --out read-only": Case(["report", "{w}/sweep", "--out", "{ro}"],
                                    "--out: cannot write to"),
    # schema
    "schema: --out read-only": Case(["schema", "--out", "{ro}"], "--out: cannot write to"),
    "schema: --out is a folder": Case(["schema", "--out", "{w}/folder"],
                                      "--out: {w}/folder is a folder"),
    # calibrate
    "calibrate: --data is a FIFO (would block)": Case([*CALIBRATE, "--data", "{w}/fifo.csv"],
                                                      "--data: {w}/fifo.csv is not a regular"),
    "calibrate: --data not UTF-8": Case([*CALIBRATE, "--data", "{w}/latin1.csv"],
                                        "--data: latin1.csv is not a readable CSV"),
    "calibrate: a time axis to step 10^15 (hang)": Case(
        [*CALIBRATE, "--data", "{w}/far.csv"],
        "--time-column step: a span of 1e+15 periods is above the limit"),
    "calibrate: --offset 2^63 - 1": Case(
        [*CALIBRATE, "--data", "{data}", "--offset", "9223372036854775807"],
        "--offset: 9,223,372,036,854,775,807 weeks is above the limit"),
    "calibrate: --reps 10^9 (hang)": Case([*CALIBRATE, "--data", "{data}", "--reps",
                                           "1000000000"], "41 points x 1,000,000,000 replicates"),
    "calibrate: a key fitted twice": Case(
        [*CALIBRATE, "--data", "{data}", "--param", "ewom.p_share=0.02:0.2"],
        "--param ewom.p_share: given twice"),
    "calibrate: the seed as a parameter": Case(
        [*CALIBRATE[:-2], "--data", "{data}", "--param", "seed=1:5"],
        "--param seed: not a parameter of the model's behaviour"),
    "calibrate: a stray time of 99,999 (every run that long)": Case(
        [*CALIBRATE, "--data", "{w}/stray.csv"],
        "--time-column step: row 12 (99999) comes 99,989 steps after the row before it"),
    "calibrate: a falling cumulative curve": Case(
        [*CALIBRATE, "--data", "{w}/falling.csv"],
        "--kind cumulative: adopters falls from 30 (3) to 20 (4), but a cumulative "
        "penetration never falls; if these are sales per period, say --kind per_period"),
    "calibrate: inf on an integer key": Case(
        [*CALIBRATE[:-2], "--data", "{data}", "--param", "brands.0.seeds=1:inf"],
        "--param brands.0.seeds=1:inf: LO and HI must be finite numbers"),
    "calibrate: an integer range of one value": Case(
        [*CALIBRATE, "--data", "{data}", "--param", "brands.0.seeds=1:1.4"],
        "brands.0.seeds takes whole numbers and 1 to 1.4 rounds to the one value 1"),
    "calibrate: --out read-only, before the fit": Case(
        [*CALIBRATE, "--data", "{data}", "--out", "{ro}"], "--out: cannot write to"),
    # sensitivity
    "sensitivity: --n 2^40": Case([*SENSITIVITY, "--n", "1099511627776"],
                                  "--n: 1,099,511,627,776 x 4 = 4,398,046,511,104 sample points "
                                  "is above the limit"),
    "sensitivity: morris --n 10^8 (hang)": Case(
        [*SENSITIVITY, "--method", "morris", "--n", "100000000"],
        "--n: 100,000,000 x 3 = 300,000,000 sample points is above the limit"),
    "sensitivity: an integer range of one value": Case(
        [*SENSITIVITY, "--n", "4", "--param", "brands.0.seeds=1:1.4"],
        "rounds to the one value 1; give a range spanning at least two whole numbers"),
    "sensitivity: inf on an integer key": Case(
        [*SENSITIVITY, "--n", "4", "--param", "network.n=100:inf"],
        "--param network.n=100:inf: LO and HI must be finite numbers"),
    "sensitivity: --out read-only": Case([*SENSITIVITY, "--n", "4", "--out", "{ro}"],
                                         "--out: cannot write to"),
    # app (the server would answer with a page of traceback)
    "app: --port 99999": Case(["app", "--port", "99999"],
                              "--port: 99999 is not a port; allowed 1 to 65535"),
    "app: --port in use": Case(["app", "--port", "{silent}"], "--port: {silent} is in use"),
    "app: --host unknown": Case(["app", "--host", "no such host", "--port", "{closed}"],
                                "--host: cannot listen on 'no such host'"),
}


def _try(name: str, world: Path, tmp_path: Path,
         command: Callable[[list[str | bytes], Path], Result]) -> None:
    case = CASES[name]
    if case.prepare is not None:
        case.prepare(world)
    with silent_listener() as silent:
        fill = {"w": str(world), "ro": str(readonly(tmp_path)), "closed": str(closed_port()),
                "silent": str(silent), "data": str(REPO / "data" / "example_launch.csv")}
        args = [a.format(**fill) if isinstance(a, str) else a for a in case.args]
        before = snapshot(world / "sweep")
        res = command(args, world)  # the timeout is the "returns within seconds" check
    assert res.code == case.code, res
    assert "Traceback" not in res.err and "Exception ignored" not in res.err, res.err
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res.err
    assert lines[0].startswith("error: ") and case.message.format(**fill) in lines[0], lines[0]
    assert snapshot(world / "sweep") == before  # a refused command changes nothing
    if case.check is not None:
        case.check(world, res)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_a_nonzero_exit(name: str, world: Path, tmp_path: Path
                                                  ) -> None:
    _try(name, world, tmp_path, lambda args, cwd: ewom_in_process(args, cwd, HANG_SECONDS))


# one case of each kind, as the user's shell runs them: bytes in argv, a refusal before a
# hang, a network wait, a damaged file, argparse inside the batch commands
IN_A_SHELL = ["run: brand name not UTF-8", "run: steps=1e300 (hang)",
              "sweep: --scheduler accepts but is not Dask (hang)",
              "report: truncated runs.parquet", "calibrate: a stray time of 99,999 (every run "
              "that long)", "sensitivity: inf on an integer key"]


@pytest.mark.slow
@pytest.mark.parametrize("name", IN_A_SHELL)
def test_bad_input_from_the_shell_is_one_line_and_a_nonzero_exit(name: str, world: Path,
                                                                  tmp_path: Path) -> None:
    _try(name, world, tmp_path, lambda args, cwd: ewom(args, cwd=cwd))


# --------------------------------------------------------------------------- nothing lost

FULL_DISK = 40_000  # bytes a file may grow to: the run's figure does not fit


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_run_on_a_full_disk_keeps_the_previous_run_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.main(["run", "organic", *QUICK, "--out", str(out)]) == 0
    before = snapshot(out)
    res = ewom(["run", "organic", *QUICK, "--seed", "9", "--out", str(out)], cwd=tmp_path,
               max_file_bytes=FULL_DISK)
    assert res.code == 2 and "Traceback" not in res.err
    last = res.err.strip().splitlines()[-1]
    assert last.startswith(f"error: --out: cannot write to {out}: File too large; the files "
                           "there are unchanged"), res.err
    assert snapshot(out) == before  # all three files of the previous run, and no temporaries


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_a_sweep_on_a_full_disk_stops_with_one_line_and_finishes_when_rerun(tmp_path: Path
                                                                             ) -> None:
    out = tmp_path / "sweep"
    args = [*SWEEP, "--out", str(out)]
    res = ewom(args, cwd=tmp_path, max_file_bytes=3000)
    assert res.code == 2 and "Traceback" not in res.err
    assert res.err.strip().splitlines()[-1].startswith(f"error: --out: cannot write to {out}")
    assert cli.main(args) == 0  # nothing half-written is in the way
    assert (out / "runs.parquet").is_file()


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_calibrate_prints_the_fit_when_it_cannot_write_it(tmp_path: Path) -> None:
    res = ewom([*CALIBRATE, "--data", str(REPO / "data" / "example_launch.csv"), "--reps", "2",
                "--max-evals", "4", "--set", "network.n=300", "--workers", "1", "--out",
                str(tmp_path / "cal")], cwd=tmp_path, max_file_bytes=3000, timeout=300)
    assert res.code == 2 and "Traceback" not in res.err
    assert res.err.strip().splitlines()[-1] == (f"error: --out: cannot write to {tmp_path}/cal: "
                                                "File too large; the fit is printed above")
    assert "| `ewom.p_share` |" in res.out  # the finished work is on stdout
    assert not any((tmp_path / "cal").glob("*"))  # no half-written report


@pytest.mark.slow
@pytest.mark.parametrize("args", [["list"], ["schema"]], ids=["list", "schema"])
def test_a_full_stdout_is_one_line(args: list[str], tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "wb") as full:
        res = ewom(args, cwd=tmp_path, stdout=full.fileno())
    assert res.code == 1 and res.err == "error: output: No space left on device\n", res.err


def test_a_scenario_name_never_leaves_the_output_folder(world: Path) -> None:
    res = ewom_in_process(["run", "escape.toml"], cwd=world)
    assert res.code == 0, res.err
    assert (world / "out" / "escaped" / "summary.json").is_file()
    assert not (world.parent / "escaped").exists() and not (world / "escaped").exists()


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # a user's terminal: Ctrl-C reaches the command even when this suite itself was started in
    # the background (which makes a child inherit an ignored SIGINT)
    return subprocess.Popen([sys.executable, "-m", "ewom_abm", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_user_terminal)


def _user_terminal() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_a_long_sensitivity_says_how_long_before_it_starts(tmp_path: Path) -> None:
    """`--param steps=0:100000` used to sit silent for hours: the start line now carries the
    estimate, and Ctrl-C stops it with one line."""
    import signal
    import time

    proc = _start(["sensitivity", "organic", "--param", "steps=0:100000", "--param",
                   "ewom.p_share=0.01:0.1", "--n", "64", "--set", "network.n=100",
                   "--workers", "1", "--no-progress", "--out", str(tmp_path / "s")], tmp_path)
    first = proc.stderr.readline()
    assert "256 runs" in first and "; about " in first and "that is long" in first, first
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=HANG_SECONDS)
    assert proc.returncode == 130 and "Traceback" not in err, err


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_a_second_ctrl_c_while_a_sweep_shuts_down_is_quiet(tmp_path: Path) -> None:
    import signal
    import time

    proc = _start(["sweep", "organic", "--steps", "400", "--set", "network.n=2000",
                   "--reps", "40", "--workers", "2", "--no-progress", "--out",
                   str(tmp_path / "s")], tmp_path)
    assert proc.stderr.readline().startswith("sweep organic:")
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)  # while it saves and stops the workers
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=HANG_SECONDS)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "interrupted"


@pytest.mark.slow  # a real process: a file-size limit, a signal, a closed stream
def test_run_with_stdout_closed_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    done = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m ewom_abm run organic '
                           f'--steps 3 --set network.n=100 --out "{out}" >&-'],
                          cwd=tmp_path, capture_output=False, stderr=subprocess.PIPE,
                          timeout=HANG_SECONDS)
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err, err
    assert (out / "timeseries.csv").is_file()
