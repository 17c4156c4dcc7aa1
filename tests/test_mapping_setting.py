"""`mapping` in [tool.ruleops]: an index mapping gives check, test and eval their field
types, a multi-field read from its parent (`languages.long` from `languages`) whichever
setting names the file."""

from __future__ import annotations

import json

import pytest

from ruleops.cli import main
from ruleops.config import ConfigError, load_config
from ruleops.fixtures.suite import run_paths

MAPPING = {
    "mappings": {
        "properties": {
            "languages": {"type": "integer", "fields": {"long": {"type": "long"}}},
            "acme": {
                "properties": {
                    "user": {"type": "keyword"},
                    "note": {"type": "text"},
                    "addr": {"type": "keyword", "fields": {"ip": {"type": "ip"}}},
                }
            },
        }
    }
}
HEADER = 'rule_id = "11111111-1111-4111-8111-111111111111"\n'
FIXTURE = (
    HEADER
    + """
[[case]]
name = "a private address"
expect = "match"

[[case.events]]
acme.addr = "10.1.2.3"
"@timestamp" = "2024-05-01T10:00:00.000Z"
"""
)


def configure(repo, setting: str) -> None:
    (repo.root / "mappings").mkdir(exist_ok=True)
    (repo.root / "mappings" / "logs.json").write_text(json.dumps(MAPPING))
    with (repo.root / "pyproject.toml").open("a") as config:
        config.write(setting + "\n")


def multi_field_case(repo):
    repo.rule(
        "r.toml",
        'from logs-* | where cidr_match(acme.addr.ip, "10.0.0.0/8")',
        type="esql",
        language="esql",
    )
    repo.fixture("r.toml", FIXTURE)
    (result,) = run_paths([repo.root / "rules"], repo.config()).results
    return result


def test_mapping_takes_a_path_or_a_list_of_paths(rule_repo):
    configure(rule_repo, 'mapping = "mappings/logs.json"')
    assert rule_repo.config().mapping == (rule_repo.root / "mappings" / "logs.json",)


def test_a_mapping_that_is_not_a_path_is_a_located_configuration_error(rule_repo):
    configure(rule_repo, "mapping = 3")
    with pytest.raises(ConfigError, match=r"pyproject.toml:\d+:\d+: .*mapping must be a path"):
        load_config(start=rule_repo.root)


def test_an_esql_case_reads_a_mapped_multi_field_from_its_parent(rule_repo):
    configure(rule_repo, 'mapping = ["mappings/logs.json"]')
    assert multi_field_case(rule_repo).passed


def test_a_mapping_named_in_field_definitions_keeps_its_multi_fields_too(rule_repo):
    configure(rule_repo, 'field_definitions = ["mappings/logs.json"]')
    assert multi_field_case(rule_repo).passed


def test_without_the_mapping_the_multi_field_has_no_ip_type(rule_repo):
    assert not multi_field_case(rule_repo).passed


def test_check_reports_a_misspelt_field_of_the_mapped_namespace(rule_repo, capsys):
    configure(rule_repo, 'mapping = "mappings/logs.json"')
    rule_repo.rule("r.toml", "acme.usr : alice", type="query", language="kuery")
    main(["check", "--no-cache", "rules"])
    assert "acme.usr" in capsys.readouterr().out


def test_an_unusable_mapping_is_reported_once_on_the_configuration(rule_repo, capsys):
    configure(rule_repo, 'mapping = "mappings/missing.json"')
    rule_repo.rule("r.toml", "acme.user : alice", type="query", language="kuery")
    main(["check", "--no-cache", "rules"])
    out = capsys.readouterr().out
    assert out.count("RO358") == 1 and "missing.json" in out


def test_eval_reads_the_configured_mapping(rule_repo, capsys):
    configure(rule_repo, 'mapping = "mappings/logs.json"')
    events = rule_repo.root / "events.ndjson"
    events.write_text('{"languages": 5}\n')
    main(["eval", "--language", "esql", "FROM logs | KEEP languages.long", str(events)])
    assert json.loads(capsys.readouterr().out) == {"languages.long": 5}


def test_eval_mapping_gives_kql_its_text_fields(rule_repo, capsys):
    (rule_repo.root / "m.json").write_text(json.dumps(MAPPING))
    events = rule_repo.root / "events.ndjson"
    events.write_text('{"acme": {"note": "the Quick fox"}}\n')
    query = "acme.note : quick"
    assert main(["eval", "--language", "kql", query, str(events)]) == 1  # keyword: no match
    assert main(["eval", "--language", "kql", "--mapping", "m.json", query, str(events)]) == 0
    capsys.readouterr()


def test_a_nested_field_of_a_mapping_in_field_definitions_is_nested_to_eql(rule_repo, capsys):
    nested = {"type": "nested", "properties": {"name": {"type": "keyword"}}}
    MAPPING_WITH_NESTED = {"mappings": {"properties": {"corp": {"properties": {"events": nested}}}}}
    (rule_repo.root / "mappings").mkdir()
    (rule_repo.root / "mappings" / "logs.json").write_text(json.dumps(MAPPING_WITH_NESTED))
    with (rule_repo.root / "pyproject.toml").open("a") as config:
        config.write('field_definitions = ["mappings/logs.json"]\n')
    rule_repo.rule("r.toml", 'any where corp.events.name == "y"', type="eql", language="eql")
    main(["check", "--no-cache", "rules"])
    assert "RO313" in capsys.readouterr().out
