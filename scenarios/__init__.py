"""The shipped scenario presets (``*.toml``), package data read with importlib.resources."""
