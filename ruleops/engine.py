"""The pipeline: paths → rule files → checks → diagnostics, in one direction.

`check_files` is the pipeline itself; `run_check` finds the files and runs it, through the
content cache (`ruleops.cache.cached_run`) unless told not to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType

from ruleops import checks
from ruleops.cache import cached_run
from ruleops.checks import CorpusCheck, load_all_checks
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic, crashed
from ruleops.discovery import discover, why_not_a_rule
from ruleops.files import display_path
from ruleops.layout import without_schema_validation, without_skipped_validation
from ruleops.loading import Checked, Rule, Source, read_bytes, rule_from_bytes
from ruleops.report import Report
from ruleops.styles import first_run_note, for_rule
from ruleops.suppressions import apply as apply_suppressions


def check_rule(rule: Rule, config: Config) -> list[Diagnostic]:
    """Every single-rule check on one loaded rule. A crashing check becomes RO003."""
    found: list[Diagnostic] = []
    for check in checks.RULE_CHECKS:
        try:
            found.extend(check(rule, config))
        except Exception as error:  # a bug in a check must not hide the other findings
            found.append(crashed(rule.path, f"check {check.__name__}", error))

    return without_schema_validation(for_rule(found, rule, config), rule)


# Forking a worker costs about as much as checking a few dozen rules; below this many files
# one process is faster.
_PARALLEL_THRESHOLD = 64


def _check_source(source: Source, config: Config) -> Checked:
    display, content = source
    if isinstance(content, Diagnostic):
        return None, [content]
    loaded = rule_from_bytes(content, display)
    found = list(loaded.diagnostics)
    if loaded.rule is not None:
        found.extend(check_rule(loaded.rule, config))
        # Worked out here, in the worker that has the query parsed, for the cross-rule
        # checks and the cache summary.
        _ = loaded.rule.fields
    return loaded.rule, found


def _check_sources(
    job: tuple[list[Source], Config],
) -> list[Checked]:
    sources, config = job
    return [_check_source(source, config) for source in sources]


def _read(path: Path) -> Source:
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


Progress = Callable[[int, int], None]  # (files done, files in all)


def _check_all(
    files: list[Source], config: Config, jobs: int, progress: Progress | None = None
) -> list[Checked]:
    """Per-file checks over all files, in `jobs` processes (where processes can fork),
    results in file order; `progress` hears how far the run is."""
    if jobs <= 1 or len(files) < 2:
        if progress is None:
            return _check_sources((files, config))
        results = []
        for source in files:
            results.append(_check_source(source, config))
            progress(len(results), len(files))
        return results
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
            if progress is not None:
                progress(len(results), len(files))
    return results


def run_check(
    paths: Iterable[Path],
    config: Config,
    *,
    jobs: int | None = None,
    extra_checks: Iterable[CorpusCheck] = (),
    cache: bool = True,
    stdin: str | None = None,
    progress: Progress | None = None,
    force_exclude: bool = False,
) -> Report:
    """Check the rule files under `paths`. `extra_checks` run like corpus checks, for
    checks that depend on the invocation (version discipline needs `--changed-since`).

    With `cache`, files whose content, configuration and ruleops are unchanged since an
    earlier run are answered from the user cache folder (`ruleops.cache.cached_run` around
    `check_files`). `stdin` is the content of the one path given (an editor's buffer): it
    bypasses the cache and gets no first-run note. `progress` is called as files are checked.
    `force_exclude` holds the files named in `paths` to the tests of a folder walk
    (`ruleops.discovery`); the report's notes say which were left out.
    """
    pipeline = partial(check_files, progress=progress)
    if stdin is not None:
        given: dict[Path, Source] = {path: (display_path(path), stdin.encode()) for path in paths}
        left_out = [
            (p, w) for p in given if force_exclude and (w := why_not_a_rule(p, config, stdin))
        ]
        if left_out:
            return Report(notes=_not_checked(left_out))
        report = pipeline(given, config, extra_checks=tuple(extra_checks), jobs=1)[0]
        report.notes = []
        return report
    skipped: list[tuple[Path, str]] = []
    found = discover(paths, config, force_exclude=force_exclude, skipped=skipped)
    sources = {path: _read(path) for path in found}
    if cache:
        report = cached_run(pipeline, sources, config, extra_checks=tuple(extra_checks), jobs=jobs)
    else:
        report = pipeline(sources, config, extra_checks=tuple(extra_checks), jobs=jobs)[0]
    report.notes.extend(_not_checked(skipped))
    return report


def _not_checked(skipped: Iterable[tuple[Path, str]]) -> list[str]:
    return [f"not checked: {display_path(path)}: {why}" for path, why in skipped]


def check_files(
    sources: Mapping[Path, Source],
    config: Config,
    *,
    extra_checks: tuple[CorpusCheck, ...] = (),
    jobs: int | None = None,
    known: Mapping[Path, Checked] = MappingProxyType({}),
    progress: Progress | None = None,
) -> tuple[Report, dict[Path, Checked]]:
    """The pipeline: load and check each file (those in `known` are already answered), run
    the checks across files and the summaries, apply suppressions and configuration.
    Returns the report and what the files not `known` gave, for a cache to keep."""
    load_all_checks()
    files = list(sources)
    report = Report(files=len(files))
    misses = [path for path in files if path not in known]
    jobs = default_jobs(len(misses)) if jobs is None else jobs
    found_in = _check_all([sources[path] for path in misses], config, jobs, progress)
    checked = dict(zip(misses, found_in, strict=True))
    if files and not known:  # a first run: nothing was known of these files
        checked_rules = [rule for rule, _ in checked.values() if rule is not None]
        report.notes = [note] if (note := first_run_note(checked_rules, config)) else []
    raw: list[Diagnostic] = []
    for path in files:
        rule, found = known.get(path) or checked[path]
        raw.extend(found)
        if rule is not None:
            report.rules.append(rule)
    # An invocation's check may stand in for a corpus check (the same check over the whole
    # repository rather than the run's rules alone).
    superseded = {getattr(check, "supersedes", None) for check in extra_checks}
    corpus = [check for check in checks.CORPUS_CHECKS if check not in superseded]
    for check in (*corpus, *extra_checks):
        try:
            raw.extend(check(report.rules, config))
        except Exception as error:
            raw.append(
                crashed(_crash_site(error, config, report.rules), f"check {check.__name__}", error)
            )
    for summary in checks.SUMMARIES:
        try:
            report.summary.update(summary(report.rules, config))
        except Exception as error:
            raw.append(
                crashed(
                    _crash_site(error, config, report.rules), f"check {summary.__name__}", error
                )
            )
    report.diagnostics = finalize(raw, config, report.rules)
    return report, checked


def _crash_site(error: Exception, config: Config, rules: list[Rule]) -> str:
    """The file a whole-run check's crash is reported on, so that CI annotations and SARIF
    can place it: the rule the check was reading when it crashed (the innermost frame of the
    traceback that holds one), else the configuration file, else the first rule."""
    site = None
    traceback = error.__traceback__
    frame = traceback.tb_next if traceback else None  # past this module's own frame
    while frame is not None:
        held = [v for v in frame.tb_frame.f_locals.values() if isinstance(v, Rule)]
        site = held[-1].path if held else site
        frame = frame.tb_next
    if site is None and config.source is not None:
        site = display_path(config.source)
    return site or (rules[0].path if rules else "<run>")


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
