"""Checks across files: two rules must not share a rule_id or a name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ruleops.checks import corpus_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.loading import Rule

DUPLICATE_ID = register(
    CheckInfo(
        code="RO050",
        name="crossfile.duplicate-rule-id",
        severity=Severity.ERROR,
        summary="two rule files have the same rule_id",
        explanation=(
            "Kibana identifies a rule by its rule_id: when two files share one, the second "
            "silently replaces the first on import. Usually a file was copied to start a new "
            "rule and kept the old id. Give the new rule a fresh UUID (`python -c 'import uuid; "
            "print(uuid.uuid4())'`)."
        ),
        bad='# a.toml\nrule_id = "0a1b…"\n# b.toml\nrule_id = "0a1b…"',
        good='# a.toml\nrule_id = "0a1b…"\n# b.toml\nrule_id = "7f3e…"',
    )
)
DUPLICATE_NAME = register(
    CheckInfo(
        code="RO051",
        name="crossfile.duplicate-name",
        severity=Severity.ERROR,
        summary="two rule files have the same rule name",
        explanation=(
            "Analysts triage alerts by rule name; two rules with one name make alerts "
            "ambiguous and break name-based exceptions and dashboards. Rename one of them. "
            'Deprecated rules (maturity = "deprecated") are left out: a retired rule keeps '
            "the name of the rule that replaced it."
        ),
        bad='# a.toml\nname = "Suspicious PowerShell"\n# b.toml\nname = "Suspicious PowerShell"',
        good=(
            '# a.toml\nname = "Suspicious PowerShell Download"\n'
            '# b.toml\nname = "Suspicious PowerShell Encoded Command"'
        ),
    )
)


@corpus_check
def duplicates(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    for code, attribute, key, label in (
        (DUPLICATE_ID.code, "rule_id", "rule.rule_id", "rule_id"),
        (DUPLICATE_NAME.code, "name", "rule.name", "name"),
    ):
        owners: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            if attribute == "name" and rule.maturity == "deprecated":
                continue
            value = getattr(rule, attribute)
            if value:
                owners[value.strip().lower() if attribute == "name" else value].append(rule)
        for same in owners.values():
            if len(same) < 2:
                continue
            for rule in same:
                others = ", ".join(other.path for other in same if other is not rule)
                yield rule.diagnostic(
                    code,
                    f"{label} {getattr(rule, attribute)!r} is also used by {others}",
                    key,
                    hint=f"each rule needs its own {label}",
                )
