"""ewom-abm command line (``ewom``, or ``python run.py`` in a checkout): parse, call, print.

    ewom run [SCENARIO] [--seed N] [--steps T] [--set key=value ...] [--out DIR]
    ewom sweep | report | sensitivity | calibrate ...   (batch runs: see batch/commands.py)
    ewom app [--port 8765]                              (the interactive Solara app)
    ewom list
    ewom schema [--out docs/SCENARIOS.md]

The work lives in ``ewom_abm.model`` and ``ewom_abm.batch``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import socket
import sys
import time
import warnings
from pathlib import Path

from ewom_abm.files import reason, safe_name, writable_folder, write_text
from ewom_abm.model.errors import EwomError


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see: ewom {self.prog.split()[-1]} -h)\n")
        sys.exit(2)


def cmd_run(args: argparse.Namespace) -> int:
    from ewom_abm.model import scenario

    config = scenario.load(args.scenario, args.set, seed=args.seed, steps=args.steps)
    from ewom_abm.model.model import EwomModel  # after validation: bad input fails fast
    from ewom_abm.results import summary_table, write_run

    # before the run, creating nothing: a bad folder should not cost a simulation
    out = writable_folder(args.out or Path("out") / safe_name(config.name), "--out")
    started = time.perf_counter()
    model = EwomModel(config, progress=_slow_work_bar)
    print(f"{config.name}: {model.n:,} consumers, {config.ewom.model} eWOM, "
          f"{len(model.brands)} brand(s), {config.steps} steps, seed {model.seed}",
          file=sys.stderr)
    model.run()
    elapsed = time.perf_counter() - started
    try:
        paths = write_run(model, out, elapsed)
    except OSError as exc:
        raise EwomError(f"--out: cannot write to {out}: {reason(exc)}; the files there are "
                        "unchanged") from None
    print(summary_table(model.final(), model.config))
    print(f"\n{elapsed:.2f} s; wrote {paths['timeseries']}, {paths['summary'].name}, "
          f"{paths['figure'].name}", file=sys.stderr)
    return 0


def _slow_work_bar(**kwargs: object) -> object:
    """A progress bar on stderr for set-up work that takes a while (costly seeding): it shows
    itself after 2 s, with the rate and the time left."""
    from tqdm import tqdm

    return tqdm(file=sys.stderr, delay=2.0, mininterval=0.5, **kwargs)


def cmd_list(args: argparse.Namespace) -> int:
    from ewom_abm.model import scenario

    for name in scenario.scenario_names():
        sc = scenario.load(name)
        summary = sc.title or (sc.description.strip().splitlines() or [""])[0]
        print(f"{name:<22} {summary}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from ewom_abm.model.scenario import schema_markdown

    text = schema_markdown() + "\n"
    if args.out:
        path = Path(args.out)
        if path.is_dir():
            raise EwomError(f"--out: {path} is a folder; name the file to write")
        writable_folder(path.parent, "--out")
        try:
            write_text(text, path)
        except OSError as exc:
            raise EwomError(f"--out: cannot write to {path}: {reason(exc)}") from None
    else:
        sys.stdout.write(text)
    return 0


def check_listen(host: str, port: int) -> None:
    """The app's address, checked before the server starts: Solara would answer a bad port,
    an unknown host or a port in use with a page of traceback."""
    if not 1 <= port <= 65535:
        raise EwomError(f"--port: {port} is not a port; allowed 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        detail = reason(exc) if isinstance(exc, OSError) else str(exc)
        raise EwomError(f"--host: cannot listen on {host!r}: {detail}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EwomError(f"--port: {port} is in use on {host}; choose another port, "
                                "e.g. --port 8766") from None
            key = "--port" if exc.errno == errno.EACCES else "--host"
            raise EwomError(f"{key}: cannot listen on {host}:{port}: {reason(exc)}") from None


ANY_HOST = ("0.0.0.0", "::", "")


def reachable_addresses() -> list[str]:
    """This machine's IPv4 addresses that others on its networks can open (loopback left
    out), the one the default route leaves by first. Nothing is sent: connecting a UDP socket
    only picks the interface."""
    found = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        found.append(s.getsockname()[0])
    with contextlib.suppress(OSError, UnicodeError):
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None,
                                                              socket.AF_INET)]
    return [a for a in dict.fromkeys(found) if not a.startswith(("127.", "0."))]


def app_addresses(host: str, port: int) -> list[str]:
    """The lines that tell where the app can be opened."""
    if host not in ANY_HOST:
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}/"]
    addresses = reachable_addresses()
    lines = [f"http://{a}:{port}/   (on this network)" for a in addresses]
    if not addresses:
        lines.append("(no network address found: only this machine can open the app)")
    return [*lines, f"http://127.0.0.1:{port}/   (this machine)"]


def cmd_app(args: argparse.Namespace) -> int:
    check_listen(args.host, args.port)
    print("ewom-abm app (Ctrl-C to stop), open:\n  " +
          "\n  ".join(app_addresses(args.host, args.port)), flush=True)
    # Solara warns, per page load, that cookies over http cannot be SameSite=None: noise here
    cmd = [sys.executable, "-W", "ignore:Cookies with samesite=none require https:UserWarning",
           "-m", "solara", "run", "ewom_abm.app.page", "--host", args.host,
           "--port", str(args.port), "--no-open", "--production"]
    from ewom_abm.app import FAST_RENDERER

    env = {**FAST_RENDERER, **os.environ}
    os.execve(sys.executable, cmd, env)  # become the server: signals reach it directly
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="ewom", description="ewom-abm: word of mouth, reach against dilution")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = sub.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("scenario", nargs="?", help="preset name (see `list`) or a TOML file; "
                     "default: the embedded default scenario")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--steps", type=int, help="override the number of steps")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override any scenario key, e.g. --set ewom.model=linear "
                     "--set brands.0.strategy=exclusivity (repeatable)")
    run.add_argument("--out", help="output folder (default: out/SCENARIO)")
    run.set_defaults(func=cmd_run)

    from ewom_abm.batch.commands import register as register_batch

    register_batch(sub)

    app = sub.add_parser("app", help="serve the interactive app (Solara) and print its URL")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8765, help="1 to 65535 (default 8765)")
    app.set_defaults(func=cmd_app)

    lst = sub.add_parser("list", help="list the scenario presets")
    lst.set_defaults(func=cmd_list)

    schema = sub.add_parser("schema", help="print the scenario reference (markdown)")
    schema.add_argument("--out", help="write it to this file instead")
    schema.set_defaults(func=cmd_schema)
    return parser


def _quiet_stdout() -> None:
    """Drop what stdout still buffers: the interpreter would fail to flush it at exit."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (the interpreter flushes it at exit)


def _closed_streams() -> None:
    """A stream the caller closed (``ewom run >&-``) is None to Python: write nothing there
    instead of failing; the command's files are its results."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 (flushed at exit)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """A renamed scenario key is a one-line note, not a warning with a source line."""
    if any(c.__name__ == "EwomNote" for c in category.__mro__):
        print(f"note: {message}", file=sys.stderr)
    else:
        _show_warning(message, category, filename, lineno, file, line)


_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    _closed_streams()
    args = build_parser().parse_args(argv)
    warnings.showwarning = _note
    try:
        code = args.func(args)
        sys.stdout.flush()  # a full or closed stdout fails here, inside the handlers below
        return code
    except EwomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # a second Ctrl-C while the interpreter shuts the worker pools down is ignored:
        # finished results are saved by now, and a traceback there would only alarm
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        _quiet_stdout()
        return 0
    except MemoryError:  # past the limits' estimate (or the limit was raised): one line
        print("error: memory: ran out of memory; lower network.n, greedy_samples or "
              "--workers (the limit assumes the whole machine is free; see EWOM_MAX_MEMORY)",
              file=sys.stderr)
        return 1
    except OSError as exc:  # the last resort: a full disk or stdout, a vanished folder
        where = exc.filename or ("output" if exc.errno == errno.ENOSPC else "system")
        if exc.filename is None:
            _quiet_stdout()
        print(f"error: {where}: {reason(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
