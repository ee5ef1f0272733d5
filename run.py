#!/usr/bin/env python
"""Command line of the SOE-reform simulator: ``python run.py --help``."""

import signal
import sys


def stop_quietly(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM while the program starts: nothing is written yet, so one line and
    exit 128 + the signal's number, without a traceback."""
    print(f"interrupted by {signal.Signals(signum).name} while starting", file=sys.stderr)
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, stop_quietly)
    from sim.cli import main

    sys.exit(main())
