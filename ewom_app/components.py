"""Solara components of the app's main column: the lesson, the KPIs, the network picture and
the charts.

What changes with every step reads the session's ``tick`` and nothing else re-renders then.
No component here loads front-end code from a CDN (no Markdown, Altair or grid layout): the
page renders from the cached Solara assets only. Labels, units and number formats of the KPIs
come from the KPI registry (``model/metrics.py``), so a new KPI appears without code here.
"""

from __future__ import annotations

import functools
import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import reacton.ipyvuetify as rv
import solara

from ewom_abm.app import layout
from ewom_abm.app.charts import Charts
from ewom_abm.app.draw import (
    CATEGORIES,
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    NetworkPainter,
    brand_color,
    categories,
    category_counts,
)
from ewom_abm.app.session import Session
from ewom_abm.app.settings import NETWORK_HELP
from ewom_abm.app.setup import AppModel, preset_groups
from ewom_abm.model import scenario
from ewom_abm.model.metrics import headline, kpi

# ---------------------------------------------------------------------------- picture cache
# Network painters depend on the graph only, not on a model instance or a session: resets,
# replays and other sessions reuse them (each painter has its own lock). Their recent frames
# are kept by what they show.

_painters: OrderedDict[tuple, Any] = OrderedDict()
_painters_lock = threading.Lock()


def _cached(key: tuple, make: Callable[[], Any], size: int = 24) -> Any:
    """From the cache, or made and kept (at most ``size`` entries of this key's kind)."""
    with _painters_lock:
        hit = _painters.get(key)
        if hit is not None:
            _painters.move_to_end(key)
            return hit
    value = make()
    with _painters_lock:
        _painters[key] = value
        kind = [k for k in _painters if k[0] == key[0]]
        for old in kind[: max(0, len(kind) - size)]:
            del _painters[old]
    return value


def picture_for(model: AppModel) -> layout.Picture:
    if model.graph is None:
        return layout.mixing_picture(model.n, model.seed)
    return layout.picture(model.graph, model.seed)


def network_painter(model: AppModel) -> NetworkPainter:
    pic = picture_for(model)
    return _cached(("network", pic.key, pic.nodes.size), lambda: NetworkPainter(pic))


def network_png(model: AppModel, brand: int) -> bytes:
    """The network picture (JPEG). A picture whose shown consumers look as in one drawn
    before (a step that changed nobody in a sampled network, a reset) is not drawn again."""
    cons = model.consumers
    code = categories(cons.stage[brand], cons.advocate[brand])
    painter = network_painter(model)
    nodes = painter.pic.nodes
    digest = hashlib.blake2b(digest_size=16)
    for arr in (code[nodes], cons.core[nodes], cons.leader[nodes]):
        digest.update(np.ascontiguousarray(arr).view(np.uint8))
    key = ("frame", painter.pic.key, nodes.size, digest.hexdigest())
    return _cached(key, lambda: painter.render(code, cons.core, cons.leader), size=64)


def charts_svg(model: AppModel) -> str:
    """The charts of a model on their own (no earlier runs)."""
    return Charts([b.name for b in model.config.brands], model.config.steps).svg(
        model.timeseries(), model.steps)


# ---------------------------------------------------------------------------- lesson

def paragraphs(text: str) -> str:
    """Plain scenario text as HTML paragraphs (blank lines separate paragraphs)."""
    blocks = [" ".join(line.strip() for line in block.splitlines()).strip()
              for block in (text or "").strip().split("\n\n")]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b)


@functools.lru_cache(maxsize=1)
def preset_menu() -> tuple[dict[str, str], ...]:
    """The scenario menu: a header per group, then its presets by title."""
    items: list[dict[str, str]] = []
    for group, names in preset_groups():
        items.append({"header": group})
        for name in names:
            title = scenario.read_toml(scenario.resolve_path(name)).get("title") or name
            items.append({"text": str(title), "value": name})
    return tuple(items)


@solara.component
def Lesson(session: Session):  # noqa: N802
    """The preset picker and the preset's 'what to look for' and 'things to try' (NetLogo's
    Info tab), kept in the scenario file itself."""
    config = session.model.value.config
    preset = session.setup.preset
    error = session.errors.value.get("scenario")

    with solara.Card(classes=["ewom-lesson"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "4px 16px"}):
            rv.Select(label="Scenario", items=list(preset_menu()), v_model=preset,
                      on_v_model=lambda name: session.rebuild(name, clear=True,
                                                              error_key="scenario"),
                      dense=True, hide_details=True, class_="ewom-preset",
                      menu_props={"maxHeight": 520}, style_="max-width: 380px; min-width: 260px")
            solara.HTML(tag="h2", unsafe_innerHTML=html.escape(config.title or config.name),
                        classes=["ewom-title"])
        if error:
            rv.Html(tag="div", children=[error], class_="ewom-control-error",
                    attributes={"role": "alert"})
        if config.description:
            solara.HTML(tag="div", unsafe_innerHTML=paragraphs(config.description),
                        classes=["ewom-description"])
        with rv.Html(tag="div", class_="ewom-lesson-notes"):
            solara.HTML(tag="div", classes=["ewom-look"], unsafe_innerHTML=(
                "<h4><span class='mdi mdi-eye-outline'></span> What to look for</h4>"
                + paragraphs(config.look_for or "Press Play and watch the curves.")))
            solara.HTML(tag="div", classes=["ewom-try"], unsafe_innerHTML=(
                "<h4><span class='mdi mdi-flask-outline'></span> Things to try</h4>"
                + paragraphs(config.try_this or
                             "Change a setting in the sidebar and press Play again.")))


# ---------------------------------------------------------------------------- KPIs

def kpi_html(model: AppModel) -> str:
    """One card per brand: its strategy now and a tile per headline KPI, labelled, formatted
    and given its unit by the KPI registry. Tiles wrap, so every KPI stays on screen."""
    final = model.final()
    cards = []
    for i, br in enumerate(model.brands):
        k = final[br.name]
        strategy = html.escape(br.strategy)
        if br.policy == "adaptive":
            strategy += " <span class='ewom-muted'>(adaptive)</span>"
        tiles = "".join(
            f"<div class='ewom-tile' data-kpi='{name}' title='{html.escape(kpi(name).doc)}'>"
            f"<div class='ewom-tile-label'>{html.escape(kpi(name).label)}</div>"
            f"<div class='ewom-tile-value'>{kpi(name).format(k[name])}</div>"
            f"<div class='ewom-tile-unit'>{html.escape(kpi(name).unit)}</div></div>"
            for name in headline(model.config))
        cards.append(
            f"<div class='ewom-brand-card' data-brand='{html.escape(br.name)}'>"
            f"<div class='ewom-brand-head'><span class='ewom-swatch' "
            f"style='background:{brand_color(i)}'></span><b>{html.escape(br.name)}</b>"
            f"<span class='ewom-strategy'>Strategy now: {strategy}</span></div>"
            f"<div class='ewom-tiles'>{tiles}</div></div>")
    return f"<div class='ewom-kpi' data-step='{model.steps}'>{''.join(cards)}</div>"


def info_text(model: AppModel) -> str:
    kind = model.config.network.kind
    return (f"{model.n:,} consumers · {model.config.ewom.model} eWOM · "
            f"{NETWORK_HELP.get(kind, kind)} · seed {model.seed}")


@solara.component
def Kpis(session: Session):  # noqa: N802
    session.tick.get()
    model = session.model.value
    with solara.Card(classes=["ewom-kpis"]):
        solara.HTML(tag="div", classes=["ewom-info", "ewom-muted"],
                    unsafe_innerHTML=html.escape(info_text(model)))
        solara.HTML(tag="div", unsafe_innerHTML=kpi_html(model), classes=["ewom-kpis-body"])


# ---------------------------------------------------------------------------- network

def legend_html(counts: dict[str, int]) -> str:
    chips = []
    for c in CATEGORIES:
        chips.append(f"<span class='ewom-chip'><span class='ewom-dot' "
                     f"style='background:{CATEGORY_COLORS[c]}'></span>{CATEGORY_LABELS[c]} "
                     f"<b>{counts[c]:,}</b></span>")
    shapes = ("<span class='ewom-chip'>● aspirational consumer</span>"
              "<span class='ewom-chip'>■ core segment (affluent target)</span>"
              "<span class='ewom-chip'>◆ opinion leader (outlined)</span>")
    return (f"<div class='ewom-legend'>{''.join(chips)}</div>"
            f"<div class='ewom-legend ewom-muted'>{shapes}</div>")


def sample_note(model: AppModel, pic: layout.Picture) -> str | None:
    if model.graph is None:
        shown = f"{pic.nodes.size:,} randomly sampled" if pic.sampled else "all"
        return (f"Global mixing has no network: each square is one consumer ({shown} of "
                f"{model.n:,} shown). Figures above count everyone.")
    if pic.sampled:
        return (f"Large network: showing a snowball sample of {pic.nodes.size:,} of "
                f"{model.n:,} consumers and the friendships among them. Figures above count "
                "everyone.")
    return None


@solara.component
def NetworkView(session: Session):  # noqa: N802
    session.tick.get()
    model = session.model.value
    brand, set_brand = solara.use_state(0)
    b = min(brand, len(model.brands) - 1)
    names = [br.name for br in model.brands]
    with solara.Card(classes=["ewom-network"]):
        with solara.Row(style={"align-items": "center", "gap": "12px"}):
            solara.HTML(tag="h3", unsafe_innerHTML="Who has heard what",
                        classes=["ewom-card-title"])
            if len(names) > 1:
                rv.Select(label="Colour by brand", items=names, v_model=names[b], dense=True,
                          hide_details=True, style_="max-width: 200px",
                          on_v_model=lambda name: set_brand(names.index(name))
                          if name in names else None)
        pic = picture_for(model)
        # the frame's data-step follows the picture's (same render): when it shows a step,
        # so does the picture
        rv.Html(tag="div", class_="ewom-network-frame", attributes={"data-step": str(model.steps)},
                children=[solara.Image(network_png(model, b), format="jpeg", width="100%",
                                       classes=["ewom-network-image"])])
        code = categories(model.consumers.stage[b], model.consumers.advocate[b])
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(category_counts(code)))
        note = sample_note(model, pic)
        if note:
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(note), classes=["ewom-note"])


# ---------------------------------------------------------------------------- charts

def earlier_html(labels: list[tuple[int, str]]) -> str:
    items = "".join(f"<li><span class='ewom-run-number'>{n}</span> {html.escape(text)}</li>"
                    for n, text in labels)
    return (f"<div class='ewom-earlier-title'>Faded lines: earlier runs (then → now)</div>"
            f"<ol class='ewom-earlier-list'>{items}</ol>")


@solara.component
def ChartsView(session: Session):  # noqa: N802
    session.tick.get()
    model = session.model.value
    with solara.Card(classes=["ewom-charts"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Reach, penetration, revenue, dream value, "
                    "dilution", classes=["ewom-card-title"])
        solara.HTML(tag="div", unsafe_innerHTML=session.charts().svg(model.timeseries(),
                                                                      model.steps),
                    classes=["ewom-charts-image"])
        labels = session.history.labels(model.config)
        if labels:
            with rv.Html(tag="div", class_="ewom-earlier"):
                solara.HTML(tag="div", unsafe_innerHTML=earlier_html(labels),
                            classes=["ewom-earlier-body"])
                solara.Button("Clear earlier runs", icon_name="mdi-eraser", text=True,
                              small=True, on_click=session.clear_earlier,
                              classes=["ewom-clear-earlier"])
        else:
            solara.HTML(tag="div", classes=["ewom-muted", "ewom-help"], unsafe_innerHTML=(
                "Change a setting after a run and the run stays here, faded, to compare."))
