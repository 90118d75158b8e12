"""Size limits: refused in one line naming the key and the limit, raised by an environment
variable, and generous enough for the sizes the project supports (a million consumers)."""

from __future__ import annotations

import re

import pytest

from ewom_abm import limits
from ewom_abm.batch.sweep import plan
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError

BA = ["network.kind=barabasi_albert"]


def test_a_million_consumers_fit_the_default_limit() -> None:
    config = scenario.load(None, [*BA, "network.n=1000000", "consumers.agents_max=0"])
    need = limits.model_bytes(config)
    assert need is not None and need < 1e9  # measured peak 235 MB; the estimate is above it


def test_the_memory_limit_names_the_key_and_the_largest_allowed_n(monkeypatch) -> None:
    monkeypatch.setenv("EWOM_MAX_MEMORY", "100M")
    with pytest.raises(EwomError) as err:
        scenario.load(None, [*BA, "network.n=1000000", "consumers.agents_max=0"])
    text = str(err.value)
    assert text.startswith("network.n: 1,000,000 consumers need about 336 MB of memory, more "
                           "than EWOM_MAX_MEMORY=100 MB; allowed up to about ")
    assert text.endswith("(EWOM_MAX_MEMORY raises the limit, e.g. EWOM_MAX_MEMORY=64G)")
    largest = int(re.search(r"up to about ([\d,]+)", text)[1].replace(",", ""))
    scenario.load(None, [*BA, f"network.n={largest}", "consumers.agents_max=0"])  # fits
    with pytest.raises(EwomError, match=r"^network\.n: "):
        scenario.load(None, [*BA, f"network.n={largest + 1}", "consumers.agents_max=0"])


def test_the_estimate_grows_with_what_costs_memory() -> None:
    def need(*sets: str) -> int:
        return limits.model_bytes(scenario.load(None, [*BA, "network.n=10000", *sets]))

    base = need("consumers.agents_max=0")
    assert need("consumers.agents_max=0", "network.mean_degree=40") > 3 * base
    assert need("consumers.agents_max=0", "brands.0.seeding=greedy") > 10 * base
    assert need("consumers.agents_max=100000") > 5 * base  # a Mesa agent per consumer
    assert limits.model_bytes(scenario.load("facebook")) is None  # the file decides


@pytest.mark.parametrize(("env", "value", "call", "message"), [
    ("EWOM_MAX_STEPS", "10", lambda: scenario.load(None, steps=11),
     "steps: 11 steps is above the limit; allowed up to 10 steps (EWOM_MAX_STEPS raises"),
    ("EWOM_MAX_CONFIGS", "5", lambda: plan("organic", ["ewom.p_share=0:1:6"], 1),
     "--vary ewom.p_share=0:1:6: a range of 6 values is above the limit; allowed up to 5 "
     "values (EWOM_MAX_CONFIGS raises"),
    ("EWOM_MAX_CONFIGS", "5", lambda: plan("organic", ["ewom.p_share=0.1,0.2,0.3",
                                                       "ewom.model=organic,linear"], 1),
     "--vary: 3 x 2 = 6 configurations is above the limit; allowed up to 5 configurations"),
    ("EWOM_MAX_RUNS", "10", lambda: plan("organic", ["ewom.p_share=0.1,0.2"], 6),
     "--reps: 2 configurations x 6 replicates = 12 runs is above the limit; allowed up to 10 "
     "runs (EWOM_MAX_RUNS raises"),
    ("EWOM_MAX_STEPS", "ten", lambda: scenario.load(None),
     "EWOM_MAX_STEPS: 'ten' is not a number; set it to a whole number"),
])
def test_each_limit_is_named_and_can_be_raised(monkeypatch, env, value, call, message) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(EwomError) as err:
        call()
    assert str(err.value).startswith(message), err.value
    monkeypatch.setenv(env, "1000000")
    if "ten" not in value:
        call()  # raised: the same input is accepted


def test_the_limits_are_documented_in_the_scenario_reference() -> None:
    text = scenario.schema_markdown()
    for lim in limits.LIMITS:
        assert f"| `{lim.env}` |" in text
