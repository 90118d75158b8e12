"""Consumers' desire for a brand and its status value as each of them perceives it; the brand's
dream value and dilution *measured* from those desires, as a survey would measure them.

Status value as consumer i perceives brand b, from what i sees among their friends
(Leibenstein 1950; Amaldoss & Jain 2005; Han, Nunes & Dreze 2010):

    S_i = prestige_b + recognition * R_i                       (a signal needs an audience)
          core i:          - snob * (O_other_i + in_group_core * O_core_i)    (snob effect)
          aspirational i:  - snob * in_group_aspirational * O_other_i         (none by default)
                           + aspiration * O_core_i                            (bandwagon: emulate
                                                                               the core)

with R_i the share of i's friends who know the brand, O_* the shares who own it, by segment
(under global mixing: the whole population's shares). Desire, on a survey's 0-to-1 scale, is

    desire_i = min(1, max(attitude_i, 0) * max(0, 1 + status_weight_b * sensitivity_i * S_i)
                      / desire_top)
    desire_i = 0 if i has never heard of the brand

so a fan blind to status sits at 1 / desire_top (the middle of the scale by default) and only the
brand's status, as they perceive it, lifts desire toward the top.

Measured each step like Dubois & Paternault's (1995) "dream" item: **dream value** is the share
of the surveyed consumers *aware of the brand* (``dream_panel``: the affluent core by default,
the clientele those surveys asked) whose desire reaches ``dream_threshold`` (they would dream of
owning it); the unaware are not asked, so dream value does not count reach by definition.
**Dilution** is the share of it that ownership costs: 1 - dream value / the dream value the same
consumers would report if none of their friends owned the brand. Nothing here is a function of
aggregate awareness or penetration: the luxury paradox across runs is a finding.
"""

from __future__ import annotations

import numpy as np

from ewom_abm.model.arrays import distinct, neighbours
from ewom_abm.model.graph import Graph
from ewom_abm.model.scenario import StatusConfig
from ewom_abm.model.state import Consumers, Stage


def observe(cons: Consumers, b: int, graph: Graph | None, became_aware: np.ndarray,
            bought: np.ndarray) -> np.ndarray:
    """Friends see who now knows and who now owns the brand: update the counts each consumer
    holds of their friends. Returns the consumers whose view of the brand's status changed."""
    if graph is None or (became_aware.size == 0 and bought.size == 0):
        return np.empty(0, np.int64)
    seen = [_add(cons.friends_aware[b], graph, became_aware)]
    core = cons.core[bought]
    seen.append(_add(cons.friends_owner_core[b], graph, bought[core]))
    seen.append(_add(cons.friends_owner_other[b], graph, bought[~core]))
    return np.concatenate(seen)


def _add(count: np.ndarray, graph: Graph, who: np.ndarray) -> np.ndarray:
    friends = neighbours(graph, who)
    if 16 * friends.size > count.size:  # many: one counting pass beats scattered adds
        count += np.bincount(friends, minlength=count.size).astype(count.dtype)
    elif friends.size:
        np.add.at(count, friends, 1)
    return friends


def perceived_status(cons: Consumers, b: int, who: np.ndarray, graph: Graph | None,
                     cfg: StatusConfig, prestige: float) -> tuple[np.ndarray, np.ndarray]:
    """Status value of brand b as consumers ``who`` perceive it, and what it would be if none
    of their friends owned it (the reference dilution is measured against). The core are snobs
    toward owners outside the core (and, by ``in_group_core``, toward each other); the
    aspirational emulate core owners and are snobs toward each other only as far as
    ``in_group_aspirational`` says (by default not at all)."""
    if graph is None:  # global mixing: everyone sees the whole population
        n = cons.n
        aware = np.count_nonzero(cons.stage[b] != Stage.UNAWARE) / n
        owners = cons.owner[b]
        core = np.count_nonzero(owners & cons.core) / n
        shares = (np.float64(aware), np.float64(core),
                  np.float64(np.count_nonzero(owners) / n - core))
    else:
        deg = np.maximum(graph.degree[who], 1).astype(np.float64)
        shares = (cons.friends_aware[b, who] / deg, cons.friends_owner_core[b, who] / deg,
                  cons.friends_owner_other[b, who] / deg)
    recognised, owned_core, owned_other = shares
    undiluted = prestige + cfg.recognition * recognised
    in_core = cons.core[who]
    snob = cfg.snob * np.where(in_core, owned_other + cfg.in_group_core * owned_core,
                               cfg.in_group_aspirational * owned_other)
    emulation = np.where(in_core, 0.0, cfg.aspiration * owned_core)
    return undiluted - snob + emulation, np.broadcast_to(undiluted, who.shape)


def desire_of(liking: np.ndarray, sensitivity: np.ndarray, status: np.ndarray,
              top: float) -> np.ndarray:
    """Desire on a 0-to-1 scale: liking scaled by the status value as much as the consumer's
    sensitivity (times the brand's status weight) makes it matter, in units of ``top`` (the
    status-lifted liking at the top of the scale), never below nothing and never above 1."""
    return np.clip(liking * (1.0 + sensitivity * status) / top, 0.0, 1.0)


def dream_share(desire: np.ndarray, aware: np.ndarray, threshold: float) -> float:
    """The survey's dream item: the share of the consumers aware of the brand whose desire
    reaches ``threshold`` (0 while nobody knows it)."""
    asked = int(np.count_nonzero(aware))
    return int(np.count_nonzero(aware & (desire >= threshold))) / asked if asked else 0.0


class Dream:
    """Desire per consumer for one brand, kept current, and the dream value and dilution
    measured from it."""

    def __init__(self, cons: Consumers, b: int, graph: Graph | None, cfg: StatusConfig,
                 prestige: float, status_weight: float = 1.0) -> None:
        self.cons, self.b, self.graph, self.cfg, self.prestige = cons, b, graph, cfg, prestige
        self.status_weight = status_weight  # how much status matters for this brand
        self.undiluted = np.zeros(cons.n, dtype=np.float32)  # desire if no friend owned it

    def desire(self, who: np.ndarray, attitude: np.ndarray) -> np.ndarray:
        """Desire of consumers ``who`` with these attitudes and the brand's status as they
        perceive it now (conversion uses it with the step's new attitudes)."""
        status, _ = perceived_status(self.cons, self.b, who, self.graph, self.cfg, self.prestige)
        sens = self.status_weight * self.cons.status_sensitivity[who]
        return desire_of(np.maximum(attitude, 0.0), sens, status, self.cfg.desire_top)

    def refresh(self, who: np.ndarray | None) -> None:
        """Recompute the desire of consumers ``who`` (None: everyone aware), whose attitude or
        view of the brand's status may have changed."""
        cons, b = self.cons, self.b
        if who is None or self.graph is None:
            who = np.flatnonzero(cons.stage[b] != Stage.UNAWARE)
        else:
            who = distinct(who, cons.n)
        if who.size == 0:
            return
        status, undiluted = perceived_status(cons, b, who, self.graph, self.cfg, self.prestige)
        liking = np.maximum(cons.attitude[b, who], 0.0)
        liking = np.where(cons.stage[b, who] == Stage.UNAWARE, 0.0, liking)
        sens = self.status_weight * cons.status_sensitivity[who]
        top = self.cfg.desire_top
        cons.desire[b, who] = desire_of(liking, sens, status, top)
        self.undiluted[who] = desire_of(liking, sens, undiluted, top)

    def measure(self) -> dict[str, float]:
        """Dream value (the share of the surveyed consumers aware of the brand who would dream
        of owning it), dilution (the share of it ownership costs) and their mean desire. The
        survey asks the aware in ``dream_panel``: the core, or everyone."""
        cons, b = self.cons, self.b
        aware = cons.stage[b] != Stage.UNAWARE
        if self.cfg.dream_panel == "core":
            aware &= cons.core
        asked = int(np.count_nonzero(aware))
        threshold = self.cfg.dream_threshold
        dream = dream_share(cons.desire[b], aware, threshold)
        reference = dream_share(self.undiluted, aware, threshold)
        total = float(cons.desire[b][aware].sum(dtype=np.float64))
        return {"dream_value": dream,
                "dilution": 1.0 - dream / reference if reference > 0 else 0.0,
                "desire": total / asked if asked else 0.0}
