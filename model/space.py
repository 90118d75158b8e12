"""Mesa's network space for the consumers, built through Mesa's public API.

``Network(G, layout=None)`` makes one cell per consumer from a networkx copy of the CSR graph.
It costs about 0.3 s for the 4,039-person Facebook graph, paid once, on first use of
``model.space`` (runs, batches and the app never ask for it). A constructor from CSR arrays
(``Network.from_csr``) would make it 5 times cheaper; until Mesa has one, the space is made the
way Mesa documents rather than by setting its private fields. The model's graph never changes:
editing the space edits the copy.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from mesa.discrete_space import Network

if TYPE_CHECKING:
    from ewom_abm.model.graph import Graph


def network_space(graph: Graph, random: Random) -> Network:
    """A topological Mesa ``Network`` (no layout): cell i is consumer i, connected to cell j for
    each friend j."""
    return Network(graph.to_networkx(), layout=None, random=random)
