"""Build time and peak memory of every generated network kind at 10k, 100k and 1M nodes.

Each build runs in a fresh subprocess, so its ru_maxrss is that build's own peak (including
interpreter + numpy/scipy/networkx imports, shown separately as the 'import only' row).
Targets: a 1M-node build <= 5 s and <= 600 MiB peak.

    .venv/bin/python benchmarks/bench_network.py [--sizes 10000 100000 1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "stochastic_block", "complete")
MEAN_DEGREE = 10.0
TIME_TARGET_S = 5.0
RSS_TARGET_MIB = 600.0


def child(kind: str, n: int, seed: int, repeats: int) -> dict:
    """One measurement inside a fresh interpreter: best-of-``repeats`` seconds and peak RSS."""
    import numpy as np

    from ewom_abm.model.network import build_graph

    if kind == "none":
        return {"seconds": 0.0, "m": 0, "peak_mib": _peak_mib()}
    best, m = float("inf"), 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        g = build_graph(kind, n, np.random.default_rng(seed), mean_degree=MEAN_DEGREE)
        best = min(best, time.perf_counter() - t0)
        m = g.m
        del g
    return {"seconds": best, "m": m, "peak_mib": _peak_mib()}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(kind: str, n: int, seed: int) -> dict:
    """Run ``child`` in a subprocess and parse its JSON line."""
    repeats = 3 if n <= 100_000 else 1
    cmd = [sys.executable, __file__, "--child", kind, str(n), str(seed), str(repeats)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n, seed, repeats = args.child
        print(json.dumps(child(kind, int(n), int(seed), int(repeats))))
        return

    base = measure("none", 0, args.seed)
    print(f"mean_degree={MEAN_DEGREE:g}, seed={args.seed}; peak RSS per fresh process")
    print(f"import only (python + numpy/scipy/networkx): {base['peak_mib']:.0f} MiB\n")
    header = f"{'kind':<18}{'n':>10}{'edges':>12}{'build s':>10}{'peak MiB':>10}  targets"
    print(header)
    print("-" * len(header))
    for kind in KINDS:
        for n in args.sizes:
            if kind == "complete" and n > 20_000:
                print(f"{kind:<18}{n:>10,}{'refused':>12}{'-':>10}{'-':>10}  n > 20,000")
                continue
            r = measure(kind, n, args.seed)
            flag = ""
            if n >= 1_000_000:
                ok = r["seconds"] <= TIME_TARGET_S and r["peak_mib"] <= RSS_TARGET_MIB
                flag = "ok" if ok else "MISSED"
            row = f"{kind:<18}{n:>10,}{r['m']:>12,}{r['seconds']:>10.2f}{r['peak_mib']:>10.0f}"
            print(f"{row}  {flag}", flush=True)


if __name__ == "__main__":
    main()
