"""The pipeline: paths → rule files → checks → diagnostics, in one direction."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ruleops import checks
from ruleops.cache import CheckCache, file_key, fingerprint, run_key
from ruleops.checks import load_all_checks
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic, Severity, crashed
from ruleops.discovery import rule_files
from ruleops.files import real_path, toml_files
from ruleops.layout import without_skipped_validation
from ruleops.loading import Rule, decode_text, read_bytes, rule_from_bytes
from ruleops.styles import first_run_note, for_rule
from ruleops.suppressions import apply as apply_suppressions

# Files that live among rules but are not rules.
_NOT_RULES = {"pyproject.toml", ".pre-commit-config.yaml"}


@dataclass
class RunResult:
    files: int = 0
    rules: list[Rule] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary: dict = field(default_factory=dict)  # extra summary figures (fixture coverage)
    notes: list[str] = field(default_factory=list)  # said once, on stderr (ruleops.styles)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


def discover(paths: Iterable[Path], config: Config) -> Iterator[Path]:
    """Rule files under `paths`: files as given, folders searched for rule files as
    `ruleops.discovery` says (fixtures, excluded and ignored files and TOML files that are
    not rules are left out)."""
    skip = [config.root / p for p in config.fixture_paths] + list(config.not_rule_paths)
    seen: set[Path] = set()
    for path in paths:
        candidates = list(rule_files(path, config, skip)) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.name in _NOT_RULES:
                continue
            key = real_path(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate


def display_path(path: Path) -> str:
    """`path` relative to the current folder where it lies below it; links are not
    resolved, so a link is shown under its own name."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_rule(rule: Rule, config: Config) -> list[Diagnostic]:
    """Every single-rule check on one loaded rule. A crashing check becomes RO003."""
    found: list[Diagnostic] = []
    for check in checks.RULE_CHECKS:
        try:
            found.extend(check(rule, config))
        except Exception as error:  # a bug in a check must not hide the other findings
            found.append(crashed(rule.path, f"check {check.__name__}", error))

    return for_rule(found, rule, config)


# Forking a worker costs about as much as checking a few dozen rules; below this many files
# one process is faster.
_PARALLEL_THRESHOLD = 64


# A file to check: its displayed path, and its bytes or why they could not be read.
_Source = tuple[str, bytes | Diagnostic]


def _check_source(source: _Source, config: Config) -> tuple[Rule | None, list[Diagnostic]]:
    display, content = source
    if isinstance(content, Diagnostic):
        return None, [content]
    loaded = rule_from_bytes(content, display)
    found = list(loaded.diagnostics)
    if loaded.rule is not None:
        found.extend(check_rule(loaded.rule, config))
    return loaded.rule, found


def _check_sources(
    job: tuple[list[_Source], Config],
) -> list[tuple[Rule | None, list[Diagnostic]]]:
    sources, config = job
    return [_check_source(source, config) for source in sources]


def _read(path: Path) -> _Source:
    """Each file is read once: its cache key and its findings come from the same bytes, so
    a file saved during the run is never cached under content it did not have."""
    display = display_path(path)
    raw, problem = read_bytes(path, display)
    if raw is None:
        assert problem is not None
        return display, problem
    return display, raw


def default_jobs(files: int) -> int:
    if files < _PARALLEL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, files // (_PARALLEL_THRESHOLD // 2)))


def _check_all(files: list[_Source], config: Config, jobs: int):
    """Per-file checks over all files, in `jobs` processes (where processes can fork),
    results in file order."""
    if jobs <= 1 or len(files) < 2:
        return _check_sources((files, config))
    # Imported here: the commit hook checks a file or two and never needs a process pool.
    import multiprocessing  # noqa: PLC0415 -- heavy: multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 -- heavy: multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return _check_sources((files, config))
    # The first file is checked here so that every lazily built structure (schema
    # validator, grammars, ATT&CK and ECS data) exists before the fork and is shared.
    first = _check_source(files[0], config)
    rest = files[1:]
    size = -(-len(rest) // (jobs * 4))  # a few chunks per worker evens out slow files
    chunks = [(rest[i : i + size], config) for i in range(0, len(rest), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        results = [first]
        for chunk in pool.map(_check_sources, chunks):
            results.extend(chunk)
    return results


def run_check(
    paths: Iterable[Path],
    config: Config,
    *,
    jobs: int | None = None,
    extra_checks: Iterable[Callable[[list[Rule], Config], Iterable[Diagnostic]]] = (),
    cache: bool = True,
) -> RunResult:
    """Check the rule files under `paths`. `extra_checks` run like corpus checks, for
    checks that depend on the invocation (version discipline needs `--changed-since`).

    With `cache`, files whose content, configuration and ruleops are unchanged since an
    earlier run are answered from the user cache folder (see `ruleops.cache`).
    """
    extra_checks = tuple(extra_checks)
    files = list(discover(paths, config))
    result = RunResult(files=len(files))
    sources = {path: _read(path) for path in files}
    store = _open_cache(config) if cache else None
    keys, cached = _cache_lookup(store, sources) if store else ({}, {})
    # A whole run is answered from the cache only when nothing depends on the invocation.
    whole = _run_key(store, files, keys, config) if store and not extra_checks else None
    if whole is not None and len(cached) == len(files) and (hit := store.run(whole)):
        result.rules = [cached[p][0] for p in files if cached[p][0] is not None]
        result.diagnostics, result.summary = hit
        store.save()
        return result
    load_all_checks()
    misses = [p for p in files if p not in cached]
    jobs = default_jobs(len(misses)) if jobs is None else jobs
    found_in = _check_all([sources[p] for p in misses], config, jobs)
    checked = dict(zip(misses, found_in, strict=True))
    if files and not cached:  # a first run: nothing was known of these files
        checked_rules = [rule for rule, _ in checked.values() if rule is not None]
        result.notes = [note] if (note := first_run_note(checked_rules, config)) else []
    raw: list[Diagnostic] = []
    for path in files:
        rule, found = cached.get(path) or checked[path]
        raw.extend(found)
        if rule is not None:
            result.rules.append(rule)
        if store is not None and path in checked and path in keys:
            store.store_file(keys[path], found, rule.summary() if rule is not None else None)
    for check in (*checks.CORPUS_CHECKS, *extra_checks):
        try:
            raw.extend(check(result.rules, config))
        except Exception as error:
            raw.append(crashed("<run>", f"check {check.__name__}", error))
    for summary in checks.SUMMARIES:
        try:
            result.summary.update(summary(result.rules, config))
        except Exception as error:
            raw.append(crashed("<run>", f"check {summary.__name__}", error))
    result.diagnostics = finalize(raw, config, result.rules)
    if store is not None:
        if whole is not None:
            store.store_run(whole, result.diagnostics, result.summary)
        store.save()
    return result


def _cache_lookup(store, sources: dict[Path, _Source]):
    """Each readable file's cache key, and the cached findings of the files whose key is
    known."""
    keys: dict[Path, str] = {}
    cached: dict[Path, tuple[Rule | None, list[Diagnostic]]] = {}
    for path, (display, raw) in sources.items():
        if isinstance(raw, Diagnostic):
            continue
        keys[path] = file_key(store.fingerprint, display, raw)
        hit = store.file(keys[path])
        if hit is not None:
            found, summary = hit
            # A file cached without a summary did not load: it has findings but no rule.
            rule = Rule(display, decode_text(raw), None, summary) if summary is not None else None
            cached[path] = (rule, found)
    return keys, cached


def _open_cache(config: Config):
    return CheckCache(config.root, fingerprint(config))


def _run_key(store, files: list[Path], keys: dict[Path, str], config: Config) -> str | None:
    """The key of a whole run: its rule files' keys and the content of every fixture file."""
    if len(keys) != len(files):
        return None
    parts = [("rule", keys[p]) for p in files]
    for root in (config.root / p for p in config.fixture_paths):
        for fixture in toml_files(root) if root.is_dir() else ():
            raw, _ = read_bytes(fixture, str(fixture))
            if raw is None:
                return None
            parts.append((str(fixture), hashlib.sha256(raw).hexdigest()))
    return run_key(store.fingerprint, parts)


def finalize(
    diagnostics: Iterable[Diagnostic], config: Config, rules: Iterable[Rule] = ()
) -> list[Diagnostic]:
    """Apply inline suppressions and the configuration (ignored codes, severities); sort."""
    rules = list(rules)
    texts = {rule.path: rule.text for rule in rules}
    if config.rule_validation is not None:
        rule_ids = {rule.path: rule.rule_id for rule in rules}
        diagnostics = without_skipped_validation(
            list(diagnostics), config.rule_validation, rule_ids
        )
    unsuppressed = apply_suppressions(diagnostics, texts, switched_off=config.ignore)
    kept = (config.apply(d) for d in unsuppressed)
    return sorted((d for d in kept if d is not None), key=Diagnostic.sort_key)
