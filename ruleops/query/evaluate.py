"""Single-event conditions compiled once into closures, with Elasticsearch's semantics.

Each rule, with its Elasticsearch source and the test that pins it, is listed in
`ruleops/eql/semantics.md` and `ruleops/kql/semantics.md`.

Elasticsearch evaluates an EQL condition in two different ways, and the difference is visible
(x-pack/plugin/eql `planner/QueryTranslator` with ql `planner/ExpressionTranslators`):

* **Lucene queries** for what it can translate: a field compared with a literal (`==`, `!=`,
  `<`…, term/range queries), `:`/`like`/`regex` on a field (wildcard/regexp queries), `in` on a
  field (terms), `field == null` / `field != null` (exists), `startsWith(field, "lit")` (prefix),
  `stringContains`/`endsWith(field, "lit")` (wildcard), `cidrMatch(field, "cidr"…)` (terms),
  and `and`/`or`/`not` over such queries (bool must/should/must_not). Lucene is two-valued:
  a query matches an event or not, a multi-valued field matches when any value does, and
  `not` (must_not) **matches events that lack the field**; `!=` is must_not(term) and matches
  them too.
* **Scripts** for everything else (functions of fields, arithmetic, comparisons of
  expressions). Inside a script, SQL three-valued logic: null propagates. The script query
  runs the expression once per value of each field it reads (`MultiValueAwareScriptQuery`,
  `Scripts.multiValueDocValuesRewrite`, `InternalEqlScriptUtils.multiValueDocValues`): it
  matches when some combination of values yields true; a missing field is tested as null;
  a null result counts as false (`nullSafeFilter`). Each use of a field reads its own value.
  So a script query is two-valued too, and `not` over it wraps the whole query
  (`InternalQlScriptUtils.not(multiValueDocValues(...))`, querytranslator_tests.txt
  `negatedInFilterWithScripting`): `not length(process.name) > 3` matches an event without
  process.name, and one whose names are all short.

Before translating, ES's optimizer rewrites a few shapes, reproduced in `normalize`:
literals move to the right of comparisons (`0 < x` is `x > 0`), `x == null`/`x != null` become
is-null checks, `f(x) == true`/`== false` become `f(x)`/`not f(x)`, `not not x` is `x`, and
integer arithmetic on a field moves to the literal (`x + 1 > 3` is `x > 2`).
ES deliberately does *not* push `not` into comparisons (`EqlBooleanSimplification`), so
`not x > 1` stays a negation.

Field access is pre-split; typed fields (`field_types`, an ES mapping's type per dotted field
name: `date`, `version`…) are coerced as ES indexes them.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, TypeGuard, cast

from ruleops import es_types
from ruleops.es_types import (
    DATE,
    NUMERIC,
    Version,
    coerce_to_type,
    parse_date_millis,
    parse_ip,
    parse_network,
)
from ruleops.query import field_semantics
from ruleops.query import functions as fn
from ruleops.query.ast import (
    NO_SPAN,
    And,
    Arithmetic,
    Call,
    Compare,
    CompareOp,
    Exists,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    Negate,
    Not,
    Or,
    Span,
    fields,
    rebuild,
)
from ruleops.query.values import MISSING, first_value, flat_values, make_getter
from ruleops.query.wildcard import (
    ascii_lower,
    compile_regex,
    compile_wildcard,
    compile_wildcard_set,
)

Predicate = Callable[[Mapping[str, Any]], bool]
FieldTypes = Mapping[str, str]


class EvaluationError(ValueError):
    """A condition that cannot be evaluated (unknown function, bad regex, wrong arguments)."""


@dataclass(frozen=True)
class IsNull:
    """Internal node: ES's rewrite of `expr == null` (`not IsNull` for `!=`)."""

    value: Expr
    span: Span = NO_SPAN


def compile_condition(
    expr: Expr, *, dialect: str = "eql", field_types: FieldTypes | None = None
) -> Predicate:
    """A function `event -> bool`: does the event satisfy `expr`?

    `dialect="kql"` runs everything as Lucene queries (KQL has no scripts): `not` over a
    missing field matches. `field_types` maps dotted field names to ES mapping types; it is
    read, never changed, and the conditions compiled with the same mapping are remembered
    (a rule's explanation, coverage and generation ask about its parts again and again).
    """
    if field_types is None:
        return _cached_compile(expr, dialect)
    if field_types is not _typed[0]:
        _typed[:] = [field_types, {}]
    known: dict[tuple[Expr, str], Predicate] = _typed[1]
    found = known.get((expr, dialect))
    if found is None:
        if len(known) >= 4096:
            known.clear()
        found = known[expr, dialect] = compile_node(
            expr, dialect=dialect, field_types=field_types
        ).test
    return found


@lru_cache(maxsize=4096)
def _cached_compile(expr: Expr, dialect: str) -> Predicate:
    return compile_node(expr, dialect=dialect).test


# The mapping the last typed conditions were compiled with, and those conditions: one
# mapping at a time (a rule's), so that a run over many rules keeps no mapping alive.
_typed: list[Any] = [None, {}]


@dataclass(frozen=True)
class Compiled:
    """A compiled condition. `script` is True where ES would run it as a script."""

    test: Predicate
    script: bool


def compile_node(
    expr: Expr, *, dialect: str = "eql", field_types: FieldTypes | None = None
) -> Compiled:
    if dialect not in ("eql", "kql"):
        raise EvaluationError(f"unknown query dialect {dialect!r}; expected 'eql' or 'kql'")
    if field_types is not None:
        expr = resolve_optional_fields(expr, field_types)
    return _Compiler(dialect, field_types or {}).predicate(normalize(expr))


def resolve_optional_fields(expr: Expr, field_types: FieldTypes) -> Expr:
    """ES replaces an optional field (`?x`) that no mapping knows by the literal null, so
    `?x == ?y` is `null == null`, which is true (extra:sequenceOptionalFieldAsQueryKeysOnly).
    Only possible when the mapping (`field_types`) is known."""

    def known(field: Field) -> bool:
        name = field.name
        return name in field_types or any(t.startswith(name + ".") for t in field_types)

    def visit(node: Expr) -> Expr:
        if isinstance(node, Field):
            return node if not node.optional or known(node) else Literal(None, node.span)
        return rebuild(node, visit)

    return visit(expr)


def script_value(
    expr: Expr, event: Mapping[str, Any], *, field_types: FieldTypes | None = None
) -> Any:
    """The value of an expression as an ES script computes it (first value of each field)."""
    compiler = _Compiler("eql", field_types or {})
    slots: list[Field] = []
    value = compiler.value(normalize(expr), slots)
    raw = [compiler.getter(f)(event) for f in slots]
    return value([first_value(v) for v in raw])


# --- ES optimizer rewrites ----------------------------------------------------------------

_FLIP: dict[CompareOp, CompareOp] = {
    "==": "==",
    "!=": "!=",
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
}
_BOOLEAN_NODES = (Call, Compare, Match, InSet, Not, And, Or, IsNull, Exists)


def normalize(expr: Expr) -> Expr:
    """Apply the rewrites ES's EQL optimizer makes before translating (see module doc)."""
    match expr:
        case Compare(op=compare_op, left=left, right=right, span=span):
            op = compare_op
            left, right = normalize(left), normalize(right)
            if isinstance(left, Literal) and not isinstance(right, Literal):
                left, right, op = right, left, _FLIP[op]
            if op in ("==", "!=") and isinstance(right, Literal):
                if right.value is None:
                    # the evaluator's own node: a test for null only it builds
                    null_check = cast(Expr, IsNull(left, span))
                    return null_check if op == "==" else Not(null_check, span)
                if isinstance(right.value, bool) and _is_boolean_function(left):
                    keep = (right.value is True) == (op == "==")
                    return left if keep else normalize(Not(left, span))
            if isinstance(right, Literal) and _is_integer(right.value):
                simplified = _simplify_arithmetic(op, left, right.value, span)
                if simplified is not None:
                    return normalize(simplified)
            if isinstance(left, Literal) and isinstance(right, Literal):  # ConstantFolding
                if op in ("==", "!="):
                    equal = _eq3(left.value, right.value)
                    return Literal(equal if op == "==" else _not3(equal), span)
                c = compare_values(left.value, right.value)
                return Literal(None if c is None else _ORDER_TESTS[op](c), span)
            return Compare(op, left, right, span)
        case Not(operand=operand, span=span):
            inner = normalize(operand)
            if isinstance(inner, Not):
                return inner.operand
            if isinstance(inner, Literal) and (
                inner.value is None or isinstance(inner.value, bool)
            ):
                return Literal(None if inner.value is None else not inner.value, span)
            return Not(inner, span)
        case And(operands=operands, span=span, nested=nested) if nested:
            inner = _fold_logic(And, [normalize(o) for o in operands], span)
            return And((inner,), span, nested)
        case And(operands=operands, span=span):
            return _fold_logic(And, [normalize(o) for o in operands], span)
        case Or(operands=operands, span=span):
            return _fold_logic(Or, [normalize(o) for o in operands], span)
        case IsNull(value=Literal(value=value), span=span):
            return Literal(value is None, span)
        case Match(value=value):
            return Match(
                normalize(value), expr.patterns, expr.kind, expr.case_insensitive, expr.span
            )
        case InSet(value=value, options=options):
            return InSet(
                normalize(value),
                tuple(normalize(o) for o in options),
                expr.case_insensitive,
                expr.span,
            )
        case Call(name=name, args=args):
            return Call(
                name.lower(), tuple(normalize(a) for a in args), expr.case_insensitive, expr.span
            )
        case Arithmetic(op=arithmetic_op, left=left, right=right, span=span):
            return Arithmetic(arithmetic_op, normalize(left), normalize(right), span)
        case Negate(operand=operand, span=span):
            return Negate(normalize(operand), span)
        case _:
            return expr


def _fold_logic(kind: type, operands: list[Expr], span: Span) -> Expr:
    """ES's BooleanSimplification and PruneFilters on literal operands: `x and true` is x,
    `x and false` false, `x and null` null; `x or true` true, `x or false`/`x or null` x.
    (Optional fields unknown to the mapping become null literals, so this is reachable.)"""
    is_and = kind is And
    absorbing, neutral = (False, True) if is_and else (True, False)
    kept: list[Expr] = []
    saw_null = False
    for operand in operands:
        if isinstance(operand, Literal) and (
            operand.value is None or isinstance(operand.value, bool)
        ):
            if operand.value is absorbing:
                return Literal(absorbing, span)
            if operand.value is None:
                saw_null = True
            continue  # the neutral element
        kept.append(operand)
    if is_and and saw_null:
        return Literal(None, span)
    if not kept:
        return Literal(None if saw_null else neutral, span)
    return kept[0] if len(kept) == 1 else kind(tuple(kept), span)


def _is_integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _simplify_arithmetic(op: CompareOp, left: Expr, value: int, span: Span) -> Compare | None:
    """ES's SimplifyComparisonsArithmetics: `x + 1 > 3` is `x > 2`, `-x > 3` is `x < -3`,
    `x * 2 == 6` is `x == 3` — integer literals only, never integer division or a product
    that does not divide exactly. The result is a field comparison, i.e. a Lucene query, so
    `not x + 1 > 3` matches an event without x, as ES does."""
    if isinstance(left, Negate):
        return Compare(_FLIP[op], left.operand, Literal(-value, span), span)
    if not isinstance(left, Arithmetic) or not isinstance(left.right, Literal):
        return None
    operand = left.right.value
    if not _is_integer(operand) or isinstance(left.left, Literal):
        return None
    if left.op == "+":
        return Compare(op, left.left, Literal(value - operand, span), span)
    if left.op == "-":
        return Compare(op, left.left, Literal(value + operand, span), span)
    if left.op == "*" and operand != 0 and value % operand == 0:
        new_op = _FLIP[op] if operand < 0 else op
        return Compare(new_op, left.left, Literal(value // operand, span), span)
    return None


def _is_boolean_function(expr: Expr) -> bool:
    if isinstance(expr, Call):
        info = fn.FUNCTIONS.get(expr.name.lower())
        return info is not None and info.returns_boolean
    return isinstance(expr, _BOOLEAN_NODES)


# --- the compiler -------------------------------------------------------------------------

_TRUE: Predicate = lambda event: True  # noqa: E731
_FALSE: Predicate = lambda event: False  # noqa: E731


class _Compiler:
    def __init__(self, dialect: str, field_types: FieldTypes, *, in_nested: bool = False) -> None:
        self.dialect = dialect
        self.field_types = field_types
        # KQL with field types: each match and range means what the field's type makes it
        # mean (`ruleops.query.field_semantics`)
        self.typed = dialect == "kql" and bool(field_types)
        self.in_nested = in_nested

    # ---- field access

    def field_type(self, field: Field) -> str | None:
        return self.field_types.get(field.name)

    def expands(self, field: Field) -> bool:
        """KQL field-name wildcards (`process.*`, and `*` for free text) stand for every
        field of the event they match, as Kibana expands them against the data view."""
        return (
            self.dialect == "kql" and not field.verbatim and any("*" in part for part in field.path)
        )

    def source(self, field: Field) -> tuple[str, ...]:
        """Where a field's value is read: its own path, or its parent's for a multi-field
        (`user.name.text` is indexed from `user.name`, and never in the document)."""
        parent = es_types.multi_field_parent(self.field_types, field.name)
        return tuple(parent.split(".")) if parent else field.path

    def getter(self, field: Field) -> Callable[[Mapping[str, Any]], Any]:
        if self.expands(field):
            get = wildcard_getter(field.name)
        else:
            get = make_getter(self.source(field))
        es_type = self.field_type(field)
        if self.typed:
            return get  # field_semantics reads each value as the field's type indexes it
        if es_type in DATE or es_type == "version" or es_type in NUMERIC:

            def typed(
                event: Mapping[str, Any],
                _get: Callable[[Mapping[str, Any]], Any] = get,
                _type: str = es_type,
            ) -> Any:
                return coerce_to_type(_get(event), _type)

            return typed
        return get

    def literal_for(self, field: Field | None, value: Any) -> Any:
        """A literal as ES converts it for comparison with `field` (dates, versions)."""
        es_type = self.field_type(field) if field is not None else None
        if es_type in DATE and isinstance(value, str | int | float):
            millis = parse_date_millis(value)
            return value if millis is None else millis
        if es_type == "version" and isinstance(value, str):
            return Version(value)
        return value

    # ---- predicates (query context)

    def predicate(self, node: Expr) -> Compiled:
        match node:
            case Literal(value=value):
                return Compiled(_TRUE if value is True else _FALSE, script=False)
            case And(nested=nested) if nested:
                return self.nested(node)
            case And(operands=operands):
                tests = [self.predicate(o).test for o in operands]
                return Compiled(_all_of(tests), script=False)
            case Or(operands=operands):
                tests = [self.predicate(o).test for o in operands]
                return Compiled(_any_of(tests), script=False)
            case Not(operand=operand):
                # A script query already answers true or false (null counts as false), and
                # ES wraps the whole of it in `not`, as it negates any other query.
                inner = self.predicate(operand)
                test = inner.test
                return Compiled(lambda event: not test(event), script=inner.script)
            case (
                Exists(field=field) | Compare(left=Field() as field) | Match(value=Field() as field)
            ) if self.outside_nested(field):
                # Kibana builds a plain query on a field inside a nested object, which the
                # root document never holds: it matches nothing (see RO409)
                return Compiled(_FALSE, script=False)
            case Exists(field=field):
                get = self.getter(field)
                return Compiled(lambda event: bool(flat_values(get(event))), script=False)
            case IsNull(value=Field() as field):
                get = self.getter(field)
                return Compiled(lambda event: not flat_values(get(event)), script=False)
            case Compare(op=op, left=Field() as field, right=Literal(value=value)) if (
                value is not None
            ):
                return self.lucene_compare(field, op, value)
            case Match(value=Field() as field):
                return self.lucene_match(field, node)
            case InSet(value=Field() as field, options=options) if all(
                isinstance(o, Literal) for o in options
            ):
                return self.lucene_in(field, node)
            case Call() as call:
                translated = self.lucene_call(call)
                return translated if translated is not None else self.script(node)
            case _:
                if self.dialect == "kql":
                    raise EvaluationError(f"KQL cannot evaluate {type(node).__name__}")
                return self.script(node)

    def outside_nested(self, field: Field) -> bool:
        return (
            self.typed
            and not self.in_nested
            and not self.expands(field)
            and es_types.nested_path(self.field_types, field.name) is not None
        )

    def nested(self, node: And) -> Compiled:
        """ES's nested query: one object of the array at `node.nested` satisfies every
        operand. The operands are compiled once more with paths relative to the object.
        Dotted keys (`{"f.a": 1, "f.b": 2}`) hold one object, read from the event itself."""
        depth = len(node.nested)
        prefix = ".".join(node.nested) + "."
        inner_types = {
            name[len(prefix) :]: kind
            for name, kind in self.field_types.items()
            if name.startswith(prefix)
        }
        relative = (
            _Compiler(self.dialect, inner_types, in_nested=True)
            .predicate(_strip_prefix(And(node.operands, node.span), depth))
            .test
        )
        whole = (
            _Compiler(self.dialect, self.field_types, in_nested=True)
            .predicate(And(node.operands, node.span))
            .test
        )
        get_objects = make_getter(node.nested)
        field_getters = [make_getter(f.path) for f in fields(node)]

        def one_object(event: Mapping[str, Any]) -> bool:
            objects = [v for v in flat_values(get_objects(event)) if isinstance(v, Mapping)]
            if objects:
                return any(relative(o) for o in objects)
            # no object at the path: the inner fields, if any, are dotted keys of one object
            return any(flat_values(g(event)) for g in field_getters) and whole(event)

        return Compiled(one_object, script=False)

    def field_leaf(
        self,
        field: Field,
        test: Callable[[Any], bool],
        str_test: Callable[[str], bool] | None = None,
    ) -> Compiled:
        """A Lucene leaf: true when any value of the field passes `test`.

        `str_test`, when given, is `test` specialised for a string value (most values are);
        with it, the nested-dict lookup of two- and three-part paths is written into the
        leaf itself, saving a call per event (the general getter handles every other shape).
        """
        get = self.getter(field)

        def other_shapes(raw: Any) -> bool:
            if raw is None:
                return False
            if raw.__class__ is list:
                return any(test(v) for v in flat_values(raw))
            return test(raw)

        if str_test is None:
            return Compiled(lambda event: other_shapes(get(event)), script=False)
        path = field.path
        if self.expands(field):
            return Compiled(lambda event: other_shapes(get(event)), script=False)
        # the fast paths walk the field's own path with an untransformed getter
        plain = (self.typed or self.field_type(field) is None) and self.source(field) == path
        if len(path) == 3 and plain:
            p0, p1, p2 = path

            def leaf_str3(event: Mapping[str, Any]) -> bool:
                a = event.get(p0)
                if a.__class__ is dict:
                    b = a.get(p1)
                    if b.__class__ is dict:
                        raw = b.get(p2, MISSING)
                        if raw.__class__ is str:
                            return str_test(raw)
                        if raw is not MISSING:
                            return other_shapes(raw)
                raw = get(event)
                return str_test(raw) if raw.__class__ is str else other_shapes(raw)

            return Compiled(leaf_str3, script=False)
        if len(path) == 2 and plain:
            q0, q1 = path

            def leaf_str2(event: Mapping[str, Any]) -> bool:
                a = event.get(q0)
                if a.__class__ is dict:
                    raw = a.get(q1, MISSING)
                    if raw.__class__ is str:
                        return str_test(raw)
                    if raw is not MISSING:
                        return other_shapes(raw)
                raw = get(event)
                return str_test(raw) if raw.__class__ is str else other_shapes(raw)

            return Compiled(leaf_str2, script=False)

        def leaf_str(event: Mapping[str, Any]) -> bool:
            raw = get(event)
            if raw.__class__ is str:
                return str_test(raw)
            return other_shapes(raw)

        return Compiled(leaf_str, script=False)

    def equality_leaf(self, field: Field, literal: Any) -> Compiled:
        test = _equality_test(literal)
        if literal.__class__ is not str:
            return self.field_leaf(field, test)
        return self.field_leaf(field, test, literal.__eq__)

    def lucene_compare(self, field: Field, op: str, value: Any) -> Compiled:
        if self.typed and op not in ("==", "!="):
            typed = self.typed_leaf(
                field, lambda es_type: field_semantics.range_test(es_type, op, value)
            )
            if typed is not None:
                return typed
        literal = self.literal_for(field, value)
        if op == "==":
            return self.equality_leaf(field, literal)
        if op == "!=":
            # ES translates `!=` to must_not(term): an event without the field matches.
            positive = self.equality_leaf(field, literal).test
            return Compiled(lambda event: not positive(event), script=False)
        order = _ORDER_TESTS[op]

        def ranged(x: Any) -> bool:
            c = compare_values(x, literal)
            return c is not None and order(c)

        return self.field_leaf(field, ranged)

    def typed_leaf(
        self, field: Field, make_test: Callable[[str | None], Callable[[Any], bool] | None]
    ) -> Compiled | None:
        """A KQL leaf whose test depends on the field's type (None: the type is unknown and
        the untyped reading applies). A field-name wildcard tests each field it stands for
        with that field's type, and a field's multi-fields (`user.name.text`) too."""
        if not self.expands(field):
            test = make_test(self.field_type(field))
            # a typed test reads any value, a string included: it serves as the fast path
            return None if test is None else self.field_leaf(field, test, test)
        matches_name = compile_wildcard(field.name, question_mark=False)
        children = self.multi_fields
        tests: dict[str, Callable[[Any], bool] | None] = {}

        def expanded(event: Mapping[str, Any]) -> bool:
            for name, value in _leaves(event, ""):
                for candidate in (name, *children.get(name, ())):
                    if not matches_name(candidate):
                        continue
                    if candidate not in tests:
                        if len(tests) > 4096:  # ever new field names: stay bounded
                            tests.clear()
                        tests[candidate] = make_test(self.field_types.get(candidate))
                    test = tests[candidate]
                    if test is not None and test(value):
                        return True
            return False

        return Compiled(expanded, script=False)

    @cached_property
    def multi_fields(self) -> dict[str, tuple[str, ...]]:
        """Parent field → its multi-fields, from the field types."""
        found: dict[str, list[str]] = {}
        for name in self.field_types:
            parent = es_types.multi_field_parent(self.field_types, name)
            if parent is not None:
                found.setdefault(parent, []).append(name)
        return {parent: tuple(names) for parent, names in found.items()}

    def typed_match(self, field: Field, node: Match) -> Compiled | None:
        free_text = field.path == ("*",)

        def make_test(es_type: str | None) -> Callable[[Any], bool] | None:
            tests = [
                field_semantics.match_test(es_type, node.kind, p, free_text=free_text)
                for p in node.patterns
            ]
            if es_type is None or any(t is None for t in tests):
                untyped = [
                    self.string_test(node, p, None if free_text else field) for p in node.patterns
                ]
                return lambda value: any(t(_as_text(value)) for t in untyped)
            return _any_test(tests)  # type: ignore[arg-type]

        if not self.expands(field) and self.field_type(field) is None:
            return None  # the untyped reading, with its fast paths
        return self.typed_leaf(field, make_test)

    def lucene_match(self, field: Field, node: Match) -> Compiled:
        if self.typed and node.kind != "regex":
            typed = self.typed_match(field, node)
            if typed is not None:
                return typed
        if node.kind == "wildcard" and len(node.patterns) > 1:
            any_pattern = compile_wildcard_set(
                node.patterns,
                case_insensitive=node.case_insensitive,
                question_mark=self.dialect != "kql",
            )
            return self.field_leaf(field, lambda x: any_pattern(_as_text(x)), any_pattern)
        tests = [self.string_test(node, p, field) for p in node.patterns]
        if len(tests) == 1:
            single = tests[0]
            return self.field_leaf(field, lambda x: single(_as_text(x)), single)
        return self.field_leaf(field, lambda x: any(t(_as_text(x)) for t in tests))

    def string_test(
        self, node: Match, pattern: str, field: Field | None = None
    ) -> Callable[[str], bool]:
        ci = node.case_insensitive
        if node.kind == "regex":
            try:
                test = compile_regex(pattern, case_insensitive=ci)
            except ValueError as error:
                raise EvaluationError(str(error)) from error
        elif node.kind == "wildcard":
            # KQL's only wildcard is `*`: Kibana escapes `?` in the wildcard query it builds
            test = compile_wildcard(
                pattern, case_insensitive=ci, question_mark=self.dialect != "kql"
            )
        else:  # KQL term/phrase: an exact comparison
            folded = pattern.lower() if ci else pattern
            test = (lambda s: s.lower() == folded) if ci else (lambda s: s == folded)
            if self.dialect == "kql" and self.may_be_ip(field):
                test = _ip_term(pattern, test)
        return test

    def may_be_ip(self, field: Field | None) -> bool:
        """A KQL term may be an address or CIDR block when the field is (or may be, its type
        being unknown) an `ip` field."""
        if field is None:
            return False
        es_type = self.field_type(field)
        return es_type is None or es_type == "ip"

    def lucene_in(self, field: Field, node: InSet) -> Compiled:
        literals = [self.literal_for(field, o.value) for o in node.options if o.value is not None]  # type: ignore[union-attr]
        others = [_equality_test(v) for v in literals if not isinstance(v, str)]
        if node.case_insensitive:
            folded = {ascii_lower(v) for v in literals if isinstance(v, str)}

            def test_ci(x: Any) -> bool:
                if isinstance(x, str):
                    return ascii_lower(x) in folded
                return any(t(x) for t in others)

            if not others:
                return self.field_leaf(field, test_ci, lambda x: ascii_lower(x) in folded)
            return self.field_leaf(field, test_ci)
        strings = {v for v in literals if isinstance(v, str)}
        tests = [_equality_test(v) for v in literals]

        def test(x: Any) -> bool:
            if x.__class__ is str:
                # a string equals a string literal only exactly; a numeric literal may parse
                return x in strings or any(t(x) for t in others)
            return any(t(x) for t in tests)

        if not others:
            return self.field_leaf(field, test, strings.__contains__)
        return self.field_leaf(field, test)

    def lucene_call(self, call: Call) -> Compiled | None:
        """ES's query translations of functions on a field with literal arguments."""
        name, args = call.name.lower(), call.args
        if not args or not isinstance(args[0], Field):
            return None
        field = args[0]
        rest = args[1:]
        if not all(isinstance(a, Literal) for a in rest):
            return None
        values = [a.value for a in rest]  # type: ignore[union-attr]
        ci = call.case_insensitive
        if name == "startswith" and len(values) == 1 and isinstance(values[0], str):
            prefix = ascii_lower(values[0]) if ci else values[0]
            if ci:
                return self.field_leaf(field, lambda x: ascii_lower(_as_text(x)).startswith(prefix))
            return self.field_leaf(field, lambda x: _as_text(x).startswith(prefix))
        if (
            name in ("stringcontains", "endswith")
            and len(values) == 1
            and isinstance(values[0], str)
        ):
            # ES builds a raw Lucene wildcard query "*" + literal (+ "*"): wildcard characters
            # and backslash escapes inside the literal keep their Lucene meaning.
            pattern = "*" + values[0] + ("*" if name == "stringcontains" else "")
            test = compile_wildcard(pattern, case_insensitive=ci, escapes=True)
            return self.field_leaf(field, lambda x: test(_as_text(x)))
        if name == "cidrmatch" and values and all(isinstance(v, str) for v in values):
            parsed = [parse_network(v) for v in values]
            networks = [n for n in parsed if n is not None]
            if len(networks) != len(parsed):
                raise EvaluationError(f"cidrMatch: invalid CIDR block in {values!r}")

            def in_block(x: Any) -> bool:
                address = parse_ip(x)
                return address is not None and any(
                    address.version == n.version and address in n for n in networks
                )

            return self.field_leaf(field, in_block)
        return None

    # ---- scripts

    def script(self, node: Expr) -> Compiled:
        slots: list[Field] = []
        value = self.value(node, slots)
        getters = [self.getter(f) for f in slots]
        if not getters:
            constant = value([]) is True
            return Compiled(_TRUE if constant else _FALSE, script=True)
        if len(getters) == 1:
            (get,) = getters

            def script1(event: Mapping[str, Any]) -> bool:
                raw = get(event)
                if raw.__class__ is list:
                    return any(value([v]) is True for v in _script_values(raw))
                return value([raw]) is True

            return Compiled(script1, script=True)

        def script_n(event: Mapping[str, Any]) -> bool:
            raws = [g(event) for g in getters]
            if not any(r.__class__ is list for r in raws):
                return value(raws) is True
            choices = [_script_values(r) if r.__class__ is list else (r,) for r in raws]
            return any(value(list(combo)) is True for combo in itertools.product(*choices))

        return Compiled(script_n, script=True)

    def value(self, node: Expr, slots: list[Field]) -> Callable[[list[Any]], Any]:
        """A closure computing `node` from slot values (one per field), three-valued."""
        match node:
            case Literal(value=constant):
                return lambda s: constant
            case Field():
                # every use of a field reads a value of its own (ES gives each docValue call
                # its own variable, Scripts.multiValueDocValuesRewrite)
                index = len(slots)
                slots.append(node)
                return lambda s: s[index]
            case IsNull(value=inner):
                get = self.value(inner, slots)
                return lambda s: get(s) is None
            case Exists(field=field):
                get = self.value(field, slots)
                return lambda s: get(s) is not None
            case Not(operand=operand):
                get = self.value(operand, slots)

                def negate(s: list[Any]) -> Any:
                    v = get(s)
                    return None if v is None else not v

                return negate
            case And(operands=operands):
                parts = [self.value(o, slots) for o in operands]
                return lambda s: _and3(p(s) for p in parts)
            case Or(operands=operands):
                parts = [self.value(o, slots) for o in operands]
                return lambda s: _or3(p(s) for p in parts)
            case Compare(op=op, left=left, right=right):
                get_left = self.value(left, slots)
                if isinstance(right, Literal):
                    # converted for the field's type once, at compile time
                    converted = self.literal_for(
                        left if isinstance(left, Field) else None, right.value
                    )
                    get_right: Callable[[list[Any]], Any] = lambda s: converted  # noqa: E731
                else:
                    get_right = self.value(right, slots)
                if op == "==":
                    return lambda s: _eq3(get_left(s), get_right(s))
                if op == "!=":
                    return lambda s: _not3(_eq3(get_left(s), get_right(s)))

                check = _ORDER_TESTS[op]

                def ordered(s: list[Any]) -> Any:
                    c = compare_values(get_left(s), get_right(s))
                    return None if c is None else check(c)

                return ordered
            case Match():
                get = self.value(node.value, slots)
                tests = [
                    self.string_test(node, p, node.value if isinstance(node.value, Field) else None)
                    for p in node.patterns
                ]

                def matches(s: list[Any]) -> Any:
                    v = get(s)
                    if v is None:
                        return None
                    text = _as_text(v)
                    return any(t(text) for t in tests)

                return matches
            case InSet(value=inner, options=options, case_insensitive=ci):
                get = self.value(inner, slots)
                gets = [self.value(o, slots) for o in options]

                def contained(s: list[Any]) -> Any:
                    v = get(s)
                    if v is None:
                        return None
                    saw_null = False
                    for g in gets:
                        option = g(s)
                        if option is None:
                            saw_null = True
                        elif (_eq3_ci(v, option) if ci else _eq3(v, option)) is True:
                            return True
                    return None if saw_null else False

                return contained
            case Call(name=name, args=args, case_insensitive=ci):
                try:
                    info = fn.lookup(name, len(args), ci)
                except fn.FunctionError as error:
                    raise EvaluationError(str(error)) from error
                impl = _null_on_failure(info.impl)
                if all(isinstance(a, Literal) for a in args):
                    # ES folds a call of constants while planning, and a failure fails the
                    # request; a failure on a field's value reads here as null
                    try:
                        folded = info.impl(ci, *(a.value for a in args))  # type: ignore[union-attr]
                    except fn.FunctionError as error:
                        raise EvaluationError(
                            f"{name}(): {error}; Elasticsearch fails the search"
                        ) from error
                    return lambda s: folded
                gets = [self.value(a, slots) for a in args]
                if len(gets) == 1:
                    (g0,) = gets
                    return lambda s: impl(ci, g0(s))
                if len(gets) == 2:
                    g0, g1 = gets
                    return lambda s: impl(ci, g0(s), g1(s))
                return lambda s: impl(ci, *(g(s) for g in gets))
            case Arithmetic(op=op, left=left, right=right):
                get_left, get_right = self.value(left, slots), self.value(right, slots)
                operation = _ARITHMETIC[op]
                return lambda s: fn.arithmetic(operation, get_left(s), get_right(s))
            case Negate(operand=operand):
                get = self.value(operand, slots)

                def minus(s: list[Any]) -> Any:
                    v = get(s)
                    return -v if fn.is_number(v) else None

                return minus
        raise EvaluationError(f"cannot evaluate {type(node).__name__}")


# --- value semantics ----------------------------------------------------------------------


def _null_on_failure(impl: Callable[..., Any]) -> Callable[..., Any]:
    """A function that answers null where Elasticsearch's script would throw on a field's
    value (`number("abc")`): ES fails the whole search then; ruleops, which judges one event
    at a time, reads it as a value that satisfies nothing."""

    def call(*args: Any) -> Any:
        try:
            return impl(*args)
        except fn.FunctionError:
            return None

    return call


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": fn.java_divide,
    "%": fn.java_modulo,
}


def _ip_term(pattern: str, text_test: Callable[[str], bool]) -> Callable[[str], bool]:
    """A term on an `ip` field takes an address or a CIDR block (`10.0.0.0/8`, `"::1"`) and
    matches the addresses in it, however they are written (`0:0:0:0:0:0:0:1`). A value that
    is not an address is compared as text, as on a keyword field."""
    if not _IP_SHAPE.fullmatch(pattern):
        return text_test
    network = parse_network(pattern)
    if network is None:
        return text_test

    def ip_test(s: str) -> bool:
        if text_test(s):
            return True
        if not _IP_SHAPE.fullmatch(s):
            return False
        address = parse_ip(s)
        return address is not None and address.version == network.version and address in network

    return ip_test


# What an address or block looks like, checked before the (slower) ipaddress parse.
_IP_SHAPE = re.compile(r"[0-9a-fA-F:.]+(?:%[^/]*)?(?:/[0-9]{1,3})?")


def _any_test(tests: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _strip_prefix(expr: Expr, depth: int) -> Expr:
    """`expr` with the first `depth` parts of every field path (and nested path) removed:
    the condition as it reads on one object of a nested array."""

    def visit(node: Expr) -> Expr:
        if isinstance(node, Field):
            return dataclasses.replace(node, path=node.path[depth:])
        if isinstance(node, And) and node.nested:
            node = dataclasses.replace(node, nested=node.nested[depth:])
        return rebuild(node, visit)

    return visit(expr)


def wildcard_getter(pattern: str) -> Callable[[Mapping[str, Any]], Any]:
    """The values of every field of an event whose dotted name matches `pattern`, where `*`
    is any run of characters, dots included (None when no field matches)."""
    matches = compile_wildcard(pattern, question_mark=False)
    decided: dict[str, bool] = {}  # field names recur from event to event

    def get(event: Mapping[str, Any]) -> Any:
        found: list[Any] = []
        for name, value in _leaves(event, ""):
            hit = decided.get(name)
            if hit is None:
                if len(decided) > 4096:  # events with ever new field names: stay bounded
                    decided.clear()
                hit = decided[name] = matches(name)
            if hit:
                found.append(value)
        return found or None

    return get


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """(dotted field name, value) of every value in an event; arrays of objects flatten."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item, prefix)
    elif node is not None and prefix:
        yield prefix, node


def _as_text(value: Any) -> str:
    if value.__class__ is str:
        return value
    return fn.java_string(value) or ""


def _to_number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def compare_values(a: Any, b: Any) -> int | None:
    """-1/0/1, or None when ES would not compare the two (null, or incompatible types).

    A string and a number compare numerically when the string is a number, as a term or
    range query on a numeric field parses its argument.
    """
    if a is None or b is None:
        return None
    ta, tb = a.__class__, b.__class__
    if ta is tb and ta is not Version:
        return int(a > b) - int(a < b)
    a_num, b_num = fn.is_number(a), fn.is_number(b)
    if a_num and b_num:
        return int(a > b) - int(a < b)
    if ta is Version or tb is Version:
        va = a if ta is Version else Version(str(a))
        vb = b if tb is Version else Version(str(b))
        if va == vb:
            return 0
        if va.valid and vb.valid:
            return -1 if va < vb else 1
        return None
    if a_num and tb is str:
        nb = _to_number(b)
        return None if nb is None else (a > nb) - (a < nb)
    if b_num and ta is str:
        na = _to_number(a)
        return None if na is None else (na > b) - (na < b)
    if ta is bool and tb is str:
        return 0 if ("true" if a else "false") == b else None
    if tb is bool and ta is str:
        return 0 if ("true" if b else "false") == a else None
    return None


def _equality_test(literal: Any) -> Callable[[Any], bool]:
    if literal.__class__ is str:

        def eq_str(x: Any) -> bool:
            if x.__class__ is str:
                return x == literal
            return compare_values(x, literal) == 0

        return eq_str
    return lambda x: compare_values(x, literal) == 0


def _eq3(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    c = compare_values(a, b)
    return False if c is None else c == 0


def _eq3_ci(a: Any, b: Any) -> bool | None:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return _eq3(a, b)


def _not3(v: bool | None) -> bool | None:
    return None if v is None else not v


def _and3(values: Iterable[Any]) -> bool | None:
    result: bool | None = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def _or3(values: Iterable[Any]) -> bool | None:
    result: bool | None = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


def _script_values(raw: list[Any]) -> list[Any]:
    values = list(dict.fromkeys(v for v in flat_values(raw) if not isinstance(v, dict)))
    return values or [None]


def _all_of(tests: list[Predicate]) -> Predicate:
    # A chain of two-way closures is faster in CPython than looping over a list.
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda event: a(event) and b(event)
    if len(tests) == 3:
        a, b, c = tests
        return lambda event: a(event) and b(event) and c(event)
    head, rest = tests[0], _all_of(tests[1:])
    return lambda event: head(event) and rest(event)


def _any_of(tests: list[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda event: a(event) or b(event)
    if len(tests) == 3:
        a, b, c = tests
        return lambda event: a(event) or b(event) or c(event)
    head, rest = tests[0], _any_of(tests[1:])
    return lambda event: head(event) or rest(event)
