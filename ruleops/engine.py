"""The pipeline: paths → rule files → checks → diagnostics, in one direction."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ruleops.config import Config
from ruleops.diagnostics import INTERNAL_ERROR, Diagnostic, Severity, load_all_checks
from ruleops.loading import Rule, load_rule

# Files that live among rules but are not rules.
_NOT_RULES = {"pyproject.toml", ".pre-commit-config.yaml"}


@dataclass
class RunResult:
    files: int = 0
    rules: list[Rule] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


def discover(paths: Iterable[Path], config: Config) -> Iterator[Path]:
    """Rule files under `paths`: files as given, folders searched recursively for *.toml.

    Fixture files (under the configured fixture paths) are not rules and are skipped.
    """
    fixture_roots = [(config.root / p).resolve() for p in config.fixture_paths]
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*.toml") if p.is_file())
            candidates = [p for p in candidates if not _under_any(p.resolve(), fixture_roots)]
        else:
            candidates = [path]
        for candidate in candidates:
            if candidate.name in _NOT_RULES:
                continue
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                yield candidate


def _under_any(path: Path, roots: list[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_rule(rule: Rule, config: Config) -> list[Diagnostic]:
    """Every single-rule check on one loaded rule. A crashing check becomes RO003."""
    from ruleops.checks import RULE_CHECKS

    found: list[Diagnostic] = []
    for check in RULE_CHECKS:
        try:
            found.extend(check(rule, config))
        except Exception as error:  # a bug in a check must not hide the other findings
            found.append(_crash(rule.path, check.__name__, error))
    return found


def _crash(path: str, check: str, error: Exception) -> Diagnostic:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return Diagnostic(
        INTERNAL_ERROR.code,
        Severity.ERROR,
        f"check {check} crashed: {type(error).__name__}: {error} "
        f"({Path(frame.filename).name}:{frame.lineno})",
        path,
        1,
        1,
        "this is a bug in ruleops; please report it together with this file",
    )


def run_check(paths: Iterable[Path], config: Config) -> RunResult:
    from ruleops.checks import CORPUS_CHECKS

    load_all_checks()
    result = RunResult()
    raw: list[Diagnostic] = []
    for path in discover(paths, config):
        result.files += 1
        loaded = load_rule(path, display_path(path))
        raw.extend(loaded.diagnostics)
        if loaded.rule is not None:
            result.rules.append(loaded.rule)
            raw.extend(check_rule(loaded.rule, config))
    for check in CORPUS_CHECKS:
        try:
            raw.extend(check(result.rules, config))
        except Exception as error:
            raw.append(_crash("<run>", check.__name__, error))
    result.diagnostics = finalize(raw, config, result.rules)
    return result


def finalize(
    diagnostics: Iterable[Diagnostic], config: Config, rules: Iterable[Rule] = ()
) -> list[Diagnostic]:
    """Apply inline suppressions and the configuration (ignored codes, severities); sort."""
    from ruleops.suppressions import apply as apply_suppressions

    texts = {rule.path: rule.text for rule in rules}
    unsuppressed = apply_suppressions(diagnostics, texts, switched_off=config.ignore)
    kept = (config.apply(d) for d in unsuppressed)
    return sorted((d for d in kept if d is not None), key=Diagnostic.sort_key)
