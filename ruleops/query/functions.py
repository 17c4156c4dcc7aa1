"""EQL's functions with Elasticsearch's null semantics.

Each function takes already-evaluated arguments and returns a value, or None where ES returns
null (a null argument, a value it cannot compute). Case-insensitive variants (`startsWith~`)
receive `case_insensitive=True`. Semantics follow the ES function reference and the spec tests;
string forms follow Java (`true`, `1.5`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruleops.es_types import parse_ip, parse_network


class FunctionError(ValueError):
    """A call ES rejects (unknown function, wrong number of arguments)."""


def java_string(value: Any) -> str | None:
    """The string form ES scripts give a value (`string()`, `concat()`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e7:
            return f"{value:.1f}"
        return repr(value)
    return str(value)


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
    return s.startswith(prefix)


def fn_endswith(ci: bool, s: Any, suffix: Any) -> bool | None:
    if s is None or suffix is None or not _strings(s, suffix):
        return None
    s, suffix = _fold(s, suffix, ci)
    return s.endswith(suffix)


def fn_stringcontains(ci: bool, s: Any, sub: Any) -> bool | None:
    if s is None or sub is None or not _strings(s, sub):
        return None
    s, sub = _fold(s, sub, ci)
    # ES: stringContains("", "") is false — an empty source contains nothing.
    if not s:
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
    position = s.find(sub, max(int(start), 0))
    return None if position < 0 else position


def fn_between(ci: bool, s: Any, left: Any, right: Any, greedy: Any = False) -> str | None:
    if s is None or left is None or right is None or not _strings(s, left, right):
        return None
    hay_s, hay_left = _fold(s, left, ci)
    _, hay_right = _fold(s, right, ci)
    start = hay_s.find(hay_left)
    if start < 0:
        return ""
    start += len(hay_left)
    end = hay_s.rfind(hay_right) if greedy is True else hay_s.find(hay_right, start)
    if end < start:
        return ""
    return s[start:end]


def fn_length(_ci: bool, s: Any) -> int | None:
    return len(s) if isinstance(s, str) else None


def fn_substring(_ci: bool, s: Any, start: Any, end: Any = None) -> str | None:
    if not isinstance(s, str) or start is None or not is_number(start):
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
    if s is None:
        return None
    if is_number(s):
        return s
    if not isinstance(s, str):
        return None
    text = s.strip()
    if base is None:
        base = 10
    base = int(base)
    if base == 10 and text.lower().lstrip("+-").startswith("0x"):
        base = 16
    if base == 16:
        sign = ""
        if text[:1] in "+-":
            sign, text = text[0], text[1:]
        if text.lower().startswith("0x"):
            text = text[2:]
        text = sign + text
    try:
        return int(text, base)
    except ValueError:
        pass
    if base != 10:
        return None
    try:
        return float(text)
    except ValueError:
        return None


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
    except ZeroDivisionError:
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
