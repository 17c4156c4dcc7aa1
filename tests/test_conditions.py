"""How a rule's conditions quote their own query text in messages."""

from __future__ import annotations

from ruleops.eql.parser import parse_eql
from ruleops.kql.parser import parse_kql
from ruleops.query.conditions import RuleCondition


def test_eql_exclusion_is_quoted_with_its_closing_parenthesis():
    text = 'process where x == 1 and not (a == "p" or b == "q")'
    condition = parse_eql(text).body.condition
    rule = RuleCondition("the query", "process", condition, "eql", text)
    assert rule.source(condition.operands[1]) == 'not (a == "p" or b == "q")'


def test_kql_exclusion_is_quoted_with_its_closing_parenthesis():
    text = "x:1 and not (a:p or b:q)"
    condition = parse_kql(text)
    rule = RuleCondition("the query", None, condition, "kql", text)
    assert rule.source(condition.operands[1]) == "not (a:p or b:q)"
