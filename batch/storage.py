"""A sweep's folder: durable chunks while it runs, the final tables when it ends.

Layout of ``DIR``::

    sweep.json                 what was asked (scenario, design, reps) and how it went
    runs.parquet               one row per run and brand, sorted by run id (final)
    timeseries.parquet         one row per run, step and brand (final)
    parts/runs-000001.parquet  chunks written while the sweep runs ...
    parts/timeseries-000001.parquet
    failures/run-000017.txt    the traceback of each failed run

Every file is written to a temporary name, synced and renamed, so a reader (or a resumed
sweep) never sees half a file. A chunk's runs file is written after its timeseries file and
is its commit: a timeseries chunk without its runs file is debris from a kill and is removed.
When a sweep ends, its chunks are merged into the final tables and deleted; a run recorded
twice (a failure retried on resume) keeps its newest record. The merge sorts by run id, so
the tables do not depend on how the runs were chunked, interrupted or distributed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ewom_abm import files
from ewom_abm.batch.grid import Design
from ewom_abm.batch.runner import ID_COLUMNS, Outcome
from ewom_abm.files import (
    TMP_GLOBS,
    clean_tmp,
    write_csv,
    write_json,
    write_parquet,
    write_text,
)
from ewom_abm.model.errors import EwomError, one_line

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

MANIFEST = "sweep.json"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
FORMAT = 1
_CHUNK = re.compile(r"^(runs|timeseries)-(\d{6})\.parquet$")
# scenario fields that document a scenario but do not change its results
DOC_FIELDS = ("title", "description", "look_for", "try_this")
# scenario keys added after sweeps were first stored, with the default that reproduces the
# older behaviour: at that default they stay out of the identity, so an older sweep resumes
ADDED_KEYS = {("network", "graph_seed"): -1}


# --------------------------------------------------------------------------- identity

def _jsonable(x: Any) -> Any:
    """What ``x`` reads back as from JSON, so stored and fresh identities compare equal."""
    return json.loads(json.dumps(x, default=str))


def _short(x: Any, width: int = 70) -> str:
    return one_line(json.dumps(x, default=str), width)


def first_difference(old: Any, new: Any, path: str = "") -> str | None:
    """The first dotted path where two JSON-like values differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in new or key not in old:
                return (f"{path}{key}: {'only in sweep.json' if key in old else 'new'} "
                        f"({_short(old.get(key, new.get(key)))})")
            diff = first_difference(old[key], new[key], f"{path}{key}.")
            if diff:
                return diff
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            diff = first_difference(a, b, f"{path}{i}.")
            if diff:
                return diff
        return None
    if old != new:
        return f"{path.rstrip('.')}: {_short(old)} in sweep.json, {_short(new)} now"
    return None


def _readable(diff: str, keys: list[str]) -> str:
    """Name a difference in the user's terms: scenario keys and varied values."""
    m = re.match(r"design\.points\.(\d+)\.(\d+): (.*)", diff)
    if m and int(m[2]) < len(keys):
        return f"--vary {keys[int(m[2])]}, configuration {m[1]}: {m[3]}"
    return diff.replace("simulator.parameters.", "scenario key ")


def identity(simulator_identity: dict[str, Any], design: Design,
             inputs: dict[str, str] | None = None) -> dict[str, Any]:
    """What makes two sweeps the same sweep (replicates may grow: runs are appended).
    ``inputs`` maps each file the runs read (a graph file) to its content hash: the same
    path with other content is another sweep, so one folder never mixes two graphs."""
    sim = dict(simulator_identity)
    if isinstance(sim.get("parameters"), dict):
        sim["parameters"] = _without_added_defaults(
            {k: v for k, v in sim["parameters"].items() if k not in DOC_FIELDS})
    ident: dict[str, Any] = {
        "simulator": sim,
        "design": {"keys": list(design.keys), "points": [list(p) for p in design.points],
                   "root_seed": design.root_seed, "common_seeds": design.common_seeds},
    }
    if inputs:  # only when there are files: sweeps without one keep their old identity
        ident["inputs"] = [{"file": f, "blake2b": d} for f, d in sorted(inputs.items())]
    return _jsonable(ident)


def _without_added_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters without the ``ADDED_KEYS`` that hold their default (copied, not changed)."""
    for (table, key), default in ADDED_KEYS.items():
        section = params.get(table)
        if isinstance(section, dict) and key in section and section[key] == default:
            params = {**params, table: {k: v for k, v in section.items() if k != key}}
    return params


def _changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(file, old hash, new hash) of each input file whose content changed since the sweep
    started (a sweep from before hashes were recorded has nothing to compare)."""
    before = {i.get("file"): i.get("blake2b") for i in old.get("inputs") or []
              if isinstance(i, dict)}
    return [(item["file"], str(before[item["file"]]), item["blake2b"])
            for item in new.get("inputs") or []
            if before.get(item["file"]) not in (None, item["blake2b"])]


def _without_inputs(ident: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ident.items() if k != "inputs"}


# --------------------------------------------------------------------------- damage

def _damaged(key: str, path: Path, detail: str, advice: str) -> EwomError:
    return EwomError(f"{key}: {path} is damaged ({one_line(detail, 160)}); {advice}")


def _table_advice(path: Path) -> str:
    if path.parent.name == "parts":
        return "delete it and rerun the sweep command: its runs are run again"
    return (f"restore it, or delete {RUNS} and {TIMESERIES} and rerun the sweep command to "
            "run those runs again")


def read_table(path: Path, columns: list[str] | None = None, *, key: str = "--out",
               required: Sequence[str] = ()) -> pd.DataFrame:
    """A parquet table of a sweep folder; a truncated or foreign file is named as damaged,
    with what to do, instead of a pyarrow traceback."""
    try:
        df = pd.read_parquet(path, columns=columns)
    except FileNotFoundError:
        raise
    except Exception as exc:  # ArrowInvalid, OSError, ValueError: all mean the same here
        raise _damaged(key, path, f"{type(exc).__name__}: {exc}", _table_advice(path)) \
            from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise _damaged(key, path, f"no column {missing[0]!r}", _table_advice(path))
    return df


_MANIFEST_ADVICE = ("restore it from a backup, or move the folder away and start the sweep "
                    "again in a new --out")


def _check_manifest(data: Any, path: Path, key: str) -> dict[str, Any]:
    """The shape every reader of sweep.json relies on, or a one-line 'damaged'."""
    if not isinstance(data, dict):
        raise _damaged(key, path, "not a JSON object", _MANIFEST_ADVICE)
    if data.get("format") != FORMAT:
        return data  # another format: the callers say so
    ident = data.get("identity")
    design = ident.get("design") if isinstance(ident, dict) else None
    problems = [
        ("identity", isinstance(ident, dict) and isinstance(ident.get("simulator"), dict)),
        ("identity.design", isinstance(design, dict)
         and isinstance(design.get("keys"), list) and isinstance(design.get("points"), list)
         and all(isinstance(p, list) for p in design.get("points", []))
         and isinstance(design.get("root_seed"), int)
         and isinstance(design.get("common_seeds"), bool)),
        ("reps", isinstance(data.get("reps"), int) and not isinstance(data.get("reps"), bool)
         and data.get("reps", 0) >= 1),
        ("kind", isinstance(data.get("kind"), str)),
        ("parameters", data.get("parameters") is None or isinstance(data["parameters"], dict)),
    ]
    for name, ok in problems:
        if not ok:
            raise _damaged(key, path, f"{name} is missing or malformed", _MANIFEST_ADVICE)
    return data


# --------------------------------------------------------------------------- the folder

class SweepStore:
    """The folder of one sweep: lock, manifest, chunks, final tables."""

    def __init__(self, out: Path | str, key: str = "--out") -> None:
        self.out = Path(out)
        self.key = key  # how messages name the folder: the option the user gave it with
        self.manifest_path = self.out / MANIFEST
        self.parts = self.out / "parts"
        self.failures = self.out / "failures"
        self._lock_fd: int | None = None

    # ---------------------------------------------------------------- opening

    def check(self, ident: dict[str, Any], reps: int, *, kind: str = "sweep",
              uses: dict[str, set[int]] | None = None) -> dict | None:
        """The manifest of the sweep already in the folder, if any; refuses a folder that
        holds something else or cannot be written. Nothing is created before the checks
        pass. ``uses`` maps each input file to the configurations that read it: a file
        whose content changed is refused if a finished run read its old content (its runs
        would mix two graphs), and accepted if every run that read it failed (the fix of a
        broken file, whose failed runs are retried)."""
        files.writable_folder(self.out, self.key)
        old = self.read_manifest()
        if old is None and self._holds_other_files():
            raise EwomError(f"--out: {self.out} is not empty and holds no {MANIFEST}; "
                            "choose a new or empty folder")
        if old is not None:
            if old.get("format") != FORMAT or "identity" not in old:
                raise EwomError(f"--out: {self.out} holds a sweep in another format; "
                                "choose another folder")
            diff = first_difference(_without_inputs(old["identity"]), _without_inputs(ident))
            if diff:
                diff = _readable(diff, ident["design"]["keys"])
                raise EwomError(f"--out: {self.out} holds a different {old.get('kind', kind)} "
                                f"({diff}); choose another --out, or delete the folder")
            changed = _changed_inputs(old["identity"], ident)
            if changed:
                n_configs = len(ident["design"]["points"])
                done = {run % n_configs for run, ok in self.run_status().items() if ok}
                for file, was, now in changed:
                    if done & (uses or {}).get(file, set(range(n_configs))):
                        raise EwomError(
                            f"network.path: {file} changed since the sweep in {self.out} "
                            f"started (content hash {was[:12]}... then, {now[:12]}... now); "
                            "its runs would mix two graphs in one table: restore the file, "
                            "or choose another --out")
            if reps < old["reps"]:
                raise EwomError(f"--reps: {self.out} holds {old['reps']} replicates; ask for "
                                f"at least {old['reps']} to resume it, or choose another --out")
        return old

    def _holds_other_files(self) -> bool:
        """Anything besides what a sweep that died before its first sweep.json leaves (its
        lock, an empty parts/, temporary files): such a folder may be started again."""
        if not self.out.is_dir():
            return False
        for entry in self.out.iterdir():
            if entry.name == ".lock" or any(entry.match(g) for g in TMP_GLOBS):
                continue
            if entry == self.parts and entry.is_dir() and not any(entry.iterdir()):
                continue
            return True
        return False

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write that fails (a full disk, a folder gone read-only) is one line; what is
        durable already stays, and the same command carries on from it."""
        try:
            yield
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise EwomError(f"{self.key}: cannot write to {self.out}{where}: {files.reason(exc)}"
                            "; the runs saved so far are kept: free space and rerun the same "
                            "command to finish") from None

    def open(self) -> None:
        """Create the folder and lock it; clear what a kill left half-done."""
        with self._writing():
            self.out.mkdir(parents=True, exist_ok=True)
            self.parts.mkdir(exist_ok=True)
            self._lock()
            self._clean()

    def _lock(self) -> None:
        """One sweep per folder at a time (a kill releases the lock with the process)."""
        if fcntl is None:
            return
        fd = os.open(self.out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise EwomError(f"--out: {self.out} is in use by another running sweep; wait for "
                            "it or choose another folder") from None
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _clean(self) -> None:
        """Remove what a kill left half-done: temporary files, uncommitted timeseries chunks."""
        for folder in (self.out, self.parts, self.failures):
            clean_tmp(folder)
        committed = {n for n, _ in self._chunks("runs")}
        for n, path in self._chunks("timeseries"):
            if n not in committed:
                path.unlink(missing_ok=True)

    # ---------------------------------------------------------------- manifest

    def read_manifest(self) -> dict[str, Any] | None:
        """sweep.json, checked: None if there is none, a one-line 'damaged' if unreadable."""
        if not self.manifest_path.is_file():
            return None
        try:
            data = json.loads(self.manifest_path.read_bytes())
        except (ValueError, OSError) as exc:  # not JSON, not UTF-8, unreadable
            raise _damaged(self.key, self.manifest_path, f"{type(exc).__name__}: {exc}",
                           _MANIFEST_ADVICE) from None
        return _check_manifest(data, self.manifest_path, self.key)

    def write_manifest(self, data: dict[str, Any]) -> None:
        with self._writing():
            write_json({"format": FORMAT, **data}, self.manifest_path)

    # ---------------------------------------------------------------- chunks

    def _chunks(self, table: str) -> list[tuple[int, Path]]:
        if not self.parts.is_dir():
            return []
        found = []
        for path in self.parts.iterdir():
            m = _CHUNK.match(path.name)
            if m and m[1] == table:
                found.append((int(m[2]), path))
        return sorted(found)

    def _next_chunk(self) -> int:
        numbers = [n for n, _ in self._chunks("runs")] + [n for n, _ in
                                                          self._chunks("timeseries")]
        return max(numbers, default=0) + 1

    def write_chunk(self, outcomes: Sequence[Outcome], design: Design) -> None:
        """Make these finished runs durable (timeseries first, runs last: the commit)."""
        if not outcomes:
            return
        runs, series = chunk_frames(outcomes, design)
        n = self._next_chunk()
        with self._writing():
            if series is not None:
                write_parquet(series, self.parts / f"timeseries-{n:06d}.parquet")
            write_parquet(runs, self.parts / f"runs-{n:06d}.parquet")
            bad = [o for o in outcomes if not o.ok]
            if bad:
                self.failures.mkdir(exist_ok=True)
                for o in bad:
                    write_text(f"run {o.run.run} (config {o.run.config}, rep {o.run.rep}, "
                               f"seed {o.run.seed})\n{o.error}\n\n{o.trace}",
                               self.failures / f"run-{o.run.run:06d}.txt")

    # ---------------------------------------------------------------- reading

    def _sources(self) -> list[tuple[Path, Path | None]]:
        """(runs, timeseries) files, oldest first: the final tables, then the chunks."""
        out: list[tuple[Path, Path | None]] = []
        if (self.out / RUNS).is_file():
            ts = self.out / TIMESERIES
            out.append((self.out / RUNS, ts if ts.is_file() else None))
        series = dict(self._chunks("timeseries"))
        for n, path in self._chunks("runs"):
            out.append((path, series.get(n)))
        return out

    def run_status(self) -> dict[int, bool]:
        """Each recorded run id and whether its newest record succeeded."""
        status: dict[int, bool] = {}
        for runs, _ in self._sources():
            df = read_table(runs, ["run", "status"], key=self.key)
            ok = df.groupby("run", sort=False)["status"].first().eq("ok")
            status.update(zip(ok.index.tolist(), ok.tolist(), strict=True))
        return status

    def load(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Runs and timeseries merged from the final tables and every chunk, newest record of
        each run, sorted by run id; writes nothing (safe while a sweep runs)."""
        sources = []
        for runs, ts in self._sources():
            with contextlib.suppress(FileNotFoundError):  # merged away meanwhile
                sources.append((read_table(runs, key=self.key, required=("run", "status")),
                                ts))
        return merge(sources, key=self.key)

    def finalize(self, csv: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Merge everything into runs.parquet / timeseries.parquet, then drop the chunks."""
        runs, series = self.load()
        with self._writing():  # the chunks stay until the final tables are whole
            if series is not None:
                write_parquet(series, self.out / TIMESERIES)
            write_parquet(runs, self.out / RUNS)
            if csv:
                if series is not None:
                    write_csv(series, self.out / "timeseries.csv")
                write_csv(runs, self.out / "runs.csv")
        for _, path in self._chunks("runs") + self._chunks("timeseries"):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # empty now; opening recreates it
            self.parts.rmdir()
        ok_runs = set(runs.loc[runs["status"] == "ok", "run"].tolist())
        if self.failures.is_dir():  # tracebacks of runs that later succeeded
            for path in self.failures.glob("run-*.txt"):
                if int(path.stem.split("-")[1]) in ok_runs:
                    path.unlink()
        return runs, series


# --------------------------------------------------------------------------- tables

def chunk_frames(outcomes: Iterable[Outcome],
                 design: Design) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Rows for runs (one per run and brand; one per failed run) and the tidy timeseries,
    each led by the run's id, configuration, replicate, seed and varied values."""
    rows: list[dict[str, Any]] = []
    series: list[pd.DataFrame] = []
    leads: list[dict[str, Any]] = []
    for o in sorted(outcomes, key=lambda o: o.run.run):
        r = o.run
        lead = {"run": r.run, "config": r.config, "rep": r.rep, "seed": r.seed,
                **design.values(r.config)}
        if o.output is None:
            rows.append({**lead, "status": "failed", "error": o.error})
            continue
        rows.extend({**lead, "status": "ok", "error": "", **row} for row in o.output.rows)
        if o.output.timeseries is not None:
            series.append(o.output.timeseries)
            leads.append(lead)
    runs = pd.DataFrame(rows)
    if not series:
        return runs, None
    # lead columns for all timeseries rows at once (per-run inserts cost the parent ms/run)
    which = np.repeat(np.arange(len(leads)), [len(ts) for ts in series])
    lead = pd.DataFrame(leads).iloc[which].reset_index(drop=True)
    return runs, pd.concat([lead, pd.concat(series, ignore_index=True)], axis=1)


def _tidy(df: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
    """Sort by run (stable: within a run the simulator's order stays), lead columns first,
    and string columns as strings whether or not a chunk held only failures."""
    df = df.sort_values("run", kind="stable", ignore_index=True)
    cols = [c for c in lead if c in df.columns] + [c for c in df.columns if c not in lead]
    df = df[cols]
    for col in df.columns:
        if df[col].dtype == object and pd.api.types.infer_dtype(df[col], skipna=True) == "string":
            df[col] = df[col].astype("str")
    return df


def merge(sources: list[tuple[pd.DataFrame, Path | None]], *, key: str = "--out"
          ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Merge (runs frame, timeseries file) sources, oldest first; the newest record of a run
    wins (a failure retried later), and its timeseries comes from the same source."""
    winner: dict[int, int] = {}
    for i, (runs, _) in enumerate(sources):
        for run in runs["run"].unique().tolist():
            winner[run] = i
    kept, series = [], []
    for i, (runs, ts_path) in enumerate(sources):
        keep = runs[runs["run"].map(winner) == i]
        kept.append(keep)
        if ts_path is not None and ts_path.is_file():
            ts = read_table(ts_path, key=key, required=("run",))
            series.append(ts[ts["run"].map(winner) == i])
    # column order: the first source with a successful run decides it (all such agree)
    ordered = sorted(kept, key=lambda f: not (f["status"] == "ok").any())
    nonempty = [f for f in ordered if len(f)]
    if not nonempty:
        return pd.DataFrame(columns=[*ID_COLUMNS, "status", "error"]), None
    lead = list(ID_COLUMNS)
    runs = _tidy(pd.concat(nonempty, ignore_index=True), lead)
    ts_frames = [s for s in series if len(s)]
    ts = _tidy(pd.concat(ts_frames, ignore_index=True), lead) if ts_frames else None
    return runs, ts


def now() -> str:
    """Local time with its UTC offset, for sweep.json."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
