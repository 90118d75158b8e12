"""EwomModel(mesa.Model): builds everything from a scenario; one step is the schedule below.

Schedule of one step (synchronous: word of mouth and conversions read the state at the start
of the step; only the brands' own moves come first):
1. each brand acts on its strategy (its own messages, spend, whose talk its content boosts,
   who may buy);
2. word of mouth about each brand flows under the eWOM regime (plus mass advertising), and the
   community reacts to sponsored content (coproduction's pushback);
3. every consumer attends to a limited number of the step's messages, all brands together;
4. receivers update attitude, the message they hold and their funnel stage; buyers experience
   the product; rejecters and advocates emerge;
5. friends see who now knows and owns each brand; desires are re-measured, and with them dream
   value and dilution; KPIs are recorded; adaptive brands review their strategy.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from mesa.discrete_space import Network

from ewom_abm.agents.brand import Brand
from ewom_abm.agents.consumer import Consumer
from ewom_abm.model import scenario as scenario_mod
from ewom_abm.model.desire import Dream
from ewom_abm.model.errors import EwomError
from ewom_abm.model.ewom import REGIMES, spread
from ewom_abm.model.funnel import attend, receive
from ewom_abm.model.graph import Graph, links
from ewom_abm.model.jit import held_interrupts, stream
from ewom_abm.model.message import Content, Messages
from ewom_abm.model.metrics import MEASURED, METRICS, census, to_frame
from ewom_abm.model.network import build_graph
from ewom_abm.model.params import settings
from ewom_abm.model.scenario import Scenario
from ewom_abm.model.seeding import Progress
from ewom_abm.model.space import network_space
from ewom_abm.model.state import Consumers, Stage


class EwomModel(mesa.Model):
    """Word of mouth about competing brands on a social graph, measuring reach against dilution.

    ``EwomModel()`` runs the embedded default scenario; ``EwomModel(scenario.load("organic"))``
    a preset. ``rng`` (an int) overrides the scenario's seed: one seed decides everything,
    graph included (unless ``network.graph_seed`` holds the graph fixed).

    Consumers' Mesa agents and the network space are views that the rules never read, so they
    are made on first use: ``model.agents``, ``model.agents_by_type``, ``model.agent_types``,
    ``model.space``, ``model.consumer(i)`` or ``create_consumer_agents()``. Up to
    ``consumers.agents_max`` consumers, the first use makes all of them, on the space; above
    it, ``consumer(i)`` makes one at a time, without a space. A plain run or a batch never
    pays for them. ``progress`` (tqdm's signature) is given a bar for long set-up work, such
    as betweenness or greedy seeding on a large graph.
    """

    def __init__(self, config: Scenario | None = None, *, rng: int | None = None,
                 progress: Progress | None = None) -> None:
        config = scenario_mod.coerce(config)  # a dict, a name, a changed field: one line
        seed = scenario_mod.check_seed(config.seed if rng is None else rng, "rng")
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        self.progress = progress  # a bar for long set-up work (costly seeding), or None
        net = config.network
        # without graph_seed the graph is the first draw from the model's rng (as always);
        # with it, the graph has its own generator and the model's stream is not touched
        self.graph: Graph | None = build_graph(
            net.kind, net.n, self.rng, mean_degree=net.mean_degree, rewire=net.rewire,
            blocks=net.blocks, mixing=net.mixing, path=net.path or None,
            graph_seed=net.graph_seed if net.graph_seed >= 0 else None)
        self.n = self.graph.n if self.graph is not None else net.n
        self.mean_degree = (float(self.graph.degree.mean()) if self.graph is not None
                            else net.mean_degree)
        degree = self.graph.degree if self.graph is not None else None
        self.links = links(self.graph)  # the graph's CSR arrays, as the rules take them
        self.regime = REGIMES[config.ewom.model]
        self.settings = settings(config)  # the scenario's numbers, as the rules take them
        self.consumers = Consumers.create(self.n, len(config.brands), config.consumers, degree,
                                          self.rng)
        self.brands = [Brand(self, i, cfg) for i, cfg in enumerate(config.brands)]
        self.dreams = [Dream(self.consumers, b.index, self.graph, config.status, b.cfg)
                       for b in self.brands]
        self._space: Network | None = None
        self._consumer_agents: dict[int, Consumer] = {}
        self._all_consumers = False  # every consumer has its agent (n <= agents_max, asked)
        self._rows: list[dict] = []
        self._talk = [(0, 0, 0)] * len(self.brands)  # (messages, negative, new buyers)
        self._settled = False  # nothing can change any more (see run)
        self._launch()
        self._record()

    # ------------------------------------------------------------------ set-up

    def _launch(self) -> None:
        """Launch seeds: each brand's first buyers, chosen by its seeding rule."""
        for br in self.brands:
            seeds = br.seed_order[: br.cfg.seeds]
            self.seed_adopters(br.index, seeds)
            self._talk[br.index] = (0, 0, int(seeds.size))

    def seed_adopters(self, brand: int | str, consumers: np.ndarray) -> None:
        """Make consumers satisfied owners of a brand, holding its message as the brand said it:
        the launch seeds, or seeds an experiment places by hand."""
        b, cons = self.brand_index(brand), self.consumers
        consumers = np.asarray(consumers, dtype=np.int64)
        aware = consumers[cons.stage[b, consumers] == Stage.UNAWARE]
        bought = consumers[~cons.owner[b, consumers]]
        cons.stage[b, consumers] = Stage.ADOPTER
        cons.owner[b, consumers] = True
        cons.bought[b, bought] = self.steps
        cons.attitude[b, consumers] = 1.0
        brand_says = Content.full(consumers.size, valence=1.0, sponsored=True)
        Content(*(a[b] for a in cons.held)).assign(consumers, brand_says)
        cons.exposures[b, consumers] += 1
        cons.news[b, consumers] = self.steps
        self.dreams[b].update(consumers, aware, bought)

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
        """The Mesa agent of consumer i; the first call makes every consumer's agent up to
        ``consumers.agents_max`` consumers, and only this one above it."""
        agent = self._consumer_agents.get(i)
        if agent is None:
            if not 0 <= i < self.n:
                raise IndexError(f"consumer: index {i} out of range 0..{self.n - 1}")
            if self._agents_wanted():
                self.create_consumer_agents()
                return self._consumer_agents[i]
            agent = Consumer(self, i)
            self._consumer_agents[i] = agent
        return agent

    def _agents_wanted(self) -> bool:
        """Whether the Mesa view should be complete now: small enough, and not made yet."""
        return not self._all_consumers and self.n <= self.config.consumers.agents_max

    def create_consumer_agents(self) -> None:
        """Make every consumer's Mesa agent, on a cell of the network space when there is a
        graph (in index order, so agent ids are as if they had been made at set-up). Above
        ``consumers.agents_max`` consumers this is refused: ask for ``consumer(i)`` instead."""
        if self._all_consumers:
            return
        limit = self.config.consumers.agents_max
        if self.n > limit:
            raise EwomError(f"consumers.agents_max: {self.n:,} consumers are more than "
                            f"{limit:,}; raise consumers.agents_max to make every consumer's "
                            "Mesa agent, or use model.consumer(i) for one")
        space = self.space
        for i in range(self.n):
            self._consumer_agents[i] = Consumer(self, i, space[i] if space is not None else None)
        self._all_consumers = True

    @property
    def space(self) -> Network | None:
        """Mesa's network space, one cell per consumer, made on first use from the CSR graph
        (None under global mixing, or above ``consumers.agents_max`` consumers)."""
        if self._space is None and self.graph is not None \
                and self.n <= self.config.consumers.agents_max:
            self._space = network_space(self.graph, self.random)
        return self._space

    @property
    def agents(self) -> AgentSet:
        """Mesa's agents: the brands and the consumers (made now, if not yet; see the class)."""
        if self._agents_wanted():
            self.create_consumer_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, AgentSet]:
        """Mesa's agents by class, consumers made first as for ``agents``."""
        if self._agents_wanted():
            self.create_consumer_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent classes, consumers made first as for ``agents``."""
        if self._agents_wanted():
            self.create_consumer_agents()
        return super().agent_types

    # ------------------------------------------------------------------ dynamics

    def step(self) -> None:
        """One synchronous step; see the module docstring for the schedule. A Ctrl-C waits
        for the step to finish (compiled rules cannot be stopped half-way)."""
        with held_interrupts():
            self._advance()

    def _advance(self) -> None:
        cons, t, sc, regime, graph = self.consumers, self.steps, self.settings, self.regime, \
            self.links
        rng = stream(self.rng)  # the model's generator, as compiled rules draw from it
        # 1. each brand acts on its strategy
        actions = [br.act() for br in self.brands]
        # 2. word of mouth (and mass advertising) about each brand, and the community's pushback
        batches: list[Messages] = []
        talkers = 0
        for br, action in zip(self.brands, actions, strict=True):
            msgs, talked = spread(regime, cons, br.index, action.messages, sc.ewom, graph,
                                  self.mean_degree, t, action.boosted, action.boost, rng)
            talkers += talked
            batches.append(msgs)
        # nobody talked, nothing was sent and nothing will be: every later step is this one
        self._settled = (talkers == 0 and not any(m.size for m in batches)
                         and sc.ewom.p_external == 0
                         and all(b.cfg.budget == 0 and b.policy == "fixed" for b in self.brands))
        # 3. limited attention, all brands together
        batches = attend(batches, self.n, sc.consumers.attention, self.rng)
        # 4. the funnel; friends see who now knows and owns each brand; desires re-measured
        for br, action, msgs in zip(self.brands, actions, batches, strict=True):
            b = br.index
            got = receive(cons, b, msgs, t, regime, sc.funnel, sc.status, br.params, action.access,
                          graph, rng)
            br.revenue += got.bought.size * br.cfg.price
            self.dreams[b].update(got.receivers, got.became_aware, got.bought)
            self._talk[b] = (got.wom, got.negative, int(got.bought.size))
        # 5. KPIs; adaptive brands review their strategy
        self._record()
        for br in self.brands:
            br.review()

    def _record(self) -> None:
        """KPIs of every brand now, measured from the consumers; the brands learn theirs."""
        core_only = self.config.status.dream_panel == "core"
        for br in self.brands:
            kpi = dict(zip(MEASURED, census(self.consumers, br.index, self.settings.status,
                                            core_only).tolist(), strict=True))
            br.reach, br.dilution = kpi["reach"], kpi["dilution"]
            sent, negative, new = self._talk[br.index]
            reached = kpi["reach"] * self.n
            kpi.update(step=self.steps, brand=br.name, strategy=br.strategy, messages=sent,
                       negative_share=negative / sent if sent else 0.0, scandals=br.scandals,
                       new_adopters=new, revenue=br.revenue, spend=br.spend,
                       cost_per_reached=br.spend / reached if reached else 0.0)
            self._rows.append(kpi)

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Run the scenario's steps (or ``steps`` more) and return the timeseries. Once the
        model has settled (nobody can talk, nothing is sent, no budget, no advertising) the
        remaining steps' rows repeat the last ones: a finished cascade costs nothing more."""
        todo = self.config.steps if steps is None else steps
        for done in range(todo):
            if self._settled:
                self._coast(todo - done)
                break
            self.step()
        return self.timeseries()

    def _coast(self, steps: int) -> None:
        """Advance a settled model ``steps`` steps: the same KPIs, nothing sent or bought."""
        last = self._rows[-len(self.brands):]
        for k in range(1, steps + 1):
            self._rows.extend({**row, "step": row["step"] + k, "messages": 0,
                               "negative_share": 0.0, "new_adopters": 0} for row in last)
        self.steps += steps
        self.time += steps

    # ------------------------------------------------------------------ results

    def timeseries(self) -> pd.DataFrame:
        """Tidy KPIs: one row per step and brand, step 0 being the launch."""
        return to_frame(self._rows)

    def final(self) -> dict[str, dict]:
        """The last recorded KPIs per brand."""
        last = self._rows[-len(self.brands):]
        return {row["brand"]: {k: row[k] for k in ("step", "strategy", *METRICS)}
                for row in last}

    def adoption_share(self, brand: int | str = 0) -> float:
        """Share of consumers who own the brand now."""
        b = self.brand_index(brand)
        return float(np.count_nonzero(self.consumers.owner[b]) / self.n)

