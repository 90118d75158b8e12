"""The lesson's own run controls, in the app bar: play and pause, step, reset, speed, and the
step counter. They stay on screen however far the page scrolls.

A small play loop replaces Mesa's controller (whose play interval, render interval and thread
knobs are for model developers): while playing, a background task steps the session at the
chosen speed; each step re-renders only what shows the model's state (this counter, the KPIs,
the pictures), and a slow step simply lowers the rate instead of piling up.
"""

from __future__ import annotations

import time

import reacton.ipyvuetify as rv
import solara

from ewom_abm.app.session import SPEEDS, Session


def speed_label(rate: float) -> str:
    return f"{rate:g} step{'s' if rate != 1 else ''}/s"


@solara.component
def StepCounter(session: Session):  # noqa: N802
    session.tick.get()
    model = session.model.value
    text = f"Step <b>{model.steps}</b> of {model.config.steps}"
    if not model.running:
        text += " <span class='ewom-done'>· finished</span>"
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["ewom-step"])


@solara.component
def Player(session: Session):  # noqa: N802
    """Play or pause, Step, Reset and Speed, with the step counter."""
    playing = session.playing.value
    session.tick.get()
    running = session.model.value.running

    def loop() -> None:
        while session.playing.value and task.is_current():
            started = time.perf_counter()
            if not session.step():
                session.playing.set(False)
                return
            wait = 1.0 / session.speed.value - (time.perf_counter() - started)
            if wait > 0:
                time.sleep(wait)

    task = solara.lab.use_task(loop, dependencies=[playing])

    def toggle() -> None:
        session.playing.set(not session.playing.value)

    with solara.Row(classes=["ewom-player"], style={"align-items": "center", "gap": "6px",
                                                     "flex-wrap": "nowrap"}):
        solara.Button("Pause" if playing else "Play",
                      icon_name="mdi-pause" if playing else "mdi-play", on_click=toggle,
                      disabled=not running, classes=["ewom-play"], outlined=True, dark=True)
        solara.Button("Step", icon_name="mdi-step-forward", on_click=session.step,
                      disabled=playing or not running, classes=["ewom-step-button"],
                      outlined=True, dark=True)
        solara.Button("Reset", icon_name="mdi-restore", on_click=session.reset,
                      classes=["ewom-reset"], outlined=True, dark=True)
        rv.Select(v_model=session.speed.value, label="Speed",
                  items=[{"text": speed_label(r), "value": r} for r in SPEEDS],
                  on_v_model=lambda r: session.speed.set(float(r)) if r in SPEEDS else None,
                  dense=True, hide_details=True, dark=True, class_="ewom-speed",
                  style_="max-width: 120px")
        StepCounter(session)
