"""quick_init: a frozen dataclass keeps its signature, defaults, equality, hashing, repr and
immutability with the quicker __init__; classes it does not fit keep their own."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from ruleops.esql import ast
from ruleops.query.ast import Span
from ruleops.query.quick_init import quick_init


def test_nodes_keep_their_signature_and_defaults():
    assert str(inspect.signature(ast.Call)) == (
        "(name, args, span=Span(start=0, end=0), options=None)"
    )
    assert ast.Call("f", ()).options is None


def test_nodes_stay_frozen_equal_and_hashable():
    one, two = ast.Column("a", Span(1, 2)), ast.Column("a", Span(1, 2))
    assert one == two and hash(one) == hash(two) and repr(one).startswith("Column(name='a'")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.name = "b"  # type: ignore[misc]


def test_classes_it_does_not_fit_keep_their_init():
    @dataclasses.dataclass(frozen=True)
    class Later:
        a: int
        b: list = dataclasses.field(default_factory=list)

    generated = Later.__init__
    assert quick_init(Later).__init__ is generated
    assert Later(1).b == []
