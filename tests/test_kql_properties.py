"""Properties of the KQL parser that hold for every input, checked with hypothesis."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.query.ast import Match, walk

KQL_CHARS = st.sampled_from([*'abc AND or not:*()"\\{}<>=.-_/\n\t', "or ", " and ", "not "])
SPECIALS = '\\():<>"*{}'


def escape_unquoted(value: str) -> str:
    return "".join("\\" + c if c in SPECIALS else c for c in value)


def escape_quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@settings(max_examples=400, deadline=None)
@given(st.lists(KQL_CHARS, max_size=30).map("".join))
def test_any_text_parses_or_fails_with_a_located_syntax_error(text):
    """No input makes the parser raise anything but KqlSyntaxError, and every error and
    every span lies inside the text."""
    try:
        expr = parse_kql(text)
    except KqlSyntaxError as error:
        assert 0 <= error.offset <= len(text)
        assert error.line >= 1 and error.column >= 1
        assert error.message
        return
    for node in walk(expr):
        span = getattr(node, "span", None)
        if span is not None:
            assert 0 <= span.start <= span.end <= len(text)


WORDS = st.text(alphabet=st.sampled_from(list('abcXYZ019._-/:()*"\\{}<>')), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_escaped_unquoted_value_reads_back_as_written(value):
    """Backslash-escaping every special character gives back the value, with no wildcard."""
    expr = parse_kql(f"f:{escape_unquoted(value)}")
    assert isinstance(expr, Match)
    assert (expr.patterns, expr.kind) == ((value,), "term")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_quoted_value_reads_back_as_written(value):
    """Inside quotes, escaping `\\` and `"` is enough for any text."""
    expr = parse_kql(f'f:"{escape_quoted(value)}"')
    assert isinstance(expr, Match)
    assert (expr.patterns, expr.kind) == ((value,), "phrase")
