"""ES|QL checks: syntax, functions, columns, types, patterns, multi-valued fields, and what
elastic/detection-rules requires of an ES|QL rule (the codes are declared in
`ruleops.esql.codes`).

For a rule with `language = "esql"` the query is parsed (`ruleops.esql.parser`), typed
through its pipe against ECS and the rule's field definitions (`ruleops.esql.schema`) and
verified (`ruleops.esql.verify`); every finding is placed on the rule file's own line and
column. `KQL("…")` inside the query is checked by the KQL front end (RO400) at its place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ruleops.checks import rule_check
from ruleops.checks.fields import QUERY_FIELD_CODES
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic
from ruleops.ecs import ecs_for
from ruleops.es_types import esql_type
from ruleops.esql.codes import (
    ARGUMENT_LIST,
    COLUMN_NAMING,
    FUNCTION_ARGUMENTS,
    INVALID_PATTERN,
    INVALID_REGEX,
    LIKE_SQL_WILDCARD,
    LIKE_WITHOUT_WILDCARD,
    MISSING_METADATA,
    MULTI_VALUED,
    NEWER_THAN_STACK,
    NO_KEEP,
    NOT_PRODUCED,
    SYNTAX,
    TYPE_MISMATCH,
    UNKNOWN_COLUMN,
    UNKNOWN_COMMAND,
    UNKNOWN_FUNCTION,
)
from ruleops.kql.errors import SYNTAX as KQL_SYNTAX
from ruleops.kql.errors import KqlSyntaxError
from ruleops.kql.field_types import kql_field_types
from ruleops.kql.typecheck import (
    NESTED_FIELD_OUTSIDE,
    NEVER_MATCHES_TYPE,
    REJECTED_NESTED_PATH,
    WILDCARD_IN_RANGE,
    check_types,
)
from ruleops.loading import Rule
from ruleops.query.ast import Span
from ruleops.query.fieldcheck import check_condition
from ruleops.query.finding import QueryFinding, distinct
from ruleops.query.satisfiability import array_fields

# The first stack version of each release line (8.x, 9.x) with each feature; a later line
# has it too. Sources (elastic/elasticsearch docs): each command's page's `applies_to` (docs/
# reference/query-languages/esql/_snippets/commands/layout/*.md: COMPLETION, FORK, SAMPLE,
# CHANGE_POINT preview 9.1.0; INLINE STATS, RERANK, FUSE preview 9.2.0; LOOKUP JOIN preview
# 9.0); the 8.x reference (docs/reference/esql/processing-commands/: LOOKUP JOIN added for
# 8.18, CHANGE_POINT and SAMPLE in 8.19, no COMPLETION, FORK, RERANK, FUSE or INLINE STATS);
# aggregate WHERE filters: release notes 8.16.0, "Introduce per agg filter" (#113735).
_FEATURE_VERSIONS: dict[str, tuple[tuple[int, int], ...]] = {
    "STATS … WHERE": ((8, 16),),
    "LOOKUP JOIN": ((8, 18), (9, 0)),
    "CHANGE_POINT": ((8, 19), (9, 1)),
    "SAMPLE": ((8, 19), (9, 1)),
    "COMPLETION": ((9, 1),),
    "FORK": ((9, 1),),
    "INLINE STATS": ((9, 2),),
    "RERANK": ((9, 2),),
    "FUSE": ((9, 2),),
}


# Functions that came after 8.19, the last 8.x minor, so only on the 9.x line: the first
# version of each from its docs page's `applies_to` (elastic/elasticsearch docs/reference/
# query-languages/esql/_snippets/functions/layout/<name>.md: contains, url_decode `ga
# 9.2.0`; mv_contains `preview 9.2.0`; mv_intersection, mv_union `preview 9.3.0`;
# json_extract, last `preview 9.4.0`). Functions from 9.0 and 9.1 are left out: whether
# 8.18 and 8.19 have them is not in the 9.x pages.
_FUNCTION_VERSIONS: dict[str, tuple[tuple[int, int], ...]] = {
    "contains": ((9, 2),),
    "url_decode": ((9, 2),),
    "mv_contains": ((9, 2),),
    "mv_intersection": ((9, 3),),
    "mv_union": ((9, 3),),
    "json_extract": ((9, 4),),
    "last": ((9, 4),),
}


def _available(have: tuple[int, ...], firsts: tuple[tuple[int, int], ...]) -> bool:
    """Whether stack version `have` has a feature that first came in `firsts`."""
    for first in firsts:
        if have[0] == first[0]:
            return have >= first
    return have[0] > firsts[-1][0]


@rule_check(
    emits=(
        SYNTAX,
        UNKNOWN_COMMAND,
        UNKNOWN_FUNCTION,
        FUNCTION_ARGUMENTS,
        TYPE_MISMATCH,
        UNKNOWN_COLUMN,
        LIKE_SQL_WILDCARD,
        LIKE_WITHOUT_WILDCARD,
        INVALID_REGEX,
        INVALID_PATTERN,
        MULTI_VALUED,
        ARGUMENT_LIST,
        NO_KEEP,
        MISSING_METADATA,
        COLUMN_NAMING,
        NEWER_THAN_STACK,
        NOT_PRODUCED,
        KQL_SYNTAX,
        *QUERY_FIELD_CODES,
        REJECTED_NESTED_PATH,
        NESTED_FIELD_OUTSIDE,
        WILDCARD_IN_RANGE,
        NEVER_MATCHES_TYPE,
    )
)
def esql_query(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("esql")
    if query is None:
        return
    # The ES|QL front end loads with the first ES|QL rule: most rules are not.
    from ruleops.esql.parser import EsqlSyntaxError, parse_esql  # noqa: PLC0415 -- per language

    try:
        parsed = parse_esql(query)
    except EsqlSyntaxError as error:
        yield rule.query_diagnostic(error.finding)
        return
    from ruleops.esql.verify import verify  # noqa: PLC0415 -- per language

    ecs = ecs_for(config)
    arrays = array_fields()

    def source(name: str) -> str | None:
        kind = ecs.field_type(name)
        if kind is not None:
            typed = esql_type(kind)
            return "unknown" if typed == "unsupported" else typed
        if name in arrays or (not ecs.is_checked(name) and ecs.typo_of(name) is None):
            return "unknown"
        return None

    def suggest(name: str) -> str | None:
        return ecs.typo_of(name) or ecs.suggest(name)

    for finding in verify(parsed, source, suggest, arrays.__contains__):
        yield rule.query_diagnostic(finding)
    yield from _kql_inside(rule, parsed, ecs)
    yield from _detection_rules(rule, parsed)


def _kql_inside(rule: Rule, parsed, ecs) -> Iterator[Diagnostic]:
    """`KQL("…")` calls: their query parses as KQL and its fields and values are checked as
    a KQL rule's (audit2 F7), findings placed inside the string."""
    from ruleops.esql import ast  # noqa: PLC0415 -- per language
    from ruleops.kql.parser import parse_kql  # noqa: PLC0415 -- per language

    for command in parsed.commands:
        for expr in ast.expressions(command):
            for node in ast.walk(expr):
                if not (isinstance(node, ast.Call) and node.name == "kql" and node.args):
                    continue
                literal = node.args[0]
                if not isinstance(literal, ast.Literal) or not isinstance(literal.value, str):
                    continue
                raw = rule.rule["query"][literal.span.start : literal.span.end]
                base = literal.span.start + (3 if raw.startswith('"""') else 1)
                try:
                    tree = parse_kql(literal.value)
                except KqlSyntaxError as error:
                    start = base + error.offset
                    yield rule.query_diagnostic(
                        replace(
                            error.finding,
                            message=f"in KQL(): {error.message}",
                            span=Span(start, start + 1),
                        )
                    )
                    continue
                # Fields and values as in a KQL rule (checks/kql.py), placed in the string.
                found = [
                    *check_condition(tree, ecs=ecs, dialect="kql"),
                    *check_types(tree, kql_field_types(ecs.fields)),
                ]
                for finding in distinct(found):
                    span = Span(base + finding.span.start, base + finding.span.end)
                    yield rule.query_diagnostic(
                        replace(finding, message=f"in KQL(): {finding.message}", span=span)
                    )


def _detection_rules(rule: Rule, parsed) -> Iterator[Diagnostic]:
    from ruleops.esql import ast  # noqa: PLC0415 -- per language
    from ruleops.esql.schema import schemas  # noqa: PLC0415 -- per language

    commands = parsed.commands
    end = parsed.span.end
    keeps = [c for c in commands if isinstance(c, ast.Keep)]
    if not keeps:
        yield rule.query_diagnostic(
            QueryFinding(
                NO_KEEP, "the query has no KEEP command", Span(0, 4), "end with `| KEEP …`"
            )
        )
    aggregating = any(isinstance(c, ast.Stats) for c in commands)
    # Source fields as such (any name but the metadata fields), to follow KEEP and RENAME.
    final = schemas(parsed, lambda name: None if name.startswith("_") else "unknown")[-1]
    source = commands[0]
    if not aggregating and isinstance(source, ast.From) and keeps:
        wanted = ("_id", "_version", "_index")
        missing = [name for name in wanted if name not in final.columns]
        if missing:
            asked = {c.name for c in source.metadata}
            where = "METADATA on FROM" if set(missing) - asked else "KEEP"
            yield rule.query_diagnostic(
                QueryFinding(
                    MISSING_METADATA,
                    "this non-aggregating rule does not keep "
                    + ", ".join(f"`{m}`" for m in missing)
                    + f" ({where}): Kibana cannot deduplicate its alerts",
                    Span(
                        source.span.start,
                        source.span.end if where != "KEEP" else source.span.start + 4,
                    ),
                    "write `FROM … METADATA _id, _version, _index` and keep the three",
                )
            )
    for command in commands:
        assigned: tuple[ast.Assignment | ast.Aggregation, ...] = ()
        if isinstance(command, ast.Eval):
            assigned = command.fields
        elif isinstance(command, ast.Stats | ast.InlineStats):
            assigned = command.aggregates
        for item in assigned:
            target = item.target
            if target is None or target.name.startswith(("Esql.", "Esql_priv.")):
                continue
            if "." in target.name:
                continue  # an ECS-style field set on purpose (`host.name = MV_MIN(…)`)
            yield rule.query_diagnostic(
                QueryFinding(
                    COLUMN_NAMING,
                    f"computed column `{target.name}` is not named `Esql.*`",
                    Span(target.span.start, target.span.end),
                    f"name it `Esql.{target.name}`",
                )
            )
    yield from _versions(rule, commands)
    yield from _produced(rule, final, end)


def _versions(rule: Rule, commands) -> Iterator[Diagnostic]:
    from ruleops.esql import ast  # noqa: PLC0415 -- per language

    raw = rule.string("metadata.min_stack_version")
    if raw is None:
        return
    try:
        have = tuple(int(p) for p in raw.split(".")[:2])
    except ValueError:
        return
    uses: list[tuple[str, tuple[tuple[int, int], ...], Span]] = []
    named: set[str] = set()
    for command in commands:
        feature = command.keyword
        if isinstance(command, ast.Stats) and any(a.where is not None for a in command.aggregates):
            feature = "STATS … WHERE"
        if feature in _FEATURE_VERSIONS:
            start = command.span.start
            span = Span(start, start + len(command.keyword.split()[0]))
            uses.append((feature, _FEATURE_VERSIONS[feature], span))
        for expression in ast.expressions(command):
            for node in ast.walk(expression):
                if not isinstance(node, ast.Call):
                    continue
                name = node.name.lower()
                if name in _FUNCTION_VERSIONS and name not in named:
                    named.add(name)
                    span = Span(node.span.start, node.span.start + len(node.name))
                    uses.append((name.upper(), _FUNCTION_VERSIONS[name], span))
    for feature, firsts, span in uses:
        if _available(have, firsts):
            continue
        versions = " or ".join(f"{major}.{minor}" for major, minor in firsts)
        # the first version with the feature on the rule's own line, else the next line's
        major, minor = next((f for f in firsts if f[0] >= have[0]), firsts[-1])
        yield rule.query_diagnostic(
            QueryFinding(
                NEWER_THAN_STACK,
                f"{feature} needs stack {versions} or later; the rule's min_stack_version is {raw}",
                span,
                f'raise min_stack_version to "{major}.{minor}.0"',
            )
        )


def _produced(rule: Rule, final, end: int) -> Iterator[Diagnostic]:
    if final.open:
        return
    suppression = rule.rule.get("alert_suppression")
    names: list[tuple[str, str]] = []
    if isinstance(suppression, dict) and isinstance(suppression.get("group_by"), list):
        names += [(n, "rule.alert_suppression.group_by") for n in suppression["group_by"]]
    for field in rule.rule.get("required_fields") or ():
        if isinstance(field, dict) and isinstance(field.get("name"), str):
            names.append((field["name"], "rule.required_fields"))
    for name, key in names:
        if isinstance(name, str) and final.type_of(name) is None:
            yield rule.diagnostic(
                NOT_PRODUCED,
                f"`{name}` ({key}) is not a column of the query's result",
                key,
                hint="add it to the query's KEEP (or STATS … BY), or remove it here",
            )
