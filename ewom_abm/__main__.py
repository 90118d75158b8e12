"""``python -m ewom_abm ...`` is the ``ewom`` command."""

import sys

from ewom_abm.cli import main

sys.exit(main())
