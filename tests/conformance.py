"""Elasticsearch's EQL spec tests run through ruleops' parser and executor.

`python tests/conformance.py [--verbose]` prints the pass count per suite and every failing
query with the reason. The data are loaded the way ES's test harness loads them (see the
corpus README): `//` comment lines dropped, mappings read for field types, `null_value`
and aliases, FILETIME timestamps of the Endgame set converted to epoch milliseconds, the
request sent with `size` 50 unless the entry says otherwise.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruleops.eql.ast import Sample
from ruleops.eql.execute import Result, compile_query
from ruleops.eql.parser import parse_eql
from ruleops.es_types import coerce_to_type, format_date_millis
from ruleops.query.values import make_getter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "conformance" / "elasticsearch-eql"

# Queries that still fail, with the reason. Every failing query must be listed here.
KNOWN_FAILURES: dict[str, str] = {}


@dataclass(frozen=True)
class Suite:
    name: str
    tomls: tuple[str, ...]
    indices: tuple[tuple[str, str], ...]  # (data file, mapping file) per index
    tiebreaker: str | None
    id_field: str
    endgame: bool = False


SUITES = (
    Suite(
        "queries",
        ("test_queries.toml", "additional_test_queries.toml", "test_queries_date.toml"),
        (("test_data.json", "data/endgame-140.mapping"),),
        "serial_event_id",
        "serial_event_id",
        endgame=True,
    ),
    Suite(
        "extra",
        ("test_extra.toml",),
        (("data/extra.data", "data/extra.mapping"),),
        "sequence",
        "sequence",
    ),
    Suite(
        "missing_events",
        ("test_missing_events.toml",),
        (("data/missing-events.data", "data/missing-events.mapping"),),
        "sequence",
        "sequence",
    ),
    Suite(
        "sample",
        ("test_sample.toml",),
        tuple((f"data/sample{i}.data", f"data/sample{i}.mapping") for i in (1, 2, 3)),
        None,
        "id",
    ),
    Suite(
        "sample_multi",
        ("test_sample_multi.toml",),
        (("data/sample-multi.data", "data/sample-multi.mapping"),),
        None,
        "id",
    ),
)


@dataclass
class Mapping_:
    types: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    null_values: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    query: str
    expected: list  # flat list of ids, or list of alternative lists
    join_keys: list | None
    size: int
    max_samples_per_key: int


@dataclass(frozen=True)
class Outcome:
    case: Case
    passed: bool
    reason: str = ""
    got: list | None = None
    got_keys: list | None = None


def read_json_with_comments(path: Path) -> Any:
    lines = [ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


def read_mapping(path: Path) -> Mapping_:
    text = "\n".join(ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#"))
    text = text.replace("[runtime_random_keyword_type]", "keyword")
    data = json.loads(text)
    result = Mapping_()

    def walk(properties: Mapping, prefix: str) -> None:
        for name, spec in properties.items():
            dotted = f"{prefix}{name}"
            if "properties" in spec:
                walk(spec["properties"], dotted + ".")
                continue
            es_type = spec.get("type", "object")
            if es_type == "alias":
                result.aliases[dotted] = spec["path"]
                continue
            result.types[dotted] = es_type
            if "format" in spec:
                result.formats[dotted] = spec["format"]
            if "null_value" in spec:
                result.null_values[dotted] = spec["null_value"]
            for sub, sub_spec in spec.get("fields", {}).items():
                result.types[f"{dotted}.{sub}"] = sub_spec.get("type", "keyword")

    walk(data.get("properties", data.get("mappings", {}).get("properties", {})), "")
    return result


def _get_path(event: Mapping, dotted: str) -> tuple[bool, Any]:
    if dotted in event:
        return True, event[dotted]
    node: Any = event
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def prepare_events(raw_events: list[dict], mapping: Mapping_, endgame: bool) -> list[dict]:
    events = []
    for raw in raw_events:
        event = dict(raw)
        if endgame and "timestamp" in event:
            # Windows FILETIME (100 ns since 1601) to epoch milliseconds, as ES's loader does.
            event["@timestamp"] = event["timestamp"] // 10_000 - 11_644_473_600_000
        for name, value in mapping.null_values.items():
            present, current = _get_path(event, name)
            if present and current is None:
                event[name] = value
        for name, es_type in mapping.types.items():
            # dates become epoch millis (the Endgame @timestamp already is)
            if es_type in ("date", "date_nanos") and not (endgame and name == "@timestamp"):
                present, current = _get_path(event, name)
                if present and current is not None:
                    event[name] = coerce_to_type(current, es_type, mapping.formats.get(name))
        for alias, target in mapping.aliases.items():
            present, current = _get_path(event, target)
            if present:
                event[alias] = current
        events.append(event)
    return events


def _fix_null_join_keys(text: str) -> str:
    def fix(match: re.Match) -> str:
        return re.sub(r'(?<!")\bnull\b(?!")', '"null"', match.group(0))

    return re.sub(r"join_keys\s*=\s*\[[^\]]*\]", fix, text)


def load_cases(suite: Suite) -> list[Case]:
    cases = []
    for toml_name in suite.tomls:
        data = tomllib.loads(_fix_null_join_keys((CORPUS / toml_name).read_text()))
        for entry in data.get("queries", []):
            cases.append(
                Case(
                    suite=suite.name,
                    name=entry.get("name", entry.get("note", "?")),
                    query=entry["query"].strip(),
                    expected=entry["expected_event_ids"],
                    join_keys=entry.get("join_keys"),
                    size=entry.get("size", 50),
                    max_samples_per_key=entry.get("max_samples_per_key", 1),
                )
            )
    return cases


def load_suite_data(suite: Suite) -> tuple[list[dict], dict[str, str], Mapping_]:
    events: list[dict] = []
    merged = Mapping_()
    for data_name, mapping_name in suite.indices:
        mapping = read_mapping(CORPUS / mapping_name)
        raw = read_json_with_comments(CORPUS / data_name)
        events.extend(prepare_events(raw, mapping, suite.endgame))
        merged.types.update(mapping.types)
        merged.formats.update(mapping.formats)
        merged.aliases.update(mapping.aliases)
    types = dict(merged.types)
    for alias, target in merged.aliases.items():
        if target in types:
            types[alias] = types[target]
    return events, types, merged


def render_key(value: Any, es_type: str | None, sample: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if es_type in ("date", "date_nanos") and isinstance(value, int) and not sample:
        return format_date_millis(value)
    return str(value)


def key_types(query: Any, types: Mapping[str, str]) -> list[str | None]:
    body = query.body
    clause = body.clauses[0]
    return [types.get(f.name) for f in (*body.keys, *clause.keys)]


def run_case(case: Case, suite: Suite, events: list[dict], types: dict[str, str]) -> Outcome:
    try:
        query = parse_eql(case.query)
        executor = compile_query(query, field_types=types)
        results = executor.run(
            events,
            timestamp_field="@timestamp",
            tiebreaker_field=suite.tiebreaker,
            size=case.size,
            max_samples_per_key=case.max_samples_per_key,
        )
    except Exception as error:  # a conformance runner reports, it does not stop
        message = getattr(error, "message", None) or str(error)
        return Outcome(case, False, f"{type(error).__name__}: {message}")
    ids = event_ids(results, suite.id_field)
    expected = case.expected
    alternatives = expected if expected and isinstance(expected[0], list) else [expected]
    if ids not in alternatives:
        shown = alternatives[0] if len(alternatives) == 1 else f"one of {alternatives}"
        return Outcome(case, False, f"ids {ids} != expected {shown}", ids)
    if case.join_keys:
        sample = isinstance(query.body, Sample)
        ktypes = key_types(query, types) if not isinstance(query.body, type(None)) else []
        got_keys = [
            render_key(v, ktypes[i] if i < len(ktypes) else None, sample)
            for r in results
            for i, v in enumerate(r.join_keys)
        ]
        wanted = [str(k).lower() if isinstance(k, bool) else str(k) for k in case.join_keys]
        if got_keys != wanted:
            return Outcome(case, False, f"join keys {got_keys} != expected {wanted}", ids, got_keys)
    return Outcome(case, True, got=ids)


def run_all(selected: tuple[Suite, ...] = SUITES) -> dict[str, list[Outcome]]:
    outcomes: dict[str, list[Outcome]] = {}
    for suite in selected:
        events, types, _ = load_suite_data(suite)
        outcomes[suite.name] = [run_case(c, suite, events, types) for c in load_cases(suite)]
    return outcomes


def main(argv: list[str]) -> int:
    if not CORPUS.is_dir():
        print(f"conformance corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    outcomes = run_all()
    total = passed = 0
    unexpected = 0
    for suite_name, results in outcomes.items():
        ok = sum(o.passed for o in results)
        total += len(results)
        passed += ok
        print(f"{suite_name:<16} {ok:>4}/{len(results):<4}")
        for o in results:
            if not o.passed:
                known = KNOWN_FAILURES.get(f"{suite_name}:{o.case.name}")
                tag = "known" if known else "FAIL "
                unexpected += known is None
                print(f"    {tag} {o.case.name}: {known or o.reason}")
                if "--verbose" in argv:
                    print(f"          query: {o.case.query}")
                    if known:
                        print(f"          observed: {o.reason}")
    print(f"{'total':<16} {passed:>4}/{total:<4} ({100 * passed / max(total, 1):.1f}%)")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))


def event_ids(results: Sequence[Result], id_field: str) -> list[Any]:
    """The id-field values of every event of every result, flattened; -1 for a missing event."""
    get = make_getter(tuple(id_field.split(".")))
    return [(-1 if e is None else get(e)) for r in results for e in r.events]
