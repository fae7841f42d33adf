"""Entry point: ``python -m lab up|down|status|smoke``."""

from lab.cli import main

raise SystemExit(main())
