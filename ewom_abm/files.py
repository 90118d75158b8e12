"""Files in and out: input paths checked in one place, outputs written whole or not at all.

Inputs (a scenario file, a graph file, observed data, a sweep folder) come from users, so every
way a path can be wrong (missing, a folder, a FIFO that would block a read forever, a symlink
loop, ``~nosuchuser``, not UTF-8) becomes one line naming the option, never a traceback or a
hang. Outputs go to a temporary name in the same folder, are synced, and renamed over the old
file, so a full disk or a kill leaves the previous file (or nothing), never half a file;
``staged`` does that for several files at once (all of them, or none).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ewom_abm.model.errors import EwomError, one_line

if TYPE_CHECKING:
    import pandas as pd

TMP_PREFIX = ".tmp-"  # temporary files: .tmp-PID-NAME, the suffix kept (matplotlib reads it)
TMP_GLOBS = (f"{TMP_PREFIX}*", ".*.tmp")  # what a killed writer may leave (old and new names)
_SAFE = re.compile(r"[^\w.-]+")  # letters of any script, digits, _ . -
NAME_MAX = 80  # characters of a scenario name kept in a default output folder's name


def reason(exc: OSError) -> str:
    """An OSError's reason, without the repeated file name."""
    return exc.strerror or one_line(exc)


# --------------------------------------------------------------------------- input paths

def expand(path: str | os.PathLike[str], key: str) -> Path:
    """``~`` and ``~user`` expanded; an unknown user is the user's mistake, not a crash."""
    p = Path(path)
    try:
        return p.expanduser()
    except RuntimeError:
        user = str(path).split("/", 1)[0]
        raise EwomError(f"{key}: {path}: cannot expand {user!r} (no such user); give the "
                        "path without ~user") from None


def resolve(path: str | os.PathLike[str], key: str) -> Path:
    """The absolute path (symlinks resolved where they exist); a symlink loop is refused."""
    p = expand(path, key)
    try:
        return p.resolve()
    except (RuntimeError, OSError) as exc:  # 3.12: RuntimeError("Symlink loop from ...")
        detail = "a symlink loop" if isinstance(exc, RuntimeError) else reason(exc)
        raise EwomError(f"{key}: {path}: {detail}; give a path to a file") from None


def _stat(p: Path, shown: str, key: str, what: str) -> os.stat_result:
    try:
        return p.stat()
    except FileNotFoundError:
        raise EwomError(f"{key}: {what} not found: {shown}") from None
    except OSError as exc:  # ELOOP (symlink loop), ENOTDIR, EACCES, ENAMETOOLONG
        raise EwomError(f"{key}: cannot open {shown}: {reason(exc)}") from None


def input_file(path: str | os.PathLike[str], key: str) -> Path:
    """A path that names a readable regular file (a FIFO or device would block or never end)."""
    p = expand(path, key)
    st = _stat(p, str(path), key, "file")
    if stat.S_ISDIR(st.st_mode):
        raise EwomError(f"{key}: {path} is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise EwomError(f"{key}: {path} is not a regular file (a FIFO, socket or device); "
                        "give a file")
    if not os.access(p, os.R_OK):
        raise EwomError(f"{key}: cannot read {path}: permission denied")
    return p


def input_folder(path: str | os.PathLike[str], key: str) -> Path:
    """A path that names an existing folder."""
    p = expand(path, key)
    st = _stat(p, str(path), key, "folder")
    if not stat.S_ISDIR(st.st_mode):
        raise EwomError(f"{key}: {path} is not a folder")
    return p


def read_bytes(path: str | os.PathLike[str], key: str) -> bytes:
    """A file's bytes, after ``input_file``'s checks."""
    p = input_file(path, key)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise EwomError(f"{key}: cannot read {path}: {reason(exc)}") from None


def read_text(path: str | os.PathLike[str], key: str) -> str:
    """A UTF-8 text file (a BOM is dropped); another encoding is named, with where it fails."""
    raw = read_bytes(path, key)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EwomError(f"{key}: {Path(path).name} is not UTF-8 text (byte "
                        f"0x{raw[exc.start]:02x} on line {line}); save it as UTF-8") from None


# --------------------------------------------------------------------------- output folders

def writable_folder(path: str | os.PathLike[str], key: str) -> Path:
    """Refuse an output folder that cannot be written, before any work starts, creating
    nothing: the folder if it exists, else the nearest existing folder above it, must accept
    a new file."""
    p = expand(path, key)
    probe = p
    while True:
        try:
            st = probe.stat()
            break
        except (FileNotFoundError, NotADirectoryError):  # not there yet, or under a file
            if probe.parent == probe:
                raise EwomError(f"{key}: cannot write to {path}: no such folder") from None
            probe = probe.parent
        except OSError as exc:
            raise EwomError(f"{key}: cannot write to {path}: {reason(exc)}") from None
    if not stat.S_ISDIR(st.st_mode):
        where = "is a file" if probe == p else f"is inside {probe}, a file"
        raise EwomError(f"{key}: {path} {where}, not a folder; choose a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}probe-", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise EwomError(f"{key}: cannot write to {path}: {reason(exc)}") from None
    return p


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A scenario name as one file name: never a path (``../x``, ``/etc``), never hidden."""
    text = _SAFE.sub("_", str(name)).strip("._-")[:NAME_MAX].strip("._-")
    return text or fallback


# --------------------------------------------------------------------------- atomic outputs

def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tmp_path(path: Path) -> Path:
    """Where ``path`` is written before its rename: same folder, hidden, suffix kept."""
    return path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")


@contextlib.contextmanager
def staged(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Write several files all or none: the body writes the temporary paths it is given;
    when it returns, each written file is synced, then all are renamed into place. If the
    body raises (a full disk, a failed figure), the temporary files are removed and every
    old file is left as it was. A temporary path the body did not write is skipped."""
    paths = [Path(p) for p in paths]
    tmps = [tmp_path(p) for p in paths]
    try:
        yield tmps
        written = [(t, p) for t, p in zip(tmps, paths, strict=True) if t.exists()]
        for t, _ in written:  # data on disk before any rename
            _fsync(t)
        for t, p in written:
            os.replace(t, p)
        for folder in {p.parent for _, p in written}:
            with contextlib.suppress(OSError):  # some file systems cannot sync a folder
                _fsync(folder)
    finally:
        for t in tmps:
            with contextlib.suppress(OSError):
                t.unlink(missing_ok=True)


def write_text(text: str, path: Path) -> None:
    """``path`` holds either its old content or all of ``text``."""
    with staged([path]) as (tmp,):
        tmp.write_text(text, encoding="utf-8")


def write_json(data: dict[str, Any], path: Path) -> None:
    write_text(json.dumps(data, indent=2, default=str) + "\n", path)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    with staged([path]) as (tmp,):
        df.to_csv(tmp, index=False)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a table so that ``path`` holds either the old file or the whole new one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with staged([path]) as (tmp,):
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)


def clean_tmp(folder: Path) -> None:
    """Remove temporary files a killed writer left in ``folder``."""
    if folder.is_dir():
        for pattern in TMP_GLOBS:
            for tmp in folder.glob(pattern):
                with contextlib.suppress(OSError):
                    tmp.unlink()
