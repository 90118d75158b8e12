"""The one exception type users see: a single line naming the field and what is allowed."""

import math
import numbers


class EwomError(ValueError):
    """Bad input (a scenario key or value, a graph file): `ewom` prints one line, exits 2."""


class EwomNote(UserWarning):
    """Something the user should know that changes nothing in the results (a key's old name,
    a cache that could not be saved); ``ewom`` prints it as one ``note:`` line."""


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` on one line, cut to ``limit`` characters: a detail quoted from elsewhere (an
    exception's message, a value a user sent) must not break the one-line promise."""
    s = " ".join(str(text).split())
    return s if limit is None or len(s) <= limit else s[: limit - 3] + "..."


def shown(value: object, limit: int = 60) -> str:
    """A refused value as an error line quotes it: short, and never failing itself (Python
    refuses to print an int of more than 4,300 digits)."""
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**30:
        return f"an integer of {int(int(value).bit_length() * math.log10(2)) + 1} digits"
    return one_line(repr(value), limit)


def describe(exc: BaseException, limit: int | None = None) -> str:
    """``TypeName: message`` on one line: an unexpected error reported, not raised."""
    text = one_line(exc, limit)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
