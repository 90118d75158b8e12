"""Write data/example_launch.csv: one realisation of scenarios/calibration.toml at known values.

    python data/make_example_launch.py

The 'true' values are ewom.p_share = 0.035 and ewom.p_external = 0.006 (the preset itself
says 0.05 and 0.01, so a calibration has something to find); seed 2024. The curve is weekly
cumulative adopters out of 2,000 consumers, dated from the launch week.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from model import scenario  # noqa: E402
from model.model import EwomModel  # noqa: E402

TRUTH = {"ewom.p_share": 0.035, "ewom.p_external": 0.006}

if __name__ == "__main__":
    config = scenario.load("calibration", [f"{k}={v}" for k, v in TRUTH.items()], seed=2024)
    df = EwomModel(config).run()
    weeks = pd.date_range("2026-01-05", periods=len(df), freq="7D")
    out = pd.DataFrame({"week": weeks.strftime("%Y-%m-%d"),
                        "adopters": (df["penetration"] * config.network.n).round().astype(int)})
    out.to_csv(HERE / "example_launch.csv", index=False)
    print(f"wrote {HERE / 'example_launch.csv'}: {len(out)} weeks, "
          f"{out['adopters'].iloc[-1]} adopters at the end")
