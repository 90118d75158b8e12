"""Fit the model and Bass to the shipped adoption series and print docs/VALIDATION.md's table.

    python benchmarks/bench_validation.py [--out out/validation] [--series colour_tv ...]

Each series runs the command a researcher types (calendar years, per-period sales, the market
size fitted) in a subprocess, with the default search budget, and is timed as a whole; the
table gives Bass NLS p, q, m, R², the model's fitted parameters, market size and R², and the
wall time. The machine's load average is printed beside it: the time depends on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERIES = ("colour_tv", "room_air_conditioners", "clothes_dryers")


def command(name: str, out: Path) -> list[str]:
    return ["ewom", "calibrate", "calibration", "--data", f"data/{name}.csv", "--target",
            "sales", "--time-column", "year", "--kind", "per_period", "--scale", "count",
            "--out", str(out / name)]


def fit(name: str, out: Path) -> dict:
    cmd = command(name, out)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ewom_abm", *cmd[1:], "--no-progress"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    report = json.loads((out / name / "calibration.json").read_text())
    report["wall"] = time.perf_counter() - started
    report["command"] = " ".join(cmd)
    return report


def row(name: str, r: dict) -> str:
    b, m, p = r["bass"], r["market_size"], r["params"]
    ci = m["ci"] or [float("nan")] * 2

    def param(key: str) -> str:
        v = p[key]
        lo, hi = v["ci"] or [float("nan")] * 2
        return f"{v['value']:.3g} [{lo:.2g}, {hi:.2g}]"

    return (f"| {name.replace('_', ' ')} | {b['p']:.4f} | {b['q']:.3f} | {b['m']:,.0f} | "
            f"{b['r2']:.3f} | {param('ewom.p_external')} | {param('ewom.p_share')} | "
            f"{m['value']:,.0f} [{ci[0]:,.0f}, {ci[1]:,.0f}] | {r['fit']['r2']:.3f} | "
            f"{r['runs']:,} | {r['wall']:.0f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/validation", type=Path)
    parser.add_argument("--series", nargs="*", default=list(SERIES))
    args = parser.parse_args()
    reports = {}
    for name in args.series:
        load = os.getloadavg()[0]
        reports[name] = fit(name, args.out)
        print(f"{name}: {reports[name]['wall']:.0f} s (load average {load:.1f} at the start "
              f"on {os.cpu_count()} cores)", file=sys.stderr)
    print("| series | Bass p | Bass q | Bass m | Bass R² | model p_external [95% CI] | "
          "model p_share [95% CI] | market size [95% CI] | model R² | runs | time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in reports.items():
        print(row(name, r))
    print()
    for name, r in reports.items():
        print(f"- {name}: `{r['command']}`; {r['verdict']}")


if __name__ == "__main__":
    main()
