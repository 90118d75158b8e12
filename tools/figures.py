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
- ``default``: the default scenario under each eWOM model (ODD 5.2); ``claims``: the figures the
  other presets' texts quote.
- ``calibration``, ``seeding``: the README's calibration example and seeding sweep.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
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
    """Per preset and brand, at week 52 (the first year; the last step of a shorter run)."""
    rows = []
    for preset in presets:
        sets = () if cap else cap_off(preset)
        if not cap and not sets:
            continue
        dfs = runner.runs(Job(preset, sets, s) for s in seeds)
        week = min(WEEKS, int(dfs[0]["step"].max()))
        for brand in dfs[0]["brand"].unique():
            def v(col: str, brand: str = brand, dfs: list = dfs) -> np.ndarray:
                return np.array([at(df, brand, col, WEEKS) for df in dfs])
            reach, pen = v("reach"), v("penetration")
            neg = [df.loc[(df["brand"] == brand) & (df["step"] <= week), "negative_share"]
                   .mean() for df in dfs]
            rows.append([preset or "(default)", brand, week, pct_se(pen), pct(reach.mean()),
                         f"{reach.mean() / pen.mean():.1f}" if pen.mean() > 0 else "-",
                         pct(v("penetration_core").mean()),
                         f"{v('dream_value').mean():.2f}", pct(v("dilution").mean()),
                         f"{v('desire').mean():.2f}", pct(v("dissatisfied").mean(), 0),
                         pct(float(np.mean(neg))), f"{v('revenue').mean():.0f}"])
    return rows


PRESET_HEADER = ("preset", "brand", "week", "penetration (mean ± se)", "reach",
                 "reach / penetration", "core penetration", "dream value", "dilution",
                 "desire", "dissatisfied", "negative WOM (to date)", "revenue")


def section_presets(runner: Runner, seeds: Sequence[int]) -> None:
    seeds_txt = f"{seeds[0]}-{seeds[-1]}"
    body = table(PRESET_HEADER, preset_rows(runner, seeds, PRESETS, cap=True))
    emit("Presets as shipped, first year (week 52; means over the seeds)",
         f"python tools/figures.py presets --seeds {seeds_txt}", body,
         "Values at week 52 (at the last week of a preset that runs less than a year); dream "
         "value and desire are among the aware core (status.dream_panel); negative WOM is the "
         "mean weekly share of word of mouth that was negative up to that week.")
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


def section_default(runner: Runner, seeds: Sequence[int]) -> None:
    """The default scenario (no preset) under each eWOM regime (ODD 5.2)."""
    rows = []
    for model in ("organic", "linear", "coproduction"):
        dfs = runner.runs(Job(None, (f"ewom.model={model}",), s) for s in seeds)
        def v(col: str, dfs: list = dfs) -> list[float]:
            return [at(df, "Brand", col) for df in dfs]
        words = [(df["negative_share"] * df["messages"]).sum() / max(df["messages"].sum(), 1)
                 for df in dfs]
        rows.append([model, pct_se(v("reach")), pct_se(v("penetration")),
                     pct(np.mean(v("penetration_core"))),
                     pct(np.mean(v("penetration_outside_core"))),
                     f"{np.mean(v('dream_value')):.2f}", pct(np.mean(v("dilution"))),
                     pct_se(words), pct(np.mean(v("rejecters"))),
                     pct(np.mean(v("dissatisfied")), 0)])
    seeds_txt = f"{seeds[0]}-{seeds[-1]}"
    emit(f"The default scenario under each eWOM model, week 52 (seeds {seeds_txt})",
         f"python tools/figures.py default --seeds {seeds_txt}",
         table(("regime", "reach", "penetration", "core", "outside core", "dream value",
                "dilution", "negative WOM (run)", "rejecters", "dissatisfied buyers"), rows),
         "Negative WOM (run): the share of all word-of-mouth messages of the run that were "
         "negative.")


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


# the figures the other presets' texts (look_for, try_this) quote
CLAIMS: dict[str, tuple[Figure, ...]] = {
    "organic": (
        F_("reach, week 26", "Brand", "reach", 26),
        F_("reach, week 52", "Brand", "reach"),
        F_("penetration, week 52", "Brand", "penetration"),
        F_("negative WOM, whole run", "Brand", run_mean("negative_share")),
        F_("try: share chance 0.3, reach", "Brand", "reach", sets=("ewom.p_share=0.3",)),
        F_("try: talk never fades, reach", "Brand", "reach", sets=("ewom.talk_halflife=0",)),
    ),
    "linear": (
        F_("reach, week 5", "Brand", "reach", 5),
        F_("reach, week 52", "Brand", "reach"),
        F_("penetration, week 52", "Brand", "penetration"),
        F_("try: followers pass it on (0.5), reach", "Brand", "reach",
           sets=("ewom.follower_share=0.5",)),
    ),
    "coproduction": (
        F_("reach, week 26", "Brand", "reach", 26),
        F_("penetration, week 52", "Brand", "penetration"),
        F_("negative WOM, whole run", "Brand", run_mean("negative_share")),
        F_("negative WOM, last week", "Brand", "negative_share"),
        F_("rejecters, week 52", "Brand", "rejecters"),
        F_("try: organic, reach week 26", "Brand", "reach", 26, sets=("ewom.model=organic",)),
    ),
    "entertainment": (
        F_("reach", "Brand", "reach"),
        F_("penetration", "Brand", "penetration"),
        F_("dilution", "Brand", "dilution"),
        F_("try: budget 200, reach", "Brand", "reach", sets=("brands.0.budget=200",)),
    ),
    "influencer": (
        F_("reach", "Brand", "reach"),
        F_("dilution", "Brand", "dilution"),
        F_("scandals in the year", "Brand", "scandals", share=False),
        F_("try: scandal rate 5, dream value", "Brand", "dream_value",
           sets=("brands.0.scandal_rate=5",), share=False),
        F_("try: scandal rate 5, revenue", "Brand", "revenue",
           sets=("brands.0.scandal_rate=5",), share=False),
        F_("revenue", "Brand", "revenue", share=False),
        F_("dream value", "Brand", "dream_value", share=False),
    ),
    "exclusivity": (
        F_("reach", "Brand", "reach"),
        F_("penetration", "Brand", "penetration"),
        F_("core penetration", "Brand", "penetration_core"),
        F_("penetration outside the core", "Brand", "penetration_outside_core"),
        F_("dilution", "Brand", "dilution"),
        F_("try: open shops and p_share 0.2, dilution", "Brand", "dilution",
           sets=("brands.0.distribution=1", "ewom.p_share=0.2")),
        F_("try: open shops and p_share 0.2, penetration outside the core", "Brand",
           "penetration_outside_core", sets=("brands.0.distribution=1", "ewom.p_share=0.2")),
    ),
    "adaptive": (
        F_("entertainment, share of weeks", "Brand", late_share("entertainment", 0)),
        F_("influencer, share of weeks", "Brand", late_share("influencer", 0)),
        F_("exclusivity, share of weeks", "Brand", late_share("exclusivity", 0)),
        F_("reach", "Brand", "reach"),
        F_("dilution", "Brand", "dilution"),
        F_("try: weight 10, exclusivity share of weeks", "Brand", late_share("exclusivity", 0),
           sets=("brands.0.exclusivity_weight=10",)),
    ),
    "luxury_vs_mass": (
        F_("MassPremium reach", "MassPremium", "reach"),
        F_("MassPremium penetration", "MassPremium", "penetration"),
        F_("Maison reach", "Maison", "reach"),
        F_("Maison penetration", "Maison", "penetration"),
        F_("Maison core penetration", "Maison", "penetration_core"),
        F_("Maison dream value", "Maison", "dream_value", share=False),
        F_("Maison dilution", "Maison", "dilution"),
        F_("Maison revenue", "Maison", "revenue", share=False),
        F_("MassPremium revenue", "MassPremium", "revenue", share=False),
        F_("try: MassPremium status weight 1, dream value", "MassPremium", "dream_value",
           sets=("brands.1.status_weight=1",), share=False),
        F_("try: MassPremium status weight 1, dilution", "MassPremium", "dilution",
           sets=("brands.1.status_weight=1",)),
    ),
    "facebook": (
        F_("MassPremium reach", "MassPremium", "reach"),
        F_("MassPremium penetration", "MassPremium", "penetration"),
        F_("Maison reach", "Maison", "reach"),
        F_("Maison penetration", "Maison", "penetration"),
        F_("Maison dream value", "Maison", "dream_value", share=False),
        F_("Maison dilution", "Maison", "dilution"),
    ),
    "seeding": (
        F_("reach, week 26 (degree seeding)", "Brand", "reach"),
        F_("penetration, week 26", "Brand", "penetration"),
        F_("try: random seeding, reach", "Brand", "reach", sets=("brands.0.seeding=random",)),
    ),
    "calibration": (
        F_("reach, week 40", "Launch", "reach"),
        F_("penetration, week 40", "Launch", "penetration"),
    ),
}


def section_claims(runner: Runner, seeds: Sequence[int]) -> None:
    """The figures quoted by the texts of the presets that are not lessons (ODD 5.3)."""
    _figure_tables(runner, seeds, CLAIMS, "claims")


def section_lessons(runner: Runner, seeds: Sequence[int]) -> None:
    _figure_tables(runner, seeds, LESSONS, "lessons")


def _figure_tables(runner: Runner, seeds: Sequence[int], what: dict[str, tuple[Figure, ...]],
                   section: str) -> None:

    seeds_txt = f"{seeds[0]}-{seeds[-1]}"
    for lesson, figures in what.items():
        rows = []
        for f in figures:
            vals = f.values(runner.runs(Job(lesson, f.sets, s) for s in seeds))
            m, se = mean_se(vals)
            shown = f"{100 * m:.1f}% ± {100 * se:.1f}" if f.share else f"{m:.3g} ± {se:.2g}"
            rows.append([f.label, shown, f"{100 * min(vals):.1f}-{100 * max(vals):.1f}%"
                         if f.share else f"{min(vals):.3g}-{max(vals):.3g}"])
        emit(f"{lesson} (mean ± se over seeds {seeds_txt}; range over the seeds)",
             f"python tools/figures.py {section} --seeds {seeds_txt}",
             table(("figure", "value", "range"), rows))


# --------------------------------------------------------------------------- paradox

# property 5's market (tests/validation/test_luxury_paradox.py): one run per configuration
MARKET = [(s, b, p) for s in ("entertainment", "influencer", "exclusivity")
          for b in (25, 100, 400) for p in (0.2, 1.0, 2.0)]
CONTROLS = {"consumers sensitive to status": (),
            "nobody minds who owns it (status.snob=0, status.aspiration=0)":
                ("status.snob=0", "status.aspiration=0"),
            "blind to status (status sensitivity 0)":
                ("consumers.status_sensitivity_core=0",
                 "consumers.status_sensitivity_aspirational=0")}


def fit_rows(label: str, y: np.ndarray, reach: np.ndarray, pen: np.ndarray) -> list[list[str]]:
    from ewom_abm.batch.stats import ols

    if np.ptp(y) == 0:
        return [[label, str(y.size), f"dream value {y[0]:.3g} everywhere: nothing to regress",
                 "", ""]]
    f = ols(y, {"awareness": reach, "penetration": pen})
    return [[label, str(f.n), f"{f.coef[1]:+.2f} [{f.lo[1]:+.2f}, {f.hi[1]:+.2f}]",
             f"{f.coef[2]:+.2f} [{f.lo[2]:+.2f}, {f.hi[2]:+.2f}] (se {f.se[2]:.2f})",
             f"{f.r2:.2f}"]]


def section_paradox(runner: Runner, seeds: Sequence[int]) -> None:
    rows = []
    for first in (0, 100):
        for label, extra in CONTROLS.items():
            jobs = [Job(None, ("network.kind=barabasi_albert", "network.n=2000",
                               "brands.0.prestige=1", f"brands.0.strategy={st}",
                               f"brands.0.budget={b}", f"brands.0.price={pr}", *extra),
                        first + i, 26) for i, (st, b, pr) in enumerate(MARKET, start=1)]
            y, reach, pen = np.array([(df["dream_value"].iloc[-1], df["reach"].iloc[-1],
                                       df["penetration"].iloc[-1])
                                      for df in runner.runs(jobs)]).T
            rows += fit_rows(f"{label}, seeds {first + 1}-{first + len(MARKET)}", y, reach,
                             pen)
    emit("Property 5: the paradox across 27 configurations of a luxury brand (one run each)",
         "python tools/figures.py paradox",
         table(("market", "n (configurations)", "awareness [95% CI]", "penetration [95% CI]",
                "R²"), rows),
         "Barabasi-Albert, 2,000 consumers, 26 weeks, prestige 1; strategies x budgets 25, "
         "100, 400 x prices 0.2, 1, 2 (tests/validation/test_luxury_paradox.py, both blocks).")


# --------------------------------------------------------------------------- headline

HEADLINE_VARY = ("ewom.model=organic,linear,coproduction",
                 "brands.0.strategy=entertainment,influencer,exclusivity",
                 "brands.0.price=0.2,1,2", "brands.0.budget=25,100,400",
                 "ewom.p_share=0.02,0.04")
HEADLINE_REPS = 2


def headline_command(out: str) -> str:
    vary = " ".join(f"--vary {v}" for v in HEADLINE_VARY)
    return f"ewom sweep headline {vary} --reps {HEADLINE_REPS} --out {out} --report"


def section_headline(runner: Runner, seeds: Sequence[int], out: Path | None = None) -> None:
    """The headline sweep, run by the CLI itself; its configuration-level paradox and the
    frontier of the nine regime x strategy cells, each averaged over its configurations."""
    import shutil
    import subprocess

    from ewom_abm.batch import report
    from ewom_abm.batch.stats import ols

    out = out or Path("out") / "figures" / "headline"
    shutil.rmtree(out, ignore_errors=True)
    command = headline_command(str(out))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ewom_abm", *command.split()[1:], "--no-progress",
                    "--workers", str(runner.workers)], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    sweep = report.load(out)
    runs = sweep.runs
    result = report.paradox(runs)
    f = result["fit"]
    rows = [[f"configuration means (n = {f.n} configurations of {result['replicates']} "
             f"replicates)", f"{f.coef[1]:+.3f} [{f.lo[1]:+.3f}, {f.hi[1]:+.3f}]",
             f"{f.coef[2]:+.3f} [{f.lo[2]:+.3f}, {f.hi[2]:+.3f}]", f"{f.r2:.2f}"]]
    pooled = ols(runs["dream_value"].to_numpy(float),
                 {"a": runs["reach"].to_numpy(float), "p": runs["penetration"].to_numpy(float)})
    rows.append([f"runs pooled, for contrast (n = {pooled.n} runs: pseudo-replication)",
                 f"{pooled.coef[1]:+.3f} [{pooled.lo[1]:+.3f}, {pooled.hi[1]:+.3f}]",
                 f"{pooled.coef[2]:+.3f} [{pooled.lo[2]:+.3f}, {pooled.hi[2]:+.3f}]",
                 f"{pooled.r2:.2f}"])
    emit(f"Headline sweep: the paradox regression ({len(runs)} runs in {wall:.0f} s on "
         f"{runner.workers} workers)", command,
         table(("regression", "awareness [95% CI]", "penetration [95% CI]", "R²"), rows),
         f"Verdict (report/paradox.md): {result['verdict']}.")
    cells = headline_cells(runs)
    rows = []
    for c in cells.itertuples(index=False):
        rows.append([c.ewom_model, c.brand_strategy, str(c.n),
                     *(f"{100 * getattr(c, k + '_mean'):.1f}% [{100 * getattr(c, k + '_lo'):.1f}, "
                       f"{100 * getattr(c, k + '_hi'):.1f}]"
                       for k in ("reach", "penetration", "dilution")),
                     f"{c.dream_value_mean:.2f} [{c.dream_value_lo:.2f}, {c.dream_value_hi:.2f}]",
                     f"{c.revenue_mean:.0f} [{c.revenue_lo:.0f}, {c.revenue_hi:.0f}]"])
    png = out / "report" / "frontier_cells.png"
    report.plot_frontier(cells, png, "headline, each cell over its price x budget x p_share "
                         "configurations", unit="configurations")
    emit("Headline sweep: each regime x strategy averaged over its price x budget x p_share "
         "configurations (95% t CI across the configuration means)", command,
         table(("eWOM model", "strategy", "configurations", "reach", "penetration",
                "dilution", "dream value", "revenue"), rows),
         f"The report (frontier.png with every configuration, summary.md, paradox.md) is in "
         f"{out / 'report'}; docs/headline_frontier.png is a copy of {png}.")


def headline_cells(runs: pd.DataFrame) -> pd.DataFrame:
    """Per eWOM model and strategy: the mean and 95% t CI, across its configurations, of the
    configuration means, in the frame report.plot_frontier draws (n = configurations)."""
    from ewom_abm.batch.stats import mean_ci

    cols = ["reach", "penetration", "dilution", "dream_value", "revenue"]
    per_config = runs.groupby(["config", "ewom.model", "brands.0.strategy"],
                              as_index=False)[cols].mean()
    cells = mean_ci(per_config, ["ewom.model", "brands.0.strategy"], cols)
    cells = cells.rename(columns={"ewom.model": "ewom_model",
                                  "brands.0.strategy": "brand_strategy"})
    order = {m: i for i, m in enumerate(("organic", "linear", "coproduction"))}
    cells = cells.sort_values("ewom_model", key=lambda c: c.map(order), kind="stable")
    cells = cells.reset_index(drop=True)
    cells.insert(0, "config", range(len(cells)))
    cells.insert(1, "brand", "Brand")
    cells.insert(2, "label", cells["brand_strategy"] + " / " + cells["ewom_model"])
    cells["extra"] = ""
    return cells


# --------------------------------------------------------------------------- scandals

def section_scandals(runner: Runner, seeds: Sequence[int]) -> None:
    rows = []
    for first in (0, 1000):
        pair = {rate: runner.runs(Job("influencer", (f"brands.0.scandal_rate={rate}",),
                                      first + s) for s in range(8)) for rate in (5.48, 0.0)}
        cells = [f"{first}-{first + 7}"]
        for col in ("dream_value", "revenue", "negative_share"):
            vals = {}
            for rate, dfs in pair.items():
                vals[rate] = [df["negative_share"].mean() if col == "negative_share"
                              else df[col].iloc[-1] for df in dfs]
            fmt = (lambda x: f"{x:.0f}") if col == "revenue" else (lambda x: f"{x:.3f}")
            cells.append(f"{fmt(np.mean(vals[5.48]))} against {fmt(np.mean(vals[0.0]))}")
        rows.append(cells)
    emit("Property 8: scandals on (5.48 a year, a weekly chance of 0.1) against off, "
         "influencer preset, paired seeds", "python tools/figures.py scandals",
         table(("seeds", "dream value", "revenue", "weekly negative share"), rows))
    budgets = {"entertainment": (0, 20, 40, 60, 80), "influencer": (0, 25, 50, 75, 100),
               "exclusivity": (0, 120, 240, 360, 480)}
    rows = []
    for strategy, levels in budgets.items():
        reach = [np.mean([df["reach"].iloc[-1] for df in runner.runs(
            Job(strategy, (f"brands.0.budget={b}",), 100 + s) for s in range(12))])
            for b in levels]
        rows.append([strategy, ", ".join(str(b) for b in levels),
                     ", ".join(f"{r:.2f}" for r in reach)])
    emit("Property 8: final reach against each strategy's weekly budget (12 seeds, 100-111)",
         "python tools/figures.py scandals",
         table(("strategy", "budgets", "reach"), rows))


# --------------------------------------------------------------------------- docking

def section_docking(runner: Runner, seeds: Sequence[int]) -> None:
    from ewom_abm.model.reference import bass_continuous, bass_recurrence, bass_sd

    rows = []
    for label, sets, steps, reps in (
            ("weekly step (the preset: p, q a year / 52)", (), None, 4),
            ("annual step (p = 0.03, q = 0.38 a step, 100,000 consumers)",
             ("ewom.p_external=0.03", "ewom.p_share=0.038", "network.n=100000"), 25, 8)):
        dfs = runner.runs(Job("bass_docking", sets, s, steps) for s in range(reps))
        curves = np.array([df["penetration"].to_numpy() for df in dfs])
        sc = scenario.load("bass_docking", list(sets), steps=steps)
        p, q = sc.ewom.p_external, sc.ewom.p_share * sc.network.mean_degree
        t = np.arange(sc.steps + 1)
        rec = bass_recurrence(p, q, sc.steps)
        years = t / WEEKS if steps is None else t
        cont = bass_continuous(BASS_P, BASS_Q, years)
        err = np.abs(curves.mean(axis=0) - rec)
        sd = bass_sd(p, q, sc.steps, sc.network.n)[err.argmax()] / math.sqrt(reps)
        first = curves[:, WEEKS].mean() if steps is None else curves[:, 1].mean()
        rows.append([label, f"{reps} x {sc.network.n:,} x {sc.steps}", f"{err.max():.4f} "
                     f"(se {sd:.4f})", f"{np.abs(curves.mean(axis=0) - cont).max():.4f}",
                     f"{np.abs(rec - cont).max():.4f}", pct(first)])
    emit("Property 1: Bass docking at the scenario's own time step",
         "python tools/figures.py docking",
         table(("time step", "runs x consumers x steps", "max abs(mean - recurrence)",
                "max abs(mean - continuous)", "max abs(recurrence - continuous)",
                "adopted after one year"), rows),
         f"Continuous Bass with the average coefficients: {pct(bass_first_year(BASS_P, BASS_Q))}"
         " of the market in the first year.")


# --------------------------------------------------------------------------- plausibility

PLAUSIBLE = (None, "luxury_vs_mass", "facebook", "lesson5_exclusivity", "lesson6_facebook")


def section_plausibility(runner: Runner, seeds: Sequence[int]) -> None:
    rows = []
    for cap in (True, False):
        for preset in PLAUSIBLE:
            sets = () if cap else cap_off(preset)
            dfs = runner.runs(Job(preset, sets, s) for s in range(6))
            brand = "Brand" if preset is None else "Maison"
            reach = np.array([at(df, brand, "reach") for df in dfs])
            pen = np.array([at(df, brand, "penetration") for df in dfs])
            core = [at(df, brand, "penetration_core", WEEKS) for df in dfs]
            dis = [at(df, brand, "dissatisfied") for df in dfs]
            neg = [df.loc[df["brand"] == brand, "negative_share"].max() for df in dfs]
            rows.append([preset or "(default)", brand, "as shipped" if cap else "lifted",
                         f"{(reach / pen).mean():.1f}", pct_se(pen), pct(np.mean(core)),
                         pct(np.mean(dis)), pct(np.mean(neg))])
    emit("Property 9: plausible by default, drop cap as shipped and lifted (seeds 0-5)",
         "python tools/figures.py plausibility",
         table(("preset", "brand", "drop cap", "reach / penetration", "penetration",
                "core penetration (week 52)", "dissatisfied buyers", "peak negative WOM"),
               rows))


# --------------------------------------------------------------------------- README commands

CALIBRATE = ("ewom calibrate calibration --data data/example_launch.csv --target adopters "
             "--scale count --population 2000 --param ewom.p_share=0.01:0.15 "
             "--param ewom.p_external=0.001:0.03 --reps 24")
SEEDING = ("ewom sweep seeding --vary brands.0.seeding=random,degree,betweenness,"
           "degree_discount,greedy --reps 20")


def _ewom(command: str, out: Path, workers: int) -> tuple[str, float]:
    """Run an ``ewom`` command of the README into ``out``; its standard output and wall time."""
    import shutil
    import subprocess

    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ewom_abm", *command.split()[1:], "--out",
                           str(out), "--workers", str(workers)], check=True,
                          capture_output=True, text=True)
    return done.stdout, time.perf_counter() - t0


def section_calibration(runner: Runner, seeds: Sequence[int]) -> None:
    """The README's calibration example: the fit of data/example_launch.csv (made at p_share
    0.07, p_external 0.006 by data/make_example_launch.py)."""
    out = Path("out") / "figures" / "calibration"
    text, wall = _ewom(CALIBRATE, out, runner.workers)
    emit(f"README: calibration of the example launch ({wall:.0f} s)", CALIBRATE,
         "```\n" + text.strip() + "\n```",
         "True values: ewom.p_share 0.07, ewom.p_external 0.006 (data/make_example_launch.py).")


def section_seeding(runner: Runner, seeds: Sequence[int]) -> None:
    """The README's seeding sweep: final reach per seeding rule, with 95% CIs."""
    from ewom_abm.batch import report

    out = Path("out") / "figures" / "seeding"
    _, wall = _ewom(SEEDING, out, runner.workers)
    summary = report.summarize(report.load(out))
    rows = [[r["brands.0.seeding"], f"{r['reach_mean']:.3f} [{r['reach_lo']:.3f}, "
             f"{r['reach_hi']:.3f}]", f"{r['penetration_mean']:.3f}"]
            for r in summary.to_dict("records")]
    emit(f"README: reach after 26 weeks by seeding rule, 20 replicates ({wall:.0f} s)", SEEDING,
         table(("seeding", "reach [95% CI]", "penetration"), rows))


# --------------------------------------------------------------------------- main

SECTIONS: dict[str, Callable[[Runner, Sequence[int]], None]] = {
    "presets": section_presets,
    "default": section_default,
    "claims": section_claims,
    "lessons": section_lessons,
    "plausibility": section_plausibility,
    "paradox": section_paradox,
    "scandals": section_scandals,
    "docking": section_docking,
    "headline": section_headline,
    "calibration": section_calibration,
    "seeding": section_seeding,
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
