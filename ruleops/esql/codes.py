"""The diagnostic codes of ES|QL (`ruleops rule --list`): syntax, functions, columns, types,
patterns, multi-valued fields, and what elastic/detection-rules requires of an ES|QL rule.

Reported by the front end (`ruleops.esql.parser`, `ruleops.esql.errors`: syntax errors;
`ruleops.esql.verify`: what Elasticsearch's analyser rejects) and by the detection-rules
checks of `ruleops.checks.esql`, which puts them all in the pipeline.
"""

from __future__ import annotations

from ruleops.diagnostics import CheckInfo, Severity, register

# The parts of a rule file that the examples of RO714 and RO715 need.
_LOOKUP_RULE = """\
[rule]
type = "esql"
language = "esql"
query = "FROM logs-* | LOOKUP JOIN threats ON source.ip | KEEP source.ip"
"""
_COUNTING_RULE = """\
type = "esql"
language = "esql"
query = "FROM logs-* | STATS Esql.n = COUNT(*) BY host.name | KEEP host.name, Esql.n"

"""
_AGG = "FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE n > 10 | KEEP host.name, n"

SYNTAX = register(
    CheckInfo(
        code="RO700",
        name="esql.syntax-error",
        severity=Severity.ERROR,
        summary="the ES|QL query does not parse",
        explanation=(
            "Elasticsearch rejects the query before running it. The message says what was found "
            "and what was expected there. Frequent causes: `=` instead of `==`, single-quoted "
            "strings, an escape ES|QL does not know (`\\d`: use triple quotes), an operator with "
            "nothing after it, a reserved word used as a column name (backquote it)."
        ),
        example="esql",
        bad='FROM logs-* | WHERE process.name = "cmd.exe" | KEEP process.name',
        good='FROM logs-* | WHERE process.name == "cmd.exe" | KEEP process.name',
    )
)
UNKNOWN_COMMAND = register(
    CheckInfo(
        code="RO701",
        name="esql.unknown-command",
        severity=Severity.ERROR,
        summary="a command ES|QL does not have",
        explanation=(
            "After each `|` comes a processing command (WHERE, EVAL, STATS, KEEP, DROP, RENAME, "
            "SORT, LIMIT, DISSECT, GROK, MV_EXPAND, ENRICH, LOOKUP JOIN, …); the query starts with "
            "FROM, ROW, SHOW or TS. The message names the nearest command."
        ),
        example="esql",
        bad="FROM logs-* | FILTER host.name IS NOT NULL | KEEP host.name",
        good="FROM logs-* | WHERE host.name IS NOT NULL | KEEP host.name",
    )
)
UNKNOWN_FUNCTION = register(
    CheckInfo(
        code="RO702",
        name="esql.unknown-function",
        severity=Severity.ERROR,
        summary="a function ES|QL does not have",
        explanation=(
            "Elasticsearch rejects a query calling an unknown function. Names are "
            "case-insensitive; aliases such as TO_INT are accepted. The message names the nearest "
            "function."
        ),
        example="esql",
        bad="FROM logs-* | EVAL n = TOLOWER(host.name) | KEEP n",
        good="FROM logs-* | EVAL n = TO_LOWER(host.name) | KEEP n",
    )
)
FUNCTION_ARGUMENTS = register(
    CheckInfo(
        code="RO703",
        name="esql.function-arguments",
        severity=Severity.ERROR,
        summary="a function called with the wrong number or types of arguments",
        explanation=(
            "Each function takes the arguments its signatures (Elasticsearch's function "
            "definitions) list; anything else is rejected before the query runs."
        ),
        example="esql",
        bad="FROM logs-* | EVAL n = TO_LOWER(host.name, 1) | KEEP n",
        good="FROM logs-* | EVAL n = TO_LOWER(host.name) | KEEP n",
    )
)
TYPE_MISMATCH = register(
    CheckInfo(
        code="RO704",
        name="esql.type-mismatch",
        severity=Severity.ERROR,
        summary="a comparison of values whose types cannot meet",
        explanation=(
            "ES|QL compares numbers with numbers, strings with strings, dates with dates; a string "
            "literal is converted when the other side is a date, ip, version or boolean, and must "
            'then be valid for it. `process.pid == "4"` or `source.ip == "local"` is rejected.'
        ),
        example="esql",
        bad='FROM logs-* | WHERE source.ip == "localhost" | KEEP source.ip',
        good='FROM logs-* | WHERE source.ip == "127.0.0.1" | KEEP source.ip',
    )
)
UNKNOWN_COLUMN = register(
    CheckInfo(
        code="RO705",
        name="esql.unknown-column",
        severity=Severity.ERROR,
        summary="a column that does not exist at that point of the pipe",
        explanation=(
            "After STATS only its aggregates and BY keys remain; KEEP and DROP remove columns; a "
            "misspelt `Esql.*` column or ECS field does not exist. As for EQL and KQL, fields of "
            "namespaces ECS does not define are accepted unless `field_definitions` covers them."
        ),
        example="esql",
        bad="FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE user.name IS NOT NULL | KEEP n",
        good="FROM logs-* | STATS n = COUNT(*) BY host.name | WHERE n > 1 | KEEP n",
    )
)
LIKE_SQL_WILDCARD = register(
    CheckInfo(
        code="RO706",
        name="esql.like-sql-wildcard",
        severity=Severity.ERROR,
        summary="LIKE with `%` used as a wildcard",
        explanation=(
            "ES|QL's LIKE knows `*` (any characters) and `?` (one character). `%` and `_` are "
            "SQL's wildcards and match only themselves in ES|QL, so a pattern written with them "
            "never matches what it means to."
        ),
        example="esql",
        bad='FROM logs-* | WHERE process.command_line LIKE "%/tmp/%" | KEEP process.command_line',
        good='FROM logs-* | WHERE process.command_line LIKE "*/tmp/*" | KEEP process.command_line',
    )
)
LIKE_WITHOUT_WILDCARD = register(
    CheckInfo(
        code="RO707",
        name="esql.like-without-wildcard",
        severity=Severity.WARNING,
        summary="LIKE with a pattern that has no wildcard",
        explanation=(
            "A LIKE pattern without `*` or `?` compares exactly; `==` says so plainly (and a "
            "missing `*` is a frequent slip)."
        ),
        example="esql",
        bad='FROM logs-* | WHERE process.name LIKE "cmd.exe" | KEEP process.name',
        good='FROM logs-* | WHERE process.name == "cmd.exe" | KEEP process.name',
    )
)
INVALID_REGEX = register(
    CheckInfo(
        code="RO708",
        name="esql.invalid-regex",
        severity=Severity.ERROR,
        summary="an RLIKE pattern Lucene does not accept",
        explanation=(
            "RLIKE takes Lucene's regular expressions (org.apache.lucene.util.automaton.RegExp), "
            "not Perl's or Java's: the classes `\\d`, `\\w`, `\\s` and their complements exist "
            "(Lucene 8.6 on, LUCENE-9336), but no other backslash letter, no lazy quantifiers or "
            "look-arounds, and no `^`/`$` anchors (the whole value is matched). An invalid "
            "pattern makes Elasticsearch reject the query."
        ),
        example="esql",
        bad='FROM logs-* | WHERE process.name RLIKE "cmd[.exe" | KEEP process.name',
        good='FROM logs-* | WHERE process.name RLIKE "cmd[.]exe" | KEEP process.name',
    )
)
INVALID_PATTERN = register(
    CheckInfo(
        code="RO709",
        name="esql.invalid-extraction-pattern",
        severity=Severity.ERROR,
        summary="a GROK or DISSECT pattern Elasticsearch rejects",
        explanation=(
            "GROK patterns name library patterns (`%{WORD:name}`) or use named groups; DISSECT "
            "patterns are `%{key}` fields between delimiters. An unknown grok pattern or a "
            "malformed key fails the query."
        ),
        example="esql",
        bad='FROM logs-* | GROK message "%{NOSUCHPATTERN:x}" | KEEP x',
        good='FROM logs-* | GROK message "%{WORD:x}" | KEEP x',
    )
)
MULTI_VALUED = register(
    CheckInfo(
        code="RO710",
        name="esql.multi-valued-field",
        severity=Severity.WARNING,
        summary="a single-value operator on an ECS field that can hold several values",
        explanation=(
            "In ES|QL, `==`, `!=`, `<`…, LIKE, RLIKE, IN and CIDR_MATCH on a multi-valued field "
            "give null (with a warning), so a document whose `event.type` is "
            '["connection", "start"] is silently dropped by `WHERE event.type == "start"`, where '
            "KQL and EQL match when any value does. ECS marks such fields `normalize: array`. "
            "It is a warning, not an error, because it depends on the data: Elastic Defend and "
            "most integrations write one `event.category` and one `event.type` per event, but "
            "some write two for some events (a network connection that starts, a user that is "
            'created). Where several values can occur, test them with KQL("field:value"), '
            "MV_EXPAND the field before the WHERE, or (stack 9.2 and later) MV_CONTAINS."
        ),
        example="esql",
        bad=(
            'FROM logs-* METADATA _id, _version, _index | WHERE event.type == "start" '
            "| KEEP _id, _version, _index"
        ),
        good=(
            'FROM logs-* METADATA _id, _version, _index | WHERE KQL("event.type:start") '
            "| KEEP _id, _version, _index"
        ),
    )
)
ARGUMENT_LIST = register(
    CheckInfo(
        code="RO716",
        name="esql.argument-list-compared",
        severity=Severity.ERROR,
        summary="a single-value operator on a process's argument list: it never matches",
        explanation=(
            "`process.args` (and `process.parent.args`, every `*.args` of ECS) holds the "
            "executable followed by each argument, so a process with any argument has several "
            'values there. `process.args == "-enc"`, LIKE, IN… on such a field are null in ES|QL '
            "and the row is dropped: the condition can only ever hold for a process run without "
            'arguments. Test the arguments with KQL("process.args:-enc") (any value matches), '
            "MV_EXPAND process.args before the WHERE (one row per argument, so one argument per "
            "condition), MV_CONTAINS on stack 9.2 and later, or match process.command_line."
        ),
        example="esql",
        bad=(
            "FROM logs-* METADATA _id, _version, _index "
            '| WHERE process.name == "openssl" AND process.args == "enc" '
            "| KEEP _id, _version, _index"
        ),
        good=(
            "FROM logs-* METADATA _id, _version, _index "
            '| WHERE process.name == "openssl" AND KQL("process.args:enc") '
            "| KEEP _id, _version, _index"
        ),
    )
)
NO_KEEP = register(
    CheckInfo(
        code="RO711",
        name="esql.no-keep",
        severity=Severity.WARNING,
        summary="an ES|QL rule without a KEEP command",
        explanation=(
            "elastic/detection-rules requires ES|QL rules to end with the columns they mean to put "
            "in the alert (KEEP): without it every field of the source lands in each alert."
        ),
        example="esql",
        bad='FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a"',
        good=(
            'FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a" '
            "| KEEP _id, _version, _index, host.name"
        ),
    )
)
MISSING_METADATA = register(
    CheckInfo(
        code="RO712",
        name="esql.missing-metadata",
        severity=Severity.ERROR,
        summary="a non-aggregating rule that does not keep `_id`, `_version` and `_index`",
        explanation=(
            "Kibana deduplicates the alerts of a non-aggregating ES|QL rule by the source "
            "document's `_id`, `_version` and `_index`: FROM must ask for them (`METADATA _id, "
            "_version, _index`) and KEEP must not drop them, or every run alerts again on the same "
            "events."
        ),
        example="esql",
        bad='FROM logs-* | WHERE host.name == "a" | KEEP host.name',
        good=(
            'FROM logs-* METADATA _id, _version, _index | WHERE host.name == "a" '
            "| KEEP _id, _version, _index, host.name"
        ),
    )
)
COLUMN_NAMING = register(
    CheckInfo(
        code="RO713",
        name="esql.column-naming",
        severity=Severity.WARNING,
        summary="a computed column not named `Esql.*`",
        explanation=(
            "elastic/detection-rules names the columns a query computes (EVAL, STATS) "
            "`Esql.<name>` (or `Esql_priv.<name>` for sensitive values), so they are told apart "
            "from ECS fields in alerts. Assigning an ECS field (`host.name = …`) is fine."
        ),
        example="esql",
        bad=_AGG,
        good=(
            "FROM logs-* | STATS Esql.count = COUNT(*) BY host.name | WHERE Esql.count > 10 "
            "| KEEP host.name, Esql.count"
        ),
        house_style=True,
        elastic_style=True,
    )
)
NEWER_THAN_STACK = register(
    CheckInfo(
        code="RO714",
        name="esql.newer-than-min-stack-version",
        severity=Severity.ERROR,
        summary="a command or function the rule's min_stack_version does not have",
        explanation=(
            "INLINE STATS, LOOKUP JOIN, COMPLETION, FORK, SAMPLE, CHANGE_POINT, RERANK, FUSE, "
            "aggregate WHERE filters and functions such as MV_CONTAINS, CONTAINS, URL_DECODE, "
            "MV_INTERSECTION, MV_UNION and JSON_EXTRACT arrived in later stack versions; on an "
            "older stack the query is rejected. Raise `min_stack_version` in [metadata], or do "
            "without the command or function."
        ),
        example="rule",
        bad='[metadata]\nmin_stack_version = "8.15.0"\n\n' + _LOOKUP_RULE,
        good='[metadata]\nmin_stack_version = "8.18.0"\n\n' + _LOOKUP_RULE,
    )
)
NOT_PRODUCED = register(
    CheckInfo(
        code="RO715",
        name="esql.field-not-produced",
        severity=Severity.ERROR,
        summary="alert suppression or required fields name a column the query does not return",
        explanation=(
            "`alert_suppression.group_by` and `required_fields` must be columns of the query's "
            "result: suppression on a column the query dropped groups every alert together, and a "
            "required field that is not there is wrong documentation."
        ),
        example="rule",
        bad=_COUNTING_RULE + '[rule.alert_suppression]\ngroup_by = ["user.name"]',
        good=_COUNTING_RULE + '[rule.alert_suppression]\ngroup_by = ["host.name"]',
    )
)
