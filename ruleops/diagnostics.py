"""The one model for everything ruleops reports, and the registry of checks that report it.

A check is documented where it is declared: its code, name, default severity, what it
checks, why, and a failing and a passing example sit together in one `CheckInfo`.
`ruleops rule CODE`, the configuration and the reporters all read this registry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from pathlib import Path


class Severity(enum.IntEnum):
    """Ordered so that `max()` of a list of severities is the worst one."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of error, warning, info"
            ) from None


# An automatic fix: (key path, new value) pairs that `check --fix` writes with tomlkit.
Fix = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    hint: str | None = None
    # Optional extent of the offending text on `line`, for carets wider than one column.
    end_column: int | None = None
    fix: Fix = ()
    fixed: bool = False

    @property
    def name(self) -> str:
        info = REGISTRY.get(self.code)
        return info.name if info else self.code

    def headline(self) -> str:
        """`path:line:column: CODE severity: message`, how every text output starts a finding."""
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.severity}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


@dataclass(frozen=True)
class CheckInfo:
    """Documentation and defaults of one diagnostic code."""

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    bad: str = ""
    good: str = ""
    # House-style checks (conventions of elastic/detection-rules rather than format rules)
    # are the ones a repository is expected to switch off if it does not share them.
    house_style: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)

    def render(self) -> str:
        lines = [f"{self.code} ({self.name}) — {self.summary}", ""]
        lines.append(
            f"Default severity: {self.severity}" + ("  [house style]" if self.house_style else "")
        )
        lines += ["", self.explanation.strip()]
        if self.bad:
            lines += ["", "Fails:", "", _indent(self.bad)]
        if self.good:
            lines += ["", "Passes:", "", _indent(self.good)]
        return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.strip("\n").splitlines())


REGISTRY: dict[str, CheckInfo] = {}


def register(info: CheckInfo) -> CheckInfo:
    """Declare a diagnostic code. Codes are stable: never reuse one for another meaning."""
    existing = REGISTRY.get(info.code)
    if existing is not None and existing != info:
        raise RuntimeError(f"diagnostic code {info.code} registered twice")
    REGISTRY[info.code] = info
    return info


def load_all_checks() -> dict[str, CheckInfo]:
    """Import every module that declares codes, so the registry is complete."""
    import importlib

    from ruleops.checks import ALL_CHECK_MODULES

    for name in ALL_CHECK_MODULES:
        importlib.import_module(name)
    return REGISTRY


# Codes of the pipeline itself: reading files and running checks.
LOAD_ERROR = register(
    CheckInfo(
        code="RO001",
        name="load.unreadable",
        severity=Severity.ERROR,
        summary="the file cannot be read as a UTF-8 text file",
        explanation=(
            "Rule files must be UTF-8 text. Binary files, files in another encoding and files "
            "that cannot be opened are reported here and skipped; the run goes on with the "
            "other files."
        ),
        bad="A rule file saved as UTF-16, or a .toml file that is really a PNG.",
        good="Any UTF-8 encoded TOML file.",
    )
)
TOML_ERROR = register(
    CheckInfo(
        code="RO002",
        name="load.toml-syntax",
        severity=Severity.ERROR,
        summary="the file is not valid TOML",
        explanation=(
            "The file could not be parsed as TOML 1.0. The diagnostic points at the line and "
            "column where the parser stopped; fix the syntax there first, as no other check "
            "can run on the file until it parses."
        ),
        bad='[rule]\nname = "Unterminated',
        good='[rule]\nname = "Terminated"',
    )
)
INTERNAL_ERROR = register(
    CheckInfo(
        code="RO003",
        name="internal.check-crashed",
        severity=Severity.ERROR,
        summary="a check crashed on this file (a bug in ruleops)",
        explanation=(
            "A check raised an unexpected exception. The other checks and files still ran. "
            "This is a bug in ruleops, not in the rule: please report it with the file."
        ),
    )
)


def crashed(path: str, what: str, error: Exception) -> Diagnostic:
    """RO003 on `path`: `what` raised `error`, a bug in ruleops. Callers catch per file or
    per rule, so that one crash leaves the other files' findings standing."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return Diagnostic(
        INTERNAL_ERROR.code,
        Severity.ERROR,
        f"{what} crashed: {type(error).__name__}: {error}{where}",
        path,
        1,
        1,
        "this is a bug in ruleops; please report it together with this file",
    )
