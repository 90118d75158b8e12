"""The batch subcommands of ewom (sweep, report, sensitivity, calibrate): argument parsing.

Imports of the batch machinery happen inside the command functions, so ``ewom --help`` and
the other subcommands stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SWEEP_EXAMPLE = ("ewom sweep headline --vary ewom.model=organic,linear,coproduction "
                 "--vary brands.0.strategy=entertainment,influencer,exclusivity --reps 30 "
                 "--out out/headline --report")


def _add_base(p: argparse.ArgumentParser) -> None:
    """The base scenario and where its runs execute: every batch command takes these."""
    p.add_argument("scenario", nargs="?", help="preset name (see `list`) or a TOML file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the base scenario for every run (repeatable)")
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's); each run's "
                   "seed is spawned from it with numpy SeedSequence")
    p.add_argument("--steps", type=int, help="override the number of steps of every run")
    p.add_argument("--workers", type=int, metavar="W",
                   help="local worker processes (default: the core count; 1 runs in this "
                   "process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask distributed cluster, e.g. tcp://HOST:8786 "
                   "(its workers need ewom-abm installed; trusted clusters only: Dask moves "
                   "pickles, which can run code)")
    p.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                   help="with --scheduler: give up when no Dask scheduler answers within this "
                   "many seconds (default 5)")


def _add_common(p: argparse.ArgumentParser) -> None:
    """Options sweep and sensitivity share: the base, and how results are stored."""
    _add_base(p)
    p.add_argument("--csv", action="store_true", help="also write CSV copies of the tables")
    p.add_argument("--chunk", type=int, default=None, metavar="N",
                   help="make results durable at least every N finished runs (default 500; "
                   "and every 2 seconds)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the batch subcommands to the ewom parser."""
    sweep = sub.add_parser(
        "sweep", help="run a grid of configurations x replicates into a folder (resumable)",
        description="Sweep scenario keys over a grid, R replicates per configuration, each "
        "with its own seed. Re-running the same command (or --resume) finishes an "
        f"interrupted sweep. Example: {SWEEP_EXAMPLE}")
    _add_common(sweep)
    sweep.add_argument("--vary", action="append", default=[], metavar="KEY=VALUES",
                       help="a key and its values: a comma list (ewom.model=organic,linear) "
                       "or a numeric range lo:hi:n (evenly spaced, ends included) or "
                       "lo:hi:n:log; repeat for a grid (their product)")
    sweep.add_argument("--reps", type=int, metavar="R",
                       help="replicates per configuration (default 1)")
    sweep.add_argument("--out", metavar="DIR", help="output folder (default: out/sweep-NAME)")
    sweep.add_argument("--resume", action="store_true",
                       help="finish the sweep in --out; with no scenario and --vary, they are "
                       "read from its sweep.json")
    sweep.add_argument("--common-seeds", action="store_true",
                       help="replicate r of every configuration uses the same seed (common "
                       "random numbers: paired comparisons, less noise)")
    sweep.add_argument("--no-timeseries", action="store_true",
                       help="skip timeseries.parquet (final values only; report draws no "
                       "curves)")
    sweep.add_argument("--report", action="store_true",
                       help="write the report (DIR/report/) when the sweep ends")
    sweep.set_defaults(func=cmd_sweep)

    report = sub.add_parser(
        "report", help="figures and tables with 95%% CIs from a sweep folder",
        description="Write DIR/report/: frontier.png, curves.png, summary.csv, summary.md, "
        "paradox.md.")
    report.add_argument("dir", metavar="DIR", help="a sweep's --out folder")
    report.add_argument("--out", metavar="FOLDER", help="where to write (default: DIR/report)")
    report.set_defaults(func=cmd_report)

    sens = sub.add_parser(
        "sensitivity", help="global sensitivity of reach and dilution (SALib: Sobol, Morris)",
        description="Sample --param ranges with SALib, run the model at every sample point "
        "(resumable, on the sweep's executors) and print first-order and total Sobol indices "
        "or Morris mu*/sigma of final reach and dilution. Example: ewom sensitivity "
        "headline --param ewom.p_share=0.01:0.1 --param brands.0.budget=20:200 "
        "--method sobol --n 256")
    _add_common(sens)
    sens.add_argument("--param", action="append", default=[], metavar="KEY=LO:HI",
                      help="a numeric scenario key and its range (repeatable, at least 2)")
    sens.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    sens.add_argument("--n", type=int, default=256, metavar="N",
                      help="base sample size: Sobol runs N x (params + 2) points (N a power "
                      "of 2), Morris N trajectories of params + 1 points (default 256)")
    sens.add_argument("--levels", type=int, default=4,
                      help="Morris: grid levels per parameter (default 4)")
    sens.add_argument("--reps", type=int, default=1, metavar="R",
                      help="runs per sample point, averaged (less noise; default 1)")
    sens.add_argument("--outputs", default="reach,dilution",
                      help="final metrics to analyse, comma list (default reach,dilution)")
    sens.add_argument("--brand", help="brand whose metrics are analysed (default: the first)")
    sens.add_argument("--out", metavar="DIR",
                      help="output folder (default: out/sensitivity-NAME-METHOD)")
    sens.set_defaults(func=cmd_sensitivity)

    cal = sub.add_parser(
        "calibrate", help="fit scenario parameters (and the market size) to an observed curve, "
        "beside a Bass fit",
        description="Fit --param ranges of a scenario to an observed curve (a CSV with a time "
        "column and a value column) by simulation, with common random numbers across "
        "candidate points; report R², RMSE and MAPE of the model and of Bass (fitted by "
        "nonlinear least squares to the same form), fitted values with uncertainty, the "
        "market size (fitted when --scale count has no --population), and a plot. Times may "
        "be model steps, period numbers, calendar years, quarters, months or dates. "
        "Example: ewom calibrate calibration --data data/colour_tv.csv --target sales "
        "--time-column year --kind per_period --scale count")
    _add_base(cal)
    cal.add_argument("--data", required=True, metavar="FILE", help="CSV of the observed curve")
    cal.add_argument("--target", required=True, metavar="COLUMN", help="the observed column")
    cal.add_argument("--param", action="append", default=[], metavar="KEY=LO:HI",
                     help="a numeric scenario key to fit and its range (repeatable; a range "
                     "spanning a decade or more is searched on a log scale; default "
                     "ewom.p_external=0.00001:0.05 and ewom.p_share=0.001:0.5)")
    cal.add_argument("--metric", default="penetration",
                     help="the model metric the column measures (default penetration; e.g. "
                     "reach, new_adopters, messages)")
    cal.add_argument("--kind", choices=("cumulative", "per_period", "per_step"),
                     default="cumulative",
                     help="a cumulative curve (compared with the model's stock at each "
                     "period's end) or values per period, such as annual sales (compared with "
                     "the model's flow summed over the weeks each period covers); per_step is "
                     "the old name of per_period")
    cal.add_argument("--time-column", metavar="COLUMN",
                     help="the time column (default: one named step, week, t, period, year, "
                     "quarter, month, date or day)")
    cal.add_argument("--period", choices=("year", "quarter", "month", "week", "day", "step"),
                     help="what one row covers; inferred from a column named year, calendar "
                     "years (1800-2200) or evenly spaced dates; numbers in other columns are "
                     "model steps (weeks from launch) unless this says otherwise")
    cal.add_argument("--offset", type=int, default=0,
                     help="periods between launch and the first observation (default 0: the "
                     "first row is the launch period)")
    cal.add_argument("--scale", choices=("share", "count"), default="share",
                     help="values are shares of consumers, or counts (out of --population, "
                     "or of a market size the fit estimates)")
    cal.add_argument("--population", type=float,
                     help="market size the counts are out of (default: fitted)")
    cal.add_argument("--reps", type=int, default=4, metavar="R",
                     help="replicates per candidate point (default 4; a scout of 32 points per "
                     "parameter runs a quarter of them first)")
    cal.add_argument("--max-evals", type=int, metavar="N",
                     help="about this many candidate points in the search after the scout "
                     "(default 20 + 20 per parameter)")
    cal.add_argument("--noise-reps", type=int, default=30, metavar="R",
                     help="runs per point for the standard errors (default 30; fewer is "
                     "faster and rougher)")
    cal.add_argument("--no-progress", action="store_true", help="no progress bar")
    cal.add_argument("--out", metavar="DIR", help="output folder (default: out/calibrate-NAME)")
    cal.set_defaults(func=cmd_calibrate)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _out(args: argparse.Namespace, default: str) -> Path:
    """--out, or out/DEFAULT where DEFAULT holds the scenario name as one safe file name."""
    return Path(args.out) if args.out else Path("out") / default


def _options(args: argparse.Namespace) -> Any:
    """sweep's and sensitivity's Options from the command line."""
    from ewom_abm.batch.executors import Target
    from ewom_abm.batch.sweep import CHUNK_RUNS, Options

    if args.chunk is not None and args.chunk < 1:
        from ewom_abm.model.errors import EwomError

        raise EwomError(f"--chunk: must be at least 1, got {args.chunk}")
    return Options(Target(args.workers, args.scheduler, args.connect_timeout), csv=args.csv,
                   progress=not args.no_progress, chunk_runs=args.chunk or CHUNK_RUNS,
                   on_start=_say)


def cmd_sweep(args: argparse.Namespace) -> int:
    from ewom_abm.batch import sweep as sw
    from ewom_abm.files import safe_name
    from ewom_abm.model.errors import EwomError

    if args.scenario is None and not args.vary:
        if not args.resume:
            raise EwomError("sweep: give a scenario and --vary KEY=VALUES, or --resume --out "
                            f"DIR; e.g. {SWEEP_EXAMPLE}")
        if not args.out:
            raise EwomError("--resume: name the sweep folder with --out DIR")
        if args.set or args.seed is not None or args.steps is not None or args.common_seeds:
            raise EwomError("--resume: without a scenario the sweep is read from sweep.json; "
                            "--set, --seed, --steps and --common-seeds cannot change it")
        plan = sw.plan_from_manifest(Path(args.out), args.reps)
    else:
        plan = sw.plan(args.scenario, args.vary, 1 if args.reps is None else args.reps,
                       overrides=args.set, seed=args.seed, steps=args.steps,
                       common_seeds=args.common_seeds, timeseries=not args.no_timeseries)
    out = _out(args, f"sweep-{safe_name(plan.meta['scenario'])}")
    if args.resume and args.scenario is not None and not (out / "sweep.json").is_file():
        raise EwomError(f"--resume: {out} holds no sweep to resume; drop --resume to start it")
    result = sw.execute_design(plan, out, _options(args))
    rate = f", {result.ran / result.seconds:.1f} runs/s" if result.ran and result.seconds else ""
    wrote = ", ".join(p.name for p in (out / "runs.parquet", out / "timeseries.parquet",
                                        out / "sweep.json") if p.is_file())
    print(f"ran {result.ran} of {result.total} runs in {result.seconds:.1f} s{rate}; "
          f"{result.ok} ok, {result.failed} failed; wrote {wrote} in {out}", file=sys.stderr)
    if args.report:
        from ewom_abm.batch.report import write_report

        paths = write_report(out)
        print(f"report: {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    else:
        print(f"next: ewom report {out}", file=sys.stderr)
    if result.failed:
        first = result.failures[0]
        print(f"error: {result.failed} of {result.total} runs failed (first: run "
              f"{first['run']}: {first['error']}); tracebacks in {out}/failures/, rerun the "
              "command to retry them", file=sys.stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ewom_abm.files import input_folder

    input_folder(args.dir, "report")  # a one-line answer before the plotting imports
    from ewom_abm.batch.report import write_report

    paths = write_report(args.dir, args.out)
    for path in paths.values():
        print(path)
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ewom_abm.batch import sensitivity as sa
    from ewom_abm.files import safe_name

    spec = sa.plan(args.scenario, args.param, args.method, args.n, overrides=args.set,
                   seed=args.seed, steps=args.steps, reps=args.reps, levels=args.levels,
                   outputs=[s.strip() for s in args.outputs.split(",") if s.strip()],
                   brand=args.brand)
    out = _out(args, f"sensitivity-{safe_name(spec.plan.meta['scenario'])}-{args.method}")
    result = sa.run(spec, out, _options(args))
    print(result.table_text())
    if result.paths:
        print(f"wrote {', '.join(str(p) for p in result.paths.values())}", file=sys.stderr)
    if result.failed:
        print(f"error: {result.failed} runs failed; their sample points are left out of the "
              f"analysis, see {out}/failures/", file=sys.stderr)
        return 1
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ewom_abm.batch.calibrate import Budget, Target, calibrate
    from ewom_abm.batch.calibration_report import markdown, report
    from ewom_abm.batch.observed import load_observed, say_notes
    from ewom_abm.files import safe_name, writable_folder
    from ewom_abm.model.errors import EwomError

    observed = load_observed(args.data, args.target, time_column=args.time_column,
                             period=args.period, kind=args.kind, offset=args.offset,
                             scale=args.scale, population=args.population)
    outs: list[Path] = []

    def start(name: str, line: str) -> None:
        """Everything is valid: check the output folder now, not after the fit; then say how
        the data were read and what will run."""
        outs.append(writable_folder(_out(args, f"calibrate-{safe_name(name)}"), "--out"))
        say_notes(observed)
        _say(line)

    fit = calibrate(args.scenario, observed, args.param, metric=args.metric,
                    overrides=args.set, seed=args.seed, steps=args.steps,
                    budget=Budget(args.reps, args.max_evals, not args.no_progress,
                                  args.noise_reps),
                    target=Target(args.workers, args.scheduler, args.connect_timeout),
                    on_start=start)
    print(markdown(fit, observed), flush=True)  # first: a failed write below loses nothing
    try:
        paths = report(fit, observed, outs[0])
    except OSError as exc:
        from ewom_abm.files import reason

        raise EwomError(f"--out: cannot write to {outs[0]}: {reason(exc)}; the fit is "
                        "printed above") from None
    _say(f"wrote {', '.join(str(p) for p in paths.values())}")
    if fit.status == "interrupted":
        _say("interrupted: wrote the best point found so far (marked interrupted, without "
             "standard errors)")
        return 130
    return 0
