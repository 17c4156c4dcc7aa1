"""A field one rule reads, one slip away from a field the repository's other rules read.

ECS and the configured field definitions cannot know every field a team's data has: most
integration fields (`okta.event_type`, `winlog.event_data.TargetUserName`) are in neither,
so a misspelling of one passes the query checks (RO350 only sees fields of checked
namespaces and names one slip from a known field). What the repository's other rules read is
the next best reference: when a rule reads `okta.evnt_type`, no other rule reads it, and
other rules read `okta.event_type`, the rule most likely means that field.

A field is reported when
- ECS and the field definitions do not know it, its namespace is not one they check (there
  RO350 reports it) and it is not one slip from a field they know (RO350 too);
- another field, read by at least twice as many rules as this one, is one slip away
  (`ruleops.typos`: one segment differs by one edit, or by case only) and is the only such
  field.

Two fields read equally often are both taken for real (which one would be the typo?), and
so are fields the corpus of Elastic's 2,064 rules reads: it has no such pair.

The fields of every rule come from `Rule.fields` (kept in the check cache's summary, so an
unchanged rule is not parsed). A run of the whole repository compares its rules with each
other; a run that loads only some rules (a commit hook, `--changed-since`, files named on
the command line) compares them with every rule of the repository through the rule index
(`ruleops.rule_index`), where the fields of the rules it does not load are kept. Every
`ruleops check` leaves the fields of the rules it loaded there (`remember_fields`), so a
commit hook after one whole check parses no other rule; with an empty index, its first run
parses every rule once (about 3 s of CPU for 2,000 rules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ruleops.checks import corpus_check
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, emits, register
from ruleops.ecs import Ecs, ecs_for
from ruleops.rule_index import fields as indexed_fields
from ruleops.rule_index import record as record_fields
from ruleops.typos import FieldIndex

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule


def _okta_rules(third: str) -> str:
    """Three rules (the example of RO360): two read okta.event_type, the third `third`."""
    return "".join(
        f'# {name}.toml\nrule_id = "1b6a1c8c-43bb-4c4a-9c31-2f1e6b9f0a0{number}"\n'
        f'name = "Okta {name.upper()}"\nquery = \'any where {field} == "user.session.start"\'\n'
        for number, (name, field) in enumerate(
            [("a", "okta.event_type"), ("b", "okta.event_type"), ("c", third)], start=1
        )
    )


NEAR_REPOSITORY_FIELD = register(
    CheckInfo(
        code="RO360",
        name="fields.near-repository-field",
        severity=Severity.WARNING,
        summary="a field no known schema has, one slip from a field the other rules read",
        explanation=(
            "The field is in neither ECS nor your field definitions, so the query checks "
            "cannot tell whether it exists. But the repository's other rules read a field "
            "one slip away from it (a letter added, dropped, replaced or swapped in one "
            "part of the name, or a difference of case), and read it at least twice as "
            "often: the rule most likely means that field. On the real data a misspelt "
            "field has no value, so the condition never matches (or an exclusion never "
            "applies). Write the field the other rules read; if both fields really exist, "
            "suppress the finding where it stands (`# ruleops: ignore[RO360] <reason>`), "
            "or describe the namespace in `field_definitions`.\n\n"
            "A run of part of the repository (a commit hook, `--changed-since`) compares "
            "the rules it checks with every rule of the repository."
        ),
        example="rule",
        bad=_okta_rules("okta.evnt_type"),
        good=_okta_rules("okta.event_type"),
    )
)


@corpus_check(emits=(NEAR_REPOSITORY_FIELD,))
def near_repository_fields(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    """The rules of the run, compared with each other."""
    yield from _near_fields(rules, config, lambda: {})


@emits(NEAR_REPOSITORY_FIELD)
def near_unchecked_fields(
    config: Config, selected: Iterable[Path] = ()
) -> Callable[[list[Rule], Config], Iterator[Diagnostic]]:
    """A whole-run check for a run that loads only some rules: they are compared with every
    rule of the repository, the others' fields read from the rule index. It supersedes the
    run-only check (`supersedes`), whose counts would be those of the run alone."""
    selected = {p.resolve() for p in selected}

    def near_fields_of_the_repository(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
        checked = {str(Path(rule.path).resolve()) for rule in rules}
        checked |= {str(path) for path in selected}

        def others() -> dict[str, list[str]]:
            return indexed_fields(config, frozenset(checked))

        yield from _near_fields(rules, config, others)

    near_fields_of_the_repository.supersedes = near_repository_fields  # type: ignore[attr-defined]
    return near_fields_of_the_repository


def remember_fields(rules: list[Rule], config: Config) -> None:
    """Keep the fields of the rules a run loaded in the rule index, so that a later run of
    part of the repository parses none of them."""
    record_fields(rules, config)


def _near_fields(
    rules: list[Rule], config: Config, others: Callable[[], dict[str, list[str]]]
) -> Iterator[Diagnostic]:
    ecs = ecs_for(config)
    unknown = _Unknown(ecs)
    suspects = {name for rule in rules for name in rule.fields if unknown(name)}
    if not suspects:
        return  # the commit hook's usual case: the other rules are not even looked at
    # Only the readers of the suspects and of the fields one slip from them matter.
    near_suspects = FieldIndex(suspects)
    readers: Counter[str] = Counter()

    def count(names: Iterable[str]) -> None:
        for name in names:
            if name in suspects or (near_suspects.neighbours(name) and unknown(name)):
                readers[name] += 1

    for rule in rules:
        count(rule.fields)
    for names in others().values():
        count(names)
    index = FieldIndex(readers)
    for rule in rules:
        for name, offset in rule.fields.items():
            if name not in suspects:
                continue
            nearby = [n for n in index.neighbours(name) if readers[n] >= 2 * readers[name]]
            if len(nearby) != 1:
                continue
            [near] = nearby
            others_reading = readers[near] - (near in rule.fields)
            yield rule.diagnostic(
                NEAR_REPOSITORY_FIELD,
                f"{name} is in no known schema and is read by "
                + ("no other rule" if readers[name] == 1 else f"{readers[name]} rules")
                + f"; {near}, one slip away, is read by {others_reading} other rule"
                + ("s" if others_reading != 1 else ""),
                "rule.query",
                position=rule.position_in("rule.query", offset),
                hint=f"write {near}",
            )


class _Unknown:
    """Whether nothing else can say if a field exists: ECS and the field definitions do not
    know it, do not check its namespace and know no field one slip from it (RO350 reports
    those), and it holds no space (RO350 names that slip too). Answers are remembered: a
    repository reads a few hundred distinct fields thousands of times."""

    def __init__(self, ecs: Ecs) -> None:
        self._ecs = ecs
        self._answers: dict[str, bool] = {}

    def __call__(self, name: str) -> bool:
        answer = self._answers.get(name)
        if answer is None:
            ecs = self._ecs
            answer = self._answers[name] = (
                not ecs.is_known(name)
                and not ecs.is_checked(name)
                and not any(c.isspace() for c in name)
                and ecs.typo_of(name) is None
            )
        return answer
