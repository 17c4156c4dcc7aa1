"""Where each key of a TOML document sits: `rule.threat[1].technique[0].id` → line and column.

tomllib parses fast but forgets positions, and tomlkit keeps them but is eight times slower.
This scanner walks an already-valid TOML text once, without building values, and records
the position of every key and array element. It runs only when a diagnostic needs a
position, so clean files never pay for it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC_STR = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL_STR = re.compile(r"'[^'\n]*'")
_SPACE = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_SCALAR = re.compile(r"[^,\]\}\n#]+")
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[^\n])|\\[ \t]*\r?\n[ \t\r\n]*")


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based
    offset: int  # 0-based character offset in the text


@dataclass(frozen=True)
class StringOrigin:
    """Where the content of a string value starts, and how to map offsets inside it."""

    position: Position
    # Multi-line literal strings ('''…''') map characters one to one; basic strings with
    # escapes do not, so those keep a table of (value offset, text offset) pairs.
    offsets: tuple[tuple[int, int], ...] = ()

    def text_offset(self, value_offset: int) -> int:
        """Offset in the file of the character at `value_offset` in the decoded string."""
        if not self.offsets:
            return self.position.offset + value_offset
        index = bisect.bisect_right([v for v, _ in self.offsets], value_offset) - 1
        if index < 0:
            return self.position.offset + value_offset
        value_at, text_at = self.offsets[index]
        return text_at + (value_offset - value_at)


class KeyPositions:
    """Positions of keys (where the key is written) and values (where the value starts)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.keys: dict[str, Position] = {}
        self.values: dict[str, Position] = {}
        _Scanner(self).run()

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1] + 1, offset)

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._text.find("\n", start)
        return self._text[start : end if end >= 0 else len(self._text)].rstrip("\r")

    def locate(self, path: str) -> Position:
        """Position of `path`, or of its nearest ancestor that is written in the file."""
        while True:
            found = self.keys.get(path)
            if found is not None:
                return found
            if not path:
                return Position(1, 1, 0)
            path = _parent(path)

    def string_origin(self, path: str) -> StringOrigin | None:
        """Where the decoded content of the string at `path` starts in the file."""
        start = self.values.get(path)
        if start is None:
            return None
        text, i = self._text, start.offset
        for quote in ("'''", '"""'):
            if text.startswith(quote, i):
                i += 3
                # TOML trims a newline that immediately follows the opening delimiter.
                if text.startswith("\r\n", i):
                    i += 2
                elif text.startswith("\n", i):
                    i += 1
                if quote == "'''":
                    return StringOrigin(self.position(i))
                return StringOrigin(self.position(i), _escape_table(text, i, quote))
        if text.startswith('"', i):
            return StringOrigin(self.position(i + 1), _escape_table(text, i + 1, '"'))
        if text.startswith("'", i):
            return StringOrigin(self.position(i + 1))
        return None


def _escape_table(text: str, start: int, quote: str) -> tuple[tuple[int, int], ...]:
    """Anchor points mapping decoded offsets back to file offsets after each escape."""
    end = text.find(quote, start)
    while end > 0 and _is_escaped(text, end):
        end = text.find(quote, end + 1)
    end = len(text) if end < 0 else end
    table: list[tuple[int, int]] = []
    value_offset, cursor = 0, start
    for match in _ESCAPE.finditer(text, start, end):
        value_offset += match.start() - cursor
        decoded = 0 if match.group().lstrip("\\").startswith(("\n", " ", "\t", "\r")) else 1
        value_offset += decoded
        cursor = match.end()
        table.append((value_offset, cursor))
    return tuple(table)


def _is_escaped(text: str, index: int) -> bool:
    slashes = 0
    while index - slashes - 1 >= 0 and text[index - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _end(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where `pattern` ends from `at`: it always matches there in a text TOML accepts."""
    match = pattern.match(text, at)
    assert match is not None, f"{pattern.pattern} does not match at {at} of a parsed TOML text"
    return match.end()


def key_path(parts: Iterable[str | int]) -> str:
    """`['rule', 'threat', 1, 'id']` → `rule.threat[1].id`, the format of Rule.locate."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


@lru_cache(maxsize=4096)
def key_parts(path: str) -> tuple[str | int, ...]:
    """`rule.threat[1].id` → `('rule', 'threat', 1, 'id')`, the inverse of `key_path`.
    Remembered: the checks read the same few hundred key paths of every rule."""
    return tuple(int(index) if index else key for index, key in _PART.findall(path))


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    dot = path.rfind(".")
    return path[:dot] if dot >= 0 else ""


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _Scanner:
    """A structural walk over valid TOML; records positions, builds no values."""

    def __init__(self, out: KeyPositions) -> None:
        self.out = out
        self.text = out._text
        self.i = 0
        self.array_tables: dict[str, int] = {}

    def run(self) -> None:
        table = ""
        text, n = self.text, len(self.text)
        while True:
            self.i = _end(_BLANK, text, self.i)
            if self.i >= n:
                return
            if text.startswith("[[", self.i):
                start = self.i
                self.i += 2
                keys = self._key()
                self.i = text.find("]]", self.i) + 2
                table = self._resolve(keys, start, array=True)
            elif text[self.i] == "[":
                start = self.i
                self.i += 1
                keys = self._key()
                self.i = text.find("]", self.i) + 1
                table = self._resolve(keys, start, array=False)
            else:
                self._key_value(table)

    def _resolve(self, keys: list[str], start: int, *, array: bool) -> str:
        path = ""
        for position, key in enumerate(keys):
            path = _join(path, key)
            last = position == len(keys) - 1
            if path in self.array_tables and not (array and last):
                path = f"{path}[{self.array_tables[path]}]"
            self.out.keys.setdefault(path, self.out.position(start))
        if array:
            index = self.array_tables.get(path, -1) + 1
            self.array_tables[path] = index
            path = f"{path}[{index}]"
        self.out.keys.setdefault(path, self.out.position(start))
        return path

    def _key(self) -> list[str]:
        text = self.text
        keys = []
        while True:
            self.i = _end(_SPACE, text, self.i)
            for pattern in (_BARE_KEY, _BASIC_STR, _LITERAL_STR):
                match = pattern.match(text, self.i)
                if match:
                    raw = match.group()
                    keys.append(raw[1:-1] if raw[0] in "\"'" else raw)
                    self.i = match.end()
                    break
            else:
                return keys
            self.i = _end(_SPACE, text, self.i)
            if self.i < len(text) and text[self.i] == ".":
                self.i += 1
                continue
            return keys

    def _key_value(self, table: str) -> None:
        start = self.i
        keys = self._key()
        if not keys:  # not valid TOML; stop rather than loop (tomllib already reported it)
            self.i = len(self.text)
            return
        path = table
        for key in keys:
            path = _join(path, key)
            self.out.keys.setdefault(path, self.out.position(start))
        self.i = _end(_SPACE, self.text, self.i) + 1  # past '='
        self.i = _end(_SPACE, self.text, self.i)
        self._value(path)

    def _value(self, path: str) -> None:
        text, i = self.text, self.i
        self.out.values[path] = self.out.position(i)
        if text.startswith("'''", i):
            self.i = _close_multiline(text, i + 3, "'''")
        elif text.startswith('"""', i):
            self.i = _close_multiline(text, i + 3, '"""')
        elif text[i] == '"':
            self.i = _end(_BASIC_STR, text, i)
        elif text[i] == "'":
            self.i = _end(_LITERAL_STR, text, i)
        elif text[i] == "[":
            self._array(path)
        elif text[i] == "{":
            self._inline_table(path)
        else:
            match = _SCALAR.match(text, i)
            self.i = match.end() if match else i + 1

    def _array(self, path: str) -> None:
        text = self.text
        self.i += 1
        index = 0
        while True:
            self.i = _end(_BLANK, text, self.i)
            if self.i >= len(text) or text[self.i] == "]":
                self.i += 1
                return
            element = f"{path}[{index}]"
            self.out.keys.setdefault(element, self.out.position(self.i))
            self._value(element)
            index += 1
            self.i = _end(_BLANK, text, self.i)
            if self.i < len(text) and text[self.i] == ",":
                self.i += 1

    def _inline_table(self, path: str) -> None:
        text = self.text
        self.i += 1
        while True:
            self.i = _end(_BLANK, text, self.i)
            if self.i >= len(text) or text[self.i] == "}":
                self.i += 1
                return
            self._key_value(path)
            self.i = _end(_BLANK, text, self.i)
            if self.i < len(text) and text[self.i] == ",":
                self.i += 1


def _close_multiline(text: str, i: int, quote: str) -> int:
    while True:
        end = text.find(quote, i)
        if end < 0:
            return len(text)
        if quote == '"""' and _is_escaped(text, end):
            i = end + 1
            continue
        # Up to two quote characters may directly precede the closing delimiter.
        while text.startswith(quote[0], end + 3):
            end += 1
        return end + 3
