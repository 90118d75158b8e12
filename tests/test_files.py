"""ewom_abm.files: input paths refused in one line, outputs all or none, safe output names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ewom_abm import files
from ewom_abm.model.errors import EwomError


def test_staged_writes_every_file_or_none(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.png"
    a.write_text("old a")
    b.write_text("old b")
    with pytest.raises(OSError, match="disk full"), files.staged([a, b]) as (ta, tb):
        ta.write_text("new a")
        tb.write_text("half of b")
        raise OSError("disk full")  # the second writer fails: neither file changes
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.png"]  # no temporaries
    with files.staged([a, b]) as (ta, tb):
        assert ta.suffix == ".csv" and tb.suffix == ".png"  # writers that read the suffix
        ta.write_text("new a")
        tb.write_text("new b")
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


def test_staged_keeps_a_file_its_writer_skipped(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    b.write_text("kept")
    with files.staged([a, b]) as (ta, _):
        ta.write_text("written")
    assert a.read_text() == "written" and b.read_text() == "kept"


@pytest.mark.parametrize(("name", "safe"), [
    ("organic", "organic"), ("../../x", "x"), ("/some/dir", "some_dir"), (".hidden", "hidden"),
    ("a b\tc", "a_b_c"), ("café", "café"), ("..", "scenario"), ("", "scenario"),
    ("bad\udcffname", "bad_name"), ("x" * 300, "x" * files.NAME_MAX)])
def test_a_scenario_name_becomes_one_safe_file_name(name: str, safe: str) -> None:
    assert files.safe_name(name) == safe


def test_input_file_names_every_way_a_path_can_be_wrong(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    (tmp_path / "dir").mkdir()
    cases = {str(tmp_path / "fifo"): "is not a regular file (a FIFO, socket or device)",
             str(tmp_path / "a"): "Too many levels of symbolic links",
             str(tmp_path / "dir"): "is a folder, not a file",
             str(tmp_path / "none"): "file not found",
             "~no_such_user_ewom/x": "cannot expand '~no_such_user_ewom' (no such user)"}
    for path, message in cases.items():
        with pytest.raises(EwomError, match=r"^network\.path: ") as err:
            files.input_file(path, "network.path")
        assert message in str(err.value)
    with pytest.raises(EwomError, match="a symlink loop"):
        files.resolve(tmp_path / "a", "network.path")


def test_read_text_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1\nb = 'caf\xe9'\n")
    with pytest.raises(EwomError, match=r"s\.toml is not UTF-8 text \(byte 0xe9 on line 2\)"):
        files.read_text(path, "scenario")
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")  # a BOM is dropped
    assert files.read_text(path, "scenario") == "a = 1\n"


def test_writable_folder_checks_and_creates_nothing(tmp_path: Path) -> None:
    deep = tmp_path / "x" / "y" / "z"
    assert files.writable_folder(deep, "--out") == deep
    assert list(tmp_path.iterdir()) == []  # not even the folder: nothing is written yet
    (tmp_path / "f").write_text("")
    with pytest.raises(EwomError, match=r"--out: .*/f is a file, not a folder"):
        files.writable_folder(tmp_path / "f", "--out")
    with pytest.raises(EwomError, match=r"--out: .*/f/sub is inside .*/f, a file"):
        files.writable_folder(tmp_path / "f" / "sub", "--out")
