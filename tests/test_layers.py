"""The package's layers: what may import what, and what importing it does to the user's session."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_importing_the_package_leaves_the_matplotlib_backend_alone():
    """A notebook user's backend survives importing every module that draws."""
    code = ("import matplotlib; matplotlib.use('svg'); "
            "import ewom_abm.plots, ewom_abm.batch.report, ewom_abm.batch.calibrate, "
            "ewom_abm.batch.sensitivity, ewom_abm.app.draw; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "svg"


def test_layers_point_one_way():
    """model/ holds the rules and never reaches up: only model/model.py creates agents, and no
    rule imports the batch machinery or the app; agents apply decisions and never import the
    model class (they are handed their model)."""
    import ast
    from pathlib import Path

    import ewom_abm.agents
    import ewom_abm.model

    def imports(folder: Path) -> dict[str, set[str]]:
        found = {}
        for path in folder.glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.add(node.module)
                elif isinstance(node, ast.Import):
                    names.update(a.name for a in node.names)
            found[path.name] = names
        return found

    model = imports(Path(ewom_abm.model.__file__).parent)
    for name, names in model.items():
        reaching = {m for m in names if m.startswith(("ewom_abm.batch", "ewom_abm.app"))}
        assert not reaching, (name, reaching)
        if name != "model.py":
            assert not {m for m in names if m.startswith("ewom_abm.agents")}, name
    agents = imports(Path(ewom_abm.agents.__file__).parent)
    for name, names in agents.items():
        assert "ewom_abm.model.model" not in names, name
        assert not {m for m in names if m.startswith(("ewom_abm.batch", "ewom_abm.app"))}, name
