"""ruleops.schema_subset answers "valid?" exactly as jsonschema does, for the schemas shipped."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ruleops.checks.schema import _inlined
from ruleops.fixtures.load import _schema as fixture_schema
from ruleops.loading import parse_toml
from ruleops.schema_subset import supported, valid

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus" / "detection-rules" / "rules"


def _documents(folder: Path) -> list[dict]:
    found = []
    for path in sorted(folder.rglob("*.toml")):
        data, _ = parse_toml(path.read_text(encoding="utf-8"), str(path))
        if data is not None:
            found.append(data)
    return found


def _jsonschema_valid(schema: dict, instance) -> bool:
    return Draft202012Validator(schema).is_valid(instance)


def test_the_shipped_schemas_use_only_supported_keywords():
    assert supported(_inlined())
    assert supported(json.loads((REPOSITORY / "schemas" / "rule.schema.json").read_text()))
    assert supported(fixture_schema())


def test_every_corpus_rule_gets_jsonschemas_answer():
    if not CORPUS.is_dir():
        pytest.skip("../shared not present")
    checker = Draft202012Validator(_inlined())
    documents = _documents(CORPUS)
    disagree = [d["rule"].get("name") for d in documents
                if valid(_inlined(), d) != checker.is_valid(d)]  # fmt: skip
    assert len(documents) > 2000
    assert disagree == []


_VALUES = st.one_of(
    st.sampled_from(["", "x", "now-7d", "eql", "kuery", "query", "new_terms", "low", "2024/01/01"]),
    st.integers(-5, 200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.just(dt.date(2024, 1, 1)),
    st.lists(st.sampled_from(["a", "logs-*", 1, True]), max_size=3),
    st.dictionaries(st.sampled_from(["field", "value", "id", "name"]), st.sampled_from(["a", 1]),
                    max_size=2),
)  # fmt: skip


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def _mutated_rules(draw):
    base = draw(st.sampled_from(_documents(REPOSITORY / "rules")))
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:  # every key deleted already
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_VALUES)
    return document


@settings(max_examples=300, deadline=None)
@given(_mutated_rules())
def test_a_mutated_rule_gets_jsonschemas_answer(document):
    assert valid(_inlined(), document) == _jsonschema_valid(_inlined(), document)


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "integer"}, True, False),
        ({"type": "integer"}, 2.0, True),
        ({"type": "number"}, False, False),
        ({"enum": [1]}, True, False),
        ({"const": 1}, 1.0, True),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "a", False),
        ({"if": {"const": "a"}, "then": {"minLength": 2}}, "a", False),
        ({"if": {"const": "a"}, "then": {"minLength": 2}}, "b", True),
        ({"type": "array", "uniqueItems": True}, [1, True], True),
        ({"additionalProperties": False, "properties": {"a": True}}, {"b": 1}, False),
    ],
)
def test_keyword_semantics_match_jsonschema(schema, instance, expected):
    assert valid(schema, instance) is expected
    assert _jsonschema_valid(schema, instance) is expected


def test_a_schema_with_another_keyword_is_left_to_jsonschema():
    assert valid({"type": "object", "dependentRequired": {"a": ["b"]}}, {"a": 1}) is None
