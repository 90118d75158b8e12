#!/usr/bin/env python3
"""ewom-abm command line from a checkout: ``python run.py run organic`` is ``ewom run organic``.

The commands live in the installed package (``ewom_abm.cli``); see ``python run.py -h``.
"""

import sys

from ewom_abm.cli import main

if __name__ == "__main__":
    sys.exit(main())
