"""What changed since a git ref: the rule files a pull request touches, for `--changed-since`.

The comparison is against the merge base of REF and HEAD (what a pull request shows), and
includes staged, unstaged and untracked files, so the same command works before a commit,
in a commit hook and in CI. A changed fixture selects the rule it tests.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ruleops.config import Config
from ruleops.files import real_path, toml_files
from ruleops.loading import parse_toml, read_bytes, read_text

# A `rule_id = "..."` line: enough to pair files without parsing them.
RULE_ID_LINE = re.compile(r'^\s*rule_id\s*=\s*["\'](?P<id>[^"\']+)["\']', re.MULTILINE)


class GitError(Exception):
    """git failed or the ref is unknown; the CLI exits with status 2."""


@dataclass(frozen=True)
class Change:
    status: str  # A added, M modified, D deleted, R renamed (also C copied, T type)
    path: Path  # absolute; for a deletion, where the file was
    old_path: Path | None = None  # absolute; where a renamed or copied file came from


@dataclass(frozen=True)
class Selection:
    """The rule files to check, and what the change did to them."""

    base: str  # the merge-base commit
    root: Path  # the repository's top folder
    rules: tuple[Path, ...] = ()
    # For a renamed rule: its path at `base`, for comparing with the earlier content.
    previous: dict[Path, Path] = field(default_factory=dict)
    deleted: tuple[Path, ...] = ()
    added: frozenset[Path] = frozenset()


def git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def repository_root(start: Path) -> Path:
    try:
        return Path(git(["rev-parse", "--show-toplevel"], start).strip()).resolve()
    except GitError:
        raise GitError(f"{start} is not inside a git repository") from None


def merge_base(ref: str, root: Path) -> str:
    try:
        git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    except GitError:
        raise GitError(
            f"unknown git ref {ref!r}; in CI, fetch it first (actions/checkout with "
            "fetch-depth: 0, or `git fetch origin main`)"
        ) from None
    try:
        return git(["merge-base", ref, "HEAD"], root).strip()
    except GitError as error:
        raise GitError(f"{ref!r} and HEAD have no common ancestor: {error}") from None


def changes_since(ref: str, root: Path) -> tuple[str, list[Change]]:
    """The merge base of REF and HEAD, and every file changed since it (committed or not)."""
    base = merge_base(ref, root)
    fields = git(["diff", "--name-status", "-M", "-z", base, "--"], root).split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            changes.append(Change(status, root / fields[i + 2], root / fields[i + 1]))
            i += 3
        else:
            changes.append(Change(status, root / fields[i + 1]))
            i += 2
    untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], root).split("\0")
    changes += [Change("A", root / name) for name in untracked if name]
    return base, changes


def select(ref: str, config: Config, start: Path | None = None) -> Selection:
    """The rules changed since REF, plus the rules whose fixtures changed."""
    root = repository_root(start or config.root)
    base, changes = changes_since(ref, root)
    rule_roots = [(config.root / p).resolve() for p in config.rule_paths]
    fixture_roots = [(config.root / p).resolve() for p in config.fixture_paths]
    rules: dict[Path, None] = {}
    previous: dict[Path, Path] = {}
    deleted: list[Path] = []
    added: set[Path] = set()
    fixtures: list[Change] = []
    for change in changes:
        if change.path.suffix != ".toml":
            continue
        if under(change.path, fixture_roots):
            fixtures.append(change)
        elif under(change.path, rule_roots) or not rule_roots:
            if change.status == "D":
                deleted.append(change.path)
                continue
            rules[change.path] = None
            if change.status == "A":
                added.add(change.path)
            if change.old_path is not None and change.status == "R":
                previous[change.path] = change.old_path
    for change in fixtures:
        for rule in _rules_of_fixture(change, base, root, rule_roots, fixture_roots):
            rules.setdefault(rule, None)
    existing = tuple(p for p in rules if p.is_file())
    return Selection(base, root, existing, previous, tuple(deleted), frozenset(added))


def under(path: Path, roots: list[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def _rules_of_fixture(
    change: Change, base: str, root: Path, rule_roots: list[Path], fixture_roots: list[Path]
) -> list[Path]:
    """The rule a fixture tests: the file at the mirrored path, else the one with its rule_id."""
    found: list[Path] = []
    paths = [change.path] + ([change.old_path] if change.old_path else [])
    for path in paths:
        for fixture_root in fixture_roots:
            if not path.is_relative_to(fixture_root):
                continue
            relative = path.relative_to(fixture_root)
            found += [r / relative for r in rule_roots if (r / relative).is_file()]
    if found:
        return found
    rule_id = _fixture_rule_id(change, base, root)
    if rule_id is None:
        return []
    for rule_root in rule_roots:
        for candidate in toml_files(rule_root) if rule_root.is_dir() else ():
            if under(candidate, fixture_roots):
                continue
            raw, _ = read_bytes(candidate, str(candidate))
            match = RULE_ID_LINE.search(raw.decode("utf-8", errors="replace")) if raw else None
            if match and match["id"] == rule_id:
                return [candidate]
    return []


def _fixture_rule_id(change: Change, base: str, root: Path) -> str | None:
    if change.status == "D":
        try:
            text: str | None = git(
                ["show", f"{base}:{change.path.relative_to(root).as_posix()}"], root
            )
        except GitError:
            return None
    else:
        text, _ = read_text(change.path, str(change.path))
    data, _ = parse_toml(text, str(change.path)) if text is not None else (None, None)
    value = data.get("rule_id") if data is not None else None
    return value if isinstance(value, str) else None


def text_at(base: str, path: Path, root: Path) -> str | None:
    """The content of `path` at commit `base`, or None when it did not exist there."""
    try:
        return git(["show", f"{base}:{path.relative_to(root).as_posix()}"], root)
    except (GitError, ValueError):
        return None


def rules_of_fixture_files(paths: list[Path], config: Config) -> list[Path]:
    """`paths` with fixture files replaced by the rules they test (a commit hook passes both)."""
    fixture_roots = [(config.root / p).resolve() for p in config.fixture_paths]
    rule_roots = [(config.root / p).resolve() for p in config.rule_paths]
    result: dict[Path, None] = {}
    for path in paths:
        resolved = real_path(path)
        if path.is_file() and under(resolved, fixture_roots):
            change = Change("M", resolved)
            for rule in _rules_of_fixture(change, "", config.root, rule_roots, fixture_roots):
                result.setdefault(rule, None)
        else:
            result.setdefault(path, None)
    return list(result)


def targets(
    paths: list[Path], config: Config, changed_since: str | None
) -> tuple[list[Path], Selection | None]:
    """The rule files a `check` run covers: PATHs, narrowed to what changed since a ref."""
    paths = rules_of_fixture_files(paths, config)
    if changed_since is None:
        return paths, None
    selection = select(changed_since, config)
    wanted = [real_path(p) for p in paths]
    narrowed = [
        rule
        for rule in selection.rules
        if any(rule == w or (w.is_dir() and rule.is_relative_to(w)) for w in wanted)
    ]
    return narrowed, selection
