"""What one run of a batch does, in whatever process runs it.

A *simulator* turns a configuration's varied values into a validated payload (in the main
process, before any run starts, so bad input fails fast) and runs one payload with one seed
(in a worker). ``EwomSimulator`` runs the eWOM model; sensitivity's ``Ishigami`` is a toy with a
known answer that goes through exactly the same plumbing. ``execute`` wraps a run so that an
exception becomes a recorded failure instead of killing the sweep.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from ewom_abm.batch.grid import Run
from ewom_abm.model import scenario as sc
from ewom_abm.model.errors import EwomError, describe
from ewom_abm.model.metrics import METRICS
from ewom_abm.model.scenario import Scenario

# run-level columns every output row starts with (then the varied keys)
ID_COLUMNS = ("run", "config", "rep", "seed")


@dataclass
class RunOutput:
    """A finished run: rows for runs.parquet (one per brand) and its tidy timeseries."""

    rows: list[dict[str, Any]]
    timeseries: pd.DataFrame | None = None
    timing: dict[str, float] = field(default_factory=dict)


class Simulator(Protocol):
    """The pluggable model of a batch (must pickle: it travels to the workers)."""

    name: str

    def identity(self) -> dict[str, Any]:
        """Everything that decides the results besides the design (for sweep.json)."""
        ...

    def configure(self, values: dict[str, Any]) -> Any:
        """A configuration's validated payload; raises EwomError on a value not allowed."""
        ...

    def run(self, payload: Any, seed: int) -> RunOutput:
        """One run of one configuration with one seed."""
        ...


@dataclass(frozen=True)
class Task:
    """A run and the payload of its configuration, as sent to a worker."""

    run: Run
    payload: Any


@dataclass
class Outcome:
    """What came back from a worker: output, or the error that stopped the run."""

    run: Run
    output: RunOutput | None = None
    error: str = ""
    trace: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.output is not None


def execute(simulator: Simulator, task: Task) -> Outcome:
    """Run one task in a worker; any exception is returned as the run's recorded failure."""
    started = time.perf_counter()
    try:
        output = simulator.run(task.payload, task.run.seed)
    except Exception as exc:
        return Outcome(task.run, error=describe(exc), trace=traceback.format_exc(),
                       seconds=time.perf_counter() - started)
    return Outcome(task.run, output, seconds=time.perf_counter() - started)


def failed(task: Task, exc: BaseException, why: str = "") -> Outcome:
    """An outcome for a run whose worker never answered (died, lost, cancelled)."""
    error = describe(exc) + (f" ({why})" if why else "")
    return Outcome(task.run, error=error, trace="".join(traceback.format_exception(exc)))


# --------------------------------------------------------------------------- the eWOM model

def final_rows(ts: pd.DataFrame, config: Scenario) -> list[dict[str, Any]]:
    """Per brand: the last step's metrics, the configured strategy and eWOM model, and when
    reach and adoptions peaked (the timing of a campaign, which final values hide)."""
    rows = []
    for i, brand in enumerate(config.brands):
        part = ts[ts["brand"] == brand.name]
        last = part.iloc[-1]
        reach_at = int(part["reach"].to_numpy().argmax())
        adopt_at = int(part["new_adopters"].to_numpy().argmax())
        rows.append({
            "brand": brand.name, "brand_index": i, "brand_strategy": brand.strategy,
            "ewom_model": config.ewom.model, "strategy": str(last["strategy"]),
            **{m: last[m].item() for m in METRICS},
            "peak_reach": float(part["reach"].iloc[reach_at]),
            "peak_reach_step": int(part["step"].iloc[reach_at]),
            "peak_new_adopters": int(part["new_adopters"].iloc[adopt_at]),
            "peak_new_adopters_step": int(part["step"].iloc[adopt_at]),
        })
    return rows


@dataclass
class EwomSimulator:
    """The eWOM model on a base scenario; each configuration overrides some of its keys.

    Runs never create one Mesa agent per consumer: agents are made only on first use, and
    ``consumers.agents_max=0`` keeps it so whatever asks (the agents do not change results,
    tests/test_sweep.py checks). A graph file, or a graph with ``network.graph_seed``, is
    built once per worker process and shared by its runs (``model/network.py``'s cache).
    """

    base: dict[str, Any]
    timeseries: bool = True
    name: str = "ewom"

    @classmethod
    def from_scenario(cls, config: Scenario, timeseries: bool = True) -> EwomSimulator:
        return cls(config.to_dict(), timeseries)

    def identity(self) -> dict[str, Any]:
        return {"simulator": self.name, "parameters": self.base,
                "timeseries": self.timeseries}

    def configure(self, values: dict[str, Any]) -> Scenario:
        data = copy.deepcopy(self.base)
        try:
            for key, value in values.items():
                sc.set_key(data, key, value)
        except EwomError as exc:  # set_key speaks of --set; here the user typed --vary
            raise EwomError(str(exc).replace("--set ", "--vary ", 1)) from None
        with warnings.catch_warnings():  # --vary network.path says what it means: no note
            warnings.simplefilter("ignore", sc.ScenarioNote)
            sc.settle_network(data, values)
        return sc.from_dict(data)

    def run(self, payload: Scenario, seed: int) -> RunOutput:
        from ewom_abm.model.model import EwomModel  # imported in the worker, once

        started = time.perf_counter()
        config = dataclasses.replace(
            payload, consumers=dataclasses.replace(payload.consumers, agents_max=0))
        model = EwomModel(config, rng=seed)
        built = time.perf_counter()
        ts = model.run()
        ran = time.perf_counter()
        return RunOutput(final_rows(ts, config), ts if self.timeseries else None,
                         {"build": built - started, "steps": ran - built})
