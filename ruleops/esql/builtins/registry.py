"""The registry of ES|QL functions that the family modules fill (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruleops.esql.values import widest

Impl = Callable[..., Any]
Types = tuple[str, ...]


class SignatureError(Exception):
    """The arguments' types do not fit the function; the message is Elasticsearch's
    verification message (`first argument of [X] must be [string], found value [y] type
    [integer]`) without its `Line x:y:` prefix."""


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    result: Callable[[Types], str]
    bind: Callable[[Types], Impl]
    multi: frozenset[int] = field(default_factory=frozenset)  # parameters taking multi-values
    multi_all: bool = False  # every parameter takes multi-values
    nulls: bool = True
    aggregate: bool = False
    zoned: bool = False  # takes the query's time zone as the keyword argument `zone`

    def takes_multi(self, position: int) -> bool:
        return self.multi_all or position in self.multi


REGISTRY: dict[str, Function] = {}
ALIASES: dict[str, str] = {}


def register(
    name: str,
    min_args: int,
    max_args: int | None,
    result: Callable[[Types], str] | str,
    *,
    multi: Sequence[int] | bool = (),
    nulls: bool = True,
    aggregate: bool = False,
    zoned: bool = False,
    aliases: Sequence[str] = (),
) -> Callable[[Callable[[Types], Impl]], Callable[[Types], Impl]]:
    """Declare a function whose implementation is returned by the decorated `bind(types)`."""

    def decorate(bind: Callable[[Types], Impl]) -> Callable[[Types], Impl]:
        result_of = result if callable(result) else _constant(result)
        REGISTRY[name] = Function(
            name,
            min_args,
            max_args,
            result_of,
            bind,
            frozenset() if isinstance(multi, bool) else frozenset(multi),
            multi is True,
            nulls,
            aggregate,
            zoned,
        )
        for alias in aliases:
            ALIASES[alias] = name
        return bind

    return decorate


def simple(
    name: str,
    min_args: int,
    max_args: int | None,
    result: Callable[[Types], str] | str,
    **options: Any,
) -> Callable[[Impl], Impl]:
    """Declare a function whose implementation does not depend on its arguments' types."""

    def decorate(impl: Impl) -> Impl:
        register(name, min_args, max_args, result, **options)(lambda _types: impl)
        return impl

    return decorate


def _constant(type_name: str) -> Callable[[Types], str]:
    return lambda _types: type_name


def lookup(name: str) -> Function | None:
    """The function named `name` (any case, aliases such as TO_INT resolved)."""
    key = name.lower()
    return REGISTRY.get(ALIASES.get(key, key))


# --- result types shared by the families ---------------------------------------------------


def first_type(types: Types) -> str:
    """The result has the first argument's type (TO_LOWER, MV_FIRST, MIN…)."""
    return types[0] if types else "null"


def keyword_result(types: Types) -> str:
    return "keyword"


def common_type(types: Types) -> str:
    """The type several values share (COALESCE, CASE, GREATEST): the first that is not null,
    numbers widened to the widest of them, keyword over text."""
    return widest([t for t in types if t != "null"]) or "null"


def argument_type_error(
    name: str, position: int, expected: str, found_text: str, found_type: str
) -> SignatureError:
    ordinal = ("first", "second", "third", "fourth", "fifth", "sixth")
    which = ordinal[position] if position < len(ordinal) else f"{position + 1}th"
    return SignatureError(
        f"{which} argument of [{found_text}] must be [{expected}], found value "
        f"[{found_text}] type [{found_type}]"
    )
