"""Property 1: with global mixing the model docks to the discrete Bass (1969) recurrence at the
scenario's own time step.

A step is a week: the shipped ``bass_docking`` preset gives the average published coefficients
(p = 0.03, q = 0.38 a year; Sultan, Farley & Lehmann 1990) as weekly hazards, and its mean curve
matches the weekly recurrence, which at that step is within 0.0015 of the continuous Bass curve.
Run at an annual step (p and q per step), the same model matches the annual recurrence, and there
the continuous curve is the wrong target.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from ewom_abm.model.reference import bass_continuous, bass_recurrence, bass_sd, weekly_bass
from ewom_testing import build

# a claim measured over a block of seeds: the full suite's, not the inner loop's (-m 'not slow')
pytestmark = pytest.mark.slow

P, Q = 0.03, 0.38  # per year
ANNUAL = ("ewom.p_external=0.03", "ewom.p_share=0.038", "network.n=100000")
# every claim is checked again on a second, disjoint block of seeds (slow)
BLOCKS = [pytest.param(0, id="seeds-0"), pytest.param(1000, id="seeds-1000",
                                                      marks=pytest.mark.slow)]


@cache
def bass_runs(annual: bool, reps: int, first: int = 0):
    """Penetration curves of the bass_docking preset, at its weekly step or at an annual one."""
    extra, steps = (ANNUAL, 25) if annual else ((), None)
    curves = []
    for seed in range(first, first + reps):
        m = build("consumers.agents_max=0", *extra, preset="bass_docking", seed=seed,
                  steps=steps)
        curves.append(m.run()["penetration"].to_numpy())
    cfg = m.config
    p, q = cfg.ewom.p_external, cfg.ewom.p_share * cfg.network.mean_degree
    return np.array(curves), m.n, cfg.steps, p, q


def assert_docks(curves: np.ndarray, n: int, steps: int, p: float, q: float) -> None:
    """The mean curve is within 4.5 linear-noise standard errors of the recurrence at every
    step, and the run-to-run spread agrees with the noise approximation."""
    reps = curves.shape[0]
    target = bass_recurrence(p, q, steps)
    tol = 4.5 * bass_sd(p, q, steps, n) / np.sqrt(reps)
    error = np.abs(curves.mean(axis=0) - target)
    assert (error <= tol + 1e-12).all(), (error.max(), tol[error.argmax()])
    observed_sd = curves.std(axis=0, ddof=1)[1:]
    predicted = bass_sd(p, q, steps, n)[1:]
    assert np.all(observed_sd < 3 * predicted) and np.median(observed_sd / predicted) > 0.4


def test_the_weekly_preset_gives_the_published_annual_coefficients_per_week():
    _, _, steps, p, q = bass_runs(annual=False, reps=4)
    assert np.allclose((p, q), weekly_bass(P, Q), rtol=1e-6)
    assert steps / 52 > np.log(Q / P) / (P + Q)  # it runs past the peak year, 6.19


@pytest.mark.parametrize("first", BLOCKS)
def test_weekly_adoption_curve_matches_the_weekly_recurrence_and_the_continuous_curve(first):
    """At a weekly step the recurrence is the continuous Bass curve to within 0.0015, so the
    model docks to both (time in years = weeks / 52)."""
    curves, n, steps, p, q = bass_runs(annual=False, reps=4, first=first)
    assert_docks(curves, n, steps, p, q)
    weeks = np.arange(steps + 1)
    gap = np.abs(bass_recurrence(p, q, steps) - bass_continuous(P, Q, weeks / 52)).max()
    assert gap < 0.0015
    tol = 4.5 * bass_sd(p, q, steps, n) / np.sqrt(curves.shape[0]) + gap
    assert (np.abs(curves.mean(axis=0) - bass_continuous(P, Q, weeks / 52)) <= tol).all()
    assert abs(curves[:, 52].mean() - 0.0357) < tol[52]  # 3.6% adopt in the first year


@pytest.mark.parametrize("first", BLOCKS)
def test_annual_adoption_curve_matches_the_annual_recurrence(first):
    assert_docks(*bass_runs(annual=True, reps=8, first=first))


@pytest.mark.parametrize("first", BLOCKS)
def test_annual_peak_adoption_step_matches_the_recurrence(first):
    """The published coefficients peak at t* = ln(q/p)/(p+q) = 6.19 with F(t*) = (q-p)/(2q)
    = 0.4605 in continuous time; the synchronous annual recurrence peaks later, and so does the
    model."""
    t_star = np.log(Q / P) / (P + Q)
    assert abs(t_star - 6.19) < 0.01 and abs((Q - P) / (2 * Q) - 0.4605) < 1e-4
    curves, _, steps, p, q = bass_runs(annual=True, reps=8, first=first)
    recurrence_peak = int(np.argmax(np.diff(bass_recurrence(p, q, steps))))
    model_peak = int(np.argmax(np.diff(curves.mean(axis=0))))
    assert model_peak == recurrence_peak
    assert recurrence_peak + 1 > t_star


@pytest.mark.parametrize("first", BLOCKS)
def test_at_an_annual_step_the_continuous_closed_form_is_the_wrong_target(first):
    """The continuous curve differs from the annual recurrence by far more than the model's
    docking error: a synchronous model with a coarse step must be compared with the
    recurrence."""
    curves, _, steps, p, q = bass_runs(annual=True, reps=8, first=first)
    mean = curves.mean(axis=0)
    t = np.arange(steps + 1)
    to_recurrence = np.abs(mean - bass_recurrence(p, q, steps)).max()
    to_continuous = np.abs(mean - bass_continuous(p, q, t)).max()
    assert to_continuous > 5 * to_recurrence
