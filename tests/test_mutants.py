"""The hand-written mutants (tools/mutants.py) still apply to the source, so they cannot rot:
``tools/mutants.py --check`` passes, and fails, naming the mutant, when one no longer applies.
(Whether each is killed takes a compile per mutant: ``python tools/mutants.py``, about an
hour; the machine-made sample, ``python tools/mutation.py``, tools/MUTANTS.md.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from ewom_testing import REPO


def hand_written():
    spec = importlib.util.spec_from_file_location("mutants", REPO / "tools" / "mutants.py")
    mutants = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = mutants  # its dataclasses look their module up there
    spec.loader.exec_module(mutants)
    return mutants


def test_every_hand_written_mutant_applies_exactly_once():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "mutants.py"), "--check"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    mutants = hand_written()
    assert f"all {len(mutants.MUTANTS)} mutants apply" in proc.stdout
    for m in mutants.MUTANTS:
        assert (REPO / m.path).read_text().count(m.old) == 1, m.name


def test_the_check_fails_on_a_mutant_that_no_longer_applies(monkeypatch):
    mutants = hand_written()
    stale = mutants.Mutant("renamed away", "model/ewom.py", "def no_such_rule():", "")
    monkeypatch.setattr(mutants, "MUTANTS", (*mutants.MUTANTS, stale))
    monkeypatch.setattr(sys, "argv", ["mutants.py", "--check"])
    with pytest.raises(SystemExit, match="renamed away: the text to mutate occurs 0 times"):
        mutants.main()


def machine_made():
    hand_written()  # tools/mutation.py imports the package copy from tools/mutants.py
    spec = importlib.util.spec_from_file_location("mutation", REPO / "tools" / "mutation.py")
    mutation = importlib.util.module_from_spec(spec)
    sys.modules["mutation"] = mutation
    spec.loader.exec_module(mutation)
    return mutation


def test_the_machine_made_sample_changes_only_in_an_edited_file():
    mutation = machine_made()

    def mutants(path, count):
        return [mutation.Mutant(f"{path}:AddNot:{k}", path, "AddNot", k, 1, 1)
                for k in range(count)]

    before = [*mutants("model/a.py", 400), *mutants("model/b.py", 400)]
    after = [*mutants("model/a.py", 400), *mutants("model/b.py", 250)]  # b.py edited
    drawn = mutation.sample(before, 16, 100)
    redrawn = mutation.sample(after, 16, 100)
    assert len(drawn) == len({m.id for m in drawn}) == 100
    kept = {m.id for m in drawn if m.path == "model/a.py"}
    assert kept and kept <= {m.id for m in redrawn}  # a.py's share is drawn again
    assert drawn != mutation.sample(before, 17, 100)  # the seed decides the sample
