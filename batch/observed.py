"""An observed adoption curve, read as researchers record it, on the model's clock.

Researchers' data come as sales per year, quarter or month (or a running total), indexed by
calendar years, dates or period numbers, with an unknown market size. The model steps in weeks.
This module maps one onto the other:

- the time column holds model steps, period numbers, calendar years or dates; ``period`` (year,
  quarter, month, week, day, or step) says what one row covers, and is inferred where the
  column makes it plain (a column named ``year``, calendar years such as 1963, evenly spaced
  dates);
- the first observation is the launch period (``offset`` periods later if the product was on
  sale before the data start), so period ``k`` covers model time ``[k L, (k + 1) L)`` weeks
  for a period of ``L`` weeks;
- a ``per_period`` value is compared with the model's flow over that interval, a
  ``cumulative`` one with the stock at its end (``Observed.ends`` and ``Observed.length``);
- ``step`` data (model steps, as the ``step``, ``week`` or ``t`` columns of a simulated curve
  hold them) are read as before: the value at step ``s`` is the state after ``s`` steps.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ewom_abm import files, limits
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError

TIME_COLUMNS = ("step", "week", "t", "period", "year", "quarter", "month", "date", "day")
KINDS = ("cumulative", "per_period", "per_step")  # per_step: the old name of per_period
SCALES = ("share", "count")
# one period in model steps (weeks)
PERIOD_WEEKS = {"year": 365.25 / 7, "quarter": 365.25 / 28, "month": 365.25 / 84, "week": 1.0,
                "day": 1 / 7, "step": 1.0}
PERIODS = tuple(PERIOD_WEEKS)
# columns whose name says which period their numbers count
_NAMED = {"year": "year", "years": "year", "quarter": "quarter", "month": "month",
          "day": "day"}
# spacing of dates (days) that makes their period plain
_SPACING = (("day", 0.5, 1.5), ("week", 6.5, 7.5), ("month", 27.5, 31.5),
            ("quarter", 89.0, 92.5), ("year", 364.0, 366.5))
CALENDAR_YEARS = (1800, 2200)  # whole numbers in this range in a time column are years
# a time this many times the typical gap beyond the one before it is a typo, not data
_STRAY_GAP = 25


@dataclass(frozen=True)
class Observed:
    """An observed curve: values in the data's own units at known model times.

    ``ends`` are the model times (steps, possibly fractional) at which each observation's
    interval ends; ``length`` is one period in steps, so a per-period value covers
    ``[end - length, end)``. ``market`` is the number the values are out of: 1 for shares,
    ``--population`` for counts, or None when it is to be fitted.
    """

    times: np.ndarray  # the time column as read (for plots and tables)
    ends: np.ndarray  # float, model steps at each interval's end
    values: np.ndarray  # float, in the data's units
    column: str
    source: str
    period: str = "step"
    kind: str = "cumulative"
    scale: str = "share"
    market: float | None = 1.0
    offset: int = 0
    notes: tuple[str, ...] = ()

    @property
    def length(self) -> float:
        return PERIOD_WEEKS[self.period]

    @property
    def per_period(self) -> bool:
        return self.kind != "cumulative"

    @property
    def periods(self) -> np.ndarray:
        """Each observation's end in periods since launch (the Bass model's time)."""
        return self.ends / self.length

    @property
    def steps_needed(self) -> int:
        """Steps a run must last to cover the last observation."""
        return int(np.ceil(self.ends[-1] - 1e-9))

    @property
    def steps(self) -> np.ndarray:
        """Model steps of the observations (their interval ends, rounded)."""
        return np.rint(self.ends).astype(int)


def load_observed(path: str | Path, target: str, *, time_column: str | None = None,
                  period: str | None = None, kind: str = "cumulative", offset: int = 0,
                  scale: str = "share", population: float | None = None) -> Observed:
    """Read a CSV of an observed curve (see the module's docstring for how times are read).
    ``scale`` says whether values are shares of consumers or counts; counts are out of
    ``population``, or of a market size the calibration fits when it is None."""
    path = Path(path)
    if kind not in KINDS:
        raise EwomError(f"--kind: {kind!r} is not one of cumulative, per_period")
    if period is not None and period not in PERIODS:
        raise EwomError(f"--period: {period!r} is not one of {', '.join(PERIODS)}"
                        f"{sc.suggest(period, PERIODS)}")
    if scale not in SCALES:
        raise EwomError(f"--scale: {scale!r} is not one of {', '.join(SCALES)}")
    if isinstance(offset, bool) or not isinstance(offset, int | np.integer) or offset < 0:
        raise EwomError(f"--offset: periods between launch and the first observation, a "
                        f"whole number >= 0; got {offset!r}")
    market = _market(scale, population)
    df, time_column = _read(path, target, time_column)
    values = pd.to_numeric(df[target], errors="coerce")
    if values.isna().any():
        bad = df[target][values.isna()].iloc[0]
        raise EwomError(f"--target {target}: value {bad!r} is not a number")
    y = values.to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise EwomError(f"--target {target}: values must be finite numbers")
    if np.any(y < 0):
        raise EwomError(f"--target {target}: negative values; expected shares or counts")
    if scale == "share" and np.any(y > 1):
        raise EwomError(f"--target {target}: values above 1 are not shares; use --scale count "
                        "(with --population N, or without it to fit the market size)")
    notes: list[str] = []
    index, period = _periods(df[time_column], time_column, period, notes)
    limits.check(limits.STEPS, float(offset) * PERIOD_WEEKS[period], "--offset",
                 f"{offset:,} {period}s")  # before any sum that could overflow
    index = index + offset
    ends = index.astype(float) if period == "step" else (index + 1.0) * PERIOD_WEEKS[period]
    _check_times(index, df[time_column], time_column, period)
    limits.check(limits.STEPS, float(np.ceil(ends[-1])), "--data",
                 f"its last observation at model step {float(np.ceil(ends[-1])):,.0f}")
    if kind == "per_step":
        kind = "per_period"
    if kind == "per_period" and period == "day":
        raise EwomError("--period day: the model steps in weeks, so daily per-period values "
                        "cannot be compared step by step; give weekly (or longer) totals, "
                        "or a cumulative curve")
    return Observed(df[time_column].to_numpy(), ends, y, target, str(path), period, kind,
                    scale, market, int(offset), tuple(notes))


def _market(scale: str, population: float | None) -> float | None:
    if population is None:
        return 1.0 if scale == "share" else None
    if scale == "share":
        raise EwomError("--population: only used with --scale count (shares are out of 1)")
    if isinstance(population, bool) or not np.isfinite(population) or population <= 0:
        raise EwomError("--population: a positive market size is needed with --scale count "
                        f"(the number the counts are out of), got {population!r}; leave it "
                        "out to fit the market size")
    return float(population)


def _read(path: Path, target: str, time_column: str | None) -> tuple[pd.DataFrame, str]:
    """The CSV's time and target columns, rows with both present."""
    where = "--data"
    path = files.input_file(path, where)
    try:
        df = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError,
            OSError) as exc:
        raise EwomError(f"{where}: {path.name} is not a readable CSV ({str(exc).strip()})") \
            from None
    columns = [str(c) for c in df.columns]
    df.columns = columns
    if target not in columns:
        raise EwomError(f"--target: no column {target!r} in {path.name}"
                        f"{sc.suggest(target, columns)}; columns: {', '.join(columns)}")
    if time_column is None:
        time_column = next((c for c in columns if c.lower() in TIME_COLUMNS), None)
        if time_column is None:
            raise EwomError(f"--time-column: {path.name} has no column named one of "
                            f"{', '.join(TIME_COLUMNS)}; name the time column")
    elif time_column == target:
        raise EwomError(f"--time-column: {time_column!r} is the --target column; name the "
                        "column that holds steps, periods, years or dates")
    elif time_column not in columns:
        raise EwomError(f"--time-column: no column {time_column!r} in {path.name}"
                        f"{sc.suggest(time_column, columns)}; columns: {', '.join(columns)}")
    df = df[[time_column, target]].dropna().reset_index(drop=True)
    if len(df) < 3:
        raise EwomError(f"--data: {path.name} has {len(df)} usable rows; a curve needs 3 or more")
    return df, time_column


def _periods(col: pd.Series, name: str, period: str | None,
             notes: list[str]) -> tuple[np.ndarray, str]:
    """Each row's period index (0 = the first row's period; steps as given for ``step``)
    and the period, inferred where plain."""
    numeric = pd.to_numeric(col, errors="coerce")
    if not numeric.isna().any():
        values = numeric.to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise EwomError(f"--time-column {name}: times must be finite numbers")
        if not np.allclose(values, np.round(values)):
            raise EwomError(f"--time-column {name}: times must be whole numbers (steps, "
                            "periods or years); dates need a date format such as 1963-12-31")
        values = np.round(values)
        # before any cast: an absurd time must not overflow or plan a run that never ends
        limits.check(limits.STEPS, float(np.max(np.abs(values) - np.min(values))),
                     f"--time-column {name}", f"a span of {np.ptp(values):.6g} periods")
        if period is None:
            period = _numeric_period(name, values, notes)
        if period == "step":
            if values.min() < 0:
                raise EwomError(f"--time-column {name}: steps count from launch (0); got "
                                f"{values.min():g}")
            return values.astype(np.int64), period
        return (values - values[0]).astype(np.int64), period
    text = col.astype(str).str.strip().str.upper()
    quarters = text.str.fullmatch(r"\d{4}\s*-?\s*Q[1-4]")
    if quarters.all():  # 1963Q1, 1963-Q1: quarters, whose start dates pandas can read
        text = text.str.replace(r"[\s-]", "", regex=True)
        dates = pd.Series(pd.PeriodIndex(text, freq="Q").to_timestamp(), index=col.index)
    else:
        with warnings.catch_warnings():  # mixed formats fall back to dateutil: fine here
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.to_datetime(col.astype(str), errors="coerce")
    if dates.isna().any():
        bad = col[dates.isna()].iloc[0]
        raise EwomError(f"--time-column {name}: {bad!r} is neither a number nor a date")
    if period is None:
        period = _date_period(name, dates, notes)
    if period == "step":
        raise EwomError(f"--period step: {name} holds dates; name the period they are "
                        "(week, month, quarter, year or day)")
    return _date_index(dates, period), period


def _numeric_period(name: str, values: np.ndarray, notes: list[str]) -> str:
    named = _NAMED.get(name.lower())
    if named is not None:
        return named
    lo, hi = CALENDAR_YEARS
    if np.all((values >= lo) & (values <= hi)):
        notes.append(f"read {name} as calendar years (--period year); say --period step if "
                     "they are model steps")
        return "year"
    return "step"


def _date_period(name: str, dates: pd.Series, notes: list[str]) -> str:
    gaps = np.diff(dates.to_numpy().astype("datetime64[s]").astype(np.int64)) / 86400.0
    typical = float(np.median(gaps)) if gaps.size else 0.0
    for period, lo, hi in _SPACING:
        if lo <= typical <= hi:
            notes.append(f"read {name} as dates {typical:g} days apart: --period {period}")
            return period
    raise EwomError(f"--period: cannot tell the period from dates {typical:g} days apart in "
                    f"{name}; name it: --period {' | '.join(PERIODS[:-1])}")


def _date_index(dates: pd.Series, period: str) -> np.ndarray:
    d = pd.DatetimeIndex(dates)
    if period == "year":
        idx = d.year.to_numpy()
    elif period == "quarter":
        idx = d.year.to_numpy() * 4 + (d.month.to_numpy() - 1) // 3
    elif period == "month":
        idx = d.year.to_numpy() * 12 + d.month.to_numpy() - 1
    else:
        days = (d - d[0]).total_seconds().to_numpy() / 86400.0
        idx = np.rint(days / (7.0 if period == "week" else 1.0))
    idx = np.asarray(idx, dtype=np.int64)
    return idx - idx[0]


def _check_times(index: np.ndarray, col: pd.Series, name: str, period: str) -> None:
    unit = "step" if period == "step" else period
    if np.any(np.diff(index) <= 0):
        i = int(np.argmax(np.diff(index) <= 0)) + 1
        raise EwomError(f"--time-column {name}: times must increase, one row per {unit}; "
                        f"row {i + 1} ({col.iloc[i]}) does not come after row {i} "
                        f"({col.iloc[i - 1]})")
    gaps = np.diff(index)
    if gaps.size >= 2:
        typical = float(np.median(gaps))
        worst = int(np.argmax(gaps))
        if gaps[worst] > _STRAY_GAP * typical and gaps[worst] > 52:
            raise EwomError(
                f"--time-column {name}: row {worst + 2} ({col.iloc[worst + 1]}) comes "
                f"{gaps[worst]:,} {unit}s after the row before it, where rows are typically "
                f"{typical:g} apart; a typo? Every run would simulate up to it: fix or drop it")


def say_notes(observed: Observed) -> None:
    """How the time column was read, when it was inferred (stderr, one line each)."""
    for note in observed.notes:
        print(f"note: {note}", file=sys.stderr)
