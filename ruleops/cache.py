"""The check cache: unchanged rules are not checked again.

Two levels, both keyed on content:
- per file: the findings of the single-rule checks, keyed on the file's bytes and path;
- per run: the final report, keyed on every rule file and every fixture file of the run.
Both keys start with a fingerprint of everything else a finding depends on: the ruleops
version and code, its packaged data, the configuration and the data files it names. File
entries outlive the run that stored them (bounded, least recently used dropped first), so
a run over one file does not cost the next whole run its answers.

The cache is one JSON file per project in the user's cache folder (never in the project:
`check` writes nothing there), replaced atomically. Its first line holds a digest of the
rest (`store_json`): a file this code did not write exactly so (cut short, edited, corrupt)
is ignored before it is parsed, and rebuilt; a missing or stale cache is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

from ruleops import __version__
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.files import Unreadable, read_file, toml_files
from ruleops.loading import Checked, Rule, Source, decode_text, read_bytes
from ruleops.report import Report

# 3: a file's summary holds the fields its query reads (`Rule.fields`).
# 4: file entries kept across runs as JSON text with the run that last used them.
FORMAT = 4
# The first line of every cache file: this marker and the SHA-256 of the rest.
_SIGNED = b"ruleops-cache "
# A cache file beyond this is not ours to read (a whole corpus' findings are a few MB).
_MAX_CACHE_BYTES = 512 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent


def user_cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/ruleops` (default ~/.cache/ruleops), created; None if impossible.

    The user's own folder, not the shared temporary one: caches are read back as trusted.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        # The XDG specification: a relative path is invalid and ignored (it would put a
        # cache folder into whatever folder ruleops runs in, a project among others).
        folder = Path(base if os.path.isabs(base) else Path.home() / ".cache") / "ruleops"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return folder


def load_json(path: Path) -> Any | None:
    """The document `store_json` wrote at `path`; None when there is none, or when the file
    is not exactly what it wrote (its digest is checked before anything is parsed)."""
    try:
        raw = read_file(path, _MAX_CACHE_BYTES)
    except Unreadable:
        return None
    head, _, body = raw.partition(b"\n")
    if head != _SIGNED + hashlib.sha256(body).hexdigest().encode():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def store_json(path: Path, document: Any) -> None:
    """Write `document` to `path` atomically, signed for `load_json`. A folder that cannot
    be written leaves the cache as it was; nothing half-written stays behind."""
    body = json.dumps(document, separators=(",", ":")).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return  # a read-only cache folder: the next run does the work again
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_SIGNED + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(temporary, path)
    except OSError:
        # A full disk: no half-written file may stay behind in the user's cache folder.
        Path(temporary).unlink(missing_ok=True)


def _stat_signature(paths: list[Path]) -> list[tuple[str, int, int]]:
    out = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            out.append((str(path), -1, -1))
        else:
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return out


def fingerprint(config: Config) -> str:
    """A digest of everything besides the rule file that a finding depends on."""
    code = sorted(p for p in _PACKAGE.rglob("*") if p.suffix in (".py", ".json", ".lark"))
    external = [
        *config.field_definitions,
        *config.mapping,
        *([config.attack_data] if config.attack_data else []),
    ]
    material = {
        "format": FORMAT,
        "version": __version__,
        "python": sys.version,
        "code": _stat_signature(code),
        "data": _stat_signature(list(external)),
        "config": _stable(config),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _stable(value: Any) -> Any:
    """`value` (the configuration) as JSON-able data that is the same in every process: a
    set's repr follows string hashing, which Python randomises per process, so two runs
    with the same `ignore` codes would not share a cache."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _stable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(repr(_stable(v)) for v in value)
    if isinstance(value, dict):
        return sorted((repr(k), _stable(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return [_stable(v) for v in value]
    return repr(value)


def file_key(run_fingerprint: str, display: str, raw: bytes) -> str:
    digest = hashlib.sha256(run_fingerprint.encode())
    digest.update(display.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


def run_key(run_fingerprint: str, parts: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(run_fingerprint.encode())
    for name, value in parts:
        digest.update(f"{name}\0{value}\n".encode())
    return digest.hexdigest()


def encode(diagnostic: Diagnostic) -> dict[str, Any]:
    item = asdict(diagnostic)
    item["severity"] = int(diagnostic.severity)
    return item


def decode(item: dict[str, Any]) -> Diagnostic:
    fix = tuple((key, value) for key, value in item.get("fix", ()))
    return Diagnostic(**{**item, "severity": Severity(item["severity"]), "fix": fix})


# File entries are kept across runs (a commit hook's run of one file must not throw away
# what a whole check stored), the least recently used dropped first beyond either bound:
# a few times a large repository's rules (the 2,064 corpus rules take 2,064 entries, 0.9 MB).
MAX_FILE_ENTRIES = 10_000
MAX_FILE_ENTRY_BYTES = 4 * 1024 * 1024


class CheckCache:
    """The cache file of one project. A file entry is kept as its JSON text, decoded only
    when a run asks for it, with the number of the last run that used it (the file's
    `clock` counts the runs that wrote it); keys are content hashes, so an entry is never
    stale, only unused."""

    def __init__(self, root: Path, run_fingerprint: str) -> None:
        folder = user_cache_dir()
        project = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
        self.path = folder / "check" / f"{project}.json" if folder else None
        self.fingerprint = run_fingerprint
        self._files: dict[str, list[Any]] = {}  # key -> [last run that used it, JSON text]
        self._runs: dict[str, Any] = {}
        self._clock = 0
        self._used: set[str] = set()
        self._dirty = False
        if self.path is None:
            return
        stored = load_json(self.path)
        if isinstance(stored, dict) and stored.get("fingerprint") == run_fingerprint:
            self._files = stored.get("files", {})
            self._runs = stored.get("runs", {})
            self._clock = stored.get("clock", 0)
        self._clock += 1

    def file(self, key: str) -> tuple[list[Diagnostic], dict[str, Any] | None] | None:
        stored = self._files.get(key)
        if stored is None:
            return None
        entry = json.loads(stored[1])
        self._used.add(key)
        return [decode(d) for d in entry["diagnostics"]], entry["summary"]

    def store_file(self, key: str, diagnostics: list[Diagnostic], summary: dict | None) -> None:
        entry = {"diagnostics": [encode(d) for d in diagnostics], "summary": summary}
        self._files[key] = [self._clock, json.dumps(entry, separators=(",", ":"))]
        self._used.add(key)
        self._dirty = True

    def run(self, key: str) -> tuple[list[Diagnostic], dict[str, Any]] | None:
        entry = self._runs.get(key)
        if entry is None:
            return None
        return [decode(d) for d in entry["diagnostics"]], entry["summary"]

    def store_run(self, key: str, diagnostics: list[Diagnostic], summary: dict[str, Any]) -> None:
        # One run entry is enough: the next run either repeats this one or differs.
        self._runs = {key: {"diagnostics": [encode(d) for d in diagnostics], "summary": summary}}
        self._dirty = True

    def save(self) -> None:
        """Write the cache: the entries this run used marked as used now, and the least
        recently used dropped beyond MAX_FILE_ENTRIES or MAX_FILE_ENTRY_BYTES. A run that
        stored nothing writes nothing (it found every file it checked already here)."""
        if not self._dirty or self.path is None:
            return
        for key in self._used:
            self._files[key][0] = self._clock
        kept = sorted(self._files.items(), key=lambda item: item[1][0], reverse=True)
        size = 0
        for count, (_, (_, text)) in enumerate(kept):
            size += len(text)
            if count >= MAX_FILE_ENTRIES or size > MAX_FILE_ENTRY_BYTES:
                kept = kept[:count]
                break
        document = {
            "fingerprint": self.fingerprint,
            "clock": self._clock,
            "files": dict(kept),
            "runs": self._runs,
        }
        store_json(self.path, document)


# The pipeline `cached_run` wraps: `ruleops.engine.check_files`.
Pipeline = Callable[..., tuple[Report, dict[Path, Checked]]]


def cached_run(
    pipeline: Pipeline,
    sources: Mapping[Path, Source],
    config: Config,
    *,
    extra_checks: tuple[Callable[..., Any], ...] = (),
    jobs: int | None = None,
) -> Report:
    """`pipeline` over `sources`, with every file whose findings are cached answered from
    the cache, and the whole report answered when nothing changed since a run like it."""
    files = list(sources)
    store = CheckCache(config.root, fingerprint(config))
    keys, known = _lookup(store, sources)
    # A whole run is answered from the cache only when nothing depends on the invocation.
    whole = _run_key(store, files, keys, config) if not extra_checks else None
    if whole is not None and len(known) == len(files) and (hit := store.run(whole)):
        rules = [rule for rule, _ in (known[path] for path in files) if rule is not None]
        store.save()
        return Report(files=len(files), rules=rules, diagnostics=hit[0], summary=hit[1])
    report, checked = pipeline(sources, config, extra_checks=extra_checks, jobs=jobs, known=known)
    for path, (rule, found) in checked.items():
        if path in keys:
            store.store_file(keys[path], found, rule.summary() if rule is not None else None)
    if whole is not None:
        store.store_run(whole, report.diagnostics, report.summary)
    store.save()
    return report


def _lookup(
    store: CheckCache, sources: Mapping[Path, Source]
) -> tuple[dict[Path, str], dict[Path, Checked]]:
    """Each readable file's cache key, and the cached findings of the files whose key is
    known."""
    keys: dict[Path, str] = {}
    cached: dict[Path, Checked] = {}
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


def _run_key(
    store: CheckCache, files: list[Path], keys: dict[Path, str], config: Config
) -> str | None:
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
