"""The agent model's commands: ``inspect`` (one replication, agent by agent) and ``explore``
(the interactive SolaraViz page on 127.0.0.1).

Both run one replication in this process (no ``--workers``). ``sim/cli.py`` registers
them from ``COMMANDS``; ``python -m sim.abm.cli`` runs them on their own.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.commands import Command, InputError, Parser, dispatch, register
from sim.scenario import load

HOST = "127.0.0.1"  # the interactive page is served on the loopback interface only
DEFAULT_PORT = 8765
DEFAULT_SEED = 1  # as ``run.py run``
DEFAULT_OUT = Path("results/inspect")
INSPECT_MANIFEST = "inspect.json"
VIZ_MODULES = ("solara", "matplotlib", "networkx", "ipyvuetify")
ROOT = Path(__file__).resolve().parents[2]


def one_replication(text: str) -> int:
    """``--reps`` of ``inspect``: the agent model inspects exactly one replication."""
    if text.strip() != "1":
        raise argparse.ArgumentTypeError(
            f"inspect runs one replication on the agent model, got {text!r}; "
            "use --replication to pick which one, or 'run.py run' for batches"
        )
    return 1


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number in [1, 65535], got {text!r}")
    return value


def inspect_arguments(ins: argparse.ArgumentParser) -> None:
    from sim.options import seed_int as seed

    ins.add_argument("scenario", type=Path, metavar="SCENARIO.toml")
    ins.add_argument(
        "--seed",
        type=seed,
        default=DEFAULT_SEED,
        help=f"seed of the batch the replication belongs to (default {DEFAULT_SEED})",
    )
    ins.add_argument(
        "--replication",
        type=seed,
        default=0,
        help="which replication of that batch (default 0); the same numbers as the core's",
    )
    ins.add_argument(
        "--reps", type=one_replication, default=1, help="must be 1: inspect runs one replication"
    )
    ins.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder, empty or one of inspect's (default {DEFAULT_OUT})",
    )


def explore_arguments(exp: argparse.ArgumentParser) -> None:
    from sim.options import seed_int

    exp.add_argument("scenario", type=Path, metavar="SCENARIO.toml")
    exp.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port on {HOST} (default {DEFAULT_PORT})",
    )
    exp.add_argument(
        "--seed",
        type=seed_int,
        default=3,
        help="seed shown first (default 3)",
    )


def check_inspect_out(out: Path) -> None:
    """``--out`` of inspect: absent, empty or written by inspect before (its files are replaced)."""
    try:
        info = os.stat(out)
    except FileNotFoundError:
        return
    except OSError as err:
        raise InputError(f"--out {out}: cannot be used ({err.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"--out {out}: is a file, not a folder; choose another --out")
    if any(os.scandir(out)) and not (out / INSPECT_MANIFEST).is_file():
        raise InputError(
            f"--out {out}: holds files but no {INSPECT_MANIFEST}; inspect writes only into an "
            "empty folder or one of its own: choose another --out"
        )


def cmd_inspect(args: argparse.Namespace) -> int:
    from sim.abm.inspection import run_inspection, write_inspection

    scenario = load(args.scenario)
    check_inspect_out(args.out)
    model = run_inspection(scenario, args.seed, args.replication)
    files = write_inspection(model, args.out)
    agents, events = (
        len(model.firm_list) * (model.horizon + 1),
        len(model.datacollector.tables["events"]["event"]),
    )
    print(
        f"agent model: {scenario.name}, seed {args.seed}, replication {args.replication}, "
        f"{model.horizon} months; {agents} enterprise-months, {events} events"
    )
    for path in files:
        print(f"  {path}")
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    """Replace this process with ``solara run`` serving ``sim.abm.viz`` on 127.0.0.1."""
    load(args.scenario)  # a bad file fails here, in one line
    check_port(args.port)
    missing = [m for m in VIZ_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(
            f"explore needs the viz extra (missing: {', '.join(missing)}); "
            "install it with: pip install -e '.[viz]'"
        )
    env = {
        **os.environ,
        "SOE_SIM_SCENARIO": str(args.scenario.resolve()),
        "SOE_SIM_SEED": str(args.seed),
        # Mesa's SolaraViz breaks Solara's rule-of-hooks check in its own code: the warning
        # it prints on every page is not ours to fix and says nothing to a user
        "SOLARA_CHECK_HOOKS": "off",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        *("-m", "solara", "run", "sim.abm.viz"),
        *("--host", HOST, "--port", str(args.port)),
        *("--production", "--no-open", "--log-level", "warning"),
    ]
    print(f"agent model of {args.scenario}: http://{HOST}:{args.port}  (Ctrl-C to stop)")
    sys.stdout.flush()
    os.execve(sys.executable, command, env)
    return 0  # not reached: the server replaces this process


def check_port(port: int) -> None:
    """Refuse a port another server already listens on (one line, not the server's traceback)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as err:
            raise InputError(
                f"--port {port}: {HOST}:{port} cannot be served ({err.strerror}); "
                "choose another --port"
            ) from None


COMMANDS = (
    Command(
        "inspect",
        "run one replication on the Mesa agent model and write agent-level tables",
        "Run one replication of a scenario on the Mesa agent model, in this process, and "
        "write, under --out, the measures (timeseries), every enterprise month by month "
        "(agents) and the events log (deals, transfers, mergers, closures, hand-overs), each "
        "as Parquet and CSV.",
        inspect_arguments,
        cmd_inspect,
    ),
    Command(
        "explore",
        "interactive view of the Mesa agent model in the browser (needs the viz extra)",
        f"Serve Mesa's SolaraViz page of a scenario on http://{HOST}:PORT: one replication "
        "at a time, sliders for the main levers, live plots of the headline measures and a "
        "view of the enterprises. Needs the optional extra: pip install -e '.[viz]'.",
        explore_arguments,
        cmd_explore,
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.abm.cli {inspect,explore} ...``."""
    parser = Parser(prog="python -m sim.abm.cli")
    register(
        parser.add_subparsers(
            dest="command", required=True, metavar="COMMAND", parser_class=Parser
        ),
        COMMANDS,
    )
    return dispatch(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
