"""The diagnostic codes of EQL syntax, structure and types (`ruleops rule --list`).

Reported by the parser (`ruleops.eql.parser`, `ruleops.eql.errors`: syntax errors) and the
verifier (`ruleops.eql.verify`, `ruleops.eql.typecheck`: what Elasticsearch's verifier
rejects); the checks that put them in the pipeline are `ruleops.checks.eql` and
`ruleops.checks.fields`.
"""

from __future__ import annotations

from ruleops.diagnostics import CheckInfo, Severity, register

SYNTAX_ERROR = register(
    CheckInfo(
        code="RO300",
        name="eql.syntax-error",
        severity=Severity.ERROR,
        summary="the EQL query does not parse",
        explanation=(
            "Elasticsearch rejects the query before running it, so the rule never fires. The "
            "message says what was found and what was expected there; the caret points at "
            "the offending character of the query inside the rule file. Frequent causes: an "
            "unbalanced parenthesis or bracket, a missing `and`/`or` between two conditions, "
            "a string that is not closed on its line, an upper-case keyword (`AND`), or a "
            "sequence with a single clause. ruleops also refuses a condition nested more than "
            "100 levels deep (`not`, `and`/`or`, function calls, arithmetic)."
        ),
        example="eql",
        bad='process where process.name == "cmd.exe" process.args : "/c"',
        good='process where process.name == "cmd.exe" and process.args : "/c"',
    )
)
ENDGAME_SYNTAX = register(
    CheckInfo(
        code="RO301",
        name="eql.endgame-syntax",
        severity=Severity.ERROR,
        summary="syntax of the old Endgame EQL dialect that Elasticsearch does not support",
        explanation=(
            "Endgame's EQL (the `eql` Python package's default dialect) had constructs that "
            "Elasticsearch's EQL never implemented: `=` for equality, single-quoted strings, "
            '`?"…"` raw strings (in Elasticsearch `?` marks an optional field; raw strings '
            'are written `"""…"""`), process lineage (`descendant of`, `child of`, '
            "`event of`), `join`, `fork`, array indexing (`field[0]`), join keys that are "
            "expressions, and the pipes `unique`, `unique_count`, `count`, `filter`, `sort`. "
            "Queries copied from Endgame-era material need rewriting; the message says what to "
            "use instead."
        ),
        example="eql",
        bad="process where process.name = 'cmd.exe' | unique process.parent.name",
        good='process where process.name == "cmd.exe"',
    )
)
UNKNOWN_FUNCTION = register(
    CheckInfo(
        code="RO302",
        name="eql.unknown-function",
        severity=Severity.ERROR,
        summary="a function Elasticsearch EQL does not have",
        explanation=(
            "Elasticsearch EQL has these functions: add, between, cidrMatch, concat, divide, "
            "endsWith, indexOf, length, modulo, multiply, number, startsWith, string, "
            "stringContains, substring, subtract. Only between, endsWith, indexOf, startsWith "
            "and stringContains have a case-insensitive `~` form. Function names are not "
            "case-sensitive. Endgame functions (arrayContains, wildcard, match, safe, …) are "
            "reported with what to write instead."
        ),
        example="eql",
        bad='process where startswith(process.name, "cmd") and wildcard(process.args, "*/c*")',
        good='process where startsWith(process.name, "cmd") and process.args : "*/c*"',
    )
)
FUNCTION_ARGUMENTS = register(
    CheckInfo(
        code="RO303",
        name="eql.function-arguments",
        severity=Severity.ERROR,
        summary="a function called with the wrong number or types of arguments",
        explanation=(
            "Elasticsearch checks each call before running the query: the number of "
            "arguments, and the types of literal arguments and of the values other functions "
            "return (`length` takes a string, `substring`'s offsets are whole numbers, "
            "`between`'s `greedy` is the literal `true` or `false`, `cidrMatch`'s blocks are "
            "IP addresses or CIDR blocks). Field arguments are checked against ECS field types "
            "by the field checks, not here."
        ),
        example="eql",
        bad='process where length(5) > 2 and substring(process.name, "1") == "md"',
        good='process where length(process.name) > 2 and substring(process.name, 1) == "md"',
    )
)
LITERAL_WILDCARD = register(
    CheckInfo(
        code="RO304",
        name="eql.wildcard-compared-literally",
        severity=Severity.WARNING,
        summary="`==`, `!=` or `in` with a string containing `*` or `?`",
        explanation=(
            "`==`, `!=`, `in` and `in~` compare exactly: `*` and `?` in the string match only a "
            "literal asterisk or question mark, which file paths and process names rarely "
            "contain. Most likely a wildcard match was meant: `:` (case-insensitive), `like` "
            "(case-sensitive) or `like~`, each of which also takes a list. If the character "
            "really is literal, suppress this warning on the line."
        ),
        example="eql",
        bad='process where process.name == "python*"',
        good='process where process.name like "python*"',
    )
)
JOIN_KEY_COUNT = register(
    CheckInfo(
        code="RO305",
        name="eql.join-key-count",
        severity=Severity.ERROR,
        summary="the clauses of a sequence or sample are joined on different numbers of keys",
        explanation=(
            "Join keys are compared by position: each clause's keys are the shared `by` keys "
            "after `sequence` / `sample` followed by the clause's own `by` keys, and every "
            "clause (and `until`) must end up with the same number. Elasticsearch rejects the "
            "query otherwise."
        ),
        example="eql",
        bad=(
            "sequence by host.id\n"
            "  [process where true] by process.entity_id\n"
            "  [network where true]"
        ),
        good=(
            "sequence by host.id\n"
            "  [process where true] by process.entity_id\n"
            "  [network where true] by process.entity_id"
        ),
    )
)
MAXSPAN = register(
    CheckInfo(
        code="RO306",
        name="eql.maxspan-unit",
        severity=Severity.ERROR,
        summary="`maxspan` without a time unit, with an unknown unit, or not a whole number",
        explanation=(
            "`with maxspan=` takes a whole number followed by a unit: `ms`, `s`, `m`, `h` or "
            "`d` (for example `maxspan=30s`). Elasticsearch rejects other units, fractions, "
            "and a number without a unit."
        ),
        example="eql",
        bad="sequence with maxspan=5 [process where true] [network where true]",
        good="sequence with maxspan=5m [process where true] [network where true]",
    )
)
MISSING_WITHOUT_MAXSPAN = register(
    CheckInfo(
        code="RO307",
        name="eql.missing-event-without-maxspan",
        severity=Severity.ERROR,
        summary="a missing-event clause `![ … ]` in a sequence without `maxspan`",
        explanation=(
            "A missing event is an event that does not occur within the sequence's time "
            "window; without `with maxspan=` there is no window, and Elasticsearch rejects "
            "the query."
        ),
        example="eql",
        bad="sequence by host.id [process where true] ![network where true]",
        good="sequence by host.id with maxspan=1m [process where true] ![network where true]",
    )
)
RUNS_RANGE = register(
    CheckInfo(
        code="RO308",
        name="eql.runs-out-of-range",
        severity=Severity.ERROR,
        summary="`with runs=N` with N outside 1..100",
        explanation=(
            "`runs=N` repeats a clause N times in a row. Elasticsearch accepts N from 1 to 100."
        ),
        example="eql",
        bad="sequence by host.id [authentication where true] with runs=0 [process where true]",
        good="sequence by host.id [authentication where true] with runs=5 [process where true]",
    )
)
SAMPLE_OPTION = register(
    CheckInfo(
        code="RO309",
        name="eql.sample-sequence-option",
        severity=Severity.ERROR,
        summary="a sample with `maxspan`, `until`, `runs` or a missing-event clause",
        explanation=(
            "A sample matches events that share join keys, in any order and at any time. The "
            "options that order or time events belong to sequences: `with maxspan=`, `until`, "
            "`with runs=` and missing events `![ … ]`. Elasticsearch rejects them in a sample; "
            "use a sequence if the order or timing matters."
        ),
        example="eql",
        bad="sample by host.id [process where true] with runs=2 [network where true]",
        good="sample by host.id [process where true] [process where true] [network where true]",
    )
)
FIELD_TO_FIELD = register(
    CheckInfo(
        code="RO310",
        name="eql.field-compared-to-field",
        severity=Severity.ERROR,
        summary="a field compared with another field",
        explanation=(
            "Elasticsearch EQL compares a field with values, not with another field of the "
            "same event (`process.name == process.parent.name` is rejected), in comparisons "
            "and in `in` lists alike. Functions may take several fields "
            "(`startsWith~(file.name, process.name)`). To relate fields of different events, "
            "join them with `by` in a sequence."
        ),
        example="eql",
        bad="process where process.name == process.parent.name",
        good=(
            "sequence\n"
            "  [process where true] by process.parent.name\n"
            "  [process where true] by process.name"
        ),
    )
)
CONDITION_NOT_BOOLEAN = register(
    CheckInfo(
        code="RO311",
        name="eql.condition-not-boolean",
        severity=Severity.ERROR,
        summary="a condition that is a number or a string, not true or false",
        explanation=(
            "Elasticsearch requires every condition of an EQL query, and every operand of "
            '`and`, `or` and `not`, to be true or false ("Condition expression needs to be '
            'boolean"). A bare field is allowed only when it is a boolean field; a number, '
            "a string, arithmetic or a function returning a number or a string is rejected. "
            "Compare the value with something instead."
        ),
        example="eql",
        bad="process where process.pid",
        good="process where process.pid == 4",
    )
)
TEXT_FIELD_NOT_EXACT = register(
    CheckInfo(
        code="RO312",
        name="eql.text-field-compared-exactly",
        severity=Severity.ERROR,
        summary="`==`, `in`, `:`, a function or a range on a text field",
        explanation=(
            "A `text` or `match_only_text` field (ECS `message`, the `*.text` multi-fields) is "
            "analysed into words; it has no exact value to compare. Elasticsearch's EQL "
            "rejects `==`, `!=`, `<`…, `in`, `:`, `like`, `regex` and function calls on it "
            'unless the mapping gives it a keyword sub-field ("No keyword/multi-field '
            'defined exact matches"). Use the keyword field the text field belongs to '
            "(`process.command_line` rather than `process.command_line.text`), or match the "
            "words in KQL."
        ),
        example="eql",
        bad='any where message : "*mimikatz*"',
        good='process where process.command_line : "*mimikatz*"',
    )
)
UNSUPPORTED_FIELD_TYPE = register(
    CheckInfo(
        code="RO313",
        name="eql.unsupported-field-type",
        severity=Severity.ERROR,
        summary="a field of a type EQL cannot read (geo, range, flattened, nested)",
        explanation=(
            "Elasticsearch's EQL reads keyword, text, numeric, date, boolean, ip, version and "
            "binary fields. A field mapped as a geo point or shape, a range, `flattened`, or a "
            "`nested` field (and any field inside one, such as ECS `dns.answers.name`) is "
            'rejected ("Cannot use field … with unsupported type"). Query another field, or '
            "use KQL, which has nested queries."
        ),
        example="eql",
        bad="network where source.geo.location != null",
        good='network where source.geo.country_iso_code == "FR"',
    )
)
JOIN_KEY_TYPES = register(
    CheckInfo(
        code="RO314",
        name="eql.join-key-types",
        severity=Severity.ERROR,
        summary="join keys of a sequence or sample whose types cannot be compared",
        explanation=(
            "The join keys of the clauses are compared position by position, so their types "
            "must match: strings with strings, numbers with numbers, dates with dates, and "
            "any other type with itself. Elasticsearch rejects, for example, an IP key "
            'joined with a keyword key ("Sequence key … is incompatible with key …").'
        ),
        example="eql",
        bad=(
            "sequence\n"
            "  [network where true] by source.ip\n"
            "  [authentication where true] by source.address"
        ),
        good=(
            "sequence\n"
            "  [network where true] by source.ip\n"
            "  [authentication where true] by source.ip"
        ),
    )
)
