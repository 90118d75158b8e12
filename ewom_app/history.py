"""Earlier runs of a session, kept so the charts can show before and after together.

When a setting changes, the run that was on screen (if it had started) is kept with its
scenario; the charts draw the last few as faded lines, each labelled with how it differs from
the run now on screen ("Maison price 0.5 → 2.0"). A new preset starts a new comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ewom_abm.app.setup import label_key
from ewom_abm.model.scenario import Scenario

KEEP = 3  # earlier runs drawn at most
_TEXT_KEYS = {"name", "title", "description", "look_for", "try_this"}


@dataclass(frozen=True)
class EarlierRun:
    """A run that was replaced: its scenario and its KPIs as far as it went."""

    config: Scenario
    series: pd.DataFrame


def flatten(config: Scenario) -> dict[str, Any]:
    """Every parameter by dotted key (``brands.0.price``), texts left out."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{prefix}{i}.")
        else:
            out[prefix[:-1]] = node

    walk({k: v for k, v in config.to_dict().items() if k not in _TEXT_KEYS}, "")
    return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def differences(old: Scenario, new: Scenario) -> list[tuple[str, Any, Any]]:
    """(key, old value, new value) for every parameter that differs."""
    a, b = flatten(old), flatten(new)
    return [(k, a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]


def describe(old: Scenario, new: Scenario, most: int = 2) -> str:
    """How the run of ``old`` differs from the one of ``new``: ``price 0.5 → 2.0``."""
    diffs = differences(old, new)
    if not diffs:
        return "same settings"
    parts = [f"{label_key(k, new)} {_show(a)} → {_show(b)}" for k, a, b in diffs[:most]]
    more = len(diffs) - most
    return ", ".join(parts) + (f" (+{more} more)" if more > 0 else "")


@dataclass
class History:
    """The earlier runs one browser session keeps (oldest first)."""

    runs: list[EarlierRun] = field(default_factory=list)

    def keep(self, config: Scenario, series: pd.DataFrame) -> None:
        """Keep a replaced run, if it got past its launch; drop the oldest beyond ``KEEP``."""
        if series.empty or int(series["step"].max()) < 1:
            return
        self.runs = [*self.runs, EarlierRun(config, series)][-KEEP:]

    def clear(self) -> None:
        self.runs = []

    def labels(self, now: Scenario) -> list[tuple[int, str]]:
        """(number from 1, oldest first; how it differs from the run now on screen)."""
        return [(i, describe(r.config, now)) for i, r in enumerate(self.runs, start=1)]
