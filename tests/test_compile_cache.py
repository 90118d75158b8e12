"""The compiled engine's first run says it is compiling, and Ctrl-C never interrupts a compiled
rule half-way."""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import sys
from pathlib import Path

import pytest
from numba.core import caching

from ewom_abm import cli
from ewom_abm.model import jit as jit_mod
from ewom_abm.model import model as model_mod
from ewom_abm.model.errors import EwomNote
from ewom_abm.model.jit import cached, held_interrupts


def test_a_kernel_is_cached_once_it_has_run(tmp_path):
    source = tmp_path / "kernel_here.py"
    source.write_text("from ewom_abm.model.jit import jit\n\n\n@jit\ndef twice(x):\n"
                      "    return 2 * x\n")
    spec = importlib.util.spec_from_file_location("kernel_here", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not cached(module.twice)  # never compiled here: the first run will compile
    assert module.twice(21) == 42
    assert cached(module.twice)
    assert cached(len)  # not a kernel: nothing to say
    for index in Path(module.twice._cache._cache_path).glob("*twice*"):
        index.unlink()
    assert cached(module.twice)  # compiled in this process: nothing more to compile or say


def _kernel(tmp_path: Path, name: str):
    source = tmp_path / f"{name}.py"
    source.write_text("from ewom_abm.model.jit import jit\n\n\n@jit\ndef twice(x):\n"
                      "    return 2 * x\n")
    spec = importlib.util.spec_from_file_location(name, source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.twice


def test_a_cache_that_cannot_be_saved_costs_a_note_not_the_run(tmp_path, monkeypatch):
    # a full disk, a quota or a file-size limit while numba writes the machine code
    def full(self, key, data):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(caching.IndexDataCacheFile, "save", full)
    jit_mod._unsaved.cache_clear()
    first, second = _kernel(tmp_path, "first_here"), _kernel(tmp_path, "second_here")
    with pytest.warns(EwomNote, match=r"could not save the compiled engine in .* \(File too "
                      r"large\); the results are unaffected") as notes:
        assert first(21) == 42 and second(4) == 8
    assert len(notes) == 1  # said once, not per kernel


def test_the_first_run_after_an_install_says_it_compiles(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(model_mod, "cached", lambda kernel: False)
    assert cli.main(["run", "organic", "--steps", "1", "--set", "network.n=50", "--out",
                     str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "note: compiling the simulation engine for its first run" in err
    monkeypatch.setattr(model_mod, "cached", lambda kernel: True)
    assert cli.main(["run", "organic", "--steps", "1", "--set", "network.n=50", "--out",
                     str(tmp_path / "p")]) == 0
    assert "compiling" not in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_ctrl_c_inside_a_step_is_raised_when_the_step_ends():
    # as at a terminal, even when the suite runs in the background (SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        done = []
        with pytest.raises(KeyboardInterrupt), held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("the rest of the step ran")
        assert done == ["the rest of the step ran"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
