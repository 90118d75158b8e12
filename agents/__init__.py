"""Mesa agents: brands that act, and readable views of consumers."""

from ewom_abm.agents.brand import Brand
from ewom_abm.agents.consumer import Consumer

__all__ = ["Brand", "Consumer"]
