"""The field types a KQL rule is run with, and its field-name wildcards spelled out.

A KQL condition means what the field's type makes it mean (`ruleops.query.field_semantics`):
the evaluator reads each field with the type given here. Types come from ECS, the
repository's `field_definitions`, or an index mapping, plus the text fields of Elastic's
integrations that KQL rules query most (`INTEGRATION_TEXT_FIELDS`).

Field-name wildcards (`file.hash.*:*`) stand for every field they match, as Kibana expands
them against the data view; `expand_field_wildcards` spells them out over the known fields
(an `or` over `file.hash.md5`, `file.hash.sha1`, …), so that the fixture generator sees real
field names. A wildcard that no known field matches is left to the evaluator, which expands
it over the event's own fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache

from ruleops.ecs import load_ecs
from ruleops.query.ast import Compare, Exists, Expr, Field, Match, Or, rebuild
from ruleops.query.wildcard import compile_wildcard

# Text fields outside ECS that KQL rules query most: the Windows integration maps PowerShell
# script block text as an analysed text field (307 uses in Elastic's rules).
INTEGRATION_TEXT_FIELDS: Mapping[str, str] = {"powershell.file.script_block_text": "text"}


def kql_field_types(known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The types a KQL rule runs with: `known` (ECS and field definitions, or a mapping;
    ECS when not given) over the integration text fields. The fixture runner, the
    explanations, coverage, fixture generation and `ruleops.strategies` all read a KQL
    rule's fields with these (through `rule_types.compile_rule_type`)."""
    return {**INTEGRATION_TEXT_FIELDS, **(load_ecs().fields if known is None else known)}


def expand_field_wildcards(expr: Expr, types: Mapping[str, str]) -> Expr:
    """`expr` with each field-name wildcard replaced by an `or` over the fields of `types`
    it matches (`*` spans dots). Free text (`*` alone) and quoted names stay as they are."""

    def visit(node: Expr) -> Expr:
        target = _field_of(node)
        if (
            target is not None
            and not target.verbatim
            and "*" in target.name
            and target.path != ("*",)
        ):
            names = _expand(target.name, tuple(sorted(types)))
            if names:
                copies = tuple(
                    visit(_with_field(node, Field(tuple(n.split(".")), target.span))) for n in names
                )
                return copies[0] if len(copies) == 1 else Or(copies, node.span)
        return rebuild(node, visit)

    return visit(expr)


def _field_of(node: Expr) -> Field | None:
    if isinstance(node, Match) and isinstance(node.value, Field):
        return node.value
    if isinstance(node, Exists):
        return node.field
    if isinstance(node, Compare) and isinstance(node.left, Field):
        return node.left
    return None


def _with_field(node: Expr, field: Field) -> Expr:
    if isinstance(node, Match):
        return dataclasses.replace(node, value=field)
    if isinstance(node, Exists):
        return dataclasses.replace(node, field=field)
    assert isinstance(node, Compare), node  # a KQL leaf is a match, an exists or a range
    return dataclasses.replace(node, left=field)


@lru_cache(maxsize=256)
def _expand(pattern: str, names: tuple[str, ...]) -> tuple[str, ...]:
    matches = compile_wildcard(pattern, question_mark=False)
    return tuple(name for name in names if matches(name))
