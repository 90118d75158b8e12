"""Brand(mesa.Agent): budget, strategy, and the policy that chooses the strategy."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ewom_abm.model.scenario import STRATEGIES, BrandConfig
from ewom_abm.model.seeding import SeedOrder
from ewom_abm.model.strategies import STRATEGY_ACTIONS, Action

if TYPE_CHECKING:
    from ewom_abm.model.model import EwomModel


class Brand(mesa.Agent):
    """A brand competing for the same consumers as the others, with its own funnel per consumer.

    Policy ``fixed`` keeps one strategy; ``adaptive`` is an epsilon-greedy bandit over the three
    strategies that every ``adapt_every`` steps scores the strategy it ran by its own KPIs:
    reach gained minus ``exclusivity_weight`` times dilution gained.
    """

    model: EwomModel

    def __init__(self, model: EwomModel, index: int, cfg: BrandConfig) -> None:
        super().__init__(model)
        self.index = index
        self.cfg = cfg
        self.name = cfg.name
        self.policy = "adaptive" if cfg.strategy == "adaptive" else "fixed"
        self.strategy = cfg.initial_strategy if self.policy == "adaptive" else cfg.strategy
        self.spend = 0.0
        self.dream_value = cfg.base_dream_value
        self.dilution = 0.0
        self.reach = 0.0
        self.scandals = 0
        self.dropped = np.zeros(model.n, dtype=bool)  # influencers let go after a scandal
        self.switches: list[tuple[int, str]] = []  # (step, new strategy) under the adaptive policy
        self._value = dict.fromkeys(self.arms, 0.0)
        self._tries = dict.fromkeys(self.arms, 0)
        self._mark = (0.0, 0.0)
        self._since = 0

    def __repr__(self) -> str:
        return f"Brand({self.name!r}, strategy={self.strategy!r}, policy={self.policy!r})"

    @property
    def arms(self) -> tuple[str, ...]:
        """Strategies the adaptive policy may pick (no influencers without a graph)."""
        if self.model.graph is None:
            return tuple(s for s in STRATEGIES if s != "influencer")
        return STRATEGIES

    @cached_property
    def seed_order(self) -> SeedOrder:
        """Consumers in the order this brand seeds or pays them: ``seed_order[:k]`` is the first
        k, computed on demand by the brand's seeding rule (see model/seeding.py)."""
        m, cfg = self.model, self.cfg
        return SeedOrder(cfg.seeding, m.n, m.graph, m.rng, p=m.config.ewom.p_share,
                         samples=cfg.greedy_samples, pivots=cfg.betweenness_pivots)

    def act(self) -> Action:
        """Spend this step's budget on the current strategy."""
        action = STRATEGY_ACTIONS[self.strategy](self, self.model)
        self.spend += action.spend
        return action

    def review(self) -> None:
        """Adaptive policy: score the strategy just run, from the KPIs the model recorded for
        this brand (``reach``, ``dilution``), and pick the next one."""
        reach, dilution = self.reach, self.dilution
        if self.policy != "adaptive":
            return
        self._since += 1
        if self._since < self.cfg.adapt_every:
            return
        reward = (reach - self._mark[0]) - self.cfg.exclusivity_weight * (dilution - self._mark[1])
        s = self.strategy
        self._tries[s] += 1
        self._value[s] += (reward - self._value[s]) / self._tries[s]
        self._mark, self._since = (reach, dilution), 0
        untried = [a for a in self.arms if self._tries[a] == 0]
        rng = self.model.rng
        if untried:
            nxt = untried[0]
        elif rng.random() < self.cfg.explore:
            nxt = self.arms[int(rng.integers(len(self.arms)))]
        else:
            nxt = max(self.arms, key=lambda a: self._value[a])
        if nxt != s:
            self.switches.append((self.model.steps, nxt))
        self.strategy = nxt
