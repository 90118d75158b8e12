"""Write data/example_launch.csv: scenarios/calibration.toml's expected curve at known values.

    python data/make_example_launch.py

The 'true' values are ewom.p_share = 0.07 and ewom.p_external = 0.006 (the preset itself
says otherwise, so a calibration has something to find). The curve is the mean of 50 runs
(seeds 2024 to 2073): cumulative adopters out of 2,000 consumers at the end of each week,
the first row dated by the launch week (so `ewom calibrate` reads it as the launch period).
A single run strays from the mean by about 2 standard errors of a fit's parameters along the
curve's whole length (runs are correlated in time), so an example made from one run would
show the run's luck as much as the calibration.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

HERE = Path(__file__).resolve().parent

TRUTH = {"ewom.p_share": 0.07, "ewom.p_external": 0.006}

if __name__ == "__main__":
    sets = [f"{k}={v}" for k, v in TRUTH.items()]
    config = scenario.load("calibration", [*sets, "consumers.agents_max=0"])
    runs = [EwomModel(config, rng=seed).run()["penetration"] for seed in range(2024, 2074)]
    mean = pd.concat(runs, axis=1).mean(axis=1).iloc[1:]  # after each week, launch excluded
    weeks = pd.date_range("2026-01-05", periods=len(mean), freq="7D")
    out = pd.DataFrame({"week": weeks.strftime("%Y-%m-%d"),
                        "adopters": (mean * config.network.n).round().astype(int)})
    out.to_csv(HERE / "example_launch.csv", index=False)
    print(f"wrote {HERE / 'example_launch.csv'}: {len(out)} weeks, "
          f"{out['adopters'].iloc[-1]} adopters at the end")
