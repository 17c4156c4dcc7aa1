"""Exit codes of the `ruleops` command: the one a run's findings give, and the usage error."""

from __future__ import annotations

from collections.abc import Iterable

from ruleops.diagnostics import INTERNAL_ERROR, Diagnostic, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# ruleops itself failed: CI must tell "the rules are wrong" (1) from "the tool broke" (2).
EXIT_INTERNAL = 2


class UsageError(Exception):
    """The command cannot run as asked; the CLI prints the message and exits with 2."""


def exit_status(diagnostics: Iterable[Diagnostic], failing: Severity) -> int:
    """2 when a check crashed (RO003), else 1 when a finding is at `failing` or worse, else 0."""
    worst = None
    for d in diagnostics:
        if d.code == INTERNAL_ERROR.code:
            return EXIT_INTERNAL
        worst = d.severity if worst is None else max(worst, d.severity)
    return EXIT_FINDINGS if worst is not None and worst >= failing else EXIT_OK
