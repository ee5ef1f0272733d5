"""Progress of a batch where no bar can be drawn (CI, a log file, ``nohup``): a line every
10% of the replications or every 30 seconds, with the count done and the time left.

:class:`ProgressLines` has the methods of ``tqdm`` a batch uses (``update``, ``write``,
``close``), so the batch drives either; on a terminal it keeps tqdm's bar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from tqdm import tqdm

EVERY_SHARE = 0.10
EVERY_SECONDS = 30.0


def clock_text(seconds: float) -> str:
    """'0:01:10' for 70 seconds."""
    return str(timedelta(seconds=round(seconds)))


class ProgressLines:
    """A progress line on ``file`` every 10% of ``total`` or every 30 s, whichever first."""

    def __init__(
        self,
        total: int,
        initial: int = 0,
        file: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.done, self.start_done = total, initial, initial
        self.file = file or sys.stderr
        self.clock = clock
        self.start = self.last = clock()
        self.next_share = (int(initial / total / EVERY_SHARE) + 1) * EVERY_SHARE if total else 1

    def line(self) -> str:
        elapsed = self.clock() - self.start
        run = self.done - self.start_done
        left = (self.total - self.done) * elapsed / run if run else float("nan")
        eta = clock_text(left) if run else "unknown"
        share = self.done / self.total if self.total else 1.0
        return (
            f"replications {self.done}/{self.total} ({share:.0%}), "
            f"elapsed {clock_text(elapsed)}, ETA {eta}"
        )

    def update(self, n: int) -> None:
        self.done += n
        now = self.clock()
        share = self.done / self.total if self.total else 1.0
        if share + 1e-12 >= self.next_share or now - self.last >= EVERY_SECONDS:
            print(self.line(), file=self.file, flush=True)
            self.last = now
            while self.next_share <= share + 1e-12:
                self.next_share += EVERY_SHARE

    def write(self, message: str, file: TextIO | None = None) -> None:
        print(message, file=file or self.file, flush=True)

    def close(self) -> None:
        """Nothing to close: the last update printed the last line."""


ProgressBar = tqdm | ProgressLines


def progress_bar(total: int, initial: int, show: bool | None) -> ProgressBar:
    """tqdm's bar on a terminal (or when ``show``), progress lines when stderr is not one;
    nothing when ``show`` is False."""
    if show is None and not sys.stderr.isatty():
        return ProgressLines(total, initial)
    return tqdm(
        total=total,
        initial=initial,
        unit="rep",
        desc="replications",
        disable=not show if show is not None else None,
        file=sys.stderr,
    )
