"""The EQL parser against real queries: every production rule and every current
Elasticsearch spec query parses; the queries Elasticsearch disabled or never supported are
rejected where they use syntax it rejects."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import pytest

from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.eql.verify import verify

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RULES = SHARED / "corpus" / "detection-rules" / "rules"
SPEC = SHARED / "conformance" / "elasticsearch-eql"

CURRENT_SPEC_FILES = (
    "test_queries.toml",
    "additional_test_queries.toml",
    "test_extra.toml",
    "test_missing_events.toml",
    "test_sample.toml",
    "test_sample_multi.toml",
    "test_queries_date.toml",
)
LEGACY_SPEC_FILES = (
    "test_queries_unsupported.toml",
    "test_queries_supported.toml",
    "test_between_queries.toml",
    "test_sampling.toml",
)


def require(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is not checked out)")


def corpus_queries() -> list[tuple[str, str]]:
    require(RULES)
    return _corpus_queries()


@functools.cache
def _corpus_queries() -> list[tuple[str, str]]:
    found = []
    for path in sorted(RULES.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if "eql" not in text:  # most rules are KQL, ES|QL or ML: skip the TOML parse
            continue
        rule = tomllib.loads(text).get("rule", {})
        if rule.get("language") == "eql":
            found.append((str(path.relative_to(RULES)), rule["query"]))
    return found


def load_spec(name: str) -> dict:
    """A spec file; bare `null` in `join_keys` (tolerated by ES's TOML reader) made a string."""
    text = (SPEC / name).read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^(join_keys[ \t]*=.*)$",
        lambda m: re.sub(r'(?<!["\w])null(?!["\w])', '"null"', m.group(1)),
        text,
    )
    return tomllib.loads(text)


def commented_out(name: str) -> list[str]:
    """Queries of the `#[[queries]]` entries: tests ES disabled because it does not support them."""
    queries, block = [], None
    blocks: list[list[str]] = []
    for line in (SPEC / name).read_text(encoding="utf-8").splitlines():
        if re.match(r"^#\s*\[\[queries\]\]", line):
            block = []
            blocks.append(block)
        elif block is not None and line.startswith("#"):
            block.append(line[1:])
        else:
            block = None
    for lines in blocks:
        entry = tomllib.loads("\n".join(lines))
        if "query" in entry:
            queries.append(entry["query"])
    return queries


def test_every_eql_rule_of_the_corpus_parses():
    queries = corpus_queries()
    failures = []
    for path, query in queries:
        try:
            parse_eql(query)
        except EqlSyntaxError as error:
            failures.append(f"{path}:{error.line}:{error.column}: {error.message}")
    assert len(queries) == 1011
    assert failures == []


def test_no_corpus_rule_has_a_structural_error():
    # RO304 (a wildcard compared with `==`) is a warning and does occur in production rules.
    errors = [
        (path, problem.code, problem.message)
        for path, query in corpus_queries()
        for problem in verify(parse_eql(query))
        if problem.code != "RO304"
    ]
    assert errors == []


def test_every_current_spec_query_parses():
    require(SPEC)
    failures, count = [], 0
    for name in CURRENT_SPEC_FILES:
        for entry in load_spec(name)["queries"]:
            count += 1
            try:
                parse_eql(entry["query"].strip())
            except EqlSyntaxError as error:
                failures.append(f"{name} {entry.get('name')}: {error}")
    assert count == 298
    assert failures == []


# Markers of syntax only Endgame EQL had, looked for outside double-quoted strings.
ENDGAME_MARKERS = {
    "single quotes": re.compile(r"'"),
    "`=`": re.compile(r"(?<![=!<>])=(?!=)"),
    "Endgame pipe": re.compile(r"\|\s*(?:unique|unique_count|count|filter|sort)\b"),
    "join": re.compile(r"^\s*join\b"),
    "lineage": re.compile(r"\b(?:descendant|child|event)\s+of\b"),
    "fork": re.compile(r"\bfork\b"),
    "array index": re.compile(r"\w\[\d+\]"),
    "expression join key": re.compile(r"\bby\s+[\w.]+\s*\*"),
}
ENDGAME_FUNCTION = re.compile(
    r"\b(?:arrayContains|arraySearch|arrayCount|match|matchLite|safe|wildcard)\s*\("
)
_STRINGS = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"')
_OPTIONS = re.compile(r"\b(?:maxspan|runs)\s*=")


def endgame_markers(query: str) -> list[str]:
    bare = _OPTIONS.sub(" ", _STRINGS.sub('""', query))
    return [name for name, marker in ENDGAME_MARKERS.items() if marker.search(bare)]


def unsupported_queries() -> list[str]:
    require(SPEC)
    queries = [q for name in CURRENT_SPEC_FILES for q in commented_out(name)]
    for name in LEGACY_SPEC_FILES:
        queries.extend(entry["query"] for entry in load_spec(name)["queries"])
    return [q.strip() for q in queries]


def test_disabled_and_legacy_queries_with_endgame_syntax_are_rejected_as_endgame():
    checked, wrong = 0, []
    for query in unsupported_queries():
        markers = endgame_markers(query)
        if not markers:
            continue
        checked += 1
        try:
            parse_eql(query)
            wrong.append(f"accepted ({', '.join(markers)}): {query}")
        except EqlSyntaxError as error:
            if error.code != "RO301":
                wrong.append(f"{error.code} instead of RO301 ({', '.join(markers)}): {query}")
    assert checked > 100
    assert wrong == []


def test_disabled_queries_with_endgame_functions_are_reported_as_unknown_functions():
    checked, wrong = 0, []
    for query in unsupported_queries():
        if endgame_markers(query) or not ENDGAME_FUNCTION.search(query):
            continue
        checked += 1
        codes = {problem.code for problem in verify(parse_eql(query))}
        if "RO302" not in codes:
            wrong.append(query)
    assert checked > 20
    assert wrong == []


def test_legacy_fractional_maxspan_is_rejected():
    require(SPEC)
    query = next(
        entry["query"]
        for entry in load_spec("test_queries_unsupported.toml")["queries"]
        if "maxspan=0.5s" in entry["query"]
    )
    assert [p.code for p in verify(parse_eql(query))] == ["RO306"]


def test_no_current_spec_query_has_a_structural_error():
    require(SPEC)
    found = {
        (entry["name"], problem.code)
        for name in CURRENT_SPEC_FILES
        for entry in load_spec(name)["queries"]
        for problem in verify(parse_eql(entry["query"].strip()))
    }
    # Only the wildcard warning, on the tests written to show that `in~` and `!=` match
    # `*` and `?` literally.
    assert {code for _, code in found} == {"RO304"}
    assert {name for name, _ in found} == {
        "multipleConditions2",
        "insensitiveInSingleArgPatternVerbatimMatch",
        "insensitiveInSingleArgPatternQuestionMarkVerbatimMatch",
        "insensitiveMultipleArgsWildcardPatternVerbatimMatch",
    }
