"""FastLalr, the lean loop over a lark LALR parser's tables: the same trees as lark's own
loop, lark's errors for what does not parse, and the first-character analysis its scanners
rest on."""

from __future__ import annotations

import re
import tomllib

import pytest

from ruleops.eql import parser as eql
from ruleops.esql import EsqlSyntaxError, parser
from ruleops.kql import parser as kql
from ruleops.query.fast_lalr import FAILED, first_characters
from tests.esql_specs import ESQL_CONFORMANCE, spec_tests
from tests.test_esql_corpus import RULES, _corpus_queries, require

EDGES = [
    "FROM a // a comment after the last token",
    "FROM a | WHERE x > 1 /* no operator */ // nor here\n",
    "FROM a | WHERE b . c == 1 and `d.e`.f == 2 and g.`h i` == 3",
    "FROM a | KEEP a.b*, `c.d`, e.`*`, f . g",
    "FROM a | STATS count(*) BY x | SORT x DESC NULLS LAST",
    'ROW a = "x" | EVAL b = a::keyword, c = -1 day, d = [1, 2.5]',
    'FROM a | WHERE KQL("""x : 1""") AND y in ("a", "b") AND z NOT LIKE ("c*", "?d")',
]


def _both(text: str) -> tuple[object, object]:
    """(FastLalr's result, lark's result): a tree or the syntax error's message."""
    results = []
    for fast in (True, False):
        try:
            results.append(parser._parse(text, fast=fast))
        except EsqlSyntaxError as error:
            results.append(f"{error.offset}: {error.message}")
    return results[0], results[1]


@pytest.mark.parametrize("text", EDGES)
def test_fast_loop_builds_the_tree_lark_builds(text):
    fast, lark = _both(text)
    assert fast == lark


def test_fast_loop_agrees_with_lark_on_the_corpus():
    require(RULES)
    for _where, query in _corpus_queries():
        fast, lark = _both(query)
        assert fast == lark


def test_fast_loop_agrees_with_lark_on_a_third_of_the_spec_queries():
    require(ESQL_CONFORMANCE)
    for test in list(spec_tests())[::3]:
        fast, lark = _both(test.query)
        assert fast == lark, test.name


@pytest.mark.parametrize(
    "text",
    [
        "FROM a | WHERE",
        "FROM a | WHERE x = 1",
        "FROM a | KEEP",
        'ROW a = "x',
        "FROM a | WHERE b.and == 1",
    ],
)
def test_what_does_not_parse_gets_lark_s_error(text):
    fast, lark = _both(text)
    assert isinstance(fast, str) and fast == lark


def test_fast_loop_leaves_invalid_input_to_lark():
    assert parser._fast_parser().parse("FROM a | WHERE") is FAILED


@pytest.mark.parametrize(
    ("regexp", "flags", "expected"),
    [
        (r"(?i:and)(?![a-z])", 0, "Aa"),
        (r"ab|c?d", 0, "acd"),
        (r"(?:xy)*z", 0, "xz"),
        (r"[0-9]+\.?", 0, "0123456789"),
        (r"//[^\n]*", 0, "/"),
        (r"k", re.IGNORECASE, "Kk"),
    ],
)
def test_first_characters_of_a_terminal(regexp, flags, expected):
    assert first_characters(regexp, flags) == frozenset(expected)


def test_first_characters_of_a_negated_set_are_its_complement():
    assert first_characters("[^ab]") == frozenset(map(chr, range(128))) - {"a", "b"}


@pytest.mark.parametrize(
    ("regexp", "flags"),
    [
        (".", 0),  # any character
        (r"\W", 0),  # a negated category
        ("[^a]", 0),  # a negated character
        ("a?", 0),  # can match nothing
        ("\u212a", re.IGNORECASE),  # KELVIN SIGN folds onto k
    ],
)
def test_first_characters_are_unknown_rather_than_guessed(regexp, flags):
    assert first_characters(regexp, flags) is None


def _eql_and_kql_corpus() -> list[tuple[str, str]]:
    found = []
    for path in sorted(RULES.rglob("*.toml"))[::4]:
        rule = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", {})
        if rule.get("language") in ("eql", "kuery") and isinstance(rule.get("query"), str):
            found.append((rule["language"], rule["query"]))
    return found


def test_fast_loop_agrees_with_lark_on_eql_and_kql_rules():
    require(RULES)
    for language, query in _eql_and_kql_corpus():
        module = eql if language == "eql" else kql
        assert module._fast_parser().parse(query) == module._parser().parse(query), query


@pytest.mark.parametrize(
    "query",
    [
        'sequence [network where not b : ("c")] [process where true]',  # a keyword retyped
        "process where index == 1 and notes == 2",  # a name that starts like a keyword
        'process where process.name in ("a", "b") and not inside',
    ],
)
def test_keywords_read_as_names_are_retyped_as_lark_does(query):
    assert eql._fast_parser().parse(query) == eql._parser().parse(query)
