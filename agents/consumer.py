"""Consumer(mesa agent): a readable view of one consumer, reading and writing the model's arrays.

The rules run vectorised over ``model.consumers``; this class exists so a user can look at one
consumer (``model.consumer(17).stage("Maison")``) and so Mesa's tools see consumers as agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import Cell, FixedAgent

from ewom_abm.model.state import Stage

if TYPE_CHECKING:
    import mesa


class Consumer(FixedAgent):
    """One consumer: fixed traits plus, per brand, funnel stage, ownership, attitude, desire."""

    def __init__(self, model: mesa.Model, index: int, cell: Cell | None = None) -> None:
        super().__init__(model)
        self.index = index
        if cell is not None:
            self.cell = cell

    def __repr__(self) -> str:
        return f"Consumer({self.index}, {self.segment})"

    # fixed traits
    @property
    def segment(self) -> str:
        return "core" if self.model.consumers.core[self.index] else "aspirational"

    @property
    def is_leader(self) -> bool:
        return bool(self.model.consumers.leader[self.index])

    @property
    def susceptibility(self) -> float:
        return float(self.model.consumers.susceptibility[self.index])

    @property
    def share_propensity(self) -> float:
        return float(self.model.consumers.propensity[self.index])

    @property
    def status_sensitivity(self) -> float:
        return float(self.model.consumers.status_sensitivity[self.index])

    @property
    def reservation_price(self) -> float:
        """The most this consumer can pay for one purchase (the units of brands' prices)."""
        return float(self.model.consumers.reservation_price[self.index])

    @property
    def friends(self) -> list[int]:
        """Indices of this consumer's friends (empty under global mixing)."""
        g = self.model.graph
        if g is None:
            return []
        return g.indices[g.indptr[self.index]: g.indptr[self.index + 1]].tolist()

    # per-brand state: brand by index or name
    def stage(self, brand: int | str = 0) -> Stage:
        return Stage(int(self.model.consumers.stage[self.model.brand_index(brand), self.index]))

    def set_stage(self, brand: int | str, stage: Stage) -> None:
        self.model.consumers.stage[self.model.brand_index(brand), self.index] = int(stage)

    def attitude(self, brand: int | str = 0) -> float:
        return float(self.model.consumers.attitude[self.model.brand_index(brand), self.index])

    def set_attitude(self, brand: int | str, value: float) -> None:
        if not -1.0 <= value <= 1.0:
            raise ValueError(f"attitude: {value} is out of range, allowed [-1, 1]")
        self.model.consumers.attitude[self.model.brand_index(brand), self.index] = value

    def owns(self, brand: int | str = 0) -> bool:
        return bool(self.model.consumers.owner[self.model.brand_index(brand), self.index])

    def desire(self, brand: int | str = 0) -> float:
        """Desire for the brand as last measured (model/desire.py)."""
        return float(self.model.consumers.desire[self.model.brand_index(brand), self.index])

    def is_advocate(self, brand: int | str = 0) -> bool:
        return bool(self.model.consumers.advocate[self.model.brand_index(brand), self.index])

    def exposures(self, brand: int | str = 0) -> int:
        return int(self.model.consumers.exposures[self.model.brand_index(brand), self.index])

    def state(self, brand: int | str = 0) -> dict[str, object]:
        """Everything about this consumer for one brand, for printing."""
        return {
            "index": self.index, "segment": self.segment, "leader": self.is_leader,
            "stage": self.stage(brand).name.lower(), "owner": self.owns(brand),
            "attitude": round(self.attitude(brand), 3), "desire": round(self.desire(brand), 3),
            "advocate": self.is_advocate(brand), "exposures": self.exposures(brand),
        }
