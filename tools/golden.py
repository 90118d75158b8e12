"""Golden master: a fingerprint of every shipped preset's run, to prove that a change which
should not move the dynamics (issue 17's mechanisms switched off, money in EUR) does not.

``python tools/golden.py --write`` stores, per preset and seed (101, 102; at most 26 steps, the
docking presets at 2,000 consumers), the SHA-256 of every non-money column of the timeseries,
the money columns themselves and the generator's final state, in
``tests/data/golden_pre17.json.gz``. ``tests/validation/test_off_switches.py`` reruns them.
It was made on branch ``engine`` at 29db178, before issue 17's first change; regenerate it
only when an intended change of dynamics lands, and say so in the commit.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel

PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden_pre17.json.gz"
SEEDS = (101, 102)
STEPS = 26
MONEY = ("revenue", "spend", "cost_per_reached")
# the columns the engine recorded before issue 17, in order (new columns are not fingerprinted)
COLUMNS = ("reach", "penetration", "penetration_core", "penetration_outside_core", "interested",
           "advocates", "rejecters", "dissatisfied", "messages", "negative_share", "scandals",
           "new_adopters", "revenue", "desire", "dream_value", "dilution", "spend",
           "cost_per_reached")
SMALL = {"bass_docking": ("network.n=2000",), "ic_docking": ("network.n=2000",),
         "headline": ("network.n=2000",)}


def run(preset: str, seed: int) -> dict:
    """One preset's fingerprint at one seed."""
    cfg = scenario.load(preset, SMALL.get(preset, ()))
    cfg.steps = min(cfg.steps, STEPS)
    m = EwomModel(cfg, rng=seed)
    df = m.run()
    keep = [c for c in COLUMNS if c not in MONEY]
    values = np.ascontiguousarray(df[keep].to_numpy(dtype=np.float64))
    state = m.rng.bit_generator.state
    return {"hash": hashlib.sha256(values.tobytes()).hexdigest(),
            "labels": df["brand"].tolist()[: len(m.brands)],
            "money": {c: df[c].tolist() for c in MONEY},
            "rng": hashlib.sha256(json.dumps(state, sort_keys=True, default=int)
                                  .encode()).hexdigest()}


def fingerprints() -> dict:
    return {f"{p}@{s}": run(p, s) for p in scenario.scenario_names() for s in SEEDS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the fingerprints")
    args = ap.parse_args(argv)
    fp = fingerprints()
    if args.write:
        PATH.parent.mkdir(parents=True, exist_ok=True)
        PATH.write_bytes(gzip.compress(json.dumps(fp, sort_keys=True).encode()))
        print(f"wrote {len(fp)} fingerprints to {PATH}")
    else:
        print(json.dumps({k: v["hash"][:12] for k, v in fp.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
