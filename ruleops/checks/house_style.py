"""Conventions of elastic/detection-rules that go beyond the file format.

Each check here matches what the production rules of that repository consistently do, so a
warning names a real inconsistency. A repository with other conventions switches them all
off with `house_style = false` in `[tool.ruleops]`. Values of the wrong type are left to the
schema check: these checks only look at values that are already well formed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from ruleops.attack import load_attack
from ruleops.checks import rule_check
from ruleops.datemath import duration_seconds, offset_seconds
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.loading import DEFAULT_FROM, DEFAULT_INTERVAL

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule


_INDEXED_RULE = """\
[metadata]
creation_date = "2024/05/01"
maturity = "production"
updated_date = "2024/05/01"

[rule]
author = ["Elastic"]
description = "Detects cmd.exe."
name = "Command Shell"
risk_score = 47
rule_id = "0b9f8c5e-2f5c-4a3f-9a55-0f1b5e6a7c21"
severity = "medium"
type = "eql"
language = "eql"
index = ["logs-endpoint.events.process-*"]
query = 'process where process.name == "cmd.exe"'
"""

# The one risk score each severity gets in elastic/detection-rules.
RISK_SCORE_OF = {"low": 21, "medium": 47, "high": 73, "critical": 99}

RISK_SCORE = register(
    CheckInfo(
        code="RO150",
        name="style.risk-score-severity",
        severity=Severity.WARNING,
        summary="risk_score is not the value that goes with the rule's severity",
        explanation=(
            "elastic/detection-rules gives every severity one risk score: low 21, medium 47, high "
            "73, critical 99. Alerts are sorted and bucketed by risk score, so a rule with a "
            "score off that ladder ranks unlike the other rules of its severity. Use the score of "
            "the severity, or change the severity."
        ),
        example="rule",
        bad='severity = "medium"\nrisk_score = 43',
        good='severity = "medium"\nrisk_score = 47',
        house_style=True,
        elastic_style=True,
    )
)
LOOKBACK_GAP = register(
    CheckInfo(
        code="RO151",
        name="style.lookback-gap",
        severity=Severity.WARNING,
        summary="`from` looks back less than one `interval`, so events fall between runs",
        explanation=(
            "A rule runs every `interval` (default 5m) and searches from `from` (default now-6m) "
            "to now. When `from` reaches back less than one interval, the events of the uncovered "
            "part of each interval are never searched. elastic/detection-rules looks back one "
            "interval plus a margin for ingest delay (now-9m with 5m, now-2m with 1m)."
        ),
        example="rule",
        bad='interval = "2m"\nfrom = "now-1m"',
        good='interval = "1m"\nfrom = "now-2m"',
        house_style=True,
    )
)
DATE_ORDER = register(
    CheckInfo(
        code="RO152",
        name="style.date-order",
        severity=Severity.WARNING,
        summary="a metadata date is earlier than the rule's creation_date",
        explanation=(
            "updated_date and deprecation_date record events after the rule was created; one "
            "earlier than creation_date is a typo in one of the dates (often a swapped month and "
            "day or a year). The release tooling orders changes by these dates."
        ),
        example="rule",
        bad='[metadata]\ncreation_date = "2024/05/01"\nupdated_date = "2024/01/05"',
        good='[metadata]\ncreation_date = "2024/01/05"\nupdated_date = "2024/05/01"',
        house_style=True,
    )
)
DEPRECATION = register(
    CheckInfo(
        code="RO153",
        name="style.deprecation-date",
        severity=Severity.WARNING,
        summary="maturity and deprecation_date disagree",
        explanation=(
            'A rule with maturity = "deprecated" records when it was retired in deprecation_date; '
            "a rule that is not deprecated has no deprecation_date. Either the maturity or the "
            "date is left over from an edit."
        ),
        example="rule",
        bad='[metadata]\nmaturity = "deprecated"\nupdated_date = "2024/05/01"',
        good=(
            '[metadata]\nmaturity = "deprecated"\ndeprecation_date = "2024/05/01"\n'
            'updated_date = "2024/05/01"'
        ),
        house_style=True,
    )
)
DUPLICATE_ENTRY = register(
    CheckInfo(
        code="RO154",
        name="style.duplicate-entry",
        severity=Severity.WARNING,
        summary="the same entry twice in tags, index, author, references or false_positives",
        explanation=(
            "These lists are sets: a repeated entry adds nothing, and in tags it usually means a "
            "copy-paste where another tag was meant."
        ),
        example="rule",
        bad='tags = ["Domain: Endpoint", "OS: Windows", "Domain: Endpoint"]',
        good='tags = ["Domain: Endpoint", "OS: Windows"]',
        house_style=True,
    )
)
TAG_FORMAT = register(
    CheckInfo(
        code="RO155",
        name="style.tag-format",
        severity=Severity.WARNING,
        summary='a tag that is not written "Category: Value" with a known category',
        explanation=(
            "Tags of elastic/detection-rules are faceted: Domain, OS, Use Case, Tactic, Data "
            "Source, Resources, Rule Type, Threat, Platform, Promotion, Mitre Atlas, each written "
            '"Category: Value". Kibana filters rules by these exact strings, so a bare tag or a '
            "misspelt category is invisible to those filters. Deprecated rules keep their old "
            "tags and are not checked."
        ),
        example="rule",
        bad='tags = ["Windows", "Tatic: Execution"]',
        good='tags = ["OS: Windows", "Tactic: Execution"]',
        house_style=True,
        elastic_style=True,
    )
)
BUILDING_BLOCK = register(
    CheckInfo(
        code="RO156",
        name="style.building-block",
        severity=Severity.WARNING,
        summary='building_block_type, the "Rule Type: BBR" tag and BBR timing disagree',
        explanation=(
            'A building block rule (building_block_type = "default") carries the tag "Rule Type: '
            'BBR", and the tag is only on building block rules. detection-rules requires building '
            "block rules to set `from` and `interval`, looking back at least 119 minutes and "
            "running at most once an hour (from = now-119m or earlier, interval = 60m or "
            "longer), unless metadata.bypass_bbr_timing = true says otherwise."
        ),
        example="rule",
        bad='building_block_type = "default"\ntags = ["Domain: Endpoint"]\nfrom = "now-9m"',
        good=(
            'building_block_type = "default"\ntags = ["Domain: Endpoint", "Rule Type: BBR"]\n'
            'from = "now-119m"\ninterval = "60m"'
        ),
        house_style=True,
        elastic_style=True,
    )
)
MIN_STACK_COMMENTS = register(
    CheckInfo(
        code="RO157",
        name="style.min-stack-comments",
        severity=Severity.WARNING,
        summary="min_stack_version without min_stack_comments",
        explanation=(
            "Raising min_stack_version hides the rule from every older stack, so "
            "elastic/detection-rules always says why in min_stack_comments."
        ),
        example="rule",
        bad='[metadata]\nmin_stack_version = "8.12.0"',
        good='[metadata]\nmin_stack_version = "8.12.0"\nmin_stack_comments = "New fields in 8.12"',
        house_style=True,
        elastic_style=True,
    )
)
LICENSE = register(
    CheckInfo(
        code="RO158",
        name="style.license",
        severity=Severity.WARNING,
        summary='license is not "Elastic License v2"',
        explanation=(
            'Every current rule of elastic/detection-rules is published under "Elastic License '
            'v2", written exactly so; Kibana shows the string as is. Deprecated rules keep the '
            "license they were retired with and are not checked."
        ),
        example="rule",
        bad='license = "Elastic Licence v2"',
        good='license = "Elastic License v2"',
        house_style=True,
        elastic_style=True,
    )
)

DESCRIPTION_END = register(
    CheckInfo(
        code="RO159",
        name="style.description-sentence",
        severity=Severity.WARNING,
        summary="the description does not end as a sentence",
        explanation=(
            "Descriptions are shown as prose in Kibana and in the published rule pages; every "
            "description of elastic/detection-rules is written in full sentences ending with a "
            "full stop. A description that stops mid-sentence, or ends in a stray quote, was "
            "usually cut or mangled while editing."
        ),
        example="rule",
        bad='description = "Identifies cmd.exe started by svchost.exe"',
        good='description = "Identifies cmd.exe started by svchost.exe."',
        house_style=True,
    )
)
NAME_FORMAT = register(
    CheckInfo(
        code="RO160",
        name="style.name-format",
        severity=Severity.WARNING,
        summary="the rule name ends with a full stop or has stray spaces",
        explanation=(
            "Rule names are titles: no full stop at the end, no leading, trailing or doubled "
            "spaces. Analysts search and sort alerts by name, and a stray space makes two names "
            "that look the same differ."
        ),
        example="rule",
        bad='name = "Suspicious Service Creation. "',
        good='name = "Suspicious Service Creation"',
        house_style=True,
    )
)
MISSING_INDEX = register(
    CheckInfo(
        code="RO161",
        name="style.missing-index",
        severity=Severity.WARNING,
        summary="a rule that searches indices names neither index nor data_view_id",
        explanation=(
            "Without `index` (or `data_view_id`) Kibana searches its default index patterns, which "
            "differ between deployments, so the rule finds different events on every stack. Every "
            "query, eql, threshold, new_terms and indicator match rule of elastic/detection-rules "
            "names the indices it reads."
        ),
        example="rule",
        bad=_INDEXED_RULE.replace('index = ["logs-endpoint.events.process-*"]\n', ""),
        good=_INDEXED_RULE,
        house_style=True,
    )
)

TYPE_TAG = register(
    CheckInfo(
        code="RO162",
        name="style.rule-type-tag",
        severity=Severity.WARNING,
        summary='a machine_learning or threat_match rule without its "Rule Type:" tags',
        explanation=(
            'elastic/detection-rules tags every machine learning rule "Rule Type: ML" and "Rule '
            'Type: Machine Learning", and every indicator match rule "Rule Type: Threat Match"; '
            "Kibana's rule filters and the published rule lists group rules by these tags. "
            "Deprecated rules are not checked."
        ),
        example="rule",
        bad='type = "machine_learning"\ntags = ["Domain: Endpoint", "Use Case: Threat Detection"]',
        good=(
            'type = "machine_learning"\ntags = ["Domain: Endpoint", "Use Case: Threat Detection", '
            '"Rule Type: ML", "Rule Type: Machine Learning"]'
        ),
        house_style=True,
        elastic_style=True,
    )
)

HOUSE_LICENSE = "Elastic License v2"
TYPE_TAGS = {
    "machine_learning": ("Rule Type: ML", "Rule Type: Machine Learning"),
    "threat_match": ("Rule Type: Threat Match",),
}
SENTENCE_ENDS = (".", "!", "?")
INDEX_TYPES = frozenset({"query", "eql", "threshold", "new_terms", "threat_match"})
TAG_CATEGORIES = (
    "Data Source",
    "Domain",
    "Mitre Atlas",
    "OS",
    "Platform",
    "Promotion",
    "Resources",
    "Rule Type",
    "Tactic",
    "Threat",
    "Use Case",
)
# Bare tags of the older, unfaceted style and the faceted tag that replaced each (the
# tactics: those of the packaged ATT&CK data, see `faceted_tags`).
FACETED = {
    value.lower(): f"{category}: {value}"
    for category, values in (
        ("OS", ("Windows", "Linux", "macOS")),
        ("Domain", ("Endpoint", "Cloud", "Network", "Identity", "Container", "Kubernetes")),
        ("Use Case", ("Threat Detection", "Identity and Access Audit", "Vulnerability")),
    )
    for value in values
}
FACETED["host"] = "Domain: Endpoint"


@cache
def faceted_tags() -> dict[str, str]:
    """`FACETED` and every ATT&CK Enterprise tactic, read when a bare tag first needs it."""
    tactics = {t.name.lower(): f"Tactic: {t.name}" for t in load_attack().tactics.values()}
    return {**FACETED, **tactics}


BBR_TAG = "Rule Type: BBR"
BBR_FROM, BBR_INTERVAL = "now-119m", "60m"
BBR_LOOKBACK, BBR_EVERY = 119 * 60, 60 * 60

_DATE = re.compile(r"^\d{4}/\d{2}/\d{2}$")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_TAG = re.compile(r"^(?P<category>[^:]+): \S")


def _deprecated(rule: Rule) -> bool:
    return rule.maturity == "deprecated"


def _has(rule: Rule, key_path: str) -> bool:
    return rule.value(key_path) is not None


@rule_check(emits=(RISK_SCORE,))
def risk_score_matches_severity(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    severity, score = rule.string("rule.severity"), rule.integer("rule.risk_score")
    expected = RISK_SCORE_OF.get(severity) if severity is not None else None
    if expected is None or score is None:
        return
    if score != expected:
        ladder = ", ".join(f"{name} {value}" for name, value in RISK_SCORE_OF.items())
        yield rule.diagnostic(
            RISK_SCORE,
            f"risk_score {score} does not go with severity {severity!r}, which scores {expected}",
            "rule.risk_score",
            hint=f"set risk_score = {expected} (house scores: {ladder})",
        )


@rule_check(emits=(LOOKBACK_GAP,))
def lookback_covers_interval(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    start = rule.string("rule.from") or DEFAULT_FROM
    end = rule.string("rule.to") or "now"
    every = rule.string("rule.interval") or DEFAULT_INTERVAL
    first, last = offset_seconds(start), offset_seconds(end)
    step = duration_seconds(every)
    # A window that holds no time is timing.searches-nothing (RO112), on every rule.
    if first is None or last is None or step is None or not 0 < last - first < step:
        return
    key = "rule.from" if _has(rule, "rule.from") else "rule.interval"
    yield rule.diagnostic(
        LOOKBACK_GAP,
        f"from = {start!r} looks back less than the interval of {every!r}: "
        "events in the rest of each interval are never searched",
        key,
        hint=f'look back at least one interval plus a margin, e.g. from = "now-{_double(every)}"',
    )


def _double(duration: str) -> str:
    match = _DURATION.match(duration)
    return f"{int(match[1]) * 2}{match[2]}" if match else duration


@rule_check(emits=(DATE_ORDER,))
def dates_in_order(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    created = rule.string("metadata.creation_date")
    if not created or not _DATE.match(created):
        return
    for key in ("updated_date", "deprecation_date"):
        later = rule.string(f"metadata.{key}")
        # YYYY/MM/DD strings compare in date order.
        if later and _DATE.match(later) and later < created:
            yield rule.diagnostic(
                DATE_ORDER,
                f"{key} {later} is before creation_date {created}",
                f"metadata.{key}",
                hint="one of the two dates is mistyped",
            )


@rule_check(emits=(DEPRECATION,))
def deprecation_date_matches_maturity(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    maturity = rule.maturity
    has_date = _has(rule, "metadata.deprecation_date")
    if maturity == "deprecated" and not has_date:
        yield rule.diagnostic(
            DEPRECATION,
            "deprecated rule has no deprecation_date",
            "metadata.maturity",
            hint='add deprecation_date = "YYYY/MM/DD" to [metadata]',
        )
    elif maturity is not None and maturity != "deprecated" and has_date:
        yield rule.diagnostic(
            DEPRECATION,
            f"rule has a deprecation_date but maturity is {maturity!r}",
            "metadata.deprecation_date",
            hint='set maturity = "deprecated", or remove deprecation_date',
        )


@rule_check(emits=(DUPLICATE_ENTRY,))
def no_duplicate_entries(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    for key in ("tags", "index", "author", "references", "false_positives"):
        seen: dict[object, int] = {}
        for position, (path, value) in enumerate(rule.items(f"rule.{key}")):
            if not isinstance(value, str):
                continue
            if value in seen:
                yield rule.diagnostic(
                    DUPLICATE_ENTRY,
                    f"{key} lists {value!r} twice (entries {seen[value] + 1} and {position + 1})",
                    path,
                    hint="remove the repeated entry",
                )
            else:
                seen[value] = position


@rule_check(emits=(TAG_FORMAT,))
def tags_are_faceted(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    if _deprecated(rule):
        return
    for path, tag in rule.items("rule.tags"):
        if not isinstance(tag, str):
            continue
        match = _TAG.match(tag)
        category = match["category"] if match else None
        if category in TAG_CATEGORIES:
            continue
        if category is None:
            message = f'tag {tag!r} is not written "Category: Value"'
            faceted = faceted_tags().get(tag.strip().lower())
            if faceted:
                hint = f"write it as {faceted!r}"
            elif tag.strip() == "Elastic":
                hint = "remove it: the old-style author tag is now the `author` key"
            else:
                hint = f"prefix it with one of: {', '.join(TAG_CATEGORIES)}"
        else:
            message = f"tag {tag!r} has an unknown category {category!r}"
            near = difflib.get_close_matches(category, TAG_CATEGORIES, n=1, cutoff=0.6)
            hint = (
                f"did you mean {near[0]!r}?"
                if near
                else f"categories in use: {', '.join(TAG_CATEGORIES)}"
            )
        yield rule.diagnostic(TAG_FORMAT, message, path, hint=hint)


@rule_check(emits=(BUILDING_BLOCK,))
def building_blocks_are_consistent(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    tagged = [path for path, tag in rule.items("rule.tags") if tag == BBR_TAG]
    block = _has(rule, "rule.building_block_type")
    if block and not tagged:
        yield rule.diagnostic(
            BUILDING_BLOCK,
            f"building block rule lacks the tag {BBR_TAG!r}",
            "rule.building_block_type",
            hint=f'add "{BBR_TAG}" to tags',
        )
    elif tagged and not block:
        yield rule.diagnostic(
            BUILDING_BLOCK,
            f"rule is tagged {BBR_TAG!r} but has no building_block_type",
            tagged[0],
            hint='add building_block_type = "default", or remove the tag',
        )
    if not block or rule.boolean("metadata.bypass_bbr_timing") is True:
        return
    start, every = rule.string("rule.from"), rule.string("rule.interval")
    # detection-rules (DataValidator.validate_bbr in detection_rules/rule.py) requires both,
    # looking back at least 119 minutes and running at most every 60 minutes.
    back = offset_seconds(start) if start else None
    step = duration_seconds(every) if every else None
    if back is None or back > -BBR_LOOKBACK or step is None or step < BBR_EVERY:
        yield rule.diagnostic(
            BUILDING_BLOCK,
            f"building block rule runs with from = {start or DEFAULT_FROM!r}, "
            f"interval = {every or DEFAULT_INTERVAL!r}; building blocks set "
            f"from = {BBR_FROM!r} and interval = {BBR_INTERVAL!r} or longer",
            "rule.from" if _has(rule, "rule.from") else "rule.building_block_type",
            hint="use the building block timing, or set metadata.bypass_bbr_timing = true",
        )


@rule_check(emits=(MIN_STACK_COMMENTS,))
def min_stack_version_explained(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    if _has(rule, "metadata.min_stack_version") and not _has(rule, "metadata.min_stack_comments"):
        yield rule.diagnostic(
            MIN_STACK_COMMENTS,
            "min_stack_version is set without min_stack_comments saying why",
            "metadata.min_stack_version",
            hint='add min_stack_comments = "<what needs this version>"',
        )


@rule_check(emits=(LICENSE,))
def house_license(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    license_ = rule.string("rule.license")
    if license_ is None or license_ == HOUSE_LICENSE or _deprecated(rule):
        return
    yield rule.diagnostic(
        LICENSE,
        f"license is {license_!r}; rules here are published under {HOUSE_LICENSE!r}",
        "rule.license",
        hint=f'write license = "{HOUSE_LICENSE}"',
    )


@rule_check(emits=(DESCRIPTION_END,))
def description_ends_a_sentence(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    description = rule.string("rule.description")
    if not description or not description.strip() or _deprecated(rule):
        return
    ending = description.rstrip()
    if not ending.endswith(SENTENCE_ENDS):
        yield rule.diagnostic(
            DESCRIPTION_END,
            f"description ends with {ending[-20:]!r}, not with a full stop",
            "rule.description",
            hint="finish the last sentence with a full stop",
        )


@rule_check(emits=(NAME_FORMAT,))
def name_is_a_title(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    name = rule.name
    if not name:
        return
    if name != name.strip() or "  " in name:
        problem = "has leading, trailing or doubled spaces"
    elif name.endswith("."):
        problem = "ends with a full stop"
    else:
        return
    yield rule.diagnostic(
        NAME_FORMAT,
        f"rule name {name!r} {problem}",
        "rule.name",
        hint=f"write name = {' '.join(name.split()).rstrip('.')!r}",
    )


@rule_check(emits=(MISSING_INDEX,))
def index_is_named(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    kind = rule.string("rule.type")
    if kind not in INDEX_TYPES or _has(rule, "rule.index") or _has(rule, "rule.data_view_id"):
        return
    yield rule.diagnostic(
        MISSING_INDEX,
        f"{kind} rule names no index (and no data_view_id): it would search Kibana's defaults",
        "rule.type",
        hint='add index = ["<the index patterns this rule reads>"]',
    )


@rule_check(emits=(TYPE_TAG,))
def rule_type_is_tagged(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    tags = rule.value("rule.tags")
    kind = rule.string("rule.type")
    if _deprecated(rule) or not isinstance(tags, list) or kind is None:
        return
    missing = [tag for tag in TYPE_TAGS.get(kind, ()) if tag not in tags]
    if missing:
        wanted = ", ".join(f'"{tag}"' for tag in missing)
        yield rule.diagnostic(
            TYPE_TAG,
            f"{kind} rule lacks the tag{'s' if len(missing) > 1 else ''} {wanted}",
            "rule.tags",
            hint=f"add {wanted} to tags",
        )
