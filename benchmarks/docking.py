"""Docking errors against the closed forms of MODEL.md, printed as a table.

    python benchmarks/docking.py [--reps 20]

Bass: the bass_docking preset (global mixing, the average annual p = 0.03 and q = 0.38 as weekly
hazards, 20,000 consumers, 416 weeks) against the weekly recurrence and the continuous closed
form; then the same model at an annual step (p, q per step, 100,000 consumers), where the
continuous form is the wrong target. Independent cascade: the
exact expectation on a small graph (many disjoint copies in one run), and the giant cascade on
Erdos-Renyi (c = 2, p = 1) against z = 1 - exp(-c z).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from ewom_abm.model import scenario
from ewom_abm.model.graph import from_edges
from ewom_abm.model.model import EwomModel
from ewom_abm.model.reference import (
    DOCKED,
    bass_continuous,
    bass_recurrence,
    bass_sd,
    cascade_distribution_exact,
    er_giant_fraction,
    er_giant_sd,
)
from ewom_abm.model.state import Stage

IC = [*DOCKED, "consumers.agents_max=0", "ewom.share_once=true"]
KITE = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)]


def bass(reps: int) -> None:
    """The preset at its own weekly step, and the same model at an annual step."""
    for label, sets, steps, time_unit in (
            ("weekly step (annual p, q as weekly hazards)", [], None, 52),
            ("annual step (p, q per step)", ["ewom.p_external=0.03", "ewom.p_share=0.038",
                                             "network.n=100000"], 25, 1)):
        runs = []
        for seed in range(reps):
            m = EwomModel(scenario.load("bass_docking", ["consumers.agents_max=0", *sets],
                                        seed=seed, steps=steps))
            runs.append(m.run()["penetration"].to_numpy())
        curves = np.array(runs)
        cfg = m.config
        p, q = cfg.ewom.p_external, cfg.ewom.p_share * cfg.network.mean_degree
        steps, n = cfg.steps, m.n
        f = bass_recurrence(p, q, steps)
        err = np.abs(curves.mean(axis=0) - f)
        single = np.abs(curves - f).max(axis=1)
        years = np.arange(steps + 1) / time_unit
        cont = np.abs(curves.mean(axis=0) - bass_continuous(0.03, 0.38, years)).max()
        sd = bass_sd(p, q, steps, n)
        print(f"Bass docking, {label}: {reps} runs x {n:,} consumers x {steps} steps, "
              f"p={p:.6g}, q={q:.6g}")
        print(f"  max |mean - recurrence|          {err.max():.5f}  (at step {err.argmax()}; "
              f"expected sampling sd of the mean there {sd[err.argmax()] / np.sqrt(reps):.5f})")
        print(f"  max |single run - recurrence|    {single.mean():.5f} on average over runs "
              f"(linear-noise sd peaks at {sd.max():.5f})")
        print(f"  max |mean - continuous form|     {cont:.5f}  (p = 0.03, q = 0.38 a year; "
              "the right target only at a small step)")


def cascade_exact(copies: int) -> None:
    p = 0.4
    dist = cascade_distribution_exact(from_edges(*np.array(KITE).T, 6), [0], p)
    k = np.arange(dist.size)
    mean = float((k * dist).sum())
    sd = float(np.sqrt(((k - mean) ** 2 * dist).sum()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kites.txt"
        path.write_text("".join(f"{u + 6 * c} {v + 6 * c}\n" for c in range(copies)
                                for u, v in KITE))
        m = EwomModel(scenario.load(None, [*IC, "network.kind=file",
                                           f"network.path={path}", f"ewom.p_share={p}"],
                                    steps=10))
    seeds = np.arange(copies) * 6
    m.seed_adopters(0, seeds)
    m.run()
    c = m.consumers
    sizes = (c.stage[0] != Stage.UNAWARE).reshape(copies, 6).sum(axis=1)
    print(f"Independent cascade, exact: kite graph (6 nodes, 14 arcs), p={p}, {copies:,} "
          "cascades")
    print(f"  exact mean size {mean:.4f}, model {sizes.mean():.4f}, error "
          f"{abs(sizes.mean() - mean):.4f} (standard error {sd / np.sqrt(copies):.4f})")


def giant(reps: int) -> None:
    c, n = 2.0, 50_000
    z = er_giant_fraction(c)
    reach = [EwomModel(scenario.load(None, [*IC, "network.kind=erdos_renyi",
                                            f"network.n={n}", f"network.mean_degree={c}",
                                            "ewom.p_share=1", "brands.0.seeds=25"],
                                     steps=200, seed=s)).run()["reach"].iloc[-1]
             for s in range(reps)]
    print(f"Giant cascade on Erdos-Renyi: n={n:,}, c={c}, p=1, {reps} graphs")
    print(f"  z = 1 - exp(-cz) = {z:.4f}; model mean reach {np.mean(reach):.4f}, error "
          f"{abs(np.mean(reach) - z):.4f} (standard error {er_giant_sd(c, n) / np.sqrt(reps):.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    bass(args.reps)
    cascade_exact(20_000)
    giant(max(3, args.reps // 4))
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
