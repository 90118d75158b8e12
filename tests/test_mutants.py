"""The hand-written mutants (tools/mutants.py) still apply to the source, so they cannot rot."""

from __future__ import annotations

import importlib.util
import sys

from ewom_testing import REPO


def test_every_hand_written_mutant_applies_exactly_once():
    spec = importlib.util.spec_from_file_location("mutants", REPO / "tools" / "mutants.py")
    mutants = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = mutants  # its dataclasses look their module up there
    spec.loader.exec_module(mutants)
    for m in mutants.MUTANTS:
        text = (REPO / m.path).read_text()
        assert text.count(m.old) == 1, m.name
