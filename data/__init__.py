"""Data shipped with the package: the SNAP ego-Facebook graph and the example launch curve.

Read through :func:`path`, so the files are found from a checkout and from an installed wheel.
"""

from importlib import resources
from pathlib import Path


def path(name: str) -> Path:
    """The shipped file ``name`` (e.g. ``facebook_combined.txt.gz``) on disk."""
    return Path(str(resources.files(__name__) / name))


FACEBOOK = path("facebook_combined.txt.gz")
