#!/usr/bin/env python
"""Engine benchmark: how close one EwomModel step comes to the floor its data structures allow.

Sections (each prints one table; a summary of the targets follows):

1. full ``model.step()`` vs a bare scipy SpMV ``A @ x`` on the same adjacency, per eWOM model;
2. the ``ic_docking`` cascade vs a plain numpy CSR frontier independent cascade;
3. a naive per-agent Mesa loop of the organic rule vs the engine, same graph;
4. graph build time and peak RSS at the largest size, each in a fresh subprocess;
5. users' sizes: the ``facebook`` scenario per run (build with a warm graph cache, steps), the
   ``ic_docking`` cascade on the Facebook graph per cascade beside CyNetDiff and ndlib (the
   ``bench`` extra; skipped with a message when absent) on the same graph, seeds and p, a
   sweep of 1,000 ``facebook`` runs on 2 workers, end to end (``ewom sweep`` in a subprocess),
   and the app's step at 20,000 consumers (the model's step and the redraw, headless);
6. the compiled rules' cost to the user: ``ewom run facebook`` in a fresh process with an empty
   compile cache (the first run after an install), then with it filled (every later run), and
   what importing and starting numba costs a process.

Engine timings use ``consumers.agents_max=0``: no Mesa agent per consumer is created up front
(the engine works on the state arrays; agents are views created on demand).

    python benchmarks/bench_engine.py            # 10k, 100k, 1M (about 3-5 minutes)
    python benchmarks/bench_engine.py --quick    # 10k and 100k, fewer repeats
    python benchmarks/bench_engine.py --sizes 10k,300k --sections 1,4
    python benchmarks/bench_engine.py --sections 5   # users' sizes only (about 2 minutes)
    python benchmarks/bench_engine.py --sections 6   # compile cache (about a minute)

    pip install -e ".[bench]"                        # CyNetDiff and ndlib for section 5
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np
import scipy

from ewom_abm.model import scenario
from ewom_abm.model.graph import Graph
from ewom_abm.model.model import EwomModel
from ewom_abm.model.network import clear_graph_cache
from ewom_abm.model.reference import DOCKED
from ewom_abm.model.state import Stage

ROOT = Path(__file__).resolve().parents[1]

KIND = "barabasi_albert"
MEAN_DEGREE = 10
EWOM_MODELS = ("organic", "linear", "coproduction")
WARMUP_STEPS = 10
# DOCKED (model/reference.py): a population with no heterogeneity and no funnel friction, in
# which an exposure is an adoption, so the engine computes the same rule as the naive Mesa loop
NAIVE_P_SHARE = 0.02
NAIVE_P_EXTERNAL = 0.002

TARGET_STEP_VS_SPMV = {"organic": 2.0, "linear": 2.0, "coproduction": 3.0}
TARGET_IC_VS_NUMPY = 1.5
TARGET_SPEEDUP = 300.0
TARGET_BUILD_S = 5.0
TARGET_PEAK_MIB = 600.0
# users' sizes (section 5)
FACEBOOK = ROOT / "data" / "facebook_combined.txt.gz"
TARGET_FB_RUN_MS = 25.0
TARGET_FB_BUILD_MS = 5.0
TARGET_FB_STEP_MS = 0.4
TARGET_IC_VS_CYNETDIFF = 3.0  # the cascade's steps, from a model already built
TARGET_IC_END_TO_END = 5.0  # building the model and running the scenario
TARGET_IC_VS_NDLIB = 30.0
TARGET_SWEEP_S = 20.0
SWEEP_RUNS = 1_000
SWEEP_WORKERS = 2
APP_N = 20_000
TARGET_APP_STEP_MS = 100.0
TARGET_FIRST_RUN_S = 5.0  # the first `ewom run` after an install, more than later ones


# --------------------------------------------------------------------------- helpers

def now() -> float:
    return time.perf_counter()


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds."""
    times = []
    for _ in range(repeats):
        t = now()
        fn()
        times.append(now() - t)
    return statistics.median(times)


def fmt_n(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def parse_n(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def table(title: str, headers: list[str], rows: list[list[object]], note: str = "") -> None:
    """Print an aligned plain-text table: text left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]

    def numeric(s: str) -> bool:
        return s[:1].isdigit() or (s[:1] in "-+." and s[1:2].isdigit())

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if numeric(c) else c.ljust(w)
                         for c, w in zip(row, widths, strict=True)).rstrip()

    print(f"\n{title}")
    print("=" * len(title))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    if note:
        for text in note.strip().splitlines():
            print(f"  {text}")
    sys.stdout.flush()


def build_model(n: int, ewom_model: str, *extra: str, rng: int | None = None) -> EwomModel:
    overrides = [f"network.kind={KIND}", f"network.n={n}", f"network.mean_degree={MEAN_DEGREE}",
                 f"ewom.model={ewom_model}", "consumers.agents_max=0", *extra]
    return EwomModel(scenario.load(None, overrides), rng=rng)


def adopter_share(model: EwomModel) -> float:
    return model.adoption_share(0)


def free() -> None:
    gc.collect()


# --------------------------------------------------------------------------- 1. step vs SpMV

def section_step_vs_spmv(sizes: list[int], quick: bool) -> list[dict]:
    results, rows = [], []
    for n in sizes:
        step_reps = 5 if quick else (7 if n >= 1_000_000 else 11 if n >= 100_000 else 21)
        spmv_reps = 20 if quick else (30 if n >= 1_000_000 else 100)
        for name in EWOM_MODELS:
            t = now()
            model = build_model(n, name, "brands.0.strategy=influencer")
            build_s = now() - t
            for _ in range(WARMUP_STEPS):
                model.step()
            step_s = median_time(model.step, step_reps)
            adj = model.graph.adjacency
            x = np.random.default_rng(1).random(n, dtype=np.float32)
            for _ in range(3):
                adj @ x
            spmv_s = median_time(lambda adj=adj, x=x: adj @ x, spmv_reps)
            last = next(iter(model.final().values()))
            rows.append([fmt_n(n), name, f"{build_s:.2f}", f"{step_s * 1e3:.2f}",
                         f"{spmv_s * 1e3:.2f}", f"{step_s / spmv_s:.2f}",
                         f"{last['messages']:,}", f"{last['reach']:.3f}",
                         f"{adopter_share(model):.4f}"])
            results.append({"n": n, "model": name, "step": step_s, "spmv": spmv_s})
            del model, adj
            free()
    table(
        f"1. Full model step vs SpMV floor ({KIND}, mean degree {MEAN_DEGREE}, "
        f"brand strategy influencer, agents_max=0)",
        ["N", "ewom", "build s", "step ms", "SpMV ms", "step/SpMV", "WOM msgs/step", "reach",
         "adopted"],
        rows,
        note=f"step: median of model.step() after {WARMUP_STEPS} warm-up steps; SpMV: median "
             "of model.graph.adjacency @ x (float32 x, scipy, 1 thread).\n"
             "reach / adopted: brand 0's aware and adopter shares after the timed steps; "
             "WOM msgs: word-of-mouth messages in the last step.")
    return results


# --------------------------------------------------------------------------- 2. IC cascade

def ic_frontier(graph: Graph, seeds: np.ndarray, p: float, rng: np.random.Generator) -> int:
    """Plain numpy independent cascade over CSR: returns the number of activated nodes."""
    indptr, indices = graph.indptr, graph.indices
    active = np.zeros(graph.n, dtype=bool)
    frontier = np.unique(seeds)
    active[frontier] = True
    while frontier.size:
        starts = indptr[frontier]
        deg = indptr[frontier + 1] - starts
        total = int(deg.sum())
        if total == 0:
            break
        offset = np.repeat(starts - (np.cumsum(deg) - deg), deg) + np.arange(total)
        hit = indices[offset[rng.random(total) < p]]
        hit = np.unique(hit[~active[hit]])
        active[hit] = True
        frontier = hit
    return int(np.count_nonzero(active))


def cascade_until_silent(model: EwomModel) -> int:
    """Step until no consumer is left to talk (share_once: every adopter has talked)."""
    cons, cap, steps = model.consumers, model.config.steps, 0
    while steps < cap:
        stage = cons.stage[0]
        talkers = ((stage == Stage.ADOPTER) | (stage == Stage.REJECTER)) & ~cons.told[0]
        if not talkers.any():
            break
        model.step()
        steps += 1
    return steps


def section_ic(quick: bool) -> list[dict]:
    runs = 3 if quick else 5
    np_reps = 5 if quick else 9
    results, rows = [], []
    for n in (10_000, 100_000):
        model_t, numpy_t, model_reach, numpy_reach, steps = [], [], [], [], []
        for r in range(runs):
            seed = 2003 + r
            model = EwomModel(scenario.load("ic_docking", ["consumers.agents_max=0",
                                                           f"network.n={n}"]), rng=seed)
            cfg = model.config
            seeds = model.brands[0].seed_order[: cfg.brands[0].seeds].copy()
            p = cfg.ewom.p_share * cfg.consumers.share_propensity
            t = now()
            steps.append(cascade_until_silent(model))
            model_t.append(now() - t)
            model_reach.append(adopter_share(model))
            graph = model.graph
            for k in range(np_reps):
                rng = np.random.default_rng(seed * 100 + k)
                t = now()
                reached = ic_frontier(graph, seeds, p, rng)
                numpy_t.append(now() - t)
                numpy_reach.append(reached / n)
            del model, graph
            free()
        m_s, np_s = statistics.median(model_t), statistics.median(numpy_t)
        rows.append([fmt_n(n), runs, f"{statistics.median(steps):.0f}", f"{m_s * 1e3:.2f}",
                     f"{np_s * 1e3:.2f}", f"{m_s / np_s:.2f}",
                     f"{statistics.mean(model_reach):.4f}", f"{statistics.mean(numpy_reach):.4f}"])
        results.append({"n": n, "model": m_s, "numpy": np_s})
    table(
        "2. IC cascade: ic_docking (erdos_renyi, mean degree 4, p_share 0.4, share_once, "
        "10 random seeds) vs numpy CSR frontier",
        ["N", "runs", "steps", "model ms", "numpy ms", "ratio", "reach model", "reach numpy"],
        rows,
        note=f"model: model.step() until nobody is left to talk, timed from construction end "
             f"(median of {runs} graph seeds);\n"
             f"numpy: frontier cascade on the same graph and seeds, median of {runs}x{np_reps}; "
             "reach: mean final adopter share (same graphs, independent draws).")
    return results


# --------------------------------------------------------------------------- 3. naive Mesa

class NaiveConsumer(mesa.Agent):
    """One consumer as a Mesa agent: adopted flag and a Python list of neighbour agents."""

    def __init__(self, model: NaiveWomModel) -> None:
        super().__init__(model)
        self.adopted = False
        self.told = False
        self.neighbors: list[NaiveConsumer] = []

    def step(self) -> None:
        model = self.model
        if self.adopted:
            p = model.p_share
            for other in self.neighbors:
                if model.random.random() < p:
                    other.told = True
        elif model.random.random() < model.p_external:
            self.told = True

    def advance(self) -> None:
        if self.told:
            self.adopted = True


class NaiveWomModel(mesa.Model):
    """The organic rule written the textbook Mesa way: every agent loops over its friends."""

    def __init__(self, graph: Graph, adopters: np.ndarray, p_share: float, p_external: float,
                 seed: int) -> None:
        super().__init__(rng=seed)
        self.p_share, self.p_external = p_share, p_external
        people = [NaiveConsumer(self) for _ in range(graph.n)]
        indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
        for i, person in enumerate(people):
            person.neighbors = [people[j] for j in indices[indptr[i]:indptr[i + 1]]]
        for i in adopters.tolist():
            people[i].adopted = True
        self.people = people

    def step(self) -> None:
        self.agents.do("step")  # synchronous: everyone reads the start-of-step state
        self.agents.do("advance")

    def adopter_share(self) -> float:
        return sum(p.adopted for p in self.people) / len(self.people)


def section_naive(quick: bool) -> list[dict]:
    timed = 3 if quick else 5
    results, rows = [], []
    for n in (10_000, 100_000):
        engine = build_model(
            n, "organic", *DOCKED, f"ewom.p_share={NAIVE_P_SHARE}",
            f"ewom.p_external={NAIVE_P_EXTERNAL}", f"brands.0.seeds={n // 10}", rng=7)
        adopters = engine.brands[0].seed_order[: n // 10].copy()
        t = now()
        naive = NaiveWomModel(engine.graph, adopters, NAIVE_P_SHARE, NAIVE_P_EXTERNAL, seed=7)
        naive_build = now() - t
        engine.step()  # one warm-up step each
        naive.step()
        e_from, n_from = adopter_share(engine), naive.adopter_share()
        engine_s = median_time(engine.step, timed)
        naive_s = median_time(naive.step, timed)
        rows.append([fmt_n(n), f"{naive_build:.2f}", f"{naive_s * 1e3:.1f}",
                     f"{engine_s * 1e3:.3f}", f"{naive_s / engine_s:.0f}x",
                     f"{n_from:.3f}->{naive.adopter_share():.3f}",
                     f"{e_from:.3f}->{adopter_share(engine):.3f}"])
        results.append({"n": n, "naive": naive_s, "engine": engine_s})
        del engine, naive
        free()
    table(
        f"3. Naive per-agent Mesa loop vs engine (organic rule, {KIND}, mean degree "
        f"{MEAN_DEGREE}, same graph)",
        ["N", "naive build s", "naive ms/step", "engine ms/step", "speed-up",
         "adopted naive", "adopted engine"],
        rows,
        note=f"p_share {NAIVE_P_SHARE}, p_external {NAIVE_P_EXTERNAL}, 10% initial adopters (same "
             "consumers), 1 warm-up step, median of "
             f"{timed} steps;\nengine: DOCKED population (an exposure is an adoption), "
             "agents_max=0; naive: agents.do('step') then agents.do('advance'),\n"
             "model.random.random() per draw; only the step is timed.")
    return results


# --------------------------------------------------------------------------- 4. build + memory

# The child imports only what it measures (build_graph: numpy, scipy, networkx; the model: also
# pandas and mesa), and reports its own peak twice: ru_maxrss and /proc/self/status VmHWM.
CHILD_CODE = """
import json, resource, sys, time
what, n, overrides, root = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
import numpy as np

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")

if what == "graph":
    from ewom_abm.model.network import build_graph
    out = {"base_mib": peak()}
    t = time.perf_counter()
    graph = build_graph(overrides[0], n, np.random.default_rng(42), mean_degree=overrides[1])
    out["build_s"] = time.perf_counter() - t
else:
    from ewom_abm.model import scenario
    from ewom_abm.model.model import EwomModel
    out = {"base_mib": peak()}
    t = time.perf_counter()
    model = EwomModel(scenario.load(None, overrides))
    out["build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    model.step()
    out["step_s"] = time.perf_counter() - t
    graph = model.graph
out["edges"] = graph.m
out["peak_mib"] = peak()
out["hwm_mib"] = hwm()
print(json.dumps(out))
"""


def run_child(what: str, n: int) -> dict:
    """A fresh process for one measurement. It is started through ``sh`` (which forks it)
    because a process exec'd straight from this one inherits this one's peak in ru_maxrss."""
    if what == "graph":
        args: list = [KIND, MEAN_DEGREE]
    else:
        args = [f"network.kind={KIND}", f"network.n={n}", f"network.mean_degree={MEAN_DEGREE}",
                "ewom.model=organic", "consumers.agents_max=0", "brands.0.strategy=influencer"]
    cmd = ["/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, "-c", CHILD_CODE, what,
           str(n), json.dumps(args), str(ROOT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def section_memory(n: int) -> list[dict]:
    results, rows = [], []
    for what, label in (("graph", "build_graph alone"),
                        ("model", "EwomModel (organic, influencer) + 1 step")):
        r = run_child(what, n)
        r.update(what=what, n=n)
        step = f"{r['step_s'] * 1e3:.1f}" if "step_s" in r else "-"
        rows.append([fmt_n(n), label, f"{r['edges']:,}", f"{r['build_s']:.2f}", step,
                     f"{r['base_mib']:.0f}", f"{r['peak_mib']:.0f}", f"{r['hwm_mib']:.0f}"])
        results.append(r)
    table(
        f"4. Graph build and memory ({KIND}, mean degree {MEAN_DEGREE}), each in a fresh process",
        ["N", "what", "edges", "build s", "step ms", "RSS after imports MiB", "peak RSS MiB",
         "VmHWM MiB"],
        rows,
        note="peak RSS: the subprocess's resource.getrusage(RUSAGE_SELF).ru_maxrss, its imports "
             "included\n(graph: numpy, scipy, networkx; model: also pandas, mesa); agents_max=0; "
             "VmHWM (/proc/self/status) cross-checks it.")
    return results



# --------------------------------------------------------------------------- 5. users' sizes

def section_facebook(quick: bool) -> dict:
    """The shipped ``facebook`` scenario (4,039 consumers, 2 brands, 52 steps), one run at a
    time as a script or a sweep's worker does it; the graph cache is warm after the first."""
    runs = 5 if quick else 15
    cfg = scenario.load("facebook")
    clear_graph_cache()
    t = now()
    cold = EwomModel(cfg, rng=0)
    cold_s = now() - t
    cold.run()
    builds, steps, views = [], [], []
    for r in range(runs):
        t = now()
        model = EwomModel(cfg, rng=r + 1)
        builds.append(now() - t)
        t = now()
        model.run()
        steps.append((now() - t) / cfg.steps)
        if r < 3:  # the lazy Mesa view: every consumer's agent, on the network space
            t = now()
            model.agents  # noqa: B018
            views.append(now() - t)
    agents_s = statistics.median(views)
    build_s, step_s = statistics.median(builds), statistics.median(steps)
    run_s = build_s + cfg.steps * step_s
    table(
        f"5a. facebook scenario per run ({cold.n:,} consumers, {len(cfg.brands)} brands, "
        f"{cfg.steps} steps)",
        ["runs", "build ms (cold)", "build ms (warm)", "step ms", "run ms", "Mesa agents ms"],
        [[runs, f"{cold_s * 1e3:.1f}", f"{build_s * 1e3:.2f}", f"{step_s * 1e3:.2f}",
          f"{run_s * 1e3:.1f}", f"{agents_s * 1e3:.0f}"]],
        note="cold: the first model in the process parses the graph file; warm: medians over "
             "runs with\nother seeds (the graph cache serves the file); run = warm build + "
             f"{cfg.steps} x step; Mesa agents: the first\nmodel.agents after a run, which "
             "makes every consumer's agent and the space then (no run pays for it).")
    return {"build": build_s, "step": step_s, "run": run_s}


def _ic_config() -> tuple:
    cfg = scenario.load("ic_docking", ["consumers.agents_max=0", "network.kind=file",
                                       f"network.path={FACEBOOK}"])
    p = cfg.ewom.p_share * cfg.consumers.share_propensity * cfg.ewom.advocate_boost
    return cfg, p


def _cynetdiff(graph: Graph, p: float):
    """CyNetDiff's IC model on the CSR arrays (its ``starts`` has no final entry)."""
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError:
        return None
    import array

    starts = array.array("I", graph.indptr[:-1].astype(np.uint32).tobytes())
    edges = array.array("I", graph.indices.astype(np.uint32).tobytes())
    return IndependentCascadeModel(starts, edges, activation_prob=p, rng=1)


def _ndlib(graph: Graph, p: float):
    """ndlib's IndependentCascadesModel on a networkx copy, every edge's threshold p."""
    try:
        import ndlib.models.epidemics as ep
        from ndlib.models import ModelConfig
    except ImportError:
        return None, 0.0
    t = now()
    model = ep.IndependentCascadesModel(graph.to_networkx(), seed=1)
    config = ModelConfig.Configuration()
    for e in model.graph.edges:
        config.add_edge_configuration("threshold", e, p)
    config.add_model_initial_configuration("Infected", [0])
    model.set_initial_status(config)
    return model, now() - t


def _ndlib_cascade(model, seeds: list[int]) -> int:
    model.reset(seeds)
    while True:
        it = model.iteration(node_status=False)
        if it["node_count"].get(1, 0) == 0 and it["iteration"] > 0:
            return int(it["node_count"].get(2, 0))


def section_ic_facebook(quick: bool) -> dict:
    """One ``ic_docking`` cascade on the Facebook graph as users run it (a model built with a
    warm graph cache, run for the scenario's steps) beside the IC libraries, with the seed sets
    the model drew and the same edge probability."""
    runs = 8 if quick else 20
    lib_reps = 10
    nd_runs = 2 if quick else 4
    cfg, p = _ic_config()
    EwomModel(cfg, rng=0).run()  # warm: imports, graph cache
    ours, ours_silent, ours_reach, seed_sets = [], [], [], []
    for r in range(runs):
        t = now()
        model = EwomModel(cfg, rng=2003 + r)
        model.run()
        ours.append(now() - t)
        seed_sets.append(model.brands[0].seed_order[: cfg.brands[0].seeds].tolist())
        ours_reach.append(model.adoption_share(0))
        silent = EwomModel(cfg, rng=2003 + r)
        t = now()
        cascade_until_silent(silent)
        ours_silent.append(now() - t)
    graph = model.graph
    n = graph.n
    rows = [[f"ewom-abm end to end (build + {cfg.steps} steps)", runs,
             f"{statistics.median(ours) * 1e3:.2f}", f"{statistics.mean(ours_reach):.4f}", ""],
            ["ewom-abm engine (the steps until silent, model built)", runs,
             f"{statistics.median(ours_silent) * 1e3:.2f}", "", "1.0"]]
    out = {"model": statistics.median(ours), "engine": statistics.median(ours_silent),
           "cynetdiff": None, "ndlib": None}
    notes = []
    cnd = _cynetdiff(graph, p)
    if cnd is None:
        notes.append("CyNetDiff: not installed (pip install -e '.[bench]'); skipped")
    else:
        times, reach = [], []
        for seeds in seed_sets:
            cnd.set_seeds(seeds)
            for _ in range(lib_reps):
                t = now()
                cnd.reset_model()
                cnd.advance_until_completion()
                times.append(now() - t)
                reach.append(cnd.get_num_activated_nodes() / n)
        out["cynetdiff"] = statistics.median(times)
        rows.append(["CyNetDiff IndependentCascadeModel", len(times),
                     f"{out['cynetdiff'] * 1e3:.2f}", f"{statistics.mean(reach):.4f}",
                     f"{out['engine'] / out['cynetdiff']:.1f}"])
    nd, nd_setup = _ndlib(graph, p)
    if nd is None:
        notes.append("ndlib: not installed (pip install -e '.[bench]'); skipped")
    else:
        times, reach = [], []
        for seeds in seed_sets[:nd_runs]:
            t = now()
            reached = _ndlib_cascade(nd, seeds)
            times.append(now() - t)
            reach.append(reached / n)
        out["ndlib"] = statistics.median(times)
        rows.append(["ndlib IndependentCascadesModel", len(times),
                     f"{out['ndlib'] * 1e3:.1f}", f"{statistics.mean(reach):.4f}",
                     f"{out['engine'] / out['ndlib']:.3f}"])
        notes.append(f"ndlib's one-time set-up (networkx copy, a threshold per edge): "
                     f"{nd_setup:.2f} s, not counted")
    table(
        f"5b. IC cascade on the Facebook graph ({n:,} nodes, {graph.m:,} edges; ic_docking: "
        f"{cfg.brands[0].seeds} random seeds, p = {p:g})",
        ["engine", "cascades", "ms per cascade", "mean reach", "ewom-abm engine / this"],
        rows,
        note="ewom-abm: EwomModel(ic_docking on the Facebook file) with a warm graph cache: end "
             "to end, built and run as configured;\nthe engine, the cascade's steps from a model "
             "already built (as the libraries' figure); medians over seeds;\nthe libraries run "
             "the same "
             f"seed sets ({lib_reps} cascades each for CyNetDiff, one for ndlib)\nand p from a "
             "model already set up (their per-cascade cost); reach: mean activated share.\n"
             + "\n".join(notes))
    return out


def section_sweep(quick: bool) -> dict:
    """``ewom sweep facebook`` of many replicates on 2 workers, timed as the user's command
    (Python start, imports, pool start-up, runs, tables)."""
    runs = 200 if quick else SWEEP_RUNS
    with tempfile.TemporaryDirectory(prefix="bench-fb-sweep-") as tmp:
        out = Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "ewom_abm", "sweep", "facebook", "--vary",
               "ewom.model=organic", "--reps", str(runs), "--workers", str(SWEEP_WORKERS),
               "--out", str(out), "--no-progress"]
        t = now()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = now() - t
        if proc.returncode != 0:
            raise SystemExit(f"the sweep failed ({proc.returncode}): {proc.stderr.strip()}")
        session = json.loads((out / "sweep.json").read_text())["history"][-1]
    sec = session["seconds"]
    table(
        f"5c. sweep: {runs:,} facebook runs on {SWEEP_WORKERS} workers, end to end",
        ["runs", "wall s", "runs/s", "build ms/run", "steps ms/run", "pool start s"],
        [[runs, f"{wall:.1f}", f"{runs / wall:.1f}", f"{sec['build'] / runs * 1e3:.1f}",
          f"{sec['steps'] / runs * 1e3:.1f}", f"{sec['startup']:.2f}"]],
        note="`python -m ewom_abm sweep facebook --vary ewom.model=organic --reps N --workers "
             f"{SWEEP_WORKERS}` in a subprocess;\nbuild and steps: the workers' own timings "
             "(sweep.json), per run.")
    return {"runs": runs, "wall": wall}


def section_app(quick: bool) -> dict:
    """The app's step at 20,000 consumers without the browser: the model's step, then the
    redraw the page shows (the network picture and the charts, as ``ewom_abm.app`` draws them).
    The figure in a real page is ``benchmarks/bench_app.py --browser``'s."""
    from ewom_abm.app import components
    from ewom_abm.app.setup import AppModel, Setup

    steps = 3 if quick else 8
    setup = Setup("lesson1_seeding", {"network.kind": "barabasi_albert", "network.n": APP_N,
                                      "network.mean_degree": 10})
    model = AppModel(setup)
    components.network_png(model, 0)
    components.charts_svg(model)
    step, draw = [], []
    for _ in range(steps):
        t = now()
        model.step()
        step.append(now() - t)
        t = now()
        components.network_png(model, 0)
        components.charts_svg(model)
        draw.append(now() - t)
    step_s, draw_s = statistics.median(step), statistics.median(draw)
    table(f"5d. the app's step at {APP_N:,} consumers, headless (lesson1_seeding on "
          "Barabasi-Albert)",
          ["steps", "model step ms", "redraw ms", "step + redraw ms"],
          [[steps, f"{step_s * 1e3:.1f}", f"{draw_s * 1e3:.1f}",
            f"{(step_s + draw_s) * 1e3:.1f}"]],
          note="redraw: components.network_png and components.charts_svg, as the page calls "
               "them after a step; in a real\npage add the widgets and the browser "
               "(benchmarks/bench_app.py --browser).")
    return {"step": step_s, "draw": draw_s}


def section_users(quick: bool) -> dict:
    return {"facebook": section_facebook(quick), "ic": section_ic_facebook(quick),
            "sweep": section_sweep(quick), "app": section_app(quick)}


# --------------------------------------------------------------------------- 6. compile cache

def _run_wall(env: dict) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-run-") as out:
        t = now()
        subprocess.run([sys.executable, "-m", "ewom_abm", "run", "facebook", "--out", out],
                       check=True, capture_output=True, env=env, cwd=out)
        return now() - t


def section_compile(quick: bool) -> dict:
    """What the compiled rules cost the user: the first ``ewom run facebook`` after an install
    (an empty compile cache: every rule it uses is compiled), later runs (the cache is read),
    and numba's own start in a process (import, first use)."""
    reps = 2 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = _run_wall(env)
        later = statistics.median(_run_wall(env) for _ in range(reps))
    code = ("import time; t = time.perf_counter(); import numpy as np; "
            "from ewom_abm.model.arrays import first_above; first_above(np.zeros(1), 0.5); "
            "print(time.perf_counter() - t)")
    start = statistics.median(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout) for _ in range(reps))
    table("6. compiled rules: ewom run facebook, first after an install and later",
          ["first run s", "later runs s", "first - later s", "numba start s"],
          [[f"{first:.1f}", f"{later:.1f}", f"{first - later:.1f}", f"{start:.2f}"]],
          note="`python -m ewom_abm run facebook` in a subprocess with NUMBA_CACHE_DIR set to an "
               "empty folder (first), then\nthe same folder (later: median of "
               f"{reps}); numba start: importing numba and the engine's compile glue, and "
               "calling one cached rule.")
    return {"first": first, "later": later, "start": start}

# --------------------------------------------------------------------------- summary

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def users_targets(users: dict | None) -> list[list[str]]:
    """The issue's targets for users' sizes, met or not (a skipped library: not checked)."""
    if not users:
        return []
    fb, ic, sw, app = users["facebook"], users["ic"], users["sweep"], users["app"]
    rows = [
        [f"facebook run <= {TARGET_FB_RUN_MS:g} ms", f"{fb['run'] * 1e3:.1f} ms",
         verdict(fb["run"] * 1e3 <= TARGET_FB_RUN_MS)],
        [f"facebook build (warm graph cache) <= {TARGET_FB_BUILD_MS:g} ms",
         f"{fb['build'] * 1e3:.2f} ms", verdict(fb["build"] * 1e3 <= TARGET_FB_BUILD_MS)],
        [f"facebook step <= {TARGET_FB_STEP_MS:g} ms", f"{fb['step'] * 1e3:.2f} ms",
         verdict(fb["step"] * 1e3 <= TARGET_FB_STEP_MS)],
    ]
    if ic["cynetdiff"] is None:
        rows.append([f"IC cascade <= {TARGET_IC_VS_CYNETDIFF:g}x CyNetDiff", "-",
                     "not checked (CyNetDiff not installed)"])
    else:
        ratio = ic["engine"] / ic["cynetdiff"]
        rows.append([f"IC cascade in the engine <= {TARGET_IC_VS_CYNETDIFF:g}x CyNetDiff, "
                     "Facebook", f"{ratio:.1f}x", verdict(ratio <= TARGET_IC_VS_CYNETDIFF)])
        ratio = ic["model"] / ic["cynetdiff"]
        rows.append([f"IC cascade end to end <= {TARGET_IC_END_TO_END:g}x CyNetDiff, Facebook",
                     f"{ratio:.1f}x", verdict(ratio <= TARGET_IC_END_TO_END)])
    if ic["ndlib"] is None:
        rows.append([f"IC cascade >= {TARGET_IC_VS_NDLIB:g}x faster than ndlib", "-",
                     "not checked (ndlib not installed)"])
    else:
        speed = ic["ndlib"] / ic["engine"]
        rows.append([f"IC cascade >= {TARGET_IC_VS_NDLIB:g}x faster than ndlib, Facebook",
                     f"{speed:.1f}x", verdict(speed >= TARGET_IC_VS_NDLIB)])
    if sw["runs"] == SWEEP_RUNS:
        rows.append([f"sweep of {SWEEP_RUNS:,} facebook runs, {SWEEP_WORKERS} workers <= "
                     f"{TARGET_SWEEP_S:g} s", f"{sw['wall']:.1f} s",
                     verdict(sw["wall"] <= TARGET_SWEEP_S)])
    else:
        rows.append([f"sweep of {SWEEP_RUNS:,} facebook runs, {SWEEP_WORKERS} workers <= "
                     f"{TARGET_SWEEP_S:g} s", f"{sw['wall']:.1f} s for {sw['runs']}",
                     "not checked (--quick)"])
    total = (app["step"] + app["draw"]) * 1e3
    rows.append([f"app step at {APP_N:,} consumers <= {TARGET_APP_STEP_MS:g} ms (headless)",
                 f"{total:.0f} ms ({app['step'] * 1e3:.1f} model)",
                 verdict(total <= TARGET_APP_STEP_MS)])
    return rows


def compile_targets(comp: dict | None) -> list[list[str]]:
    if not comp:
        return []
    extra = comp["first"] - comp["later"]
    return [[f"first ewom run after an install <= {TARGET_FIRST_RUN_S:g} s more",
             f"{extra:.1f} s more", verdict(extra <= TARGET_FIRST_RUN_S)],
            ["numba's start in each process (later runs, every sweep worker)",
             f"{comp['start']:.2f} s", "reported"]]


def summary(step: list[dict], ic: list[dict], naive: list[dict], mem: list[dict],
            largest: int, users: dict | None = None, comp: dict | None = None) -> None:
    rows = []
    for r in step:
        if r["n"] == largest:
            ratio, target = r["step"] / r["spmv"], TARGET_STEP_VS_SPMV[r["model"]]
            rows.append([f"step <= {target:g}x SpMV, {r['model']}, {fmt_n(r['n'])}",
                         f"{ratio:.2f}x", verdict(ratio <= target)])
    for r in ic:
        ratio = r["model"] / r["numpy"]
        rows.append([f"IC cascade <= {TARGET_IC_VS_NUMPY:g}x numpy frontier, {fmt_n(r['n'])}",
                     f"{ratio:.2f}x", verdict(ratio <= TARGET_IC_VS_NUMPY)])
    for r in naive:
        if r["n"] == 100_000:
            speed = r["naive"] / r["engine"]
            rows.append([f"engine >= {TARGET_SPEEDUP:g}x naive Mesa, {fmt_n(r['n'])}",
                         f"{speed:.0f}x", verdict(speed >= TARGET_SPEEDUP)])
    for r in mem:
        what = "graph" if r["what"] == "graph" else "model + 1 step"
        rows.append([f"{what} build <= {TARGET_BUILD_S:g} s, {fmt_n(r['n'])}",
                     f"{r['build_s']:.2f} s", verdict(r["build_s"] <= TARGET_BUILD_S)])
        rows.append([f"{what} peak RSS <= {TARGET_PEAK_MIB:g} MiB, {fmt_n(r['n'])}",
                     f"{r['peak_mib']:.0f} MiB", verdict(r["peak_mib"] <= TARGET_PEAK_MIB)])
    rows += users_targets(users)
    rows += compile_targets(comp)
    note = ""
    if largest < 1_000_000:
        note = (f"largest size run is {fmt_n(largest)}: the 1M targets (step vs SpMV, memory) "
                "were checked at that size instead")
    table("Summary", ["target", "measured", "result"], rows, note=note)


# --------------------------------------------------------------------------- main

def header() -> None:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print("ewom-abm engine benchmark")
    print(f"python {platform.python_version()} | numpy {np.__version__} | scipy "
          f"{scipy.__version__} | mesa {mesa.__version__}")
    print(f"{platform.machine()} {platform.system()} | CPUs: {os.cpu_count()} "
          f"(usable {affinity}) | load average {load}")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k and 100k only, fewer repeats")
    ap.add_argument("--sizes", default=None,
                    help="comma-separated consumer counts for sections 1 and 4, e.g. 10k,100k,1M")
    ap.add_argument("--sections", default="1,2,3,4,5,6", help="which sections to run, e.g. 1,4")
    args = ap.parse_args()
    if args.sizes:
        sizes = sorted(parse_n(s) for s in args.sizes.split(",") if s.strip())
    else:
        sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    sections = {s.strip() for s in args.sections.split(",")}
    header()
    t0 = now()
    step = section_step_vs_spmv(sizes, args.quick) if "1" in sections else []
    ic = section_ic(args.quick) if "2" in sections else []
    naive = section_naive(args.quick) if "3" in sections else []
    mem = section_memory(max(sizes)) if "4" in sections else []
    users = section_users(args.quick) if "5" in sections else None
    comp = section_compile(args.quick) if "6" in sections else None
    summary(step, ic, naive, mem, max(sizes), users, comp)
    print(f"\ntotal benchmark time {now() - t0:.0f} s")


if __name__ == "__main__":
    main()
