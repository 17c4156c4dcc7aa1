"""`ruleops rule CODE`: the documentation of a diagnostic code; `--list` lists them all."""

from __future__ import annotations

import argparse
import sys

from ruleops.cli import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rule", help="explain a diagnostic code (or list them all)")
    p.add_argument("code", nargs="?", help="a code such as RO101, or its name")
    p.add_argument("--list", action="store_true", help="list every code with its summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ruleops.checks import load_all_checks

    registry = load_all_checks()
    if args.list or not args.code:
        for info in sorted(registry.values(), key=lambda i: i.code):
            print(f"{info.code}  {info.name:<40} {info.severity!s:<8} {info.summary}")
        return EXIT_OK
    wanted = args.code.strip()
    for info in registry.values():
        if wanted.upper() == info.code or wanted == info.name:
            sys.stdout.write(info.render())
            return EXIT_OK
    print(f"ruleops: unknown code {wanted!r}; `ruleops rule --list` lists them", file=sys.stderr)
    return EXIT_USAGE
