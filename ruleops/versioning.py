"""Version discipline on pull requests: a rule whose detection logic changed says so.

Compared with the rule as it was at the merge base of `--changed-since REF`: when the query
or another field that decides what the rule detects changed, `[metadata] updated_date` must
change, and `version` must go up where the repository uses that field (Elastic's own
repository keeps versions in a lock file instead, so a rule without `version` at REF is not
asked for one). Texts (description, note, tags, ATT&CK mapping...) may change freely.
Each finding carries a fix, so `check --fix` bumps both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruleops.changes import Selection, text_at
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Fix, Severity, emits, register
from ruleops.loading import Rule, parse_toml

# Keys of [rule] that describe, grade or present a rule without changing what it matches.
# Anything else (query, language, type, index, filters, threshold, new_terms, from,
# interval, machine_learning_job_id, threat_index, any key not listed...) is detection logic.
DESCRIPTIVE_KEYS = frozenset(
    {
        "author",
        "building_block_type",
        "description",
        "false_positives",
        "investigation_fields",
        "license",
        "meta",
        "name",
        "note",
        "references",
        "related_integrations",
        "required_fields",
        "risk_score",
        "risk_score_mapping",
        "rule_name_override",
        "setup",
        "severity",
        "severity_mapping",
        "tags",
        "threat",
        "timeline_id",
        "timeline_title",
        "version",
    }
)

VERSION_NOT_BUMPED = register(
    CheckInfo(
        code="RO610",
        name="version.not-bumped",
        severity=Severity.ERROR,
        summary="the detection logic changed but `version` did not go up",
        explanation=(
            "Since the compared ref (`--changed-since REF`), a field that decides what the "
            "rule detects changed (the query, its language, type, index patterns, filters, "
            "threshold, new-terms fields, schedule...). Kibana only replaces an installed "
            "rule with a higher version, so the change would never reach users. Raise "
            "`version` by one (`ruleops check --fix` does it). Only checked where the rule "
            "had a `version` at the ref."
        ),
        example="prose",
        bad="# at main: version = 3, query = 'process where process.name == \"a\"'\n"
        "version = 3\nquery = 'process where process.name == \"b\"'",
        good="version = 4\nquery = 'process where process.name == \"b\"'",
    )
)
DATE_NOT_UPDATED = register(
    CheckInfo(
        code="RO611",
        name="version.updated-date-unchanged",
        severity=Severity.ERROR,
        summary="the detection logic changed but `[metadata] updated_date` did not",
        explanation=(
            "Since the compared ref (`--changed-since REF`), a field that decides what the "
            "rule detects changed, yet `updated_date` is the date of the previous change. "
            "Reviewers and users read this date to see when a rule's behaviour last "
            "changed. Set it to today (YYYY/MM/DD; `ruleops check --fix` does it)."
        ),
        example="prose",
        bad='# at main: updated_date = "2024/05/01"\nupdated_date = "2024/05/01"  # query changed',
        good='updated_date = "2024/06/12"',
    )
)


def logic(data: dict[str, Any]) -> dict[str, Any]:
    """The part of a rule's data that decides what it detects."""
    rule = data.get("rule")
    if not isinstance(rule, dict):
        return {}
    return {k: v for k, v in rule.items() if k not in DESCRIPTIVE_KEYS}


def changed_logic(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The detection-logic keys whose value differs, sorted."""
    old, new = logic(before), logic(after)
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


@emits(VERSION_NOT_BUMPED, DATE_NOT_UPDATED)
def check_versions(
    rule: Rule, before: dict[str, Any], *, today: dt.date | None = None
) -> list[Diagnostic]:
    """Findings for `rule` compared with its data `before` (at the ref)."""
    keys = changed_logic(before, rule.data)
    if not keys:
        return []
    what = ", ".join(keys)
    found: list[Diagnostic] = []
    old = Rule("<before>", "", before)
    old_version, new_version = old.integer("rule.version"), rule.value("rule.version")
    new_number = rule.integer("rule.version")
    if old_version is not None and not (new_number is not None and new_number > old_version):
        shown = "missing" if new_version is None else new_version
        diagnostic = rule.diagnostic(
            VERSION_NOT_BUMPED,
            f"{what} changed since the compared ref, but version is {shown} (was {old_version})",
            "rule.version" if new_version is not None else "rule",
            hint=f"set version = {old_version + 1}",
        )
        found.append(_with_fix(diagnostic, (("rule.version", old_version + 1),)))
    old_date = old.value("metadata.updated_date")
    new_date = rule.value("metadata.updated_date")
    if new_date is not None and new_date == old_date:
        date = (today or dt.date.today()).strftime("%Y/%m/%d")
        diagnostic = rule.diagnostic(
            DATE_NOT_UPDATED,
            f"{what} changed since the compared ref, but updated_date is still {new_date}",
            "metadata.updated_date",
            hint=f'set updated_date = "{date}"',
        )
        fix = (("metadata.updated_date", date),) if date != new_date else ()
        found.append(_with_fix(diagnostic, fix))
    return found


def _with_fix(d: Diagnostic, fix: Fix) -> Diagnostic:
    return replace(d, fix=fix)


def selection_check(
    selection: Selection,
) -> Callable[[list[Rule], Config], Iterable[Diagnostic]]:
    """A whole-run check comparing each selected rule with its text at the merge base."""

    def versions(rules: list[Rule], config: Config) -> Iterable[Diagnostic]:
        for rule in rules:
            path = Path(rule.path).resolve()
            text = text_at(selection.base, selection.previous.get(path, path), selection.root)
            if text is None:
                continue  # a new rule: nothing to compare with
            before, _ = parse_toml(text, rule.path)
            if before is None:
                continue  # it did not parse then; today's version is what counts
            yield from check_versions(rule, before)

    return versions
