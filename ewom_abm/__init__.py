"""ewom-abm: electronic word of mouth about brands on a social graph, reach against dilution.

The research API (see ``ewom_abm.api`` and the README's "Use it from Python"):

    import ewom_abm as ew
    ew.presets()                                   # the shipped scenarios
    cfg = ew.load("organic", {"ewom.p_share": 0.08})
    res = ew.run(cfg, seed=3)                      # res.timeseries, res.summary
    runs = ew.sweep("organic", vary={"ewom.model": ["organic", "coproduction"]}, reps=10)
    cal = ew.calibrate("calibration", "colour_tv.csv", "sales", time_column="year",
                       kind="per_period", scale="count")

Imports are lazy: ``import ewom_abm`` loads nothing heavy until a function is used.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("ewom-abm")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.2.0"

__all__ = ["EwomError", "__version__", "calibrate", "load", "presets", "run", "sweep"]
_API = {"run", "sweep", "calibrate", "presets", "load"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from ewom_abm import api

        return getattr(api, name)
    if name == "EwomError":
        from ewom_abm.model.errors import EwomError

        return EwomError
    raise AttributeError(f"module 'ewom_abm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API, "EwomError"])
