"""The `ruleops` command line. Each command lives in `ruleops.commands.<name>`.

Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ruleops import __version__

# Order is the order of `ruleops --help`.
COMMANDS = ("check", "fmt", "test", "fixtures", "parse", "eval", "rule", "docs", "attack")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ruleops",
        description="Lint and test Elastic detection rules kept as TOML files.",
    )
    parser.add_argument("--version", action="version", version=f"ruleops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"ruleops.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ruleops.commands import UsageError

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
