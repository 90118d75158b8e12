"""ewom-abm: electronic word of mouth about brands on a social graph, reach against dilution."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ewom-abm")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.1.0"
