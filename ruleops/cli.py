"""The `ruleops` command line. Each command lives in `ruleops.commands.<name>`.

The one seam where imports wait: the command line imports only the command it runs (a
command module imports everything it needs at its top), so `ruleops --version` loads no
command and the commit hook's `ruleops check` loads only what checking needs. `--help`, and
a command that does not exist, load them all to list them.

Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage, configuration
or internal error (a check crashed: RO003).
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from typing import NoReturn

from ruleops import __version__
from ruleops.exits import EXIT_OK, EXIT_USAGE, UsageError

# Order is the order of `ruleops --help`.
COMMANDS = ("check", "fmt", "test", "fixtures", "parse", "eval", "rule", "docs", "attack")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on usage errors; keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (default: the process's arguments), with the commands it
    needs: the one named, none for `--version` alone, else all of them."""
    argv = sys.argv[1:] if argv is None else argv
    named = next((arg for arg in argv if not arg.startswith("-")), None)
    if named in COMMANDS:
        commands: tuple[str, ...] = (named,)
    elif named is None and argv and all(arg == "--version" for arg in argv):
        commands = ()
    else:
        commands = COMMANDS
    parser = _Parser(
        prog="ruleops",
        description="Lint and test Elastic detection rules kept as TOML files.",
    )
    parser.add_argument("--version", action="version", version=f"ruleops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in commands:
        importlib.import_module(f"ruleops.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):
        # Whatever text reaches the terminal unescaped (a name that is not UTF-8 in some
        # message) is shown with escapes rather than ending the run with a traceback.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        return int(args.run(args))
    except UsageError as error:
        for line in str(error).splitlines():
            print(f"ruleops: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
