"""`ruleops rule CODE`: the documentation of a diagnostic code; `--list` lists them all.

Besides the documentation, it says which function checks the code (so the code is one
jump from its implementation) and how to switch it off.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

from ruleops.checks import load_all_checks
from ruleops.checks.attack import DATA_UNUSABLE
from ruleops.checks.fields import FIELD_DEFINITIONS_UNUSABLE
from ruleops.diagnostics import REGISTRY, emitters_of, unknown_code
from ruleops.exits import EXIT_OK, EXIT_USAGE
from ruleops.fixtures.codes import IN_FIXTURE_FILES
from ruleops.loading import LOAD_ERROR, TOML_ERROR
from ruleops.suppressions import OWN_CODES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rule", help="explain a diagnostic code (or list them all)")
    p.add_argument("code", nargs="?", help="a code such as RO101, or its name")
    p.add_argument("--list", action="store_true", help="list every code with its summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_all_checks()
    if args.list or not args.code:
        for info in sorted(registry.values(), key=lambda i: i.code):
            print(f"{info.code}  {info.name:<40} {info.severity!s:<8} {info.summary}")
        return EXIT_OK
    wanted = args.code.strip()
    for info in registry.values():
        if wanted.upper() == info.code or wanted == info.name:
            sys.stdout.write(info.render())
            sys.stdout.write("\n" + where_and_how(info.code))
            return EXIT_OK
    print(f"ruleops: {unknown_code(wanted, registry)}", file=sys.stderr)
    return EXIT_USAGE


def where_and_how(code: str) -> str:
    """ "Checked by" (each function that reports the code, where it is written) and
    "Switch off" (the configuration, and an inline suppression where one can reach it)."""
    info = REGISTRY[code]
    lines = [f"Checked by: {where(function)}" for function in emitters_of(info)]
    style = ""
    if info.elastic_style:
        style = ' or house_style = "general"'
    elif info.house_style:
        style = " or house_style = false"
    configured = f'ignore = ["{code}"]{style}'
    lines.append(f"Switch off: {configured} in [tool.ruleops]")
    if code not in not_inline():
        lines.append(f"            # ruleops: ignore[{code}] <reason> on the line of the rule file")
    return "\n".join(lines) + "\n"


def where(function: Callable[..., object]) -> str:
    """`ruleops/checks/house_style.py:276 lookback_covers_interval`: the `def` line."""
    source, first = inspect.getsourcelines(function)
    line = first + next(
        (i for i, text in enumerate(source) if text.lstrip().startswith(("def ", "async def "))),
        0,
    )
    path = Path(inspect.getsourcefile(function) or "?")
    package = Path(__file__).resolve().parents[2]
    shown = path.resolve().relative_to(package) if path.resolve().is_relative_to(package) else path
    return f"{shown}:{line} {function.__name__}"


def not_inline() -> frozenset[str]:
    """Codes whose findings no `# ruleops: ignore[...]` comment can reach: those on fixture
    and configuration files, on files that did not load, and the suppressions' own."""
    elsewhere = (*IN_FIXTURE_FILES, LOAD_ERROR, TOML_ERROR, DATA_UNUSABLE)
    return OWN_CODES | {info.code for info in (*elsewhere, FIELD_DEFINITIONS_UNUSABLE)}
