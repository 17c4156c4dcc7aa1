"""Property tests: ruleops' matchers agree with an independent model of Elasticsearch.

Strings are drawn from an alphabet of edge cases: wildcard characters as data, backslashes
of Windows paths, and letters whose case pair is outside ASCII.
"""

from datetime import timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference_matching import ascii_fold, equal, wildcard

from ruleops.query.ast import Call, Compare, Field, InSet, Literal, Match
from ruleops.query.evaluate import compile_condition
from ruleops.strategies import EDGE_ALPHABET, wildcard_matches, wildcard_near_misses

FIELD = Field(("process", "name"))
patterns = st.text(alphabet="aAbB\\.*?Éé", max_size=8)
values = st.text(alphabet="aAbB\\.Ééß", max_size=10)


def _matches(node, value: str) -> bool:
    return compile_condition(node)({"process": {"name": value}})


@given(patterns, values)
def test_colon_agrees_with_the_reference_model(pattern, value):
    """`:` is an anchored, case-insensitive wildcard match."""
    node = Match(FIELD, (pattern,), "wildcard", case_insensitive=True)
    assert _matches(node, value) == wildcard(pattern, value, case_insensitive=True)


@given(patterns, values)
def test_like_agrees_with_the_reference_model(pattern, value):
    """`like` is an anchored, case-sensitive wildcard match."""
    node = Match(FIELD, (pattern,), "wildcard", case_insensitive=False)
    assert _matches(node, value) == wildcard(pattern, value, case_insensitive=False)


@given(patterns, values)
def test_like_tilde_agrees_with_the_reference_model(pattern, value):
    node = Match(FIELD, (pattern,), "wildcard", case_insensitive=True)
    assert _matches(node, value) == wildcard(pattern, value, case_insensitive=True)


@given(st.lists(values, min_size=1, max_size=4), values)
def test_in_tilde_agrees_with_the_reference_model(options, value):
    """`in~` compares literally (no wildcards), folding case."""
    node = InSet(FIELD, tuple(Literal(o) for o in options), case_insensitive=True)
    assert _matches(node, value) == any(equal(o, value, case_insensitive=True) for o in options)


@given(values, values)
def test_double_equals_is_exact(literal, value):
    """`==` on strings compares case-sensitively, with `*` and `?` as plain characters."""
    node = Compare("==", FIELD, Literal(literal))
    assert _matches(node, value) == (literal == value)


# On a field, Elasticsearch runs these functions as Lucene queries (prefix, `*lit`, `*lit*`):
# in the literal `\\`, `*` and `?` keep their Lucene meaning (pinned in test_evaluate.py),
# so the model covers plain text; and an empty value contains the empty string.
plain_literals = st.text(alphabet="aAbB.Ééß", max_size=10)


@given(st.sampled_from(["startswith", "endswith", "stringcontains"]), plain_literals, values)
def test_tilde_functions_agree_with_the_reference_model(name, literal, value):
    node = Call(name, (FIELD, Literal(literal)), case_insensitive=True)
    a, b = ascii_fold(value), ascii_fold(literal)
    expected = {
        "startswith": a.startswith,
        "endswith": a.endswith,
        "stringcontains": a.__contains__,
    }[name](b)
    assert _matches(node, value) == expected


@given(st.text(alphabet="abAB", min_size=1, max_size=6), st.text(alphabet="abAB", max_size=8))
def test_case_insensitive_operators_ignore_ascii_case(pattern, value):
    """Changing the case of ASCII letters never changes what `:` decides."""
    node = Match(FIELD, (pattern,), "wildcard", case_insensitive=True)
    assert _matches(node, value) == _matches(node, value.swapcase())


@given(st.text(alphabet="ab", min_size=1, max_size=6))
def test_case_sensitive_operators_do_not_ignore_case(literal):
    """`like` with a pattern of lower-case letters rejects the upper-case spelling."""
    node = Match(FIELD, (literal,), "wildcard", case_insensitive=False)
    assert not _matches(node, literal.upper())


@given(st.sampled_from(["É", "é", "ß", "ẞ", "\u212a"]))
def test_colon_does_not_fold_case_outside_ascii(letter):
    """Elasticsearch's case-insensitive automata fold ASCII letters only."""
    other = letter.swapcase() if len(letter.swapcase()) == 1 else letter.upper()
    node = Match(FIELD, (letter,), "wildcard", case_insensitive=True)
    assert _matches(node, other) == (other == letter)


@settings(deadline=timedelta(seconds=2), max_examples=60)
@example("*a" * 12, "a" * 40)
@given(st.text(alphabet="*?a", min_size=10, max_size=40), st.text(alphabet="ab", max_size=80))
def test_patterns_full_of_wildcards_never_hang(pattern, value):
    """Matching takes polynomial time: no backtracking blow-up on `*a*a*a…b`."""
    node = Match(FIELD, (pattern + "b",), "wildcard", case_insensitive=True)
    assert _matches(node, value) == wildcard(pattern + "b", value, case_insensitive=True)


@given(st.data())
def test_generated_matches_match_and_near_misses_miss(data):
    pattern = data.draw(
        st.text(alphabet="ab\\.*?", min_size=1, max_size=8).filter(lambda p: set(p) - {"*"})
    )
    ci = data.draw(st.booleans())
    hit = data.draw(wildcard_matches(pattern, case_insensitive=ci))
    miss = data.draw(wildcard_near_misses(pattern, case_insensitive=ci))
    assert wildcard(pattern, hit, case_insensitive=ci)
    assert not wildcard(pattern, miss, case_insensitive=ci)


def test_edge_alphabet_has_non_ascii_case_pairs():
    assert {"É", "é", "ẞ", "ß"} <= set(EDGE_ALPHABET)
