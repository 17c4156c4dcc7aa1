"""Lucene regular expressions: Lucene's syntax and quirks, its rejections, linear-time
matching, and agreement with Python's `re` on the syntax both share."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene
from tests.time_bound import deadline


def matches(pattern: str, text: str, *, case_insensitive: bool = False) -> bool:
    return compile_lucene(pattern, case_insensitive=case_insensitive).fullmatch(text)


# ---------------------------------------------------------------- the syntax


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("abc", "abc"),
        ("a.c", "a\nc"),  # `.` takes a newline too
        ("a*", ""),
        ("(a|b)*c", "ababc"),
        ("a{2,3}", "aaa"),
        ("a{2,}", "aaaaa"),
        ("a{2}", "aa"),
        ("[a-c]+", "cab"),
        ("[^a-c]", "d"),
        ("[]a]", "]"),  # the first character of a class is a member, even `]`
        ("[a.]", "."),  # `.` in a class is a dot
        ("\\d\\D\\s\\S\\w\\W", "0x\tx_-"),
        ("[\\d-]+", "1-2"),
        ('"a.b"c', "a.bc"),
        ("@", "anything at all"),
        ("()", ""),
        ("", ""),
        ("^a$", "^a$"),  # no anchors: `^` and `$` are characters
        ("\\.", "."),
        ("a\\\\b", "a\\b"),
        ("*a", "*a"),  # a quantifier where an operand is expected is a character
        ("a|*", "*"),
        ("a|)", ")"),
        ("(?i)x", "?ix"),  # no inline flags: `(?` is a group starting with a literal `?`
        (".*?x", "zzx"),  # `*?` is `(…*)?`, not a lazy star
        ("a**", "aaa"),
        ("~(abc)", "abd"),
        ("~a*", "bb"),  # `~` binds tighter than `*`
        ("[a-z]+&~(foo)", "bar"),
        ("(ab)&(a.)", "ab"),
        ("b|&", "&"),  # so is `&` where an operand is expected
    ],
)
def test_pattern_matches(pattern, text):
    assert matches(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("abc", "abcd"),  # the whole value must match
        ("abc", "xabc"),
        ("a+", ""),
        ("a{2,3}", "aaaa"),
        ("[^a-c]", "b"),
        ('"a.b"c', "axbc"),
        ("#", ""),  # the empty language
        ("(?i)geor.*", "George"),
        ("~(abc)", "abc"),
        ("[a-z]+&~(foo)", "foo"),
        ("a{3,1}", "aa"),  # a repetition whose minimum exceeds its maximum matches nothing
        ("\\s", "\f"),  # \s is space, tab, newline and carriage return only
    ],
)
def test_pattern_does_not_match(pattern, text):
    assert not matches(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "matched", "missed"),
    [
        ("<5-40>", ["5", "17", "40", "0017"], ["4", "41", "", "x"]),
        ("<05-40>", ["05", "17", "40"], ["5", "005", "41"]),
        ("<40-5>", ["5", "40"], ["41"]),  # bounds in either order
        ("<0-10>", ["0", "000", "010"], ["", "11"]),
        ("<0-0>", ["0"], ["00", ""]),
        ("<+9-10>", ["09", "10"], ["9"]),  # Integer.parseInt takes a `+`; the width counts it
    ],
)
def test_numeric_interval(pattern, matched, missed):
    assert all(matches(pattern, text) for text in matched)
    assert not any(matches(pattern, text) for text in missed)


# ---------------------------------------------------------------- case-insensitive


@pytest.mark.parametrize(
    ("pattern", "text"), [("abc", "ABC"), ("[abc]", "B"), ('"ab"', "aB"), ("a+", "aAa")]
)
def test_case_insensitive_folds_ascii_letters_written_as_characters(pattern, text):
    assert matches(pattern, text, case_insensitive=True)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("[a-z]", "A"), ("é", "É"), ("[^a]", "A")],
)
def test_case_insensitive_leaves_ranges_and_non_ascii_letters_alone(pattern, text):
    assert not matches(pattern, text, case_insensitive=True)


def test_case_sensitive_by_default():
    assert not matches("abc", "ABC")


# ---------------------------------------------------------------- what Lucene rejects


@pytest.mark.parametrize(
    ("pattern", "offset"),
    [
        ("(a", 0),
        ("a(b(c)", 1),
        ("a)", 1),
        ("[a", 0),
        ("[]", 0),
        ("[\\]", 0),
        ("a{", 1),
        ("a{x}", 1),
        ("a{2", 1),
        ("ab\\q", 2),
        ("<abc>", 0),
        ("<1-2-3>", 0),
        ("<1-", 0),
        ('x"abc', 1),
        ("a|", 1),
        ("a&", 1),
        ("~", 0),
        ("(", 0),
        ("[z-a]", 1),
    ],
)
def test_invalid_pattern_is_rejected_at_its_offending_character(pattern, offset):
    with pytest.raises(LuceneRegexError) as error:
        compile_lucene(pattern)
    assert error.value.offset == offset


def test_a_character_repeated_more_than_elasticsearch_allows_is_too_complex():
    with pytest.raises(LuceneRegexError, match="too complex"):
        compile_lucene(".{0,10001}")


def test_a_repetition_too_large_to_build_is_too_complex():
    with pytest.raises(LuceneRegexError, match="too complex"):
        compile_lucene("((ab){1000}){1000}")


def test_a_complement_too_large_to_determinize_is_too_complex():
    with pytest.raises(LuceneRegexError, match="too complex"):
        compile_lucene("~(.*a.{20})")


def test_deeply_nested_groups_are_refused_without_recursion():
    with pytest.raises(LuceneRegexError, match="nested too deeply"):
        compile_lucene("(" * 5000 + "a" + ")" * 5000)


def test_groups_nested_a_few_hundred_deep_compile():
    assert matches("(" * 500 + "a" + ")" * 500, "a")


# ---------------------------------------------------------------- linear time


def test_nested_quantifiers_do_not_backtrack():
    with deadline(5):
        assert not matches("(a+)+b", "a" * 5000)


def test_many_stars_on_a_long_near_miss_do_not_backtrack():
    with deadline(5):
        assert not matches(".*.*.*.*.*.*.*.*.*.*=.*", "x" * 20_000)


def test_a_large_counted_repetition_runs_within_its_bound():
    with deadline(10):
        assert matches("[ab]*a.{0,300}", "ab" * 400 + "a" + "b" * 300)


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        (".*net1[ ]+[a-z]{4,15}[ ]+.*", "net1 aaaa "),
        ("[^a-z0-9]+x", " x"),
        ("<5-40>", "5"),
        ("~(a*)", "b"),
    ],
)
def test_example_is_a_short_readable_match(pattern, example):
    assert compile_lucene(pattern).example() == example


def test_a_pattern_that_matches_nothing_has_no_example():
    assert compile_lucene("a&b").example() is None


# ---------------------------------------------------------------- agreement with `re`

# Atoms written the same way in both syntaxes, and the Python spelling of Lucene's own.
_ATOMS = st.sampled_from(
    [
        ("a", "a"),
        ("b", "b"),
        ("B", "B"),
        (".", "."),
        ("[ab]", "[ab]"),
        ("[^a]", "[^a]"),
        ("[a-c]", "[a-c]"),
        ("\\.", "\\."),
        ("\\d", "[0-9]"),
        ("\\w", "[a-zA-Z0-9_]"),
        ("\\s", "[ \\t\\n\\r]"),
        ('"ab"', "ab"),
        ("()", ""),
    ]
)
_QUANTIFIERS = st.sampled_from(["?", "*", "+", "{2}", "{1,2}", "{0,}", "{2,3}"])


def _regexes() -> st.SearchStrategy[tuple[str, str]]:
    def extend(inner):
        group = inner.map(lambda p: (f"({p[0]})", f"(?:{p[1]})"))
        repeated = st.tuples(group, _QUANTIFIERS).map(
            lambda g: (g[0][0] + g[1], f"(?:{g[0][1]}){g[1]}")
        )
        joined = st.lists(inner, min_size=2, max_size=3)
        concatenated = joined.map(
            lambda items: (
                "".join(f"({i[0]})" for i in items),
                "".join(f"(?:{i[1]})" for i in items),
            )
        )
        alternated = joined.map(
            lambda items: ("|".join(i[0] for i in items), "|".join(f"(?:{i[1]})" for i in items))
        )
        return st.one_of(group, repeated, concatenated, alternated)

    return st.recursive(_ATOMS, extend, max_leaves=8)


_TEXTS = st.text(alphabet="abB.0_ \n-", max_size=8)


@settings(max_examples=400, deadline=None)
@given(_regexes(), _TEXTS)
def test_matching_agrees_with_python_re_on_their_common_syntax(regex, text):
    """On patterns both syntaxes read alike, Lucene full-match semantics equal Python's."""
    lucene, python = regex
    expected = re.fullmatch(python, text, re.DOTALL) is not None
    assert matches(lucene, text) is expected


@settings(max_examples=200, deadline=None)
@given(_regexes(), _TEXTS)
def test_complement_matches_exactly_what_the_pattern_does_not(regex, text):
    lucene, _ = regex
    assert matches(f"~({lucene})", text) is not matches(lucene, text)


@settings(max_examples=200, deadline=None)
@given(_regexes(), _regexes(), _TEXTS)
def test_intersection_matches_what_both_patterns_match(first, second, text):
    both = matches(f"({first[0]})&({second[0]})", text)
    assert both is (matches(first[0], text) and matches(second[0], text))


@settings(max_examples=200, deadline=None)
@given(_regexes())
def test_example_is_matched_by_its_pattern(regex):
    lucene, _ = regex
    compiled = compile_lucene(lucene)
    example = compiled.example()
    assert example is None or compiled.fullmatch(example)
