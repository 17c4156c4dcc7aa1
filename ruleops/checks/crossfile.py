"""Checks across files: two rules must not share a rule_id or a name, including rules of the
repository that a run does not check (`--changed-since`, a commit's staged files)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ruleops.checks import corpus_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, emits, register
from ruleops.loading import Rule
from ruleops.rule_index import identities

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
        example="rule",
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
        example="rule",
        bad='# a.toml\nname = "Suspicious PowerShell"\n# b.toml\nname = "Suspicious PowerShell"',
        good=(
            '# a.toml\nname = "Suspicious PowerShell Download"\n'
            '# b.toml\nname = "Suspicious PowerShell Encoded Command"'
        ),
    )
)


@corpus_check(emits=(DUPLICATE_ID, DUPLICATE_NAME))
def duplicates(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    for info, attribute, key, label in (
        (DUPLICATE_ID, "rule_id", "rule.rule_id", "rule_id"),
        (DUPLICATE_NAME, "name", "rule.name", "name"),
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
                    info,
                    f"{label} {getattr(rule, attribute)!r} is also used by {others}",
                    key,
                    hint=f"each rule needs its own {label}",
                )


# A factory of checks; the checks it makes report these codes.
@emits(DUPLICATE_ID, DUPLICATE_NAME)
def unchecked_duplicates(
    config: Config, selected: Iterable[Path] = ()
) -> Callable[[list[Rule], Config], Iterator[Diagnostic]]:
    """A whole-run check: a checked rule must not take the rule_id or name of a rule of the
    repository that the run does not load (the rules a pull request did not change, the
    files a commit does not stage), which the cross-file check alone would miss. Those
    other rules are only scanned for the two values, not parsed."""
    selected = {p.resolve() for p in selected}

    def duplicates_of_unchecked(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
        if not rules:
            return

        checked = {str(Path(rule.path).resolve()) for rule in rules}
        checked |= {str(path) for path in selected}
        ids: dict[str, list[str]] = {}
        names: dict[str, list[str]] = {}
        for path, identity in identities(config, frozenset(checked)).items():
            if not identity.is_rule:
                continue
            if identity.rule_id:
                ids.setdefault(identity.rule_id, []).append(path)
            if identity.name and not identity.deprecated:
                names.setdefault(identity.name.strip().lower(), []).append(path)
        for rule in rules:
            deprecated = rule.maturity == "deprecated"
            for info, label, key, value, owners in (
                (DUPLICATE_ID, "rule_id", "rule.rule_id", rule.rule_id, ids),
                (DUPLICATE_NAME, "name", "rule.name", rule.name, names),
            ):
                if not value or (label == "name" and deprecated):
                    continue
                others = owners.get(value.strip().lower() if label == "name" else value)
                if others:
                    shown = ", ".join(_shown(Path(p)) for p in sorted(others))
                    yield rule.diagnostic(
                        info,
                        f"{label} {value!r} is also used by {shown} (not checked in this run)",
                        key,
                        hint=f"each rule needs its own {label}",
                    )

    return duplicates_of_unchecked


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
