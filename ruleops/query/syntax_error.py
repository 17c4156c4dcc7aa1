"""What the query languages' syntax errors share: a finding in the query text and an excerpt."""

from __future__ import annotations

from typing import ClassVar

from ruleops.diagnostics import CheckInfo
from ruleops.query.ast import Span
from ruleops.query.finding import QueryFinding


class QuerySyntaxError(Exception):
    """A query the search engine would not accept, located in the query text.

    `finding` says what and where: its span starts at the offending character (clamped to
    the text) and ends just past the offending text. `line` and `column` are 1-based within
    the query text.
    """

    def __init__(
        self, info: CheckInfo, message: str, text: str, start: int, end: int, hint: str | None
    ) -> None:
        super().__init__(message)
        start = max(0, min(start, len(text)))
        self.finding = QueryFinding(info, message, Span(start, end), hint)
        self.text = text
        self.line = text.count("\n", 0, start) + 1
        self.column = start - (text.rfind("\n", 0, start) + 1) + 1

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def hint(self) -> str | None:
        return self.finding.hint

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def offset(self) -> int:
        return self.finding.span.start

    @property
    def end_offset(self) -> int:
        return self.finding.span.end

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"

    def excerpt(self) -> str:
        """The offending line of the query and a caret under the error."""
        start = self.text.rfind("\n", 0, self.offset) + 1
        end = self.text.find("\n", self.offset)
        line = self.text[start : end if end != -1 else len(self.text)]
        width = max(1, min(self.end_offset, start + len(line)) - self.offset)
        return f"{line.expandtabs(1)}\n{' ' * (self.column - 1)}^{'~' * (width - 1)}"


class CoveringSyntaxError(QuerySyntaxError):
    """A syntax error raised as `(message, offset, text, hint, end_offset)` that covers at
    least the character at `offset` (KQL's and ES|QL's); `info` defaults to the language's
    syntax code, `DEFAULT`."""

    DEFAULT: ClassVar[CheckInfo]

    def __init__(
        self,
        message: str,
        offset: int,
        text: str,
        hint: str | None = None,
        end_offset: int | None = None,
        info: CheckInfo | None = None,
    ) -> None:
        clamped = max(0, min(offset, len(text)))
        end = max(clamped + 1, end_offset or 0)
        super().__init__(info or self.DEFAULT, message, text, offset, end, hint)
