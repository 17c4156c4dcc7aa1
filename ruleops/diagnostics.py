"""The one model for everything ruleops reports, and the registry of the codes that report it.

A code is documented where it is declared: its number, name, default severity, what it
checks, why, and an executable failing and passing example sit together in one `CheckInfo`
(`ruleops.checks` explains how to declare one). `ruleops rule CODE`, the configuration and
the reporters all read this registry; `EMITTERS` says which functions report each code.
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypeVar

from ruleops.typos import nearest_code


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


def printable(text: str) -> str:
    """`text` as any UTF-8 output can hold it. A file name that is not UTF-8 reaches Python
    with its undecodable bytes as lone surrogates (U+DC80-U+DCFF), which no encoder, JSON
    parser or XML document accepts: they are shown as `\\xNN`, other lone surrogates as
    `\\uNNNN`. Paths keep their surrogates everywhere else, so that they still open the file."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_printable_char(c) for c in text)
    return text


def _printable_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if 0xD800 <= code <= 0xDFFF else char


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
        where = f"{printable(self.path)}:{self.line}:{self.column}"
        return f"{where}: {self.code} {self.severity}: {printable(self.message)}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


# What a code's `bad` and `good` examples are, and so how a test runs them (see
# `ruleops.checks`): part of a rule file, a query of a rule in that language, a fixture
# file, a `[tool.ruleops]` configuration, or prose that no test can run.
Example = Literal["rule", "eql", "kql", "esql", "fixture", "config", "prose"]


@dataclass(frozen=True, kw_only=True)
class CheckInfo:
    """Documentation and defaults of one diagnostic code."""

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    example: Example
    bad: str = ""
    good: str = ""
    # House-style checks (conventions of elastic/detection-rules rather than format rules)
    # are the ones a repository is expected to switch off if it does not share them.
    house_style: bool = False
    # Elastic's own conventions (its licence, tag vocabulary, risk-score ladder, …), a subset of
    # the house style: reported only on rules held to Elastic's house style (`ruleops.styles`).
    elastic_style: bool = False
    tags: tuple[str, ...] = ()

    def diagnostic(
        self,
        message: str,
        path: str,
        line: int = 1,
        column: int = 1,
        *,
        hint: str | None = None,
    ) -> Diagnostic:
        """A finding of this code at a place given by line and column (rule files place
        theirs by key path: `Rule.diagnostic`)."""
        return Diagnostic(self.code, self.severity, message, path, line, column, hint)

    def render(self) -> str:
        lines = [f"{self.code} ({self.name}) — {self.summary}", ""]
        lines.append(f"Default severity: {self.severity}" + _style_label(self))
        lines += ["", self.explanation.strip()]
        if self.bad:
            lines += ["", "Fails:", "", _indent(self.bad)]
        if self.good:
            lines += ["", "Passes:", "", _indent(self.good)]
        return "\n".join(lines) + "\n"


def _style_label(info: CheckInfo) -> str:
    if info.elastic_style:
        return "  [house style: Elastic's own]"
    return "  [house style]" if info.house_style else ""


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


# The functions that report codes, each with the codes it reports: the checks
# (`ruleops.checks.rule_check` and `corpus_check`) and the few steps of the pipeline that
# report on their own (loading, suppressions). `ruleops rule CODE` names them; a test holds
# each to what it reports.
EMITTERS: dict[Callable[..., object], tuple[CheckInfo, ...]] = {}

_Function = TypeVar("_Function", bound=Callable[..., object])


def emits(*infos: CheckInfo) -> Callable[[_Function], _Function]:
    """Record that the decorated function reports `infos` (and no other code)."""

    def record(function: _Function) -> _Function:
        for info in infos:
            if REGISTRY.get(info.code) is not info:
                raise RuntimeError(f"{function.__qualname__} emits undeclared code {info.code}")
        EMITTERS[function] = infos
        return function

    return record


def emitters_of(info: CheckInfo) -> list[Callable[..., object]]:
    """The functions that report `info`, in the order they were declared."""
    return [function for function, infos in EMITTERS.items() if info in infos]


# A check, or a step of the pipeline, that crashed.
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
        example="prose",
    )
)


@emits(INTERNAL_ERROR)
def unknown_code(typed: str, codes: Iterable[str]) -> str:
    """The message for `typed`, which names none of `codes`: the code meant when `typed` is
    a slip of the finger for one (`typos.nearest_code`), and where every code is listed."""
    near = nearest_code(typed.upper(), codes)
    meant = f"; did you mean {near}?" if near else ""
    return (
        f"unknown code {typed!r}: ruleops has no code that is or starts with it{meant} "
        "(`ruleops rule --list` lists every code)"
    )


def crashed(path: str, what: str, error: Exception) -> Diagnostic:
    """RO003 on `path`: `what` raised `error`, a bug in ruleops. Callers catch per file or
    per rule, so that one crash leaves the other files' findings standing."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return INTERNAL_ERROR.diagnostic(
        f"{what} crashed: {type(error).__name__}: {error}{where}",
        path,
        hint="this is a bug in ruleops; please report it together with this file",
    )
