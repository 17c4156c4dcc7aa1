"""Example values for GROK and DISSECT patterns (ruleops.esql.examples)."""

from ruleops.esql.dissect import compile_dissect
from ruleops.esql.examples import dissect_example, grok_example
from ruleops.esql.grok import compile_grok


def test_a_grok_example_sets_every_column():
    pattern = "%{WORD:user} logged in from %{IP:address}"
    values = compile_grok(pattern).match(grok_example(pattern))
    assert values is not None and None not in values


def test_an_inline_named_group_gets_an_example():
    pattern = "instanceId=(?<Esql.instance_id>[^,}]+)"
    assert compile_grok(pattern).match(grok_example(pattern)) == ["a"]


def test_an_unknown_grok_pattern_has_no_example():
    assert grok_example("%{NOPE:x}") is None


def test_a_dissect_example_fills_every_key():
    pattern = "verdict=%{v} confidence=%{c}"
    assert compile_dissect(pattern).match(dissect_example(pattern)) == ["value0", "value1"]
