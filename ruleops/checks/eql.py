"""EQL syntax and structural checks.

For a rule with `language = "eql"`, the query is parsed (`ruleops.eql.parser`) and verified
(`ruleops.eql.verify`); every problem is reported on the rule file's own line and column,
not the query's. The codes the parser and the verifier report are declared in
`ruleops.eql.codes`; field and type checks against ECS are in `ruleops.checks.fields`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruleops.checks import rule_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.eql.codes import (
    ENDGAME_SYNTAX,
    FIELD_TO_FIELD,
    FUNCTION_ARGUMENTS,
    JOIN_KEY_COUNT,
    LITERAL_WILDCARD,
    MAXSPAN,
    MISSING_WITHOUT_MAXSPAN,
    RUNS_RANGE,
    SAMPLE_OPTION,
    SYNTAX_ERROR,
    UNKNOWN_FUNCTION,
)
from ruleops.loading import Rule
from ruleops.query.ast import Match, Span, walk
from ruleops.query.finding import QueryFinding
from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene

if TYPE_CHECKING:
    from ruleops.eql.ast import Query

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
        example="eql",
        bad='process where process.name regex~ "(cmd|powershell\\.exe"',
        good='process where process.name regex~ "(cmd|powershell)\\.exe"',
    )
)


@rule_check(
    emits=(
        SYNTAX_ERROR,
        ENDGAME_SYNTAX,
        UNKNOWN_FUNCTION,
        FUNCTION_ARGUMENTS,
        LITERAL_WILDCARD,
        JOIN_KEY_COUNT,
        MAXSPAN,
        MISSING_WITHOUT_MAXSPAN,
        RUNS_RANGE,
        SAMPLE_OPTION,
        FIELD_TO_FIELD,
        INVALID_REGEX,
    )
)
def eql_query(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("eql")
    if query is None:
        return
    # The EQL front end loads with the first EQL rule: a run over other rules never needs it.
    from ruleops.eql.parser import EqlSyntaxError, parse_eql  # noqa: PLC0415 -- per language
    from ruleops.eql.verify import verify  # noqa: PLC0415 -- per language

    try:
        parsed = parse_eql(query)
    except EqlSyntaxError as error:
        yield rule.query_diagnostic(error.finding)
        return
    for finding in verify(parsed):
        yield rule.query_diagnostic(finding)
    for finding in _invalid_regexes(parsed, query):
        yield rule.query_diagnostic(finding)


def _invalid_regexes(parsed: Query, query: str) -> Iterator[QueryFinding]:
    """Each regex pattern Lucene rejects, at the character it stops at."""
    from ruleops.eql.parser import string_source_offset  # noqa: PLC0415 -- per language
    from ruleops.eql.verify import event_queries  # noqa: PLC0415 -- per language

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
                    yield QueryFinding(
                        INVALID_REGEX,
                        f"invalid regular expression: {error.message}",
                        Span(at, at + 1),
                        "Elasticsearch would reject the query; see `ruleops rule RO320` for "
                        "Lucene's syntax",
                    )
