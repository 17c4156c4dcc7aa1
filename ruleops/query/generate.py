"""Events that satisfy a condition, and events that miss it by exactly one condition.

The condition is read as alternatives of conjunctions (a lazy, bounded disjunctive normal
form): each conjunction is a set of atomic conditions ("leaves"), each wanted true or false.
A conjunction is solved field by field: candidate values come from the leaves themselves
(a string matching the wildcard, the literal of `==`, a number past the bound of `>`), and
each candidate is kept only if every leaf on that field agrees. The finished event is then
confirmed by the evaluator on the whole condition, so nothing generated here is trusted
without the evaluator's word.

This is the engine behind `ruleops.strategies`, `ruleops fixtures generate` and the coverage
figures; `ruleops.query.satisfiability` proves the cases it cannot solve.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ruleops import es_types
from ruleops.ecs import load_ecs
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
    fields,
    walk,
)
from ruleops.query.evaluate import FieldTypes, compile_condition
from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene
from ruleops.query.satisfiability import array_fields

# The mapping type of a field by its dotted name, where the caller knows it.
FieldType = Callable[[str], str | None]

# Bounds that keep generation fast and deterministic on every corpus rule.
MAX_ALTERNATIVES = 128
MAX_CANDIDATES = 48
# Within `trial_budget()`, every value tried on a trial event counts (one more per 16 fields
# the event already has, since each trial copies it); past the budget the query is too
# complex to draft. The most demanding corpus rule spends about 17,000.
MAX_TRIALS = 50_000


class TooComplex(Exception):
    """Generation spent its trial budget (`trial_budget`)."""


_budget: ContextVar[list[int] | None] = ContextVar("generation_budget", default=None)


@contextmanager
def trial_budget(limit: int = MAX_TRIALS) -> Iterator[None]:
    """Bound the values generation tries until the block ends: past `limit`, the solving
    that is under way raises TooComplex."""
    token = _budget.set([limit])
    try:
        yield
    finally:
        _budget.reset(token)


def _spend(cost: int = 1) -> None:
    left = _budget.get()
    if left is not None:
        left[0] -= cost
        if left[0] < 0:
            raise TooComplex(f"more than {MAX_TRIALS:,} values tried")


class Absent:
    """The candidate "leave the field out of the event" (not to be confused with
    `values.MISSING`, which a lookup returns for a key that is not there)."""

    def __repr__(self) -> str:
        return "<missing>"


ABSENT = Absent()
# The value of a string field that need only exist, where ECS gives no example.
PRESENT = "present"


@dataclass(frozen=True)
class Leaf:
    node: Expr
    want: bool  # the truth value this conjunction needs from `node`


Conjunction = tuple[Leaf, ...]


def alternatives(expr: Expr, want: bool = True, limit: int = MAX_ALTERNATIVES) -> list[Conjunction]:
    """Up to `limit` conjunctions of leaves, any one of which gives `expr` the value `want`."""
    return list(itertools.islice(_alternatives(expr, want, limit), limit))


def _alternatives(expr: Expr, want: bool, limit: int) -> Iterator[Conjunction]:
    if isinstance(expr, Not):
        yield from _alternatives(expr.operand, not want, limit)
    elif isinstance(expr, And | Or):
        every = isinstance(expr, And) == want  # all operands must take `want`
        if every:
            parts = [
                list(itertools.islice(_alternatives(o, want, limit), limit)) for o in expr.operands
            ]
            for combination in itertools.islice(itertools.product(*parts), limit):
                yield tuple(leaf for conjunction in combination for leaf in conjunction)
        else:
            for operand in expr.operands:
                yield from _alternatives(operand, want, limit)
    elif isinstance(expr, Literal) and isinstance(expr.value, bool):
        if expr.value == want:
            yield ()
    else:
        yield (Leaf(expr, want),)


@dataclass(frozen=True)
class Generated:
    event: dict[str, Any]
    conjunction: Conjunction


def solve(
    conjunction: Conjunction,
    expr: Expr,
    want: bool = True,
    *,
    dialect: str = "eql",
    base: Mapping[str, Any] | None = None,
    field_type: FieldType | None = None,
    field_types: FieldTypes | None = None,
) -> dict[str, Any] | None:
    """An event on which every leaf takes its wanted value and `expr` evaluates to `want`.

    `field_types` is the mapping the evaluator reads the fields with (a KQL rule's, as the
    fixture runner has it; None: untyped); `field_type` gives the type a generated value
    should have (the mapping's when not given)."""
    if field_type is None and field_types is not None:
        field_type = field_types.get
    by_field: dict[tuple[str, ...], list[Leaf]] = {}
    related: list[tuple[str, ...]] = []  # fields only conditions over several fields read
    for leaf in conjunction:
        paths = {f.path for f in fields(leaf.node)}
        if len(paths) == 1:
            by_field.setdefault(paths.pop(), []).append(leaf)
        else:
            related.extend(sorted(paths))
    event: dict[str, Any] = _deep_copy(base or {})
    for path, leaves in by_field.items():
        value = _solve_field(path, leaves, event, dialect, field_type, field_types)
        if value is None:
            return None
        if value is not ABSENT:
            set_path(event, path, value)
    check = compile_condition(expr, dialect=dialect, field_types=field_types)
    if check(event) == want:
        return event
    # `endsWith(user.domain, host.name)` and the like: try the free fields of conditions
    # over several fields with one shared value, then with distinct values.
    free = [p for p in dict.fromkeys(related) if p not in by_field and _get_path(event, p) is None]
    for shared in (True, False):
        if not free:
            break
        trial = _deep_copy(event)
        for index, path in enumerate(free):
            kind = field_type(".".join(path)) if field_type else None
            generic = _generic(kind)
            value = generic[0] if shared else generic[index % len(generic)]
            if not shared and isinstance(value, str) and kind in (None, "keyword"):
                value = f"ruleops-{index + 1}"
            set_path(trial, path, value)
        if check(trial) == want:
            return trial
    return None


def events_for(
    expr: Expr,
    want: bool = True,
    *,
    dialect: str = "eql",
    base: Mapping[str, Any] | None = None,
    field_type: FieldType | None = None,
    field_types: FieldTypes | None = None,
) -> Iterator[Generated]:
    """Distinct confirmed events, one per solvable alternative, each with its conjunction
    (`field_type`, `field_types`: as `solve` takes them)."""
    seen: set[str] = set()
    for conjunction in alternatives(expr, want):
        event = solve(
            conjunction,
            expr,
            want,
            dialect=dialect,
            base=base,
            field_type=field_type,
            field_types=field_types,
        )
        if event is not None:
            key = repr(sorted(_flatten(event)))
            if key not in seen:
                seen.add(key)
                yield Generated(event, conjunction)


def near_misses(
    expr: Expr,
    positive: Generated,
    *,
    dialect: str = "eql",
    base: Mapping[str, Any] | None = None,
    field_type: FieldType | None = None,
    field_types: FieldTypes | None = None,
) -> Iterator[tuple[Leaf, dict[str, Any]]]:
    """For each leaf of a matching conjunction: an event with only that leaf turned around
    (`field_type`, `field_types`: as `solve` takes them)."""
    for index, leaf in enumerate(positive.conjunction):
        flipped = (
            *positive.conjunction[:index],
            Leaf(leaf.node, not leaf.want),
            *positive.conjunction[index + 1 :],
        )
        event = solve(
            flipped,
            expr,
            False,
            dialect=dialect,
            base=base,
            field_type=field_type,
            field_types=field_types,
        )
        if event is not None:
            yield leaf, event


# --- one field ----------------------------------------------------------------------------


def _solve_field(
    path: tuple[str, ...],
    leaves: list[Leaf],
    event: dict[str, Any],
    dialect: str,
    field_type: FieldType | None,
    field_types: FieldTypes | None,
) -> Any:
    checks = [
        (compile_condition(leaf.node, dialect=dialect, field_types=field_types), leaf.want)
        for leaf in leaves
    ]
    kind = field_type(".".join(path)) if field_type else None
    pool: list[Any] = []
    current = _get_path(event, path)
    if current is not None:
        pool.append(current)  # a value the base already has (a shared join key) comes first
    for leaf in sorted(leaves, key=lambda lf: not lf.want):  # positive leaves propose first
        pool.extend(candidates(leaf.node, leaf.want, kind))
    example = example_value(".".join(path), kind)
    if example is not None:  # a field that need only exist or differ: ECS's example value
        pool = [example if v == PRESENT else v for v in pool] + [example]
    pool.extend(_generic(kind))
    pool.append(ABSENT)
    allowed = _allowed_values(".".join(path))
    if allowed:
        # event.category and the like: ECS's own values first (a fixture with any other is
        # RO510), another value only when no allowed one gives the leaves what they want.
        pool = [*(v for v in pool if _is_allowed(v, allowed)), *sorted(allowed), *pool]
    tried: set[str] = set()
    cost = 1 + sum(1 for _ in _flatten(event)) // 16
    for value in pool:
        marker = repr((type(value).__name__, value))
        if marker in tried:
            continue
        tried.add(marker)
        if len(tried) > MAX_CANDIDATES * max(1, len(leaves)):
            break
        if value is not ABSENT:
            value = _coerce(kind, value)
            if not _fits(kind, value):
                continue  # a value the field's mapping would not store
        _spend(cost)
        trial = _deep_copy(event)
        if value is not ABSENT:
            set_path(trial, path, value)
        if all(bool(check(trial)) == want for check, want in checks):
            return value
    return _combined(path, leaves, checks, event, kind)


def _combined(
    path: tuple[str, ...],
    leaves: list[Leaf],
    checks: list[tuple[Callable[[Mapping[str, Any]], Any], bool]],
    event: dict[str, Any],
    kind: str | None,
) -> Any:
    """When no single value meets every leaf: one value per positive leaf, joined into one
    string (`*a*` and `*b*` both hold in "a b") or, for a field that may hold several values
    (ECS arrays, unknown fields), listed (`process.args == "-c" and process.args == "x"`)."""
    negative = [(c, w) for (c, w), leaf in zip(checks, leaves, strict=True) if not leaf.want]
    chosen: list[Any] = []
    for (check, _), leaf in zip(checks, leaves, strict=True):
        if not leaf.want:
            continue
        for value in candidates(leaf.node, True, kind):
            if value is ABSENT or not _fits(kind, value):
                continue
            _spend()
            trial = _deep_copy(event)
            set_path(trial, path, value)
            if check(trial) and all(not c(trial) for c, _ in negative):
                chosen.append(value)
                break
        else:
            return None
    options: list[Any] = []
    if chosen and all(isinstance(v, str) for v in chosen):
        options.append(" ".join(chosen))
        options.append(" ".join(reversed(chosen)))  # `POST*` and `*/x*`: the prefix first
    if len(chosen) > 1 and (kind is None or ".".join(path) in _array_fields()):
        options.append(list(dict.fromkeys(chosen)))
    for value in options:
        _spend()
        trial = _deep_copy(event)
        set_path(trial, path, value)
        if all(bool(check(trial)) == want for check, want in checks):
            return value
    return None


def _allowed_values(name: str) -> frozenset[str] | None:
    return load_ecs().allowed_values(name)


def example_value(name: str, kind: str | None) -> str | None:
    """ECS's example value of a string field (`user.name`: "a.einstein"), when it has one."""
    if kind is not None and kind not in es_types.STRING:
        return None
    return load_ecs().example(name)


def _is_allowed(value: Any, allowed: frozenset[str]) -> bool:
    values = value if isinstance(value, list) else [value]
    return all(v is ABSENT or (isinstance(v, str) and v in allowed) for v in values)


def _array_fields() -> frozenset[str]:
    return array_fields()


def _coerce(kind: str | None, value: Any) -> Any:
    """A text candidate (KQL values are text) as the field's type stores it: `8000` on a
    port, an address inside `10.0.0.0/8` on an IP field, `true` on a boolean."""
    if not isinstance(value, str):
        return value
    if kind in es_types.INTEGER:
        try:
            return int(value)
        except ValueError:
            return value
    if kind in es_types.FLOAT:
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "ip" and "/" in value:
        return _address_in(value)
    return value


def _fits(kind: str | None, value: Any) -> bool:
    """Whether a field of type `kind` can hold `value` in an event, as Elasticsearch would
    index it (`es_types.fits`: a boolean field refuses "present"; unknown types hold
    anything)."""
    return es_types.fits(kind, value) is None


def generic_value(kind: str | None) -> Any:
    """A plausible value for a field of ECS type `kind` (an address for `ip`, a number…)."""
    return _generic(kind)[0]


def distinct_value(kind: str | None, index: int, name: str | None = None) -> Any:
    """The `index`-th of as many distinct values of ECS type `kind` as asked for (the
    distinct values a threshold's cardinality counts); for a field `name` ECS gives a list
    of allowed values (event.category), those values while they last."""
    allowed = sorted(_allowed_values(name) or ()) if name else []
    if index < len(allowed):
        return allowed[index]
    if kind in es_types.INTEGER:
        return index + 1
    if kind in es_types.FLOAT:
        return index + 0.5
    if kind == "ip":
        number = index + 1
        return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
    if kind == "boolean":
        return index % 2 == 0
    if kind in es_types.DATE:  # a second apart from 2024-05-01T10:00:00Z
        return es_types.format_date_millis(1_714_557_600_000 + index * 1000)
    example = example_value(name, kind) if name else None
    if example is not None:  # "us-east-1", "us-east-1-2"…
        return example if index == 0 else f"{example}-{index + 1}"
    return f"ruleops-{index + 1}"


def _generic(kind: str | None) -> list[Any]:
    if kind in es_types.INTEGER:
        return [1, 0, 4242]
    if kind in es_types.FLOAT:
        return [1.5, 0.0]
    if kind == "ip":
        # private, documentation and public addresses: rules exclude whole ranges of them
        return ["10.1.2.3", "192.0.2.7", "93.184.216.34", "2001:db8::5", "2606:4700::1111"]
    if kind == "boolean":
        return [True, False]
    if kind in es_types.DATE:
        return ["2024-05-01T10:00:00.000Z", "2024-05-01T11:30:00.000Z"]
    return ["ruleops-generated", "x", "", 1]


def candidates(node: Expr, want: bool, kind: str | None = None) -> list[Any]:
    """Values for the single field of `node` that are likely to give it the value `want`
    (`kind`, the field's ECS type when known, picks a plausible value for `field:*`)."""
    if isinstance(node, Match):
        if want:
            return [v for p in node.patterns for v in pattern_examples(p, node.kind)]
        return [v for p in node.patterns for v in pattern_misses(p, node.kind)] + ["ruleops-miss"]
    if isinstance(node, InSet):
        values = [o.value for o in node.options if isinstance(o, Literal)]
        return values if want else [_other(v) for v in values] + ["ruleops-miss"]
    if isinstance(node, Exists):
        if not want:
            return [ABSENT]
        return [PRESENT] if kind is None or kind in es_types.STRING else [_generic(kind)[0]]
    if isinstance(node, Compare) and isinstance(node.right, Literal):
        out = _compare_candidates(node.op, node.right.value, want) + _literals_in(node)
        if kind and kind not in es_types.STRING:
            out = [_generic(kind)[0] if v == PRESENT else v for v in out]
        if not isinstance(node.left, Field):  # `length(x) > 255`: the field's own values
            out += _fallback(node)
        return out
    if isinstance(node, Call):
        return _call_candidates(node, want)
    return _fallback(node)


def _fallback(node: Expr) -> list[Any]:
    literals = _literals_in(node)
    # `length(x) > 255`: a string just past each small number the condition names
    long = [
        "x" * (int(v) + 1)
        for v in literals
        if isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 5000
    ]
    return [*literals, "", "a", "abc", "x" * 8, *long, 0, 1, 100, -1]


def _compare_candidates(op: str, value: Any, want: bool) -> list[Any]:
    if value is None:  # == null / != null (the field's generic value follows in the pool)
        return [ABSENT, PRESENT] if (op == "==") == want else [PRESENT, ABSENT]
    if not want:
        op = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
    if isinstance(value, bool):
        return [value if op == "==" else not value]
    if isinstance(value, int | float):
        return {
            "==": [value],
            "!=": [value + 1, value - 1],
            "<": [value - 1],
            "<=": [value],
            ">": [value + 1],
            ">=": [value],
        }[op]
    text = str(value)
    return {
        "==": [text],
        "!=": [_other(text)],
        "<": ["", text[:-1]],
        "<=": [text],
        ">": [text + "a", "~"],
        ">=": [text],
    }[op]


def _call_candidates(node: Call, want: bool) -> list[Any]:
    strings = [a.value for a in node.args if isinstance(a, Literal) and isinstance(a.value, str)]
    name = node.name.lower()
    out: list[Any] = []
    for s in strings:
        if name == "startswith":
            out += [s + "x", s] if want else ["x" + s]
        elif name in ("endswith", "stringcontains"):
            # ES runs these as Lucene wildcards, where `\\*` is a literal star
            plain = re.sub(r"\\(.)", r"\1", s)
            if name == "endswith":
                out += ["x" + plain, plain, "x" + s] if want else [s + "x"]
            else:
                out += ["x" + plain + "y", "x" + s + "y"] if want else ["ruleops-miss"]
        elif name == "cidrmatch":
            out += [_address_in(s)] if want else ["203.0.113.254", "93.184.216.34"]
        else:
            out += [s, "x" + s + "y"]
    return [*out, "", "a", "abc", "0"]


def _address_in(cidr: str) -> str:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return cidr
    return str(network.network_address + (1 if network.num_addresses > 2 else 0))


def _literals_in(node: Expr) -> list[Any]:
    return [n.value for n in walk(node) if isinstance(n, Literal) and n.value is not None]


def _other(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}-other"


# --- wildcard patterns ----------------------------------------------------------------------

_FILLERS = ("", "x", "ruleops")


def pattern_examples(pattern: str, kind: str = "wildcard") -> list[str]:
    """Strings a pattern matches: `*` filled with nothing, one and several characters."""
    if kind == "regex":
        try:
            example = compile_lucene(pattern).example()
        except LuceneRegexError:
            return []
        return [example] if example is not None else []
    if kind != "wildcard":
        return [pattern]
    examples = [pattern.replace("*", fill).replace("?", "a") for fill in _FILLERS]
    if "?" in pattern:  # `?` is one character in EQL but itself in KQL: both match `?`
        examples += [pattern.replace("*", fill) for fill in _FILLERS]
    return examples


def pattern_misses(pattern: str, kind: str = "wildcard") -> list[str]:
    """Strings that are one edit away from matching: a character more, less or changed."""
    if kind != "wildcard":
        return [pattern + "x", pattern[:-1]]
    example = pattern.replace("*", "").replace("?", "a")
    misses = [example + "#", "#" + example, example[:-1], example[1:]]
    literal = [i for i, c in enumerate(example) if c.isalpha()]
    if literal:
        i = literal[len(literal) // 2]
        misses.append(example[:i] + chr(ord(example[i]) + 1) + example[i + 1 :])
    return misses


# --- events as nested objects ---------------------------------------------------------------


def set_path(event: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = event
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def _get_path(event: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = event
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return None if isinstance(node, Mapping) else node


def _deep_copy(event: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in event.items()}


def _flatten(event: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in event.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, name + ".")
        else:
            yield name, repr(value)


def category_base(category: str | None) -> dict[str, Any]:
    """The part of an event an EQL `category where` fixes."""
    return {"event": {"category": category}} if category else {}
