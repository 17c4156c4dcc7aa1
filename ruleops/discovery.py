"""Which files under a folder are rule files.

A folder is walked for `*.toml` files, leaving out:
- folders no rule lives in (version control, virtual environments, caches: `SKIPPED_DIRS`,
  and every folder whose name starts with a dot);
- what the repository's `.gitignore` files ignore (asked of git itself, in a git work tree);
- what the `exclude` setting names: glob patterns as ruff reads them, a pattern without `/`
  matching any file or folder of that name, one with `/` a path from the project root
  (`**` for any number of folders);
- fixture files (under `fixture_paths`) and the folders a detection-rules layout gives to
  exceptions, actions and action connectors (`ruleops.layout`);
- TOML files that are not rules: a rule file has a `[rule]` table, or a `[metadata]` table
  without the tables of detection-rules' exception and action files. Hunting queries
  (`[hunt]`), `.gitleaks.toml`, `pyproject.toml` and the like are not rules;
- in a detection-rules layout, what lies outside its rule folders (`rule_dirs` and
  `bbr_rules_dirs`, or `rule_paths` when set): detection-rules loads rules from those
  folders only, and a fork keeps rule-shaped test data of its own unit tests in
  `tests/data`. A walk that starts above the rule folders enters only them; a folder
  outside them is walked when named.

A file named on the command line is checked as given: its author meant it. With
`force_exclude` (`--force-exclude`, which the pre-commit hooks pass, as ruff's hook does),
named files go through the same tests as the files of a walk, since a commit hook names
every staged TOML file: hunting queries, exception lists and `.gitleaks.toml` included.
Only `.gitignore` is not asked about named files: git ignores untracked files only, and a
hook names staged ones.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ruleops.files import RealPaths, Unreadable, display_path, read_file, real_path, toml_files

if TYPE_CHECKING:
    from ruleops.config import Config

SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "env"})
# Files that live among rules but are not rules.
_NOT_RULES = {"pyproject.toml", ".pre-commit-config.yaml"}
# Top-level tables of detection-rules' files that carry [metadata] but are not rules
# (detection_rules/exception.py, action.py, action_connector.py).
NOT_RULE_TABLES = frozenset({"exceptions", "actions", "action_connectors"})
# Line starts are found as "\n" (the text is read with one prepended): a literal first
# character lets the regular expression engine skip to candidates, where `^` in MULTILINE
# mode is tried at every character (4x slower over the corpus: 0.11 s of a warm check).
_HEADER = re.compile(r"\n[ \t]*\[\[?[ \t]*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')")
_DOTTED_TOP = re.compile(r"\n[ \t]*(rule|metadata)[ \t]*\.")
# Bytes read to decide: the tables of a rule file come in its first lines; a long query
# cannot hide them, as TOML tables cannot start inside a string before their header.
_PEEK = 1 << 20


def is_rule_text(text: str) -> bool:
    """Whether a TOML document is meant to be a rule file (by its top-level tables)."""
    text = "\n" + text
    tables = {name.strip("\"'") for name in _HEADER.findall(text)}
    tables.update(_DOTTED_TOP.findall(text))
    if "rule" in tables:
        return True
    return "metadata" in tables and not tables & NOT_RULE_TABLES


def is_rule_file(path: Path) -> bool:
    """Whether the file at `path` is meant to be a rule; a file that cannot be read as text
    (or is no regular file at all) is let through, so that loading says why."""
    try:
        raw = read_file(path, _PEEK)
    except Unreadable:
        return True
    if b"\x00" in raw:
        return True
    return is_rule_text(raw.decode("utf-8", errors="replace"))


def rule_files(
    folder: Path,
    config: Config,
    skip: Iterable[Path] = (),
    real: Callable[[Path], Path] = real_path,
) -> Iterator[Path]:
    """The rule files under `folder`, sorted, walking only folders that may hold rules.
    What cannot be read (a folder that cannot be listed, a broken link named *.toml) is
    given too, so that loading it says why: nothing is skipped without a word. `real`
    resolves links (`ruleops.files.RealPaths` for a walk)."""
    skipped = [real_path(path) for path in skip]
    ignored = git_ignored(folder)
    top = real(folder)
    roots = [r for r in layout_rule_roots(config) if r.is_relative_to(top)]
    if any(top.is_relative_to(r) for r in roots):
        roots = []  # inside a rule folder: all of it is

    def among_rules(path: Path, folder: bool) -> bool:
        return not roots or any(
            path.is_relative_to(r) or (folder and r.is_relative_to(path)) for r in roots
        )

    def enter(path: Path) -> bool:
        return (
            not path.name.startswith(".")
            and path.name not in SKIPPED_DIRS
            and not excluded(path, config)
            and real(path) not in ignored
            and real(path) not in skipped
            and among_rules(real(path), folder=True)
        )

    for path in toml_files(folder, enter, real):
        real_file = real(path)
        if (
            real_file not in ignored
            and not excluded(path, config)
            and not any(real_file.is_relative_to(root) for root in skipped)
            and among_rules(real_file, folder=False)
            and is_rule_file(path)
        ):
            yield path


def layout_rule_roots(config: Config) -> list[Path]:
    """The folders a detection-rules layout keeps its rules in, resolved; none without one."""
    if config.layout is None:
        return []
    return [real_path(config.root / folder) for folder in config.rule_paths]


def why_not_a_rule(path: Path, config: Config, text: str | None = None) -> str | None:
    """Why a walk would leave the file at `path` out, or None when it is a rule file.
    `text` is its content when it is not read from `path` (an editor's buffer)."""
    real_file = real_path(path)
    layout = _shown(config.layout, config.root) if config.layout else "the layout"
    if any(real_file.is_relative_to(real_path(config.root / p)) for p in config.fixture_paths):
        return "a fixture file (under fixture_paths)"
    if any(real_file.is_relative_to(real_path(p)) for p in config.not_rule_paths):
        return f"in a folder of files that are not rules ({layout})"
    if excluded(path, config):
        return "excluded by the `exclude` setting"
    if path.name in _NOT_RULES or not (is_rule_file(path) if text is None else is_rule_text(text)):
        return "not a rule file (no [rule] or [metadata] table)"
    roots = layout_rule_roots(config)
    if roots and not any(real_file.is_relative_to(r) for r in roots):
        return f"outside the rule folders of {layout}"
    return None


def _shown(path: Path, root: Path) -> str:
    try:
        return real_path(path).relative_to(real_path(root)).as_posix()
    except ValueError:
        return display_path(path)


def excluded(path: Path, config: Config) -> bool:
    if not config.exclude:
        return False
    try:
        relative = real_path(path).relative_to(config.root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    for pattern in config.exclude:
        pattern = pattern.rstrip("/")
        if "/" not in pattern:
            if fnmatch.fnmatchcase(path.name, pattern):
                return True
        elif _glob_match(relative, pattern.lstrip("/")):
            return True
    return False


def _glob_match(path: str, pattern: str) -> bool:
    """`pattern` (`*` within a folder name, `**` across folders) matches `path` or one of
    its parent folders."""
    expression = ""
    for piece in re.split(r"(\*\*/?|\*|\?)", pattern):
        if piece.startswith("**"):
            expression += "(?:.*/)?" if piece.endswith("/") else ".*"
        elif piece == "*":
            expression += "[^/]*"
        elif piece == "?":
            expression += "[^/]"
        else:
            expression += re.escape(piece)
    return re.fullmatch(f"{expression}(?:/.*)?", path) is not None


def git_ignored(folder: Path) -> frozenset[Path]:
    """The files and folders under `folder` that git ignores (its .gitignore files, the
    repository's info/exclude and the user's excludes file), resolved; empty outside a git
    work tree or without git."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            cwd=folder,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if done.returncode != 0:
        return frozenset()
    names = done.stdout.decode("utf-8", errors="replace").split("\0")
    return frozenset(real_path(folder / name.rstrip("/")) for name in names if name)


def discover(
    paths: Iterable[Path],
    config: Config,
    *,
    force_exclude: bool = False,
    skipped: list[tuple[Path, str]] | None = None,
) -> Iterator[Path]:
    """Rule files under `paths`: folders searched for rule files as `rule_files` says
    (fixtures, excluded and ignored files and TOML files that are not rules are left out),
    files as given, or with `force_exclude` held to the same tests (module doc); each
    named file left out is added to `skipped` with the reason."""
    skip = [config.root / p for p in config.fixture_paths] + list(config.not_rule_paths)
    seen: set[Path] = set()
    real = RealPaths()
    for path in paths:
        if path.is_dir():
            candidates = list(rule_files(path, config, skip, real))
        elif force_exclude and (why := why_not_a_rule(path, config)) is not None:
            if skipped is not None:
                skipped.append((path, why))
            continue
        else:
            candidates = [path]
        for candidate in candidates:
            if candidate.name in _NOT_RULES:
                continue
            key = real(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate
