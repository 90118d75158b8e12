"""Brand(mesa.Agent): budget, strategy, and the policy that chooses the strategy."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cached_property

import mesa
import numpy as np

from ewom_abm.model.jit import stream
from ewom_abm.model.message import Messages, Source
from ewom_abm.model.params import params
from ewom_abm.model.relationships import charge, one_to_one_pool
from ewom_abm.model.scenario import STRATEGIES, BrandConfig
from ewom_abm.model.seeding import SeedOrder
from ewom_abm.model.strategies import STRATEGY_ACTIONS, Action, Market, affordable, sample


class Brand(mesa.Agent):
    """A brand competing for the same consumers as the others, with its own funnel per consumer.

    It asks its strategy (``model/strategies.py``) what to do each step and applies the decision
    to its own books: spend, the influencers it drops. Policy ``fixed`` keeps one strategy;
    ``adaptive`` is a discounted UCB bandit (Garivier & Moulines 2011) over the three strategies:
    every ``adapt_every`` steps it scores the strategy it ran by the share of the *remaining*
    headroom it won (reach gained / reach still to gain) minus ``exclusivity_weight`` times the
    share of the remaining dream value it cost (dilution gained / (1 - dilution)), so a late
    strategy is not blamed for a market the early one saturated; old scores fade by
    ``discount`` per review, as the market moves on.
    """

    def __init__(self, model: mesa.Model, index: int, cfg: BrandConfig) -> None:
        super().__init__(model)
        self.index = index
        self.cfg = cfg
        self.params = params(cfg)  # its numbers, as the rules take them
        self.name = cfg.name
        self.policy = "adaptive" if cfg.strategy == "adaptive" else "fixed"
        self.strategy = cfg.initial_strategy if self.policy == "adaptive" else cfg.strategy
        self.spend = 0.0  # EUR, cumulative
        self.spend_one_to_one = 0.0  # EUR, cumulative: the part spent on one-to-one work
        self.revenue = 0.0  # EUR, cumulative
        self.scandals = 0
        self.reach = 0.0
        self.dilution = 0.0
        self.dropped = np.zeros(model.n, dtype=bool)  # influencers let go after a scandal
        self.switches: list[tuple[int, str]] = []  # (step, new strategy) under the adaptive policy
        arms = self.arms
        start = arms.index(self.strategy) if self.strategy in arms else 0
        self._order = arms[start:] + arms[:start]  # untried arms are tried in this order
        self._tried: set[str] = set()
        self._weight = dict.fromkeys(arms, 0.0)  # discounted number of reviews per arm
        self._score = dict.fromkeys(arms, 0.0)  # discounted sum of rewards per arm
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
                         samples=cfg.greedy_samples, pivots=cfg.betweenness_pivots,
                         progress=m.progress)

    def act(self) -> Action:
        """Ask the current strategy what to do with this step's budget; book the decision.
        With ``relationship_share`` > 0, that share of the budget first buys one-to-one
        contacts with clients and top contributors (R1, ODD 7.22), and the strategy gets the
        rest, with whatever one-to-one work could not use."""
        m, cfg = self.model, self.cfg
        unit = m.config.market.scale / 1000.0
        n121, pool = 0, None
        if cfg.relationship_share > 0 and cfg.budget > 0:
            pool = one_to_one_pool(m.consumers, m.ties, self.index,
                                   m.config.relationships.top_contributors)
            cost = cfg.cost_one_to_one * unit
            n121 = affordable(cfg.budget * cfg.relationship_share, cost, pool.size)
            cfg = replace(cfg, budget=cfg.budget - n121 * cost)
        market = Market(cfg, self.index, m.consumers, m.graph, self.seed_order, self.dropped,
                        m.rng, unit)
        action = STRATEGY_ACTIONS[self.strategy](market)
        if n121:
            targets = np.sort(sample(pool, n121, stream(m.rng)))
            action.messages = Messages.concat([action.messages, Messages.make(
                targets, 1.0, 1.0, Source.ONE_TO_ONE)])
            spent = n121 * self.cfg.cost_one_to_one * unit
            action.spend += spent
            self.spend_one_to_one += spent * 1000.0
            charge(m.ties, self.index, targets, self.cfg.cost_one_to_one, m.steps,
                   m.occasion)
        self.spend += action.spend * 1000.0  # in EUR
        self.dropped[action.drop] = True
        self.scandals += int(action.drop.size)
        return action

    def review(self) -> None:
        """Adaptive policy: score the strategy just run from the KPIs the model recorded for this
        brand (``reach``, ``dilution``), and pick the next one."""
        if self.policy != "adaptive":
            return
        self._since += 1
        if self._since < self.cfg.adapt_every:
            return
        (reach0, dil0), s = self._mark, self.strategy
        reward = ((self.reach - reach0) / max(1.0 - reach0, 1e-9)
                  - self.cfg.exclusivity_weight * (self.dilution - dil0) / max(1.0 - dil0, 1e-9))
        for arm in self._weight:
            self._weight[arm] *= self.cfg.discount
            self._score[arm] *= self.cfg.discount
        self._weight[s] += 1.0
        self._score[s] += reward
        self._tried.add(s)
        self._mark, self._since = (self.reach, self.dilution), 0
        untried = [a for a in self._order if a not in self._tried]
        nxt = untried[0] if untried else self._best()
        if nxt != s:
            self.switches.append((self.model.steps, nxt))
        self.strategy = nxt

    def _best(self) -> str:
        """The arm with the highest discounted mean reward plus exploration bonus (ties at
        random)."""
        total = sum(self._weight.values())
        bonus = self.cfg.exploration * math.sqrt(math.log(max(total, math.e)))
        value = {a: self._score[a] / w + bonus / math.sqrt(w) if w > 1e-12 else math.inf
                 for a, w in self._weight.items()}  # an arm forgotten entirely: try it again
        top = max(value.values())
        best = [a for a in self._order if value[a] >= top - 1e-12]
        return best[int(self.model.rng.integers(len(best)))] if len(best) > 1 else best[0]
