"""Two panels for the class: compare strategies (a background sweep) and share the setup.

**Compare strategies** runs ``strategies.compare`` in a background task with a progress bar
and an estimate, and can be stopped; the page stays live meanwhile. **Share** gives the
``ewom run`` line of the current settings (with a copy button that works on plain http too,
where the clipboard API is not offered) and the scenario as a TOML file to download.
"""

from __future__ import annotations

import html
import threading
from dataclasses import replace

import ipyvuetify as v
import reacton.ipyvuetify as rv
import solara
import traitlets

from ewom_abm.app import share, strategies
from ewom_abm.app.session import Session
from ewom_abm.app.setup import Setup
from ewom_abm.model.errors import EwomError

COPY_TEMPLATE = """
<template>
  <v-btn text small color="primary" class="ewom-copy" @click="copy">
    <v-icon left small>mdi-content-copy</v-icon>{{ copied ? "Copied" : label }}
  </v-btn>
</template>
<script>
module.exports = {
  data() { return { copied: false }; },
  methods: {
    copy() {
      const done = () => { this.copied = true; setTimeout(() => { this.copied = false; }, 1500); };
      const fallback = () => {  // http on a classroom network: no navigator.clipboard there
        const area = document.createElement("textarea");
        area.value = this.text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        try { if (document.execCommand("copy")) { done(); } }
        finally { document.body.removeChild(area); }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(this.text).then(done, fallback);
      } else {
        fallback();
      }
    },
  },
};
</script>
"""


class CopyButton(v.VuetifyTemplate):
    """A button that copies ``text`` to the clipboard in the browser."""

    template = traitlets.Unicode(COPY_TEMPLATE).tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Copy").tag(sync=True)


@solara.component
def SharePanel(session: Session):  # noqa: N802
    """The current settings as an ``ewom run`` line and as a scenario file."""
    session.model.get()
    setup = session.setup
    line = share.command(setup)
    with solara.Card("Share the setup", classes=["ewom-share"]):
        solara.HTML(tag="div", classes=["ewom-muted", "ewom-help"], unsafe_innerHTML=(
            "Re-run this class exercise from the command line:"))
        solara.HTML(tag="pre", classes=["ewom-command"], unsafe_innerHTML=html.escape(line))
        with solara.Row(style={"gap": "4px", "flex-wrap": "wrap"}):
            CopyButton.element(text=line, label="Copy as command")
            solara.FileDownload(share.scenario_toml(setup), filename=share.file_name(setup),
                                label="Download scenario (TOML)", mime_type="application/toml")


def _snapshot(setup: Setup) -> Setup:
    return replace(setup, overrides=dict(setup.overrides))


@solara.component
def ComparePanel(session: Session):  # noqa: N802
    """Each strategy x a few seeds at the current settings, in the background; the frontier
    with 95% intervals, as ``ewom report`` draws it."""
    model = session.model.value
    names = [b.name for b in model.config.brands]
    brand, set_brand = solara.use_state(0)
    b = min(brand, len(names) - 1)
    progress = solara.use_reactive(None)
    result = solara.use_reactive(None)
    error = solara.use_reactive(None)
    cancel = solara.use_memo(threading.Event, [])

    def work(setup: Setup, index: int) -> None:
        cancel.clear()
        try:
            result.set(strategies.compare(setup, index, on_progress=progress.set,
                                          cancel=cancel))
            error.set(None)
        except strategies.StoppedError:
            error.set("Stopped: press Compare strategies to run it again.")
        except EwomError as exc:
            error.set(str(exc))
        finally:
            progress.set(None)

    task = solara.lab.use_task(work, dependencies=None)
    running = progress.value is not None
    shown = result.value
    with solara.Card("Compare strategies", classes=["ewom-compare"]):
        solara.HTML(tag="div", classes=["ewom-help"], unsafe_innerHTML=(
            f"Runs every strategy {strategies.REPS} times (different seeds) at the current "
            "settings, in the background, and draws reach against dilution with 95% "
            "intervals, as <code>ewom report</code> does. Lower right is best: reach that "
            "keeps the dream."))
        with solara.Row(style={"align-items": "center", "gap": "12px", "flex-wrap": "wrap"}):
            if len(names) > 1:
                rv.Select(label="Brand", items=names, v_model=names[b], dense=True,
                          hide_details=True, disabled=running, style_="max-width: 200px",
                          on_v_model=lambda n: set_brand(names.index(n)) if n in names
                          else None)
            if running:
                solara.Button("Stop", icon_name="mdi-stop", on_click=cancel.set,
                              classes=["ewom-compare-stop"], outlined=True)
            else:
                solara.Button("Compare strategies", icon_name="mdi-chart-scatter-plot",
                              color="primary", classes=["ewom-compare-run"],
                              on_click=lambda: task(_snapshot(session.setup), b))
        if running:
            p = progress.value
            left = p.remaining
            eta = f", about {left:.0f} s left" if left is not None else ""
            solara.ProgressLinear(value=100 * p.done / max(p.total, 1), color="primary")
            solara.HTML(tag="div", classes=["ewom-progress"], unsafe_innerHTML=(
                f"{p.done} of {p.total} runs{eta}"))
        if error.value:
            rv.Html(tag="div", children=[error.value], class_="ewom-control-error",
                    attributes={"role": "alert"})
        if shown is not None:
            solara.Image(shown.image, format="png", width="100%",
                         classes=["ewom-frontier-image"])
            solara.HTML(tag="div", classes=["ewom-muted", "ewom-help"], unsafe_innerHTML=(
                f"{html.escape(shown.brand)}: {shown.runs} runs at "
                f"<code>{html.escape(shown.setting)}</code> in {shown.seconds:.1f} s."))
            if shown.setting != strategies.setting_text(session.setup):
                solara.HTML(tag="div", classes=["ewom-note"], unsafe_innerHTML=(
                    "The settings have changed since: compare again to update."))
