"""What the app runs: a preset plus the user's changes, validated by the engine's own schema.

Every control in the app is one dotted scenario key (``ewom.model``, ``brands.1.budget``,
``seed``...), described once in :data:`CONTROLS`: its label, its slider's range, when it is
shown. The settings panel is drawn from that table and the server checks changes against it,
so a key added there appears in the page and is accepted without other code changing.

A change is applied by re-loading the preset with all current changes as ``--set``-style
overrides, so the app accepts exactly what ``ewom run --set`` accepts and shows the engine's
one-line :class:`~model.errors.EwomError` for anything else. A typed value is parsed as
``--set`` parses it (``scenario.parse_value``); a slider only offers a convenient range of it.

The browser is untrusted: a page can send any value for any widget. So the server checks
every change against what the control can produce (``check_change``: a preset is one of the
presets, never a path; a number is a finite number no larger than the app runs; a choice is one
of its choices) before the schema sees it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError, describe, one_line
from ewom_abm.model.model import EwomModel
from ewom_abm.model.scenario import BRAND_STRATEGIES, EWOM_MODELS, NETWORK_KINDS, Scenario

DEFAULT_PRESET = "lesson1_seeding"
SEED_MAX = 2**32 - 1
TYPED_MAX_CHARS = 40  # a typed value longer than this is no number the app runs
# the largest network the app runs (bass_docking's size): steps stay interactive up to here;
# bigger networks belong to `ewom run` and `ewom sweep`
CONSUMERS_MAX = 100_000
STEPS_MAX = 1_000  # weeks a run may last in the app (the timeseries is kept for the charts)

# the scenario menu's groups, in order; a preset's group follows from its file name
LESSONS, STRATEGIES, DOCKING = ("Lessons", "Strategies, eWOM models and experiments",
                                "Docking and calibration")


def preset_group(name: str) -> str:
    """The menu group of a preset: lessons, docking (and calibration), or the rest."""
    if name.startswith("lesson"):
        return LESSONS
    if name.endswith("_docking") or name == "calibration":
        return DOCKING
    return STRATEGIES


def _always(config: Scenario, brand: int | None) -> bool:
    return True


@dataclass(frozen=True)
class Control:
    """One control of the settings panel: a scenario key and how the page offers it.

    ``key`` is dotted; ``brands.N.`` stands for each brand. A numeric control (no
    ``choices``) is a slider over ``lo``..``hi`` in steps of ``step`` with a box to type any
    value the schema accepts (up to ``cap``, the app's own limit, if set). ``shown`` and
    ``fixed`` decide, from the scenario (and the brand), whether the control is drawn and
    whether it can be changed; ``fixed`` controls say why in ``fixed_note``.
    """

    key: str
    label: str
    section: str
    unit: str = ""
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.01
    choices: tuple[Any, ...] = ()
    cap: float | None = None
    shown: Callable[[Scenario, int | None], bool] = _always
    fixed: Callable[[Scenario, int | None], bool] = lambda config, brand: False
    fixed_note: str = ""
    label_for: Callable[[Scenario], str] | None = None

    @property
    def numeric(self) -> bool:
        return not self.choices

    def title(self, config: Scenario) -> str:
        return self.label_for(config) if self.label_for else self.label

    def for_brand(self, i: int) -> str:
        """The dotted key of this control for brand ``i``."""
        return self.key.replace("brands.N.", f"brands.{i}.")


def _kind(config: Scenario) -> str:
    return config.network.kind


# sections in the order the panel shows them
SECTIONS = (("ewom", ""), ("brand", ""), ("network", "Network"), ("talk", "Word of mouth"),
            ("status", "Status"), ("run", "Run"))

CONTROLS: tuple[Control, ...] = (
    Control("ewom.model", "eWOM model", "ewom", choices=EWOM_MODELS),
    Control("brands.N.strategy", "Strategy", "brand", choices=BRAND_STRATEGIES),
    Control("brands.N.budget", "Budget per step", "brand", "cost units", 0, 500, 10),
    Control("brands.N.seeds", "Seeds at launch", "brand", "consumers", 0, 200, 1),
    Control("brands.N.price", "Price", "brand", "price units", 0, 5, 0.05),
    Control("brands.N.distribution", "Shops outside the core (exclusivity)", "brand",
            "share of would-be buyers who find it", 0, 1, 0.05,
            shown=lambda c, b: c.brands[b].strategy in ("exclusivity", "adaptive")),
    Control("brands.N.status_weight", "Status weight", "brand",
            "how much status matters for it, 0 to 1", 0, 1, 0.05),
    Control("brands.N.exclusivity_weight", "Exclusivity weight (adaptive)", "brand",
            "dilution counted against reach", 0, 100, 5,
            shown=lambda c, b: c.brands[b].strategy == "adaptive"),
    Control("network.kind", "Network kind", "network", choices=NETWORK_KINDS),
    Control("network.n", "Consumers", "network", "people", 100, 20_000, 100,
            cap=CONSUMERS_MAX, fixed=lambda c, b: _kind(c) == "file",
            fixed_note="the network file decides how many consumers there are"),
    Control("network.mean_degree", "Friends per consumer", "network", "mean", 1, 30, 1,
            shown=lambda c, b: _kind(c) not in ("file", "complete"),
            label_for=lambda c: "Contacts per step" if _kind(c) == "global"
            else "Friends per consumer"),
    Control("ewom.p_share", "Share chance per friend", "talk", "probability per step",
            0, 0.3, 0.005),
    Control("ewom.p_external", "Advertising reach per step", "talk", "probability per step",
            0, 0.03, 0.0005),
    Control("ewom.follower_share", "Followers pass it on", "talk", "weight, 0 to 1", 0, 1,
            0.05, shown=lambda c, b: c.ewom.model == "linear"),
    Control("ewom.pushback", "Community pushback", "talk", "probability", 0, 0.5, 0.01,
            shown=lambda c, b: c.ewom.model == "coproduction"),
    Control("status.snob", "Snob effect (owners dilute status)", "status",
            "status lost as all friends own it", 0, 10, 0.5),
    Control("consumers.status_sensitivity_core", "Status sensitivity of the core", "status",
            "0 to 1", 0, 1, 0.05),
    Control("steps", "Steps (weeks)", "run", "weeks", 10, 200, 1, cap=STEPS_MAX),
)
BY_KEY = {c.key: c for c in CONTROLS}
_BRAND = re.compile(r"^brands\.(\d+)\.")


def control(key: str) -> Control | None:
    """The control of a dotted key (``brands.3.price`` -> the ``brands.N.price`` control)."""
    return BY_KEY.get(_BRAND.sub("brands.N.", key))


def value_of(config: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario."""
    node: Any = config
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def shown_value(model: EwomModel, key: str) -> Any:
    """The value the running model uses for a control's key: its config's, except the
    consumers of a network read from a file (the file decides how many)."""
    if key == "network.n":
        return model.n
    return value_of(model.config, key)


def label_key(key: str, config: Scenario) -> str:
    """A key as people read it: the control's label (with the brand's name) or the key."""
    ctl = control(key)
    if ctl is None:
        return key
    m = _BRAND.match(key)
    label = ctl.title(config)
    if m and int(m[1]) < len(config.brands):
        return f"{config.brands[int(m[1])].name} {label[0].lower()}{label[1:]}"
    return label


# --------------------------------------------------------------------------- presets

def presets() -> list[str]:
    """Every scenario file in ``scenarios/``, grouped as the menu shows them."""
    return [name for _, names in preset_groups() for name in names]


def preset_groups() -> list[tuple[str, list[str]]]:
    """The presets by menu group (lessons, strategies and models, docking), each sorted."""
    groups: dict[str, list[str]] = {LESSONS: [], STRATEGIES: [], DOCKING: []}
    for name in scenario.scenario_names():
        groups[preset_group(name)].append(name)
    return [(title, names) for title, names in groups.items() if names]


def default_preset() -> str:
    names = presets()
    return DEFAULT_PRESET if DEFAULT_PRESET in names else names[0]


def check_preset(name: Any) -> str:
    """A preset the app offers: never a path to some file on the server."""
    names = presets()
    if not isinstance(name, str) or name not in names:
        shown = one_line(repr(name), 60)
        raise EwomError(f"scenario: {shown} is not one of the presets; choose one from the list")
    return name


# --------------------------------------------------------------------------- values

def format_value(value: Any) -> str:
    """A Python value as the text ``--set KEY=TEXT`` parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def parse_seed(text: str) -> int:
    """The seed typed into the seed box, or an EwomError saying what is allowed."""
    raw = str(text).strip()
    cleaned = raw.replace("_", "").removeprefix("+")
    allowed = f"type an integer from 0 to {SEED_MAX:,}, e.g. 42"
    if not raw:
        raise EwomError(f"seed: an empty box; {allowed}")
    # ASCII digits only: '²' and other Unicode digits pass str.isdigit but not int()
    if len(cleaned) > len(str(SEED_MAX)) + 20 or not (cleaned.isascii() and cleaned.isdigit()):
        shown = one_line(repr(raw), 30)
        if cleaned.isascii() and cleaned.isdigit():
            raise EwomError(f"seed: {shown} is too large; {allowed}")
        raise EwomError(f"seed: {shown} is not a whole number; {allowed}")
    seed = int(cleaned)
    if seed > SEED_MAX:
        raise EwomError(f"seed: {seed} is too large; {allowed}")
    return seed


def parse_typed(key: str, text: Any) -> Any:
    """A value typed into a control's box, read as ``--set KEY=TEXT`` reads it (the schema then
    checks it); text no number could be is refused here in the schema's words."""
    if key == "seed":
        return parse_seed(text)
    if not isinstance(text, str):
        raise EwomError(f"{key}: {one_line(repr(text), 40)} is not text")
    raw = text.strip()
    if not raw or len(raw) > TYPED_MAX_CHARS or "\n" in raw or "\r" in raw:
        shown = one_line(repr(text.strip()), 30) if text.strip() else "an empty box"
        raise EwomError(f"{key}: expected a number, got {shown}")
    return scenario.parse_value(raw, scenario.field_type(key))


def check_change(key: str, value: Any, config: Scenario) -> Any:
    """A value the control for ``key`` can produce, typed as the schema wants it; anything
    else is refused in one line (the browser may send anything). Ranges are the schema's,
    checked when the scenario is loaded, plus the app's own caps (``Control.cap``)."""
    m = _BRAND.match(key)
    if m and int(m[1]) >= len(config.brands):
        raise EwomError(f"{key}: there is no brand {m[1]}")
    if key == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
            raise EwomError(f"seed: {one_line(repr(value), 40)} is not allowed; type an "
                            f"integer from 0 to {SEED_MAX:,}")
        return value
    ctl = control(key)
    if ctl is None:
        raise EwomError(f"{key}: not a setting the app offers")
    if ctl.fixed(config, int(m[1]) if m else None):
        raise EwomError(f"{key}: cannot be changed here: {ctl.fixed_note}")
    if ctl.numeric:
        shown = one_line(repr(value), 40)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EwomError(f"{key}: expected a number, got {shown}")
        if not math.isfinite(value):
            raise EwomError(f"{key}: expected a finite number, got {value}")
        if ctl.cap is not None and value > ctl.cap:
            raise EwomError(f"{key}: {value:,g} is more than the app runs (at most "
                            f"{ctl.cap:,g}); use `ewom run` for more")
        typ = scenario.field_type(key)
        if typ is float and isinstance(value, int):
            return float(value)
        return value
    if not any(value is c or (type(value) is type(c) and value == c) for c in ctl.choices):
        raise EwomError(f"{key}: {one_line(repr(value), 40)} is not one of "
                        f"{', '.join(format_value(c) for c in ctl.choices)}")
    return value


def snap(key: str, value: float) -> float | int:
    """A slider's position as the value it stands for: on the slider's grid (a browser sends
    0.30000000000000004), whole for integer keys."""
    ctl = control(key)
    if ctl is not None and ctl.numeric and ctl.step > 0 and math.isfinite(value):
        decimals = max(0, -math.floor(math.log10(ctl.step)) + 2)
        value = round(round((value - ctl.lo) / ctl.step) * ctl.step + ctl.lo, decimals)
    if scenario.field_type(key) is int and math.isfinite(value) and abs(value) < 1e18:
        return round(value)
    return value


# --------------------------------------------------------------------------- the session

def build_config(preset: str, overrides: dict[str, Any]) -> Scenario:
    """The preset with the overrides applied and validated (raises EwomError)."""
    items = [f"{key}={format_value(value)}" for key, value in overrides.items()]
    return scenario.load(preset, items)


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
        untrusted), then the whole scenario against the schema and the size limits. A value
        equal to the preset's own drops its override (the command line stays short)."""
        preset = self.preset if preset is None else check_preset(preset)
        overrides = {} if clear or preset != self.preset else dict(self.overrides)
        base = self.config if preset == self.preset else build_config(preset, {})
        for key, value in (changes or {}).items():
            overrides[key] = check_change(key, value, base)
        config = build_config(preset, overrides)
        if overrides:
            plain = build_config(preset, {})
            for key in list(overrides):
                try:
                    same = value_of(plain, key) == value_of(config, key)
                except (AttributeError, IndexError):
                    same = False
                if same:
                    del overrides[key]
        return preset, overrides, config

    def apply(self, preset: str, overrides: dict[str, Any], config: Scenario) -> None:
        self.preset, self.overrides, self.config = preset, overrides, config


class AppModel(EwomModel):
    """The engine's model built from a session's :class:`Setup`, stopping at its horizon."""

    def __init__(self, setup: Setup) -> None:
        super().__init__(setup.config)
        self.setup = setup
        self.running = self.steps < self.config.steps

    def step(self) -> None:
        super().step()
        if self.steps >= self.config.steps:
            self.running = False
