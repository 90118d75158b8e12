"""The interactive classroom app (Solara): ``ewom app``, or ``solara run app.py``."""

from __future__ import annotations

import os

# The installed reacton offers an opt-in renderer (REACTON_FAST=1) that skips the subtrees in
# which nothing changed: a step then re-renders the step counter, the KPI cards, the picture
# and the charts without walking the settings panel, four times less work per step. A reacton
# without it ignores the variable. The app's servers set it before their first render.
FAST_RENDERER = {"REACTON_FAST": "1"}


def use_fast_renderer() -> None:
    """Ask for reacton's fast renderer in this process (unless the environment says)."""
    for key, value in FAST_RENDERER.items():
        os.environ.setdefault(key, value)
