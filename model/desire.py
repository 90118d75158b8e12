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

from typing import NamedTuple

import numpy as np

from ewom_abm.model.graph import Graph, Links, links
from ewom_abm.model.jit import inline, jit
from ewom_abm.model.params import params
from ewom_abm.model.scenario import BrandConfig, StatusConfig
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
                owner_other: np.ndarray, i: int) -> tuple[float, float, float]:
    """What consumer i sees of a brand among their friends: the shares who know it, who own it
    in the core and who own it outside the core (from the brand's friend counts). Under global
    mixing everyone sees the population's shares instead (:func:`population_view`)."""
    deg = max(links.indptr[i + 1] - links.indptr[i], 1)
    return aware[i] / deg, owner_core[i] / deg, owner_other[i] / deg


@jit
def status_value(seen: tuple, core: bool, st: tuple, brand: tuple) -> tuple[float, float]:
    """Status value of a brand as a consumer perceives it from what they see, and what it
    would be if none of their friends owned it (the reference dilution is measured against).
    The core are snobs toward owners outside the core (and, by ``in_group_core``, toward each
    other); the aspirational emulate core owners and are snobs toward each other only as far
    as ``in_group_aspirational`` says (by default not at all)."""
    recognised, owned_core, owned_other = seen
    undiluted = brand.prestige + st.recognition * recognised
    if core:
        return undiluted - st.snob * (owned_other + st.in_group_core * owned_core), undiluted
    snob = st.snob * st.in_group_aspirational * owned_other
    return undiluted - snob + st.aspiration * owned_core, undiluted


@jit
def desire_of(liking: float, sensitivity: float, status: float, st: tuple,
              brand: tuple) -> float:
    """Desire on a survey's 0-to-1 scale: liking scaled by the perceived status as much as the
    consumer's sensitivity, times the brand's ``status_weight``, makes it matter, in units of
    ``desire_top`` (the status-lifted liking at the top of the scale); never below nothing and
    never above 1."""
    lifted = liking * (1.0 + brand.status_weight * sensitivity * status) / st.desire_top
    return min(max(lifted, 0.0), 1.0)


class Rows(NamedTuple):
    """Brand b's rows of what desire reads and writes (views; compiled loops take these, not
    every state array: see model/jit.py ``inline``)."""

    aware: np.ndarray  # friends who know it
    owner_core: np.ndarray  # friends in the core who own it
    owner_other: np.ndarray  # friends outside the core who own it
    stage: np.ndarray
    attitude: np.ndarray
    desire: np.ndarray
    undiluted: np.ndarray


@jit
def rows(cons: Consumers, b: int) -> Rows:
    return Rows(cons.friends_aware[b], cons.friends_owner_core[b], cons.friends_owner_other[b],
                cons.stage[b], cons.attitude[b], cons.desire[b], cons.undiluted[b])


@inline
def remeasure(r: Rows, i: int, core: bool, sensitivity: float, seen: tuple, st: tuple,
              brand: tuple) -> None:
    """Consumer i's desire now, from what they ``seen`` of the brand, and what it would be if
    no friend owned it."""
    status, undiluted = status_value(seen, core, st, brand)
    liking = 0.0 if r.stage[i] == UNAWARE else max(r.attitude[i], 0.0)
    r.desire[i] = desire_of(liking, sensitivity, status, st, brand)
    r.undiluted[i] = desire_of(liking, sensitivity, undiluted, st, brand)


@jit
def refresh(cons: Consumers, b: int, who: np.ndarray, links: Links, st: tuple,
            brand: tuple) -> None:
    """Re-measure the desire of consumers ``who`` for brand b (under global mixing everyone's
    view moves with the population: everyone aware)."""
    r, core, sens = rows(cons, b), cons.core, cons.status_sensitivity
    if links.indptr.size > 1:
        for i in who:
            seen = shares_seen(links, r.aware, r.owner_core, r.owner_other, i)
            remeasure(r, i, core[i], sens[i], seen, st, brand)
    else:
        view = population_view(cons, b)
        for i in range(core.size):
            if r.stage[i] != UNAWARE:
                remeasure(r, i, core[i], sens[i], view, st, brand)


@jit
def observe(cons: Consumers, b: int, links: Links, became_aware: np.ndarray,
            bought: np.ndarray, st: tuple, brand: tuple) -> None:
    """Friends see who now knows and who now owns brand b: the newly aware and the new buyers
    are added to their friends' counts, and those friends' desire is re-measured (each time a
    count changes, so after the last; not for friends who do not know the brand, who desire
    nothing, nor for those to whom status does not matter, whose desire is their liking)."""
    if links.indptr.size <= 1:
        return
    r, core, sens = rows(cons, b), cons.core, cons.status_sensitivity
    indptr, indices = links.indptr, links.indices
    for i in became_aware:
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            r.aware[j] += 1
            if sens[j] * brand.status_weight != 0 and r.stage[j] != UNAWARE:  # else it is fixed
                seen = shares_seen(links, r.aware, r.owner_core, r.owner_other, j)
                remeasure(r, j, core[j], sens[j], seen, st, brand)
    for i in bought:
        counts = r.owner_core if core[i] else r.owner_other
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            counts[j] += 1
            if sens[j] * brand.status_weight != 0 and r.stage[j] != UNAWARE:
                seen = shares_seen(links, r.aware, r.owner_core, r.owner_other, j)
                remeasure(r, j, core[j], sens[j], seen, st, brand)


@jit
def update(cons: Consumers, b: int, links: Links, st: tuple, brand: tuple,
           receivers: np.ndarray, became_aware: np.ndarray, bought: np.ndarray) -> None:
    """After a reception: the receivers' desire re-measured (their attitude moved), and friends
    see who now knows and owns the brand (:func:`observe`)."""
    refresh(cons, b, receivers, links, st, brand)
    if links.indptr.size > 1:
        observe(cons, b, links, became_aware, bought, st, brand)


@jit
def measure(cons: Consumers, b: int, st: tuple, core_only: bool) -> tuple[float, float, float]:
    """Dream value (the share of the surveyed aware whose desire reaches ``dream_threshold``: they
    would dream of owning it), dilution (the share of it ownership costs: 1 - dream value / the
    share with friends owning nothing) and the surveyed aware's mean desire. The survey asks the
    core (``core_only``, ``dream_panel = "core"``) or everyone."""
    aware = dreaming = undiluted = 0
    total = 0.0
    for i in range(cons.core.size):
        if cons.stage[b, i] != UNAWARE and (cons.core[i] or not core_only):
            aware += 1
            total += cons.desire[b, i]
            dreaming += cons.desire[b, i] >= st.dream_threshold
            undiluted += cons.undiluted[b, i] >= st.dream_threshold
    if aware == 0:
        return 0.0, 0.0, 0.0
    return dreaming / aware, (1.0 - dreaming / undiluted if undiluted else 0.0), total / aware


class Dream:
    """One brand's desire as consumers hold it, kept current, and its dream value and dilution
    measured from it."""

    def __init__(self, cons: Consumers, b: int, graph: Graph | None, cfg: StatusConfig,
                 brand: BrandConfig) -> None:
        self.cons, self.b = cons, b
        self.links, self.st, self.brand = links(graph), params(cfg), params(brand)
        self.core_only = cfg.dream_panel == "core"

    def update(self, receivers: np.ndarray, became_aware: np.ndarray,
               bought: np.ndarray) -> None:
        """After a reception: the receivers' desire re-measured (their attitude moved), and
        friends see who now knows and owns the brand (:func:`observe`)."""
        update(self.cons, self.b, self.links, self.st, self.brand, receivers, became_aware,
               bought)

    def refresh(self, who: np.ndarray | None = None) -> None:
        """Re-measure the desire of consumers ``who`` (None: everyone)."""
        who = np.arange(self.cons.n) if who is None else np.asarray(who, np.int64)
        refresh(self.cons, self.b, who, self.links, self.st, self.brand)

    def measure(self) -> dict[str, float]:
        """Dream value, dilution and the mean desire of the surveyed aware (see
        :func:`measure`)."""
        dream, dilution, desire = measure(self.cons, self.b, self.st, self.core_only)
        return {"dream_value": dream, "dilution": dilution, "desire": desire}
