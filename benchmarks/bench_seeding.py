#!/usr/bin/env python
"""Seeding benchmark: time to choose k seeds and their expected independent-cascade spread.

For each graph (Barabasi-Albert at 10k and 100k nodes, mean degree 10, and the ego-Facebook
graph in data/) and each seeding rule, it times ``SeedOrder(rule, ...)[:k]`` from scratch (the
rule's whole set-up included: betweenness BFS, greedy's live-edge samples) and estimates the
expected spread of the k seeds from fresh live-edge samples of the cascade, independent of the
ones greedy optimised on (the same samples for every rule, so differences are paired).
Low activation probability: p = factor x the graph's bond-percolation threshold
<k> / (<k^2> - <k>), factor 0.5 by default.

    python benchmarks/bench_seeding.py                # 10k, 100k, facebook; about a minute
    python benchmarks/bench_seeding.py --sizes 10000 --no-facebook --greedy-samples 100

Greedy runs once per ``--greedy-samples`` R (default 200, the scenario default, and 2000), skipped
where its samples would need more than ``--max-mib`` (4 x R x n bytes): at 100k only R = 200.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ewom_abm.model.graph import Graph
from ewom_abm.model.graph_files import load_graph_file
from ewom_abm.model.network import build_graph
from ewom_abm.model.reference import epidemic_threshold
from ewom_abm.model.scenario import SEEDINGS, BrandConfig
from ewom_abm.model.seeding import LiveEdgeSamples, SeedOrder

ROOT = Path(__file__).resolve().parents[1]

FACEBOOK = ROOT / "data" / "facebook_combined.txt.gz"


def bench_graph(graph: Graph, args: argparse.Namespace) -> list[dict]:
    """One row per rule (greedy once per affordable sample count) with time and spread."""
    p = args.factor * epidemic_threshold(graph)
    runs = [(rule, BrandConfig().greedy_samples) for rule in SEEDINGS if rule != "greedy"]
    runs += [("greedy", r) for r in args.greedy_samples
             if 4 * r * graph.n <= args.max_mib * 2**20]
    rows = []
    for i, (rule, samples) in enumerate(runs):
        rng = np.random.default_rng([args.seed, i])
        t0 = time.perf_counter()
        seeds = SeedOrder(rule, graph.n, graph, rng, p=p, samples=samples,
                          pivots=args.pivots)[: args.k].copy()
        seconds = time.perf_counter() - t0
        label = f"greedy (R={samples})" if rule == "greedy" else rule
        rows.append({"rule": rule, "label": label, "seeds": seeds, "seconds": seconds})
    t0 = time.perf_counter()
    live = LiveEdgeSamples(graph, p, args.eval_samples, np.random.default_rng([args.seed, 99]))
    eval_s = time.perf_counter() - t0
    base = None
    for row in rows:
        reach = live.reach(row["seeds"]).astype(float)
        row.update(n=graph.n, m=graph.m, p=p, mean=reach.mean(),
                   se=reach.std(ddof=1) / np.sqrt(reach.size), eval_s=eval_s)
        if row["rule"] == "random":
            base = reach
        row["vs_random"] = reach.mean() / base.mean() if base is not None else float("nan")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-facebook", action="store_true")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--factor", type=float, default=0.5,
                        help="p as a multiple of the percolation threshold")
    parser.add_argument("--mean-degree", type=float, default=10.0)
    parser.add_argument("--greedy-samples", type=int, nargs="+", default=[200, 2000],
                        help="greedy's live-edge samples R, one row each (if memory allows)")
    parser.add_argument("--max-mib", type=float, default=400.0,
                        help="skip greedy runs whose samples need more (4 x R x n bytes)")
    parser.add_argument("--pivots", type=int, default=BrandConfig().betweenness_pivots)
    parser.add_argument("--eval-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    graphs: list[tuple[str, Graph]] = []
    for n in args.sizes:
        g = build_graph("barabasi_albert", n, np.random.default_rng(args.seed),
                        mean_degree=args.mean_degree)
        graphs.append((f"BA {n // 1000}k", g))
    if not args.no_facebook and FACEBOOK.is_file():
        graphs.append(("facebook", load_graph_file(FACEBOOK)))

    print(f"k = {args.k} seeds, p = {args.factor:g} x percolation threshold, "
          f"betweenness pivots = {args.pivots}, evaluation: {args.eval_samples} fresh "
          "live-edge samples (mean reach, seeds included, +- one standard error)\n")
    print("| graph | n | edges | p | rule | seconds | expected spread | +- se | x random |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, g in graphs:
        for row in bench_graph(g, args):
            print(f"| {name} | {row['n']:,} | {row['m']:,} | {row['p']:.4f} | {row['label']} | "
                  f"{row['seconds']:.2f} | {row['mean']:.1f} | {row['se']:.1f} | "
                  f"{row['vs_random']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
