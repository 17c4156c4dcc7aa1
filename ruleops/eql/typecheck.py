"""What Elasticsearch's EQL verifier rejects once it knows the fields' types.

Elasticsearch resolves every field of an EQL query against the index mapping and checks the
types of what the query does with it (x-pack/plugin/eql `analysis/Verifier`, ql
`VerifierChecks.checkFilterConditionType` and each expression's `resolveType`):

* a condition, and each operand of `and`, `or` and `not`, is a boolean (`process where
  process.pid` and `file where 1 - -2` are rejected: "Condition expression needs to be
  boolean");
* a `text` or `match_only_text` field without a keyword sub-field cannot be compared
  exactly: `==`, `!=`, `<`…, `in`, `:`, `like`, `regex` and every function argument need an
  exact value (`TypeResolutions.isExact`, `FieldAttribute.exactAttribute`: "No
  keyword/multi-field defined exact matches");
* fields of types EQL cannot read (geo points and shapes, ranges, `flattened`), nested
  fields and the fields inside them are rejected ("Cannot use field … with unsupported type",
  `VerifierTests.testGeo`, `testNested`, `testRange`);
* the join keys of a sequence or sample have compatible types, position by position
  (`Verifier.checkJoinKeyTypes`, `DataTypes.areCompatible`: strings with strings, numbers
  with numbers, dates with dates, otherwise the same type).

`check_types(query, field_types)` returns these as `QueryFinding`s, the form of the ECS field
checks (`ruleops.query.fieldcheck`), in source order. `field_types` maps dotted field names
to mapping types (ECS and field definitions, or an index mapping); a field it does not
know is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping

from ruleops import es_types
from ruleops.diagnostics import CheckInfo
from ruleops.eql.ast import EventQuery, Query
from ruleops.eql.codes import (
    CONDITION_NOT_BOOLEAN,
    JOIN_KEY_TYPES,
    TEXT_FIELD_NOT_EXACT,
    UNSUPPORTED_FIELD_TYPE,
)
from ruleops.eql.verify import FUNCTIONS, event_queries
from ruleops.query.ast import (
    And,
    Arithmetic,
    Call,
    Compare,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    Negate,
    Not,
    Or,
    Span,
    walk,
)
from ruleops.query.finding import QueryFinding

# What an expression's value is, as far as its form and the field types tell.
_BOOLEAN, _NUMBER, _STRING, _NULL = "boolean", "number", "string", "null"
_BOOLEAN_NODES = (Compare, Match, InSet, Not, And, Or)
_EXACT_NODES = (Compare, InSet, Match, Call)


def check_types(query: Query, field_types: Mapping[str, str]) -> list[QueryFinding]:
    """Every type problem of `query` (module doc), in source order."""
    checker = _Checker(field_types)
    for event_query in event_queries(query):
        checker.event_query(event_query)
    checker.join_keys(query)
    return sorted(checker.findings, key=lambda f: (f.span.start, f.code))


class _Checker:
    def __init__(self, field_types: Mapping[str, str]) -> None:
        self.types = field_types
        self.findings: list[QueryFinding] = []
        self._unsupported_reported: set[str] = set()

    def type_of(self, field: Field) -> str | None:
        return self.types.get(field.name)

    def add(self, info: CheckInfo, message: str, span: Span, hint: str | None = None) -> None:
        self.findings.append(QueryFinding(info, message, span, hint))

    # ---- conditions

    def event_query(self, event_query: EventQuery) -> None:
        condition = event_query.condition
        self.boolean(condition, "the condition")
        for node in walk(condition):
            if isinstance(node, And | Or):
                for operand in node.operands:
                    self.boolean(operand, f"an operand of `{type(node).__name__.lower()}`")
            elif isinstance(node, Not):
                self.boolean(node.operand, "the operand of `not`")
            if isinstance(node, _EXACT_NODES):
                self.exact(node)
            if isinstance(node, Field):
                self.supported(node)

    def boolean(self, expr: Expr, role: str) -> None:
        kind = self.kind(expr)
        if kind in (_BOOLEAN, _NULL, None):
            return
        shown = f"the {self.type_of(expr)} field {expr.name}" if isinstance(expr, Field) else kind
        self.add(
            CONDITION_NOT_BOOLEAN,
            f"{role} is {_article(shown)}, not true or false; Elasticsearch requires a "
            "boolean condition",
            expr.span,
            "compare it with a value, for example `== …` or `!= null`",
        )

    def kind(self, expr: Expr) -> str | None:
        """boolean, number, string, null, or None when the types do not tell."""
        if isinstance(expr, _BOOLEAN_NODES):
            return _BOOLEAN
        if isinstance(expr, Literal):
            value = expr.value
            if value is None:
                return _NULL
            if isinstance(value, bool):
                return _BOOLEAN
            return _STRING if isinstance(value, str) else _NUMBER
        if isinstance(expr, Arithmetic | Negate):
            return _NUMBER
        if isinstance(expr, Call):
            signature = FUNCTIONS.get(expr.name)
            returns = signature.returns if signature else None
            return {"boolean": _BOOLEAN, "string": _STRING}.get(
                returns or "", _NUMBER if returns in ("number", "integer") else None
            )
        if isinstance(expr, Field):
            family = es_types.family(self.type_of(expr))
            if family is None:
                return None
            if family == "boolean":
                return _BOOLEAN
            return _NUMBER if family in ("integer", "float") else _STRING
        return None

    # ---- exact values

    def exact(self, node: Expr) -> None:
        if isinstance(node, Compare):
            operands: tuple[Expr, ...] = (node.left, node.right)
            doing = f"`{node.op}`"
        elif isinstance(node, InSet):
            operands = (node.value, *node.options)
            doing = "`in`"
        elif isinstance(node, Match):
            operands = (node.value,)
            doing = "`:`, `like` or `regex`"
        else:
            assert isinstance(node, Call)
            operands = node.args
            doing = f"`{node.name}`"
        for operand in operands:
            if isinstance(operand, Field) and self.is_inexact_text(operand):
                self.add(
                    TEXT_FIELD_NOT_EXACT,
                    f"{operand.name} is a {self.type_of(operand)} field, analysed into words: "
                    f"{doing} needs an exact value, and Elasticsearch rejects it on this field",
                    operand.span,
                    _text_hint(operand.name),
                )

    def is_inexact_text(self, field: Field) -> bool:
        if self.type_of(field) not in es_types.TEXT:
            return False
        prefix = field.name + "."
        return not any(
            name.startswith(prefix) and "." not in name[len(prefix) :] and kind in es_types.KEYWORD
            for name, kind in self.types.items()
        )

    # ---- types EQL cannot read

    def supported(self, field: Field) -> None:
        name = field.name
        if name in self._unsupported_reported:
            return
        parts = field.path
        for end in range(1, len(parts)):
            outer = ".".join(parts[:end])
            if self.types.get(outer) == "nested":
                self._unsupported_reported.add(name)
                self.add(
                    UNSUPPORTED_FIELD_TYPE,
                    f"{name} is inside the nested field {outer}, which EQL cannot query",
                    field.span,
                    "use a KQL rule, whose nested query `field:{ … }` reads it",
                )
                return
        kind = self.type_of(field)
        if kind is not None and (kind == "nested" or not es_types.eql_readable(kind)):
            self._unsupported_reported.add(name)
            self.add(
                UNSUPPORTED_FIELD_TYPE,
                f"{name} is a {kind} field, a type EQL cannot query",
                field.span,
            )

    # ---- join keys

    def join_keys(self, query: Query) -> None:
        body = query.body
        if isinstance(body, EventQuery):
            return
        clauses = list(body.clauses)
        until = getattr(body, "until", None)
        if until is not None:
            clauses.append(until)
        keyed = [(*body.keys, *clause.keys) for clause in clauses]
        for keys in keyed:
            for key in keys:
                self.supported(key)
        first = keyed[0]
        kind = "sample" if type(body).__name__ == "Sample" else "sequence"
        for keys in keyed[1:]:
            for expected, key in zip(first, keys, strict=False):
                if expected is key:
                    continue  # a `sequence by` key is shared by every clause
                want, got = self.type_of(expected), self.type_of(key)
                if want is None or got is None or _compatible(want, got):
                    continue
                self.add(
                    JOIN_KEY_TYPES,
                    f"the {kind} key {key.name} is of type {got}, which cannot be compared "
                    f"with the key {expected.name} of type {want} in the first clause",
                    key.span,
                    "join on fields of the same type (an IP with an IP, a keyword with a keyword)",
                )


def _compatible(left: str, right: str) -> bool:
    """`DataTypes.areCompatible`: strings with strings, numbers with numbers, dates with
    dates, anything else with itself."""
    if left == right:
        return True
    families = {es_types.family(left), es_types.family(right)}
    return (
        families <= {"keyword", "text"} or families <= {"integer", "float"} or families == {"date"}
    )


def _article(text: str) -> str:
    return text if text.startswith("the ") else ("an " if text[0] in "aeiou" else "a ") + text


def _text_hint(name: str) -> str:
    if name.endswith(".text"):
        return f"compare the keyword field {name[: -len('.text')]} instead"
    return "compare a keyword field, or match the words of this field in a KQL rule"
