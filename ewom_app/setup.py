"""What the app runs: a preset plus the user's changes, validated by the engine's own schema.

Every control in the app is one dotted scenario key (``ewom.model``, ``brands.1.budget``,
``seed``...). A change is applied by re-loading the preset with all current changes as
``--set``-style overrides, so the app accepts exactly what ``ewom run --set`` accepts
and shows the engine's one-line :class:`~model.errors.EwomError` for anything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.model import EwomModel
from ewom_abm.model.scenario import Scenario

DEFAULT_PRESET = "lesson1_seeding"
SEED_MAX = 2**32 - 1


def presets() -> list[str]:
    """Every scenario file in ``scenarios/``, lessons first."""
    names = scenario.scenario_names()
    lessons = [n for n in names if n.startswith("lesson")]
    return lessons + [n for n in names if not n.startswith("lesson")]


def default_preset() -> str:
    names = presets()
    return DEFAULT_PRESET if DEFAULT_PRESET in names else names[0]


def format_value(value: Any) -> str:
    """A Python value as the text ``--set KEY=TEXT`` parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def build_config(preset: str, overrides: dict[str, Any]) -> Scenario:
    """The preset with the overrides applied and validated (raises EwomError)."""
    items = [f"{key}={format_value(value)}" for key, value in overrides.items()]
    return scenario.load(preset, items)


def parse_seed(text: str) -> int:
    """The seed typed into the seed box, or an EwomError saying what is allowed."""
    cleaned = str(text).strip().replace("_", "")
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if not cleaned.isdigit():
        shown = str(text).strip() or "an empty box"
        raise EwomError(f"seed: {shown!r} is not a whole number; type an integer from 0 to "
                        f"{SEED_MAX:,}, e.g. 42" if str(text).strip() else
                        f"seed: {shown}; type an integer from 0 to {SEED_MAX:,}, e.g. 42")
    seed = int(cleaned)
    if seed > SEED_MAX:
        raise EwomError(f"seed: {seed} is too large; type an integer from 0 to {SEED_MAX:,}")
    return seed


@dataclass
class Setup:
    """One browser session's current settings (mutable): the model is rebuilt from them."""

    preset: str = field(default_factory=default_preset)
    overrides: dict[str, Any] = field(default_factory=dict)
    config: Scenario = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = build_config(self.preset, self.overrides)

    def trial(self, preset: str | None = None, changes: dict[str, Any] | None = None,
              *, clear: bool = False) -> tuple[str, dict[str, Any], Scenario]:
        """Validate a change without applying it: (preset, overrides, config)."""
        preset = preset or self.preset
        overrides = {} if clear or preset != self.preset else dict(self.overrides)
        overrides.update(changes or {})
        return preset, overrides, build_config(preset, overrides)

    def apply(self, preset: str, overrides: dict[str, Any], config: Scenario) -> None:
        self.preset, self.overrides, self.config = preset, overrides, config


class AppModel(EwomModel):
    """The engine's model built from a session's :class:`Setup`, stopping at its horizon.

    Mesa's controller rebuilds a model on Reset as ``type(model)(**model_params)``; passing
    the session's Setup as the only parameter makes Reset rebuild whatever the controls show.
    """

    def __init__(self, setup: Setup) -> None:
        super().__init__(setup.config)
        self.setup = setup
        self.running = self.steps < self.config.steps

    def step(self) -> None:
        super().step()
        if self.steps >= self.config.steps:
            self.running = False


def dream_value_max(config: Scenario) -> float:
    """Upper limit of the dream-value axis: the desire of a fully convinced, fully aware
    population of average status sensitivity, with the best-known brand's prestige."""
    sens = max(config.consumers.status_core, config.consumers.status_aspirational)
    prestige = max((b.prestige for b in config.brands), default=0.0)
    status = max(prestige + config.status.recognition, 0.0)
    return max((1.0 + sens * status) * 1.1, 0.1)
