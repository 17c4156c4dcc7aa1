"""What a KQL match or range means on a field of each Elasticsearch type.

Kibana turns `field:value` into the Query DSL the field's type calls for
(kbn-es-query `kuery/functions/is.ts`, `range.ts`), and Elasticsearch reads that query on
the field's mapping:

    field type            field:term        field:"phrase"     field:wild*card         range
    keyword               term (exact)      term (exact)       wildcard (whole value)   strings
    text, match_only_text match: any word   match_phrase       query_string: each       words
                                            (words in order)   word-pattern on a word
    constant_keyword,     match: exact      match_phrase:      query_string: each       strings
    wildcard, version                       exact              pattern on the value
    numeric               match: equal      equal numbers      rejected                 numbers
                          numbers
    date                  range gte/lte over the date's written precision   rejected    dates
    ip                    term: an address or a CIDR block     rejected                 addresses
    boolean               true / false                         rejected                 -

`query_string` splits its query at whitespace into terms that any may match (default
operator OR), and on a text field lower-cases a wildcard term and matches it against the
single words the standard analyzer indexed (`es_types.analyze`): `message:*Invoke-Mimikatz*`
matches nothing, since no word holds the `-`, while `message:qui*` matches "The quick fox".
A value is read as the field indexes it (`es_types.indexed_value`): `"200.0"` in a long field
is 200, a string in a keyword field is itself.

Each function returns a test of one field value (a multi-valued field matches when any value
does), or None for a type it does not know, where the evaluator keeps its untyped reading.
Free text (a value without a field) runs Elasticsearch's `multi_match` (`query_string` for a
wildcard) over every field, leniently: a field whose type cannot read the value is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ruleops import es_types
from ruleops.query.wildcard import compile_wildcard

Test = Callable[[Any], bool]
Kind = str  # "term", "phrase", "wildcard"

_NEVER: Test = lambda value: False  # noqa: E731
_STRING_ALIKE = frozenset({"constant_keyword", "wildcard", "version"})


def match_test(
    es_type: str | None, kind: Kind, pattern: str, *, free_text: bool = False
) -> Test | None:
    """A test of one value of a field of `es_type` for `field:pattern` (`kind` term, phrase
    or wildcard). `free_text`: the value has no field and is searched in every field
    (`multi_match`, or `query_string` over all fields for a wildcard, both lenient: a field
    whose type cannot read the value matches nothing rather than failing the search)."""
    family = es_types.family(es_type)
    if family is None or es_type is None or kind not in ("term", "phrase", "wildcard"):
        return None
    if kind == "wildcard":
        return _wildcard(es_type, family, pattern, split_keyword=free_text)
    if family == "text":
        return _words(pattern) if kind == "term" else _phrase(pattern)
    if family == "keyword" or es_type in _STRING_ALIKE:
        if es_type == "version":
            wanted = es_types.Version(pattern)
            return lambda value: _indexed(value, "version") == wanted
        return lambda value: (
            value == pattern if value.__class__ is str else _indexed(value, es_type) == pattern
        )
    if family in ("integer", "float"):
        return _number_equal(es_type, family, pattern)
    if family == "date":
        bounds = es_types.date_bounds(pattern)
        if bounds is None:
            return _NEVER
        low, high = bounds
        return lambda value: _between(_indexed(value, "date"), low, high)
    if family == "ip":
        network = es_types.parse_network(pattern)
        if network is None:
            return _NEVER

        def in_network(value: Any) -> bool:
            address = es_types.parse_ip(value) if isinstance(value, str) else None
            return address is not None and address.version == network.version and address in network

        return in_network
    if family == "boolean":
        if pattern not in ("true", "false"):
            return _NEVER
        wanted_bool = pattern == "true"
        return lambda value: _indexed(value, "boolean") is wanted_bool
    return None


def range_test(es_type: str | None, op: str, bound: Any) -> Test | None:
    """A test of one value of a field of `es_type` for `field op bound` (a range query)."""
    family = es_types.family(es_type)
    if family is None or es_type is None:
        return None
    order = _ORDER[op]
    if family in ("integer", "float"):
        number = es_types.number_of(bound)
        if number is None:
            return _NEVER
        if family == "float":
            number = es_types.indexed_value(number, es_type)
        return lambda value: _ordered(_indexed(value, es_type), number, order)
    if family == "date":
        bounds = es_types.date_bounds(str(bound)) if not isinstance(bound, bool) else None
        if bounds is None:
            return _NEVER
        # gt and lte round a bound up, gte and lt down (range query, date math rounding)
        edge = bounds[1] if op in (">", "<=") else bounds[0]
        return lambda value: _ordered(_indexed(value, "date"), edge, order)
    if family == "ip":
        wanted = es_types.ip_bytes(str(bound))
        if wanted is None:
            return _NEVER
        return lambda value: _ordered(_indexed(value, "ip"), wanted, order)
    if es_type == "version":
        version = es_types.Version(str(bound))
        return lambda value: _ordered(_indexed(value, "version"), version, order)
    if family == "text":
        text_bound = _text(bound)
        return lambda value: any(order(_cmp(word, text_bound)) for word in _words_of(value))
    if family == "keyword":
        text_bound = _text(bound)
        return lambda value: _ordered(_indexed(value, es_type), text_bound, order)
    return None


# --- conditions that can never hold --------------------------------------------------------


def never_matches(es_type: str | None, kind: Kind, pattern: str) -> str | None:
    """Why `field:pattern` matches no value a field of `es_type` can hold, although
    Elasticsearch runs the query; None when some value matches (or Elasticsearch rejects
    the query, which the type checks RO353 and RO354 report):

    - on a text field, a wildcard term is matched against single words: a term with a
      character no word keeps (`*Invoke-Mimikatz*`: `-`) matches none, and a value without
      a word (`"--"`) matches nothing;
    - on an integer field, a number with a fraction matches nothing (NumberFieldMapper's
      term query on a decimal is a match-no-docs query)."""
    family = es_types.family(es_type)
    if family == "text":
        if kind == "wildcard":
            terms = [t for t in _WHITESPACE.split(pattern.strip()) if t]
            outside = [_outside_words(t) for t in terms]
            if terms and all(outside):
                chars = sorted({c for found in outside for c in found})
                listed = ", ".join(_quoted(c) for c in chars)
                return (
                    f"a wildcard on a {es_type} field is matched against single words, and no "
                    f"word Elasticsearch indexes holds {listed}"
                )
        elif not es_types.analyze(pattern):
            return f"it holds no word, and Elasticsearch matches a {es_type} field by its words"
    if family == "integer" and kind != "wildcard":
        number = es_types.number_of(pattern)
        if isinstance(number, float) and not number.is_integer():
            return f"a {es_type} field holds whole numbers only"
    return None


def _outside_words(term: str) -> str:
    """The characters of a query_string term that no single word holds ("" when a word
    may match the term)."""
    if "*" not in term:
        return "" if es_types.analyze(term) else term
    return "".join(dict.fromkeys(c for c in term.lower() if c != "*" and not es_types.in_a_word(c)))


# --- in words, for explanations ------------------------------------------------------------


def match_expectation(es_type: str | None, kind: Kind, pattern: str) -> str | None:
    """What `field:pattern` asks of a value of a field of `es_type`, as an explanation says
    it; None where the plain wording (a value matching the pattern, case-sensitively) holds:
    keyword fields, and types this module does not know."""
    family = es_types.family(es_type)
    if family == "text":
        if kind == "wildcard":
            terms = [t.lower() for t in _WHITESPACE.split(pattern.strip()) if t]
            shown = " or ".join(_quoted(t) for t in terms)
            return f"a word matching {shown} (a wildcard is lower-cased and matched word by word)"
        words = es_types.analyze(pattern)
        if not words:
            return f"a word, but {_quoted(pattern)} holds none"
        if kind == "phrase" and len(words) > 1:
            return f"the words {', '.join(words)} one after the other"
        return f"the word {words[0]}" if len(words) == 1 else f"a word among {', '.join(words)}"
    if kind == "wildcard" or family in (None, "keyword", "version"):
        return None
    if family in ("integer", "float"):
        number = es_types.number_of(pattern)
        if number is None:
            return f"a number, but {_quoted(pattern)} is none"
        if family == "integer" and isinstance(number, float) and not number.is_integer():
            return f"a whole number, but {_quoted(pattern)} has a fraction (no {es_type} holds it)"
        return f"the number {int(number) if family == 'integer' else number}"
    if family == "date":
        bounds = es_types.date_bounds(pattern)
        if bounds is None:
            return f"a date, but {_quoted(pattern)} is none Elasticsearch reads"
        low, high = (es_types.format_date_millis(b) for b in bounds)
        return f"the date {low}" if low == high else f"a date from {low} to {high}"
    if family == "ip":
        network = es_types.parse_network(pattern)
        if network is None:
            return f"an IP address, but {_quoted(pattern)} is none"
        if network.num_addresses == 1:
            return f"the address {network.network_address}"
        return f"an address in {network}"
    return f"{pattern}" if pattern in ("true", "false") else f"true or false, not {pattern}"


def range_expectation(es_type: str | None, op: str, bound: Any) -> str | None:
    """What `field op bound` asks of a value of a field of `es_type`, in words; None where
    the plain wording holds (keyword fields, unknown types)."""
    family = es_types.family(es_type)
    words = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}[op]
    if family in ("integer", "float"):
        number = es_types.number_of(bound)
        return f"a number {words} {number}" if number is not None else f"a number, not {bound!r}"
    if family == "date":
        bounds = es_types.date_bounds(str(bound)) if not isinstance(bound, bool) else None
        if bounds is None:
            return f"a date, but {_quoted(str(bound))} is none Elasticsearch reads"
        edge = bounds[1] if op in (">", "<=") else bounds[0]
        return f"a date {words} {es_types.format_date_millis(edge)}"
    if family == "ip":
        return f"an address {words} {bound}"
    if family == "text":
        return f"a word {words} {_quoted(_text(bound))}"
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- text ---------------------------------------------------------------------------------


def _words_of(value: Any) -> tuple[str, ...]:
    text = es_types.indexed_value(value, "text")
    return es_types.analyze(text) if isinstance(text, str) else ()


def _words(pattern: str) -> Test:
    """`match`: the value holds any word of the pattern (no word: nothing matches)."""
    wanted = frozenset(es_types.analyze(pattern))
    if not wanted:
        return _NEVER
    return lambda value: not wanted.isdisjoint(_words_of(value))


def _phrase(pattern: str) -> Test:
    """`match_phrase`: the pattern's words appear in the value one after the other (each
    value of a multi-valued field on its own: the gap between values breaks a phrase)."""
    wanted = es_types.analyze(pattern)
    if not wanted:
        return _NEVER
    size = len(wanted)

    def test(value: Any) -> bool:
        words = _words_of(value)
        return any(words[i : i + size] == wanted for i in range(len(words) - size + 1))

    return test


# --- query_string on one field --------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def _wildcard(es_type: str, family: str, pattern: str, *, split_keyword: bool) -> Test:
    """A KQL wildcard value: a `wildcard` query on a keyword field, otherwise
    `query_string` (is.ts), whose terms are separated by whitespace, any of them matching
    (free text is one `query_string` over every field, keyword fields included)."""
    if es_type == "keyword" and not split_keyword:
        whole = compile_wildcard(pattern, question_mark=False)
        return lambda value: _matches_string(value, es_type, whole)
    if family in ("integer", "float", "date", "ip", "boolean"):
        return _NEVER  # Elasticsearch rejects a wildcard on this type (see RO354)
    terms = [term for term in _WHITESPACE.split(pattern.strip()) if term]
    if family == "text":
        tests = [_word_term(term) for term in terms]
        return lambda value: _any_word(value, tests)
    exact = [
        compile_wildcard(term, question_mark=False) if "*" in term else term.__eq__
        for term in terms
    ]
    return lambda value: any(_matches_string(value, es_type, test) for test in exact)


def _word_term(term: str) -> Callable[[tuple[str, ...]], bool]:
    """One query_string term on a text field: with a wildcard, lower-cased (the field's
    normalizer) and matched against single words; without, analysed into words, any."""
    if "*" in term:
        test = compile_wildcard(term.lower(), question_mark=False)
        return lambda words: any(test(word) for word in words)
    wanted = frozenset(es_types.analyze(term))
    return lambda words: not wanted.isdisjoint(words)


def _any_word(value: Any, tests: list[Callable[[tuple[str, ...]], bool]]) -> bool:
    words = _words_of(value)
    return any(test(words) for test in tests)


def _matches_string(value: Any, es_type: str, test: Callable[[str], bool]) -> bool:
    if value.__class__ is str:
        return test(value)
    text = _indexed(value, es_type)
    return isinstance(text, str) and test(text)


# --- numbers, orders ----------------------------------------------------------------------


def _number_equal(es_type: str, family: str, pattern: str) -> Test:
    """`match` on a numeric field: the query value parsed as a number of the field's type
    (NumberFieldMapper: `070` is 70; a decimal on an integer field matches nothing)."""
    number = es_types.number_of(pattern)
    if number is None:
        return _NEVER  # Elasticsearch rejects the query (see RO353)
    if family == "integer":
        if isinstance(number, float) and not number.is_integer():
            return _NEVER
        number = int(number)
    else:
        number = es_types.indexed_value(number, es_type)
    return lambda value: _indexed(value, es_type) == number


def _indexed(value: Any, es_type: str) -> Any:
    return es_types.indexed_value(value, es_type)


def _between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and low <= value <= high


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _ordered(value: Any, bound: Any, order: Callable[[int], bool]) -> bool:
    if value is None or (
        type(value) is not type(bound)
        and not (isinstance(value, int | float) and isinstance(bound, int | float))
    ):
        return False
    return order(_cmp(value, bound))


_ORDER: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}
