"""Proofs that a condition can never be true, for a decidable fragment; "unknown" otherwise.

A false "this rule can never match" on a production rule is a bug, so the answer is one of
two: *unsatisfiable* (proved), or *unknown*. Failing to generate a matching event proves
nothing; this module proves instead.

The condition is read as a disjunction of conjunctions (bounded: past `MAX_ALTERNATIVES` the
answer is unknown). A conjunction is contradictory when the constraints it puts on one field
cannot hold together. Constraints this module does not model (scripts, regular expressions,
KQL phrases, text fields, wildcard field names) are dropped: dropping a constraint only makes
a conjunction easier to satisfy, so every proof stays sound.

Per field, the fragment is:

* strings: exact values (`==`, `in`, `:` without wildcards, KQL terms) and anchored wildcard
  patterns (`:`, `like`, `like~`, startsWith/endsWith/stringContains), each case-sensitive or
  folding ASCII letters only, as Elasticsearch's case-insensitive automata do. Whether some
  string lies in every positive language and in no negative one is decided by a product of
  pattern automata over the patterns' own characters plus one "other" character (every
  character no pattern names behaves alike under `*` and `?`);
* numbers: points and ranges, over the reals (so `> 1 and < 2` is not called empty);
* booleans; presence (`field:*`, `!= null`) and absence (`== null`).

Fields ECS marks as arrays (event.category, process.args…) and fields ECS does not know may
hold several values, so each positive constraint needs a value of its own; ECS's other fields
hold one value, which all constraints must share.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, TypeGuard

from ruleops import es_types
from ruleops.ecs import load_ecs
from ruleops.eql.ast import category_term
from ruleops.query.ast import (
    And,
    Call,
    Compare,
    Exists,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    Not,
    Or,
)
from ruleops.query.evaluate import IsNull, normalize
from ruleops.query.wildcard import ANY_RUN, ONE_CHAR, ascii_lower
from ruleops.query.wildcard import tokens as wildcard_tokens

MAX_ALTERNATIVES = 512  # conjunctions enumerated before the answer becomes "unknown"
MAX_STEPS = 4000  # automaton transitions tried per field before the answer becomes "unknown"


# ------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Atom:
    """A leaf of the condition with the truth value a conjunction needs from it."""

    node: Expr
    want: bool


@dataclass(frozen=True)
class Contradiction:
    """Why one conjunction is empty: the constraints on `field` that cannot hold together."""

    field: str
    atoms: tuple[Atom, ...]


@dataclass(frozen=True)
class Verdict:
    unsatisfiable: bool  # proved: no event makes the condition true
    alternatives: int  # conjunctions examined (0 when the enumeration was cut off)
    contradictions: tuple[Contradiction, ...] = ()  # one per conjunction, when proved
    reason: str = ""  # why the answer is unknown, for benchmarks and tests

    @property
    def unknown(self) -> bool:
        return not self.unsatisfiable


def decide(
    expr: Expr,
    *,
    dialect: str = "eql",
    category: str | None = None,
    category_field: str = "event.category",
    ecs: Any = None,
) -> Verdict:
    """Is `expr` (with an EQL event category, if any) provably never true?"""
    expr = normalize(expr)
    if category is not None:
        expr = And((category_term(category, category_field), expr))
    if not _field_constrained_twice(expr):
        # One constraint on a field can always be met, so only shared fields contradict.
        return Verdict(False, 0, reason="no field is constrained twice")
    try:
        conjunctions = _dnf(expr, True)
    except _TooMany:
        return Verdict(False, 0, reason=f"more than {MAX_ALTERNATIVES} alternatives")
    model = _Model(dialect, ecs)
    found: list[Contradiction] = []
    for conjunction in conjunctions:
        contradiction = model.contradiction(conjunction)
        if contradiction is None:
            return Verdict(False, len(conjunctions), reason="an alternative may hold")
        found.append(contradiction)
    return Verdict(True, len(conjunctions), tuple(found))


# ------------------------------------------------------------------------- alternatives


def _field_constrained_twice(expr: Expr) -> bool:
    seen: set[tuple[str, ...]] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, And | Or | Not):
            stack.extend(node.operands if isinstance(node, And | Or) else (node.operand,))
            continue
        field = _subject(node)
        if field is not None:
            if field.path in seen:
                return True
            seen.add(field.path)
    return False


class _TooMany(Exception):
    pass


def _dnf(expr: Expr, want: bool) -> list[tuple[Atom, ...]]:
    """Every conjunction of atoms under which `expr` takes `want` (raises _TooMany)."""
    if isinstance(expr, Not):
        return _dnf(expr.operand, not want)
    if isinstance(expr, Literal) and isinstance(expr.value, bool):
        return [()] if expr.value == want else []
    if isinstance(expr, And | Or):
        if want and isinstance(expr, Or) and _same_field_leaves(expr.operands):
            return [(Atom(expr, True),)]  # one union of languages on one field
        if isinstance(expr, And) == want:  # every operand must take `want`
            parts = [_dnf(o, want) for o in expr.operands]
            if math.prod(len(p) for p in parts) > MAX_ALTERNATIVES:
                raise _TooMany
            return [tuple(itertools.chain.from_iterable(c)) for c in itertools.product(*parts)]
        out: list[tuple[Atom, ...]] = []
        for operand in expr.operands:
            out.extend(_dnf(operand, want))
            if len(out) > MAX_ALTERNATIVES:
                raise _TooMany
        return out
    return [(Atom(expr, want),)]


def _same_field_leaves(operands: Sequence[Expr]) -> bool:
    paths = set()
    for operand in operands:
        if isinstance(operand, And | Or | Not) or _subject(operand) is None:
            return False
        paths.add(_subject(operand).path)  # type: ignore[union-attr]
    return len(paths) == 1


def _subject(node: Expr) -> Field | None:
    """The one field a leaf constrains, when it is a query on a plain field."""
    match node:
        case Compare(left=Field() as f, right=Literal()):
            field = f
        case Match(value=Field() as f) | InSet(value=Field() as f) | IsNull(value=Field() as f):
            field = f
        case Exists(field=f):
            field = f
        case Or(operands=(first, *_)) if _same_field_leaves(node.operands):
            return _subject(first)
        case Call(args=(Field() as f, *rest)) if all(isinstance(a, Literal) for a in rest):
            field = f
        case _:
            return None
    if field.optional or any("*" in part for part in field.path):
        return None
    return field


# ------------------------------------------------------------------------- constraints


@dataclass(frozen=True, eq=False)
class _Pattern:
    """Built only by `_pattern`, which returns one object per distinct pattern, so identity
    is equality and hashing is cheap (rules list thousands of patterns)."""

    tokens: tuple[str, ...]  # one character each, or the markers STAR / ONE
    case_insensitive: bool


STAR, ONE = ANY_RUN, ONE_CHAR

# A language: strings (a union of patterns), numbers (a union of intervals), booleans, or
# "any value" (presence).
_Interval = tuple[float, bool, float, bool]  # low, low included, high, high included
# A language of strings: the union of its patterns; several of them must all hold.
_Language = tuple[_Pattern, ...]
_Languages = tuple[_Language, ...]


@dataclass(frozen=True)
class _Constraint:
    positive: bool  # some value must lie in the language / no value may
    kind: str  # "str", "num", "bool", "any"
    strings: tuple[_Pattern, ...] = ()
    numbers: tuple[_Interval, ...] = ()
    booleans: frozenset[bool] = frozenset()
    exact: tuple[str, ...] = ()  # string literals, to tell numeric-looking ones apart


@lru_cache(maxsize=16384)
def _tokens(pattern: str, *, escapes: bool = False, wildcards: bool = True) -> tuple[str, ...]:
    """One token per character, the wildcards as the markers STAR and ONE
    (`wildcard.tokens`, the one reader of wildcard patterns)."""
    if not wildcards:
        return tuple(pattern)
    out: list[str] = []
    for token in wildcard_tokens(pattern, escapes=escapes):
        if token in (STAR, ONE):
            out.append(token)
        else:
            out.extend(token)
    return tuple(out)


@lru_cache(maxsize=65536)
def _pattern(tokens: tuple[str, ...], ci: bool) -> _Pattern:
    return _Pattern(tokens, ci)


def _strings(
    patterns: Iterable[tuple[str, ...]], ci: bool, positive: bool, exact: Iterable[str] = ()
) -> _Constraint:
    return _Constraint(
        positive, "str", tuple(_pattern(t, ci) for t in patterns), exact=tuple(exact)
    )


def _point(value: float) -> _Interval:
    return (value, True, value, True)


_INF = math.inf
_RANGES: dict[str, Callable[[float], _Interval]] = {
    ">": lambda v: (v, False, _INF, False),
    ">=": lambda v: (v, True, _INF, False),
    "<": lambda v: (-_INF, False, v, False),
    "<=": lambda v: (-_INF, False, v, True),
}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


@lru_cache(maxsize=16384)
def constraint(node: Expr, want: bool, dialect: str) -> _Constraint | None:
    """What a leaf (taking the value `want`) says about its field; None when not modelled."""
    match node:
        case Exists():
            return _Constraint(want, "any")
        case IsNull():
            return _Constraint(not want, "any")
        case Compare(op=op, right=Literal(value=value)) if value is not None:
            if isinstance(value, bool):
                if op not in ("==", "!="):
                    return None
                return _Constraint((op == "==") == want, "bool", booleans=frozenset({value}))
            if _is_number(value):
                if op in ("==", "!="):
                    return _Constraint((op == "==") == want, "num", numbers=(_point(value),))
                return _Constraint(want, "num", numbers=(_RANGES[op](value),))
            if isinstance(value, str) and op in ("==", "!="):
                literal = _tokens(value, wildcards=False)
                return _strings([literal], False, (op == "==") == want, [value])
            return None
        case InSet(options=options, case_insensitive=ci):
            values = [o.value for o in options if isinstance(o, Literal)]
            if len(values) != len(options):
                return None
            present = [v for v in values if v is not None]
            strings = [v for v in present if isinstance(v, str)]
            numbers = [v for v in present if _is_number(v)]
            if present and len(strings) == len(present):
                literals = [_tokens(v, wildcards=False) for v in strings]
                return _strings(literals, ci, want, strings)
            if present and len(numbers) == len(present):
                return _Constraint(want, "num", numbers=tuple(_point(v) for v in numbers))
            return None
        case Match(patterns=patterns, kind=kind, case_insensitive=ci):
            if kind == "wildcard":
                exact = [p for p in patterns if "*" not in p and "?" not in p]
                return _strings([_tokens(p) for p in patterns], ci, want, exact)
            if kind == "term":
                literals = [_tokens(p, wildcards=False) for p in patterns]
                return _strings(literals, ci, want, patterns)
            return None  # regular expressions, analysed phrases
        case Call(name=name, args=(Field(), Literal(value=str() as text)), case_insensitive=ci):
            name = name.lower()
            if name == "startswith":
                tokens = (*_tokens(text, wildcards=False), STAR)
            elif name == "endswith":
                tokens = (STAR, *_tokens(text, escapes=True))
            elif name == "stringcontains":
                tokens = (STAR, *_tokens(text, escapes=True), STAR)
            else:
                return None
            return _strings([_collapse(tokens)], ci, want)
        case Or(operands=operands):  # same-field union, wanted true (see _dnf)
            parts = [constraint(o, True, dialect) for o in operands]
            if any(p is None or not p.positive for p in parts):
                return None
            kinds = {p.kind for p in parts}  # type: ignore[union-attr]
            if kinds == {"str"}:
                return _Constraint(
                    True,
                    "str",
                    tuple(s for p in parts for s in p.strings),  # type: ignore[union-attr]
                    exact=tuple(e for p in parts for e in p.exact),  # type: ignore[union-attr]
                )
            if kinds == {"num"}:
                return _Constraint(True, "num", numbers=tuple(n for p in parts for n in p.numbers))  # type: ignore[union-attr]
            return None
    return None


def _collapse(tokens: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for t in tokens:
        if not (t == STAR and out and out[-1] == STAR):
            out.append(t)
    return tuple(out)


# ------------------------------------------------------------------------- the model


@cache
def array_fields() -> frozenset[str]:
    """ECS fields that may hold several values (`normalize: array`)."""
    text = resources.files("ruleops.data").joinpath("ecs_arrays.json").read_text("utf-8")
    return frozenset(json.loads(text)["fields"])


class _Model:
    def __init__(self, dialect: str, ecs: Any) -> None:
        self.dialect = dialect
        if ecs is None:
            ecs = load_ecs()
        self.ecs = ecs

    def contradiction(self, conjunction: tuple[Atom, ...]) -> Contradiction | None:
        by_field: dict[tuple[str, ...], list[tuple[Atom, _Constraint]]] = {}
        for atom in conjunction:
            field = _subject(atom.node)
            if field is None:
                continue
            found = constraint(atom.node, atom.want, self.dialect)
            if found is not None:
                by_field.setdefault(field.path, []).append((atom, found))
        for path, items in by_field.items():
            if len(items) < 2:
                continue  # one constraint alone can always be met
            name = ".".join(path)
            if not self.satisfiable(name, [c for _, c in items]):
                return Contradiction(name, tuple(a for a, _ in items))
        return None

    def satisfiable(self, name: str, constraints: list[_Constraint]) -> bool:
        """False only when proved: no value (or values) of `name` meets every constraint."""
        es_type = self.ecs.field_type(name)
        positives = [c for c in constraints if c.positive]
        negatives = [c for c in constraints if not c.positive]
        if any(c.kind == "any" for c in negatives):  # the field must be absent
            return not positives
        if not positives:
            return True  # an absent field meets every negative constraint
        kinds = {c.kind for c in constraints} - {"any"}
        if len(kinds) != 1:
            return True  # mixed value kinds are not modelled
        (kind,) = kinds
        if not self._typed_ok(kind, es_type, constraints):
            return True
        multi = es_type is None or name in array_fields()
        if kind == "str":
            return _strings_satisfiable(positives, negatives, multi)
        if kind == "num":
            if all(c.kind == "any" for c in positives):
                return True  # a non-numeric value escapes numeric constraints
            return _numbers_satisfiable(positives, negatives, multi)
        return _booleans_satisfiable(positives, negatives, multi)

    def _typed_ok(self, kind: str, es_type: str | None, constraints: list[_Constraint]) -> bool:
        """Whether the field's mapping gives the constraints the meaning modelled here."""
        if kind == "str":
            if es_type is None:
                # An unknown field may be numeric, where "4" and "04" are one value.
                return not any(_numeric_text(e) for c in constraints for e in c.exact)
            return es_type in es_types.KEYWORD
        if kind == "num":
            return es_type is None or es_type in es_types.NUMERIC
        return es_type in (None, "boolean")


def _numeric_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------- strings


_ANY_STRING = (_pattern((STAR,), False),)


def _strings_satisfiable(
    positives: list[_Constraint], negatives: list[_Constraint], multi: bool
) -> bool:
    languages = [c.strings if c.kind == "str" else _ANY_STRING for c in positives]
    excluded = [p for c in negatives for p in c.strings]
    groups = [[lang] for lang in languages] if multi else [languages]
    for group in groups:
        if _string_exists(tuple(tuple(g) for g in group), tuple(excluded)) is False:
            return False
    return True


@lru_cache(maxsize=4096)
def _string_exists(
    languages: tuple[tuple[_Pattern, ...], ...], excluded: tuple[_Pattern, ...]
) -> bool | None:
    """Is there a string in every language (a union of patterns) and in no excluded pattern?

    None when the search was cut off: unknown.
    """
    if _witness(languages, excluded):
        return True
    decided = _finite(languages, excluded)
    if decided is not None:
        return decided
    machines = [_Union(lang) for lang in languages]
    avoid = _Union(excluded) if excluded else None
    alphabet = _alphabet([*languages, excluded])
    start = (tuple(m.start for m in machines), avoid.start if avoid else frozenset())
    seen = {start}
    frontier = [start]
    steps = 0
    while frontier:
        following = []
        for states, avoided in frontier:
            if all(m.accepts(s) for m, s in zip(machines, states, strict=True)) and not (
                avoid and avoid.accepts(avoided)
            ):
                return True
            steps += len(alphabet) * (len(machines) + 1)
            if steps > MAX_STEPS:
                return None
            for char in alphabet:
                moved = tuple(m.step(s, char) for m, s in zip(machines, states, strict=True))
                if not all(moved):
                    continue
                nxt = (moved, avoid.step(avoided, char) if avoid else frozenset())
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
        frontier = following
    return False


def _witness(languages: _Languages, excluded: _Language) -> bool:
    """Quick tries before the automaton: some patterns with simple fillings, and the
    concatenation of one example per language (which meets any set of `*x*` patterns)."""
    candidates = [
        _example(p, fill) for lang in languages for p in lang[:8] for fill in ("", "x", "\ue000")
    ]
    if len(languages) > 1:
        candidates.append("".join(_example(lang[0], "") for lang in languages))
        candidates.append("".join(_example(lang[-1], "x") for lang in languages))
    return any(_meets(text, languages, excluded) for text in candidates)


def _meets(text: str, languages: _Languages, excluded: _Language) -> bool:
    return all(_union_test(lang)(text) for lang in languages) and not (
        excluded and _union_test(excluded)(text)
    )


def _finite(languages: _Languages, excluded: _Language) -> bool | None:
    """The exact answer when one language is a finite list of values whose every spelling
    the other patterns treat alike; None when no language is like that."""
    for lang in sorted(languages, key=len):
        if any(t in (STAR, ONE) for p in lang for t in p.tokens):
            continue
        others = [p for other in languages if other is not lang for p in other]
        others += list(excluded)
        all_fold = all(p.case_insensitive for p in others)
        if not all(not p.case_insensitive or all_fold or not _has_letter(p) for p in lang):
            continue
        return any(_meets(_example(p, ""), languages, excluded) for p in lang)
    return None


def _has_letter(pattern: _Pattern) -> bool:
    return any(t.isascii() and t.isalpha() for t in pattern.tokens)


@lru_cache(maxsize=4096)
def _union_test(patterns: _Language) -> Callable[[str], bool]:
    """A full-match test for a union of patterns, folding ASCII letters only (as
    Elasticsearch does). Exact values are looked up in sets; the rest matched piece by piece
    (no regular expressions: compiling them cost more than the whole check)."""
    exact = {_example(p, "") for p in patterns if not p.case_insensitive and _is_literal(p)}
    folded = {
        ascii_lower(_example(p, "")) for p in patterns if p.case_insensitive and _is_literal(p)
    }
    others = [_Matcher(p) for p in patterns if not _is_literal(p)]

    def test(text: str) -> bool:
        if text in exact:
            return True
        lowered = ascii_lower(text)
        if lowered in folded:
            return True
        return any(m.match(lowered if m.fold else text) for m in others)

    return test


def _is_literal(pattern: _Pattern) -> bool:
    return STAR not in pattern.tokens and ONE not in pattern.tokens


class _Matcher:
    """One wildcard pattern as the pieces between its `*`s; `?` matches any one character."""

    def __init__(self, pattern: _Pattern) -> None:
        self.fold = pattern.case_insensitive
        pieces: list[list[str]] = [[]]
        for t in pattern.tokens:
            if t == STAR:
                pieces.append([])
            else:
                pieces[-1].append(ascii_lower(t) if self.fold and t != ONE else t)
        self.head = pieces[0]
        self.tail = pieces[-1] if len(pieces) > 1 else None
        self.middle = [p for p in pieces[1:-1] if p]

    def match(self, text: str) -> bool:
        if self.tail is None:  # no `*`
            return len(text) == len(self.head) and _piece_at(text, 0, self.head)
        if not _piece_at(text, 0, self.head):
            return False
        start, end = len(self.head), len(text) - len(self.tail)
        if end < start or not _piece_at(text, end, self.tail):
            return False
        for piece in self.middle:  # leftmost placement of each piece is always safe
            found = _find(text, piece, start, end)
            if found < 0:
                return False
            start = found + len(piece)
        return True


def _piece_at(text: str, at: int, piece: list[str]) -> bool:
    if at + len(piece) > len(text):
        return False
    return all(c == ONE or text[at + k] == c for k, c in enumerate(piece))


def _find(text: str, piece: list[str], start: int, end: int) -> int:
    if ONE not in piece:
        return text.find("".join(piece), start, end)
    for at in range(start, end - len(piece) + 1):
        if _piece_at(text, at, piece):
            return at
    return -1


def _example(pattern: _Pattern, fill: str) -> str:
    return "".join(fill if t == STAR else "x" if t == ONE else t for t in pattern.tokens)


def _alphabet(groups: Iterable[Iterable[_Pattern]]) -> tuple[str, ...]:
    chars: set[str] = set()
    for group in groups:
        for pattern in group:
            for t in pattern.tokens:
                if t in (STAR, ONE):
                    continue
                chars.add(t)
                if pattern.case_insensitive and t.isascii() and t.isalpha():
                    chars.add(t.swapcase())
    other = next(chr(c) for c in range(0xE000, 0xF8FF) if chr(c) not in chars)
    return (*sorted(chars), other)


class _Union:
    """A union of anchored wildcard patterns as a nondeterministic automaton: a state is a
    set of (pattern, position) pairs."""

    def __init__(self, patterns: Sequence[_Pattern]) -> None:
        self.patterns = tuple(patterns)
        self.start = self._closure({(k, 0) for k in range(len(self.patterns))})

    def _closure(self, states: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        pending = list(states)
        while pending:
            k, i = pending.pop()
            tokens = self.patterns[k].tokens
            if i < len(tokens) and tokens[i] == STAR and (k, i + 1) not in states:
                states.add((k, i + 1))
                pending.append((k, i + 1))
        return frozenset(states)

    def step(self, states: frozenset[tuple[int, int]], char: str) -> frozenset[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for k, i in states:
            pattern = self.patterns[k]
            if i >= len(pattern.tokens):
                continue
            token = pattern.tokens[i]
            if token == STAR:
                out.add((k, i))
            elif token in (ONE, char) or (
                pattern.case_insensitive and ascii_lower(token) == ascii_lower(char)
            ):
                out.add((k, i + 1))
        return self._closure(out)

    def accepts(self, states: frozenset[tuple[int, int]]) -> bool:
        return any(i == len(self.patterns[k].tokens) for k, i in states)

    def run(self, text: str) -> bool:
        states = self.start
        for char in text:
            states = self.step(states, char)
            if not states:
                return False
        return self.accepts(states)


# ------------------------------------------------------------------------- numbers, booleans


def _intersect(a: _Interval, b: _Interval) -> _Interval | None:
    lo, lo_in = max((a[0], a[1]), (b[0], b[1]), key=lambda x: (x[0], not x[1]))
    hi, hi_in = min((a[2], a[3]), (b[2], b[3]), key=lambda x: (x[0], x[1]))
    if lo > hi or (lo == hi and not (lo_in and hi_in)):
        return None
    return (lo, lo_in, hi, hi_in)


def _subtract(a: _Interval, b: _Interval) -> list[_Interval]:
    if _intersect(a, b) is None:
        return [a]
    out = []
    left = _intersect(a, (-_INF, False, b[0], not b[1]))
    right = _intersect(a, (b[2], not b[3], _INF, False))
    for part in (left, right):
        if part is not None:
            out.append(part)
    return out


def _numbers_satisfiable(
    positives: list[_Constraint], negatives: list[_Constraint], multi: bool
) -> bool:
    excluded = [i for c in negatives for i in c.numbers]
    languages = [list(c.numbers) for c in positives if c.kind == "num"]
    groups = [[lang] for lang in languages] if multi else [languages]
    for group in groups:
        current: list[_Interval] = group[0]
        for other in group[1:]:
            current = [x for a in current for b in other if (x := _intersect(a, b)) is not None]
        for cut in excluded:
            current = [part for a in current for part in _subtract(a, cut)]
        if not current:
            return False
    return True


def _booleans_satisfiable(
    positives: list[_Constraint], negatives: list[_Constraint], multi: bool
) -> bool:
    excluded = {b for c in negatives for b in c.booleans}
    languages = [set(c.booleans) for c in positives if c.kind == "bool"]
    if not languages:
        return True
    groups = [[lang] for lang in languages] if multi else [languages]
    return all(set.intersection(*group) - excluded for group in groups)
