"""DISSECT patterns: split a string on literal delimiters into keyword columns.

The semantics of Elasticsearch's `DissectParser` (dissect processor reference):

* `%{key}` takes the text up to the next delimiter (the leftmost occurrence), the last key
  the rest of the string; the whole string must be used, else nothing matches;
* `%{}` and `%{?name}` match and drop; `%{+key}` appends to `key`, joined by the
  APPEND_SEPARATOR (default empty), in `%{+key/N}` order when given;
* `%{*name}` and `%{&name}` pair up: the first's text names a column holding the second's;
  ES|QL rejects them (its columns are fixed when the query is planned), and so do we;
* `%{key->}` skips repeated delimiters after the key (right padding).

Every column is keyword; a value that does not match gives nulls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_KEY = re.compile(r"%\{([^}]*)\}")


class DissectError(ValueError):
    """A pattern Elasticsearch rejects; the message says why."""


@dataclass(frozen=True)
class _Key:
    name: str  # "" for a skipped key
    append: bool
    order: int
    pad: bool


@dataclass(frozen=True)
class Dissect:
    pattern: str
    prefix: str
    keys: tuple[_Key, ...]
    delimiters: tuple[str, ...]  # delimiters[i] follows keys[i]
    columns: tuple[str, ...]

    def match(self, text: str, separator: str = "") -> list[str | None] | None:
        """The columns' values, or None when `text` does not fit the pattern."""
        parts = self.split(text)
        if parts is None:
            return None
        values: dict[str, list[tuple[int, str]]] = {}
        for key, value in zip(self.keys, parts, strict=True):
            if key.name:
                values.setdefault(key.name, []).append((key.order, value))
        out: list[str | None] = []
        for name in self.columns:
            ordered = [v for _, v in sorted(values.get(name, []), key=lambda p: p[0])]
            out.append(separator.join(ordered) if ordered else None)
        return out

    def split(self, text: str) -> list[str] | None:
        """The text of each key, skipped ones included, or None when `text` does not fit."""
        if not text.startswith(self.prefix):
            return None
        position = len(self.prefix)
        found: list[str] = []
        for index, key in enumerate(self.keys):
            delimiter = self.delimiters[index]
            if delimiter == "":
                if index == len(self.keys) - 1:
                    value, position = text[position:], len(text)
                else:
                    value = ""  # two keys with nothing between them: the first is empty
            else:
                end = text.find(delimiter, position)
                if end == -1:
                    return None
                value = text[position:end]
                position = end + len(delimiter)
                if key.pad:
                    while text.startswith(delimiter, position):
                        position += len(delimiter)
            found.append(value)
        return found if position == len(text) else None


@lru_cache(maxsize=512)
def compile_dissect(pattern: str) -> Dissect:
    matches = list(_KEY.finditer(pattern))
    if not matches:
        raise DissectError(f"Unable to find any keys or delimiters in [{pattern}]")
    prefix = pattern[: matches[0].start()]
    keys: list[_Key] = []
    delimiters: list[str] = []
    columns: list[str] = []
    for index, found in enumerate(matches):
        spec = found.group(1)
        pad = spec.endswith("->")
        if pad:
            spec = spec[:-2]
        append = spec.startswith("+")
        if spec[:1] in ("*", "&"):
            raise DissectError(f"reference keys are not supported in ES|QL DISSECT: [{pattern}]")
        skip = spec == "" or spec.startswith("?")
        name = spec.lstrip("+")
        order = len(keys)
        if append and "/" in name:
            name, _, number = name.partition("/")
            if number.isdigit():
                order = int(number)
        if skip:
            name = ""
        elif name not in columns:
            columns.append(name)
        keys.append(_Key(name, append, order, pad))
        end = matches[index + 1].start() if index + 1 < len(matches) else len(pattern)
        delimiters.append(pattern[found.end() : end])
    return Dissect(pattern, prefix, tuple(keys), tuple(delimiters), tuple(columns))
