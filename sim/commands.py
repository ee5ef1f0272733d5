"""What every command of ``python run.py`` shares: the registry, exit codes and one-line errors.

A command is a :class:`Command`: its name, how it adds its arguments and its handler.
``sim.cli`` registers the commands of the batch, of the report (``sim.report.cli``)
and of the agent model (``sim.abm.cli``) on one parser and calls the handler of the
one asked for through :func:`dispatch`, which turns every expected failure into one
line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType, TracebackType

EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
RESUME = "finished chunks are kept; rerun the same command to resume"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # exit 130 and 143: 128 + the signal's number


class UserError(Exception):
    """Bad input or an unusable output folder; ``str()`` is the one-line message, with
    every control character escaped."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


class InputError(UserError):
    """A problem with what the user asked for."""


class Incomplete(Exception):
    """The work stopped part way (a worker died, chunks failed); what is finished is kept.
    ``str()`` is the one-line message; :func:`dispatch` exits with ``EXIT_INCOMPLETE``."""


def printable(text: str) -> str:
    """``text`` with every control or invisible character escaped (``\\n``, ``\\x1b``, ...),
    so that text read from a file can neither break a line nor drive the terminal."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def error(message: str) -> None:
    """Print ``error: message`` as one line on stderr."""
    print(f"error: {printable(message)}", file=sys.stderr)


def os_error_message(err: OSError) -> str:
    """An OSError as one line naming the file: 'PATH: No space left on device'."""
    what = err.strerror or errno.errorcode.get(err.errno or 0, type(err).__name__)
    return f"{err.filename}: {what}" if err.filename is not None else what


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the command; its exit code is 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        self.exit_code = 128 + signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


class StopSignals:
    """While active (main thread only), the first SIGINT or SIGTERM raises
    :class:`Interrupted` — at the end of the current :func:`signals_deferred` block, if
    any — and any later one ends the process at once. After an interruption the handlers
    are not restored: the process is on its way out and a second signal must not wait."""

    active: list[StopSignals] = []  # the instances in force, innermost last

    def __init__(self) -> None:
        self.deferring = 0
        self.pending: int | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self._first) for s in STOP_SIGNALS}
            StopSignals.active.append(self)
        return self

    def __exit__(
        self, kind: type | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self in StopSignals.active:
            StopSignals.active.remove(self)
        if not isinstance(err, Interrupted):
            for signum, handler in self.previous.items():
                signal.signal(signum, handler)

    def _first(self, signum: int, frame: FrameType | None) -> None:
        for s in STOP_SIGNALS:
            signal.signal(s, _at_once)
        if self.deferring:
            self.pending = signum
        else:
            raise Interrupted(signum)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """A block the first SIGINT or SIGTERM does not cut (writing parts and the manifest,
    starting a worker): the interruption comes at its end."""
    if not StopSignals.active:
        yield
        return
    stop = StopSignals.active[-1]
    stop.deferring += 1
    try:
        yield
    finally:
        stop.deferring -= 1
    if stop.pending is not None and not stop.deferring:
        raise Interrupted(stop.pending)


def _at_once(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"stopped at once by a second signal\n")
    os._exit(128 + signum)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {printable(message)} (see --help)\n")


@dataclass(frozen=True)
class Command:
    """One command of ``python run.py``: name, help texts, arguments and handler."""

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]
    interrupted: str = "stopped"  # what a user reads after Ctrl-C or SIGTERM


def register(subparsers: argparse._SubParsersAction, commands: Sequence[Command]) -> None:
    """Add ``commands`` to ``subparsers``; the parsed namespace carries the handler."""
    for command in commands:
        parser = subparsers.add_parser(
            command.name, help=command.help, description=command.description
        )
        command.arguments(parser)
        parser.set_defaults(handler=command.handler, interrupted=command.interrupted)


def dispatch(args: argparse.Namespace) -> int:
    """Run the handler ``args`` was parsed for; every expected failure is one line on stderr,
    the first SIGINT or SIGTERM too (exit 130 or 143), and a second one exits at once."""
    try:
        with StopSignals():
            return args.handler(args)
    except UserError as err:
        error(str(err))
        return EXIT_BAD_INPUT
    except Incomplete as err:
        error(printable(str(err)))
        return EXIT_INCOMPLETE
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
    except OSError as err:  # a full disk, a folder that became read-only, ...
        error(os_error_message(err))
        return EXIT_BAD_INPUT
    except Interrupted as err:
        print(f"interrupted by {err.name}: {args.interrupted}", file=sys.stderr)
        return err.exit_code
