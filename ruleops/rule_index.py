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
from typing import TYPE_CHECKING, TypeGuard

from ruleops.cache import load_json, store_json, user_cache_dir
from ruleops.changes import RULE_ID_LINE
from ruleops.discovery import SKIPPED_DIRS, excluded, is_rule_text
from ruleops.loading import Rule, decode_text, rule_from_text

if TYPE_CHECKING:
    from ruleops.config import Config

# 2: each entry also holds the fields its rule's query reads (null until asked for);
# 3: and whether the file is a rule at all (ruleops.discovery.is_rule_text).
FORMAT = 3
# An entry: size, mtime_ns, ctime_ns, inode, when it was recorded, rule_id, name,
# deprecated, is a rule, fields.
_LENGTH = 10
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
    is_rule: bool = True  # not a hunting query or another TOML file (ruleops.discovery)


def identity_of(text: str) -> Identity:
    rule_id = RULE_ID_LINE.search(text)
    name = _NAME.search(text)
    return Identity(
        rule_id["id"] if rule_id else None,
        name["value"] if name else None,
        _DEPRECATED.search(text) is not None,
        is_rule_text(text),
    )


def rule_files(
    roots: list[Path], skip: list[Path], config: Config | None = None
) -> Iterator[tuple[str, os.stat_result]]:
    """Every *.toml file under `roots` as a path string with its stat, in no set order,
    leaving out what discovery leaves out (`skip`, hidden and tool folders, `exclude`) but
    for git's ignore files, which would cost a git process on every run. Strings, not
    Paths: a repository has thousands of rule files."""

    def wanted(entry: os.DirEntry) -> bool:
        return config is None or not config.exclude or not excluded(Path(entry.path), config)

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
                    hidden = entry.name.startswith(".") or entry.name in SKIPPED_DIRS
                    if not hidden and wanted(entry):
                        pending.append(entry.path)
                elif entry.name.endswith(".toml") and entry.is_file() and wanted(entry):
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
        self, config: Config, ignore: frozenset[str] = frozenset()
    ) -> dict[str, Identity]:
        """Every rule file of the configuration (path string → identity), read again where
        unsure; the files in `ignore` (the ones a run checks itself) are neither read nor
        given."""
        entries = self._current(config, ignore, with_fields=False)
        return {p: Identity(e[5], e[6], e[7], e[8]) for p, e in entries.items()}

    def fields(self, config: Config, ignore: frozenset[str] = frozenset()) -> dict[str, list[str]]:
        """The fields each rule file reads (`ruleops.query_fields`), as `identities` does; a
        file whose fields are not recorded yet is parsed once. Files that are not rules
        are left out."""
        entries = self._current(config, ignore, with_fields=True)
        return {path: entry[9] for path, entry in entries.items() if entry[8]}

    def _current(
        self, config: Config, ignore: frozenset[str], with_fields: bool
    ) -> dict[str, list]:
        """The entry of every rule file but those in `ignore`, refreshed where its file may
        have changed (and, `with_fields`, where its fields are not known)."""
        roots = [(config.root / p).resolve() for p in config.rule_paths]
        skip = [(config.root / p).resolve() for p in config.fixture_paths]
        skip += [path.resolve() for path in config.not_rule_paths]
        now = time.time_ns()
        found: dict[str, list] = {}
        for path, stat in rule_files(roots, skip, config):
            if path in ignore:
                continue
            signature = _signature(stat)
            entry = self._entries.get(path)
            if (
                _well_formed(entry)
                and entry[:4] == signature
                and entry[4] - max(stat.st_mtime_ns, stat.st_ctime_ns) >= _RACY_NS
                and (entry[9] is not None or not with_fields)
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

    def record(self, rules: Iterable[Rule], config: Config) -> None:
        """Keep the fields of `rules`, which a run has loaded anyway, for the configuration's
        rule files whose entry lacks them: after one whole `ruleops check`, a commit hook
        parses no other rule. A file is recorded only if it still holds what the run read,
        with the metadata taken before it was read again."""
        roots = [(config.root / p).resolve() for p in config.rule_paths]
        skipped = [str((config.root / p).resolve()) + os.sep for p in config.fixture_paths]
        for rule in rules:
            path = os.path.abspath(rule.path)  # getcwd() is already a real path
            if not _under(path, roots) or any(path.startswith(s) for s in skipped):
                continue
            now = time.time_ns()
            try:
                stat = os.stat(path)
                entry = self._entries.get(path)
                signature = _signature(stat)
                if _well_formed(entry) and entry[:4] == signature and entry[9] is not None:
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


def _well_formed(entry: object) -> TypeGuard[list]:
    """An entry as `_current` writes it (see `_LENGTH`). Anything else (an index edited by
    hand) is read again."""
    return (
        isinstance(entry, list)
        and len(entry) == _LENGTH
        and all(type(value) is int for value in entry[:5])
        and all(value is None or isinstance(value, str) for value in entry[5:7])
        and all(isinstance(value, bool) for value in entry[7:9])
        and (
            entry[9] is None
            or (isinstance(entry[9], list) and all(isinstance(f, str) for f in entry[9]))
        )
    )


def _values(identity: Identity) -> list:
    return [identity.rule_id, identity.name, identity.deprecated, identity.is_rule]


def _fields_of(text: str, path: str) -> list[str]:
    loaded = rule_from_text(text, path)
    return sorted(loaded.rule.fields) if loaded.rule is not None else []


def _under(key: str, roots: list[Path]) -> bool:
    return any(key.startswith(str(root) + os.sep) for root in roots)


def identities(config: Config, ignore: frozenset[str] = frozenset()) -> dict[str, Identity]:
    """The identities of the configuration's rule files but those in `ignore`, through the
    project's index."""
    index = RuleIndex(config.root)
    found = index.identities(config, ignore)
    index.save()
    return found


def fields(config: Config, ignore: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """The fields each of the configuration's rule files but those in `ignore` reads,
    through the project's index."""
    index = RuleIndex(config.root)
    found = index.fields(config, ignore)
    index.save()
    return found


def record(rules: Iterable[Rule], config: Config) -> None:
    """Keep the fields of rules a run loaded in the project's index (`RuleIndex.record`)."""
    index = RuleIndex(config.root)
    index.record(rules, config)
    index.save()
