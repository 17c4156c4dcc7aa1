"""The events `ruleops eval` reads: NDJSON files or files holding one JSON array (`-` reads
stdin), each event with the file and line it came from; unreadable input is an
`InputError` that says where. JSON is read as Elasticsearch reads a document: comments
allowed, NaN and Infinity refused, a key twice in one object refused."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruleops.files import Unreadable, read_file
from ruleops.query.nesting import MAX_EVENT_DEPTH, json_too_deep

# Events files hold test data, not a day of logs: past this, `eval` is the wrong tool.
MAX_EVENTS_BYTES = 256 * 1024 * 1024


class InputError(Exception):
    """Unreadable event input, located (file, line, column)."""


# NaN and ±Infinity are no JSON (RFC 8259 section 6: numbers are digits), and Elasticsearch's
# JSON parser refuses them: JsonXContentImpl (libs/x-content) leaves Jackson's
# ALLOW_NON_NUMERIC_NUMBERS off. Python's json reads them, so ruleops refuses them itself.
# Outside strings (skipped whole, escapes included) these words occur in JSON only so.
_NON_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


# A key written twice in one object: Elasticsearch refuses the document ("Duplicate field"),
# as JsonXContentImpl turns on Jackson's STRICT_DUPLICATE_DETECTION; Python keeps the last.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*(:))?|[{}\[\]]')


class _NonNumber(Exception):
    pass


class _Duplicate(Exception):
    pass


def _refuse(literal: str) -> Any:
    raise _NonNumber(literal)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Duplicate
    return found


def _where(text: str, start: int, first_line: int) -> tuple[int, int]:
    line = first_line + text.count("\n", 0, start)
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def _second_key(text: str) -> int:
    """Where the first key written again in its own object starts (only asked of a text
    that holds one)."""
    objects: list[set[str] | None] = []
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "{[":
            objects.append(set() if mark == "{" else None)
        elif mark in "}]":
            objects.pop()
        elif token.group(1) and objects and objects[-1] is not None:
            key = json.loads(mark)
            if key in objects[-1]:
                return token.start()
            objects[-1].add(key)
    return 0


# Comments, which Elasticsearch's JSON parser reads as blanks (Jackson's ALLOW_COMMENTS, on
# in JsonXContentImpl); strings are matched whole so that `//` inside one stays.
_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|(//[^\n]*|/\*.*?\*/)', re.DOTALL)


def _blank(match: re.Match[str]) -> str:
    comment = match.group(1)
    if comment is None:
        return match.group()
    return re.sub(r"[^\n]", " ", comment)  # newlines kept: positions stay true


def _loads(name: str, text: str, first_line: int = 1) -> Any:
    """`text` read as JSON (json.JSONDecodeError for what is not), NaN, Infinity and a key
    written twice in one object refused with an InputError where they are written."""
    try:
        return json.loads(text, parse_constant=_refuse, object_pairs_hook=_unique)
    except _NonNumber:
        found = next(m for m in _NON_NUMBER.finditer(text) if m.group(1))
        line, column = _where(text, found.start(1), first_line)
        raise InputError(
            f"{name}:{line}:{column}: invalid JSON: {found.group(1)} is not a JSON number, "
            "and Elasticsearch refuses a document holding it; write a number, or leave the "
            "field out"
        ) from None
    except _Duplicate:
        start = _second_key(text)
        line, column = _where(text, start, first_line)
        key = text[start : text.index(":", start)].rstrip()
        raise InputError(
            f"{name}:{line}:{column}: invalid JSON: the key {key} is written twice in one "
            "object, and Elasticsearch refuses such a document (duplicate field); keep one"
        ) from None


def read_events(path: str) -> list[tuple[str, int, Mapping[str, Any]]]:
    """Events with where they came from: (file, line, event)."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read(MAX_EVENTS_BYTES + 1)
            if len(text) > MAX_EVENTS_BYTES:
                raise InputError(f"{name}: more than {MAX_EVENTS_BYTES >> 20} MB of events")
        else:
            # A regular file only (a named pipe or a device would block or fill memory:
            # pipe them to `-` instead), and never more than the limit.
            text = read_file(Path(path), MAX_EVENTS_BYTES).decode("utf-8")
    except OSError as error:
        raise InputError(f"{name}: cannot read events: {error.strerror or error}") from None
    except Unreadable as error:
        raise InputError(f"{name}: cannot read events: {error.message}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text ({error.reason})") from None
    if "/" in text:
        text = _COMMENT.sub(_blank, text)
    stripped = text.lstrip()
    if stripped.startswith("["):
        _refuse_deep(name, text, MAX_EVENT_DEPTH + 1)
        try:
            data = _loads(name, text)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
            ) from None
        out: list[tuple[str, int, Mapping[str, Any]]] = []
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise InputError(f"{name}: element {index} of the array is not a JSON object")
            out.append((name, index + 1, item))
        return out
    if stripped.startswith("{") and "\n" in stripped.rstrip():
        # a single pretty-printed object is one event (NDJSON objects fit on one line)
        _refuse_deep(name, text, MAX_EVENT_DEPTH)
        try:
            whole = _loads(name, text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            return [(name, 1, whole)]
    events: list[tuple[str, int, Mapping[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        _refuse_deep(name, line, MAX_EVENT_DEPTH, number)
        try:
            item = _loads(name, line, number)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{name}:{number}:{error.colno}: invalid JSON: {error.msg} "
                "(expected one JSON object per line, or one JSON array for the whole file)"
            ) from None
        if not isinstance(item, dict):
            raise InputError(
                f"{name}:{number}:1: expected a JSON object, got {type(item).__name__}"
            )
        events.append((name, number, item))
    return events


def _refuse_deep(name: str, text: str, limit: int, line: int = 1) -> None:
    found = json_too_deep(text, limit)
    if found is not None:
        row, column = found
        raise InputError(
            f"{name}:{line + row - 1}:{column}: an event nests objects and arrays more than "
            f"{MAX_EVENT_DEPTH} levels deep; ruleops reads events at most that deep"
        )
