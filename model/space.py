"""Mesa's network space built straight from the CSR graph, networkx only if asked for.

Mesa 3.5's ``Network(G)`` needs a graph object only to list nodes (``G.nodes``) and their
neighbours (``G.neighbors``) while it makes cells; afterwards its own mutators
(``add_cell``, ``add_connection``...) and drawers use ``space.G`` as a networkx graph. So the
cells and their connections here come from ``indptr``/``indices`` directly (a networkx copy of
the 4,039-node Facebook graph alone costs about 70 ms), and ``G`` becomes that networkx copy on
first access. The model's graph never changes: editing the space edits the copy.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from mesa.discrete_space import Cell, Network
from mesa.discrete_space.discrete_space import DiscreteSpace

if TYPE_CHECKING:
    import networkx as nx

    from ewom_abm.model.network import Graph


class CsrNetwork(Network):
    """A topological ``mesa.discrete_space.Network`` (no layout): cell i is consumer i and is
    connected to cell j (key j) for each friend j, as ``Network(graph.to_networkx(),
    layout=None)`` would make it."""

    def __init__(self, graph: Graph, *, random: Random, capacity: int | None = None,
                 cell_klass: type[Cell] = Cell) -> None:
        # Network.__init__ would read G; everything else it sets is set here the same way
        DiscreteSpace.__init__(self, capacity=capacity, random=random, cell_klass=cell_klass)
        self.graph = graph
        self._nx: nx.Graph | None = None
        cells = [cell_klass(coordinate=i, capacity=capacity, random=self.random)
                 for i in range(graph.n)]
        self._cells = dict(enumerate(cells))
        self._kdtree_cells: list[Cell] = []
        self._kdtree = None
        self._connect_cells()

    def _connect_cells(self) -> None:
        """All connections at once: a fresh cell has no neighbourhood cache to clear, so the
        per-edge ``Cell.connect`` (which clears it every time) is not needed."""
        cells = self._cells
        indptr, nbrs = self.graph.indptr.tolist(), self.graph.indices.tolist()
        for i, cell in cells.items():
            friends = nbrs[indptr[i]:indptr[i + 1]]
            cell.connections = dict(zip(friends, map(cells.__getitem__, friends), strict=True))

    @property
    def G(self) -> nx.Graph:  # noqa: N802 - Mesa's name
        """The networkx graph Mesa's Network API exposes, made from the CSR on first use."""
        if self._nx is None:
            self._nx = self.graph.to_networkx()
        return self._nx

    @G.setter
    def G(self, value: nx.Graph) -> None:  # noqa: N802
        self._nx = value
