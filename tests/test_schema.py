"""The rule schema: every constraint with a failing and a passing example, and the words used."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from jsonschema import Draft202012Validator

import ruleops
from ruleops.checks.schema import check_schema, key_path, rule_schema, validator
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic
from ruleops.loading import rule_from_text

METADATA = {"creation_date": "2024/05/01", "updated_date": "2024/06/01", "maturity": "production"}
COMMON = {
    "author": ["Elastic"],
    "description": "Detects a service pointed at a user-writable binary.",
    "from": "now-9m",
    "license": "Elastic License v2",
    "name": "Service ImagePath in a User Folder",
    "risk_score": 47,
    "rule_id": "403ef0d3-8259-40c9-a5b6-d48354712e49",
    "severity": "medium",
    "tags": ["Domain: Endpoint", "OS: Windows", "Tactic: Persistence"],
    "timestamp_override": "event.ingested",
}
THREAT = [
    {
        "framework": "MITRE ATT&CK",
        "tactic": {
            "id": "TA0003",
            "name": "Persistence",
            "reference": "https://attack.mitre.org/tactics/TA0003/",
        },
        "technique": [
            {
                "id": "T1543",
                "name": "Create or Modify System Process",
                "reference": "https://attack.mitre.org/techniques/T1543/",
                "subtechnique": [
                    {
                        "id": "T1543.003",
                        "name": "Windows Service",
                        "reference": "https://attack.mitre.org/techniques/T1543/003/",
                    }
                ],
            }
        ],
    }
]
QUERY = 'event.category:registry and registry.value:"ImagePath"\n'
INDEX = ["logs-endpoint.events.registry-*"]

BY_TYPE: dict[str, dict[str, Any]] = {
    "eql": {
        "type": "eql",
        "language": "eql",
        "index": INDEX,
        "query": 'registry where registry.value == "ImagePath"\n',
    },
    "query": {"type": "query", "language": "kuery", "index": INDEX, "query": QUERY},
    "threshold": {
        "type": "threshold",
        "language": "kuery",
        "index": INDEX,
        "query": QUERY,
        "threshold": {"field": ["host.id"], "value": 10},
    },
    "new_terms": {
        "type": "new_terms",
        "language": "kuery",
        "index": INDEX,
        "query": QUERY,
        "new_terms": {
            "field": "new_terms_fields",
            "value": ["host.id", "registry.path"],
            "history_window_start": [{"field": "history_window_start", "value": "now-7d"}],
        },
    },
    "threat_match": {
        "type": "threat_match",
        "language": "kuery",
        "index": INDEX,
        "query": "file.hash.*:*\n",
        "threat_index": ["logs-ti_*"],
        "threat_query": '@timestamp >= "now-30d/d"\n',
        "threat_language": "kuery",
        "threat_indicator_path": "threat.indicator",
        "threat_mapping": [
            {
                "entries": [
                    {
                        "field": "file.hash.sha256",
                        "type": "mapping",
                        "value": "threat.indicator.file.hash.sha256",
                    }
                ]
            }
        ],
    },
    "machine_learning": {
        "type": "machine_learning",
        "anomaly_threshold": 75,
        "machine_learning_job_id": ["v3_windows_rare_process"],
        "interval": "15m",
        "from": "now-45m",
    },
    "esql": {
        "type": "esql",
        "language": "esql",
        "query": "from logs-* | stats n = count(*) by host.id | where n > 10\n",
    },
    "saved_query": {"type": "saved_query", "language": "kuery", "saved_id": "saved-1"},
}


def document(kind: str = "query") -> dict[str, Any]:
    rule = {**COMMON, **copy.deepcopy(BY_TYPE[kind]), "threat": copy.deepcopy(THREAT)}
    return {"metadata": dict(METADATA), "rule": rule}


def diagnostics_of(data: dict[str, Any]) -> list[Diagnostic]:
    loaded = rule_from_text(tomlkit.dumps(data), "rule.toml")
    assert loaded.rule is not None, loaded.diagnostics
    return list(check_schema(loaded.rule, Config()))


def _walk(data: Any, path: str) -> tuple[Any, str | int]:
    parts: list[str | int] = []
    for piece in path.replace("[", ".[").split("."):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    for part in parts[:-1]:
        data = data[part]
    return data, parts[-1]


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        parent, last = _walk(data, path)
        parent[last] = value

    return edit


def drop(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        parent, last = _walk(data, path)
        del parent[last]

    return edit


def keep(data: dict[str, Any]) -> None:
    """The unchanged base rule."""


FIVE_MINUTES = {"value": 5, "unit": "m"}
FIVE_DAYS = {"value": 5, "unit": "d"}
ZERO_MINUTES = {"value": 0, "unit": "m"}
PROVIDER = {
    "field": "host.name",
    "value": "{{host.name}}",
    "queryType": "phrase",
    "valueType": "string",
    "excluded": False,
}
EXACT_PROVIDER = {**PROVIDER, "queryType": "exact"}
RANGE_PROVIDER = {**PROVIDER, "queryType": "range"}

# (id, rule type, breaking edit, code, where it is reported, repairing edit)
CASES = [
    ("severity-enum", "query", put("rule.severity", "urgent"), "RO103", "rule.severity",
     put("rule.severity", "critical")),
    ("type-enum", "query", put("rule.type", "kql"), "RO103", "rule.type", keep),
    ("maturity-enum", "query", put("metadata.maturity", "prod"), "RO103", "metadata.maturity",
     put("metadata.maturity", "deprecated")),
    ("eql-language", "eql", put("rule.language", "kuery"), "RO103", "rule.language", keep),
    ("esql-language", "esql", put("rule.language", "eql"), "RO103", "rule.language", keep),
    ("query-language", "query", put("rule.language", "eql"), "RO103", "rule.language",
     put("rule.language", "lucene")),
    ("building-block-enum", "eql", put("rule.building_block_type", "yes"), "RO103",
     "rule.building_block_type", put("rule.building_block_type", "default")),
    ("framework-enum", "eql", put("rule.threat[0].framework", "MITRE"), "RO103",
     "rule.threat[0].framework", keep),
    ("risk-score-type", "query", put("rule.risk_score", "47"), "RO102", "rule.risk_score",
     put("rule.risk_score", 73)),
    ("risk-score-high", "query", put("rule.risk_score", 101), "RO105", "rule.risk_score",
     put("rule.risk_score", 100)),
    ("risk-score-low", "query", put("rule.risk_score", -1), "RO105", "rule.risk_score",
     put("rule.risk_score", 0)),
    ("max-signals", "query", put("rule.max_signals", 0), "RO105", "rule.max_signals",
     put("rule.max_signals", 1000)),
    ("anomaly-threshold", "machine_learning", put("rule.anomaly_threshold", 101), "RO105",
     "rule.anomaly_threshold", put("rule.anomaly_threshold", 50)),
    ("threshold-value", "threshold", put("rule.threshold.value", 0), "RO105",
     "rule.threshold.value", put("rule.threshold.value", 1)),
    ("tags-type", "query", put("rule.tags", "Domain: Endpoint"), "RO102", "rule.tags",
     put("rule.tags", [])),
    ("rule-id-uuid", "query", put("rule.rule_id", "403ef0d3-8259-40c9-a5b6"), "RO104",
     "rule.rule_id", put("rule.rule_id", "403EF0D3-8259-40C9-A5B6-D48354712E49")),
    ("creation-date", "query", put("metadata.creation_date", "2024-05-01"), "RO104",
     "metadata.creation_date", put("metadata.creation_date", "2023/12/31")),
    ("updated-date-month", "query", put("metadata.updated_date", "2024/13/01"), "RO104",
     "metadata.updated_date", put("metadata.updated_date", "2024/12/01")),
    ("from-date-math", "query", put("rule.from", "9m"), "RO104", "rule.from",
     put("rule.from", "now-2h")),
    ("interval-duration", "query", put("rule.interval", "5 minutes"), "RO104", "rule.interval",
     put("rule.interval", "5m")),
    ("min-stack-version", "query", put("metadata.min_stack_version", "8.12"), "RO104",
     "metadata.min_stack_version", put("metadata.min_stack_version", "8.12.0")),
    ("timeline-id", "query", put("rule.timeline_id", "timeline"), "RO104", "rule.timeline_id",
     put("rule.timeline_id", "495ad7a7-316e-4544-8a0f-9c098daee76e")),
    ("tactic-reference-url", "eql", put("rule.threat[0].tactic.reference", "attack.mitre.org"),
     "RO104", "rule.threat[0].tactic.reference", keep),
    ("technique-id", "eql", put("rule.threat[0].technique[0].id", "T15"), "RO104",
     "rule.threat[0].technique[0].id", keep),
    ("subtechnique-id", "eql", put("rule.threat[0].technique[0].subtechnique[0].id", "T1543.3"),
     "RO104", "rule.threat[0].technique[0].subtechnique[0].id", keep),
    ("tactic-id", "eql", put("rule.threat[0].tactic.id", "0003"), "RO104",
     "rule.threat[0].tactic.id", keep),
    ("history-window", "new_terms", put("rule.new_terms.history_window_start[0].value", "7d"),
     "RO104", "rule.new_terms.history_window_start[0].value", keep),
    ("integration-version", "query",
     put("rule.related_integrations", [{"package": "endpoint", "version": "latest"}]), "RO104",
     "rule.related_integrations[0].version",
     put("rule.related_integrations", [{"package": "endpoint", "version": "^8.2.0"}])),
    ("misspelt-rule-key", "query", put("rule.risk_scor", 47), "RO100", "rule.risk_scor", keep),
    ("misspelt-metadata-key", "query", put("metadata.updated", "2024/06/01"), "RO100",
     "metadata.updated", keep),
    ("unknown-table", "query", put("rules", {"name": "x"}), "RO100", "rules", keep),
    ("unknown-threat-key", "eql", put("rule.threat[0].tactics", {}), "RO100",
     "rule.threat[0].tactics", keep),
    ("unknown-transform-key", "query", put("transform", {"osqeury": []}), "RO100",
     "transform.osqeury", put("transform", {"osquery": [{"label": "x", "query": "SELECT 1"}]})),
    ("unknown-filter-key", "query", put("rule.filters", [{"bool": {}}]), "RO100",
     "rule.filters[0].bool", put("rule.filters", [{"meta": {"negate": True}, "query": {}}])),
    ("missing-severity", "query", drop("rule.severity"), "RO101", "rule", keep),
    ("missing-metadata", "query", drop("metadata"), "RO101", "", keep),
    ("missing-query", "eql", drop("rule.query"), "RO101", "rule", keep),
    ("missing-threshold", "threshold", drop("rule.threshold"), "RO101", "rule", keep),
    ("missing-new-terms", "new_terms", drop("rule.new_terms"), "RO101", "rule", keep),
    ("missing-threat-mapping", "threat_match", drop("rule.threat_mapping"), "RO101", "rule", keep),
    ("missing-job-id", "machine_learning", drop("rule.machine_learning_job_id"), "RO101", "rule",
     put("rule.machine_learning_job_id", "v3_windows_rare_process")),
    ("missing-saved-id", "saved_query", drop("rule.saved_id"), "RO101", "rule", keep),
    ("missing-tactic-reference", "eql", drop("rule.threat[0].tactic.reference"), "RO101",
     "rule.threat[0].tactic", keep),
    ("threshold-on-eql", "eql", put("rule.threshold", {"field": [], "value": 1}), "RO106",
     "rule.threshold", keep),
    ("index-on-esql", "esql", put("rule.index", INDEX), "RO106", "rule.index", keep),
    ("query-on-ml", "machine_learning", put("rule.query", "x"), "RO106", "rule.query", keep),
    ("group-by-on-threshold", "threshold",
     put("rule.alert_suppression", {"group_by": ["host.id"], "duration": FIVE_MINUTES}),
     "RO106", "rule.alert_suppression.group_by",
     put("rule.alert_suppression", {"duration": FIVE_MINUTES})),
    ("empty-name", "query", put("rule.name", ""), "RO107", "rule.name", keep),
    ("empty-description", "query", put("rule.description", ""), "RO107", "rule.description",
     put("rule.description", "Detects it.")),
    ("new-terms-fields", "new_terms", put("rule.new_terms.value", ["a", "b", "c", "d"]), "RO107",
     "rule.new_terms.value", put("rule.new_terms.value", ["a", "b", "c"])),
    ("investigation-fields", "query", put("rule.investigation_fields", {"field_names": []}),
     "RO107", "rule.investigation_fields.field_names",
     put("rule.investigation_fields", {"field_names": ["host.name"]})),
    ("suppression-unit", "query",
     put("rule.alert_suppression", {"group_by": ["host.id"], "duration": FIVE_DAYS}),
     "RO103", "rule.alert_suppression.duration.unit",
     put("rule.alert_suppression", {"group_by": ["host.id"], "duration": FIVE_MINUTES})),
    ("exceptions-namespace", "query",
     put("rule.exceptions_list",
         [{"id": "endpoint_list", "list_id": "endpoint_list", "namespace_type": "global",
           "type": "endpoint"}]),
     "RO103", "rule.exceptions_list[0].namespace_type",
     put("rule.exceptions_list",
         [{"id": "endpoint_list", "list_id": "endpoint_list", "namespace_type": "agnostic",
           "type": "endpoint"}])),
    ("severity-mapping-operator", "query",
     put("rule.severity_mapping",
         [{"field": "event.severity", "operator": "eq", "value": "73", "severity": "high"}]),
     "RO103", "rule.severity_mapping[0].operator",
     put("rule.severity_mapping",
         [{"field": "event.severity", "operator": "equals", "value": "73", "severity": "high"}])),
    ("risk-score-mapping", "query",
     put("rule.risk_score_mapping", [{"field": "event.risk_score", "operator": "equals"}]),
     "RO101", "rule.risk_score_mapping[0]",
     put("rule.risk_score_mapping",
         [{"field": "event.risk_score", "operator": "equals", "value": ""}])),
    ("threat-mapping-type", "threat_match", put("rule.threat_mapping[0].entries[0].type", "map"),
     "RO103", "rule.threat_mapping[0].entries[0].type", keep),
    ("required-fields", "query", put("rule.required_fields", [{"name": "host.id"}]), "RO101",
     "rule.required_fields[0]",
     put("rule.required_fields", [{"name": "host.id", "type": "keyword", "ecs": True}])),
    ("job-id-type", "machine_learning", put("rule.machine_learning_job_id", 5), "RO102",
     "rule.machine_learning_job_id", keep),
    ("integration-type", "query", put("metadata.integration", 5), "RO102",
     "metadata.integration", put("metadata.integration", "endpoint")),
    ("threshold-field-type", "threshold", put("rule.threshold.field", 5), "RO102",
     "rule.threshold.field", put("rule.threshold.field", "host.id")),
    ("investigate-label", "query",
     put("transform", {"investigate": [{"providers": [[PROVIDER]]}]}),
     "RO101", "transform.investigate[0]",
     put("transform", {"investigate": [{"label": "Alerts on the host", "providers": [[PROVIDER]],
                                        "relativeFrom": "now-48h/h", "relativeTo": "now"}]})),
    ("investigate-relative-from", "query",
     put("transform", {"investigate": [{"label": "x", "providers": [[PROVIDER]],
                                        "relativeFrom": "48h"}]}),
     "RO104", "transform.investigate[0].relativeFrom", keep),
    ("investigate-query-type", "query",
     put("transform", {"investigate": [{"label": "x", "providers": [[EXACT_PROVIDER]]}]}),
     "RO103", "transform.investigate[0].providers[0][0].queryType",
     put("transform", {"investigate": [{"label": "x", "providers": [[RANGE_PROVIDER]]}]})),
    ("osquery-label", "query", put("transform", {"osquery": [{"query": "SELECT 1"}]}), "RO101",
     "transform.osquery[0]", keep),
    ("to-date-math", "query", put("rule.to", "tomorrow"), "RO104", "rule.to",
     put("rule.to", "now")),
    ("version-minimum", "query", put("rule.version", 0), "RO105", "rule.version",
     put("rule.version", 3)),
    ("revision-minimum", "query", put("rule.revision", -1), "RO105", "rule.revision",
     put("rule.revision", 0)),
    ("concurrent-searches", "threat_match", put("rule.concurrent_searches", 0), "RO105",
     "rule.concurrent_searches", put("rule.concurrent_searches", 2)),
    ("items-per-search", "threat_match", put("rule.items_per_search", 0), "RO105",
     "rule.items_per_search", put("rule.items_per_search", 100)),
    ("threat-language", "threat_match", put("rule.threat_language", "eql"), "RO103",
     "rule.threat_language", put("rule.threat_language", "lucene")),
    ("threat-mapping-empty", "threat_match", put("rule.threat_mapping", []), "RO107",
     "rule.threat_mapping", keep),
    ("threat-match-keys-on-query", "query", put("rule.threat_index", ["logs-ti_*"]), "RO106",
     "rule.threat_index", keep),
    ("tiebreaker-on-query", "query", put("rule.tiebreaker_field", "event.sequence"), "RO106",
     "rule.tiebreaker_field", keep),
    ("eql-only-fields", "eql", put("rule.event_category_override", ""), "RO107",
     "rule.event_category_override", put("rule.event_category_override", "event.type")),
    ("saved-id-on-eql", "eql", put("rule.saved_id", "saved-1"), "RO106", "rule.saved_id", keep),
    ("data-view-on-esql", "esql", put("rule.data_view_id", "x"), "RO106", "rule.data_view_id",
     keep),
    ("timestamp-override-empty", "query", put("rule.timestamp_override", ""), "RO107",
     "rule.timestamp_override", keep),
    ("cardinality-value", "threshold",
     put("rule.threshold.cardinality", [{"field": "user.name", "value": 0}]), "RO105",
     "rule.threshold.cardinality[0].value",
     put("rule.threshold.cardinality", [{"field": "user.name", "value": 5}])),
    ("new-terms-field-const", "new_terms", put("rule.new_terms.field", "host.id"), "RO103",
     "rule.new_terms.field", keep),
    ("history-window-count", "new_terms",
     put("rule.new_terms.history_window_start",
         [{"field": "history_window_start", "value": "now-7d"}] * 2),
     "RO107", "rule.new_terms.history_window_start", keep),
    ("exceptions-type", "query",
     put("rule.exceptions_list",
         [{"id": "a", "list_id": "a", "namespace_type": "single", "type": "shared"}]),
     "RO103", "rule.exceptions_list[0].type",
     put("rule.exceptions_list",
         [{"id": "a", "list_id": "a", "namespace_type": "single", "type": "detection"}])),
    ("investigation-fields-key", "query",
     put("rule.investigation_fields", {"field_names": ["host.name"], "fields": []}), "RO100",
     "rule.investigation_fields.fields", keep),
    ("severity-mapping-severity", "query",
     put("rule.severity_mapping",
         [{"field": "event.severity", "operator": "equals", "value": "9", "severity": "severe"}]),
     "RO103", "rule.severity_mapping[0].severity", keep),
    ("risk-score-mapping-range", "query",
     put("rule.risk_score_mapping",
         [{"field": "event.risk_score", "operator": "equals", "value": "", "risk_score": 101}]),
     "RO105", "rule.risk_score_mapping[0].risk_score", keep),
    ("integration-package", "query", put("rule.related_integrations", [{"version": "^1.0.0"}]),
     "RO101", "rule.related_integrations[0]", keep),
    ("deprecation-date", "query", put("metadata.deprecation_date", "2024/5/1"), "RO104",
     "metadata.deprecation_date", put("metadata.deprecation_date", "2024/05/01")),
    ("deprecated-reason", "query", put("metadata.deprecated_reason", 5), "RO102",
     "metadata.deprecated_reason", put("metadata.deprecated_reason", "Replaced by a new rule.")),
    ("promotion-type", "query", put("metadata.promotion", "yes"), "RO102", "metadata.promotion",
     put("metadata.promotion", True)),
    ("bypass-bbr-timing-type", "eql", put("metadata.bypass_bbr_timing", 1), "RO102",
     "metadata.bypass_bbr_timing", put("metadata.bypass_bbr_timing", True)),
    ("min-stack-comments", "query", put("metadata.min_stack_comments", ["8.12"]), "RO102",
     "metadata.min_stack_comments", put("metadata.min_stack_comments", "New fields in 8.12")),
    ("missing-fields-strategy", "query",
     put("rule.alert_suppression", {"group_by": ["host.id"], "missing_fields_strategy": "skip"}),
     "RO103", "rule.alert_suppression.missing_fields_strategy", keep),
    ("suppression-duration-value", "query",
     put("rule.alert_suppression", {"group_by": ["host.id"], "duration": ZERO_MINUTES}),
     "RO105", "rule.alert_suppression.duration.value", keep),
    ("group-by-count", "esql",
     put("rule.alert_suppression", {"group_by": ["a", "b", "c", "d"]}), "RO107",
     "rule.alert_suppression.group_by",
     put("rule.alert_suppression", {"group_by": ["a", "b", "c"]})),
    ("enabled-type", "query", put("rule.enabled", "false"), "RO102", "rule.enabled",
     put("rule.enabled", False)),
    ("filters-meta-type", "query", put("rule.filters", [{"meta": {"negate": "yes"}}]), "RO102",
     "rule.filters[0].meta.negate", keep),
]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BY_TYPE))
def test_base_rule_of_every_type_is_valid(kind: str) -> None:
    assert diagnostics_of(document(kind)) == []


@pytest.mark.parametrize(
    ("kind", "breaking", "code", "where"),
    [
        pytest.param(kind, breaking, code, where, id=name)
        for name, kind, breaking, code, where, _ in CASES
    ],
)
def test_broken_rule_is_reported_on_the_offending_key(
    kind: str, breaking: Callable[[dict[str, Any]], None], code: str, where: str
) -> None:
    data = document(kind)
    breaking(data)
    text = tomlkit.dumps(data)
    rule = rule_from_text(text, "rule.toml").rule
    assert rule is not None
    found = [(d.code, d.line) for d in check_schema(rule, Config())]
    assert (code, rule.locate(where).line) in found


@pytest.mark.parametrize(
    ("kind", "repairing"),
    [pytest.param(kind, repairing, id=name) for name, kind, _, _, _, repairing in CASES],
)
def test_repaired_rule_passes(kind: str, repairing: Callable[[dict[str, Any]], None]) -> None:
    data = document(kind)
    repairing(data)
    assert diagnostics_of(data) == []


def test_severity_message_lists_the_allowed_values() -> None:
    data = document()
    data["rule"]["severity"] = "urgent"
    (found,) = diagnostics_of(data)
    assert found.message == 'rule.severity must be one of low, medium, high, critical; got "urgent"'


def test_unknown_key_names_the_closest_known_key() -> None:
    data = document()
    data["rule"]["risk_scor"] = 47
    (found,) = diagnostics_of(data)
    assert "did you mean `risk_score`?" in found.message


def test_unknown_key_is_reported_on_its_own_line() -> None:
    data = document()
    data["rule"]["maxsignals"] = 5
    rule = rule_from_text(tomlkit.dumps(data), "rule.toml").rule
    (found,) = check_schema(rule, Config())
    assert rule.line_text(found.line).startswith("maxsignals")


def test_missing_key_points_at_the_table_that_lacks_it() -> None:
    data = document("eql")
    del data["rule"]["threat"][0]["technique"][0]["name"]
    rule = rule_from_text(tomlkit.dumps(data), "rule.toml").rule
    (found,) = check_schema(rule, Config())
    assert rule.line_text(found.line).strip() == "[[rule.threat.technique]]"
    assert "`name`" in found.message


def test_missing_type_specific_key_names_the_rule_type() -> None:
    data = document("threshold")
    del data["rule"]["threshold"]
    (found,) = diagnostics_of(data)
    assert (
        found.message == "[rule] is missing the required key `threshold` (threshold rules need it)"
    )


def test_key_of_another_rule_type_names_the_types_that_use_it() -> None:
    data = document("eql")
    data["rule"]["anomaly_threshold"] = 50
    (found,) = diagnostics_of(data)
    assert found.message == (
        "`anomaly_threshold` is not used by eql rules; it belongs to machine_learning rules"
    )


def test_language_of_wrong_rule_type_says_which_language_fits() -> None:
    data = document("eql")
    data["rule"]["language"] = "kuery"
    (found,) = diagnostics_of(data)
    assert found.message == 'rule.language must be eql for eql rules; got "kuery"'


def test_a_table_where_a_value_belongs_is_named_once() -> None:
    data = document("machine_learning")
    data["rule"]["machine_learning_job_id"] = {"a": 1}
    (found,) = diagnostics_of(data)
    assert found.message.endswith("must be a string or a list; got a table")


def test_alternative_shapes_are_named_instead_of_a_schema_dump() -> None:
    data = document("machine_learning")
    data["rule"]["machine_learning_job_id"] = 5
    (found,) = diagnostics_of(data)
    assert (
        found.message
        == "rule.machine_learning_job_id must be a string or a list; got an integer (5)"
    )


def test_alternative_with_right_type_reports_the_inner_cause() -> None:
    data = document("machine_learning")
    data["rule"]["machine_learning_job_id"] = []
    (found,) = diagnostics_of(data)
    assert (found.code, found.message) == (
        "RO107",
        "rule.machine_learning_job_id must not be an empty list",
    )


def test_pattern_message_describes_the_expected_shape() -> None:
    data = document()
    data["rule"]["interval"] = "5"
    (found,) = diagnostics_of(data)
    assert found.message.startswith("rule.interval must be a duration written <number><unit>")
    assert found.message.endswith('such as 5m; got "5"')


def test_string_for_list_suggests_the_list() -> None:
    data = document()
    data["rule"]["author"] = "Elastic"
    (found,) = diagnostics_of(data)
    assert found.hint == 'write it as a list: ["Elastic"]'


def test_key_path_uses_brackets_for_list_positions() -> None:
    assert key_path(["rule", "threat", 1, "technique", 0, "id"]) == "rule.threat[1].technique[0].id"


def test_validator_is_compiled_once() -> None:
    assert validator() is validator()


def test_schema_is_draft_2020_12_and_itself_valid() -> None:
    schema = rule_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_declares_every_rule_type() -> None:
    types = rule_schema()["properties"]["rule"]["properties"]["type"]["enum"]
    assert sorted(types) == sorted(BY_TYPE)


def test_schema_file_is_plain_json_at_the_repository_top() -> None:
    top = Path(__file__).parents[1] / "schemas" / "rule.schema.json"
    assert json.loads(top.read_text(encoding="utf-8")) == rule_schema()


@pytest.mark.parametrize(
    ("kind", "breaking"), [pytest.param(case[1], case[2], id=case[0]) for case in CASES]
)
def test_inlined_validator_judges_like_the_schema_file(
    kind: str, breaking: Callable[[dict[str, Any]], None]
) -> None:
    data = document(kind)
    breaking(data)
    from_file = Draft202012Validator(rule_schema())
    assert sorted(e.message for e in validator().iter_errors(data)) == sorted(
        e.message for e in from_file.iter_errors(data)
    )


def test_schema_is_reachable_as_package_data() -> None:
    """pyproject's package-data `schemas/*.json` ships it: ruleops/schemas links to schemas/."""
    shipped = Path(ruleops.__file__).parent / "schemas" / "rule.schema.json"
    assert shipped.is_file()
    assert json.loads(shipped.read_text(encoding="utf-8")) == rule_schema()


def test_key_in_the_wrong_table_names_the_right_one() -> None:
    data = document()
    data["metadata"]["severity"] = "low"
    (found,) = diagnostics_of(data)
    assert (found.code, found.message) == (
        "RO100",
        "`severity` belongs in [rule], not in [metadata]",
    )
