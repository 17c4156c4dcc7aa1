"""EQL syntax and structural checks (RO300-RO310, RO320).

For a rule with `language = "eql"`, the query is parsed (`ruleops.eql.parser`) and verified
(`ruleops.eql.verify`); every problem is reported on the rule file's own line and column,
not the query's. Field and type checks against ECS are in `ruleops.checks.fields`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruleops.checks import rule_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.loading import Rule
from ruleops.query.ast import Match, walk
from ruleops.query.locate import query_position

if TYPE_CHECKING:
    from ruleops.eql.ast import Query

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
        bad="process where process.name == process.parent.name",
        good=(
            "sequence\n"
            "  [process where true] by process.parent.name\n"
            "  [process where true] by process.name"
        ),
    )
)

INVALID_REGEX = register(
    CheckInfo(
        code="RO320",
        name="eql.invalid-regex",
        severity=Severity.ERROR,
        summary="a `regex` / `regex~` pattern that is not a valid Lucene regular expression",
        explanation=(
            "Elasticsearch runs `regex` as a Lucene regular expression (`RegExp`), whose syntax "
            "is not Perl's or Python's: the pattern matches the whole value (no `^`/`$` "
            "anchors; they are ordinary characters), there are no lazy quantifiers or inline "
            "flags (`(?i)`), `\\d \\s \\w` and their capitals are the only letter escapes "
            '(`\\n`, `\\b` are errors), and `~ & @ # < > "` are operators that need a '
            "backslash to be literal. A pattern Lucene cannot read, or one whose automaton is "
            "too large, makes Elasticsearch reject the whole query, so the rule never runs. "
            "The caret points at the character Lucene stops at."
        ),
        bad='process where process.name regex~ "(cmd|powershell\\.exe"',
        good='process where process.name regex~ "(cmd|powershell)\\.exe"',
    )
)


@rule_check
def eql_query(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("eql")
    if query is None:
        return
    # Imported here so that loading the check registry does not build the EQL grammar.
    from ruleops.eql.parser import EqlSyntaxError, parse_eql
    from ruleops.eql.verify import verify

    try:
        parsed = parse_eql(query)
    except EqlSyntaxError as error:
        yield _at(rule, error.code, error.message, error.offset, error.end_offset, error.hint)
        return
    for problem in verify(parsed):
        yield _at(
            rule, problem.code, problem.message, problem.span.start, problem.span.end, problem.hint
        )
    yield from _invalid_regexes(rule, parsed, query)


def _invalid_regexes(rule: Rule, parsed: Query, query: str) -> Iterator[Diagnostic]:
    """Each regex pattern Lucene rejects, at the character it stops at."""
    from ruleops.eql.parser import string_source_offset
    from ruleops.eql.verify import event_queries
    from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene

    for event_query in event_queries(parsed):
        for node in walk(event_query.condition):
            if not isinstance(node, Match) or node.kind != "regex":
                continue
            for pattern, span in zip(node.patterns, node.pattern_spans, strict=False):
                try:
                    compile_lucene(pattern, case_insensitive=node.case_insensitive)
                except LuceneRegexError as error:
                    raw = query[span.start : span.end]
                    at = span.start + string_source_offset(raw, error.offset)
                    yield _at(
                        rule,
                        INVALID_REGEX.code,
                        f"invalid regular expression: {error.message}",
                        at,
                        at + 1,
                        "Elasticsearch would reject the query; see `ruleops rule RO320` for "
                        "Lucene's syntax",
                    )


def _at(rule: Rule, code: str, message: str, start: int, end: int, hint: str | None) -> Diagnostic:
    """A diagnostic on the file position of query offsets start..end (caret over the text)."""
    where = query_position(rule, start)
    end_column = None
    if end > start:
        last = query_position(rule, end - 1)
        if last.line == where.line and last.column >= where.column:
            end_column = last.column + 1
    return rule.diagnostic(
        code, message, "rule.query", hint=hint, position=where, end_column=end_column
    )
