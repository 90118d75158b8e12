"""Helpers shared by the tests: build a model from a preset plus ``--set``-style overrides."""

from __future__ import annotations

from pathlib import Path

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

REPO = Path(__file__).resolve().parents[1]


def build(*overrides: str, preset: str | None = None, **top) -> EwomModel:
    """A model from a preset (or the default) with ``--set``-style overrides."""
    return EwomModel(scenario.load(preset, list(overrides), **top))


def edge_file(tmp_path: Path, edges: list[tuple[int, int]], name: str = "g.txt") -> str:
    """Write an edge list and return its path, for hand-made graphs."""
    path = tmp_path / name
    path.write_text("".join(f"{u} {v}\n" for u, v in edges))
    return str(path)
