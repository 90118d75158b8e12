"""The statistics of a report: t confidence intervals, OLS with CIs, the Pareto frontier.

Kept apart from plotting so tests can check the numbers a figure shows against the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


def t_halfwidth(sd: np.ndarray | pd.Series, n: np.ndarray | pd.Series,
                level: float = LEVEL) -> np.ndarray:
    """Half-width of the t confidence interval of a mean from n replicates (NaN if n < 2)."""
    n = np.asarray(n, dtype=float)
    sd = np.asarray(sd, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        return q * sd / np.sqrt(n)


def mean_ci(df: pd.DataFrame, by: list[str], columns: list[str],
            level: float = LEVEL) -> pd.DataFrame:
    """Per group: n and, for each column, ``{col}_mean``, ``{col}_lo``, ``{col}_hi`` (the t
    interval of the mean across the group's rows, i.e. replicates)."""
    g = df.groupby(by, sort=True, dropna=False)[columns]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    parts = {"n": g.size()}
    for col in columns:  # built as one frame: a column at a time fragments a wide one
        half = t_halfwidth(sd[col], n[col], level)
        parts[f"{col}_mean"] = mean[col]
        parts[f"{col}_lo"] = mean[col] - half
        parts[f"{col}_hi"] = mean[col] + half
    return pd.DataFrame(parts, index=mean.index).reset_index()


@dataclass
class OLS:
    """A least-squares fit with classical (homoscedastic) t intervals."""

    names: list[str]
    coef: np.ndarray
    se: np.ndarray
    half: np.ndarray  # CI half-width at ``level``
    p: np.ndarray
    r2: float
    n: int
    level: float = LEVEL

    @property
    def lo(self) -> np.ndarray:
        return self.coef - self.half

    @property
    def hi(self) -> np.ndarray:
        return self.coef + self.half


def ols(y: np.ndarray, xs: dict[str, np.ndarray], level: float = LEVEL) -> OLS:
    """Regress y on an intercept and the named regressors (as tests/validation does)."""
    names = ["intercept", *xs]
    x = np.column_stack([np.ones(len(y)), *xs.values()])
    y = np.asarray(y, dtype=float)
    dof = len(y) - x.shape[1]
    if dof < 1:
        raise ValueError(f"{len(y)} observations cannot fit {x.shape[1]} coefficients")
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = resid @ resid / dof
    cov = sigma2 * np.linalg.pinv(x.T @ x)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = beta / se
    p = 2 * stats.t.sf(np.abs(tval), dof)
    tss = ((y - y.mean()) ** 2).sum()
    r2 = 1 - (resid @ resid) / tss if tss > 0 else float("nan")
    return OLS(names, beta, se, stats.t.ppf(0.5 + level / 2, dof) * se, p, float(r2),
               len(y), level)


def pareto(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points no other point beats: none has at least as much x (good) and at most as
    much y (bad), and strictly better in one."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    better_eq = (x[None, :] >= x[:, None]) & (y[None, :] <= y[:, None])
    strictly = (x[None, :] > x[:, None]) | (y[None, :] < y[:, None])
    return ~(better_eq & strictly).any(axis=1)
