"""The one exception type users see: a single line naming the field and what is allowed."""


class EwomError(ValueError):
    """Bad input (a scenario key or value, a graph file): `ewom` prints one line, exits 2."""
