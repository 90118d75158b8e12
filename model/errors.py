"""The one exception type users see: a single line naming the field and what is allowed."""


class EwomError(ValueError):
    """Bad input (scenario key, value, graph file...). `run.py` prints it as one line and exits 2."""
