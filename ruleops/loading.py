"""Rule files → `Rule` objects that know where each of their keys is written.

One TOML dialect everywhere: TOML 1.0, as Kibana and detection-rules read rule files.
Checking reads with tomli's compiled parser where it is installed (faster than the standard
library's tomllib, itself eight times faster than tomlkit on the corpus), else with
tomllib. tomli also reads TOML 1.1 (line breaks and trailing commas in inline tables, `\\e`
and `\\xHH` escapes, times without seconds), so a text that may hold one of those is read
again by tomllib, which reads 1.0 only, and what it refuses is reported where it is written
(`parse_toml`). The code that rewrites files (fmt, --fix) uses tomlkit to keep comments and
layout, and tomllib to check what it wrote.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import tomli as toml_reader
except ImportError:  # pragma: no cover - tomli is a dependency; tomllib is the same parser
    import tomllib as toml_reader  # type: ignore[no-redef]

from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, emits, register
from ruleops.files import Unreadable, read_file
from ruleops.positions import KeyPositions, Position, StringOrigin, key_parts

if TYPE_CHECKING:
    from ruleops.query.finding import QueryFinding

# Rule files are a few kilobytes; anything this large is a mistake, and parsing it would
# stall a commit hook for seconds.
MAX_FILE_BYTES = 2 * 1024 * 1024
# What Kibana runs a rule with when it sets no `from` or `interval`.
DEFAULT_FROM, DEFAULT_INTERVAL = "now-6m", "5m"

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
        example="prose",
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
        example="rule",
        bad='[rule]\nname = "Unterminated',
        good='[rule]\nname = "Terminated"',
    )
)

_TOML_ERROR_AT = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_ERROR_END = re.compile(r"^(?P<message>.*) \(at end of document\)$")


class TomlDocument:
    """A TOML file that reports on its own lines: rule files and fixture files.

    Subclasses provide `path` (as displayed) and `text`; positions are computed on first use.
    """

    path: str
    text: str

    @cached_property
    def positions(self) -> KeyPositions:
        try:
            return KeyPositions(self.text)
        except RecursionError:
            return KeyPositions("")

    def locate(self, key_path: str) -> Position:
        return self.positions.locate(key_path)

    def line_text(self, line: int) -> str:
        return self.positions.line_text(line)

    def string_origin(self, key_path: str) -> StringOrigin | None:
        return self.positions.string_origin(key_path)

    def diagnostic(
        self,
        info: CheckInfo,
        message: str,
        key_path: str = "",
        *,
        hint: str | None = None,
        severity: Severity | None = None,
        position: Position | None = None,
        end_column: int | None = None,
    ) -> Diagnostic:
        """A finding of `info` on the line where `key_path` is written."""
        where = position or self.locate(key_path)
        return Diagnostic(
            code=info.code,
            severity=severity or info.severity,
            message=message,
            path=self.path,
            line=where.line,
            column=where.column,
            hint=hint,
            end_column=end_column,
        )


class Rule(TomlDocument):
    """A rule file. Its data are parsed, and its positions computed, on first use.

    A rule answered from the check cache starts with only `summary` (rule_id, name,
    maturity, the fields its query reads): cross-file checks that need no more never parse
    the file.
    """

    def __init__(
        self,
        path: str,
        text: str,
        data: dict[str, Any] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self._data = data
        self._summary = summary

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            # Only cached rules start without data, and they parsed when they were cached.
            self._data = toml_reader.loads(self.text)
        return self._data

    def summary(self) -> dict[str, Any]:
        """What cross-file checks read of every rule, kept in the check cache."""
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "maturity": self.maturity,
            "fields": self.fields,
        }

    @cached_property
    def fields(self) -> dict[str, int]:
        """The source fields the query reads, each with the offset in the query where it is
        first written (`ruleops.query_fields`)."""
        if self._summary is not None and "fields" in self._summary:
            return dict(self._summary["fields"])
        from ruleops.query_fields import fields_read  # noqa: PLC0415 -- parses the query

        return fields_read(self)

    # Convenience accessors that never raise on malformed files: a wrong type is the
    # schema check's finding, not a crash in another check.
    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def rule(self) -> dict[str, Any]:
        value = self.data.get("rule")
        return value if isinstance(value, dict) else {}

    def position_in(self, key_path: str, offset: int) -> Position:
        """Where character `offset` of the decoded string at `key_path` is written in the
        file: a finding in a query lands on the offending line of the file, not on line N
        of the query."""
        origin = self.string_origin(key_path)
        if origin is None:
            return self.locate(key_path)
        return self.positions.position(origin.text_offset(offset))

    def query_diagnostic(self, finding: QueryFinding, key_path: str = "rule.query") -> Diagnostic:
        """`finding` in the string at `key_path`, at the rule file's line and column, with
        the caret under the offending text where it sits on one line of the file."""
        start = self.position_in(key_path, finding.span.start)
        end_column = None
        if finding.span.end > finding.span.start:
            last = self.position_in(key_path, finding.span.end - 1)
            if last.line == start.line and last.column >= start.column:
                end = self.position_in(key_path, finding.span.end)
                # Past the last character's own text, which may be an escape (`\"`).
                same_line = end.line == start.line and end.column > last.column
                end_column = end.column if same_line else last.column + 1
        return self.diagnostic(
            finding.info,
            finding.message,
            key_path,
            hint=finding.hint,
            position=start,
            end_column=end_column,
        )

    def query_in(self, language: str) -> str | None:
        """The rule's query if it is written in `language` (a missing or mistyped query is
        the schema check's finding, not the query checks')."""
        return self.string("rule.query") if self.string("rule.language") == language else None

    # A lenient, typed view of the data, addressed by the key paths that diagnostics, fixes
    # and suppressions use (`rule.threat[0].tactic.id`). A missing key or a value of another
    # type reads as nothing: a wrong type is the schema check's finding, not another check's
    # crash.

    def value(self, key_path: str) -> Any:
        """The value at `key_path`, or None when the path leads nowhere."""
        return _value_at(self.data, key_path)

    def string(self, key_path: str) -> str | None:
        # (`text` is the file's text)
        value = self.value(key_path)
        return value if isinstance(value, str) else None

    def integer(self, key_path: str) -> int | None:
        value = self.value(key_path)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def boolean(self, key_path: str) -> bool | None:
        value = self.value(key_path)
        return value if isinstance(value, bool) else None

    def table(self, key_path: str) -> dict[str, Any]:
        """The table at `key_path`; empty when there is none."""
        value = self.value(key_path)
        return value if isinstance(value, dict) else {}

    def items(self, key_path: str) -> list[tuple[str, Any]]:
        """The entries of the array at `key_path`, each with its own key path."""
        value = self.value(key_path)
        if not isinstance(value, list):
            return []
        return [(f"{key_path}[{index}]", item) for index, item in enumerate(value)]

    def tables(self, key_path: str) -> list[tuple[str, dict[str, Any]]]:
        """The tables of the array of tables at `key_path`, each with its key path."""
        return [(path, item) for path, item in self.items(key_path) if isinstance(item, dict)]

    def strings(self, key_path: str) -> list[str]:
        """The strings of the array at `key_path` (other entries are left out)."""
        return [item for _, item in self.items(key_path) if isinstance(item, str)]

    def entries(self, key_path: str) -> list[Entry]:
        """The tables of the array of tables at `key_path`, each as an `Entry`: the same
        lenient view, read relative to the table (for walks that go deeper, as ATT&CK's)."""
        return _entries(self.value(key_path), key_path)

    @property
    def category_field(self) -> str:
        """The field an EQL `category where` tests: `event.category`, or the rule's
        `event_category_override`."""
        return self.string("rule.event_category_override") or "event.category"

    @property
    def timestamp_field(self) -> str:
        """The field that orders the rule's events: its `timestamp_override`, or @timestamp."""
        return self.string("rule.timestamp_override") or "@timestamp"

    @property
    def rule_id(self) -> str | None:
        return self._summarised("rule_id", "rule.rule_id")

    @property
    def name(self) -> str | None:
        return self._summarised("name", "rule.name")

    @property
    def maturity(self) -> str | None:
        return self._summarised("maturity", "metadata.maturity")

    def _summarised(self, key: str, key_path: str) -> str | None:
        """The string at `key_path`; from the summary while the file is unparsed."""
        if self._data is None and self._summary is not None:
            return self._summary.get(key)
        return self.string(key_path)


# A file to check: its displayed path, and its bytes or why they could not be read.
Source = tuple[str, bytes | Diagnostic]
# What checking one file gave: its rule (None when it did not load) and its findings.
Checked = tuple["Rule | None", list[Diagnostic]]


def _value_at(data: Any, key_path: str) -> Any:
    value = data
    for part in key_parts(key_path):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
        if value is None:
            return None
    return value


def _entries(value: Any, key_path: str) -> list[Entry]:
    if not isinstance(value, list):
        return []
    return [
        Entry(f"{key_path}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    """One table of a rule file's array of tables (`rule.threat[1]`), with its key path.
    Reads as `Rule` does, leniently, with keys relative to the table: `entry.string("id")`
    is `rule.string(f"{entry.path}.id")` without walking from the top again."""

    path: str
    data: dict[str, Any]

    def value(self, key: str) -> Any:
        return _value_at(self.data, key)

    def string(self, key: str) -> str | None:
        value = self.value(key)
        return value if isinstance(value, str) else None

    def entries(self, key: str) -> list[Entry]:
        return _entries(self.value(key), f"{self.path}.{key}")

    def child(self, key: str) -> Entry:
        """The table at `key` as an `Entry`; empty when there is none."""
        value = self.value(key)
        return Entry(f"{self.path}.{key}", value if isinstance(value, dict) else {})

    def at(self, key: str) -> str:
        """The key path of `key` in this table, for a diagnostic or a fix."""
        return f"{self.path}.{key}"


@dataclass(frozen=True)
class Loaded:
    """The outcome of reading one file: a rule, or the diagnostics that explain why not."""

    rule: Rule | None
    diagnostics: tuple[Diagnostic, ...] = ()


def decode_text(raw: bytes) -> str:
    """A rule file's bytes as text: UTF-8, a byte-order mark dropped."""
    return raw.decode("utf-8").removeprefix("\ufeff")


@emits(LOAD_ERROR)
def read_bytes(path: Path, display: str) -> tuple[bytes | None, Diagnostic | None]:
    """The bytes of the rule or fixture file at `path`, or a diagnostic saying why it was
    not read (not a regular file, too large, cannot be opened: see `ruleops.files`)."""
    try:
        return read_file(path, MAX_FILE_BYTES), None
    except Unreadable as error:
        return None, LOAD_ERROR.diagnostic(error.message, display, hint=error.hint)


@emits(LOAD_ERROR)
def text_of(raw: bytes, display: str) -> tuple[str | None, Diagnostic | None]:
    """`raw` as text, or a diagnostic saying why it is not UTF-8 text."""

    def fail(message: str, hint: str, line: int = 1, column: int = 1) -> tuple[None, Diagnostic]:
        return None, LOAD_ERROR.diagnostic(message, display, line, column, hint=hint)

    if b"\x00" in raw:
        if wide := _wide_encoding(raw):
            return fail(
                f"file is {wide}; rule files are UTF-8, as Kibana and detection-rules read them",
                "save it as UTF-8",
            )
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        return fail("file contains NUL bytes: it is binary, not a TOML text file", "", line)
    try:
        text = decode_text(raw)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return fail(
            f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})",
            "save the file as UTF-8",
            line,
            column,
        )
    return text, None


# Byte-order marks, then the NUL pattern of ASCII text, for each wide encoding.
_WIDE = (
    (
        "UTF-32 text (little-endian)",
        "utf-32-le",
        b"\xff\xfe\x00\x00",
        re.compile(b"[^\x00]\x00\x00\x00"),
    ),
    (
        "UTF-32 text (big-endian)",
        "utf-32-be",
        b"\x00\x00\xfe\xff",
        re.compile(b"\x00\x00\x00[^\x00]"),
    ),
    (
        "UTF-16 text (little-endian)",
        "utf-16-le",
        b"\xff\xfe",
        re.compile(b"[^\x00]\x00[^\x00]\x00"),
    ),
    ("UTF-16 text (big-endian)", "utf-16-be", b"\xfe\xff", re.compile(b"\x00[^\x00]\x00[^\x00]")),
)


def _wide_encoding(raw: bytes) -> str | None:
    """The name of the UTF-16 or UTF-32 encoding `raw` is written in, if it is."""
    for name, codec, mark, ascii_start in _WIDE:
        if raw.startswith(mark) or ascii_start.match(raw):
            try:
                raw.removeprefix(mark).decode(codec)
            except UnicodeDecodeError:
                continue
            return name
    return None


def read_text(path: Path, display: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read as UTF-8 text."""
    raw, problem = read_bytes(path, display)
    return text_of(raw, display) if raw is not None else (None, problem)


@emits(TOML_ERROR)
def parse_toml(text: str, display: str) -> tuple[dict[str, Any] | None, Diagnostic | None]:
    """The data of a TOML 1.0 document, or a located RO002 saying why it is not one."""
    try:
        data = toml_reader.loads(text)
    except toml_reader.TOMLDecodeError as error:
        message, line, column = _error_position(str(error), text)
        return None, TOML_ERROR.diagnostic(
            f"invalid TOML: {message[0].lower()}{message[1:]}",
            display,
            line,
            column,
            hint="fix the TOML syntax here; no other check runs until the file parses",
        )
    except RecursionError:
        line, column = _too_deep_at(text)
        return None, TOML_ERROR.diagnostic(
            "invalid TOML: nesting is too deep to read",
            display,
            line,
            column,
            hint="rule files never need more than a few levels of nesting",
        )
    if toml_reader is not tomllib and _maybe_toml_11(text) and _holds_toml_11(text):
        problem = _toml_11(text, display)
        if problem is not None:
            return None, problem
    return data, None


_INLINE_TABLE = re.compile(r"[=\[,][ \t\r\n]*(?:#[^\n]*\n[ \t\r\n]*)*\{")
_MINUTES_LAST = re.compile(r":\d\d(?![:\d])")


def _maybe_toml_11(text: str) -> bool:
    """Whether `text` may hold a TOML 1.1 construct tomli reads: an inline table (where a
    value starts), an escape \\e or \\x, or a time whose minutes come last (one rule file in
    eight of the corpus; the test costs 0.02 ms). Only such a text is scanned
    (`_holds_toml_11`), and read again by tomllib only when the scan finds a construct."""
    return (
        ("{" in text and _INLINE_TABLE.search(text) is not None)
        or "\\e" in text
        or "\\x" in text
        or _MINUTES_LAST.search(text) is not None
    )


# The strings and comments of a TOML text (where nothing is a TOML 1.1 construct but an
# escape in a basic string), and what may start one outside them.
_STRING = (
    r"'''.*?'''(?:'{1,2}(?!'))?"
    r'|"""(?P<long>(?:[^\\]|\\.)*?)"""(?:"{1,2}(?!"))?'
    r"|'[^'\n]*'"
    r'|"(?P<short>(?:[^"\\\n]|\\.)*)"'
    r"|#[^\n]*"
)
_TIME = r"(?<![\d:])\d\d:\d\d(?![:\d])"
_OUTSIDE = re.compile(rf"{_STRING}|(?P<time>{_TIME})|(?P<table>\{{)", re.S)
_INSIDE_TABLE = re.compile(rf"{_STRING}|(?P<time>{_TIME})|[{{}}\[\],\n]", re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)
_CLOSES = re.compile(r"[ \t]*\}")


def _holds_toml_11(text: str) -> bool:
    """Whether `text` (which tomli read) holds a TOML 1.1 construct: an escape \\e or \\x in a
    basic string, a time without seconds, or an inline table with a line break, a comment
    or a trailing comma in it (not inside an array of its own). Never False where tomllib
    would refuse the text; a scan of the strings, costing a fraction of tomllib's read."""
    at = 0
    while match := _OUTSIDE.search(text, at):
        at = match.end()
        if match["time"] or _escapes_11(match):
            return True
        if match["table"]:
            found, at = _inline_table_11(text, match.start())
            if found:
                return True
    return False


def _escapes_11(match: re.Match[str]) -> bool:
    body = match["long"] or match["short"]
    return (
        bool(body)
        and ("\\e" in body or "\\x" in body)
        and any(escaped in "ex" for escaped in _ESCAPE.findall(body))
    )


def _inline_table_11(text: str, start: int) -> tuple[bool, int]:
    """Whether the inline table opening at `start` has a TOML 1.1 construct, and where it
    ends. Arrays inside it may span lines in TOML 1.0 too."""
    open_brackets: list[str] = []
    for match in _INSIDE_TABLE.finditer(text, start):
        token = match[0]
        if match["time"] or _escapes_11(match):
            return True, match.end()
        inside_table = bool(open_brackets) and open_brackets[-1] == "{"
        if token in "{[":
            open_brackets.append(token)
        elif token in "}]":
            open_brackets.pop()
            if not open_brackets:
                return False, match.end()
        elif token == ",":
            if inside_table and _CLOSES.match(text, match.end()):
                return True, match.end()
        elif inside_table and token[0] in "\n#":
            return True, match.end()
    return False, len(text)


_TIME_WITHOUT_SECONDS = re.compile(r"(?:\d{4}-\d\d-\d\d[T ])?\d\d:\d\d(?!:)")
_TOML_11_HINT = "; Kibana and detection-rules read TOML 1.0"


def _toml_11(text: str, display: str) -> Diagnostic | None:
    """RO002 at the first TOML 1.1 construct of `text` (which tomli read), None if none."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line, column = _error_position(str(error), text)
    except RecursionError:
        return None  # tomli read it, and tomllib is the same parser for what 1.0 allows
    else:
        return None
    offset = _offset(text, line, column)
    what, advice, offset = _toml_11_construct(text, offset, message)
    line, column = _line_column(text, offset)
    return TOML_ERROR.diagnostic(
        f"invalid TOML: {what} is TOML 1.1{_TOML_11_HINT}", display, line, column, hint=advice
    )


def _toml_11_construct(text: str, offset: int, message: str) -> tuple[str, str, int]:
    """What tomllib stopped at, in words, what to write instead, and where it starts."""
    if message.startswith("Unescaped"):
        backslash = text.rfind("\\", 0, offset)
        if text[backslash + 1 : backslash + 2] == "e":
            return "the escape \\e", "write \\u001b instead", backslash
        if text[backslash + 1 : backslash + 2] == "x":
            digits = text[backslash + 2 : backslash + 4]
            return "the escape \\xHH", f"write \\u00{digits} instead", backslash
    start = max(text.rfind(c, 0, offset) for c in " \t=[,") + 1
    if message.startswith("Expected newline") and _TIME_WITHOUT_SECONDS.match(text, start):
        return "a time without seconds", "write the seconds too (07:32:00)", start
    inline = {
        "\n": "a line break in an inline table",
        "\r": "a line break in an inline table",
        "#": "a comment in an inline table",
        "}": "a trailing comma in an inline table",
    }
    if (char := text[offset : offset + 1]) in inline:
        advice = (
            "remove the comma before }"
            if char == "}"
            else "write the inline table on one line, or as a [table] of its own"
        )
        return inline[char], advice, offset
    return f"what is written here ({message[0].lower()}{message[1:]})", "write TOML 1.0", offset


def _error_position(message: str, text: str) -> tuple[str, int, int]:
    """A TOML parser's message without its position, and the position (line, column)."""
    if match := _TOML_ERROR_AT.match(message):
        return match["message"], int(match["line"]), int(match["column"])
    if match := _TOML_ERROR_END.match(message):
        return match["message"], *_line_column(text, len(text))
    return message, 1, 1


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


# Strings and comments (whose brackets do not nest) and the brackets that do.
_NESTING = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
    re.S,
)
_DEEP = 100


def _too_deep_at(text: str) -> tuple[int, int]:
    """Where a document too deep to read gets deep: the bracket that opens level 100 of
    nested arrays and inline tables, else the line of the longest dotted key."""
    depth = 0
    for match in _NESTING.finditer(text):
        token = match[0]
        if token in "[{":
            depth += 1
            if depth == _DEEP:
                return _line_column(text, match.start())
        elif token in "]}":
            depth -= 1
    lines = text.split("\n")
    longest = max(range(len(lines)), key=lambda n: lines[n].count("."))
    return longest + 1, 1


def load_rule(path: Path, display: str | None = None) -> Loaded:
    display = display or str(path)
    raw, problem = read_bytes(path, display)
    if raw is None:
        return Loaded(None, (problem,) if problem else ())
    return rule_from_bytes(raw, display)


def rule_from_bytes(raw: bytes, display: str) -> Loaded:
    text, problem = text_of(raw, display)
    if text is None:
        return Loaded(None, (problem,) if problem else ())
    return rule_from_text(text, display)


def rule_from_text(text: str, display: str = "<string>") -> Loaded:
    data, problem = parse_toml(text, display)
    if data is None:
        return Loaded(None, (problem,) if problem else ())
    return Loaded(Rule(display, text, data))


def same_data(a: Any, b: Any) -> bool:
    """Whether two parsed TOML documents hold the same data: equal values of the same
    types (`1` is not `1.0`, nor `true`), and `nan` the same as `nan`, as written."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)
