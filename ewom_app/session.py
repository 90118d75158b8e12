"""One browser tab's app: its settings, its model, its earlier runs, and how they change.

Every change goes through :meth:`Session.rebuild` (validate, build, replace) and every step
through :meth:`Session.step`, under one lock, so the play loop and a click on a control never
see half a model. The page's components read the session's reactive values: ``tick`` moves on
every step and every new model (the KPIs, the pictures and the step counter follow it),
``model`` only with a new model (the settings panel follows it), ``errors`` and ``revision``
with every attempted change (so a refused value snaps back to what the model uses).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

import reacton.core
import solara

from ewom_abm.app.charts import Charts
from ewom_abm.app.history import History
from ewom_abm.app.setup import AppModel, Setup, build_model, parse_typed, snap, value_of
from ewom_abm.model.errors import EwomError, describe

GENERAL = ""  # errors not tied to one control
SPEEDS = (1.0, 2.0, 4.0, 8.0, 16.0)  # steps per second the play loop aims at
DEFAULT_SPEED = 4.0


@dataclass(eq=False)
class Session:
    """The state of one tab (see the module docstring)."""

    setup: Setup
    model: solara.Reactive[AppModel]
    tick: solara.Reactive[int]
    playing: solara.Reactive[bool]
    speed: solara.Reactive[float]
    errors: solara.Reactive[dict[str, str]]
    revision: solara.Reactive[int]
    earlier: solara.Reactive[int]  # bumped when the earlier runs change
    history: History = field(default_factory=History)
    lock: threading.RLock = field(default_factory=threading.RLock)
    render: Any = None  # the tab's render context: changes made under it render once
    _charts: Charts | None = None
    _stale: bool = True  # the charts' earlier runs or axes are not this model's

    def batch(self) -> Any:
        """Group changes of several reactive values into one re-render of the page (each
        would otherwise re-render on its own)."""
        return self.render if self.render is not None else contextlib.nullcontext()

    # ------------------------------------------------------------------ running

    def step(self) -> bool:
        """One step of the model, if it has steps left; False when it has finished."""
        with self.lock:
            model = self.model.value
            if not model.running:
                return False
            model.step()
        with self.batch():
            self.tick.set(self.tick.value + 1)
        return model.running

    def reset(self) -> None:
        """The same settings from step 0 (the same seed: the same run)."""
        with self.batch():
            self.playing.set(False)
            self.rebuild(keep=False)

    # ------------------------------------------------------------------ changes

    def change(self, key: str, value: Any, source: str = "typed") -> bool:
        """A control's new value: ``typed`` text is read like ``--set``; a ``slider`` position
        is put on the slider's grid; a ``choice`` is taken as sent. Refused values leave the
        model as it is and say why beside the control."""
        try:
            if source == "typed":
                value = parse_typed(key, value)
            elif source == "slider":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise EwomError(f"{key}: expected a number, got {value!r}"[:200])
                value = snap(key, float(value))
        except EwomError as exc:
            self._refuse(key, str(exc))
            return False
        try:
            same = value == value_of(self.setup.config, key)
        except (AttributeError, IndexError, ValueError):
            same = False
        if same:  # the value the model already uses (Enter, then leaving the box)
            with self.batch():
                self.errors.set({})
                self.revision.set(self.revision.value + 1)
            return True
        return self.rebuild(changes={key: value}, error_key=key)

    def rebuild(self, preset: str | None = None, changes: dict[str, Any] | None = None,
                clear: bool = False, error_key: str = GENERAL, keep: bool = True) -> bool:
        """Validate the change, build the model from it and put it on screen, or show why not
        (the old model stays). ``keep``: the run on screen becomes an earlier run."""
        try:
            name, overrides, cfg = self.setup.trial(preset, changes, clear=clear)
            with self.lock:
                old_setup = (self.setup.preset, self.setup.overrides, self.setup.config)
                self.setup.apply(name, overrides, cfg)
                try:
                    new = build_model(self.setup)
                except EwomError:
                    self.setup.apply(*old_setup)
                    raise
                old = self.model.value
                if name != old_setup[0] or [b.name for b in cfg.brands] != \
                        [b.name for b in old.config.brands]:
                    self.history.clear()
                elif keep and old.config != cfg:
                    self.history.keep(old.config, old.timeseries())
                self._stale = True
        except Exception as exc:  # the page shows it; the old model stays
            self._refuse(error_key, str(exc) if isinstance(exc, EwomError)
                         else describe(exc, 200))
            return False
        with self.batch():
            self.playing.set(False)
            self.model.set(new)
            self.errors.set({})
            self.revision.set(self.revision.value + 1)
            self.earlier.set(self.earlier.value + 1)
            self.tick.set(self.tick.value + 1)
        return True

    def _refuse(self, key: str, message: str) -> None:
        with self.batch():
            self.errors.set({key: message})
            self.revision.set(self.revision.value + 1)  # controls snap back to the model's

    def clear_earlier(self) -> None:
        with self.lock:
            self.history.clear()
            self._stale = True
        with self.batch():
            self.earlier.set(self.earlier.value + 1)
            self.tick.set(self.tick.value + 1)

    # ------------------------------------------------------------------ pictures

    def charts(self) -> Charts:
        """This tab's charts (with this tab's earlier runs): made again only when the brands
        or the horizon change."""
        with self.lock:
            config = self.model.value.config
            brands = [b.name for b in config.brands]
            painter = self._charts
            if painter is None or painter.brands != brands or \
                    painter.horizon != max(config.steps, 1):
                painter = self._charts = Charts(brands, config.steps)
                self._stale = True
            if self._stale:
                painter.set_earlier([r.series for r in self.history.runs])
                self._stale = False
            return painter


def use_session() -> Session:
    """The session of the tab rendering this component (made on its first render)."""
    setup = solara.use_memo(Setup, [])
    first = solara.use_memo(lambda: AppModel(setup), [])
    reactives = {
        "model": solara.use_reactive(first),
        "tick": solara.use_reactive(0),
        "playing": solara.use_reactive(False),
        "speed": solara.use_reactive(DEFAULT_SPEED),
        "errors": solara.use_reactive({}),
        "revision": solara.use_reactive(0),
        "earlier": solara.use_reactive(0),
    }
    render = reacton.core.get_render_context(required=False)
    return solara.use_memo(lambda: Session(setup, **reactives, render=render), [])
