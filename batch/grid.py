"""The run design of a batch: configurations x replicates, run ids and seeds.

A sweep's configurations are the product of its ``--vary KEY=VALUES`` lists; a sensitivity
analysis supplies its sample points instead. Either way each configuration is run ``reps`` times
and every run gets an id and a seed that depend only on the design and the root seed, never on
how many workers run it or in which order: that is what makes a sweep reproducible, resumable
and identical on one core or a cluster.

Run ids are replicate-major (``run = rep * configurations + config``), so the first runs to finish
cover every configuration once, and raising ``--reps`` later only appends runs.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ewom_abm import files, limits
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError

# lo:hi:n, optionally :log (geometric spacing); lo and hi are numbers, n a count
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\d+)\s*(?::\s*(log|lin))?\s*$")
# keys a sweep may not vary, with the reason
_FIXED = {
    "seed": "run seeds are spawned from the scenario seed; use --reps for replicates and "
            "--seed for the root seed",
    "name": "the scenario name labels the whole sweep",
}


@dataclass(frozen=True)
class Vary:
    """One ``--vary`` option: a scenario key and the values it takes."""

    key: str
    values: tuple[Any, ...]


def _typed(key: str, value: Any) -> Any:
    """A value as the schema stores it (``1`` for a float key is 1.0), so grid values, output
    columns and sweep.json agree whatever way the user typed them."""
    typ = sc.field_type(key)
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _format(x: float) -> float:
    """Round away binary noise (0.30000000000000004) so range values read as typed."""
    return float(f"{x:.12g}")


def parse_range(key: str, text: str) -> tuple[Any, ...] | None:
    """``lo:hi:n`` (inclusive, evenly spaced) or ``lo:hi:n:log`` (geometric); None if the text
    is not range-shaped. Integer keys need whole-number values."""
    m = _RANGE.match(text)
    if m is None:
        return None
    lo, hi, n, spacing = float(m[1]), float(m[2]), int(m[3]), m[4] or "lin"
    where = f"--vary {key}={text}"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise EwomError(f"{where}: lo and hi must be finite numbers")
    if n < 1:
        raise EwomError(f"{where}: the count n in lo:hi:n must be at least 1")
    limits.check(limits.CONFIGS, n, where, f"a range of {n:,} values", "values")
    if n == 1 and lo != hi:
        raise EwomError(f"{where}: n = 1 gives one value; use lo:lo:1 or a count >= 2")
    if spacing == "log":
        if lo <= 0 or hi <= 0:
            raise EwomError(f"{where}: a log range needs lo and hi > 0")
        raw = np.geomspace(lo, hi, n)
    else:
        raw = np.linspace(lo, hi, n)
    typ = sc.field_type(key)
    if typ is int:
        ints = np.rint(raw)
        if spacing == "lin" and not np.allclose(raw, ints, rtol=0, atol=1e-9):
            raise EwomError(f"{where}: {key} takes integers but {lo:g}:{hi:g}:{n} gives "
                            f"{', '.join(f'{v:g}' for v in raw[:4])}...; choose n so the "
                            "step is whole")
        # a log range of an integer key rounds to the nearest integers (duplicates dropped)
        return tuple(dict.fromkeys(int(v) for v in ints))
    if typ not in (float, None):
        raise EwomError(f"{where}: {key} is not numeric, so it takes a comma list, not a range")
    return tuple(_format(v) for v in raw)


def parse_vary(item: str) -> Vary:
    """``KEY=v1,v2,...`` or ``KEY=lo:hi:n[:log]`` -> Vary, values typed like the TOML file.
    Whether each value is allowed is checked later, per configuration, by the schema."""
    if "=" not in item:
        raise EwomError(f"--vary: expected KEY=VALUES (a comma list or lo:hi:n), got {item!r}")
    key, text = (s.strip() for s in item.split("=", 1))
    if not key or not text:
        raise EwomError(f"--vary: expected KEY=VALUES (a comma list or lo:hi:n), got {item!r}")
    if key in _FIXED:
        raise EwomError(f"--vary {key}: cannot be varied: {_FIXED[key]}")
    typ = sc.field_type(key)
    values = parse_range(key, text)
    if values is None:
        if ":" in text and "," not in text and typ in (int, float):
            raise EwomError(f"--vary {item}: malformed range; expected lo:hi:n with numbers "
                            "lo, hi and a count n (e.g. 0.01:0.1:5, or 10:1000:4:log)")
        parts = [p.strip() for p in text.split(",")]
        if any(not p for p in parts):
            raise EwomError(f"--vary {item}: empty value in the comma list")
        values = tuple(_typed(key, sc.parse_value(p, typ)) for p in parts)
    if key == "network.path":  # like --set: a path on the command line is relative to cwd
        values = tuple(str(files.resolve(str(v), f"--vary {key}")) for v in values)
    seen: set[Any] = set()
    for v in values:
        if (type(v), v) in seen:
            raise EwomError(f"--vary {key}: value {v!r} is listed twice")
        seen.add((type(v), v))
    return Vary(key, values)


def parse_varies(items: Sequence[str]) -> list[Vary]:
    """All ``--vary`` options; a key may be varied once."""
    varies = [parse_vary(item) for item in items]
    keys = [v.key for v in varies]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            raise EwomError(f"--vary {key}: given twice; list all its values in one --vary")
    return varies


@dataclass(frozen=True)
class Run:
    """One run of the design."""

    run: int
    config: int
    rep: int
    seed: int


@dataclass(frozen=True)
class Design:
    """Configurations (one value per key each) x replicates, with seeds from one root seed.

    ``common_seeds``: replicate r of every configuration shares a seed (common random numbers:
    paired comparisons with less noise); otherwise every run has its own stream.
    """

    keys: tuple[str, ...]
    points: tuple[tuple[Any, ...], ...]
    reps: int
    root_seed: int
    common_seeds: bool = False

    @classmethod
    def grid(cls, varies: Sequence[Vary], reps: int, root_seed: int,
             common_seeds: bool = False) -> Design:
        """The product of the varied values, first --vary slowest (like nested loops)."""
        keys = tuple(v.key for v in varies)
        sizes = [len(v.values) for v in varies]
        limits.check(limits.CONFIGS, math.prod(sizes), "--vary",
                     f"{' x '.join(f'{s:,}' for s in sizes)} = {math.prod(sizes):,} "
                     "configurations")
        check_runs(math.prod(sizes), reps)
        points = tuple(itertools.product(*(v.values for v in varies)))
        return cls(keys, points, reps, root_seed, common_seeds)

    def __post_init__(self) -> None:
        if self.reps < 1:
            raise EwomError(f"--reps: must be at least 1, got {self.reps}")
        if not self.points:
            raise EwomError("--vary: the design has no configurations")
        check_runs(len(self.points), self.reps)

    @property
    def n_configs(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_configs * self.reps

    def values(self, config: int) -> dict[str, Any]:
        """The varied values of one configuration, by key."""
        return dict(zip(self.keys, self.points[config], strict=True))

    def run(self, run_id: int) -> Run:
        """Run ``run_id``'s configuration, replicate and seed."""
        if not 0 <= run_id < self.n_runs:
            raise IndexError(f"run {run_id} out of range 0..{self.n_runs - 1}")
        rep, config = divmod(run_id, self.n_configs)
        return Run(run_id, config, rep, run_seed(self.root_seed,
                                                 rep if self.common_seeds else run_id))

    def runs(self) -> Iterator[Run]:
        return (self.run(i) for i in range(self.n_runs))

    def describe(self) -> str:
        """``9 configurations x 30 replicates = 270 runs``."""
        c = "configuration" if self.n_configs == 1 else "configurations"
        r = "replicate" if self.reps == 1 else "replicates"
        return f"{self.n_configs} {c} x {self.reps} {r} = {self.n_runs} runs"


def check_runs(configs: int, reps: int) -> None:
    """Configurations x replicates within the runs limit, before any run id is made."""
    if reps >= 1:
        limits.check(limits.RUNS, configs * reps, "--reps",
                     f"{configs:,} configurations x {reps:,} replicates = "
                     f"{configs * reps:,} runs")


def run_seed(root: int, index: int) -> int:
    """The seed of stream ``index``: the index-th child of ``SeedSequence(root)`` (the same as
    ``SeedSequence(root).spawn(index + 1)[-1]``), as a 63-bit int so that 10^5 runs do not
    collide (32 bits would) and the value fits a signed 64-bit column."""
    state = np.random.SeedSequence(root, spawn_key=(index,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))
