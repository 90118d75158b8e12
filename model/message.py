"""The message: what it says (:class:`Content`, also what a consumer holds as their view of a
brand), where it comes from (:class:`Source`) and a step's batch of them (:class:`Messages`).

Both are struct-of-arrays NamedTuples, so compiled rules take them as they are. A field of
``Content`` is declared once, here: its default is what a consumer who holds no message has,
and fixes its dtype; every copy (:func:`model.jit.put`, ``take``, ``row``) follows the fields.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from ewom_abm.model.jit import take

NO_MESSAGE = np.iinfo(np.int16).max  # hops of a consumer who holds no message
NO_HOPS = int(NO_MESSAGE) - 1  # retellings saturate here (never NO_MESSAGE)


class Source(IntEnum):
    """Where a message comes from: the brand's own channels, paid posts, or a consumer."""

    AD = 0  # mass advertising (external influence)
    CONTENT = 1  # entertainment content
    INVITATION = 2  # exclusivity: an invitation to a prospect in the core
    EVENT = 3  # exclusivity: an event for a client
    BRIEF = 4  # influencer: the brief the paid influencer receives
    OWNED = 5  # the brand's own post seen by a follower of its account (owned media)
    ONE_TO_ONE = 6  # a personal message, reply or follow-back to a client or contributor
    POST = 7  # influencer: a paid post seen by a follower (word of mouth from here on:
    PEER = 8  # word of mouth from a consumer              keep these two last)


class Content(NamedTuple):
    """What a message says, one entry per message (or, in ``Consumers.held``, per brand and
    consumer: the message they hold and pass on). Defaults: nothing held."""

    valence: np.ndarray = np.float32(0.0)  # in [-1, 1]
    trust: np.ndarray = np.float32(0.0)  # trust in its source (paid posts less than friends)
    fidelity: np.ndarray = np.float32(0.0)  # in [0, 1]: meaning surviving the retellings
    hops: np.ndarray = np.int16(NO_MESSAGE)  # retellings since the brand (0: its own words)
    sponsored: np.ndarray = np.bool_(False)  # started as brand or paid content

    _OWN_WORDS = {"trust": 1.0, "fidelity": 1.0, "hops": 0}  # noqa: RUF012 (not a field)

    @classmethod
    def nothing(cls, shape: int | tuple[int, ...]) -> Content:
        """Arrays of the given shape holding no message."""
        return cls(*(np.full(shape, d, dtype=d.dtype) for d in cls._field_defaults.values()))

    @classmethod
    def full(cls, size: int, **values: float | bool | np.ndarray) -> Content:
        """``size`` messages with the given fields (scalars broadcast); the rest as a
        consumer's own words: trust and fidelity 1, no retellings, not sponsored."""
        given = {**cls._OWN_WORDS, **values}
        return cls(*(np.full(size, given.get(name, empty), dtype=empty.dtype)
                     for name, empty in cls._field_defaults.items()))

    @classmethod
    def concat(cls, parts: list[Content]) -> Content:
        return cls(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))

    def assign(self, idx: object, other: Content) -> None:
        """``self[idx] = other``, field by field."""
        for mine, theirs in zip(self, other, strict=True):
            mine[idx] = theirs


class Messages(NamedTuple):
    """A step's messages about one brand, one entry per (sender, receiver)."""

    dst: np.ndarray  # int64: receiving consumer
    source: np.ndarray  # int8: Source
    content: Content

    @property
    def size(self) -> int:
        return self.dst.size

    @property
    def word_of_mouth(self) -> np.ndarray:
        """What consumers post and say (paid posts and retellings): the `messages` KPI."""
        return self.source >= Source.POST

    @classmethod
    def make(cls, dst: np.ndarray, valence: float | np.ndarray, trust: float | np.ndarray,
             source: Source | np.ndarray, *, fidelity: float | np.ndarray = 1.0,
             hops: int | np.ndarray = 0, sponsored: bool | np.ndarray = True) -> Messages:
        """Broadcast scalars so strategies can say 'these consumers get this message' (the
        brand's own words unless told otherwise: sponsored, no retellings)."""
        dst = np.asarray(dst, dtype=np.int64)
        content = Content.full(dst.size, valence=valence, trust=trust, fidelity=fidelity,
                               hops=hops, sponsored=sponsored)
        source = np.full(dst.size, source, dtype=np.int8) if np.ndim(source) == 0 \
            else np.asarray(source, dtype=np.int8)
        return cls(dst, source, content)

    @classmethod
    def empty(cls) -> Messages:
        return cls.make(np.empty(0, np.int64), 0.0, 0.0, Source.PEER)

    @classmethod
    def concat(cls, batches: list[Messages]) -> Messages:
        batches = [m for m in batches if m.size]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(np.concatenate([m.dst for m in batches]),
                   np.concatenate([m.source for m in batches]),
                   Content.concat([m.content for m in batches]))

    def take(self, keep: np.ndarray) -> Messages:
        """The messages selected by a mask or index array."""
        return Messages(self.dst[keep], self.source[keep], take(self.content, keep))

