"""ewom-abm interactive app: pick a scenario, press play, watch word of mouth move.

    ewom app                     (or: python run.py app, or: solara run app.py)

A Solara page in its app layout: the run controls and the step counter in the app bar (always
on screen), the scenario's settings and "share the setup" in the sidebar, and in the main
column the lesson, a KPI card per brand, the network picture, the charts (earlier runs faded
beside the current one) and "compare strategies". The model is stepped by the app's own small
play loop (player.py), not by Mesa's developer controller. See docs/TEACHING.md.
"""

from __future__ import annotations

import warnings

import reacton.ipyvuetify as rv
import solara

from ewom_abm.app.components import ChartsView, Kpis, Lesson, NetworkView
from ewom_abm.app.panels import ComparePanel, SharePanel
from ewom_abm.app.player import Player
from ewom_abm.app.session import use_session
from ewom_abm.app.settings import Settings

TITLE = "eWOM lab: word of mouth, reach and dilution"

# Solara warns, in twelve lines per page load, that a session cookie over plain http cannot be
# SameSite=None (it falls back to Lax, which is what a classroom server on http needs)
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                        category=UserWarning)

try:  # the "runs on Solara" corner banner would sit on top of the charts
    from solara.server import settings as _server_settings

    _server_settings.theme.show_banner = False
except ImportError:  # pragma: no cover - solara without its server (widget tests)
    pass

CSS = """
.ewom-title { margin: 0; font-size: 1.3rem; font-weight: 600; line-height: 1.3; }
.ewom-description p, .ewom-look p, .ewom-try p { margin: 0.2em 0 0.4em 0; line-height: 1.4; }
.ewom-description { font-size: 0.92rem; margin-top: 6px; }
.ewom-lesson-notes { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
                     gap: 10px; margin-top: 4px; }
.ewom-look, .ewom-try { font-size: 0.93rem; padding: 6px 12px; border-radius: 6px; }
.ewom-look { background: rgba(31, 120, 180, 0.08); }
.ewom-try { background: rgba(51, 160, 44, 0.08); }
.ewom-look h4, .ewom-try h4 { margin: 4px 0; }
.ewom-main { padding: 4px 8px; gap: 12px; }
.ewom-main > * { min-width: 0; }
.ewom-step { font-size: 1.1rem; white-space: nowrap; margin-left: 8px; }
.ewom-done { color: #fde68a; font-weight: 600; }
.ewom-player .v-btn { min-width: 0 !important; padding: 0 10px !important; }
.ewom-muted { color: #6b7280; }
.ewom-help { font-size: 0.85rem; margin: 2px 0 8px 0; }
.ewom-subhead { font-weight: 600; margin: 14px 0 2px 0; }
.ewom-info { font-size: 0.9rem; margin-bottom: 6px; }
.ewom-kpi { display: flex; flex-wrap: wrap; gap: 10px; }
.ewom-brand-card { flex: 1 1 340px; min-width: 0; border: 1px solid rgba(128,128,128,0.3);
                   border-radius: 6px; padding: 6px 10px 8px 10px; }
.ewom-brand-head { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 10px;
                   margin-bottom: 4px; font-size: 1rem; }
.ewom-strategy { color: #4b5563; font-size: 0.88rem; }
.ewom-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(104px, 1fr));
              gap: 6px 10px; }
.ewom-tile { min-width: 0; }
.ewom-tile-label { font-size: 0.78rem; color: #4b5563; line-height: 1.15; }
.ewom-tile-value { font-size: 1.3rem; font-weight: 600; line-height: 1.3;
                   font-variant-numeric: tabular-nums; white-space: nowrap; }
.ewom-tile-unit { font-size: 0.7rem; color: #6b7280; line-height: 1.1; }
.ewom-views { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(380px, 1.5fr);
              gap: 12px; align-items: start; }
@media (max-width: 1100px) { .ewom-views { grid-template-columns: minmax(0, 1fr); } }
.ewom-views > * { min-width: 0; }
.ewom-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
               margin-right: 6px; vertical-align: -1px; }
.ewom-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 0.88rem;
               margin-top: 6px; }
.ewom-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
            margin-right: 5px; vertical-align: -1px; }
.ewom-note { margin-top: 6px; padding: 6px 10px; border-left: 4px solid #f59e0b;
             background: rgba(245, 158, 11, 0.1); font-size: 0.88rem; }
.ewom-card-title { margin: 0 0 6px 0; font-size: 1.05rem; font-weight: 600; }
.ewom-network-image img, .ewom-charts-image img, .ewom-frontier-image img,
img.ewom-network-image, img.ewom-charts-image, img.ewom-frontier-image
  { max-width: 100%; height: auto; }
.ewom-earlier { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px;
                font-size: 0.88rem; }
.ewom-earlier-title { font-weight: 600; }
.ewom-earlier-list { margin: 0; padding-left: 0; list-style: none; }
.ewom-run-number { display: inline-block; min-width: 18px; height: 18px; border-radius: 9px;
                   border: 1px solid #9ca3af; text-align: center; font-size: 0.75rem;
                   line-height: 16px; margin-right: 4px; }
.ewom-control { margin: 4px 0 10px 0; }
.ewom-control-label { font-size: 0.88rem; line-height: 1.25; white-space: normal;
                      overflow-wrap: anywhere; margin-bottom: 2px; }
.ewom-unit { color: #6b7280; font-size: 0.8rem; }
.ewom-control-row { display: flex; align-items: center; gap: 10px; }
.ewom-track { flex: 1 1 auto; min-width: 120px; margin: 0 !important; padding: 0 !important; }
.ewom-box { flex: 0 0 96px; max-width: 96px; margin: 0 !important; padding: 0 !important; }
.ewom-box input { font-variant-numeric: tabular-nums; }
.ewom-choice { margin-top: 0 !important; padding-top: 0 !important; }
.ewom-control-note { color: #6b7280; font-size: 0.8rem; margin-top: 2px; }
.ewom-control-error { color: #b00020; font-size: 0.82rem; margin-top: 3px; line-height: 1.3; }
.ewom-command { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8rem;
                background: rgba(128,128,128,0.1); padding: 6px 8px; border-radius: 4px;
                margin: 0 0 4px 0; }
.ewom-progress { font-size: 0.9rem; margin: 4px 0; }
"""


@solara.component
def SidebarPanels(session):  # noqa: N802
    """The sidebar's panels, under one component: elements passed through a portal are walked
    on every render of the page, so only this one is; the panels' own elements are its."""
    Settings(session)
    SharePanel(session)


@solara.component
def Page():  # noqa: N802
    session = use_session()
    with solara.Div(style={"display": "none"}):  # portals: their content shows elsewhere
        solara.Title(TITLE)
        solara.Style(CSS)
        with solara.AppBarTitle():
            solara.Text(TITLE)
        with solara.AppBar():
            Player(session)
        with solara.Sidebar():
            SidebarPanels(session)
    with solara.Column(classes=["ewom-main"]):
        Lesson(session)
        Kpis(session)
        with rv.Html(tag="div", class_="ewom-views"):
            NetworkView(session)
            ChartsView(session)
        ComparePanel(session)
