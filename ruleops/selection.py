"""Codes chosen on the command line: `--select`, `--extend-select`, `--ignore`, as in ruff.

Each option takes codes or code prefixes, comma separated or repeated (`--select RO1,RO201`
reports the RO1xx codes and RO201; `ALL` is every code). Without `--select` every code is
selected. A code is reported when the longest selector that matches it comes from `--select`
or `--extend-select`; from `--ignore` or the configuration's `ignore`, it is not, and at
equal length ignoring wins. So `--select RO1 --ignore RO155` is RO1xx without RO155, and
`--select RO155` brings back a code the configuration ignores only by a shorter prefix.
RO003 (a check crashed) is always reported. A selector that names no code is a usage error
that says so, and names the code meant when it is a slip of the finger for one.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable

from ruleops.checks import load_all_checks
from ruleops.config import Config
from ruleops.diagnostics import INTERNAL_ERROR, unknown_code

ALL = "ALL"


def _codes(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    for flag, what in (
        ("--select", "report only these codes or code prefixes (comma separated; ALL)"),
        ("--extend-select", "report these codes too, besides those selected"),
        ("--ignore", "do not report these codes or code prefixes"),
    ):
        parser.add_argument(
            flag, metavar="CODES", type=_codes, action="extend", default=None, help=what
        )


class SelectionError(ValueError):
    """A selector names no known code."""


def switched_off(
    codes: Iterable[str],
    select: list[str] | None,
    extend: list[str] | None,
    ignore: Iterable[str],
    always: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """The codes among `codes` that the selectors turn off."""
    known = sorted(codes)
    chosen = [(s, True) for s in (select if select is not None else [ALL])]
    chosen += [(s, True) for s in extend or ()]
    chosen += [(s, False) for s in ignore]
    for selector, _ in chosen:
        if selector != ALL and not any(code.startswith(selector) for code in known):
            # Codes and their prefixes of the selector's length: RO1O is nearest RO10.
            raise SelectionError(
                unknown_code(selector, {c[: len(selector)] for c in known} | set(known))
            )
    off = set()
    for code in known:
        if code in always:
            continue
        matching = [
            (0 if selector == ALL else len(selector), not on)
            for selector, on in chosen
            if selector == ALL or code.startswith(selector)
        ]
        # The longest selector decides; at equal length, ignoring (True sorts last) wins.
        if not matching or max(matching)[1]:
            off.add(code)
    return frozenset(off)


def configured(config: Config, args: argparse.Namespace) -> Config:
    """`config` with the codes that the command line turns off added to its `ignore`.
    Raises SelectionError for a selector that names no code."""
    select = getattr(args, "select", None)
    extend = getattr(args, "extend_select", None)
    ignore = getattr(args, "ignore", None)
    if select is None and extend is None and ignore is None:
        return config
    registry = load_all_checks()
    ignored = [*config.ignore, *(ignore or ())]
    off = switched_off(registry, select, extend, ignored, frozenset({INTERNAL_ERROR.code}))
    return dataclasses.replace(config, ignore=config.ignore | off)
