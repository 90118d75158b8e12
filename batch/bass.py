"""The Bass (1969) baseline and honest goodness of fit for any curve fitted to observed data.

Bass is fitted by nonlinear least squares on the same form as the data (Srinivasan & Mason
1986): per-period sales ``m (F(t) - F(t - 1))`` or the cumulative ``m F(t)``, with ``F`` the
continuous Bass curve and ``t`` counted in periods from launch, so p and q are per period (per
year for annual data) as the literature reports them. Several starts guard against the local
minima the Bass least-squares surface has.

Goodness of fit is R², RMSE and MAPE. A fit with R² below ``ADEQUATE_R2`` does not reproduce
the curve and is called so; AIC compares two fits only when both are adequate, and no fit is
called better when both miss.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ewom_abm.batch.observed import Observed
from ewom_abm.model.errors import EwomError
from ewom_abm.model.reference import bass_continuous

ADEQUATE_R2 = 0.8  # below this a fit "does not reproduce this curve"
AIC_TIE = 2.0  # AIC differences below this prefer neither model (Burnham & Anderson 2002)


@dataclass(frozen=True)
class Gof:
    """Goodness of fit of a curve to observed values."""

    r2: float
    rmse: float
    mape: float | None  # percent, over observations that are not zero; None if all are
    sse: float
    n: int
    k: int  # fitted parameters

    @property
    def adequate(self) -> bool:
        return bool(np.isfinite(self.r2) and self.r2 >= ADEQUATE_R2)

    @property
    def aic(self) -> float:
        return float(self.n * np.log(max(self.sse / self.n, 1e-300)) + 2 * self.k)

    def to_dict(self) -> dict[str, float | None]:
        return {"r2": self.r2, "rmse": self.rmse, "mape": self.mape, "aic": self.aic,
                "n": self.n, "parameters": self.k, "adequate": self.adequate}


def goodness(observed: np.ndarray, fitted: np.ndarray, k: int) -> Gof:
    """R² (1 - SSE / total sum of squares about the mean), RMSE, MAPE."""
    y = np.asarray(observed, dtype=float)
    resid = np.asarray(fitted, dtype=float) - y
    sse = float(resid @ resid)
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - sse / sst if sst > 0 else float("nan")
    nonzero = y != 0
    mape = float(np.mean(np.abs(resid[nonzero] / y[nonzero])) * 100) if nonzero.any() else None
    return Gof(r2, float(np.sqrt(sse / y.size)), mape, sse, int(y.size), k)


@dataclass
class BassFit:
    """Bass fitted by nonlinear least squares: p and q per period, m in the data's units."""

    p: float
    q: float
    m: float
    se: dict[str, float]
    curve: np.ndarray
    gof: Gof
    note: str = ""

    @property
    def rmse(self) -> float:
        return self.gof.rmse

    @property
    def r2(self) -> float:
        return self.gof.r2


def bass_curve(t: np.ndarray, p: float, q: float, m: float, kind: str = "cumulative"
               ) -> np.ndarray:
    """m F(t), or the per-period sales m (F(t) - F(t - 1)); t in periods since launch."""
    t = np.asarray(t, dtype=float)
    if kind == "cumulative":
        return m * bass_continuous(p, q, t)
    return m * (bass_continuous(p, q, t) - bass_continuous(p, q, np.maximum(t - 1, 0)))


def fit_bass(observed: Observed) -> BassFit:
    """p, q and m by nonlinear least squares on the observed form, the best of several
    starts. m is bounded by the market when it is known (shares: 1; --population)."""
    t, y = observed.periods, observed.values
    kind = "per_period" if observed.per_period else "cumulative"
    seen = float(y.sum() if observed.per_period else y.max())
    top = observed.market if observed.market is not None else max(seen, 1e-12) * 1e3
    lo_m = min(seen, top) * 0.5 if seen > 0 else 1e-12
    fn = functools.partial(bass_curve, kind=kind)
    best = None
    for p0 in (0.003, 0.03):
        for q0 in (0.1, 0.4, 1.0):
            for grow in (1.2, 3.0):
                start = (p0, q0, min(max(seen * grow, lo_m * 1.01), top * 0.999))
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", optimize.OptimizeWarning)
                        popt, pcov = optimize.curve_fit(
                            fn, t, y, p0=start, bounds=([1e-7, 0.0, lo_m], [1.0, 10.0, top]),
                            maxfev=20_000)
                except (RuntimeError, ValueError):
                    continue
                sse = float(((fn(t, *popt) - y) ** 2).sum())
                if best is None or sse < best[0]:
                    best = (sse, popt, pcov)
    if best is None:
        raise EwomError("--data: the Bass model could not be fitted to these values")
    _, popt, pcov = best
    curve = fn(t, *popt)
    se = np.sqrt(np.clip(np.diag(pcov), 0, None))
    note = ""
    if popt[2] >= top * 0.999:
        note = ("m is at its upper bound: the data show no slowing down, so the market size "
                "is not identified")
    return BassFit(*map(float, popt), dict(zip("pqm", map(float, se), strict=True)), curve,
                   goodness(y, curve, 3), note)


def verdict(model: Gof, bass: Gof) -> str:
    """One plain sentence on both fits: which reproduce the curve, and only then which is
    preferred (by AIC, with ties called ties)."""
    def r2(g: Gof) -> str:
        return f"R² {g.r2:.3f}" if np.isfinite(g.r2) else "R² undefined (a flat curve)"

    if not model.adequate and not bass.adequate:
        return (f"Neither fit reproduces this curve: the model does not ({r2(model)}) and "
                f"Bass does not ({r2(bass)}, both below {ADEQUATE_R2}); neither is better.")
    if not model.adequate:
        return (f"The model does not reproduce this curve ({r2(model)} < {ADEQUATE_R2}); "
                f"Bass does ({r2(bass)}).")
    if not bass.adequate:
        return (f"The model reproduces this curve ({r2(model)}); Bass does not "
                f"({r2(bass)} < {ADEQUATE_R2}).")
    diff = model.aic - bass.aic
    both = f"Both reproduce this curve (model {r2(model)}, Bass {r2(bass)})"
    if abs(diff) < AIC_TIE:
        return (f"{both}; AIC prefers neither (model {model.aic:.1f}, Bass {bass.aic:.1f}, "
                f"less than {AIC_TIE:g} apart).")
    better, worse = ("the model", "Bass") if diff < 0 else ("Bass", "the model")
    return (f"{both}; AIC prefers {better} ({min(model.aic, bass.aic):.1f} against "
            f"{worse}'s {max(model.aic, bass.aic):.1f}).")
