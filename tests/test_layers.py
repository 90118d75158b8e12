"""The package's layers: what may import what, and what importing it does to the user's session."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_package_leaves_the_matplotlib_backend_alone():
    """A notebook user's backend survives importing every module that draws."""
    code = ("import matplotlib; matplotlib.use('svg'); "
            "import ewom_abm.model.plots, ewom_abm.batch.report, ewom_abm.batch.calibrate, "
            "ewom_abm.batch.sensitivity, ewom_abm.app.draw; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "svg"
