"""The fixture file format: schemas/fixture.schema.json plus the rules a schema cannot state."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from ruleops.fixtures.load import fixture_from_text, schema_path

VALID = """\
rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"

[[case]]
name = "service ImagePath changed"
expect = "match"
[[case.events]]
event.category = "registry"
registry.value = "ImagePath"
"""


def codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in fixture_from_text(text, "f.toml").diagnostics]


def messages(text: str) -> str:
    return "\n".join(d.message for d in fixture_from_text(text, "f.toml").diagnostics)


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_is_the_repository_schemas_file():
    repository_copy = Path(__file__).resolve().parent.parent / "schemas" / "fixture.schema.json"
    assert schema_path().resolve() == repository_copy.resolve()


def test_valid_fixture_loads_with_its_cases():
    fixture = fixture_from_text(VALID, "f.toml").fixture
    assert fixture is not None
    assert fixture.rule_id == "403ef0d3-8259-40c9-a5b6-d48354712e49"
    assert [c.name for c in fixture.cases] == ["service ImagePath changed"]
    assert fixture.cases[0].expect == "match"


def test_dotted_keys_give_nested_events():
    event = fixture_from_text(VALID, "f.toml").fixture.cases[0].events[0]
    assert event == {"event": {"category": "registry"}, "registry": {"value": "ImagePath"}}


def test_case_line_is_the_line_of_its_header():
    fixture = fixture_from_text(VALID, "f.toml").fixture
    assert fixture.case_line(fixture.cases[0]) == 3


def test_missing_rule_id_is_reported_at_the_top():
    text = VALID.replace('rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"\n', "")
    assert codes(text) == [("RO500", 1)]
    assert "missing required key 'rule_id'" in messages(text)


def test_expect_must_be_match_or_no_match():
    text = VALID.replace('expect = "match"', 'expect = "yes"')
    assert codes(text) == [("RO500", 5)]
    assert messages(text) == (
        'expect of case \'service ImagePath changed\' is "yes"; expected "match" or "no match"'
    )


def test_unknown_case_key_is_reported_on_its_line():
    text = VALID.replace('expect = "match"', 'expect = "match"\nexpected = "match"')
    assert codes(text) == [("RO500", 6)]
    assert "unknown key 'expected'" in messages(text)


def test_misspelt_case_key_hint_names_the_closest_key():
    text = VALID.replace('expect = "match"', 'expcet = "match"')
    [found] = [d for d in fixture_from_text(text, "f.toml").diagnostics if "expcet" in d.message]
    assert found.hint.startswith("did you mean 'expect'? ")


def test_case_without_events_is_reported():
    text = VALID.split("[[case.events]]")[0]
    assert codes(text) == [("RO500", 3)]
    assert "missing required key 'events'" in messages(text)


def test_events_must_be_tables():
    text = VALID.split("[[case.events]]")[0] + 'events = ["registry"]\n'
    assert [c for c, _ in codes(text)] == ["RO500"]
    assert "must be a table" in messages(text)


def test_sequence_index_beyond_the_events_is_reported_on_the_index():
    text = VALID.replace('expect = "match"', 'expect = "match"\nsequences = [[0, 2]]')
    assert codes(text) == [("RO500", 6)]
    assert "refers to event 2, but case 'service ImagePath changed' has 1 event" in messages(text)


def test_sequences_on_a_no_match_case_are_reported():
    text = VALID.replace('expect = "match"', 'expect = "no match"\nsequences = [[0]]')
    assert codes(text) == [("RO500", 6)]


def test_negative_sequence_index_is_reported():
    text = VALID.replace('expect = "match"', 'expect = "match"\nsequences = [[-1]]')
    assert [c for c, _ in codes(text)] == ["RO500"]
    assert "event indices start at 0" in messages(text)


def test_a_repeat_below_one_says_the_least_it_can_be():
    text = VALID.replace("[[case.events]]", "[[case.events]]\nrepeat = 0")
    assert [c for c, _ in codes(text)] == ["RO500"]
    message = messages(text)
    assert "the least it can be is 1" in message and "indices" not in message


def test_duplicate_case_names_are_reported_on_the_second():
    text = VALID + VALID.split("\n", 2)[2]
    assert codes(text) == [("RO508", 10)]
    assert "already used by the case on line 3" in messages(text)


def test_toml_syntax_error_has_line_and_column():
    loaded = fixture_from_text(VALID + 'broken = "\n', "f.toml")
    assert loaded.fixture is None
    (problem,) = loaded.diagnostics
    assert (problem.code, problem.line) == ("RO002", 9)


def test_timestamp_field_override_is_read_per_case():
    text = VALID.replace('expect = "match"', 'expect = "match"\ntimestamp_field = "event.created"')
    assert fixture_from_text(text, "f.toml").fixture.cases[0].timestamp_field == "event.created"


def test_every_example_fixture_follows_the_format():
    root = Path(__file__).resolve().parent / "rules"
    files = sorted(root.rglob("*.toml"))
    assert files
    for path in files:
        loaded = fixture_from_text(path.read_text(encoding="utf-8"), str(path))
        assert loaded.fixture is not None and not loaded.diagnostics, path


def test_single_bracket_case_table_gets_a_double_bracket_hint():
    text = VALID.replace("[[case]]", "[case]").split("[[case.events]]")[0]
    (problem,) = fixture_from_text(text, "f.toml").diagnostics
    assert problem.message == "case must be an array, not a table"
    assert problem.hint == "write each case as a [[case]] table (double brackets)"
