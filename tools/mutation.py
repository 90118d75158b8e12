"""Machine-made mutation testing of the model's rules: cosmic-ray's mutation operators over
``model/`` and ``agents/``, a fixed random sample, each mutant run against the tests that
execute its line.

    python tools/mutation.py                 # the sample (seed 16, 300 mutants), 2 workers
    python tools/mutation.py --size 50       # a smaller sample (the first 50 of the same order)
    python tools/mutation.py --show ID       # one mutant's diff
    python tools/mutation.py --rerun-survivors   # after adding tests: run the survivors again

Why this way (tools/MUTANTS.md has the figures):

- **Mutations**: cosmic-ray's operators (``cosmic_ray.commands.init``) enumerate every mutation
  of the files in scope; the driver applies one at a time to a copy of the package (never to the
  working tree), so two workers run side by side and the tree stays usable.
- **Pure Python**: the rules are numba-compiled, and the compiled code's cache is stamped with the
  digest of every engine source (``model/jit.py``), so a mutant compiled would cost a full
  compile (20-60 s). Each mutant runs with ``NUMBA_DISABLE_JIT=1`` instead: the same rules as
  Python, the same random stream (``model/jit.py`` hands them the Generator itself).
- **Tests per mutant**: the test selection (``TESTS``) is run once on the unmutated package
  under coverage, with one context per test; a mutant then runs (``-x``) only the tests that
  execute one of its lines (lines run at import, such as constants: the tests that run any
  line of the file), the quickest first up to ``BUDGET`` seconds of them (so the score is a
  lower bound: a slower test might still kill a survivor), in a child forked from a Python
  that has already imported the heavy
  dependencies (numpy, numba, Mesa, pytest; never ewom_abm). Tests that fail on the unmutated
  package in pure-Python mode are left out and listed. A mutant whose line no test executes
  survives at once ("not covered").
- **Sample**: the mutants are ordered by a keyed hash of (seed, id), and the first ``--size``
  are run: a uniform sample that an edit to one file changes only in that file. Mutations inside
  function signatures' annotations are left out (never evaluated: equivalent). Operators that
  only make type errors on this code's floats (shifts and bitwise operators replacing
  arithmetic, ``is`` replacing a comparison) and ``RemoveDecorator`` (dropping ``@jit`` is the
  identity in pure Python) are left out of the population, so they cannot pad the score.
- **Results** are appended to ``out/mutation/results.jsonl`` as each mutant finishes (an
  interrupted run resumes where it stopped; a result stands while the mutant's own file is
  unchanged, and the report counts those recorded before edits elsewhere); the score goes to
  ``out/mutation/score.json`` and the survivors are printed.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from mutants import PACKAGE, shadow  # the hand-written set's package copy (tools/)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "mutation"
SCOPE = ["model", "agents"]
# jit.py: the compiler's interface (intrinsics, cache locators) does not run in pure Python;
# reference.py: the closed forms the validation compares the model with (the tests' oracle)
NOT_IN_SCOPE = {"model/jit.py", "model/reference.py"}
# the fast selection: the rules' own tests, small models (no teaching or validation claims, no
# CLI or app subprocesses)
TESTS = ["tests/test_funnel.py", "tests/test_ewom.py", "tests/test_desire.py",
         "tests/test_strategies.py", "tests/test_model.py", "tests/test_seeding_strategies.py",
         "tests/test_network.py", "tests/test_scenario.py", "tests/test_mixing_and_markets.py",
         "tests/test_followers.py", "tests/test_relationships.py", "tests/test_channels.py",
         "tests/test_money.py"]
# what the selection imports besides itself (tests/conftest.py only holds the installed wheel's
# fixtures, which the selection does not use)
HELPERS = ["tests/ewom_testing.py"]
# operators left out of the population (see the module's docstring)
LEFT_OUT = re.compile(r"RemoveDecorator|VariableReplacer|VariableInserter"
                      r"|_(Add|Sub|Mul|Div|FloorDiv|Mod|Pow)_(RShift|LShift|BitOr|BitAnd|BitXor)$"
                      r"|_(Eq|NotEq|Lt|LtE|Gt|GtE)_(Is|IsNot)$")
SEED, SIZE = 16, 300
# per mutant: its quickest covering tests up to BUDGET seconds (their time unmutated, under
# coverage), stopped past three times that (a hang)
BUDGET = 30.0


@dataclass(frozen=True)
class Mutant:
    id: str  # file:operator:occurrence
    path: str  # file in the repository
    operator: str
    occurrence: int
    line: int
    end_line: int


def population(only: str | None = None) -> list[Mutant]:
    """Every mutation cosmic-ray's operators make in the scope (``only``: in this file), in a
    fixed order."""
    from cosmic_ray.commands.init import _all_work_items  # the enumeration `cosmic-ray init` uses

    files = [p for folder in SCOPE for p in sorted((ROOT / folder).glob("*.py"))
             if str(p.relative_to(ROOT)) not in NOT_IN_SCOPE
             and only in (None, str(p.relative_to(ROOT)))]
    out = []
    hints = {str(p): signature_annotations(p) for p in files}
    for item in _all_work_items(files, {}):
        spec = item.mutations[0]
        op = spec.operator_name.removeprefix("core/")
        if LEFT_OUT.search(op) or annotated(tuple(spec.start_pos), hints[str(spec.module_path)]):
            continue
        rel = str(Path(spec.module_path).resolve().relative_to(ROOT))
        out.append(Mutant(f"{rel}:{op}:{spec.occurrence}", rel, op, spec.occurrence,
                          spec.start_pos[0], spec.end_pos[0]))
    return sorted(out, key=lambda m: (m.path, m.operator, m.occurrence))


def signature_annotations(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) (line, column) spans of every function's parameter and return
    annotations: with ``from __future__ import annotations`` nothing evaluates them, so
    mutating them changes nothing (the scenario's dataclass fields, whose hints are read, are
    not among them)."""
    import ast

    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            notes = [x.annotation for x in (*a.posonlyargs, *a.args, *a.kwonlyargs,
                                            a.vararg, a.kwarg) if x is not None]
            spans += [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset))
                      for n in [*notes, node.returns] if n is not None]
    return spans


def annotated(pos: tuple[int, int], spans: list) -> bool:
    return any(lo <= pos < hi for lo, hi in spans)


def sample(mutants: list[Mutant], seed: int, size: int) -> list[Mutant]:
    """The ``size`` mutants whose keyed hash of their id is lowest: a uniform random sample
    that an edit to one file changes only in that file (a shuffle of the whole population
    would draw a new sample after any edit)."""
    def key(m: Mutant) -> str:
        return hashlib.sha256(f"{seed}:{m.id}".encode()).hexdigest()

    return sorted(mutants, key=key)[:size]


def mutated(m: Mutant, source: str) -> str | None:
    """The mutated source, or None when the operator cannot apply this occurrence (cosmic-ray
    8.7's ExceptionReplacer fails on some ``except`` clauses: such a mutant is scored as "no
    mutation", out of the total, rather than ending the run)."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    try:
        return mutate_code(source, get_operator(f"core/{m.operator}")(), m.occurrence)
    except Exception as e:  # the tool's own failure, not the mutant's
        print(f"{m.id}: cosmic-ray cannot apply it ({type(e).__name__}: {e})", file=sys.stderr)
        return None


OUTCOMES = ("killed", "timeout", "survived", "not covered", "no mutation", "incompetent")
EQUIVALENT = Path(__file__).with_name("equivalent.toml")


def _fields(r: dict) -> dict:
    return {k: r[k] for k in Mutant.__dataclass_fields__}


def compiles(m: Mutant) -> bool:
    """Whether the mutated file is still Python (a mutation of ``*,`` in a signature is not)."""
    new = mutated(m, (ROOT / m.path).read_text())
    try:
        compile(new or "", m.path, "exec")
    except SyntaxError:
        return False
    return True


def load_equivalent() -> dict[str, str]:
    """The survivors judged equivalent, {id: why} (``tools/equivalent.toml``)."""
    import tomllib

    if not EQUIVALENT.exists():
        return {}
    return {e["id"]: e["why"] for e in tomllib.loads(EQUIVALENT.read_text()).get("mutant", [])}


def diff(m: Mutant) -> str:
    source = (ROOT / m.path).read_text()
    new = mutated(m, source) or source
    lines = difflib.unified_diff(source.splitlines(), new.splitlines(), m.path, m.path,
                                 n=0, lineterm="")
    return "\n".join(list(lines)[2:])


# --------------------------------------------------------------------------- the package copy

def installed(src: Path, path: str) -> Path:
    folder, _, rest = path.partition("/")
    return src / "ewom_abm" / {v: k for k, v in PACKAGE.items()}[folder] / rest


def environment(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT / 'tests'}",
            "PYTHONDONTWRITEBYTECODE": "1", "NUMBA_DISABLE_JIT": "1"}


def pytest_args(*args: str) -> list[str]:
    """``-m pytest`` and its arguments (the zygote takes them without the first two)."""
    # run from the copy's folder: from the repository, its own ewom_abm/ would come first
    return ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
            "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), *args]


def digest(paths: list[Path] | None = None) -> str:
    """The digest of ``paths``, by default everything the results depend on: the package's
    sources and the selection's tests."""
    if paths is None:
        paths = [*(p for folder in [*PACKAGE.values(), "ewom_abm"]
                   for p in (ROOT / folder).rglob("*.py")), *(ROOT / t for t in HELPERS + TESTS)]
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def tests_digest(tests: list[str]) -> str:
    """What a result depends on besides the mutant's own file: the test files it ran (all of
    the selection for a mutant no test covers) and the tests' helpers."""
    files = {t.split("::")[0] for t in tests} if tests else set(TESTS)
    return digest([ROOT / f for f in sorted(files | set(HELPERS))])


def reusable(r: dict, stamp: str) -> bool:
    """Whether a recorded result still stands: recorded at this state of everything, or at
    this state of the mutant's own file and of the tests it ran when other files changed since
    (its id then names the same mutation; an edit elsewhere that keeps every result
    bit-identical, a refactor, rarely changes an outcome, and ``--rerun-survivors`` runs the
    survivors again at this state)."""
    return r["stamp"] == stamp or (r.get("file") == digest([ROOT / r["path"]])
                                   and r.get("tests") == tests_digest(r.get("ran", [])))


# --------------------------------------------------------------------------- who runs what

_PLUGIN = '''
import coverage, pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cov = coverage.Coverage.current()
    cov.switch_context(item.nodeid)
    yield
    cov.switch_context("")
'''


def coverage_map(src: Path, tmp: Path) -> dict:
    """Run the selection once on the unmutated copy under coverage, one context per test:
    {"lines": {path: {line: [test ids]}}, "failing": [...], "seconds": {test: s}}."""
    import coverage

    (tmp / "covctx.py").write_text(_PLUGIN)
    data = tmp / ".coverage"
    rc = tmp / "coveragerc"
    sources = ",".join(str(installed(src, f"{f}/x").parent) for f in SCOPE)
    rc.write_text(f"[run]\ndata_file = {data}\nsource = {sources}\n")
    env = environment(src)
    env["PYTHONPATH"] += os.pathsep + str(tmp)
    report = tmp / "junit.xml"
    cmd = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}",
           *pytest_args("-p", "covctx", f"--junitxml={report}", "-o", "junit_family=xunit1",
                        *(str(ROOT / t) for t in TESTS))]
    subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    failing, seconds = _junit(report)
    cov = coverage.Coverage(data_file=str(data))
    cov.load()
    lines: dict[str, dict[int, list[str]]] = {}
    measured = cov.get_data()
    for file in measured.measured_files():
        rel = _repo_path(src, Path(file))
        if rel is None:
            continue
        by_line = measured.contexts_by_lineno(file)
        lines[rel] = {ln: sorted(c for c in ctx if c not in failing) if "" not in ctx
                      else ["*"] for ln, ctx in by_line.items()}
    return {"lines": lines, "failing": sorted(failing), "seconds": seconds}


def _repo_path(src: Path, file: Path) -> str | None:
    try:
        rel = file.resolve().relative_to((src / "ewom_abm").resolve())
    except ValueError:
        return None
    name, _, rest = str(rel).partition("/")
    return f"{PACKAGE[name]}/{rest}" if name in PACKAGE else None


def _junit(report: Path) -> tuple[set[str], dict[str, float]]:
    import xml.etree.ElementTree as ET

    failing, seconds = set(), {}
    for case in ET.parse(report).iter("testcase"):
        file = case.get("file") or ""
        name = case.get("name") or ""
        nodeid = f"{file}::{name}" if file else name
        seconds[nodeid] = float(case.get("time") or 0)
        if case.find("failure") is not None or case.find("error") is not None:
            failing.add(nodeid)
    return failing, seconds


def tests_for(m: Mutant, cmap: dict) -> list[str]:
    by_line = cmap["lines"].get(m.path, {})
    found: set[str] = set()
    for ln in range(m.line, m.end_line + 1):
        found.update(by_line.get(str(ln), []))
    if "*" in found:  # a line run at import (a constant, a default): the file's tests
        found = {t for tests in by_line.values() for t in tests if t != "*"}
    # the quickest first, so a killed mutant dies early, up to BUDGET seconds of them
    chosen, spent = [], 0.0
    for t in sorted(found, key=lambda t: (cmap["seconds"].get(t, 0.0), t)):
        if chosen and spent + cmap["seconds"].get(t, 0.0) > BUDGET:
            break
        chosen.append(t)
        spent += cmap["seconds"].get(t, 0.0)
    return chosen


# --------------------------------------------------------------------------- one mutant

def run(m: Mutant, worker: Zygote, cmap: dict, tests: list[str] | None = None) -> dict:
    """Mutate the copy, run the mutant's tests (``tests``: these instead), restore:
    {"outcome": killed | survived | timeout | not covered | no mutation, "seconds", "by"}."""
    tests = tests_for(m, cmap) if tests is None else tests
    if not tests:
        return {"outcome": "not covered", "seconds": 0.0, "by": "", "ran": []}
    path = installed(worker.src, m.path)
    original = path.read_text()
    new = mutated(m, original)
    if new is None:
        return {"outcome": "no mutation", "seconds": 0.0, "by": "", "ran": tests}
    limit = 15 + 3 * sum(cmap["seconds"].get(t, 1.0) for t in tests)
    path.write_text(new)
    started = time.perf_counter()
    try:
        code, output = worker.pytest(pytest_args("-x", *(str(ROOT / t) for t in tests))[2:],
                                     limit)
    finally:
        path.write_text(original)
    if code is None:
        outcome, by = "timeout", f"over {limit:.0f} s"
    else:
        outcome = "killed" if code != 0 else "survived"
        failed = [ln.split(" - ")[0].split("::", 1)[-1] for ln in output.splitlines()
                  if ln.startswith(("FAILED", "ERROR"))]
        by = failed[0] if failed else ("" if outcome == "survived" else f"exit {code}")
    return {"outcome": outcome, "seconds": round(time.perf_counter() - started, 1), "by": by,
            "ran": tests}


class Zygote:
    """A Python that has imported the heavy dependencies (numpy, scipy, pandas, numba, Mesa,
    pytest) but not ewom_abm, and forks a child per mutant that runs pytest in-process on the
    worker's copy of the package: a mutant costs its tests, not an interpreter's start-up."""

    def __init__(self, src: Path) -> None:
        self.src = src
        self.proc = subprocess.Popen([sys.executable, __file__, "--zygote", str(src)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=environment(src), cwd=src.parent)
        assert self.proc.stdout.readline().strip() == "ready"

    def pytest(self, args: list[str], limit: float) -> tuple[int | None, str]:
        """(pytest's exit code, or None past ``limit`` seconds; its output)."""
        self.proc.stdin.write(json.dumps({"args": args, "limit": limit}) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return reply["code"], Path(reply["log"]).read_text()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def zygote(src: str) -> None:
    """The loop of a :class:`Zygote` (``--zygote SRC``): one JSON list of pytest arguments per
    line in, one JSON reply per line out."""
    import mesa  # noqa: F401  (the heavy imports, once)
    import networkx  # noqa: F401
    import numba  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pytest
    import scipy.sparse  # noqa: F401

    assert "ewom_abm" not in sys.modules
    log = Path(src).parent / "pytest.log"
    print("ready", flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: the copy first on the path, output to the log
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.path[:0] = [src, str(ROOT / "tests")]
            os.chdir(Path(src).parent)
            code = 99
            try:
                code = int(pytest.main(ask["args"]))
            finally:
                sys.stdout.flush()
                os._exit(code)
        deadline = time.monotonic() + ask["limit"]
        code = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        print(json.dumps({"code": code, "log": str(log)}), flush=True)


# --------------------------------------------------------------------------- the run

def run_all(todo: list[Mutant], tmp: Path, workers: int, stamp: str, done: dict,
            results_file: Path) -> None:
    """Run the mutants ``todo`` on ``workers`` copies of the package, recording each."""
    # the sources as copied (the tree may change while the run goes on)
    files = {m.path: digest([ROOT / m.path]) for m in todo}
    srcs = [shadow(tmp / f"w{k}") for k in range(max(workers, 1))]
    cmap_file = OUT / f"coverage-{stamp}.json"
    if cmap_file.exists():
        cmap = json.loads(cmap_file.read_text())
    else:
        print("mapping tests to lines (the selection once, under coverage)...", flush=True)
        cmap = json.loads(json.dumps(coverage_map(srcs[0], tmp)))
        cmap_file.write_text(json.dumps(cmap))
    if cmap["failing"]:
        print(f"left out, failing unmutated in pure Python: {', '.join(cmap['failing'])}")
    free = [Zygote(src) for src in srcs]
    zygotes = list(free)

    def work(m: Mutant) -> dict:
        worker = free.pop()
        try:
            r = run(m, worker, cmap)
        finally:
            free.append(worker)
        return {**asdict(m), **r, "stamp": stamp, "file": files[m.path],
                "tests": tests_digest(r["ran"])}

    with ThreadPoolExecutor(len(srcs)) as pool, results_file.open("a") as log:
        for k, r in enumerate(pool.map(work, todo), 1):
            log.write(json.dumps(r) + "\n")
            log.flush()
            done[r["id"]] = r
            print(f"[{k}/{len(todo)}] {r['id']} line {r['line']}: {r['outcome']} "
                  f"{r['by']} ({r['seconds']} s)", flush=True)
    for worker in zygotes:
        worker.close()


def try_mutant(pop: list[Mutant], mutant_id: str, *tests: str) -> int:
    """``--try``: whether ``tests`` kill one mutant (to check a test written for a survivor);
    0 if they do."""
    m = next((m for m in pop if m.id == mutant_id), None)
    if m is None or not tests:
        raise SystemExit(f"usage: --try ID TEST...; no mutant {mutant_id!r}" if m is None
                         else "usage: --try ID TEST... (pytest node ids)")
    print(diff(m), flush=True)
    with tempfile.TemporaryDirectory(prefix="ewom-mutation-") as tmp:
        worker = Zygote(shadow(Path(tmp) / "w0"))
        try:
            r = run(m, worker, {"seconds": {t: 100.0 for t in tests}}, list(tests))
        finally:
            worker.close()
    print(f"{m.id}: {r['outcome']} {r['by']} ({r['seconds']} s)")
    return 0 if r["outcome"] in ("killed", "timeout") else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show", metavar="ID", help="print one mutant's diff")
    parser.add_argument("--try", dest="try_", nargs="+", metavar=("ID", "TEST"),
                        help="run mutant ID against these tests (pytest node ids) and say "
                             "whether they kill it (records nothing)")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="run the survivors of the last run again (after adding tests)")
    parser.add_argument("--report", action="store_true",
                        help="only report the recorded results of the sample (run nothing)")
    parser.add_argument("--zygote", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zygote:
        zygote(args.zygote)
        return 0
    wanted = args.show or (args.try_ or [None])[0]
    pop = population(wanted.split(":")[0] if wanted else None)
    if args.show:
        m = next((m for m in pop if m.id == args.show), None)
        if m is None:
            raise SystemExit(f"no mutant {args.show!r}; ids look like model/ewom.py:AddNot:3")
        print(diff(m))
        return 0
    if args.try_:
        return try_mutant(pop, *args.try_)
    chosen = sample(pop, args.seed, args.size)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = digest()
    results_file = OUT / "results.jsonl"
    done: dict[str, dict] = {}
    if results_file.exists():
        for line in results_file.read_text().splitlines():
            r = json.loads(line)
            if reusable(r, stamp) or args.report:
                done[r["id"]] = r
            elif (args.rerun_survivors and r["outcome"] in ("killed", "timeout")
                  and r.get("file") == digest([ROOT / r["path"]])):
                done[r["id"]] = r  # a test added since cannot bring a killed mutant back
    if args.rerun_survivors:
        done = {k: r for k, r in done.items()
                if r["outcome"] not in ("survived", "not covered")}
    todo = [] if args.report else [m for m in chosen if m.id not in done]
    print(f"cosmic-ray {version('cosmic-ray')}: {len(pop)} mutants in {', '.join(SCOPE)} "
          f"(operators left out: {LEFT_OUT.pattern}); sample of {len(chosen)} with seed "
          f"{args.seed}; {len(todo)} to run", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ewom-mutation-") as tmp:
        if todo:
            run_all(todo, Path(tmp), args.workers, stamp, done, results_file)
    results = [done[m.id] for m in chosen if m.id in done]
    if not results:
        print("no results recorded for this sample: run `python tools/mutation.py` first")
        return 1
    earlier = sum(r["stamp"] != stamp for r in results)
    if earlier:
        print(f"{earlier} of {len(results)} results were recorded before edits to other files "
              "(their own file unchanged); `--rerun-survivors` runs the survivors again now")
    for r in results:  # a mutant that is not Python: any import fails, so it proves nothing
        if r["outcome"] != "no mutation" and not compiles(Mutant(**_fields(r))):
            r["outcome"] = "incompetent"
    equivalent = load_equivalent()
    stale = sorted(set(equivalent) - {m.id for m in pop})
    if stale:
        print(f"{EQUIVALENT.name} names mutants that no longer exist (their file changed): "
              f"{', '.join(stale)}")
    counts = {o: sum(r["outcome"] == o for r in results) for o in OUTCOMES}
    total = len(results) - counts["no mutation"] - counts["incompetent"]
    caught = counts["killed"] + counts["timeout"]
    alive = [r for r in results if r["outcome"] in ("survived", "not covered")]
    judged = [r["id"] for r in alive if r["id"] in equivalent]
    score = {"tool": f"cosmic-ray {version('cosmic-ray')}", "population": len(pop),
             "seed": args.seed, "sample": len(chosen), "counts": counts,
             "score": round(caught / max(total, 1), 4),
             "equivalent": len(judged),
             "score_without_equivalent": round(caught / max(total - len(judged), 1), 4),
             "wall_seconds_this_run": round(time.perf_counter() - started),
             "mutant_seconds": round(sum(r["seconds"] for r in results)),
             "survivors": [r["id"] for r in alive]}
    from ewom_abm.files import write_json  # the project's atomic write

    write_json(score, OUT / "score.json")
    print(f"\n{caught} of {total} mutants killed ({100 * score['score']:.1f}%): {counts}")
    print(f"{len(judged)} survivors are equivalent (tools/equivalent.toml): {caught} of "
          f"{total - len(judged)} ({100 * score['score_without_equivalent']:.1f}%)")
    for r in alive:
        why = f"  [equivalent: {equivalent[r['id']]}]" if r["id"] in equivalent else ""
        print(f"\n{r['outcome']}: {r['id']}{why}\n{diff(Mutant(**_fields(r)))}")
    if len(results) < len(chosen):
        print(f"\nonly {len(results)} of the sample's {len(chosen)} have results")
    return 0 if score["score_without_equivalent"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
