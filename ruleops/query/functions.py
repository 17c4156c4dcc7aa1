"""EQL's functions with Elasticsearch's null semantics.

Each function takes already-evaluated arguments and returns a value, or None where ES returns
null (a null argument, a value it cannot compute). Case-insensitive variants (`startsWith~`)
receive `case_insensitive=True`. Semantics follow the ES function reference and the spec tests;
string forms follow Java (`true`, `1.5`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruleops.es_types import parse_ip, parse_network


class FunctionError(ValueError):
    """A call ES rejects (unknown function, wrong number of arguments)."""


def java_string(value: Any) -> str | None:
    """The string form ES scripts give a value (`string()`, `concat()`): Java's, so a double
    is written as `Double.toString` writes it (`1.0`, `3.14`, `1.0E7`, `1.5E-5`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    return str(value)


def _java_double(value: float) -> str:
    """`Double.toString`: the shortest digits that read back as the value (as Python's repr),
    plain between 10^-3 and 10^7, otherwise `d.dddE±n`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "e" not in text and "." in text else f"{value:.1f}"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = int(exponent) + len(digits) - 1
    mantissa = shown[0] + "." + (shown[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fold(a: str, b: str, ci: bool) -> tuple[str, str]:
    return (a.lower(), b.lower()) if ci else (a, b)


def _strings(*values: Any) -> bool:
    return all(isinstance(v, str) for v in values)


def fn_startswith(ci: bool, s: Any, prefix: Any) -> bool | None:
    if s is None or prefix is None or not _strings(s, prefix):
        return None
    s, prefix = _fold(s, prefix, ci)
    return bool(s.startswith(prefix))


def fn_endswith(ci: bool, s: Any, suffix: Any) -> bool | None:
    if s is None or suffix is None or not _strings(s, suffix):
        return None
    s, suffix = _fold(s, suffix, ci)
    return bool(s.endswith(suffix))


def fn_stringcontains(ci: bool, s: Any, sub: Any) -> bool | None:
    if s is None or sub is None or not _strings(s, sub):
        return None
    s, sub = _fold(s, sub, ci)
    # StringUtils.stringContains: an empty string or substring is never contained
    if not s or not sub:
        return False
    return sub in s


def fn_indexof(ci: bool, s: Any, sub: Any, start: Any = 0) -> int | None:
    if s is None or sub is None or not _strings(s, sub):
        return None
    if start is None:
        start = 0
    if not is_number(start):
        return None
    s, sub = _fold(s, sub, ci)
    start = max(int(start), 0)
    if not sub:
        # Java's indexOf finds the empty string at `start`, or at the end past it
        return int(min(start, len(s)))
    position = s.find(sub, start)
    return None if position < 0 else position


def fn_between(ci: bool, s: Any, left: Any, right: Any, greedy: Any = False) -> str | None:
    if s is None or left is None or right is None or not _strings(s, left, right):
        return None
    if not s or not left or not right:
        # StringUtils.between: an empty source, left or right gives the source back
        return s  # type: ignore[no-any-return]  # checked by is_number / _strings
    hay_s, hay_left = _fold(s, left, ci)
    _, hay_right = _fold(s, right, ci)
    start = hay_s.find(hay_left)
    if start < 0:
        return ""
    start += len(hay_left)
    end = hay_s.rfind(hay_right) if greedy is True else hay_s.find(hay_right, start)
    if end < start:
        return ""
    return str(s[start:end])


def fn_length(_ci: bool, s: Any) -> int | None:
    return len(s) if isinstance(s, str) else None


def fn_substring(_ci: bool, s: Any, start: Any, end: Any = None) -> str | None:
    if not isinstance(s, str):
        return None
    if start is None:
        # SubstringFunctionProcessor.doProcess: a null start gives the input back
        return s
    if not is_number(start):
        return None
    if end is not None and not is_number(end):
        return None
    return s[int(start) : (None if end is None else int(end))]


def fn_concat(_ci: bool, *values: Any) -> str | None:
    parts = [java_string(v) for v in values]
    if any(p is None for p in parts):
        return None
    return "".join(parts)  # type: ignore[arg-type]


def fn_string(_ci: bool, value: Any) -> str | None:
    return java_string(value)


def fn_number(_ci: bool, s: Any, base: Any = None) -> int | float | None:
    """ToNumberFunctionProcessor: a `0x` prefix means base 16 when no base is given; base 10
    reads an optional `-`, digits and a fraction (Java's DecimalFormat without grouping, so
    no `+`, spaces, `,` or exponent); other bases read a Java int. What cannot be read raises
    FunctionError ("Unable to convert"), which fails the search in Elasticsearch."""
    if s is None:
        return None
    if is_number(s):
        return s  # type: ignore[no-any-return]  # checked by is_number / _strings
    if not isinstance(s, str):
        return None
    hex_prefix = s.startswith("0x")
    if base is None:
        radix = 16 if hex_prefix else 10
    elif is_number(base):
        radix = int(base)  # Number.intValue()
    else:  # a base that is not a number (a string field's value) fails the search
        raise FunctionError(f"A number is required; received [{base}]")
    text = s[2:] if hex_prefix and radix == 16 else s
    if radix == 10:
        match = _DECIMAL.fullmatch(text)
        if match is None:
            raise FunctionError(f"Unable to convert [{text}] to number of base [{radix}]")
        if match.group(2) is None or not match.group(2).strip(".0"):
            whole = int(match.group(1))
            # DecimalFormat gives -0.0 for "-0", a double
            return -0.0 if whole == 0 and text.startswith("-") else whole
        return float(text)
    if 2 <= radix <= 36 and _JAVA_INT.fullmatch(text) and not _PREFIXED.match(text):
        try:
            value = int(text, radix)
        except ValueError:
            value = None
        if value is not None and -(2**31) <= value < 2**31:
            return value
    raise FunctionError(f"Unable to convert [{text}] to number of base [{radix}]")


_DECIMAL = re.compile(r"(-?[0-9]+)(\.[0-9]*)?")
_JAVA_INT = re.compile(r"[+-]?[0-9A-Za-z]+")
# Python's int() takes a 0x/0o/0b prefix in bases 16/8/2; Java's parseInt does not.
_PREFIXED = re.compile(r"[+-]?0[xXoObB]")


def fn_cidrmatch(_ci: bool, ip: Any, *cidrs: Any) -> bool | None:
    if ip is None or any(c is None for c in cidrs):
        return None
    address = parse_ip(ip)
    if address is None:
        return None
    return any(address in network for c in cidrs if (network := parse_network(c)) is not None)


def _arith(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def apply(_ci: bool, a: Any, b: Any) -> Any:
        return arithmetic(op, a, b)

    return apply


def arithmetic(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    if a is None or b is None or not is_number(a) or not is_number(b):
        return None
    try:
        return op(a, b)
    except (ZeroDivisionError, ValueError, OverflowError):  # x % 0 is ValueError in fmod
        return None


def java_divide(a: int | float, b: int | float) -> int | float:
    """Java division: integers truncate toward zero, otherwise floating point."""
    if isinstance(a, int) and isinstance(b, int):
        quotient = abs(a) // abs(b)
        return quotient if (a >= 0) == (b >= 0) else -quotient
    return a / b


def java_modulo(a: int | float, b: int | float) -> int | float:
    """Java remainder: the sign follows the dividend."""
    if isinstance(a, int) and isinstance(b, int):
        return int(math.fmod(a, b)) if abs(a) < 2**53 else a - b * java_divide(a, b)
    return math.fmod(a, b)


@dataclass(frozen=True)
class FunctionInfo:
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: any number
    case_insensitive_variant: bool = False
    returns_boolean: bool = False


FUNCTIONS: dict[str, FunctionInfo] = {
    "add": FunctionInfo(_arith(lambda a, b: a + b), 2, 2),
    "subtract": FunctionInfo(_arith(lambda a, b: a - b), 2, 2),
    "multiply": FunctionInfo(_arith(lambda a, b: a * b), 2, 2),
    "divide": FunctionInfo(_arith(java_divide), 2, 2),
    "modulo": FunctionInfo(_arith(java_modulo), 2, 2),
    "between": FunctionInfo(fn_between, 3, 4, True),
    "cidrmatch": FunctionInfo(fn_cidrmatch, 2, None, returns_boolean=True),
    "concat": FunctionInfo(fn_concat, 1, None),
    "endswith": FunctionInfo(fn_endswith, 2, 2, True, True),
    "indexof": FunctionInfo(fn_indexof, 2, 3, True),
    "length": FunctionInfo(fn_length, 1, 1),
    "number": FunctionInfo(fn_number, 1, 2),
    "startswith": FunctionInfo(fn_startswith, 2, 2, True, True),
    "string": FunctionInfo(fn_string, 1, 1),
    "stringcontains": FunctionInfo(fn_stringcontains, 2, 2, True, True),
    "substring": FunctionInfo(fn_substring, 2, 3),
}


def lookup(name: str, arg_count: int, case_insensitive: bool) -> FunctionInfo:
    info = FUNCTIONS.get(name.lower())
    if info is None:
        known = ", ".join(sorted(FUNCTIONS))
        raise FunctionError(f"unknown function {name!r}; EQL supports {known}")
    if arg_count < info.min_args or (info.max_args is not None and arg_count > info.max_args):
        expected = (
            f"{info.min_args}"
            if info.max_args == info.min_args
            else f"{info.min_args} or more"
            if info.max_args is None
            else f"{info.min_args} to {info.max_args}"
        )
        raise FunctionError(f"{name}() takes {expected} arguments, got {arg_count}")
    if case_insensitive and not info.case_insensitive_variant:
        raise FunctionError(f"{name}() has no case-insensitive `~` form")
    return info
