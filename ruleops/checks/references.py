"""`rule.references` entries that Kibana's rule editor would not save.

Neither Kibana's rule API nor detection-rules requires a reference to be a URL: the API's
`RuleReferenceArray` is an array of plain strings (elastic/kibana, `x-pack/solutions/security/
plugins/security_solution/common/api/detection_engine/model/rule_schema/
common_attributes.schema.yaml`), and detection-rules declares `references: list[str] | None`
(`BaseRuleData` in `detection_rules/rule.py`; `detection_rules/schemas/definitions.py` has
no URL type for it). So a rule with a note among its references imports and runs, and the
rule schema accepts it.

Kibana's rule editor does check: its "Reference URLs" field (`step_about_rule/schema.tsx`,
validator `isUrlInvalid` in `public/common/utils/validators`) refuses any entry that does not
parse as an http or https URL written with its `http://` or `https://` prefix, so the rule
cannot be saved from the editor until the entry is fixed. That is worth a warning for any
author, not an Elastic convention.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruleops.checks import rule_check
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule

REFERENCE_NOT_URL = register(
    CheckInfo(
        code="RO111",
        name="schema.reference-not-url",
        severity=Severity.WARNING,
        summary="a reference that Kibana's rule editor does not take for a URL",
        explanation=(
            "Kibana's API and detection-rules accept any string in `references`, so the rule "
            "imports and runs. Kibana's rule editor, though, lists references as \"Reference "
            'URLs" and refuses to save a rule while one of them is not an http or https URL '
            "written with its `http://` or `https://` prefix: whoever edits the rule in Kibana "
            "has to fix it first. Write the full URL, or move prose to `note` or "
            "`false_positives`."
        ),
        example="rule",
        bad='references = ["www.example.com/blog/attack"]',
        good='references = ["https://www.example.com/blog/attack"]',
    )
)

# What Kibana's `isUrlInvalid` accepts: the scheme as written, then a host.
_URL = re.compile(r"https?://[^\s/?#\\]+")
_HOST_LIKE = re.compile(r"[\w-]+(\.[\w-]+)+([/?#]\S*)?")


@rule_check(emits=(REFERENCE_NOT_URL,))
def references_are_urls(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    for path, value in rule.items("rule.references"):
        # An empty entry is RO109's; Kibana's editor itself lets an empty one through.
        if not isinstance(value, str) or not value or _URL.match(value):
            continue
        host_like = _HOST_LIKE.fullmatch(value.strip()) is not None
        yield rule.diagnostic(
            REFERENCE_NOT_URL,
            f"reference {value!r} is not an http(s) URL: Kibana's rule editor will not save "
            "the rule until it is",
            path,
            hint=f'write "https://{value.strip()}"'
            if host_like
            else "write the full URL, or move the text to note or false_positives",
        )
