"""ES|QL checks (RO700-RO715): syntax, functions, columns, types, patterns, multi-valued
fields, and what elastic/detection-rules requires of an ES|QL rule.

For a rule with `language = "esql"` the query is parsed (`ruleops.esql.parser`), typed
through its pipe against ECS and the rule's field definitions (`ruleops.esql.schema`) and
verified (`ruleops.esql.verify`); every finding is placed on the rule file's own line and
column. `KQL("…")` inside the query is checked by the KQL front end (RO400) at its place.
"""

from __future__ import annotations

from collections.abc import Iterator

from ruleops.checks import rule_check
from ruleops.checks.eql import _at
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.esql import codes
from ruleops.loading import Rule

_AGG = "FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE n > 10 | KEEP host.name, n"


def _info(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    why: str,
    bad: str,
    good: str,
    house_style: bool = False,
) -> CheckInfo:
    return register(CheckInfo(code, name, severity, summary, why, bad, good, house_style))


SYNTAX = _info(
    codes.SYNTAX,
    "esql.syntax-error",
    Severity.ERROR,
    "the ES|QL query does not parse",
    "Elasticsearch rejects the query before running it. The message says what was found and "
    "what was expected there. Frequent causes: `=` instead of `==`, single-quoted strings, "
    "an escape ES|QL does not know (`\\d`: use triple quotes), an operator with nothing "
    "after it, a reserved word used as a column name (backquote it).",
    'FROM logs-* | WHERE process.name = "cmd.exe" | KEEP process.name',
    'FROM logs-* | WHERE process.name == "cmd.exe" | KEEP process.name',
)
UNKNOWN_COMMAND = _info(
    codes.UNKNOWN_COMMAND,
    "esql.unknown-command",
    Severity.ERROR,
    "a command ES|QL does not have",
    "After each `|` comes a processing command (WHERE, EVAL, STATS, KEEP, DROP, RENAME, "
    "SORT, LIMIT, DISSECT, GROK, MV_EXPAND, ENRICH, LOOKUP JOIN, …); the query starts with "
    "FROM, ROW, SHOW or TS. The message names the nearest command.",
    "FROM logs-* | FILTER host.name IS NOT NULL | KEEP host.name",
    "FROM logs-* | WHERE host.name IS NOT NULL | KEEP host.name",
)
UNKNOWN_FUNCTION = _info(
    codes.UNKNOWN_FUNCTION,
    "esql.unknown-function",
    Severity.ERROR,
    "a function ES|QL does not have",
    "Elasticsearch rejects a query calling an unknown function. Names are case-insensitive; "
    "aliases such as TO_INT are accepted. The message names the nearest function.",
    "FROM logs-* | EVAL n = TOLOWER(host.name) | KEEP n",
    "FROM logs-* | EVAL n = TO_LOWER(host.name) | KEEP n",
)
FUNCTION_ARGUMENTS = _info(
    codes.FUNCTION_ARGUMENTS,
    "esql.function-arguments",
    Severity.ERROR,
    "a function called with the wrong number or types of arguments",
    "Each function takes the arguments its signatures (Elasticsearch's function "
    "definitions) list; anything else is rejected before the query runs.",
    "FROM logs-* | EVAL n = TO_LOWER(host.name, 1) | KEEP n",
    "FROM logs-* | EVAL n = TO_LOWER(host.name) | KEEP n",
)
TYPE_MISMATCH = _info(
    codes.TYPE_MISMATCH,
    "esql.type-mismatch",
    Severity.ERROR,
    "a comparison of values whose types cannot meet",
    "ES|QL compares numbers with numbers, strings with strings, dates with dates; a string "
    "literal is converted when the other side is a date, ip, version or boolean, and must "
    'then be valid for it. `process.pid == "4"` or `source.ip == "local"` is rejected.',
    'FROM logs-* | WHERE source.ip == "localhost" | KEEP source.ip',
    'FROM logs-* | WHERE source.ip == "127.0.0.1" | KEEP source.ip',
)
UNKNOWN_COLUMN = _info(
    codes.UNKNOWN_COLUMN,
    "esql.unknown-column",
    Severity.ERROR,
    "a column that does not exist at that point of the pipe",
    "After STATS only its aggregates and BY keys remain; KEEP and DROP remove columns; a "
    "misspelt `Esql.*` column or ECS field does not exist. As for EQL and KQL, fields of "
    "namespaces ECS does not define are accepted unless `field_definitions` covers them.",
    "FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE user.name IS NOT NULL | KEEP n",
    "FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE n > 1 | KEEP n",
)
LIKE_SQL = _info(
    codes.LIKE_SQL_WILDCARD,
    "esql.like-sql-wildcard",
    Severity.ERROR,
    "LIKE with `%` used as a wildcard",
    "ES|QL's LIKE knows `*` (any characters) and `?` (one character). `%` and `_` are SQL's "
    "wildcards and match only themselves in ES|QL, so a pattern written with them never "
    "matches what it means to.",
    'FROM logs-* | WHERE process.command_line LIKE "%/tmp/%" | KEEP process.command_line',
    'FROM logs-* | WHERE process.command_line LIKE "*/tmp/*" | KEEP process.command_line',
)
LIKE_PLAIN = _info(
    codes.LIKE_WITHOUT_WILDCARD,
    "esql.like-without-wildcard",
    Severity.WARNING,
    "LIKE with a pattern that has no wildcard",
    "A LIKE pattern without `*` or `?` compares exactly; `==` says so plainly (and a missing "
    "`*` is a frequent slip).",
    'FROM logs-* | WHERE process.name LIKE "cmd.exe" | KEEP process.name',
    'FROM logs-* | WHERE process.name == "cmd.exe" | KEEP process.name',
)
INVALID_REGEX = _info(
    codes.INVALID_REGEX,
    "esql.invalid-regex",
    Severity.ERROR,
    "an RLIKE pattern Lucene does not accept",
    "RLIKE takes Lucene's regular expressions, not Perl's or Java's: there are no `\\d`, "
    "`\\w`, `\\s` classes and no `^`/`$` anchors (the whole value is matched). An invalid "
    "pattern makes Elasticsearch reject the query.",
    'FROM logs-* | WHERE process.name RLIKE "cmd[.exe" | KEEP process.name',
    'FROM logs-* | WHERE process.name RLIKE "cmd[.]exe" | KEEP process.name',
)
INVALID_PATTERN = _info(
    codes.INVALID_PATTERN,
    "esql.invalid-extraction-pattern",
    Severity.ERROR,
    "a GROK or DISSECT pattern Elasticsearch rejects",
    "GROK patterns name library patterns (`%{WORD:name}`) or use named groups; DISSECT "
    "patterns are `%{key}` fields between delimiters. An unknown grok pattern or a malformed "
    "key fails the query.",
    'FROM logs-* | GROK message "%{NOSUCHPATTERN:x}" | KEEP x',
    'FROM logs-* | GROK message "%{WORD:x}" | KEEP x',
)
MULTI_VALUED = _info(
    codes.MULTI_VALUED,
    "esql.multi-valued-field",
    Severity.WARNING,
    "a single-value operator on an ECS field that can hold several values",
    "In ES|QL, `==`, `!=`, `<`…, LIKE, RLIKE, IN and CIDR_MATCH on a multi-valued field "
    "give null (with a warning), so a document whose `event.type` is "
    '["start", "change"] is silently dropped by `event.type == "start"`, where KQL and '
    "EQL match any value. ECS marks such fields `normalize: array`. Most events carry one "
    "value, which is why this is a warning: use MV_CONTAINS, MV_EXPAND before the WHERE, or "
    "KQL() where several values occur.",
    'FROM logs-* METADATA _id, _version, _index | WHERE event.type == "start" '
    "| KEEP _id, _version, _index",
    'FROM logs-* METADATA _id, _version, _index | WHERE MV_CONTAINS(event.type, "start") '
    "| KEEP _id, _version, _index",
)
NO_KEEP = _info(
    codes.NO_KEEP,
    "esql.no-keep",
    Severity.WARNING,
    "an ES|QL rule without a KEEP command",
    "elastic/detection-rules requires ES|QL rules to end with the columns they mean to put "
    "in the alert (KEEP): without it every field of the source lands in each alert.",
    'FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a"',
    'FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a" '
    "| KEEP _id, _version, _index, host.name",
)
MISSING_METADATA = _info(
    codes.MISSING_METADATA,
    "esql.missing-metadata",
    Severity.ERROR,
    "a non-aggregating rule that does not keep `_id`, `_version` and `_index`",
    "Kibana deduplicates the alerts of a non-aggregating ES|QL rule by the source "
    "document's `_id`, `_version` and `_index`: FROM must ask for them (`METADATA _id, "
    "_version, _index`) and KEEP must not drop them, or every run alerts again on the same "
    "events.",
    'FROM logs-* | WHERE host.name == "a" | KEEP host.name',
    'FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a" '
    "| KEEP _id, _version, _index, host.name",
)
COLUMN_NAMING = _info(
    codes.COLUMN_NAMING,
    "esql.column-naming",
    Severity.WARNING,
    "a computed column not named `Esql.*`",
    "elastic/detection-rules names the columns a query computes (EVAL, STATS) `Esql.<name>` "
    "(or `Esql_priv.<name>` for sensitive values), so they are told apart from ECS fields "
    "in alerts. Assigning an ECS field (`host.name = …`) is fine.",
    _AGG,
    "FROM logs-* | STATS Esql.count = COUNT(*) BY host.name | WHERE Esql.count > 10 "
    "| KEEP host.name, Esql.count",
    house_style=True,
)
NEWER_THAN_STACK = _info(
    codes.NEWER_THAN_STACK,
    "esql.newer-than-min-stack-version",
    Severity.ERROR,
    "a command the rule's min_stack_version does not have",
    "INLINE STATS, LOOKUP JOIN, COMPLETION, FORK, SAMPLE, CHANGE_POINT, RERANK, FUSE and "
    "aggregate WHERE filters arrived in later stack versions; on an older stack the query is "
    "rejected. Raise `min_stack_version` in [metadata], or do without the command.",
    '[metadata]\nmin_stack_version = "8.15.0"\n[rule]\nquery = "FROM logs-* | LOOKUP JOIN '
    'threats ON source.ip | KEEP source.ip"',
    '[metadata]\nmin_stack_version = "8.18.0"\n[rule]\nquery = "FROM logs-* | LOOKUP JOIN '
    'threats ON source.ip | KEEP source.ip"',
)
NOT_PRODUCED = _info(
    codes.NOT_PRODUCED,
    "esql.field-not-produced",
    Severity.ERROR,
    "alert suppression or required fields name a column the query does not return",
    "`alert_suppression.group_by` and `required_fields` must be columns of the query's "
    "result: suppression on a column the query dropped groups every alert together, and a "
    "required field that is not there is wrong documentation.",
    '[rule.alert_suppression]\ngroup_by = ["user.name"]\n# query: … | KEEP host.name',
    '[rule.alert_suppression]\ngroup_by = ["host.name"]\n# query: … | KEEP host.name',
)

# Stack versions that brought each feature (Elastic's ES|QL release notes and command docs).
_FEATURE_VERSIONS = {
    "LOOKUP JOIN": (8, 18),
    "CHANGE_POINT": (8, 19),
    "INLINE STATS": (9, 2),
    "COMPLETION": (9, 1),
    "SAMPLE": (9, 1),
    "FORK": (9, 1),
    "RERANK": (9, 1),
    "FUSE": (9, 2),
    "STATS … WHERE": (8, 18),
}


@rule_check
def esql_query(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("esql")
    if query is None:
        return
    # Imported here so that loading the check registry does not build the grammar.
    from ruleops.esql.parser import EsqlSyntaxError, parse_esql

    try:
        parsed = parse_esql(query)
    except EsqlSyntaxError as error:
        yield _at(rule, error.code, error.message, error.offset, error.end_offset, error.hint)
        return
    from ruleops.ecs import ecs_for
    from ruleops.esql.verify import verify
    from ruleops.query.satisfiability import array_fields

    ecs = ecs_for(config)
    arrays = array_fields()

    def source(name: str) -> str | None:
        from ruleops.es_types import esql_type

        kind = ecs.field_type(name)
        if kind is not None:
            typed = esql_type(kind)
            return "unknown" if typed == "unsupported" else typed
        if name in arrays or not ecs.is_checked(name):
            return "unknown"
        return None

    for finding in verify(parsed, source, ecs.suggest, arrays.__contains__):
        yield _at(
            rule, finding.code, finding.message, finding.span.start, finding.span.end, finding.hint
        )
    yield from _kql_inside(rule, parsed)
    yield from _detection_rules(rule, parsed)


def _kql_inside(rule: Rule, parsed) -> Iterator[Diagnostic]:
    """`KQL("…")` calls: their query parses as KQL, errors placed inside the string."""
    import ruleops.checks.kql  # noqa: F401  (declares RO400, the KQL syntax error code)
    from ruleops.esql import ast
    from ruleops.kql.errors import KqlSyntaxError
    from ruleops.kql.parser import parse_kql

    for command in parsed.commands:
        for expr in ast.expressions(command):
            for node in ast.walk(expr):
                if not (isinstance(node, ast.Call) and node.name == "kql" and node.args):
                    continue
                literal = node.args[0]
                if not isinstance(literal, ast.Literal) or not isinstance(literal.value, str):
                    continue
                try:
                    parse_kql(literal.value)
                except KqlSyntaxError as error:
                    raw = rule.rule["query"][literal.span.start : literal.span.end]
                    opening = 3 if raw.startswith('"""') else 1
                    start = literal.span.start + opening + error.offset
                    yield _at(
                        rule, error.code, f"in KQL(): {error.message}", start, start + 1, error.hint
                    )


def _detection_rules(rule: Rule, parsed) -> Iterator[Diagnostic]:
    from ruleops.esql import ast
    from ruleops.esql.schema import schemas

    commands = parsed.commands
    end = parsed.span.end
    keeps = [c for c in commands if isinstance(c, ast.Keep)]
    if not keeps:
        yield _at(rule, codes.NO_KEEP, "the query has no KEEP command", 0, 4, "end with `| KEEP …`")
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
            yield _at(
                rule,
                codes.MISSING_METADATA,
                "this non-aggregating rule does not keep "
                + ", ".join(f"`{m}`" for m in missing)
                + f" ({where}): Kibana cannot deduplicate its alerts",
                source.span.start,
                source.span.end if where != "KEEP" else source.span.start + 4,
                "write `FROM … METADATA _id, _version, _index` and keep the three",
            )
    for command in commands:
        assigned = ()
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
            yield _at(
                rule,
                codes.COLUMN_NAMING,
                f"computed column `{target.name}` is not named `Esql.*`",
                target.span.start,
                target.span.end,
                f"name it `Esql.{target.name}`",
            )
    yield from _versions(rule, commands)
    yield from _produced(rule, final, end)


def _versions(rule: Rule, commands) -> Iterator[Diagnostic]:
    from ruleops.esql import ast

    raw = rule.metadata.get("min_stack_version") if isinstance(rule.metadata, dict) else None
    if not isinstance(raw, str):
        return
    try:
        have = tuple(int(p) for p in raw.split(".")[:2])
    except ValueError:
        return
    for command in commands:
        feature = command.keyword
        if isinstance(command, ast.Stats) and any(a.where is not None for a in command.aggregates):
            feature = "STATS … WHERE"
        needed = _FEATURE_VERSIONS.get(feature)
        if needed is not None and have < needed:
            yield _at(
                rule,
                codes.NEWER_THAN_STACK,
                f"{feature} needs stack {needed[0]}.{needed[1]} or later; the rule's "
                f"min_stack_version is {raw}",
                command.span.start,
                command.span.start + len(command.keyword.split()[0]),
                f'raise min_stack_version to "{needed[0]}.{needed[1]}.0"',
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
                codes.NOT_PRODUCED,
                f"`{name}` ({key}) is not a column of the query's result",
                key,
                hint="add it to the query's KEEP (or STATS … BY), or remove it here",
            )
