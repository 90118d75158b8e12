"""Shared helpers: build a model from a preset plus ``--set``-style overrides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from model import scenario
from model.model import EwomModel

REPO = Path(__file__).resolve().parents[1]

# A consumer population with no heterogeneity and no funnel friction: an exposure is an adoption.
DOCKED = [
    "consumers.trait_spread=0", "consumers.share_propensity=1", "consumers.status_core=0",
    "consumers.status_aspirational=0", "funnel.p_interest=1", "funnel.p_adopt=1",
    "funnel.competition=0", "dilution.enabled=false", "ewom.advocate_boost=1",
    "ewom.reject_threshold=-1", "ewom.p_external=0", "brands.0.budget=0",
]


def build(*overrides: str, preset: str | None = None, **top) -> EwomModel:
    """A model from a preset (or the default) with ``--set``-style overrides."""
    return EwomModel(scenario.load(preset, list(overrides), **top))


def edge_file(tmp_path: Path, edges: list[tuple[int, int]], name: str = "g.txt") -> str:
    """Write an edge list and return its path, for hand-made graphs."""
    path = tmp_path / name
    path.write_text("".join(f"{u} {v}\n" for u, v in edges))
    return str(path)


@pytest.fixture
def make() -> Callable[..., EwomModel]:
    return build
