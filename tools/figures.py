"""Recompute every model figure the docs publish and print them as markdown tables.

    python tools/figures.py                    # every section (see --list; tens of minutes)
    python tools/figures.py presets lessons    # some sections
    python tools/figures.py --list
    python tools/figures.py presets --seeds 101-106 --workers 2

Each table comes with the command that reproduces it, so after an engine change every figure in
README.md, docs/ODD.md, docs/TEACHING.md and docs/BATCH.md can be re-measured in one go and
pasted back. Runs are spread over ``--workers`` processes; every run is decided by its seed, so
the tables are the same on any number of workers.

Sections:

- ``presets``: per preset and brand, first-year penetration, final reach, penetration,
  reach/penetration, core penetration, dream value, dilution, desire, dissatisfied buyers,
  negative word of mouth and revenue, with each exclusivity brand's drop cap as shipped (on) and
  lifted (off), beside the published first-year diffusion it is compared with (ODD 5.3).
- ``plausibility``: property 9's figures (tests/validation/test_plausibility.py), cap on and off.
- ``lessons``: the figures TEACHING.md quotes for each lesson's texts.
- ``paradox``: property 5's market, one observation per configuration, and its controls.
- ``headline``: the headline sweep (docs/BATCH.md, README) and its configuration-level paradox
  regression, through the batch layer exactly as ``ewom sweep ... --report`` runs it.
- ``scandals``: property 8's scandal effect and reach against budget.
- ``docking``: the Bass docking at the scenario's weekly step and at an annual step.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

WEEKS = 52
CAP_OFF = "adoption_cap=1"  # an exclusivity brand's drop size: all consumers a week, no cap


# --------------------------------------------------------------------------- running

@dataclass(frozen=True)
class Job:
    """One run: a preset (None: the default scenario), overrides and a seed."""

    preset: str | None
    sets: tuple[str, ...]
    seed: int
    steps: int | None = None


def _run(job: Job) -> pd.DataFrame:
    sc = scenario.load(job.preset, ["consumers.agents_max=0", *job.sets], seed=job.seed,
                       steps=job.steps)
    return EwomModel(sc).run()


class Runner:
    """Runs jobs on a process pool and remembers them (a figure asked twice runs once)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.done: dict[Job, pd.DataFrame] = {}
        self.pool = ProcessPoolExecutor(workers) if workers > 1 else None

    def runs(self, jobs: Iterable[Job]) -> list[pd.DataFrame]:
        jobs = list(jobs)
        todo = [j for j in dict.fromkeys(jobs) if j not in self.done]
        if todo:
            results = self.pool.map(_run, todo, chunksize=1) if self.pool else map(_run, todo)
            for job, df in zip(todo, results, strict=True):
                self.done[job] = df
        return [self.done[j] for j in jobs]

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown()


def cap_off(preset: str | None) -> tuple[str, ...]:
    """Overrides lifting every exclusivity brand's drop cap (adoption_cap = 1)."""
    sc = scenario.load(preset)
    return tuple(f"brands.{i}.{CAP_OFF}" for i, b in enumerate(sc.brands)
                 if "exclusivity" in (b.strategy, b.initial_strategy))


def at(df: pd.DataFrame, brand: str, col: str, step: int | None = None) -> float:
    """``col`` of ``brand`` at ``step`` (None: the last step; past the end: the last step)."""
    part = df[df["brand"] == brand]
    if step is not None and step <= int(part["step"].max()):
        return float(part.loc[part["step"] == step, col].iloc[0])
    return float(part[col].iloc[-1])


def mean_se(x: Sequence[float]) -> tuple[float, float]:
    x = np.asarray(x, float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def pct_se(x: Sequence[float], digits: int = 1) -> str:
    m, s = mean_se(x)
    return f"{100 * m:.{digits}f} ± {100 * s:.{digits}f}%"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def emit(title: str, command: str, body: str, note: str = "") -> None:
    print(f"\n### {title}\n\nCommand: `{command}`\n\n{body}\n" + (f"\n{note}\n" if note else ""))
    sys.stdout.flush()


# --------------------------------------------------------------------------- presets

# presets whose figures the docs publish, in the docs' order (docking presets: section docking)
PRESETS = (None, "organic", "linear", "coproduction", "entertainment", "influencer",
           "exclusivity", "adaptive", "luxury_vs_mass", "facebook", "headline", "seeding",
           "calibration", "lesson1_seeding", "lesson2_leaders", "lesson3_coproduction",
           "lesson4_influencer", "lesson5_exclusivity", "lesson6_facebook", "lesson7_adaptive")
# published first-year diffusion the presets are compared with (ODD 5.3)
BASS_P, BASS_Q = 0.03, 0.38  # Sultan, Farley & Lehmann (1990), per year


def bass_first_year(p: float, q: float) -> float:
    """Share of the market potential adopting in the first year of a continuous Bass model."""
    e = math.exp(-(p + q))
    return (1 - e) / (1 + (q / p) * e)


def preset_rows(runner: Runner, seeds: Sequence[int], presets: Sequence[str | None],
                cap: bool) -> list[list[str]]:
    rows = []
    for preset in presets:
        sets = () if cap else cap_off(preset)
        if not cap and not sets:
            continue
        dfs = runner.runs(Job(preset, sets, s) for s in seeds)
        for brand in dfs[0]["brand"].unique():
            def v(col, step=None, brand=brand):
                return [at(df, brand, col, step) for df in dfs]
            reach, pen = np.array(v("reach")), np.array(v("penetration"))
            neg = [df[df["brand"] == brand]["negative_share"].mean() for df in dfs]
            rows.append([preset or "(default)", brand, pct_se(v("penetration", WEEKS)),
                         pct(reach.mean()), pct(pen.mean()),
                         f"{reach.mean() / pen.mean():.1f}" if pen.mean() > 0 else "-",
                         pct(np.mean(v("penetration_core"))),
                         f"{np.mean(v('dream_value')):.2f}", pct(np.mean(v("dilution"))),
                         f"{np.mean(v('desire')):.2f}", pct(np.mean(v("dissatisfied")), 0),
                         pct(np.mean(neg)), f"{np.mean(v('revenue')):.0f}"])
    return rows


PRESET_HEADER = ("preset", "brand", "penetration at week 52", "reach", "penetration",
                 "reach / penetration", "core penetration", "dream value", "dilution",
                 "desire", "dissatisfied", "negative WOM (run)", "revenue")


def section_presets(runner: Runner, seeds: Sequence[int]) -> None:
    seeds_txt = f"{seeds[0]}-{seeds[-1]}"
    body = table(PRESET_HEADER, preset_rows(runner, seeds, PRESETS, cap=True))
    emit("Presets as shipped (final values; penetration at week 52 is mean ± se)",
         f"python tools/figures.py presets --seeds {seeds_txt}", body,
         "Final values at each preset's last step (week 52 unless it says otherwise); dream "
         "value and desire are among the aware core (status.dream_panel); negative WOM is the "
         "share of the run's word of mouth that was negative.")
    body = table(PRESET_HEADER, preset_rows(runner, seeds, PRESETS, cap=False))
    emit("The same presets with every exclusivity brand's drop cap lifted "
         "(brands.N.adoption_cap=1)", f"python tools/figures.py presets --seeds {seeds_txt}",
         body)
    bench = [["Bass, average coefficients (p 0.03, q 0.38 a year; Sultan, Farley & Lehmann "
              "1990)", pct(bass_first_year(BASS_P, BASS_Q))],
             ["Bass, twice the average coefficients (a fast category)",
              pct(bass_first_year(2 * BASS_P, 2 * BASS_Q))]]
    emit("Published first-year diffusion the presets are compared with (share of the market "
         "potential adopting in year one)", "python tools/figures.py presets",
         table(("benchmark", "first-year adoption"), bench))


# --------------------------------------------------------------------------- lessons

def late_share(strategy: str, after: int = 20) -> Callable[[pd.DataFrame, str], float]:
    """Share of the steps after ``after`` in which a brand ran ``strategy``."""
    def share(df: pd.DataFrame, brand: str) -> float:
        part = df[(df["brand"] == brand) & (df["step"] > after)]
        return float((part["strategy"] == strategy).mean())
    return share


def run_mean(col: str) -> Callable[[pd.DataFrame, str], float]:
    """Mean of ``col`` over a brand's whole run (e.g. the negative share of word of mouth)."""
    return lambda df, brand: float(df.loc[df["brand"] == brand, col].mean())


@dataclass(frozen=True)
class Figure:
    """One number a lesson's texts quote: a metric of a brand in a run of the lesson with
    ``sets``, at ``step`` (None: the end), averaged over the seeds."""

    label: str
    brand: str
    metric: str | Callable[[pd.DataFrame, str], float]
    step: int | None = None
    sets: tuple[str, ...] = ()
    share: bool = True  # print as a percentage

    def values(self, dfs: Sequence[pd.DataFrame]) -> list[float]:
        if callable(self.metric):
            return [self.metric(df, self.brand) for df in dfs]
        return [at(df, self.brand, self.metric, self.step) for df in dfs]


F_ = Figure
LESSONS: dict[str, tuple[Figure, ...]] = {
    "lesson1_seeding": (
        F_("Seeded reach, week 52", "Seeded", "reach"),
        F_("Seeded reach, week 10", "Seeded", "reach", 10),
        F_("Seeded penetration, week 52", "Seeded", "penetration"),
        F_("Unseeded reach, week 52", "Unseeded", "reach"),
        F_("Unseeded penetration, week 52", "Unseeded", "penetration"),
        F_("try: Unseeded with 20 seeds, reach", "Unseeded", "reach",
           sets=("brands.1.seeds=20",)),
        F_("try: advertising 0.005 a week, Unseeded reach", "Unseeded", "reach",
           sets=("ewom.p_external=0.005",)),
        F_("try: share chance 0.15, Seeded reach", "Seeded", "reach",
           sets=("ewom.p_share=0.15",)),
    ),
    "lesson2_leaders": (
        F_("reach, week 5", "Brand", "reach", 5),
        F_("reach, week 20", "Brand", "reach", 20),
        F_("reach, week 52", "Brand", "reach"),
        F_("penetration, week 52", "Brand", "penetration"),
        F_("negative WOM, whole run", "Brand", run_mean("negative_share")),
        F_("try: followers pass it on (0.5), reach", "Brand", "reach",
           sets=("ewom.follower_share=0.5",)),
        F_("try: organic, reach week 5", "Brand", "reach", 5, sets=("ewom.model=organic",)),
        F_("try: organic, reach week 52", "Brand", "reach", sets=("ewom.model=organic",)),
    ),
    "lesson3_coproduction": (
        F_("reach, week 20", "Brand", "reach", 20),
        F_("reach, week 52", "Brand", "reach"),
        F_("penetration, week 52", "Brand", "penetration"),
        F_("negative WOM, last week", "Brand", "negative_share"),
        F_("rejecters, week 52", "Brand", "rejecters"),
        F_("try: organic, reach week 20", "Brand", "reach", 20, sets=("ewom.model=organic",)),
        F_("try: organic, negative WOM last week", "Brand", "negative_share",
           sets=("ewom.model=organic",)),
        F_("try: organic, rejecters", "Brand", "rejecters", sets=("ewom.model=organic",)),
        F_("try: no pushback, negative WOM last week", "Brand", "negative_share",
           sets=("ewom.pushback=0",)),
    ),
    "lesson4_influencer": (
        F_("Lavish reach, week 10", "Lavish", "reach", 10),
        F_("Modest reach, week 10", "Modest", "reach", 10),
        F_("Lavish reach, week 52", "Lavish", "reach"),
        F_("Modest reach, week 52", "Modest", "reach"),
        F_("Lavish penetration", "Lavish", "penetration"),
        F_("Modest penetration", "Modest", "penetration"),
        F_("Lavish dilution, week 10", "Lavish", "dilution", 10),
        F_("Lavish dilution, week 52", "Lavish", "dilution"),
        F_("Modest dilution, week 10", "Modest", "dilution", 10),
        F_("Modest dilution, week 52", "Modest", "dilution"),
        F_("Lavish dream value", "Lavish", "dream_value", share=False),
        F_("try: Modest runs exclusivity, its dilution", "Modest", "dilution",
           sets=("brands.1.strategy=exclusivity",)),
        F_("try: snob effect 0, Lavish dilution", "Lavish", "dilution", sets=("status.snob=0",)),
        F_("try: snob effect 0, Modest dilution", "Modest", "dilution", sets=("status.snob=0",)),
    ),
    "lesson5_exclusivity": (
        F_("Buzz reach", "Buzz", "reach"),
        F_("Maison reach", "Maison", "reach"),
        F_("Buzz penetration", "Buzz", "penetration"),
        F_("Maison penetration", "Maison", "penetration"),
        F_("Maison core penetration", "Maison", "penetration_core"),
        F_("Maison penetration outside the core", "Maison", "penetration_outside_core"),
        F_("Maison dream value", "Maison", "dream_value", share=False),
        F_("Buzz dream value", "Buzz", "dream_value", share=False),
        F_("Maison desire", "Maison", "desire", share=False),
        F_("Buzz desire", "Buzz", "desire", share=False),
        F_("Maison dilution", "Maison", "dilution"),
        F_("Buzz dilution", "Buzz", "dilution"),
        F_("Maison dissatisfied buyers", "Maison", "dissatisfied"),
        F_("Maison revenue", "Maison", "revenue", share=False),
        F_("Buzz revenue", "Buzz", "revenue", share=False),
        F_("try: budget 300, Maison reach", "Maison", "reach", sets=("brands.0.budget=300",)),
        F_("try: budget 300, Maison penetration outside the core", "Maison",
           "penetration_outside_core", sets=("brands.0.budget=300",)),
        F_("try: budget 300, Maison dilution", "Maison", "dilution",
           sets=("brands.0.budget=300",)),
        F_("try: Maison influencer at 0.5, reach", "Maison", "reach",
           sets=("brands.0.strategy=influencer", "brands.0.price=0.5")),
        F_("try: Maison influencer at 0.5, penetration", "Maison", "penetration",
           sets=("brands.0.strategy=influencer", "brands.0.price=0.5")),
        F_("try: Maison influencer at 0.5, dilution", "Maison", "dilution",
           sets=("brands.0.strategy=influencer", "brands.0.price=0.5")),
        F_("try: Buzz status weight 1, dream value", "Buzz", "dream_value",
           sets=("brands.1.status_weight=1",), share=False),
        F_("try: Buzz status weight 1, dilution", "Buzz", "dilution",
           sets=("brands.1.status_weight=1",)),
    ),
    "lesson6_facebook": (
        F_("MassPremium reach, week 5", "MassPremium", "reach", 5),
        F_("MassPremium reach, week 52", "MassPremium", "reach"),
        F_("MassPremium penetration", "MassPremium", "penetration"),
        F_("Maison reach", "Maison", "reach"),
        F_("Maison penetration", "Maison", "penetration"),
        F_("Maison core penetration", "Maison", "penetration_core"),
        F_("Maison dream value, week 10", "Maison", "dream_value", 10, share=False),
        F_("Maison dream value, week 52", "Maison", "dream_value", share=False),
        F_("Maison dilution", "Maison", "dilution"),
        F_("MassPremium dilution", "MassPremium", "dilution"),
        F_("try: adaptive Maison, reach", "Maison", "reach",
           sets=("brands.0.strategy=adaptive",)),
        F_("try: adaptive Maison, dilution", "Maison", "dilution",
           sets=("brands.0.strategy=adaptive",)),
        F_("try: adaptive Maison, exclusivity after week 20", "Maison",
           late_share("exclusivity"), sets=("brands.0.strategy=adaptive",)),
        F_("try: coproduction, Maison negative WOM (run)", "Maison", run_mean("negative_share"),
           sets=("ewom.model=coproduction",)),
        F_("try: coproduction, MassPremium negative WOM (run)", "MassPremium",
           run_mean("negative_share"), sets=("ewom.model=coproduction",)),
    ),
    "lesson7_adaptive": (
        F_("Heritage: exclusivity after week 20", "Heritage", late_share("exclusivity")),
        F_("Trendy: exclusivity after week 20", "Trendy", late_share("exclusivity")),
        F_("Trendy: entertainment after week 20", "Trendy", late_share("entertainment")),
        F_("Heritage reach", "Heritage", "reach"),
        F_("Trendy reach", "Trendy", "reach"),
        F_("Heritage penetration", "Heritage", "penetration"),
        F_("Trendy penetration", "Trendy", "penetration"),
        F_("Heritage dilution", "Heritage", "dilution"),
        F_("Trendy dilution", "Trendy", "dilution"),
        F_("try: Heritage weight 0, exclusivity after week 20", "Heritage",
           late_share("exclusivity"), sets=("brands.0.exclusivity_weight=0",)),
    ),
}


def section_lessons(runner: Runner, seeds: Sequence[int]) -> None:
    seeds_txt = f"{seeds[0]}-{seeds[-1]}"
    for lesson, figures in LESSONS.items():
        rows = []
        for f in figures:
            vals = f.values(runner.runs(Job(lesson, f.sets, s) for s in seeds))
            m, se = mean_se(vals)
            shown = f"{100 * m:.1f}% ± {100 * se:.1f}" if f.share else f"{m:.3g} ± {se:.2g}"
            rows.append([f.label, shown, f"{100 * min(vals):.1f}-{100 * max(vals):.1f}%"
                         if f.share else f"{min(vals):.3g}-{max(vals):.3g}"])
        emit(f"{lesson} (mean ± se over seeds {seeds_txt}; range over the seeds)",
             f"python tools/figures.py lessons --seeds {seeds_txt}",
             table(("figure", "value", "range"), rows))


# --------------------------------------------------------------------------- main

SECTIONS: dict[str, Callable[[Runner, Sequence[int]], None]] = {
    "presets": section_presets,
    "lessons": section_lessons,
}


def parse_seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sections", nargs="*", help="sections to run (default: all)")
    ap.add_argument("--seeds", default="101-106", help="seeds: 101-106 or 101,102,...")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--list", action="store_true", help="list the sections and stop")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(SECTIONS))
        return
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")
    seeds = parse_seeds(args.seeds)
    runner = Runner(args.workers)
    try:
        for name in args.sections or list(SECTIONS):
            t0 = time.perf_counter()
            SECTIONS[name](runner, seeds)
            print(f"\n<!-- {name}: {time.perf_counter() - t0:.0f} s -->")
    finally:
        runner.close()


if __name__ == "__main__":
    main()
