"""Misspelt fields outside ECS's namespaces (`proces.name`), in EQL, KQL, ES|QL and fixtures,
and field definitions in the forms teams have (integration fields.yml, index mappings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruleops.config import Config
from ruleops.ecs import read_field_definitions
from ruleops.engine import run_check
from ruleops.fixtures.runner import _unread_hint
from ruleops.typos import FieldIndex
from tests.examples import QUERIES, rule_file


def findings(tmp_path: Path, language: str, query: str, **config) -> list[tuple[str, str]]:
    """RO350 findings on a rule of `language` with `query`: (code, message and hint)."""
    keys = {"type": _TYPE[language], "language": _LANG[language], "query": query}
    text = rule_file("\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items()))
    path = tmp_path / "rules" / "rule.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = run_check([path], Config(root=tmp_path, **config), cache=False)
    return [(d.code, f"{d.message} {d.hint}") for d in result.diagnostics if d.code == "RO350"]


_TYPE = {"eql": "eql", "kql": "query", "esql": "esql"}
_LANG = {"eql": "eql", "kql": "kuery", "esql": "esql"}
TYPO_QUERIES = {
    "eql": 'process where proces.name == "cmd.exe"',
    "kql": 'proces.name : "cmd.exe"',
    "esql": 'FROM logs-* METADATA _id, _version, _index | WHERE proces.name == "cmd.exe" '
    "| KEEP _id, _version, _index",
}


@pytest.mark.parametrize("language", sorted(TYPO_QUERIES))
def test_a_misspelt_field_outside_ecs_namespaces_is_reported(tmp_path, language):
    found = findings(tmp_path, language, TYPO_QUERIES[language])
    assert found and "process.name" in found[0][1]


@pytest.mark.parametrize("language", sorted(QUERIES))
def test_the_example_queries_have_no_typo(tmp_path, language):
    assert findings(tmp_path, language, QUERIES[language]) == []


def test_integration_fields_that_resemble_ecs_are_not_typos(tmp_path):
    assert (
        findings(
            tmp_path, "kql", 'okta.client.ip : "10.0.0.1" and aws.cloudtrail.user_identity.arn : *'
        )
        == []
    )


def test_a_misspelling_of_a_defined_field_gets_the_defined_name(tmp_path):
    definitions = tmp_path / "fields.json"
    definitions.write_text(json.dumps({"okta.actor.alternate_id": "keyword"}))
    found = findings(
        tmp_path, "kql", 'okat.actor.alternate_id : "a"', field_definitions=(definitions,)
    )
    assert found and "okta.actor.alternate_id" in found[0][1]


def test_suggestions_never_propose_the_name_itself():
    index = FieldIndex(["process.name", "proces.name"])
    assert index.suggest("proces.name") is None


@pytest.mark.parametrize(
    ("query", "slip"),
    [
        ('event.category:process and and process.name:"a"', "starts with the keyword 'and'"),
    ],
)
def test_a_field_name_starting_with_a_keyword_is_reported(tmp_path, query, slip):
    found = findings(tmp_path, "kql", query)
    assert any(slip in message for _, message in found)


PACKAGE_FIELDS = """\
- name: okta
  type: group
  fields:
    - name: uuid
      type: keyword
    - name: actor
      type: group
      fields:
        - name: alternate_id
          type: keyword
    - name: debug_context.debug_data.risk_level
      type: keyword
- name: source.ip
  external: ecs
- name: okta.actor.mail
  type: alias
  path: okta.actor.alternate_id
"""


def test_integration_package_field_files_are_field_definitions(tmp_path):
    fields = tmp_path / "okta" / "data_stream" / "system" / "fields" / "fields.yml"
    fields.parent.mkdir(parents=True)
    fields.write_text(PACKAGE_FIELDS)
    assert read_field_definitions(tmp_path / "okta") == {
        "okta.uuid": "keyword",
        "okta.actor.alternate_id": "keyword",
        "okta.debug_context.debug_data.risk_level": "keyword",
        "source.ip": "ip",
        "okta.actor.mail": "keyword",
    }


def test_an_index_mapping_is_field_definitions(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "acme-logs": {
                    "mappings": {
                        "properties": {
                            "acme": {
                                "properties": {
                                    "user": {"type": "keyword"},
                                    "bytes": {"type": "long"},
                                }
                            }
                        }
                    }
                }
            }
        )
    )
    assert read_field_definitions(mapping) == {"acme.user": "keyword", "acme.bytes": "long"}


def test_a_fixture_hint_never_suggests_the_query_misspelling():
    hint = _unread_hint("process.name", frozenset({"proces.name"}))
    assert "did you mean proces.name" not in hint and "misspelling of process.name" in hint
