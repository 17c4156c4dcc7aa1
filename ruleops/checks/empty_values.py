"""Empty values the rule format accepts but that are probably a slip.

Kibana's rule schema (elastic/kibana, `x-pack/solutions/security/plugins/security_solution/
common/api/detection_engine/model/rule_schema/common_attributes.schema.yaml` and
`specific_attributes/*.schema.yaml`) and detection-rules' (`detection_rules/rule.py`,
`detection_rules/schemas/definitions.py`) accept an empty `index`, `threat_index` or
`data_view_id`, and empty strings inside `author`, `tags` or `integration`, so
`schemas/rule.schema.json` does too. Such a value does nothing or is a leftover (a list
written with a trailing `""`), so it is a warning here, never an error.

What those tools write themselves is not reported: `author = []`, `license = ""`,
`integration = []`, `technique = []`, `subtechnique = []`, `tags = []` (Kibana's export and
ATT&CK picker, detection-rules' exporter).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ruleops.checks import rule_check
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule

EMPTY_VALUE = register(
    CheckInfo(
        code="RO109",
        name="schema.empty-value",
        severity=Severity.WARNING,
        summary="an empty value that Kibana accepts but that does nothing",
        explanation=(
            "Kibana's and detection-rules' schemas accept an empty `index` or `threat_index`, "
            "an empty `data_view_id` or `saved_id`, and empty strings inside lists such as "
            "`author`, `tags`, `integration` or `false_positives`. Such a value is usually a "
            "leftover of an edit: an empty index list searches no index the author chose, an "
            "empty tag is shown as a blank label. Remove the empty entry, or fill it in. Empty "
            "lists that Kibana and detection-rules' exporter write themselves (`author = []`, "
            '`integration = []`, `technique = []`, `license = ""`) are not reported.'
        ),
        example="rule",
        bad='tags = ["Domain: Endpoint", ""]\nindex = []',
        good='tags = ["Domain: Endpoint"]\nindex = ["logs-endpoint.events.process-*"]',
    )
)

# Key paths (`[*]` for every entry of a list) whose value, when empty, is reported.
EMPTY_LISTS = (
    "rule.index",
    "rule.threat_index",
    "rule.threat_mapping[*].entries",
    "transform.investigate[*].providers",
    "transform.investigate[*].providers[*]",
)
EMPTY_STRINGS = (
    "metadata.integration",
    "metadata.integration[*]",
    "metadata.deprecated_reason",
    "metadata.min_stack_comments",
    "rule.author[*]",
    "rule.tags[*]",
    "rule.false_positives[*]",
    "rule.index[*]",
    "rule.threat_index[*]",
    "rule.data_view_id",
    "rule.saved_id",
    "rule.timeline_title",
    "rule.machine_learning_job_id",
    "rule.machine_learning_job_id[*]",
    "transform.investigate[*].label",
    "transform.osquery[*].label",
    "transform.osquery[*].query",
)


def values_at(data: Any, pattern: str) -> Iterator[tuple[str, Any]]:
    """(key path, value) of every value `pattern` names in `data`; `[*]` walks a list."""
    found: list[tuple[str, Any]] = [("", data)]
    for part in pattern.replace("[*]", ".[*]").split("."):
        step: list[tuple[str, Any]] = []
        for where, value in found:
            if part == "[*]":
                if isinstance(value, list):
                    step.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
            elif isinstance(value, dict) and part in value:
                step.append((f"{where}.{part}" if where else part, value[part]))
        found = step
    yield from found


@rule_check(emits=(EMPTY_VALUE,))
def empty_values(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    for pattern in EMPTY_LISTS:
        for where, value in values_at(rule.data, pattern):
            if value == []:
                yield rule.diagnostic(
                    EMPTY_VALUE,
                    f"{where} is an empty list",
                    where,
                    hint="list what it should hold, or remove the key",
                )
    for pattern in EMPTY_STRINGS:
        for where, value in values_at(rule.data, pattern):
            if isinstance(value, str) and not value.strip():
                entry = where.endswith("]")
                yield rule.diagnostic(
                    EMPTY_VALUE,
                    f"{where} is an empty string" + (" in the list" if entry else ""),
                    where,
                    hint="remove the empty entry" if entry else "fill it in, or remove the key",
                )
