"""What EQL's and KQL's syntax errors share: a place in the query text and an excerpt."""

from __future__ import annotations


class QuerySyntaxError(Exception):
    """A query the search engine would not accept, located in the query text.

    `offset` is into the query text (clamped to it); `line` and `column` are 1-based within
    it; `end_offset` is just past the offending text. `code` is the diagnostic code to
    report the error under.
    """

    def __init__(
        self,
        message: str,
        offset: int,
        text: str,
        hint: str | None,
        code: str,
        end_offset: int,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = max(0, min(offset, len(text)))
        self.line = text.count("\n", 0, self.offset) + 1
        self.column = self.offset - (text.rfind("\n", 0, self.offset) + 1) + 1
        self.hint = hint
        self.code = code
        self.end_offset = end_offset
        self.text = text

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"

    def excerpt(self) -> str:
        """The offending line of the query and a caret under the error."""
        start = self.text.rfind("\n", 0, self.offset) + 1
        end = self.text.find("\n", self.offset)
        line = self.text[start : end if end != -1 else len(self.text)]
        width = max(1, min(self.end_offset, start + len(line)) - self.offset)
        return f"{line.expandtabs(1)}\n{' ' * (self.column - 1)}^{'~' * (width - 1)}"
