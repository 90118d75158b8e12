"""What the app runs: a preset plus the user's changes, validated by the engine's own schema.

Every control in the app is one dotted scenario key (``ewom.model``, ``brands.1.budget``,
``seed``...). A change is applied by re-loading the preset with all current changes as
``--set``-style overrides, so the app accepts exactly what ``ewom run --set`` accepts
and shows the engine's one-line :class:`~model.errors.EwomError` for anything else.

The browser is untrusted: a page can send any value for any widget. So the server checks
every change against what the control can produce (``check_change``: a preset is one of the
presets, never a path; a slider's value is a finite number within its range; a choice is one
of its choices) before the schema sees it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError, describe, one_line
from ewom_abm.model.model import EwomModel
from ewom_abm.model.scenario import BRAND_STRATEGIES, EWOM_MODELS, NETWORK_KINDS, Scenario

DEFAULT_PRESET = "lesson1_seeding"
SEED_MAX = 2**32 - 1


class Slider(NamedTuple):
    """A slider's range: all a browser may send for its key."""

    lo: float
    hi: float
    step: float


# the app's sliders by key ("brands.N." stands for any brand); components.py draws them
SLIDERS = {
    "brands.N.budget": Slider(0, 500, 10),
    "brands.N.seeds": Slider(0, 200, 1),
    "brands.N.price": Slider(0, 5, 0.05),
    "brands.N.distribution": Slider(0, 1, 0.05),
    "network.n": Slider(100, 20_000, 100),
    "network.mean_degree": Slider(1, 30, 1),
    "ewom.p_share": Slider(0, 0.3, 0.005),
    "ewom.p_external": Slider(0, 0.03, 0.0005),
    "ewom.follower_share": Slider(0, 1, 0.05),
    "ewom.pushback": Slider(0, 0.5, 0.01),
    "status.snob": Slider(0, 10, 0.5),
    "consumers.status_sensitivity_core": Slider(0, 1, 0.05),
    "steps": Slider(10, 200, 1),
}
# the app's selects and checkboxes by key, with every value they offer
CHOICES: dict[str, tuple[Any, ...]] = {
    "ewom.model": EWOM_MODELS,
    "brands.N.strategy": BRAND_STRATEGIES,
    "network.kind": NETWORK_KINDS,  # `file` only where the preset has a file: the schema says
}
_BRAND = re.compile(r"^brands\.(\d+)\.")


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


def build_model(setup: Setup) -> AppModel:
    """The session's model, or an EwomError saying why not: an error of the engine (a
    memory error past the size estimate included) is a message on the page, not a crash."""
    try:
        return AppModel(setup)
    except EwomError:
        raise
    except MemoryError:
        raise EwomError("network.n: not enough memory to build this model; choose fewer "
                        "consumers") from None
    except Exception as exc:  # an engine bug: still a message, and the old model stays
        raise EwomError(f"the model could not be built ({describe(exc, 200)})") from None


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


def check_preset(name: Any) -> str:
    """A preset the app offers: never a path to some file on the server."""
    names = presets()
    if not isinstance(name, str) or name not in names:
        shown = one_line(repr(name), 60)
        raise EwomError(f"scenario: {shown} is not one of the presets; choose one from the list")
    return name


def check_change(key: str, value: Any, config: Scenario) -> Any:
    """A value the control for ``key`` can produce, typed as the schema wants it; anything
    else is refused in one line (the browser may send anything)."""
    m = _BRAND.match(key)
    if m and int(m[1]) >= len(config.brands):
        raise EwomError(f"{key}: there is no brand {m[1]}")
    pattern = _BRAND.sub("brands.N.", key)
    if key == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
            raise EwomError(f"seed: {value!r} is not allowed; type an integer from 0 to "
                            f"{SEED_MAX:,}")
        return value
    if pattern in SLIDERS:
        lo, hi, _ = SLIDERS[pattern]
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or not lo <= value <= hi):
            shown = one_line(repr(value), 40)
            raise EwomError(f"{key}: {shown} is outside the control's range; allowed {lo:g} "
                            f"to {hi:g}")
        return round(value) if scenario.field_type(key) is int else float(value)
    if pattern in CHOICES:
        allowed = CHOICES[pattern]
        if not any(value is c or (type(value) is type(c) and value == c) for c in allowed):
            raise EwomError(f"{key}: {value!r} is not one of "
                            f"{', '.join(format_value(c) for c in allowed)}")
        return value
    raise EwomError(f"{key}: not a setting the app offers")


@dataclass
class Setup:
    """One browser session's current settings (mutable): the model is rebuilt from them."""

    preset: str = field(default_factory=default_preset)
    overrides: dict[str, Any] = field(default_factory=dict)
    config: Scenario = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = build_config(check_preset(self.preset), self.overrides)

    def trial(self, preset: str | None = None, changes: dict[str, Any] | None = None,
              *, clear: bool = False) -> tuple[str, dict[str, Any], Scenario]:
        """Validate a change without applying it: (preset, overrides, config). The preset and
        every changed value are checked against the app's controls first (the browser is
        untrusted), then the whole scenario against the schema and the size limits."""
        preset = self.preset if preset is None else check_preset(preset)
        overrides = {} if clear or preset != self.preset else dict(self.overrides)
        base = self.config if preset == self.preset else build_config(preset, {})
        for key, value in (changes or {}).items():
            overrides[key] = check_change(key, value, base)
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
    """Upper limit of the dream-value axis: dream value is a share of the aware, at most 1."""
    return 1.0
