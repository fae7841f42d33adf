"""python -m hisops_lib.report: see hisops_lib.report.cli."""

import sys

from .cli import main

sys.exit(main())
