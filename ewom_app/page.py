"""ewom-abm interactive app: pick a scenario, press play, watch word of mouth move.

    ewom app                     (or: ewom app, or: solara run app.py)

Built on Mesa's SolaraViz, which supplies the page frame and the Step / Play / Reset
controller; the scenario picker, settings, KPIs, network picture and charts are this
project's own components (this package). See docs/TEACHING.md for the lessons.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz

from ewom_abm.app.components import ChartsView, Kpis, Lesson, NetworkView, Settings
from ewom_abm.app.setup import AppModel, Setup, build_model, parse_seed, presets
from ewom_abm.model.errors import EwomError, describe

TITLE = "eWOM lab: word of mouth, reach and dilution"

try:  # the "runs on Solara" corner banner would sit on top of the charts
    from solara.server import settings as _server_settings

    _server_settings.theme.show_banner = False
except ImportError:  # pragma: no cover - solara without its server (widget tests)
    pass

CSS = """
.ewom-title { margin: 0; font-size: 1.35rem; font-weight: 600; }
.ewom-description p, .ewom-look p, .ewom-try p { margin: 0.2em 0 0.4em 0; line-height: 1.4; }
.ewom-description { font-size: 0.92rem; }
.ewom-look, .ewom-try { font-size: 0.95rem; }
.ewom-look, .ewom-try { padding: 6px 12px; border-radius: 6px; }
.ewom-look { background: rgba(31, 120, 180, 0.08); }
.ewom-try { background: rgba(51, 160, 44, 0.08); }
.ewom-look h4, .ewom-try h4 { margin: 4px 0; }
.ewom-step { font-size: 1.3rem; }
.ewom-done { color: #b45309; font-weight: 600; }
.ewom-muted { color: #6b7280; }
.ewom-help { font-size: 0.85rem; margin: -6px 0 8px 0; }
.ewom-subhead { font-weight: 600; margin: 14px 0 2px 0; }
.ewom-kpi { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
.ewom-kpi th, .ewom-kpi td { padding: 4px 10px; text-align: right; white-space: nowrap; }
.ewom-kpi th:nth-child(-n+2), .ewom-kpi td:nth-child(-n+2) { text-align: left; }
.ewom-kpi tr + tr td { border-top: 1px solid rgba(128, 128, 128, 0.25); }
.ewom-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
               margin-right: 6px; vertical-align: -1px; }
.ewom-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 0.9rem;
               margin-top: 6px; }
.ewom-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
            margin-right: 5px; vertical-align: -1px; }
.ewom-note { margin-top: 6px; padding: 6px 10px; border-left: 4px solid #f59e0b;
             background: rgba(245, 158, 11, 0.1); font-size: 0.9rem; }
.ewom-card-title { margin: 0 0 6px 0; font-size: 1.05rem; font-weight: 600; }
.ewom-network-image img, .ewom-charts-image img, img.ewom-network-image,
img.ewom-charts-image { max-width: 100%; height: auto; }
.ewom-seed { max-width: 150px; }
/* Mesa's "Model Parameters" card: empty here (our settings card replaces it) */
.v-card:has(> .v-card__text > .v-sheet.d-flex:empty) { display: none; }
"""


@solara.component
def _Sidebar(child: solara.Element, depth: int):  # noqa: N802
    if depth > 0:
        _Sidebar(child, depth - 1)
        return
    with solara.Sidebar():
        solara.Column(children=[child])


@solara.component
def SidebarBelowMesa(child: solara.Element):  # noqa: N802
    """Solara orders sidebar content by how deep in the component tree it is declared:
    declaring ours a few levels deeper than SolaraViz's puts the scenario settings below
    Mesa's Step / Play / Reset card."""
    _Sidebar(child, 4)


@solara.component
def Page():  # noqa: N802
    setup = solara.use_memo(Setup, [])
    first = solara.use_memo(lambda: AppModel(setup), [])
    model = solara.use_reactive(first)
    config = solara.use_reactive(setup.config)
    error = solara.use_reactive(None)
    seed_error = solara.use_reactive(None)
    brand = solara.use_reactive(0)
    viz_key = solara.use_reactive(0)

    def rebuild(preset: str | None = None, changes: dict[str, Any] | None = None,
                clear: bool = False) -> bool:
        """Validate the change, rebuild the model from it, or show why not."""
        try:
            name, overrides, cfg = setup.trial(preset, changes, clear=clear)
            old = (setup.preset, setup.overrides, setup.config)
            setup.apply(name, overrides, cfg)
            try:
                new = build_model(setup)
            except EwomError:
                setup.apply(*old)
                raise
        except Exception as exc:  # the page shows it; the old model stays
            error.set(str(exc) if isinstance(exc, EwomError) else describe(exc, 200))
            return False
        ended = not model.value.running
        model.set(new)
        config.set(cfg)
        error.set(None)
        seed_error.set(None)
        if brand.value >= len(cfg.brands):
            brand.set(0)
        if ended:  # Mesa's controller keeps the 'finished' state: give it a fresh one
            viz_key.set(viz_key.value + 1)
        return True

    def on_seed(text: str) -> None:
        try:
            seed = parse_seed(text)
        except EwomError as exc:
            seed_error.set(str(exc))
            return
        seed_error.set(None)
        if seed != config.value.seed:
            rebuild(changes={"seed": seed})

    solara.Title(TITLE)
    solara.Style(CSS)
    if viz_key.value % 2:
        # Mesa's controller remembers a finished run (Step and Play disabled until Reset).
        # Its sidebar card is reconciled by position in the app layout's sidebar, so an
        # invisible entry before it, toggled after each finished run, mounts a fresh one.
        with solara.Sidebar():
            solara.Div(style={"display": "none"})
    with solara.Div(style={"display": "none"}):  # its app bar and sidebar are portals
        SolaraViz(model, components=[], model_params={"setup": setup}, name=TITLE,
                  play_interval=150)
    SidebarBelowMesa(Settings(
        config.value, on_change=lambda ch: rebuild(changes=ch),
        on_restore=lambda: rebuild(setup.preset, clear=True), error=error.value,
        seed_error=seed_error.value, on_seed=on_seed))
    with solara.Column(style={"padding": "8px 12px", "gap": "12px"}):
        Lesson(config.value, setup.preset, presets(),
               on_preset=lambda name: rebuild(name, clear=True))
        Kpis(model.value)
        with solara.Columns([5, 6], gutters_dense=True):
            NetworkView(model.value, brand.value, on_brand=brand.set)
            ChartsView(model.value)
