"""One canonical layout for rule files, applied with tomlkit so comments and values survive.

The layout is the one Elastic's tooling writes (measured on the 2,064 production rules), made
consistent:

- tables: `[metadata]`, then `[rule]`, then every other table (`[[rule.threat]]`,
  `[transform]`, ...) in the order written (Elastic's tooling has written these in several
  orders over the years);
- keys: sorted by name in `[metadata]`, `[rule]` and rule's sub-tables, except that
  `query` comes last in `[rule]`, after a blank line (1,319 of the 2,064 production rules
  are written so; the rest put `note` and `setup` after it in either order); other tables
  (`[[transform.investigate]]`) keep the order written;
- arrays: on one line when `[...]` fits in 100 characters and no element is a multi-line
  string, otherwise one element per line, indented four spaces, with a trailing comma;
  arrays that hold comments are left as written;
- strings: a string with a line break is a multi-line string; the query starts on the line
  after its opening quotes, so it is a block of its own lines (other texts such as `note`
  may start right after the quotes, as Elastic writes them); quoting is otherwise kept.

Formatting never changes the data: every result is parsed back and compared with the input,
and every comment is accounted for, before anything is written.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.container import Container
from tomlkit.items import AoT, Array, Comment, DottedKey, Item, Key, String, Table, Whitespace

from ruleops.loading import parse_toml, same_data
from ruleops.suppressions import comments, scan_lines

ARRAY_WIDTH = 100
INDENT = "    "
SORTED_TABLES = ("metadata", "rule")
RULE_TAIL = ("query",)

_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_HEADER = re.compile(
    rf"^\[(?P<aot>\[)?\s*(?P<root>{_KEY})(?P<rest>(?:\s*\.\s*{_KEY})+)?\s*\]\]?\s*(?:#.*)?$"
)


class FormatError(Exception):
    """The file cannot be formatted safely; nothing was written."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Formatted:
    original: str
    text: str

    @property
    def changed(self) -> bool:
        return self.original != self.text


def format_text(text: str, *, verify: bool = True) -> Formatted:
    """`text` in the canonical layout. Raises FormatError when the text is not valid TOML.

    With `verify` (always, outside tests that make the same comparison themselves), a
    result whose data or comments differ from the input raises FormatError.
    """
    # What is valid TOML is decided as `check` decides it (TOML 1.0), not by tomlkit.
    before = _parse(text)
    # A file written with CRLF throughout is formatted as LF and written back as CRLF, so
    # that the lines the formatter adds end as the others do. (TOML reads a CRLF inside a
    # multi-line string as a line break, so the data are the same either way.)
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    try:
        document = tomlkit.parse(text.replace("\r\n", "\n") if crlf else text)
    except tomlkit.exceptions.ParseError:
        raise FormatError("this TOML cannot be formatted (tomlkit does not read it)") from None
    _format_container(document, sort=False)
    result = _order_top_level(document.as_string())
    if crlf:
        result = result.replace("\n", "\r\n")
    if verify and result != text:
        # Only a changed file needs the comparison; an unchanged one is trivially equal.
        _verify(text, result, before)
    return Formatted(text, result)


def _parse(text: str) -> dict:
    """The data of `text`; when it is not TOML, a FormatError saying so as `ruleops check`
    does (RO002), at the same line and column."""
    data, problem = parse_toml(text, "")
    if problem is not None:
        raise FormatError(problem.message, problem.line, problem.column)
    assert data is not None
    return data


# --- inside tables: key order, arrays, strings ----------------------------------------------


def _format_container(container: Container, *, sort: bool, in_rule: bool = False) -> None:
    for index, (key, item) in enumerate(container.body):
        if key is None:
            continue
        # Elastic sorts the keys of [metadata] and [rule] (and rule's sub-tables) only:
        # `[[transform.investigate]]` and the like keep their own order.
        sorts = sort or key.key in SORTED_TABLES
        if isinstance(item, Table):
            rule = key.key == "rule" and not sort
            _format_container(item.value, sort=sorts, in_rule=rule)
        elif isinstance(item, AoT):
            for table in item.body:
                _format_container(table.value, sort=sorts)
        else:
            replacement = _format_value(key.key, item)
            if replacement is not None:
                container.body[index] = (key, replacement)
    if sort:
        _sort_keys(container, tail=RULE_TAIL if in_rule else ())


def _format_value(name: str, item: Item) -> Item | None:
    if isinstance(item, Array):
        return _format_array(item)
    if isinstance(item, String):
        return _format_string(item, block=name == "query")
    return None


def _format_array(array: Array) -> Item | None:
    parts = list(array._iter_items())
    if any(isinstance(p, Comment) for p in parts):
        return None  # the author placed comments among the elements: keep their layout
    elements = [p for p in parts if not isinstance(p, Whitespace)]
    if any(isinstance(e, (Array, Table)) or not isinstance(e, Item) for e in elements):
        return None  # nested arrays and inline tables keep their layout
    for i, element in enumerate(elements):
        if isinstance(element, String):
            elements[i] = _format_string(element) or element
    rendered = [e.as_string() for e in elements]
    inline = "[" + ", ".join(rendered) + "]"
    multiline_string = any(isinstance(e, String) and "\n" in e.as_string() for e in elements)
    if elements and (multiline_string or len(inline) > ARRAY_WIDTH):
        text = "[\n" + "".join(f"{INDENT}{r},\n" for r in rendered) + "]"
    else:
        text = inline
    if text == array.as_string():
        return None
    return _with_trivia(tomlkit.value(text), array)


def _format_string(item: String, *, block: bool = False) -> Item | None:
    raw = item.as_string()
    value = str(item)
    if raw.startswith(("'''", '"""')):
        if not block or raw[3:4] == "\n" or raw[3:5] == "\r\n":
            return None
        # The line break right after the opening quotes is not part of the value.
        return _with_trivia(tomlkit.value(raw[:3] + "\n" + raw[3:]), item)
    if "\n" not in value:
        return None
    return _with_trivia(tomlkit.value(_multiline(value)), item)


def _multiline(value: str) -> str:
    plain = all(c in "\t\n" or (c >= " " and c != "\x7f") for c in value)
    if plain and "'''" not in value and not value.endswith("'"):
        return "'''\n" + value + "'''"
    escaped = value.replace("\\", "\\\\").replace('"""', '""\\"')
    escaped = "".join(
        c if c in "\t\n" or (c >= " " and c != "\x7f") else f"\\u{ord(c):04x}" for c in escaped
    )
    if escaped.endswith('"'):
        escaped = escaped[:-1] + '\\"'
    return '"""\n' + escaped + '"""'


def _with_trivia(new: Item, old: Item) -> Item:
    new.trivia.indent = old.trivia.indent
    new.trivia.comment_ws = old.trivia.comment_ws
    new.trivia.comment = old.trivia.comment
    new.trivia.trail = old.trivia.trail
    return new


def _sort_keys(container: Container, tail: tuple[str, ...]) -> None:
    body = container.body
    if any(isinstance(v, tuple) for v in container._map.values()):
        return  # a table split into out-of-order parts: leave it as written
    if any(isinstance(k, DottedKey) for k, _ in body if k is not None):
        return
    units: list[tuple[Key, list[tuple[Any, ...]]]] = []  # (key, entries incl. leading comments)
    pending: list[tuple] = []
    for entry in body:
        key = entry[0]
        pending.append(entry)
        if key is not None:
            units.append((key, pending))
            pending = []
    is_table = [isinstance(entries[-1][1], (Table, AoT)) for _, entries in units]
    if any(a and not b for a, b in itertools.pairwise(is_table)):
        return  # a plain key after a sub-table: not a layout this formatter rewrites
    plain = [u for u, table in zip(units, is_table, strict=True) if not table]
    tables = [u for u, table in zip(units, is_table, strict=True) if table]

    def order(unit: tuple[Key, list[tuple[Any, ...]]]) -> tuple[int, str]:
        name = unit[0].key
        return (tail.index(name) + 1 if name in tail else 0, name)

    wanted = sorted(plain, key=order)
    if [u[0].key for u in wanted] == [u[0].key for u in plain]:
        return
    rebuilt: list[tuple] = []
    for position, (unit_key, entries) in enumerate(wanted):
        kept = [e for e in entries[:-1] if not isinstance(e[1], Whitespace)]
        if unit_key.key in tail and position > 0:
            rebuilt.append((None, Whitespace("\n")))
        rebuilt += [*kept, entries[-1]]
    for _, entries in tables:
        rebuilt += entries
    rebuilt += pending
    container._body[:] = rebuilt
    container._map.clear()
    for index, (key, _) in enumerate(rebuilt):
        if key is not None:
            container._map[key] = index


# --- the document: order of top-level tables (on the text, to keep each block intact) ------


def _order_top_level(text: str) -> str:
    lines = text.splitlines(keepends=True)
    candidates = [(n, m) for n, line in enumerate(lines) if (m := _HEADER.match(line))]
    if _in_order([_group(m) for _, m in candidates]):
        return text

    info = scan_lines(text)
    # Lines inside multi-line strings (an EQL `[process where ...]`) are not headers.
    starts = [(n, _group(m)) for n, m in candidates if n < len(info) and not info[n].nested]
    groups = [g for _, g in starts]
    if not starts or _in_order(groups):
        return text
    # A block runs from its header to the next header; comment lines directly above a
    # header travel with it.
    cuts = [_attached_start(lines, n) for n, _ in starts]
    head = "".join(lines[: cuts[0]])
    blocks: list[tuple[int, int, str]] = []
    for i, (_, group) in enumerate(starts):
        end = cuts[i + 1] if i + 1 < len(cuts) else len(lines)
        blocks.append((group, i, "".join(lines[cuts[i] : end]).rstrip("\n") + "\n"))
    return head + "\n".join(block for _, _, block in sorted(blocks))


def _group(match: re.Match) -> int:
    """0 for [metadata], 1 for the [rule] header, 2 for every other table."""
    root = match["root"].strip("\"'")
    if root == "metadata":
        return 0
    return 1 if root == "rule" and match["rest"] is None and not match["aot"] else 2


def _in_order(groups: list[int]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(groups))


def _attached_start(lines: list[str], header: int) -> int:
    start = header
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return start


# --- the safety net ------------------------------------------------------------------------


def _verify(original: str, result: str, before: dict) -> None:
    try:
        after = tomllib.loads(result)
    except tomllib.TOMLDecodeError as error:
        raise FormatError(f"formatting produced invalid TOML ({error}); this is a bug") from None
    if not same_data(after, before):
        raise FormatError("formatting would change the rule's data; this is a bug, nothing written")
    if sorted(comments(original)) != sorted(comments(result)):
        raise FormatError("formatting would lose a comment; this is a bug, nothing written")
