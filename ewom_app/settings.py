"""The settings panel: every control of ``setup.CONTROLS``, drawn from the table.

Each control shows the value the running model uses, always: a control holds no value of its
own, so after a refused change, a preset, a reset or "Back to the preset's values" it shows
the model's again. A numeric control is a slider for a convenient range plus a box that takes
any value ``--set`` takes (the slider's range widens to show a value beyond it); its label sits
above it and wraps, and an error about it appears right under it.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as rv
import solara

from ewom_abm.app.draw import brand_color
from ewom_abm.app.session import GENERAL, Session
from ewom_abm.app.setup import CONTROLS, SECTIONS, Control, format_value, shown_value
from ewom_abm.model.model import EwomModel

EWOM_HELP = {
    "organic": "organic: consumers talk among themselves",
    "linear": "linear: brand → opinion leaders → followers",
    "coproduction": "coproduction: everyone retells, message drifts",
}
NETWORK_HELP = {
    "erdos_renyi": "random (Erdős-Rényi)",
    "watts_strogatz": "small world (Watts-Strogatz)",
    "barabasi_albert": "scale-free (Barabási-Albert)",
    "stochastic_block": "communities (stochastic block)",
    "complete": "complete graph",
    "global": "global mixing (no network)",
    "file": "real network from file",
}
Commit = Callable[[str, Any, str], Any]


def note_for(key: str, model: EwomModel) -> str | None:
    """What the model makes of a value, where that is not the value itself."""
    net = model.config.network
    if key == "network.mean_degree" and net.kind in ("watts_strogatz", "barabasi_albert"):
        used = 2 * max(1, round(net.mean_degree / 2))
        if used != net.mean_degree:
            return f"this generator uses the nearest even number: {used}"
    return None


@solara.component
def ControlFrame(key: str, label: str, unit: str, children: list, note: str | None = None,  # noqa: N802
                 error: str | None = None):
    """A control's label above it (wrapping), the control, then its note and its error."""
    head = html.escape(label) + (f" <span class='ewom-unit'>({html.escape(unit)})</span>"
                                 if unit else "")
    body = [solara.HTML(tag="div", unsafe_innerHTML=head, classes=["ewom-control-label"]),
            *children]
    if note:
        body.append(solara.HTML(tag="div", unsafe_innerHTML=html.escape(note),
                                classes=["ewom-control-note"]))
    if error:
        body.append(rv.Html(tag="div", children=[error], class_="ewom-control-error",
                            attributes={"role": "alert"}))
    return rv.Html(tag="div", class_="ewom-control", attributes={"data-key": key},
                   children=body)


@solara.component
def NumberControl(ctl: Control, key: str, label: str, value: float, on_commit: Commit,  # noqa: N802
                  disabled: bool = False, note: str | None = None, error: str | None = None):
    """A slider and a box, both showing ``value``; either commits (the slider on release, the
    box on Enter or leaving it)."""
    lo, hi = min(ctl.lo, value), max(ctl.hi, value)
    slider = rv.Slider(v_model=value, min=lo, max=hi, step=ctl.step, hide_details=True,
                       disabled=disabled, class_="ewom-track", attributes={"aria-label": label})
    box = rv.TextField(v_model=format_value(value), dense=True, outlined=True,
                       hide_details=True, disabled=disabled, class_="ewom-box",
                       attributes={"aria-label": f"{label}, typed"})

    def slid(_widget, _event, data):
        on_commit(key, data, "slider")

    def typed(_widget, _event, data):
        on_commit(key, data, "typed")

    rv.use_event(slider, "change", slid)
    rv.use_event(box, "change", typed)
    row = rv.Html(tag="div", class_="ewom-control-row", children=[slider, box])
    return ControlFrame(key, label, ctl.unit, [row], note, error)


@solara.component
def ChoiceControl(ctl: Control, key: str, label: str, value: Any, on_commit: Commit,  # noqa: N802
                  choices: list[Any], help_text: str | None = None, error: str | None = None):
    select = rv.Select(v_model=value, items=list(choices), dense=True, hide_details=True,
                       class_="ewom-choice", attributes={"aria-label": label},
                       on_v_model=lambda v: on_commit(key, v, "choice"))
    return ControlFrame(key, label, ctl.unit, [select], help_text, error)


@solara.component
def SeedControl(value: int, on_commit: Commit, error: str | None = None):  # noqa: N802
    box = rv.TextField(v_model=str(value), dense=True, outlined=True, hide_details=True,
                       class_="ewom-box ewom-seed", attributes={"aria-label": "Seed, typed"})
    rv.use_event(box, "change", lambda _w, _e, data: on_commit("seed", data, "typed"))
    dice = solara.Button(icon_name="mdi-dice-5-outline", icon=True, classes=["ewom-dice"],
                         on_click=lambda: on_commit("seed", str(random.randrange(1, 10**6)),
                                                    "typed"))
    row = rv.Html(tag="div", class_="ewom-control-row", children=[box, dice])
    return ControlFrame("seed", "Seed", "one seed decides the whole run", [row], None, error)


def _control(ctl: Control, model: EwomModel, brand: int | None, errors: dict[str, str],
             commit: Commit) -> solara.Element | None:
    config = model.config
    if not ctl.shown(config, brand):
        return None
    key = ctl.for_brand(brand) if brand is not None else ctl.key
    label = ctl.title(config)
    value = shown_value(model, key)
    if ctl.numeric:
        fixed = ctl.fixed(config, brand)
        return NumberControl(ctl, key, label, value, commit, disabled=fixed,
                             note=ctl.fixed_note if fixed else note_for(key, model),
                             error=errors.get(key)).key(key)
    choices = [c for c in ctl.choices if c != "file" or c == value]
    help_text = {"ewom.model": EWOM_HELP, "network.kind": NETWORK_HELP}.get(key, {}).get(value)
    return ChoiceControl(ctl, key, label, value, commit, choices, help_text,
                         errors.get(key)).key(key)


@solara.component
def Settings(session: Session):  # noqa: N802
    """The scenario's settings, drawn from ``setup.CONTROLS``; a change rebuilds the model."""
    model = session.model.value
    errors = session.errors.value
    session.revision.get()  # every attempt re-renders: refused values snap back
    config = model.config
    commit = session.change
    with solara.Card("Scenario settings", classes=["ewom-settings"]):
        if errors.get(GENERAL):
            solara.Error(errors[GENERAL], classes=["ewom-error"])
        for section, title in SECTIONS:
            controls = [c for c in CONTROLS if c.section == section]
            if section == "brand":
                for i, br in enumerate(config.brands):
                    solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML=(
                        f"<span class='ewom-swatch' style='background:{brand_color(i)}'></span>"
                        f"Brand: {html.escape(br.name)}"))
                    for ctl in controls:
                        _control(ctl, model, i, errors, commit)
                continue
            if title:
                solara.HTML(tag="div", classes=["ewom-subhead"],
                            unsafe_innerHTML=html.escape(title))
            for ctl in controls:
                _control(ctl, model, None, errors, commit)
            if section == "run":
                SeedControl(config.seed, commit, errors.get("seed"))
        solara.Button("Back to the preset's values", icon_name="mdi-restore", text=True,
                      classes=["ewom-restore"],
                      on_click=lambda: session.rebuild(session.setup.preset, clear=True))
