"""The current setup as something to re-run outside the app: a command line and a TOML file.

``command`` gives ``ewom run PRESET --set KEY=VALUE ...`` (what the class changed, nothing
else); ``scenario_toml`` gives the preset's own file with those changes written in, so
``ewom run FILE`` runs the same scenario. Both come back through the scenario schema to the
same configuration as the app's (tests/test_app.py checks it).
"""

from __future__ import annotations

import json
import math
import shlex
from datetime import date
from typing import Any

from ewom_abm import __version__
from ewom_abm.app.setup import Setup, format_value
from ewom_abm.model import scenario


def command(setup: Setup) -> str:
    """The ``ewom run`` line for the preset plus the session's changes."""
    items = [f"{key}={format_value(value)}" for key, value in setup.overrides.items()]
    sets = " ".join(f"--set {shlex.quote(item)}" for item in items)
    return f"ewom run {setup.preset}" + (f" {sets}" if sets else "")


def scenario_data(setup: Setup) -> dict[str, Any]:
    """The preset's raw data with the changes applied, as a scenario file holds it. A network
    file's path is written out in full (the preset's relative path would resolve against
    wherever the downloaded file is saved)."""
    data = scenario.read_toml(scenario.resolve_path(setup.preset))
    data.setdefault("name", setup.preset)
    for key, value in setup.overrides.items():
        scenario.set_key(data, key, value)
    if setup.config.network.path:
        data.setdefault("network", {})["path"] = setup.config.network.path
    return data


def file_name(setup: Setup) -> str:
    return f"{setup.preset}{'-changed' if setup.overrides else ''}.toml"


def scenario_toml(setup: Setup) -> str:
    """The scenario file: ``ewom run`` on it runs what the app runs."""
    head = [f"# {setup.preset} as set in the ewom-abm app ({__version__}, {date.today()})",
            f"# run it with: ewom run {file_name(setup)}"]
    if setup.overrides:
        head.append("# changed from the preset: " + ", ".join(
            f"{k} = {format_value(v)}" for k, v in setup.overrides.items()))
    if setup.config.network.path:
        head.append("# network.path is where the network file is on the machine that ran "
                    "the app")
    return "\n".join(head) + "\n\n" + dumps(scenario_data(setup))


# --------------------------------------------------------------------------- TOML writing

def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ("-inf" if value < 0 else "inf") if math.isinf(value) else "nan"
        return repr(value)
    if isinstance(value, str):
        if "\n" in value and '"""' not in value and "\\" not in value and all(
                (ch >= " " and ch != "\x7f") or ch in "\n\t" for ch in value):
            return f'"""\n{value}"""'  # a multi-line basic string, as the presets write it
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text for scenario data: values first, then tables, then arrays of tables."""
    lines = [f"{k} = {_scalar(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not _is_table_array(v)]
    blocks = ["\n".join(lines)] if lines else []
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            blocks.append(f"[{name}]\n" + dumps(v, f"{name}.").strip())
        elif _is_table_array(v):
            for item in v:
                blocks.append(f"[[{name}]]\n" + dumps(item, f"{name}.").strip())
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"
