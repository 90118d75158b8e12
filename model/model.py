"""EwomModel(mesa.Model): builds everything from a scenario; one step is the schedule below.

Schedule of one step (synchronous: word of mouth and conversions read the state at the start
of the step; only the brands' own moves come first):
1. each brand's desire per consumer follows from its dream value (snob effect);
2. each brand acts on its strategy (its own messages, spend, who may adopt; exclusivity's client
   events make advocates, who then talk with their boost in this same step);
3. word of mouth about each brand flows under the eWOM model (plus mass advertising);
4. receivers update attitude and funnel stage; rejecters and advocates emerge;
5. dream value and dilution are recomputed, KPIs recorded, adaptive brands review strategy.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from ewom_abm.agents.brand import Brand
from ewom_abm.agents.consumer import Consumer
from ewom_abm.model import dilution as dil
from ewom_abm.model import scenario as scenario_mod
from ewom_abm.model.ewom import spread
from ewom_abm.model.funnel import receive
from ewom_abm.model.metrics import funnel_shares, to_frame
from ewom_abm.model.network import Graph, build_graph
from ewom_abm.model.scenario import Scenario
from ewom_abm.model.state import Consumers, Stage


class EwomModel(mesa.Model):
    """Word of mouth about competing brands on a social graph, measuring reach against dilution.

    ``EwomModel()`` runs the embedded default scenario; ``EwomModel(scenario.load("organic"))``
    a preset. ``rng`` (an int) overrides the scenario's seed: one seed decides everything,
    graph included.
    """

    def __init__(self, config: Scenario | None = None, *, rng: int | None = None) -> None:
        config = config if config is not None else scenario_mod.load()
        seed = int(config.seed if rng is None else rng)
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        net = config.network
        self.graph: Graph | None = build_graph(
            net.kind, net.n, self.rng, mean_degree=net.mean_degree, rewire=net.rewire,
            blocks=net.blocks, mixing=net.mixing, path=net.path or None)
        self.n = self.graph.n if self.graph is not None else net.n
        self.mean_degree = (float(self.graph.degree.mean()) if self.graph is not None
                            else net.mean_degree)
        degree = self.graph.degree if self.graph is not None else None
        self.consumers = Consumers.create(self.n, len(config.brands), config.consumers, degree,
                                          self.rng)
        self.brands = [Brand(self, i, cfg) for i, cfg in enumerate(config.brands)]
        self.space: Network | None = None
        self._consumer_agents: dict[int, Consumer] = {}
        if self.n <= config.consumers.agents_max:
            if self.graph is not None:
                self.space = Network(self.graph.to_networkx(), layout=None, random=self.random)
            for i in range(self.n):
                self.consumer(i)
        self._rows: list[dict] = []
        self._talk = [(0, 0, 0)] * len(self.brands)  # (messages, negative, new adopters)
        self._launch()
        self._record()

    # ------------------------------------------------------------------ set-up

    def _launch(self) -> None:
        """Launch seeds: each brand's first adopters, chosen by its seeding rule."""
        for br in self.brands:
            seeds = br.seed_order[: br.cfg.seeds]
            self.seed_adopters(br.index, seeds)
            self._talk[br.index] = (0, 0, int(seeds.size))

    def seed_adopters(self, brand: int | str, consumers: np.ndarray) -> None:
        """Make consumers informed adopters of a brand, holding its message as the brand said
        it: the launch seeds, or seeds an experiment places by hand."""
        b, cons = self.brand_index(brand), self.consumers
        cons.stage[b, consumers] = Stage.ADOPTER
        cons.attitude[b, consumers] = 1.0
        cons.valence[b, consumers] = 1.0
        cons.hops[b, consumers] = 0
        cons.sponsored[b, consumers] = True
        cons.exposures[b, consumers] += 1

    # ------------------------------------------------------------------ access

    def brand_index(self, brand: int | str) -> int:
        """A brand's row in the state arrays, by index or name."""
        if isinstance(brand, str):
            for br in self.brands:
                if br.name == brand:
                    return br.index
            names = ", ".join(br.name for br in self.brands)
            raise KeyError(f"brand: no brand named {brand!r}; brands: {names}")
        if not 0 <= brand < len(self.brands):
            raise IndexError(f"brand: index {brand} out of range 0..{len(self.brands) - 1}")
        return int(brand)

    def consumer(self, i: int) -> Consumer:
        """The Mesa agent of consumer i, created on first use for large populations."""
        agent = self._consumer_agents.get(i)
        if agent is None:
            if not 0 <= i < self.n:
                raise IndexError(f"consumer: index {i} out of range 0..{self.n - 1}")
            cell = self.space._cells[i] if self.space is not None else None
            agent = Consumer(self, i, cell)
            self._consumer_agents[i] = agent
        return agent

    # ------------------------------------------------------------------ dynamics

    def step(self) -> None:
        """One synchronous step; see the module docstring for the schedule."""
        cfg, cons = self.config, self.consumers
        # brands adopted per consumer at the start of the step (competition needs rivals)
        n_adopted = ((cons.stage == Stage.ADOPTER).sum(axis=0, dtype=np.int16)
                     if len(self.brands) > 1 else None)
        desires = [dil.desire(cons.status, br.dream_value, br.cfg.base_dream_value)
                   for br in self.brands]
        actions = [br.act() for br in self.brands]
        for br, action in zip(self.brands, actions, strict=True):
            b = br.index
            talk = spread(cons, b, cfg.ewom, self.graph, self.mean_degree, action.share_boost,
                          self.rng)
            msgs = type(talk.messages).concat([action.messages, talk.messages])
            new = receive(cons, b, msgs, desires[b], n_adopted, action.access, cfg, self.rng)
            self._talk[b] = (talk.sent, talk.negative, new)
        self._record()
        for br in self.brands:
            br.review()

    def _record(self) -> None:
        """KPIs of every brand now; updates each brand's dream value and dilution."""
        for br in self.brands:
            shares = funnel_shares(self.consumers, br.index)
            diluted = dil.dilution(shares["penetration"], shares["penetration_outside_core"],
                                   self.config.dilution)
            br.dilution = diluted
            br.reach = shares["reach"]
            br.dream_value = dil.dream_value(br.cfg.base_dream_value, shares["reach"], diluted,
                                             self.config.dilution)
            sent, negative, new = self._talk[br.index]
            reached = shares["reach"] * self.n
            self._rows.append({
                "step": self.steps, "brand": br.name, "strategy": br.strategy, **shares,
                "messages": sent, "negative_share": negative / sent if sent else 0.0,
                "new_adopters": new, "dream_value": br.dream_value, "dilution": diluted,
                "spend": br.spend, "cost_per_reached": br.spend / reached if reached else 0.0,
            })

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Run the scenario's steps (or ``steps`` more) and return the timeseries."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()
        return self.timeseries()

    # ------------------------------------------------------------------ results

    def timeseries(self) -> pd.DataFrame:
        """Tidy KPIs: one row per step and brand, step 0 being the launch."""
        return to_frame(self._rows)

    def final(self) -> dict[str, dict]:
        """The last recorded KPIs per brand."""
        last = self._rows[-len(self.brands):]
        return {row["brand"]: {k: v for k, v in row.items() if k not in ("brand",)}
                for row in last}

    def adoption_share(self, brand: int | str = 0) -> float:
        """Share of consumers who have adopted the brand now."""
        b = self.brand_index(brand)
        return float(np.count_nonzero(self.consumers.stage[b] == Stage.ADOPTER) / self.n)
