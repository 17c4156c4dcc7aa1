"""KQL checks: syntax, KQL pitfalls, and ECS fields for `language = "kuery"`.

Every KQL string of a rule is checked: `query`, and for indicator-match rules the
`threat_query` that selects indicator documents. A syntax error lands on the line and
column of the rule file where the offending character is written. The ECS field, type and
value findings come from `ruleops.query.fieldcheck`, shared with EQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

from ruleops.checks import rule_check
from ruleops.checks.fields import QUERY_FIELD_CODES
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.ecs import ecs_for
from ruleops.kql.dates import relative_time
from ruleops.kql.errors import SYNTAX
from ruleops.kql.field_types import kql_field_types
from ruleops.kql.typecheck import (
    NESTED_FIELD_OUTSIDE,
    NEVER_MATCHES_TYPE,
    REJECTED_NESTED_PATH,
    WILDCARD_IN_RANGE,
    check_types,
)
from ruleops.loading import DEFAULT_FROM, Rule
from ruleops.query.ast import And, Expr, Field, Match, Or, Span, walk
from ruleops.query.fieldcheck import UNKNOWN_FIELD, check_condition, check_fields
from ruleops.query.finding import QueryFinding, distinct

_NEW_TERMS = """\
type = "new_terms"
language = "kuery"
query = "event.category:authentication"
from = "now-9m"

[rule.new_terms]
field = "new_terms_fields"
value = ["user.name"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
"""

QUOTED_WILDCARD = register(
    CheckInfo(
        code="RO401",
        name="kql.quoted-wildcard",
        severity=Severity.WARNING,
        summary="a `*` inside a quoted KQL value is not a wildcard",
        explanation=(
            'KQL quotes make a phrase: `process.name:"python*"` matches only a process '
            "literally named `python*` (on text fields the analyzer drops the `*` and the "
            "phrase matches the bare word). Wildcards work in unquoted values only; escape the "
            "special characters of an unquoted value with a backslash (`C\\:\\\\Temp\\\\*`). "
            'Reported when a quoted value starts or ends with `*` (a lone `"*"` is '
            "usually meant literally, as in Kubernetes RBAC verbs)."
        ),
        example="kql",
        bad='process.name:("bash" or "python*")',
        good="process.name:(bash or python*)",
    )
)
VALUE_SPANS_LINES = register(
    CheckInfo(
        code="RO402",
        name="kql.value-spans-lines",
        severity=Severity.WARNING,
        summary="an unquoted value runs over a line break: a missing `or` or `and`?",
        explanation=(
            "Unquoted KQL values may contain spaces, so two values with nothing but a line "
            "break between them are one value: `(*a.xml\\n */b.json or …)` looks for the text "
            "`*a.xml\\n */b.json` and matches neither file. Add the missing `or`/`and`; to "
            "match a value that really contains a line break, quote it and write `\\n`."
        ),
        example="kql",
        bad=(
            "process.args:(\n  */conf/server.xml\n  */.config/gcloud/credentials.db or\n"
            "  */.azure/msal_token_cache.json\n)"
        ),
        good=(
            "process.args:(\n  */conf/server.xml or\n  */.config/gcloud/credentials.db or\n"
            "  */.azure/msal_token_cache.json\n)"
        ),
    )
)
FREE_TEXT = register(
    CheckInfo(
        code="RO403",
        name="kql.free-text",
        severity=Severity.WARNING,
        summary="a KQL value without a field searches every field",
        explanation=(
            'A bare value (`mimikatz`, `"cmd.exe /c"`) is a search on all fields of the '
            "event: slow on large indices and matching in places the rule did not mean, "
            "such as the rule's own alert documents. In a detection rule it is usually a "
            "field name left out, or a `:` missing. Name the field."
        ),
        example="kql",
        bad="event.category:process and mimikatz",
        good="event.category:process and process.name:mimikatz.exe",
    )
)
QUESTION_MARK = register(
    CheckInfo(
        code="RO404",
        name="kql.question-mark-is-literal",
        severity=Severity.INFO,
        summary="`?` in a KQL wildcard value is a literal question mark",
        explanation=(
            "KQL has one wildcard, `*`. Unlike EQL and Lucene, `?` does not stand for one "
            "character: `GitHub?Copilot` matches only the text with a question mark in it. "
            "Use `*` (`GitHub*Copilot`), or list the spellings. Nothing to change when the "
            "value really contains `?`, as in a URL query string."
        ),
        example="kql",
        bad="file.path:*/AppData/Local/GitHub?Copilot/*",
        good="file.path:*/AppData/Local/GitHub*Copilot/*",
    )
)

HISTORY_WINDOW = register(
    CheckInfo(
        code="RO405",
        name="kql.new-terms-history-window",
        severity=Severity.ERROR,
        summary="new_terms history_window_start is not date math older than the rule's window",
        explanation=(
            "A new_terms rule compares the terms of each event in its window (`from` to now) "
            "with those seen from `history_window_start` up to the window. The history start "
            "must be date math such as `now-7d`, and further back than `from`; otherwise "
            "Kibana rejects the rule or the history is empty and every term looks new."
        ),
        example="rule",
        bad=_NEW_TERMS + 'value = "now-5m"',
        good=_NEW_TERMS + 'value = "now-7d"',
    )
)

MIXED_AND_OR = register(
    CheckInfo(
        code="RO406",
        name="kql.and-or-without-parentheses",
        severity=Severity.INFO,
        summary="`and` and `or` mixed without parentheses",
        explanation=(
            "`and` binds tighter than `or`, so `a and b or c` means `(a and b) or c`: the "
            "conditions before the `or` do not apply to what follows it. That is sometimes "
            "meant and often not (a shared `event.category:process and` at the start silently "
            "stops applying after the first `or`). Parentheses say which reading is meant and "
            "keep the next edit from changing it."
        ),
        example="kql",
        bad="event.category:process and process.name:ufw or process.name:iptables",
        good="event.category:process and (process.name:ufw or process.name:iptables)",
    )
)

DUPLICATE_VALUE = register(
    CheckInfo(
        code="RO407",
        name="kql.duplicate-value",
        severity=Severity.INFO,
        summary="a value listed twice for the same field",
        explanation=(
            "`f:(a or b or a)` lists `a` twice. The query means the same without the copy, so "
            "it is harmless, but in a long list it often stands where another value was meant "
            "(a copy-paste left unedited). Remove the copy, or write the value you meant."
        ),
        example="kql",
        bad="process.name:(yum or dnf or yum)",
        good="process.name:(yum or dnf or rpm)",
    )
)

# The KQL strings of a rule, by key, and what makes them KQL.
_KQL_KEYS = (
    ("rule.query", "query", "language"),
    ("rule.threat_query", "threat_query", "threat_language"),
)


def kql_strings(rule: Rule) -> Iterator[tuple[str, str]]:
    """(key path, query text) of each KQL string of the rule."""
    section = rule.rule
    for key_path, key, language_key in _KQL_KEYS:
        text = section.get(key)
        if not isinstance(text, str):
            continue
        language = section.get(language_key)
        if language_key == "threat_language" and language is None:
            language = section.get("language")
        if language == "kuery":
            yield key_path, text


@rule_check(
    emits=(
        SYNTAX,
        QUOTED_WILDCARD,
        VALUE_SPANS_LINES,
        FREE_TEXT,
        QUESTION_MARK,
        MIXED_AND_OR,
        DUPLICATE_VALUE,
        *QUERY_FIELD_CODES,
        REJECTED_NESTED_PATH,
        NESTED_FIELD_OUTSIDE,
        WILDCARD_IN_RANGE,
        NEVER_MATCHES_TYPE,
    )
)
def kql_query(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    for key_path, text in kql_strings(rule):
        # The KQL front end loads with the first KQL string: most rules have none.
        from ruleops.kql.parser import KqlSyntaxError, parse_kql  # noqa: PLC0415 -- per language

        try:
            expr = parse_kql(text)
        except KqlSyntaxError as error:
            yield rule.query_diagnostic(error.finding, key_path)
            continue
        yield from _pitfalls(rule, key_path, text, expr)
        yield from _fields(rule, key_path, text, expr, config)


@rule_check(emits=(HISTORY_WINDOW, UNKNOWN_FIELD))
def kql_rule_settings(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    """Fields named outside the query (threshold, new_terms, threat_mapping) are checked
    against ECS like the query's own; the new_terms history window must make sense."""
    if rule.string("rule.language") != "kuery":
        return
    named = list(_settings_fields(rule))
    if named:
        ecs = ecs_for(config)
        for key_path, name in named:
            for finding in check_fields([Field(tuple(name.split(".")))], ecs=ecs):
                yield rule.diagnostic(finding.info, finding.message, key_path, hint=finding.hint)
    if rule.string("rule.type") == "new_terms":
        yield from _history_window(rule)


def _settings_fields(rule: Rule) -> Iterator[tuple[str, str]]:
    """(key path, field name) of every field a rule's type settings name."""
    kind = rule.string("rule.type")
    if kind == "threshold" and rule.table("rule.threshold"):
        group_by = rule.string("rule.threshold.field")
        if group_by:
            yield "rule.threshold.field", group_by
        for path, name in rule.items("rule.threshold.field"):
            if isinstance(name, str) and name:
                yield path, name
        for path, _ in rule.tables("rule.threshold.cardinality"):
            if (name := rule.string(f"{path}.field")) is not None:
                yield f"{path}.field", name
    elif kind == "new_terms" and rule.table("rule.new_terms"):
        for path, name in rule.items("rule.new_terms.value"):
            if isinstance(name, str):
                yield path, name
    elif kind == "threat_match":
        for group, _ in rule.tables("rule.threat_mapping"):
            for entry, _ in rule.tables(f"{group}.entries"):
                for key in ("field", "value"):
                    if (name := rule.string(f"{entry}.{key}")) is not None:
                        yield f"{entry}.{key}", name


def _history_window(rule: Rule) -> Iterator[Diagnostic]:
    key = "rule.new_terms.history_window_start[0].value"
    value = rule.string(key)
    if value is None:
        return
    now = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    start = relative_time(value, now)
    if start is None:
        yield rule.diagnostic(
            HISTORY_WINDOW,
            f"history_window_start {value!r} is not date math Kibana accepts here",
            key,
            hint='write it relative to now, e.g. "now-7d"',
        )
        return
    lookback = rule.string("rule.from")
    lookback = DEFAULT_FROM if lookback is None else lookback
    window = relative_time(lookback, now)
    if window is not None and start >= window:
        yield rule.diagnostic(
            HISTORY_WINDOW,
            f"history_window_start {value!r} is not further back than the rule's window "
            f"(from = {lookback!r}), so there is no history to compare with",
            key,
            hint='use a history of days, e.g. "now-7d"',
        )


def _pitfalls(rule: Rule, key_path: str, text: str, expr: Expr) -> Iterator[Diagnostic]:
    from ruleops.kql.parser import ALL_FIELDS  # noqa: PLC0415 -- per language

    for node in walk(expr):
        if isinstance(node, Or):
            bare = next(
                (
                    op
                    for op in node.operands
                    if isinstance(op, And)
                    and _bare_and(text, op.span)
                    and not _in_parentheses(text, op.span)
                ),
                None,
            )
            if bare is not None:
                yield rule.query_diagnostic(
                    QueryFinding(
                        MIXED_AND_OR,
                        "`and` binds tighter than `or`: "
                        f"`{_excerpt(text, bare.span)}` is one branch of the `or`",
                        Span(
                            bare.span.start,
                            bare.span.start + len(_excerpt(text, bare.span, 1000).split("\n")[0]),
                        ),
                        "add parentheses around the conditions you mean to group",
                    ),
                    key_path,
                )
        # A KQL match always tests a field (`field:value`; free text tests ALL_FIELDS).
        if not isinstance(node, Match) or not isinstance(node.value, Field):
            continue
        if node.value.path == ALL_FIELDS:
            yield rule.query_diagnostic(
                QueryFinding(
                    FREE_TEXT,
                    f"`{node.patterns[0]}` has no field, so it is searched in every field",
                    node.span,
                    "name the field it belongs to: `field:value`",
                ),
                key_path,
            )
            continue
        yield from _pattern_pitfalls(rule, key_path, text, node, node.value)


def _pattern_pitfalls(
    rule: Rule, key_path: str, text: str, node: Match, field: Field
) -> Iterator[Diagnostic]:
    """At most one diagnostic of each code per match: a list of 20 quoted paths written
    the same wrong way is one mistake."""
    patterns = node.patterns
    quoted = [
        p
        for p in patterns
        if node.kind == "phrase" and len(p) > 1 and (p.startswith("*") or p.endswith("*"))
    ]
    if quoted:
        more = f" (and {len(quoted) - 1} more value(s) of this list)" if len(quoted) > 1 else ""
        yield rule.query_diagnostic(
            QueryFinding(
                QUOTED_WILDCARD,
                f'"{quoted[0]}" is quoted, so its `*` is not a wildcard{more}',
                _pattern_span(text, node, quoted[0]),
                "drop the quotes and escape special characters with `\\` "
                "(for example `C\\:\\\\Temp\\\\*`)",
            ),
            key_path,
        )
    if node.kind in ("term", "wildcard"):
        for pattern in patterns:
            if _broken_line(text, node, pattern):
                first, rest = pattern.split("\n", 1)
                yield rule.query_diagnostic(
                    QueryFinding(
                        VALUE_SPANS_LINES,
                        f"the value `{first.strip()}` continues on the next line as "
                        f"`{rest.strip().splitlines()[0]}`: KQL reads both lines as one value",
                        _pattern_span(text, node, first.strip()),
                        "add the missing `or` (or `and`) at the end of the line",
                    ),
                    key_path,
                )
    seen: set[str] = set()
    repeated = []
    for pattern in patterns:
        if pattern in seen:
            repeated.append(pattern)
        seen.add(pattern)
    if repeated:
        once = _pattern_span(text, node, repeated[0])
        again = _pattern_span(text, Span(once.end, node.span.end), repeated[0])
        more = f" (and {len(repeated) - 1} more)" if len(repeated) > 1 else ""
        yield rule.query_diagnostic(
            QueryFinding(
                DUPLICATE_VALUE,
                f"`{repeated[0]}` is listed twice for {field.name}{more}",
                again if again.start >= once.end else once,
                "remove the copy, or write the value that was meant",
            ),
            key_path,
        )
    question = [p for p in patterns if node.kind == "wildcard" and "?" in p]
    if question:
        yield rule.query_diagnostic(
            QueryFinding(
                QUESTION_MARK,
                f"in `{question[0]}` the `?` is a literal question mark: "
                "KQL's only wildcard is `*`",
                _pattern_span(text, node, question[0]),
                "use `*` where any character may appear; nothing to change if the value "
                "really contains `?`",
            ),
            key_path,
        )


def _bare_and(text: str, span: Span) -> bool:
    """An `and` keyword outside any parentheses of the span's own text: `a and b`, not
    `(a and b)` nor `field:(x and y)`."""
    depth, quoted, escaped = 0, False, False
    inner = text[span.start : span.end]
    for index, char in enumerate(inner):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif depth == 0 and char in _SPACES and _AND.match(inner, index):
            return True
    return False


def _in_parentheses(text: str, span: Span) -> bool:
    return text[: span.start].rstrip().endswith("(") and text[span.end :].lstrip().startswith(")")


_SPACES = " \t\r\n\u00a0"
_AND = re.compile(r"[ \t\r\n\u00a0]and[ \t\r\n\u00a0]", re.IGNORECASE)


def _excerpt(text: str, span: Span, limit: int = 60) -> str:
    shown = " ".join(text[span.start : span.end].split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _broken_line(text: str, node: Match, pattern: str) -> bool:
    """The value holds a line break written as one (not as the escape `\\n`)."""
    if "\n" not in pattern.strip():
        return False
    first = pattern.split("\n", 1)[0].strip()
    span = _pattern_span(text, node, first)
    if span == node.span and first:
        return False
    following = text[span.end : span.end + 200]
    return "\n" in following[: len(following) - len(following.lstrip(" \t\r\n"))]


def _pattern_span(text: str, node: Match | Span, needle: str) -> Span:
    """The span of one value of a (possibly merged) match, for a precise caret: the value
    as a whole quoted or unquoted word of the list, else its first occurrence."""
    span = node if isinstance(node, Span) else node.span
    quoted = text.find(f'"{needle}"', span.start, span.end)
    if quoted >= 0:
        return Span(quoted, quoted + len(needle) + 2)
    word = re.compile(r"(?<![^\s(:])" + re.escape(needle) + r"(?![^\s)])")
    found = word.search(text, span.start, span.end)
    if found:
        return Span(found.start(), found.end())
    at = text.find(needle, span.start, span.end)
    return Span(at, at + len(needle)) if at >= 0 else span


def _fields(
    rule: Rule, key_path: str, text: str, expr: Expr, config: Config
) -> Iterator[Diagnostic]:
    ecs = ecs_for(config)
    findings = [
        *check_condition(expr, ecs=ecs, dialect="kql"),
        *check_types(expr, kql_field_types(ecs.fields)),
    ]
    for finding in distinct(findings):
        # A finding on one value of a list quotes it: put the caret on that value.
        quoted = re.match(r'"([^"]+)"', finding.message)
        if quoted:
            finding = replace(finding, span=_pattern_span(text, finding.span, quoted.group(1)))
        yield rule.query_diagnostic(finding, key_path)
