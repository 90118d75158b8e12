"""Property 1: with global mixing the model docks to the discrete Bass (1969) recurrence."""

from __future__ import annotations

from functools import cache

import numpy as np

from ewom_abm.model.reference import bass_continuous, bass_recurrence, bass_sd
from ewom_testing import build

P, Q, REPS = 0.03, 0.38, 8


@cache
def bass_runs():
    """The shipped bass_docking preset (p = 0.03, q = 0.038 x 10), REPS seeds."""
    curves = []
    for seed in range(REPS):
        m = build("consumers.agents_max=0", preset="bass_docking", seed=seed)
        curves.append(m.run()["penetration"].to_numpy())
    return np.array(curves), m.n, m.config.steps


def test_adoption_curve_matches_the_discrete_recurrence():
    curves, n, steps = bass_runs()
    mean = curves.mean(axis=0)
    target = bass_recurrence(P, Q, steps)
    # run-to-run sd by the linear noise approximation; the mean of REPS runs has sd / sqrt(REPS)
    tol = 4.5 * bass_sd(P, Q, steps, n) / np.sqrt(REPS)
    error = np.abs(mean - target)
    assert (error <= tol + 1e-12).all(), (error.max(), tol[error.argmax()])
    assert error.max() < 0.005  # max absolute error of the mean curve
    # the observed run-to-run spread agrees with the noise approximation
    observed_sd = curves.std(axis=0, ddof=1)[1:]
    predicted = bass_sd(P, Q, steps, n)[1:]
    assert np.all(observed_sd < 3 * predicted) and np.median(observed_sd / predicted) > 0.4


def test_peak_adoption_step_matches_the_recurrence():
    """The published coefficients peak at t* = ln(q/p)/(p+q) = 6.19 with F(t*) = (q-p)/(2q)
    = 0.4605 in continuous time; the synchronous recurrence peaks later, and so does the model."""
    t_star = np.log(Q / P) / (P + Q)
    assert abs(t_star - 6.19) < 0.01 and abs((Q - P) / (2 * Q) - 0.4605) < 1e-4
    curves, _, steps = bass_runs()
    recurrence_peak = int(np.argmax(np.diff(bass_recurrence(P, Q, steps))))
    model_peak = int(np.argmax(np.diff(curves.mean(axis=0))))
    assert model_peak == recurrence_peak
    assert recurrence_peak + 1 > t_star


def test_continuous_closed_form_is_the_wrong_target_for_a_synchronous_step():
    """The continuous curve differs from the discrete recurrence by far more than the model's
    docking error: a synchronous model must be compared with the recurrence."""
    curves, _, steps = bass_runs()
    mean = curves.mean(axis=0)
    t = np.arange(steps + 1)
    to_recurrence = np.abs(mean - bass_recurrence(P, Q, steps)).max()
    to_continuous = np.abs(mean - bass_continuous(P, Q, t)).max()
    assert to_continuous > 5 * to_recurrence
