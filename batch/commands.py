"""The batch subcommands of run.py (sweep, report, sensitivity): argument parsing only."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the batch subcommands to run.py's parser (filled in by the batch-runs work)."""
