"""Solara components of the app: lesson text, KPIs, network picture, charts, settings.

Everything that changes with the model reads Mesa's ``update_counter`` so it redraws after
each Step or Play tick of Mesa's controller. No component here loads front-end code from a
CDN (no Markdown, Altair or grid layout): the page renders from the cached Solara assets only.
"""

from __future__ import annotations

import html
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as rv
import solara
from mesa.visualization.utils import update_counter

from ewom_abm.app import layout
from ewom_abm.app.draw import (
    CATEGORIES,
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    ChartsPainter,
    NetworkPainter,
    brand_color,
    categories,
    category_counts,
)
from ewom_abm.app.setup import SLIDERS, AppModel, dream_value_max
from ewom_abm.model.metrics import HEADLINE, kpi
from ewom_abm.model.scenario import BRAND_STRATEGIES, EWOM_MODELS, NETWORK_KINDS, Scenario

NETWORK_LABELS = {
    "erdos_renyi": "random (Erdős-Rényi)",
    "watts_strogatz": "small world (Watts-Strogatz)",
    "barabasi_albert": "scale-free (Barabási-Albert)",
    "stochastic_block": "communities (stochastic block)",
    "complete": "complete graph",
    "global": "global mixing (no network)",
    "file": "real network from file",
}
EWOM_LABELS = {
    "organic": "organic: consumers talk among themselves",
    "linear": "linear: brand → opinion leaders → followers",
    "coproduction": "coproduction: everyone retells, message drifts",
}

# ---------------------------------------------------------------------------- painter caches
# Painters depend on the graph (network) or on brands and horizon (charts), not on a model
# instance: resets, replays and other sessions reuse them. Each painter has its own lock.

_painters: OrderedDict[tuple, Any] = OrderedDict()
_painters_lock = threading.Lock()


def _cached(key: tuple, make: Callable[[], Any], size: int = 24) -> Any:
    with _painters_lock:
        hit = _painters.get(key)
        if hit is not None:
            _painters.move_to_end(key)
            return hit
    value = make()
    with _painters_lock:
        _painters[key] = value
        while len(_painters) > size:
            _painters.popitem(last=False)
    return value


def picture_for(model: AppModel) -> layout.Picture:
    if model.graph is None:
        return layout.mixing_picture(model.n, model.seed)
    return layout.picture(model.graph, model.seed)


def network_painter(model: AppModel) -> NetworkPainter:
    pic = picture_for(model)
    return _cached(("network", pic.key, pic.nodes.size), lambda: NetworkPainter(pic))


def charts_painter(config: Scenario) -> ChartsPainter:
    brands = tuple(b.name for b in config.brands)
    dmax = round(dream_value_max(config), 3)
    return _cached(("charts", brands, config.steps, dmax),
                   lambda: ChartsPainter(list(brands), config.steps, dmax))


def network_png(model: AppModel, brand: int) -> bytes:
    cons = model.consumers
    code = categories(cons.stage[brand], cons.advocate[brand])
    return network_painter(model).render(code, cons.core, cons.leader)


def charts_png(model: AppModel) -> bytes:
    return charts_painter(model.config).render(model.timeseries())


# ---------------------------------------------------------------------------- small helpers

def paragraphs(text: str) -> str:
    """Plain scenario text as HTML paragraphs (blank lines separate paragraphs)."""
    blocks = [" ".join(line.strip() for line in block.splitlines()).strip()
              for block in (text or "").strip().split("\n\n")]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ---------------------------------------------------------------------------- lesson

@solara.component
def Lesson(config: Scenario, preset: str, presets: list[str], on_preset: Callable[[str], None]):  # noqa: N802
    """The preset picker and the preset's 'what to look for' and 'things to try' (NetLogo's
    Info tab), kept in the scenario file itself."""
    with solara.Card(classes=["ewom-lesson"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
            with solara.Div(style={"min-width": "260px", "max-width": "340px"}):
                solara.Select(label="Scenario", values=presets, value=preset, on_value=on_preset)
            solara.HTML(tag="h2", unsafe_innerHTML=html.escape(config.title or config.name),
                        classes=["ewom-title"])
        if config.description:
            solara.HTML(tag="div", unsafe_innerHTML=paragraphs(config.description),
                        classes=["ewom-description"])
        with solara.Columns([1, 1]):
            with solara.Div(classes=["ewom-look"]):
                solara.HTML(tag="h4", unsafe_innerHTML=(
                    "<span class='mdi mdi-eye-outline'></span> What to look for"))
                solara.HTML(tag="div", unsafe_innerHTML=paragraphs(
                    config.look_for or "Press ▶ and watch the curves."))
            with solara.Div(classes=["ewom-try"]):
                solara.HTML(tag="h4", unsafe_innerHTML=(
                    "<span class='mdi mdi-flask-outline'></span> Things to try"))
                solara.HTML(tag="div", unsafe_innerHTML=paragraphs(
                    config.try_this or "Change a setting in the sidebar and press ▶ again."))


# ---------------------------------------------------------------------------- KPIs

def kpi_html(model: AppModel) -> str:
    """The headline KPIs per brand, labelled and formatted by the KPI registry."""
    final = model.final()
    rows = []
    for i, br in enumerate(model.brands):
        k = final[br.name]
        strategy = html.escape(br.strategy)
        if br.policy == "adaptive":
            strategy = f"{strategy} <span class='ewom-muted'>(adaptive)</span>"
        cells = "".join(f"<td>{kpi(name).format(k[name])}</td>" for name in HEADLINE)
        rows.append(
            "<tr>"
            f"<td><span class='ewom-swatch' style='background:{brand_color(i)}'></span>"
            f"{html.escape(br.name)}</td><td>{strategy}</td>{cells}</tr>")
    head = "".join(f"<th title='{html.escape(kpi(name).doc)}'>{html.escape(kpi(name).label)}"
                   "</th>" for name in HEADLINE)
    head = f"<tr><th>Brand</th><th>Strategy now</th>{head}</tr>"
    return f"<table class='ewom-kpi'>{head}{''.join(rows)}</table>"


@solara.component
def Kpis(model: AppModel):  # noqa: N802
    update_counter.get()
    with solara.Card(classes=["ewom-kpis"]):
        with solara.Row(style={"align-items": "center", "gap": "24px", "flex-wrap": "wrap"}):
            solara.HTML(tag="div", classes=["ewom-step"],
                        unsafe_innerHTML=f"Step <b>{model.steps}</b> of {model.config.steps}")
            solara.HTML(tag="div", classes=["ewom-muted"], unsafe_innerHTML=html.escape(
                f"{model.n:,} consumers · {model.config.ewom.model} eWOM · "
                f"{NETWORK_LABELS.get(model.config.network.kind, model.config.network.kind)}"
                f" · seed {model.seed}"))
            if not model.running and model.steps >= model.config.steps:
                solara.HTML(tag="div", classes=["ewom-done"],
                            unsafe_innerHTML="Finished: press Reset to replay, or change a "
                                             "setting")
        solara.HTML(tag="div", unsafe_innerHTML=kpi_html(model))


# ---------------------------------------------------------------------------- network

def legend_html(counts: dict[str, int], total: int) -> str:
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
def NetworkView(model: AppModel, brand: int, on_brand: Callable[[int], None]):  # noqa: N802
    update_counter.get()
    b = min(brand, len(model.brands) - 1)
    names = [br.name for br in model.brands]
    with solara.Card(classes=["ewom-network"]):
        with solara.Row(style={"align-items": "center", "gap": "12px"}):
            solara.HTML(tag="h3", unsafe_innerHTML="Who has heard what",
                        classes=["ewom-card-title"])
            if len(names) > 1:
                with solara.Div(style={"min-width": "180px"}):
                    solara.Select(label="Colour by brand", values=names, value=names[b],
                                  on_value=lambda name: on_brand(names.index(name))
                                  if name in names else None)
        pic = picture_for(model)
        solara.Image(network_png(model, b), format="jpeg", width="100%",
                     classes=["ewom-network-image"])
        code = categories(model.consumers.stage[b], model.consumers.advocate[b])
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(category_counts(code), model.n))
        note = sample_note(model, pic)
        if note:
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(note),
                        classes=["ewom-note"])


@solara.component
def ChartsView(model: AppModel):  # noqa: N802
    update_counter.get()
    with solara.Card(classes=["ewom-charts"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Reach, penetration, revenue, dream value, "
                    "dilution",
                    classes=["ewom-card-title"])
        solara.Image(charts_png(model), format="png", width="100%",
                     classes=["ewom-charts-image"])


# ---------------------------------------------------------------------------- settings

@solara.component
def LazySlider(  # noqa: N802
        label: str, value: float, min: float, max: float, step: float,
        on_value: Callable[[float], None], fmt: str = "{:g}", disabled: bool = False):
    """A slider that commits when released (a drag would otherwise rebuild the model at every
    pixel); the current value is shown beside the label."""
    shown, set_shown = solara.use_state(value, key=f"{label}-{value}")
    el = rv.Slider(v_model=shown, on_v_model=set_shown, label=f"{label}: {fmt.format(shown)}",
                   min=min, max=max, step=step, thumb_label=False, hide_details=True,
                   disabled=disabled, class_="ewom-slider")

    def changed(_widget, _event, data):
        try:  # the browser may send anything: only a finite number reaches on_value, whose
            x = float(data)  # owner checks it against the slider's range (setup.SLIDERS)
        except (TypeError, ValueError):
            return
        if math.isfinite(x) and x != float(value):
            on_value(x)

    rv.use_event(el, "change", changed)
    return el


@solara.component
def Settings(  # noqa: N802
        config: Scenario, on_change: Callable[[dict[str, Any]], bool],
        on_restore: Callable[[], None], error: str | None, seed_error: str | None,
        on_seed: Callable[[str], None]):
    """Every setting is one scenario key; a change rebuilds the model at once."""
    net = config.network
    with solara.Card("Scenario settings", classes=["ewom-settings"]):
        if error:
            solara.Error(error, classes=["ewom-error"])
        solara.Select(label="eWOM model", values=list(EWOM_MODELS), value=config.ewom.model,
                      on_value=lambda v: on_change({"ewom.model": v}))
        solara.HTML(tag="div", classes=["ewom-muted", "ewom-help"],
                    unsafe_innerHTML=html.escape(EWOM_LABELS[config.ewom.model]))
        for i, br in enumerate(config.brands):
            solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML=(
                f"<span class='ewom-swatch' style='background:{brand_color(i)}'></span>"
                f"Brand: {html.escape(br.name)}"))
            solara.Select(label=f"{br.name} strategy", values=list(BRAND_STRATEGIES),
                          value=br.strategy,
                          on_value=lambda v, i=i: on_change({f"brands.{i}.strategy": v}))
            LazySlider(f"{br.name} budget per step", br.budget, *SLIDERS["brands.N.budget"],
                       on_value=lambda v, i=i: on_change({f"brands.{i}.budget": v}),
                       fmt="{:.0f}")
            LazySlider(f"{br.name} seeds at launch", br.seeds, *SLIDERS["brands.N.seeds"],
                       on_value=lambda v, i=i: on_change({f"brands.{i}.seeds": int(v)}),
                       fmt="{:.0f}")
            LazySlider(f"{br.name} price", br.price, *SLIDERS["brands.N.price"],
                       on_value=lambda v, i=i: on_change({f"brands.{i}.price": v}),
                       fmt="{:.2f}")
            if br.strategy in ("exclusivity", "adaptive"):  # only exclusivity restricts shops
                LazySlider(f"{br.name} shops outside the core (exclusivity)", br.distribution,
                           *SLIDERS["brands.N.distribution"],
                           on_value=lambda v, i=i: on_change({f"brands.{i}.distribution": v}),
                           fmt="{:.0%}")
        solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML="Network")
        kinds = [k for k in NETWORK_KINDS if k != "file" or net.kind == "file"]
        solara.Select(label="Network kind", values=kinds, value=net.kind,
                      on_value=lambda v: on_change({"network.kind": v}))
        solara.HTML(tag="div", classes=["ewom-muted", "ewom-help"],
                    unsafe_innerHTML=html.escape(NETWORK_LABELS.get(net.kind, net.kind)))
        LazySlider("Consumers", net.n, *SLIDERS["network.n"],
                   on_value=lambda v: on_change({"network.n": int(v)}), fmt="{:,.0f}",
                   disabled=net.kind == "file")
        if net.kind not in ("file", "complete"):
            LazySlider("Friends per consumer" if net.kind != "global" else "Contacts per step",
                       net.mean_degree, *SLIDERS["network.mean_degree"],
                       on_value=lambda v: on_change({"network.mean_degree": v}), fmt="{:.0f}")
        solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML="Word of mouth")
        ew = config.ewom
        LazySlider("Share chance per friend", ew.p_share, *SLIDERS["ewom.p_share"],
                   on_value=lambda v: on_change({"ewom.p_share": v}), fmt="{:.3f}")
        LazySlider("Advertising reach per step", ew.p_external, *SLIDERS["ewom.p_external"],
                   on_value=lambda v: on_change({"ewom.p_external": v}), fmt="{:.4f}")
        if ew.model == "linear":
            LazySlider("Followers pass it on", ew.follower_share,
                       *SLIDERS["ewom.follower_share"],
                       on_value=lambda v: on_change({"ewom.follower_share": v}), fmt="{:.2f}")
        if ew.model == "coproduction":
            LazySlider("Community pushback", ew.pushback, *SLIDERS["ewom.pushback"],
                       on_value=lambda v: on_change({"ewom.pushback": v}), fmt="{:.2f}")
        solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML="Status")
        LazySlider("Snob effect (owners dilute status)", config.status.snob,
                   *SLIDERS["status.snob"],
                   on_value=lambda v: on_change({"status.snob": v}), fmt="{:.1f}")
        LazySlider("Status sensitivity of the core", config.consumers.status_sensitivity_core,
                   *SLIDERS["consumers.status_sensitivity_core"],
                   on_value=lambda v: on_change({"consumers.status_sensitivity_core": v}),
                   fmt="{:.2f}")
        solara.HTML(tag="div", classes=["ewom-subhead"], unsafe_innerHTML="Run")
        with solara.Row(style={"align-items": "center"}):
            solara.InputText(label="Seed", value=str(config.seed), on_value=on_seed,
                             error=seed_error or False, classes=["ewom-seed"])
            solara.Button(icon_name="mdi-dice-5-outline", text=True, classes=["ewom-dice"],
                          on_click=lambda: on_seed(str(random.randrange(1, 10**6))))
        LazySlider("Steps (weeks)", config.steps, *SLIDERS["steps"],
                   on_value=lambda v: on_change({"steps": int(v)}), fmt="{:.0f}")
        solara.Button("Back to the preset's values", on_click=on_restore, text=True,
                      icon_name="mdi-restore", classes=["ewom-restore"])
