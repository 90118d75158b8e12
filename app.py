"""The interactive app, for ``solara run app.py`` from a checkout (``ewom app`` does the same).

The page lives in the package, ``ewom_abm.app.page``, so an installed wheel serves it too.
"""

from ewom_abm.app.page import Page

__all__ = ["Page"]
