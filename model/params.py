"""A scenario section as compiled rules read it: a NamedTuple of its numeric fields.

``params(cfg.funnel).p_adopt`` is ``cfg.funnel.p_adopt`` as a float. The record types are made
from the scenario's dataclasses (``model/scenario.py``), so a new key needs no edit here; text
fields (names, choices such as the strategy) stay in Python. Each field keeps its declared
type (float, int or bool) whatever the file wrote, so a rule is compiled once per section.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import fields
from typing import Any, NamedTuple

from ewom_abm.model.scenario import (
    BrandConfig,
    ChannelsConfig,
    ConsumerConfig,
    EwomConfig,
    FollowersConfig,
    FunnelConfig,
    MarketConfig,
    RelationshipsConfig,
    RepeatConfig,
    Scenario,
    StatusConfig,
)

_CASTS = {"float": float, "int": int, "bool": bool}
_RECORDS: dict[type, tuple[type, tuple[tuple[str, Any], ...]]] = {}


def _record(cls: type, name: str) -> type:
    """The NamedTuple type of ``cls``'s numeric fields, registered in this module under
    ``name`` (compiled code caches refer to it by name)."""
    numeric = tuple((f.name, _CASTS[f.type]) for f in fields(cls) if f.type in _CASTS)
    record = namedtuple(name, [n for n, _ in numeric], module=__name__)
    record.__doc__ = f"The numeric fields of {cls.__name__}, for compiled rules."
    _RECORDS[cls] = (record, numeric)
    return record


EwomParams = _record(EwomConfig, "EwomParams")
FunnelParams = _record(FunnelConfig, "FunnelParams")
StatusParams = _record(StatusConfig, "StatusParams")
BrandParams = _record(BrandConfig, "BrandParams")
ConsumerParams = _record(ConsumerConfig, "ConsumerParams")
MarketParams = _record(MarketConfig, "MarketParams")
FollowersParams = _record(FollowersConfig, "FollowersParams")
RepeatParams = _record(RepeatConfig, "RepeatParams")
RelationshipsParams = _record(RelationshipsConfig, "RelationshipsParams")
ChannelsParams = _record(ChannelsConfig, "ChannelsParams")


def params(cfg: object) -> Any:
    """The numeric fields of a scenario section, as its record type."""
    record, numeric = _RECORDS[type(cfg)]
    return record(*(cast(getattr(cfg, name)) for name, cast in numeric))


class Settings(NamedTuple):
    """A scenario's sections as compiled rules read them (brands: ``params(brand_cfg)``)."""

    ewom: Any
    funnel: Any
    status: Any
    consumers: Any
    market: Any
    followers: Any
    channels: Any


def settings(sc: Scenario) -> Settings:
    """The numeric records of every section of a scenario but its brands."""
    return Settings(params(sc.ewom), params(sc.funnel), params(sc.status), params(sc.consumers),
                    params(sc.market), params(sc.followers), params(sc.channels))
