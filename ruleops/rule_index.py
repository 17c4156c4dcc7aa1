"""Every rule file's rule_id, name and fields, without reading every rule file on every run.

The duplicate check of a run that loads only some rules (a commit hook checks the staged
file; `--changed-since` the changed ones) compares them with every other rule of the
repository. Reading 2,000 files for two values each costs more than checking the rule, so
the values are kept in an index in the user cache folder (one JSON file per project, beside
the check cache) and refreshed from file metadata:

- a file whose size, mtime, ctime and inode are those recorded is not read again;
- any other file (new, edited, replaced by an editor's rename) is read again;
- an entry recorded less than `_RACY_NS` after its file last changed is never trusted,
  because a second write within one timestamp tick of the file system would leave the
  metadata as it was (git's "racy clean" problem); such a file is read again until its
  entry is older.

The cross-rule field check (`ruleops.checks.repository_fields`) also needs the fields each
other rule's query reads; those take a parse, so an entry gets them only when that check
first asks, and keeps them until its file changes.

So the index is never stale; at worst a run reads a few files more. A missing, corrupt or
unwritable index only makes the run read every file, as it did without one.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ruleops.cache import load_json, store_json, user_cache_dir
from ruleops.changes import RULE_ID_LINE
from ruleops.loading import Rule, decode_text, rule_from_text

# 2: each entry also holds the fields its rule's query reads (null until asked for).
FORMAT = 2
# An entry: size, mtime_ns, ctime_ns, inode, when it was recorded, rule_id, name,
# deprecated, fields.
_LENGTH = 9
# Coarser than any file system's timestamp granularity that matters here (FAT: 2 s).
_RACY_NS = 3_000_000_000

_NAME = re.compile(r'^\s*name\s*=\s*"(?P<value>(?:[^"\\]|\\.)*)"', re.MULTILINE)
_DEPRECATED = re.compile(r'^\s*maturity\s*=\s*"deprecated"', re.MULTILINE)


@dataclass(frozen=True)
class Identity:
    """What the duplicate check needs of a rule file, read from its text (not parsed)."""

    rule_id: str | None
    name: str | None
    deprecated: bool


def identity_of(text: str) -> Identity:
    rule_id = RULE_ID_LINE.search(text)
    name = _NAME.search(text)
    return Identity(
        rule_id["id"] if rule_id else None,
        name["value"] if name else None,
        _DEPRECATED.search(text) is not None,
    )


def rule_files(roots: list[Path], skip: list[Path]) -> Iterator[tuple[str, os.stat_result]]:
    """Every *.toml file under `roots` (not under `skip`), as a path string with its stat,
    in no set order. Strings, not Paths: a repository has thousands of rule files."""
    pending = [str(root) for root in roots if root.is_dir()]
    skipped = {str(s) for s in skip}
    while pending:
        folder = pending.pop()
        if folder in skipped:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.endswith(".toml") and entry.is_file():
                    yield entry.path, entry.stat()
            except OSError:
                continue


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


class RuleIndex:
    """The identities of the rule files under a project's rule paths."""

    def __init__(self, root: Path) -> None:
        folder = user_cache_dir()
        project = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
        self.path = folder / "index" / f"{project}.json" if folder else None
        self._entries: dict[str, list] = {}
        self._dirty = False
        if self.path is None:
            return
        stored = load_json(self.path)
        if isinstance(stored, dict) and stored.get("format") == FORMAT:
            entries = stored.get("files")
            self._entries = entries if isinstance(entries, dict) else {}

    def identities(
        self, roots: list[Path], skip: list[Path], ignore: frozenset[str] = frozenset()
    ) -> dict[str, Identity]:
        """Every rule file under `roots` (path string → identity), read again where unsure;
        the files in `ignore` (the ones a run checks itself) are neither read nor given."""
        entries = self._current(roots, skip, ignore, with_fields=False)
        return {path: Identity(e[5], e[6], bool(e[7])) for path, e in entries.items()}

    def fields(
        self, roots: list[Path], skip: list[Path], ignore: frozenset[str] = frozenset()
    ) -> dict[str, list[str]]:
        """The fields each rule file under `roots` reads (`ruleops.query_fields`), as
        `identities` does; a file whose fields are not recorded yet is parsed once."""
        entries = self._current(roots, skip, ignore, with_fields=True)
        return {path: entry[8] for path, entry in entries.items()}

    def _current(
        self, roots: list[Path], skip: list[Path], ignore: frozenset[str], with_fields: bool
    ) -> dict[str, list]:
        """The entry of every rule file under `roots` but not in `ignore`, refreshed where
        its file may have changed (and, `with_fields`, where its fields are not known)."""
        now = time.time_ns()
        found: dict[str, list] = {}
        for path, stat in rule_files(roots, skip):
            if path in ignore:
                continue
            signature = _signature(stat)
            entry = self._entries.get(path)
            if (
                isinstance(entry, list)
                and len(entry) == _LENGTH
                and entry[:4] == signature
                and entry[4] - max(stat.st_mtime_ns, stat.st_ctime_ns) >= _RACY_NS
                and (entry[8] is not None or not with_fields)
            ):
                found[path] = entry
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                continue
            fields = _fields_of(text, path) if with_fields else None
            # Stamped with the time before the read: a write during it counts as racy.
            found[path] = self._entries[path] = [
                *signature,
                now,
                *_values(identity_of(text)),
                fields,
            ]
            self._dirty = True
        stale = [
            path
            for path in self._entries
            if path not in found and path not in ignore and _under(path, roots)
        ]
        for path in stale:
            del self._entries[path]
        self._dirty |= bool(stale)
        return found

    def record(self, rules: Iterable[Rule], roots: list[Path], skip: list[Path]) -> None:
        """Keep the fields of `rules`, which a run has loaded anyway, for the files under
        `roots` (not `skip`) whose entry lacks them: after one whole `ruleops check`, a
        commit hook parses no other rule. A file is recorded only if it still holds what
        the run read, with the metadata taken before it was read again."""
        skipped = [str(folder) + os.sep for folder in skip]
        for rule in rules:
            path = str(Path(rule.path).resolve())
            if not _under(path, roots) or any(path.startswith(s) for s in skipped):
                continue
            now = time.time_ns()
            try:
                stat = os.stat(path)
                entry = self._entries.get(path)
                signature = _signature(stat)
                if (
                    isinstance(entry, list)
                    and len(entry) == _LENGTH
                    and entry[:4] == signature
                    and entry[8] is not None
                ):
                    continue
                with open(path, "rb") as handle:
                    text = decode_text(handle.read())
            except (OSError, UnicodeDecodeError):
                continue
            if text != rule.text:
                continue  # changed since the run read it
            identity = _values(identity_of(text))
            self._entries[path] = [*signature, now, *identity, sorted(rule.fields)]
            self._dirty = True

    def save(self) -> None:
        if not self._dirty or self.path is None:
            return
        document = {"format": FORMAT, "files": self._entries}
        store_json(self.path, document)


def _values(identity: Identity) -> list:
    return [identity.rule_id, identity.name, identity.deprecated]


def _fields_of(text: str, path: str) -> list[str]:
    loaded = rule_from_text(text, path)
    return sorted(loaded.rule.fields) if loaded.rule is not None else []


def _under(key: str, roots: list[Path]) -> bool:
    return any(key.startswith(str(root) + os.sep) for root in roots)


def identities(
    roots: list[Path], skip: list[Path], project: Path, ignore: frozenset[str] = frozenset()
) -> dict[str, Identity]:
    """The identities of the rule files under `roots` but not in `ignore`, through the
    project's index."""
    index = RuleIndex(project)
    found = index.identities(roots, skip, ignore)
    index.save()
    return found


def record(rules: Iterable[Rule], roots: list[Path], skip: list[Path], project: Path) -> None:
    """Keep the fields of rules a run loaded in the project's index (`RuleIndex.record`)."""
    index = RuleIndex(project)
    index.record(rules, roots, skip)
    index.save()


def fields(
    roots: list[Path], skip: list[Path], project: Path, ignore: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """The fields each rule file under `roots` but not in `ignore` reads, through the
    project's index."""
    index = RuleIndex(project)
    found = index.fields(roots, skip, ignore)
    index.save()
    return found
