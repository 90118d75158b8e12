"""Mesa agents: brands that act, and readable views of consumers."""

from agents.brand import Brand
from agents.consumer import Consumer

__all__ = ["Brand", "Consumer"]
