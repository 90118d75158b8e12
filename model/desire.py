"""Consumers' desire for a brand and its status value as each of them perceives it; the brand's
dream value and dilution *measured* from those desires, as a survey would measure them.

Status value as consumer i perceives brand b, from what i sees among their friends
(Leibenstein 1950; Amaldoss & Jain 2005; Han, Nunes & Dreze 2010):

    S_i = prestige_b + recognition * R_i                      (a signal needs an audience)
          - snob * (O_out_i + in_group * O_in_i)              (core: owners outside the core
                                                              dilute most; aspirational: only
                                                              their own segment, x in_group)
          + aspiration * O_core_i                             (aspirational: emulating the core)

with R_i the share of i's friends who know the brand, O_* the shares who own it, by segment
(under global mixing: the whole population's shares). Desire is then

    desire_i = max(attitude_i, 0) * max(0, 1 + status_sensitivity_i * S_i)   if i is aware
    desire_i = 0                                                              if not

Measured each step, like Dubois & Paternault's (1995) survey of a population: **dream value** is
the population's mean desire (those who never heard of the brand desire nothing), and
**dilution** the share of it that ownership costs: 1 - dream value / the dream value the same
consumers would hold if none of their friends owned the brand. Nothing here is a function of
aggregate awareness or penetration: the luxury paradox across runs is a finding.
"""

from __future__ import annotations

import numpy as np

from ewom_abm.model.arrays import distinct
from ewom_abm.model.graph import Graph, Links, links
from ewom_abm.model.jit import inline, jit
from ewom_abm.model.params import params
from ewom_abm.model.scenario import StatusConfig
from ewom_abm.model.state import UNAWARE, Consumers


@jit
def population_view(cons: Consumers, b: int) -> tuple[float, float, float]:
    """Under global mixing everyone sees the population: the shares aware of brand b, owning
    it in the core and owning it outside the core."""
    n = cons.core.size
    aware = core = other = 0
    for i in range(n):
        aware += cons.stage[b, i] != UNAWARE
        if cons.owner[b, i]:
            if cons.core[i]:
                core += 1
            else:
                other += 1
    return aware / n, core / n, other / n


@inline
def shares_seen(links: Links, aware: np.ndarray, owner_core: np.ndarray,
                owner_other: np.ndarray, i: int, view: tuple) -> tuple[float, float, float]:
    """What consumer i sees of a brand: the shares of their friends who know it, who own it in
    the core and outside it (from the brand's friend counts); under global mixing (no links)
    the population's, ``view``."""
    if links.indptr.size <= 1:
        return view
    deg = max(links.indptr[i + 1] - links.indptr[i], 1)
    return aware[i] / deg, owner_core[i] / deg, owner_other[i] / deg


@inline
def status_value(seen: tuple, core: bool, st: tuple, prestige: float) -> tuple[float, float]:
    """Status value of a brand as a consumer perceives it from what they see, and what it
    would be if none of their friends owned it (the reference dilution is measured against)."""
    recognised, owned_core, owned_other = seen
    undiluted = prestige + st.recognition * recognised
    if core:
        return undiluted - st.snob * (owned_other + st.in_group * owned_core), undiluted
    return undiluted - st.snob * st.in_group * owned_other + st.aspiration * owned_core, \
        undiluted


@inline
def desire_of(liking: float, sensitivity: float, status: float) -> float:
    """Desire: liking scaled by the perceived status as much as the consumer's sensitivity
    makes it matter; never below nothing."""
    return liking * max(0.0, 1.0 + sensitivity * status)


@jit
def observe(cons: Consumers, b: int, links: Links, became_aware: np.ndarray,
            bought: np.ndarray) -> np.ndarray:
    """Friends see who now knows and who now owns the brand: add the newly aware and the new
    buyers to their friends' counts. Returns the friends whose view of the brand's status
    changed (one entry per count added)."""
    if links.indptr.size <= 1:
        return np.empty(0, np.int64)
    indptr, indices = links.indptr, links.indices
    total = 0
    for i in became_aware:
        total += indptr[i + 1] - indptr[i]
    for i in bought:
        total += indptr[i + 1] - indptr[i]
    seen = np.empty(total, np.int64)
    k = 0
    for i in became_aware:
        for e in range(indptr[i], indptr[i + 1]):
            cons.friends_aware[b, indices[e]] += 1
            seen[k] = indices[e]
            k += 1
    for i in bought:
        counts = cons.friends_owner_core[b] if cons.core[i] else cons.friends_owner_other[b]
        for e in range(indptr[i], indptr[i + 1]):
            counts[indices[e]] += 1
            seen[k] = indices[e]
            k += 1
    return seen


@jit
def refresh(cons: Consumers, b: int, who: np.ndarray, links: Links, st: tuple,
            prestige: float) -> None:
    """Recompute the desire of consumers ``who`` (distinct), whose attitude or view of the
    brand's status may have changed, and the desire they would hold if no friend owned it."""
    view = population_view(cons, b) if links.indptr.size <= 1 else (0.0, 0.0, 0.0)
    aware, core, other = cons.friends_aware[b], cons.friends_owner_core[b], \
        cons.friends_owner_other[b]
    for i in who:
        seen = shares_seen(links, aware, core, other, i, view)
        status, undiluted = status_value(seen, cons.core[i], st, prestige)
        liking = 0.0 if cons.stage[b, i] == UNAWARE else max(cons.attitude[b, i], 0.0)
        sens = cons.status_sensitivity[i]
        cons.desire[b, i] = desire_of(liking, sens, status)
        cons.undiluted[b, i] = desire_of(liking, sens, undiluted)


@jit
def measure(cons: Consumers, b: int) -> tuple[float, float, float]:
    """Dream value (the population's mean desire), dilution (the share of it ownership costs)
    and the mean desire of those aware of the brand."""
    total = reference = 0.0
    aware = 0
    for i in range(cons.core.size):
        total += cons.desire[b, i]
        reference += cons.undiluted[b, i]
        aware += cons.stage[b, i] != UNAWARE
    return (total / cons.core.size, 1.0 - total / reference if reference > 0 else 0.0,
            total / aware if aware else 0.0)


class Dream:
    """Desire per consumer for one brand, kept current, and the dream value and dilution
    measured from it."""

    def __init__(self, cons: Consumers, b: int, graph: Graph | None, cfg: StatusConfig,
                 prestige: float) -> None:
        self.cons, self.b, self.prestige = cons, b, float(prestige)
        self.links, self.st = links(graph), params(cfg)

    def refresh(self, who: np.ndarray | None) -> None:
        """Recompute the desire of consumers ``who`` (None: everyone aware), whose attitude or
        view of the brand's status may have changed (under global mixing everyone's view moves
        with the population: everyone aware)."""
        cons, b = self.cons, self.b
        if who is None or not self.links.present:
            who = np.flatnonzero(cons.stage[b] != UNAWARE)
        else:
            who = distinct(np.asarray(who, np.int64), cons.n)
        if who.size:
            refresh(cons, b, who, self.links, self.st, self.prestige)

    def measure(self) -> dict[str, float]:
        """Dream value, dilution and the mean desire of the aware (see :func:`measure`)."""
        dream, dilution, desire = measure(self.cons, self.b)
        return {"dream_value": dream, "dilution": dilution, "desire": desire}
