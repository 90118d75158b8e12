"""Issue 17's three questions, answered by runs: a table per question, each cell the mean and
its 95% confidence interval over seeds (t interval; paired where two settings are compared).

    python tools/luxury_questions.py            # seeds 101-112
    python tools/luxury_questions.py --seeds 20

1. Do followers drive purchase? One luxury house (lesson 8's Spectacle: price EUR 2,000, its
   rival silenced) runs each strategy at equal spend for a year.
2. Do relationships bring clients back? Lesson 9's Clienteling alone, three years, none or half
   of the same budget on one-to-one work, with relationship effects on and off.
3. Does one experience everywhere pay? Lesson 10's Split alone at EUR 300 (for enough buyers per
   channel), a weak online channel (gap 0.15), its channels apart or integrated, a year.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

from ewom_abm.model import scenario
from ewom_abm.model.model import EwomModel


def final(preset: str, brand: str, overrides: list[str], seed: int) -> dict:
    ts = EwomModel(scenario.load(preset, overrides, seed=seed)).run()
    return ts[ts["brand"] == brand].iloc[-1].to_dict()


def ci(x: np.ndarray, scale: float = 1.0, digits: int = 3) -> str:
    x = np.asarray(x, float) * scale
    m = x.mean()
    h = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else 0
    return f"{m:.{digits}g} [{m - h:.{digits}g}, {m + h:.{digits}g}]"


def table(title: str, rows: list[tuple[str, dict[str, str]]]) -> str:
    cols = list(rows[0][1])
    out = [f"### {title}", "", "| setting | " + " | ".join(cols) + " |",
           "| --- |" + " --- |" * len(cols)]
    out += [f"| {name} | " + " | ".join(r[c] for c in cols) + " |" for name, r in rows]
    return "\n".join(out) + "\n"


def followers(seeds: list[int]) -> str:
    base = ["brands.1.budget=0", "brands.0.cost_invitation=5"]
    rows = []
    for s in ("entertainment", "influencer", "exclusivity"):
        r = [final("lesson8_followers", "Spectacle", [*base, f"brands.0.strategy={s}"], k)
             for k in seeds]

        def col(key: str, rr: list = r) -> np.ndarray:
            return np.array([x[key] for x in rr])
        rows.append((s, {"reach": ci(col("reach")), "followers": ci(col("followers")),
                         "followers who bought": ci(col("followers_who_bought")),
                         "revenue (EUR M)": ci(col("revenue"), 1e-6),
                         "return on spend": ci(col("roms"))}))
    return table(f"1. Followers against revenue, a luxury house at EUR 2,000 ({len(seeds)} "
                 "seeds, week 52)", rows)


def relationships(seeds: list[int]) -> str:
    rows = []
    for label, extra in (("relationship effects on", []),
                         ("relationship effects off", ["relationships.enabled=false"])):
        got = {}
        for share in (0.0, 0.5):
            got[share] = [final("lesson9_clients", "Clienteling",
                                ["brands.0.budget=0", f"brands.1.relationship_share={share}",
                                 *extra], k) for k in seeds]
        for share in (0.0, 0.5):
            r = got[share]
            rows.append((f"{label}, one-to-one share {share}", {
                "retention": ci([x["retention"] for x in r]),
                "CLV (EUR)": ci([x["clv"] for x in r]),
                "revenue from returning (EUR M)": ci([x["revenue_returning"] for x in r], 1e-6),
                "revenue (EUR M)": ci([x["revenue"] for x in r], 1e-6)}))
        d = {k: np.array([b[k] - a[k] for a, b in zip(got[0.0], got[0.5], strict=True)])
             for k in ("retention", "clv", "revenue_returning", "revenue")}
        rows.append((f"{label}, difference (0.5 - 0)", {
            "retention": ci(d["retention"]), "CLV (EUR)": ci(d["clv"]),
            "revenue from returning (EUR M)": ci(d["revenue_returning"], 1e-6),
            "revenue (EUR M)": ci(d["revenue"], 1e-6)}))
    return table(f"2. One-to-one work at equal spend, three years of yearly occasions "
                 f"({len(seeds)} seeds, week 156)", rows)


def channels(seeds: list[int]) -> str:
    base = ["brands.1.budget=0", "brands.0.price=0.3"]
    rows, got = [], {}
    for label, extra in (("no online gap", ["brands.0.online_gap=0"]),
                         ("online gap 0.15, channels apart", ["brands.0.omnichannel=0"]),
                         ("online gap 0.15, integrated", ["brands.0.omnichannel=1"])):
        r = [final("lesson10_channels", "Split", [*base, *extra], k) for k in seeds]
        sat = np.array([x["satisfaction_store"] * (1 - x["online_share"])
                        + x["satisfaction_online"] * x["online_share"] for x in r])
        got[label] = sat
        rows.append((label, {"online share": ci([x["online_share"] for x in r]),
                             "satisfied online": ci([x["satisfaction_online"] for x in r]),
                             "satisfied in store": ci([x["satisfaction_store"] for x in r]),
                             "satisfied, all purchases": ci(sat),
                             "complaining online buyers": ci([x["complainers_online"]
                                                              for x in r]),
                             "revenue (EUR M)": ci([x["revenue"] for x in r], 1e-6)}))
    return table(f"3. Channels: a weak online experience and integration ({len(seeds)} seeds, "
                 "week 52)", rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12, help="seeds from 101")
    args = ap.parse_args(argv)
    seeds = list(range(101, 101 + args.seeds))
    for part in (followers, relationships, channels):
        print(part(seeds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
