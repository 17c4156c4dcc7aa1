"""What a KQL match means given the field's type, made explicit for the evaluator.

Kibana's Query DSL depends on the mapping: a term on an analysed text field matches words,
a term on an `ip` field takes CIDR blocks, a field-name wildcard stands for the fields it
matches. The evaluator, which knows no types, reads an address or CIDR term as addresses and
expands field-name wildcards against the event's own fields. Before running a rule the
executor rewrites, using ECS types, what the evaluator cannot know: matches on text fields
become case-insensitive regexes over the text, address-like terms on fields that are not
`ip` fields exact regexes (text), and field-name wildcards `or`s of the ECS fields they
stand for (real field names for the fixture generator, and text fields analysed).
semantics.md lists the approximations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from ruleops import es_types
from ruleops.query.ast import Compare, Exists, Expr, Field, Match, Or, rebuild
from ruleops.query.wildcard import regex_literal

# Text fields outside ECS that KQL rules query most: the Windows integration maps PowerShell
# script block text as an analysed text field (307 uses in Elastic's rules).
_KNOWN_TEXT_FIELDS = frozenset({"powershell.file.script_block_text"})
_NON_WORD = "[^a-zA-Z0-9_]"
_TOKEN = re.compile(r"[a-zA-Z0-9_]+(?:[.'][a-zA-Z0-9_]+)*")
# Lucene regex contexts: what may come before a word (nothing, a separator, or a joiner
# that follows a separator) and after it, so that the word is a whole word of the text.
_BEFORE = "(.*[^a-zA-Z0-9_.']|(.*[^a-zA-Z0-9_])?[.'])?"
_AFTER = "([^a-zA-Z0-9_.'].*|[.']([^a-zA-Z0-9_].*)?)?"


def _analysed(match: Match) -> Expr:
    """KQL on an analysed text field, as a case-insensitive full-match regex over the text.

    The standard analyzer lower-cases and splits on non-word characters, so a phrase
    (`"Get-Clipboard"`) matches its words in sequence with any separators between them,
    and an unquoted value (a `match` query) matches when any of its words is a word of the
    text. Wildcard patterns are matched against the whole text, case-insensitively.
    Words are runs of ASCII letters, digits and `_`, joined by single `.` or `'`
    (`mimikatz.exe` is one word): an approximation of Unicode word breaking.
    """
    regexes = []
    for pattern in match.patterns:
        words = [regex_literal(w) for w in _TOKEN.findall(pattern.lower())]
        if match.kind == "wildcard":
            regexes.append(".*".join(regex_literal(part) for part in pattern.split("*")))
        elif not words:
            regexes.append("#")  # the analyzer leaves no term: nothing matches
        elif match.kind == "phrase":
            regexes.append(_BEFORE + f"{_NON_WORD}+".join(words) + _AFTER)
        else:
            regexes.append(_BEFORE + "(" + "|".join(words) + ")" + _AFTER)
    return Match(match.value, tuple(regexes), kind="regex", case_insensitive=True, span=match.span)


def typed_fields(expr: Expr, field_type: Callable[[str], str | None] | None = None) -> Expr:
    """Matches whose meaning depends on the field's type: analysed text fields, field-name
    wildcards, and address-like terms on fields that are not ip fields (`_text_terms`).
    `field_type` gives a field's mapping type where the caller knows better than ECS (an
    index mapping, ES|QL's columns)."""
    from ruleops.ecs import load_ecs

    try:
        ecs = load_ecs()
    except Exception:  # no ECS data in this build: keep keyword semantics
        return expr

    def visit(node: Expr) -> Expr:
        target = _field_of(node)
        if target is not None and "*" in target.name and target.path != ("*",):
            names = _expand(target.name, ecs.fields)
            if names:
                copies = tuple(
                    visit(_with_field(node, Field(tuple(n.split(".")), target.span))) for n in names
                )
                return copies[0] if len(copies) == 1 else Or(copies, node.span)
        if isinstance(node, Match) and isinstance(node.value, Field) and node.kind != "regex":
            name = node.value.name
            kind = field_type(name) if field_type is not None else None
            if name in _KNOWN_TEXT_FIELDS or (kind or ecs.field_type(name)) in es_types.TEXT:
                return _analysed(node)
        return rebuild(node, visit)

    return _text_terms(visit(expr))


def _field_of(node: Expr) -> Field | None:
    if isinstance(node, Match) and isinstance(node.value, Field):
        return node.value
    if isinstance(node, Exists):
        return node.field
    if isinstance(node, Compare) and isinstance(node.left, Field):
        return node.left
    return None


def _with_field(node: Expr, field: Field) -> Expr:
    import dataclasses

    if isinstance(node, Match):
        return dataclasses.replace(node, value=field)
    if isinstance(node, Exists):
        return dataclasses.replace(node, field=field)
    return dataclasses.replace(node, left=field)


@lru_cache(maxsize=256)
def _expand_cached(pattern: str, names: tuple[str, ...]) -> tuple[str, ...]:
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return tuple(name for name in names if regex.fullmatch(name))


def _expand(pattern: str, fields: Mapping[str, str]) -> tuple[str, ...]:
    """The ECS fields a field-name wildcard stands for (`file.hash.*` → file.hash.md5, …),
    as Kibana expands it against the data view; `*` spans dots."""
    return _expand_cached(pattern, tuple(sorted(fields)))


def _text_terms(expr: Expr) -> Expr:
    """The evaluator reads a term that is an address or CIDR block (`10.0.0.0/8`) as
    addresses, as on an `ip` field; on an ECS field of another type (keyword) Elasticsearch
    compares it as text, so such matches become exact regexes, which compare text."""
    import ipaddress

    from ruleops.ecs import load_ecs

    try:
        ecs = load_ecs()
    except Exception:  # no ECS data in this build: keep the evaluator's reading
        return expr

    def is_address(pattern: str) -> bool:
        try:
            ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
        return True

    def visit(node: Expr) -> Expr:
        if (
            isinstance(node, Match)
            and node.kind in ("term", "phrase")
            and isinstance(node.value, Field)
            and ecs.field_type(node.value.name) not in (None, "ip")
            and any(is_address(p) for p in node.patterns)
        ):
            regexes = tuple(regex_literal(p) for p in node.patterns)
            return Match(node.value, regexes, kind="regex", span=node.span)
        return rebuild(node, visit)

    return visit(expr)
