"""The interactive app, for ``solara run app.py`` from a checkout (``ewom app`` does the same).

The page lives in the package, ``ewom_abm.app.page``, so an installed wheel serves it too.
"""

from ewom_abm.app import use_fast_renderer
from ewom_abm.app.page import Page

use_fast_renderer()

__all__ = ["Page"]
