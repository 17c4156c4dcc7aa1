"""Field, type and value checks on the shared condition form, for EQL and KQL alike.

Given a condition (`ruleops.query.ast.Expr`) and ECS data, report what cannot work:
fields ECS does not define, comparisons the field's type cannot satisfy, and values of
the categorisation fields (`event.category`, `event.type`, `event.kind`, `event.outcome`)
that ECS does not allow. Findings carry the span of the offending text; the language front
ends turn them into diagnostics at the rule file's line and column.

The only dialect difference is what counts as a wildcard: `*` and `?` in EQL, `*` in KQL.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal as TypingLiteral

from ruleops import es_types
from ruleops.diagnostics import CheckInfo, Severity, register
from ruleops.ecs import Ecs, load_ecs
from ruleops.query.ast import (
    NO_SPAN,
    Call,
    Compare,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    Span,
    conjuncts,
    walk,
)
from ruleops.query.finding import QueryFinding
from ruleops.query.wildcard import ANY_RUN, ONE_CHAR, tokens

Dialect = TypingLiteral["eql", "kql"]

UNKNOWN_FIELD = register(
    CheckInfo(
        code="RO350",
        name="ecs.unknown-field",
        severity=Severity.WARNING,
        summary="a field in an ECS field set that ECS does not define",
        explanation=(
            "The field's first segment is an ECS field set (`process`, `file`, `event`…) but ECS "
            "defines no such field, so it is most likely a typo: on ECS data the condition sees "
            "no value and never matches (EQL rejects an unknown field outright unless it is "
            "written `?field`). The hint names the nearest ECS field.\n\n"
            "Fields of other namespaces (integration fields such as `aws.*` or `okta.*`) and "
            "vendor extensions inside ECS field sets (Elastic Defend's `process.Ext.*`, "
            "`file.Ext.*`) are not checked, unless `[tool.ruleops] field_definitions` names "
            "JSON files (field -> type) that define fields under those namespaces: then they "
            "are checked against those definitions too."
        ),
        example="eql",
        bad='process where process.nmae == "cmd.exe"',
        good='process where process.name == "cmd.exe"',
    )
)
UNKNOWN_CATEGORY = register(
    CheckInfo(
        code="RO351",
        name="ecs.unknown-event-category",
        severity=Severity.ERROR,
        summary="`category where`: the category is not an ECS event.category value",
        explanation=(
            "An EQL event query `category where …` matches events whose `event.category` "
            "(or the rule's `event_category_override` field) has that value. ECS allows a "
            "fixed list of categories; any other name never matches ECS data, so the rule "
            "can never fire. Use `any where` to match every category."
        ),
        example="eql",
        bad="networ where destination.port == 445",
        good="network where destination.port == 445",
    )
)
DISALLOWED_VALUE = register(
    CheckInfo(
        code="RO352",
        name="ecs.disallowed-value",
        severity=Severity.WARNING,
        summary="a value of event.category/type/kind/outcome that ECS does not allow",
        explanation=(
            "ECS restricts `event.category`, `event.type`, `event.kind` and `event.outcome` to "
            "fixed lists of lower-case values. A comparison with any other value never matches "
            "ECS-conformant data: usually a typo or a value of another field. Wildcard patterns "
            "pass when they match at least one allowed value; comparisons are case-sensitive "
            "unless the operator is not (`:`, `in~`). A list passes as long as one of its "
            "values is allowed, because rules keep legacy values beside ECS ones on purpose "
            '(`event.type in ("start", "process_started")`).\n\n'
            "A warning rather than an error: some older data sources (Packetbeat's "
            '`event.category: "network_traffic"`) still write values outside ECS; switch the '
            "severity in `[tool.ruleops.severity]` if your data is strictly ECS."
        ),
        example="eql",
        bad='process where event.type == "create"',
        good='process where event.type == "creation"',
    )
)
VALUE_TYPE_MISMATCH = register(
    CheckInfo(
        code="RO353",
        name="ecs.value-type-mismatch",
        severity=Severity.ERROR,
        summary="a value the field's type can never hold",
        explanation=(
            "The field has an ECS type (number, IP address, boolean, date) and the value "
            'compared with it cannot be of that type: a number field against `"four"`, an IP '
            'field against `"localhost"`, a date field against `abc` (a date is ISO 8601, '
            "epoch milliseconds or date math such as `now-7d`). Elasticsearch rejects the "
            "query or it never matches."
        ),
        example="eql",
        bad='process where process.pid == "four"',
        good="process where process.pid == 4",
    )
)
WILDCARD_ON_NON_STRING = register(
    CheckInfo(
        code="RO354",
        name="ecs.pattern-on-non-string",
        severity=Severity.ERROR,
        summary="a wildcard, regex or EQL `:` match on a field that is not a string",
        explanation=(
            "Wildcards (`:` and `like` patterns with `*` or `?`, KQL `field:val*`) and regular "
            "expressions work on string fields only. On a number, IP, date or boolean field "
            "Elasticsearch rejects the query. In EQL, `:`, `like` and `regex` take string "
            'fields only even without a wildcard (`process.pid : "4"` is rejected; '
            "write `==`). Compare with exact values or ranges instead (`cidrMatch` for IP "
            "blocks)."
        ),
        example="eql",
        bad='network where destination.port : "44*"',
        good="network where destination.port >= 440 and destination.port <= 449",
    )
)
RANGE_ON_STRING = register(
    CheckInfo(
        code="RO355",
        name="ecs.range-on-string",
        severity=Severity.WARNING,
        summary="`<`, `<=`, `>`, `>=` on a string field",
        explanation=(
            "On a keyword field a range compares strings character by character, so "
            '`"10" < "9"` holds. That is rarely what a rule means. Compare a number field, '
            "or list the values."
        ),
        example="eql",
        bad='process where process.name > "a"',
        good="process where process.args_count > 10",
    )
)
CIDR_ON_NON_IP = register(
    CheckInfo(
        code="RO356",
        name="ecs.cidr-on-non-ip",
        severity=Severity.ERROR,
        summary="cidrMatch on a field that is not an IP address",
        explanation=(
            "`cidrMatch` needs a field of type `ip`; Elasticsearch rejects it on any other "
            "type. Use the IP field (`source.ip`, `destination.ip`) rather than the address "
            "or domain fields."
        ),
        example="eql",
        bad='network where cidrMatch(destination.address, "10.0.0.0/8")',
        good='network where cidrMatch(destination.ip, "10.0.0.0/8")',
    )
)
STRING_FUNCTION_ON_NON_STRING = register(
    CheckInfo(
        code="RO357",
        name="ecs.string-function-on-non-string",
        severity=Severity.ERROR,
        summary="a string function applied to a field that is not a string",
        explanation=(
            "String functions (`startsWith`, `endsWith`, `stringContains`, `wildcard`, "
            "`length`, `substring`, `indexOf`, `between`, `number`) need a string-typed field; "
            "Elasticsearch rejects them on number, IP, date or boolean fields. Compare the "
            "value directly, or convert it first with `string()`."
        ),
        example="eql",
        bad='process where startsWith(process.pid, "12")',
        good='process where startsWith(process.name, "cmd")',
    )
)
UNEXPECTED_EVENT_TYPE = register(
    CheckInfo(
        code="RO359",
        name="ecs.unexpected-event-type",
        severity=Severity.WARNING,
        summary="an event.type that ECS does not expect with the query's event.category",
        explanation=(
            "ECS lists, for each `event.category` value, the `event.type` values that go with "
            "it: `process` events are `start`, `end`, `change`, `info` or `access`; `file` "
            "events are `creation`, `deletion`, `change`, `info` or `access`. A condition "
            'that requires a category (`process where`, `event.category == "process"`) and '
            "also an event.type none of whose values ECS expects with it matches no "
            "conforming event: often a copy-paste from a query on another category.\n\n"
            "Only comparisons joined by `and` at the top of the condition are considered, "
            "and only when every value compared is an ECS value (a legacy value means the "
            "rule targets other data). A warning, since both fields may hold several values."
        ),
        example="eql",
        bad='process where event.type == "creation" and process.name == "cmd.exe"',
        good='process where event.type == "start" and process.name == "cmd.exe"',
    )
)

_STRING_FUNCTIONS = frozenset(
    {
        "startswith",
        "endswith",
        "stringcontains",
        "wildcard",
        "length",
        "substring",
        "indexof",
        "between",
        "number",
    }
)
_NON_STRING = es_types.NUMERIC | es_types.DATE | {"ip", "boolean"}
_RANGE_OPS = frozenset({"<", "<=", ">", ">="})


def check_condition(
    expr: Expr,
    *,
    ecs: Ecs | None = None,
    dialect: Dialect = "eql",
    category: str | None = None,
) -> list[QueryFinding]:
    """Every field, type and value finding in one condition, in text order.

    `category` is the event.category the query already requires outside the condition
    (EQL's `process where`), for the event.type consistency check.
    """
    checker = _Checker(ecs or load_ecs(), dialect)
    for node in walk(expr):
        checker.visit(node)
    checker.event_types(expr, category)
    return sorted(checker.findings, key=lambda f: (f.span.start, f.code))


def check_fields(fields: Iterable[Field], *, ecs: Ecs | None = None) -> list[QueryFinding]:
    """Unknown-field findings for bare field references, such as EQL join keys."""
    checker = _Checker(ecs or load_ecs(), "eql")
    for node in fields:
        checker.visit(node)
    return checker.findings


def check_category(
    category: str | None,
    span: Span = NO_SPAN,
    *,
    ecs: Ecs | None = None,
    category_field: str = "event.category",
) -> list[QueryFinding]:
    """EQL `category where`: the category must be a value its field can hold. `any` (None)
    always passes, and so does any category when the field has no list of allowed values."""
    if category is None or category.lower() == "any":
        return []
    ecs = ecs or load_ecs()
    allowed = ecs.allowed_values(category_field)
    if allowed is None or category in allowed:
        return []
    near = _nearest(category, allowed)
    hint = f'did you mean "{near} where"?' if near else None
    choices = ", ".join(sorted(allowed))
    hint = (
        hint + " " if hint else ""
    ) + f"{category_field} values in ECS {ecs.version}: {choices}, or any"
    return [
        QueryFinding(
            UNKNOWN_CATEGORY,
            f'"{category}" is not an ECS {category_field} value, '
            f"so `{category} where` never matches",
            span,
            hint,
        )
    ]


class _Checker:
    def __init__(self, ecs: Ecs, dialect: Dialect) -> None:
        self.ecs = ecs
        self.dialect = dialect
        self.wildcards = "*?" if dialect == "eql" else "*"
        self.findings: list[QueryFinding] = []
        self._reported: set[str] = set()

    def visit(self, node: Expr) -> None:
        match node:
            case Field():
                self._field(node)
            case Compare(op=op, left=Field() as f, right=Literal() as lit):
                self._compare(op, f, lit, self._spanned(node.span, f))
            case Compare(op=op, left=Literal() as lit, right=Field() as f):
                self._compare(_MIRROR[op], f, lit, self._spanned(node.span, f))
            case Match(value=Field() as f):
                self._match(f, node)
            case InSet(value=Field() as f, options=options):
                self._in_set(f, options, node)
            case Call(name=name, args=(Field() as f, *_)):
                self._call(name, f, self._spanned(node.span, f))
            case _:
                pass

    def _add(self, info: CheckInfo, message: str, span: Span, hint: str | None = None) -> None:
        self.findings.append(QueryFinding(info, message, span, hint))

    @staticmethod
    def _spanned(span: Span, fallback: Field | Span) -> Span:
        """The node's span, or its field's when the front end gave the node none."""
        if span != NO_SPAN:
            return span
        return fallback.span if isinstance(fallback, Field) else fallback

    def _field(self, node: Field) -> None:
        name = node.name
        if "*" in name or name in self._reported:
            return  # KQL field-name wildcards cover several fields; one report per field
        if self.ecs.is_known(name):
            return
        if not self.ecs.is_checked(name):
            self._unchecked(node)
            return
        self._reported.add(name)
        near = self.ecs.suggest(name)
        where = "ECS" if self.ecs.is_ecs_namespace(name) else "your field definitions"
        self._add(
            UNKNOWN_FIELD,
            f"{name} is not a field in {where}"
            + (f" {self.ecs.version}" if where == "ECS" else ""),
            node.span,
            f"did you mean {near}?" if near else "check the spelling against the ECS reference",
        )

    def _unchecked(self, node: Field) -> None:
        """A field of a namespace nobody defines: reported only when it is one slip away
        from a known field, or when its name looks like two words run together."""
        name = node.name
        self._reported.add(name)
        slip = _word_slip(name)
        if slip is not None:
            self._add(UNKNOWN_FIELD, f"field name {name!r} {slip}", node.span, _SLIP_HINT)
            return
        near = self.ecs.typo_of(name)
        if near is not None:
            self._add(
                UNKNOWN_FIELD,
                f"{name} is not a field in ECS {self.ecs.version} or your field definitions; "
                f"did you mean {near}?",
                node.span,
                f"write {near}",
            )

    def _compare(self, op: str, f: Field, lit: Literal, span: Span) -> None:
        if lit.value is None:
            return
        kind = self.ecs.field_type(f.name)
        if op in _RANGE_OPS:
            if kind in es_types.STRING and isinstance(lit.value, str):
                self._add(
                    RANGE_ON_STRING,
                    f"`{op}` on the string field {f.name} compares text character by "
                    f'character ("10" < "9")',
                    span,
                    "compare a number field, or list the values you mean",
                )
            else:
                self._value_type(f, kind, lit.value, span)
            return
        self._equality(f, lit, span, case_insensitive=False)

    def _equality(self, f: Field, lit: Literal, span: Span, case_insensitive: bool) -> None:
        if lit.value is None:
            return
        kind = self.ecs.field_type(f.name)
        if self._value_type(f, kind, lit.value, span):
            return
        if isinstance(lit.value, str):
            self._allowed(f, (lit.value,), span, case_insensitive, wildcard=False)

    def _in_set(self, f: Field, options: tuple[Expr, ...], node: InSet) -> None:
        kind = self.ecs.field_type(f.name)
        strings = []
        for option in options:
            if not isinstance(option, Literal) or option.value is None:
                continue
            span = self._spanned(option.span, self._spanned(node.span, f))
            if not self._value_type(f, kind, option.value, span) and isinstance(option.value, str):
                strings.append(option.value)
        if strings and len(strings) == len(options):
            self._allowed(
                f, tuple(strings), self._spanned(node.span, f), node.case_insensitive, False
            )

    def _value_type(self, f: Field, kind: str | None, value: object, span: Span) -> bool:
        """Report a value that `kind` can never hold; True when reported."""
        problem = es_types.fits(kind, value, source="query")
        if problem is None:
            return False
        self._add(
            VALUE_TYPE_MISMATCH,
            f"{f.name} is of type {kind} and holds {problem}, never {_show(value)}",
            span,
            _VALUE_HINTS[problem],
        )
        return True

    def _match(self, f: Field, node: Match) -> None:
        span = self._spanned(node.span, f)
        kind = self.ecs.field_type(f.name)
        if kind in _NON_STRING:
            patterned = node.kind == "regex" or (
                node.kind == "wildcard" and _any_wildcard(node.patterns, self.wildcards)
            )
            if patterned:
                what = "a regular expression" if node.kind == "regex" else "a wildcard pattern"
                self._add(
                    WILDCARD_ON_NON_STRING,
                    f"{f.name} is of type {kind}; {what} only works on string fields",
                    span,
                    _IP_BLOCK_HINT[self.dialect]
                    if kind == "ip"
                    else "compare with exact values or a range instead",
                )
                return
            if self.dialect == "eql":
                # EQL's `:`, `like` and `regex` take string fields only, with or without a
                # wildcard (InsensitiveBinaryComparison.resolveInputType: isString)
                self._add(
                    WILDCARD_ON_NON_STRING,
                    f"{f.name} is of type {kind}; `:`, `like` and `regex` only work on string "
                    "fields",
                    span,
                    _IP_BLOCK_HINT["eql"] if kind == "ip" else "compare with `==` instead",
                )
                return
            for pattern in node.patterns:
                if self._value_type(f, kind, pattern, span):
                    return
            return
        if node.kind == "regex":
            return
        self._allowed(
            f, node.patterns, span, node.case_insensitive, wildcard=node.kind == "wildcard"
        )

    def _allowed(
        self,
        f: Field,
        values: tuple[str, ...],
        span: Span,
        case_insensitive: bool,
        wildcard: bool,
    ) -> None:
        """Report a comparison none of whose values ECS allows for a categorisation field.

        A list that mixes allowed and other values passes: rules keep legacy values
        (`event.type in ("start", "process_started")`) next to ECS ones on purpose, and
        the comparison still matches ECS data.
        """
        allowed = self.ecs.allowed_values(f.name)
        if allowed is None or not values:
            return
        for value in values:
            if wildcard and _has_wildcard(value, self.wildcards):
                if _pattern_matches_any(value, allowed, case_insensitive, self.wildcards):
                    return
            elif value in allowed or (case_insensitive and value.lower() in allowed):
                return
        if len(values) > 1:
            shown = ", ".join(f'"{v}"' for v in values)
            self._add(
                DISALLOWED_VALUE,
                f"none of {shown} is an ECS {f.name} value, "
                "so this comparison never matches ECS data",
                span,
                _allowed_hint(allowed),
            )
            return
        [value] = values
        if wildcard and _has_wildcard(value, self.wildcards):
            message = f'the pattern "{value}" matches no ECS {f.name} value'
            hint = _allowed_hint(allowed)
        else:
            message = (
                f'"{value}" is not an ECS {f.name} value, so this comparison never matches ECS data'
            )
            near = _nearest(value, allowed)
            if value.lower() in allowed:
                hint = f'ECS values are lower case: "{value.lower()}"'
            else:
                hint = (f'did you mean "{near}"? ' if near else "") + _allowed_hint(allowed)
        self._add(DISALLOWED_VALUE, message, span, hint)

    def event_types(self, expr: Expr, category: str | None) -> None:
        """RO359: event.type values none of which ECS expects with the required category."""
        constraints = [(c, self._values(c)) for c in conjuncts(expr)]
        categories: set[str] | None = {category} if category else None
        for _node, found in constraints:
            if found is not None and found[0] == "event.category":
                values = set(found[1])
                categories = values if categories is None else categories & values
        if not categories:
            return
        expected: set[str] = set()
        for name in categories:
            types = self.ecs.expected_event_types(name)
            if types is None:
                return  # a category ECS gives no expectation for: nothing to say
            expected |= types
        allowed = self.ecs.allowed_values("event.type") or frozenset()
        for node, found in constraints:
            if found is None or found[0] != "event.type":
                continue
            types_found = found[1]
            if types_found & expected or not types_found <= allowed:
                continue
            shown = ", ".join(f'"{v}"' for v in sorted(types_found))
            named = ", ".join(f'"{c}"' for c in sorted(categories))
            self._add(
                UNEXPECTED_EVENT_TYPE,
                f"ECS does not expect event.type {shown} with event.category {named}",
                self._spanned(node.span, _first_field(node) or NO_SPAN),
                f"with {named} ECS expects event.type "
                + ", ".join(sorted(expected))
                + "; check the category or the type",
            )

    def _values(self, node: Expr) -> tuple[str, frozenset[str]] | None:
        """The field and the exact string values a positive comparison requires, or None."""
        match node:
            case Compare(op="==", left=Field() as f, right=Literal(value=str() as v)):
                return f.name, frozenset({v})
            case InSet(value=Field() as f, options=options, case_insensitive=folded):
                strings = [o.value for o in options if isinstance(o, Literal)]
                if len(strings) != len(options) or not all(isinstance(v, str) for v in strings):
                    return None
                values = frozenset(str(v) for v in strings)
                return f.name, frozenset(v.lower() for v in values) if folded else values
            case Match(
                value=Field() as f, patterns=patterns, kind=kind, case_insensitive=folded
            ) if kind != "regex" and (
                kind != "wildcard" or not _any_wildcard(patterns, self.wildcards)
            ):
                values = frozenset(patterns)
                return f.name, frozenset(v.lower() for v in values) if folded else values
        return None

    def _call(self, name: str, f: Field, span: Span) -> None:
        kind = self.ecs.field_type(f.name)
        if kind is None:
            return
        if name == "cidrmatch" and kind != "ip":
            self._add(
                CIDR_ON_NON_IP,
                f"cidrMatch needs an IP field; {f.name} is of type {kind}",
                span,
                "use an ip-typed field such as source.ip or destination.ip",
            )
        elif name in _STRING_FUNCTIONS and kind in _NON_STRING:
            self._add(
                STRING_FUNCTION_ON_NON_STRING,
                f"{name} needs a string field; {f.name} is of type {kind}",
                span,
                f"compare {f.name} directly, or convert it with string({f.name})",
            )


def _first_field(node: Expr) -> Field | None:
    return next((n for n in walk(node) if isinstance(n, Field)), None)


_IP_BLOCK_HINT = {
    "eql": 'match address blocks with cidrMatch(field, "10.0.0.0/8")',
    "kql": "match address blocks with a CIDR value, e.g. field: 10.0.0.0/8",
}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower()


_VALUE_HINTS = {
    "a number": "compare with a number, written without quotes",
    "an IP address": 'compare with an address such as "10.0.0.1"',
    "true or false": "compare with true or false",
    "a date": 'write an ISO 8601 date ("2024-05-01T10:00:00Z", "2024-05-01"), epoch '
    'milliseconds or date math ("now-7d"): Elasticsearch fails the search on any other',
}


def _has_wildcard(pattern: str, wildcards: str) -> bool:
    return any(c in pattern for c in wildcards)


def _any_wildcard(patterns: Iterable[str], wildcards: str) -> bool:
    # One substring test per wildcard over all patterns (lists of hundreds of names are
    # common) instead of a test per pattern and wildcard.
    joined = "\n".join(patterns)
    return any(c in joined for c in wildcards)


@lru_cache(maxsize=512)
def _pattern_regex(pattern: str, case_insensitive: bool, wildcards: str) -> re.Pattern[str]:
    parts = [
        ".*" if token == ANY_RUN else "." if token == ONE_CHAR else re.escape(token)
        for token in tokens(pattern, question_mark="?" in wildcards)
    ]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


def _pattern_matches_any(
    pattern: str, allowed: frozenset[str], case_insensitive: bool, wildcards: str
) -> bool:
    regex = _pattern_regex(pattern, case_insensitive, wildcards)
    return any(regex.fullmatch(value) for value in allowed)


def _nearest(value: str, allowed: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(value.lower(), sorted(allowed), n=1, cutoff=0.6)
    return found[0] if found else None


def _allowed_hint(allowed: frozenset[str]) -> str:
    return f"ECS allows: {', '.join(sorted(allowed))}"


_KEYWORDS = ("and", "or", "not")
_SLIP_HINT = (
    "a field name cannot hold spaces: look for a doubled or missing `and`/`or`, or a missing `:`"
)


def _word_slip(name: str) -> str | None:
    """What is wrong with a field name that KQL's grammar reads but no index has: one that
    starts with a keyword (`and process.name` from `a:x and and process.name:y`) or holds
    whitespace."""
    first = name.split(None, 1)[0].lower() if name.strip() else ""
    if first in _KEYWORDS and name.strip() != first:
        return f"starts with the keyword {first!r}: a doubled `{first}` before it?"
    if any(c.isspace() for c in name):
        return "holds whitespace"
    return None
