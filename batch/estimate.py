"""How long a batch will take, estimated before it starts.

A stray time in a data file or a ``--param steps=0:100000`` can turn minutes into days. Timing
two short runs in this process (the second one warm) and scaling by the steps gives the cost of
a run to within a factor of two or so; a long job is then announced before it starts, with
its estimate, instead of sitting silent.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

PROBE_STEPS = 20
ANNOUNCE_SECONDS = 300.0  # above this a job says up front how long it will take


def seconds_per_run(simulator: Any, payload: Any, steps: int, seed: int = 0) -> float:
    """The time of one run of ``payload`` lasting ``steps`` steps: a warm short run, its model
    build plus its steps scaled to ``steps``."""
    if not dataclasses.is_dataclass(payload) or not hasattr(payload, "steps"):
        return 0.0  # a toy simulator: nothing worth measuring
    probe = dataclasses.replace(payload, steps=max(1, min(int(steps), PROBE_STEPS)))
    timing: dict[str, float] = {}
    for _ in range(2):  # the first run pays for imports and caches
        started = time.perf_counter()
        out = simulator.run(probe, seed)
        timing = dict(out.timing) or {"build": 0.0,
                                      "steps": time.perf_counter() - started}
    per_step = timing.get("steps", 0.0) / probe.steps
    return timing.get("build", 0.0) + per_step * max(0, int(steps))


def batch_seconds(simulator: Any, payloads: list[Any], configs: list[int],
                  workers: int) -> float:
    """The wall time of runs of the given configurations on ``workers``: the costliest
    configuration (most steps x consumers) is timed, and each run costs its build plus its
    steps at that pace (an upper estimate where configurations differ in size)."""
    if not configs or not payloads:
        return 0.0

    def size(p: Any) -> float:
        net = getattr(p, "network", None)
        return float(getattr(p, "steps", 0)) * float(getattr(net, "n", 1) or 1)

    heaviest = max(set(configs), key=lambda c: size(payloads[c]))
    probe = payloads[heaviest]
    steps = int(getattr(probe, "steps", 0) or 0)
    if steps <= 0:
        return 0.0
    build = seconds_per_run(simulator, probe, 0)
    per_step = (seconds_per_run(simulator, probe, steps) - build) / steps
    total = sum(build + per_step * float(getattr(payloads[c], "steps", 0)) for c in configs)
    return total / max(1, workers)


def duration(seconds: float) -> str:
    """A duration as people say it: 40 s, 3 min, 2.5 h, 3 days."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"
