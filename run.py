#!/usr/bin/env python
"""Command line of the SOE-reform simulator: ``python run.py --help``."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
