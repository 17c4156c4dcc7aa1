"""Apply the fixes diagnostics carry, rewriting only the values they name.

A fix is a tuple of (key path, new value) pairs, e.g.
`("rule.threat[0].technique[1].name", "OS Credential Dumping")`. The file is edited with
tomlkit so comments, key order and layout stay; a replaced string keeps its quoting style.
Before anything is written, the result is parsed again with tomllib and compared with the
original data with exactly the fixed values changed: a fix that would change anything else
is refused. Files are replaced atomically, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, cast

import tomlkit
from tomlkit.exceptions import InvalidStringError
from tomlkit.items import InlineTable, String, StringType, Table

from ruleops.diagnostics import Diagnostic, Severity
from ruleops.files import Unreadable, read_file, real_path, written_mode
from ruleops.loading import MAX_FILE_BYTES, parse_toml, same_data

_SEGMENT = re.compile(r"(?P<key>[A-Za-z0-9_-]+)(?P<indexes>(?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")
_BOM = "\ufeff"


class FixError(Exception):
    """A fix cannot be applied safely; the file is left as it was."""


class WriteError(Exception):
    """A file was left as it was; the message says why."""


def parse_key_path(key_path: str) -> list[str | int]:
    """`rule.threat[0].technique[1].name` → ["rule", "threat", 0, "technique", 1, "name"]."""
    steps: list[str | int] = []
    for part in key_path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise FixError(f"cannot address {key_path!r}: {part!r} is not a bare key")
        steps.append(match["key"])
        steps.extend(int(i) for i in _INDEX.findall(match["indexes"]))
    return steps


def apply_fixes(text: str, fixes: Iterable[tuple[str, object]]) -> str:
    """`text` with every fix written, or FixError; the original text is never half-edited."""
    fixes = list(fixes)
    if not fixes:
        return text
    bom = text.startswith(_BOM)
    body = text.removeprefix(_BOM)
    original, problem = parse_toml(body, "")
    if original is None:
        assert problem is not None
        raise FixError(f"the file is not valid TOML: {problem.message}")
    try:
        document = tomlkit.parse(body)
    except tomlkit.exceptions.TOMLKitError as error:
        raise FixError(f"the file is not valid TOML: {error}") from None
    for key_path, value in fixes:
        _write(document, parse_key_path(key_path), value, key_path)
    result = document.as_string()
    _verify(original, result, fixes)
    return (_BOM if bom else "") + result


def fix_file(
    path: Path, fixes: Sequence[tuple[str, object]], *, expected: str | None = None
) -> bool:
    """Apply `fixes` to the file at `path`; True when it changed.

    `expected` is the text the fixes were computed from; when the file no longer has it
    (edited meanwhile), nothing is written.
    """
    try:
        raw = read_file(path, MAX_FILE_BYTES)
    except Unreadable as error:
        raise FixError(error.message) from None
    text = raw.decode("utf-8")
    if expected is not None and text.removeprefix(_BOM) != expected.removeprefix(_BOM):
        raise FixError("the file changed since it was checked; run the check again")
    fixed = apply_fixes(text, fixes)
    if fixed == text:
        return False
    replace_if_unchanged(path, raw, fixed.encode("utf-8"))
    return True


def _write(document: Any, steps: list[str | int], value: object, key_path: str) -> None:
    container: Any = document
    for step in steps[:-1]:
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            raise FixError(f"{key_path}: the file has no {step!r} there") from None
    last = steps[-1]
    if isinstance(last, int):
        raise FixError(f"{key_path}: fixes replace keyed values, not array elements")
    if not isinstance(container, Mapping):
        raise FixError(f"{key_path}: the parent is not a table")
    table = cast(MutableMapping[str, Any], container)  # tomlkit's tables are mutable
    old = table.get(last)
    if isinstance(value, str):
        table[last] = _string_like(old, value)
    elif isinstance(value, int) and not isinstance(value, bool):
        # tomlkit keeps the comment and trivia of the item it replaces in place
        table[last] = value
    elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        if old is not None:
            raise FixError(f"{key_path}: already set; fixes add tables, they do not merge them")
        table[last] = _tables_like(table, value)
    else:
        raise FixError(f"{key_path}: cannot write a value of type {type(value).__name__}")


def _string_like(old: Any, value: str) -> String:
    """A string item quoted the way `old` was, where the new value allows it."""
    style = old.type if isinstance(old, String) else StringType.SLB
    wanted = (style in (StringType.SLL, StringType.MLL), style in (StringType.MLB, StringType.MLL))
    # Literal strings cannot hold a quote or control characters, and multi-line strings
    # normalise line endings; a single-line basic string escapes anything exactly.
    for literal, multiline in (wanted, (False, wanted[1]), (False, False)):
        try:
            item = tomlkit.string(value, literal=literal, multiline=multiline)
        except InvalidStringError:
            continue
        if tomllib.loads(f"v = {item.as_string()}")["v"] == value:
            return item
    raise FixError(f"cannot write {value!r} as a TOML string")


def _tables_like(container: Any, value: list[Any]) -> Any:
    """New tables in the style of their parent: inline inside inline tables, else [[...]]."""
    if isinstance(container, InlineTable):
        array = tomlkit.array()
        for entry in value:
            inline = tomlkit.inline_table()
            inline.update(entry)
            array.append(inline)
        return array
    # Keep the blank line that separates the parent from the next table header.
    separated = isinstance(container, Table) and container.as_string().endswith("\n\n")
    tables = tomlkit.aot()
    for entry in value:
        table = tomlkit.table()
        for key, item in entry.items():
            table[key] = item
        if separated:
            table.add(tomlkit.nl())
        tables.append(table)
    return tables


def _verify(original: dict[str, Any], result: str, fixes: list[tuple[str, object]]) -> None:
    expected = copy.deepcopy(original)
    for key_path, value in fixes:
        steps = parse_key_path(key_path)
        target: Any = expected
        for step in steps[:-1]:
            target = target[step]
        target[steps[-1]] = copy.deepcopy(value)
    try:
        actual = tomllib.loads(result)
    except tomllib.TOMLDecodeError as error:
        raise FixError(
            f"the fixed file would not be valid TOML ({error}); nothing written"
        ) from None
    if not same_data(actual, expected):
        raise FixError("the fixed file would differ in more than the fixed values; nothing written")


def replace_if_unchanged(path: Path, before: bytes, after: bytes) -> None:
    """Write `after` over the file at `path`, which was read as `before`, unless it no
    longer holds `before`: an edit saved since it was read is never overwritten, and a file
    deleted meanwhile is not created again. WriteError says why nothing was written."""
    try:
        current = read_file(path, max(len(before), MAX_FILE_BYTES))
    except Unreadable as error:
        if not os.path.lexists(path):
            raise WriteError("deleted since it was read; not written again") from None
        raise WriteError(f"{error.message}; not written") from None
    if current != before:
        raise WriteError("changed since it was read (saved meanwhile); not written, run again")
    if not os.access(path, os.W_OK):
        raise WriteError("the file is read-only; not written")
    try:
        replace_atomically(path, after)
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror or error}; not written") from None


def replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and os.replace.

    The temporary file is `.NAME.PID.RANDOM.tmp`, which no rule glob (`*.toml`) sees; one
    that a killed run left behind is removed the next time NAME is written."""
    path = real_path(path)  # through a link to its file: the link itself stays a link
    remove_stale_temporaries(path)
    mode = written_mode(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files of `path` (see `replace_atomically`) whose process is
    gone: a run killed between writing and renaming (SIGKILL, a power cut) left them."""
    prefix = f".{path.name}."
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                (path.parent / name).unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, and belongs to someone else
    return True


def fix_diagnostics(
    diagnostics: Sequence[Diagnostic], texts: Mapping[str, str], diff: TextIO | None = None
) -> tuple[list[Diagnostic], list[str]]:
    """Apply the fixes of `diagnostics` to their files; the diagnostics as they now stand.

    `texts` maps a diagnostic path to the text it was computed from. A fixed diagnostic
    becomes information with fixed=True and a message starting "fixed:", since the file no
    longer has the problem. The second value lists the files that could not be fixed, why.
    With `diff`, no file is written: a unified diff of each file's fixes goes there instead.
    """
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.fix and not d.fixed and d.path in texts:
            by_path.setdefault(d.path, []).append(d)
    fixed_ids: set[int] = set()
    problems: list[str] = []
    for path, found in by_path.items():
        written: dict[str, object] = {}
        chosen: list[Diagnostic] = []
        for d in found:
            # Two fixes that write one key differently: the first wins, the other waits.
            if any(written.get(key, value) != value for key, value in d.fix):
                continue
            written.update(d.fix)
            chosen.append(d)
        try:
            if diff is None:
                fix_file(Path(path), list(written.items()), expected=texts[path])
            else:
                write_diff(diff, path, texts[path], apply_fixes(texts[path], written.items()))
        except (FixError, WriteError, OSError, UnicodeDecodeError) as error:
            problems.append(f"{path}: not fixed: {error}")
            continue
        fixed_ids.update(id(d) for d in chosen)
    result = [
        replace(d, fixed=True, severity=Severity.INFO, message=f"fixed: {d.message}")
        if id(d) in fixed_ids
        else d
        for d in diagnostics
    ]
    return result, problems


def write_diff(out: TextIO, shown: str, before: str, after: str, label: str = "fixed") -> bool:
    """A unified diff of one file's change on `out` (`label` names the new text); False
    when there is none."""
    if before == after:
        return False
    out.writelines(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{shown} (now)",
            tofile=f"{shown} ({label})",
        )
    )
    return True
