"""Arithmetic operators and math functions.

Operators follow Elasticsearch's `arithmetic` package: the result type is the wider of the
operands (integer < long < double; unsigned_long only with itself), whole numbers overflow
into a warning and null (`integer overflow`, `long overflow`), division and remainder truncate
toward zero as Java's do and divide by zero into `/ by zero`, a double result that is not
finite is `not a finite double number`, and a date moves by a `1 day` / `1 hour` span.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ruleops.esql.builtins.registry import first_type, register, simple
from ruleops.esql.types import arithmetic_type
from ruleops.esql.values import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    SPANS,
    ULONG_MAX,
    EvalFailure,
    Span,
    overflow,
)

_RANGES = {
    "integer": (INT_MIN, INT_MAX),
    "long": (LONG_MIN, LONG_MAX),
    "unsigned_long": (0, ULONG_MAX),
}


def _checked(kind: str) -> Callable[[int], int]:
    low, high = _RANGES[kind]

    def check(value: int) -> int:
        if low <= value <= high:
            return value
        raise overflow(kind)

    return check


def _finite(value: float) -> float:
    if math.isfinite(value):
        return value
    shown = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    raise EvalFailure(f"not a finite double number: {shown}", "java.lang.ArithmeticException")


def _java_div(a: int, b: int) -> int:
    if b == 0:
        raise EvalFailure("/ by zero", "java.lang.ArithmeticException")
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _java_mod(a: int, b: int) -> int:
    if b == 0:
        raise EvalFailure("/ by zero", "java.lang.ArithmeticException")
    return a - b * _java_div(a, b)


def _double_div(a: float, b: float) -> float:
    if b == 0:
        raise EvalFailure("/ by zero", "java.lang.ArithmeticException")
    return _finite(a / b)


def _double_mod(a: float, b: float) -> float:
    if b == 0:
        raise EvalFailure("/ by zero", "java.lang.ArithmeticException")
    return _finite(math.fmod(a, b))


def arithmetic(op: str, left: str, right: str) -> Callable[[Any, Any], Any]:
    """The implementation of `left op right` on single non-null values."""
    kind = arithmetic_type(op, left, right)
    if kind in ("date", "date_nanos"):
        sign = -1 if op == "-" else 1
        scale = 1_000_000 if kind == "date_nanos" else 1
        if left in SPANS:
            return lambda span, date: _move(date, span, 1, scale)
        return lambda date, span: _move(date, span, sign, scale)
    if kind in SPANS:
        if op == "+":
            return lambda a, b: Span(a.months + b.months, a.days + b.days, a.millis + b.millis)
        return lambda a, b: Span(a.months - b.months, a.days - b.days, a.millis - b.millis)
    if kind == "double":
        return {
            "+": lambda a, b: _finite(a + b),
            "-": lambda a, b: _finite(a - b),
            "*": lambda a, b: _finite(a * b),
            "/": lambda a, b: _double_div(float(a), float(b)),
            "%": lambda a, b: _double_mod(float(a), float(b)),
        }[op]
    check = _checked(kind or "long")
    return {
        "+": lambda a, b: check(a + b),
        "-": lambda a, b: check(a - b),
        "*": lambda a, b: check(a * b),
        "/": lambda a, b: check(_java_div(a, b)),
        "%": _java_mod,
    }[op]


def _move(date: int, span: Span, sign: int, scale: int) -> int:
    if scale == 1:
        return span.add_to(date, sign)
    millis, rest = divmod(date, scale)
    return span.add_to(millis, sign) * scale + rest


def negate(kind: str) -> Callable[[Any], Any]:
    if kind == "double":
        return lambda v: -v
    if kind in SPANS:
        return lambda v: v.negate()
    if kind == "unsigned_long":

        def fail(_v: Any) -> Any:
            raise EvalFailure("unsigned_long overflow", "java.lang.ArithmeticException")

        return fail
    check = _checked(kind if kind in _RANGES else "long")
    return lambda v: check(-v)


# --- functions ----------------------------------------------------------------------------


def _abs_bind(types: tuple[str, ...]):
    kind = first_type(types)
    if kind in ("integer", "long"):
        check = _checked(kind)
        return lambda v: check(abs(v))
    return abs


register("abs", 1, 1, first_type)(_abs_bind)


def _whole_noop(kind: str, rounding: Callable[[float], float]):
    if kind == "double":
        return lambda v: float(rounding(v))
    return lambda v: v


register("ceil", 1, 1, first_type)(lambda t: _whole_noop(first_type(t), math.ceil))
register("floor", 1, 1, first_type)(lambda t: _whole_noop(first_type(t), math.floor))


def _round_double(value: float, decimals: int) -> float:
    if not math.isfinite(value):
        return value
    if decimals >= 0:
        if decimals > 300:
            return value
        factor = 10.0**decimals
        scaled = value * factor
        if not math.isfinite(scaled) or abs(scaled) >= 2**52:
            return value
        return math.floor(scaled + 0.5) / factor
    factor = 10.0 ** (-decimals)
    return math.floor(value / factor + 0.5) * factor


def _round_whole(value: int, decimals: int) -> int:
    if decimals >= 0:
        return value
    factor = 10 ** (-decimals)
    # half away from zero, as ES's Maths.round on longs
    quotient, remainder = divmod(abs(value), factor)
    if remainder * 2 >= factor:
        quotient += 1
    return quotient * factor * (1 if value >= 0 else -1)


def _round_bind(types: tuple[str, ...]):
    kind = first_type(types)
    if kind == "double":
        return lambda v, d=0: _round_double(v, d)
    check = _checked(kind) if kind in _RANGES else (lambda v: v)
    return lambda v, d=0: check(_round_whole(v, d))


register("round", 1, 2, first_type)(_round_bind)


@simple("pi", 0, 0, "double")
def pi() -> float:
    return math.pi


@simple("e", 0, 0, "double")
def e() -> float:
    return math.e


@simple("tau", 0, 0, "double")
def tau() -> float:
    return math.tau


@simple("pow", 2, 2, "double")
def power(base: float, exponent: float) -> float:
    try:
        return _finite(math.pow(base, exponent))
    except (OverflowError, ValueError):
        raise EvalFailure(
            "not a finite double number: NaN", "java.lang.ArithmeticException"
        ) from None


@simple("sqrt", 1, 1, "double")
def sqrt(value: float) -> float:
    if value < 0:
        raise EvalFailure("Square root of negative", "java.lang.ArithmeticException")
    return math.sqrt(value)


@simple("cbrt", 1, 1, "double")
def cbrt(value: float) -> float:
    return math.copysign(abs(value) ** (1 / 3), value)


@simple("log10", 1, 1, "double")
def log10(value: float) -> float:
    if value <= 0:
        raise EvalFailure("Log of non-positive number", "java.lang.ArithmeticException")
    return math.log10(value)


@simple("exp", 1, 1, "double")
def exp(value: float) -> float:
    return _finite(math.exp(value))


@simple("signum", 1, 1, "double")
def signum(value: float) -> float:
    return float((value > 0) - (value < 0))
