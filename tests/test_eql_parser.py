"""The EQL parser: each construct of Elasticsearch's EQL → the expected AST; each rejection."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.cli import main
from ruleops.eql.ast import Clause, EventQuery, Pipe, Query, Sample, Sequence
from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.query.ast import (
    NO_SPAN,
    And,
    Arithmetic,
    Call,
    Compare,
    Field,
    InSet,
    Literal,
    Match,
    Negate,
    Not,
    Or,
    Span,
)
from tests.time_bound import deadline


def unspanned(node):
    """The node with every span reset, so that tests can state structure alone."""
    if isinstance(node, tuple):
        return tuple(unspanned(item) for item in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, Span):
        return node
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        changes[field.name] = NO_SPAN if isinstance(value, Span) else unspanned(value)
    return dataclasses.replace(node, **changes)


def condition(text: str):
    return unspanned(parse_eql(f"any where {text}").body.condition)


def rejected(text: str) -> EqlSyntaxError:
    with pytest.raises(EqlSyntaxError) as caught:
        parse_eql(text)
    return caught.value


def f(name: str, optional: bool = False) -> Field:
    return Field(tuple(name.split(".")), optional=optional)


def lit(value) -> Literal:
    return Literal(value)


# ---------------------------------------------------------------- event queries


def test_event_query_has_category_and_condition():
    query = unspanned(parse_eql('process where process.name == "cmd.exe"'))
    assert query == Query(EventQuery("process", Compare("==", f("process.name"), lit("cmd.exe"))))


def test_any_category_is_none():
    assert parse_eql("any where true").body.category is None


def test_a_backquoted_category_is_rejected():
    # ExpressionTests.testIdentifierForEventTypeDisallowed: "no viable alternative at input
    # '`identifier`'"; a category is a name or a string
    error = rejected("`my-cat` where true")
    assert '"my-cat" where' in error.hint and error.column == 1


def test_quoted_category_is_unquoted():
    assert parse_eql('"my-cat" where true').body.category == "my-cat"
    assert parse_eql('"""my cat""" where true').body.category == "my cat"


def test_where_true_and_false_are_boolean_literals():
    assert condition("true") == lit(True)
    assert condition("false") == lit(False)


def test_bare_field_is_a_condition():
    assert condition("?inexistent_field") == f("inexistent_field", optional=True)


# ---------------------------------------------------------------- operators


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    assert condition(f"a {op} 1") == Compare(op, f("a"), lit(1))


def test_colon_is_a_case_insensitive_wildcard_match():
    assert condition('a : "x*"') == Match(f("a"), ("x*",), "wildcard", True)


def test_colon_takes_a_list_of_patterns():
    assert condition('a : ("x*", "y")') == Match(f("a"), ("x*", "y"), "wildcard", True)


def test_like_is_case_sensitive_and_like_tilde_is_not():
    assert condition('a like "x*"') == Match(f("a"), ("x*",), "wildcard", False)
    assert condition('a like~ ("x*", "y?")') == Match(f("a"), ("x*", "y?"), "wildcard", True)


def test_regex_and_regex_tilde():
    assert condition('a regex ".*"') == Match(f("a"), (".*",), "regex", False)
    assert condition('a regex~ (".*", "b")') == Match(f("a"), (".*", "b"), "regex", True)


def test_in_and_in_tilde_lower_to_inset():
    assert condition('a in ("x", 1)') == InSet(f("a"), (lit("x"), lit(1)), False)
    assert condition('a in~ ("x")') == InSet(f("a"), (lit("x"),), True)


def test_not_in_lowers_to_not_of_inset():
    assert condition('a not in ("x", "y")') == Not(InSet(f("a"), (lit("x"), lit("y"))))
    assert condition('a not in~ ("x")') == Not(InSet(f("a"), (lit("x"),), True))


def test_and_binds_tighter_than_or():
    assert condition("a or b and c") == Or((f("a"), And((f("b"), f("c")))))


def test_chains_of_and_are_flattened():
    assert condition("a and b and c") == And((f("a"), f("b"), f("c")))


def test_parentheses_group():
    assert condition("(a or b) and c") == And((Or((f("a"), f("b"))), f("c")))


def test_not_binds_tighter_than_and():
    assert condition("not a and b") == And((Not(f("a")), f("b")))


def test_not_applies_to_a_whole_comparison():
    assert condition("not a == 1") == Not(Compare("==", f("a"), lit(1)))


# ---------------------------------------------------------------- arithmetic


def test_arithmetic_precedence():
    assert condition("a + b * 2 == 3") == Compare(
        "==", Arithmetic("+", f("a"), Arithmetic("*", f("b"), lit(2))), lit(3)
    )


def test_arithmetic_is_left_associative():
    assert condition("a - b - c == 0").left == Arithmetic(
        "-", Arithmetic("-", f("a"), f("b")), f("c")
    )


@pytest.mark.parametrize("op", ["/", "%"])
def test_division_and_remainder(op):
    assert condition(f"a {op} 2 == 1").left == Arithmetic(op, f("a"), lit(2))


def test_negative_number_literal_is_folded():
    assert condition("a == -1") == Compare("==", f("a"), lit(-1))


def test_unary_minus_on_a_field_is_negate():
    assert condition("-a == 1").left == Negate(f("a"))


# ---------------------------------------------------------------- functions


def test_function_names_are_lower_cased():
    assert condition('startsWith(a, "x")') == Call("startswith", (f("a"), lit("x")))
    assert condition('CONCAT(a, "")') == Call("concat", (f("a"), lit("")))


def test_tilde_function_is_case_insensitive():
    assert condition('endsWith~(a, "x")') == Call("endswith", (f("a"), lit("x")), True)


def test_function_without_arguments_parses():
    assert condition("f() == 1").left == Call("f", ())


@pytest.mark.parametrize(
    "call",
    [
        "add(1, 2)",
        'between(a, "x", "y", true)',
        'cidrMatch(ip, "10.0.0.0/8", "192.168.0.0/16")',
        'concat(a, "-", 1)',
        "divide(a, 2)",
        'endsWith(a, "x")',
        'indexOf(a, "x", 2)',
        "length(a)",
        "modulo(a, 2)",
        "multiply(a, 2)",
        "number(a, 16)",
        'startsWith(a, "x")',
        "string(a)",
        'stringContains(a, "x")',
        "substring(a, 1, -1)",
        "subtract(a, 1)",
        'between~(a, "x", "y")',
        'indexOf~(a, "x")',
        'startsWith~(a, "x")',
        'stringContains~(a, "x")',
    ],
)
def test_every_function_parses(call):
    assert isinstance(condition(f"{call} != null").left, Call)


# ---------------------------------------------------------------- literals


def test_string_escapes_are_decoded():
    assert condition(r'a == "t\tn\nr\rq\"b\\"').right == lit('t\tn\nr\rq"b\\')


def test_unknown_escape_is_kept_as_written():
    assert condition(r'a == "C:\Windows\w"').right == lit(r"C:\Windows\w")


def test_unicode_escape():
    assert condition(r'a == "\u{2E}x\u{1F600}"').right == lit(".x\U0001f600")


def test_raw_string_keeps_backslashes_and_quotes():
    assert condition(r'a == """C:\temp "x".exe"""').right == lit(r'C:\temp "x".exe')


def test_raw_string_may_end_with_quotes():
    assert condition('a == """say "hi""""').right == lit('say "hi"')


def test_numbers():
    assert condition("a == 42").right == lit(42)
    assert condition("a == 4.5").right == lit(4.5)
    assert condition("a == .5").right == lit(0.5)
    assert condition("a == 1e3").right == lit(1000.0)


def test_null_literal():
    assert condition("a == null").right == lit(None)


# ---------------------------------------------------------------- fields


def test_dotted_field_is_split():
    assert condition("process.parent.name").path == ("process", "parent", "name")


def test_at_sign_fields():
    assert condition("@timestamp > 0").left == f("@timestamp")


def test_backquoted_field():
    assert condition("`my-field` == 1").left == Field(("my-field",))


def test_doubled_backquote_escapes_a_backquote():
    assert condition("`a``b` == 1").left == Field(("a`b",))


def test_backquoted_segment_in_a_dotted_path():
    assert condition("a.`0`.b == 1").left == Field(("a", "0", "b"))


def test_backquoted_keyword_field():
    assert condition("`sequence` == 1").left == Field(("sequence",))


def test_optional_field():
    assert condition("?a.b == null").left == f("a.b", optional=True)


# ---------------------------------------------------------------- comments


def test_line_and_block_comments_are_ignored():
    query = "process where /* block\ncomment */ a == 1 // trailing\n and b == 2"
    assert condition(query.removeprefix("process where ")) == And(
        (Compare("==", f("a"), lit(1)), Compare("==", f("b"), lit(2)))
    )


# ---------------------------------------------------------------- sequences and samples


def test_sequence_with_shared_and_clause_keys_maxspan_runs_until():
    query = unspanned(
        parse_eql(
            "sequence by host.id with maxspan=5m\n"
            "  [process where true] by user.name with runs=3\n"
            "  ![file where false]\n"
            "until [network where true] by user.name\n"
            "| head 2 | tail 1"
        )
    )
    assert query == Query(
        Sequence(
            clauses=(
                Clause(EventQuery("process", lit(True)), (f("user.name"),), runs=3),
                Clause(EventQuery("file", lit(False)), missing=True),
            ),
            keys=(f("host.id"),),
            maxspan_ms=300_000,
            maxspan_text="5m",
            until=Clause(EventQuery("network", lit(True)), (f("user.name"),)),
        ),
        (Pipe("head", 2), Pipe("tail", 1)),
    )


@pytest.mark.parametrize(
    ("text", "ms"),
    [("10ms", 10), ("2s", 2000), ("3m", 180_000), ("1h", 3_600_000), ("1d", 86_400_000)],
)
def test_maxspan_units(text, ms):
    query = parse_eql(f"sequence with maxspan={text} [a where true] [b where true]")
    assert (query.body.maxspan_ms, query.body.maxspan_text) == (ms, text)


def test_maxspan_without_unit_parses_with_no_milliseconds():
    body = parse_eql("sequence with maxspan=5 [a where true] [b where true]").body
    assert (body.maxspan_ms, body.maxspan_text) == (None, "5")


def test_single_clause_with_runs_is_a_sequence():
    body = parse_eql("sequence by a [x where true] with runs=5").body
    assert len(body.clauses) == 1 and body.clauses[0].runs == 5


def test_sample_by_keys():
    query = unspanned(parse_eql("sample by h [a where true] by x [b where true] by y"))
    assert query.body == Sample(
        (
            Clause(EventQuery("a", lit(True)), (f("x"),)),
            Clause(EventQuery("b", lit(True)), (f("y"),)),
        ),
        (f("h"),),
    )


def test_missing_event_clause_may_come_first():
    body = parse_eql("sequence with maxspan=1m ![a where true] [b where true]").body
    assert [c.missing for c in body.clauses] == [True, False]


# ---------------------------------------------------------------- spans


def test_spans_point_into_the_query_text():
    text = 'process where process.name : "cmd*" and x == 1'
    cond = parse_eql(text).body.condition
    first = cond.operands[0]
    assert text[first.span.start : first.span.end] == 'process.name : "cmd*"'
    assert text[first.value.span.start : first.value.span.end] == "process.name"


def test_clause_span_covers_brackets_keys_and_runs():
    text = "sequence [a where true] by x with runs=2 [b where true]"
    clause = parse_eql(text).body.clauses[0]
    assert text[clause.span.start : clause.span.end] == "[a where true] by x with runs=2"
    assert text[clause.runs_span.start : clause.runs_span.end] == "with runs=2"


def test_not_span_starts_at_the_keyword():
    text = "any where not a"
    cond = parse_eql(text).body.condition
    assert text[cond.span.start : cond.span.end] == "not a"


def test_not_span_covers_the_closing_parenthesis_of_its_group():
    text = "any where x == 1 and not (a == 1 or b == 2) and y == 2"
    negation = parse_eql(text).body.condition.operands[1]
    assert text[negation.span.start : negation.span.end] == "not (a == 1 or b == 2)"


def test_parenthesised_condition_span_includes_its_parentheses():
    text = "any where (a == 1 or b == 2) and c == 3"
    group = parse_eql(text).body.condition.operands[0]
    assert text[group.span.start : group.span.end] == "(a == 1 or b == 2)"


# ---------------------------------------------------------------- caching


def test_results_are_memoised():
    text = 'process where a == "memo"'
    assert parse_eql(text) is parse_eql(text)


# ---------------------------------------------------------------- rejections


def test_error_says_what_was_expected_and_where():
    error = rejected("process where a == 1 b")
    assert (error.line, error.column, error.offset) == (1, 22, 21)
    assert "unexpected `b`" in error.message
    assert "`and`" in error.message and "`or`" in error.message
    assert "end of the query" in error.message


def test_error_line_and_column_are_within_the_query():
    error = rejected("process where\n  a == 1 and\n  b ==")
    assert (error.line, error.column) == (3, 7)
    assert "ends too early" in error.message


def test_excerpt_shows_the_line_and_a_caret():
    error = rejected("process where a == 1 b")
    assert error.excerpt() == "process where a == 1 b\n                     ^"


def test_single_equals_says_use_double_equals():
    error = rejected("process where a = 1")
    assert "`==`" in error.message and error.code == "RO301" and error.column == 17


def test_single_quotes_say_use_double_quotes():
    error = rejected("process where a == 'x'")
    assert "double quotes" in error.message and error.code == "RO301"


def test_unterminated_string():
    error = rejected('process where a == "abc\n and b')
    assert "unterminated string" in error.message and error.column == 20


def test_unterminated_raw_string():
    assert "unterminated raw string" in rejected('process where a == """abc').message


def test_question_mark_raw_string_is_rejected_as_endgame():
    # Elasticsearch's grammar reads `?"…"` as the old raw string and rejects it ("Use triple
    # double quotes"); `?` now only marks optional fields.
    error = rejected('process where a == ?"C:\\x"')
    assert error.code == "RO301" and '"""' in error.hint


def test_upper_case_keyword():
    error = rejected("process where a == 1 AND b == 2")
    assert "lower-case" in error.message and error.hint == "write `and`"


def test_chained_comparison():
    assert "cannot be chained" in rejected("process where 1 < a < 3").message


def test_array_indexing_is_endgame():
    error = rejected("process where a[0] == 1")
    assert error.code == "RO301" and "array indexing" in error.message


@pytest.mark.parametrize("lineage", ["descendant", "child", "event"])
def test_lineage_is_endgame(lineage):
    error = rejected(f'process where {lineage} of [process where name == "x"]')
    assert error.code == "RO301" and f"`{lineage} of`" in error.message


@pytest.mark.parametrize("pipe", ["unique a", "count", "filter a == 1", "sort a", "unique_count a"])
def test_endgame_pipes_are_named(pipe):
    error = rejected(f"process where true | {pipe}")
    assert error.code == "RO301" and "Endgame" in error.message


def test_unknown_pipe():
    assert "unknown pipe" in rejected("process where true | limit 3").message


@pytest.mark.parametrize("pipe", ["head 1 + 1", "head 4 / 2", "tail add(1, 1)", "head (2)"])
def test_head_and_tail_take_a_constant_integer_expression(pipe):
    # LogicalPlanBuilder.pipeIntArgument: any foldable integer expression, at least 0
    assert parse_eql(f"process where true | {pipe}").pipes[0].count == 2


def test_head_zero_is_accepted():
    # pipeIntArgument rejects only a negative count
    assert parse_eql("process where true | head 0").pipes[0].count == 0


def test_a_literal_may_stand_left_of_in():
    # EqlBase.g4: `primaryExpression predicate?`, any expression before `in`
    assert condition("1 in (process.pid, 2)") == InSet(lit(1), (f("process.pid"), lit(2)))


@pytest.mark.parametrize(
    "pipe", ["head", "tail -1", "head 1.5", "head a", "head 1, 2", "head 1 + 0.5"]
)
def test_head_and_tail_need_a_constant_whole_number(pipe):
    assert "positive whole number" in rejected(f"process where true | {pipe}").message


def test_join_is_endgame():
    error = rejected("join by a [x where true] [y where true]")
    assert error.code == "RO301" and error.column == 1


def test_fork_is_endgame():
    assert rejected("sequence [a where true] fork [b where true]").code == "RO301"


def test_expression_join_key_is_endgame():
    assert rejected("sequence by a * 2 [x where true] [y where true]").code == "RO301"


def test_by_after_maxspan_is_rejected():
    error = rejected("sequence with maxspan=1m by a [x where true] [y where true]")
    assert "before" in error.message


def test_sequence_needs_two_clauses():
    assert "at least two" in rejected("sequence [a where true]").message


def test_sequence_of_only_missing_events_is_rejected():
    error = rejected("sequence with maxspan=1m ![a where true] ![b where true]")
    assert "missing event" in error.message


def test_sample_with_maxspan_is_rejected_with_its_code():
    error = rejected("sample with maxspan=1m [a where true] [b where true]")
    assert error.code == "RO309"


def test_sample_with_until_is_rejected_with_its_code():
    assert rejected("sample [a where true] [b where true] until [c where true]").code == "RO309"


def test_unknown_clause_option():
    assert "runs" in rejected("sequence [a where true] with count=2 [b where true]").message


def test_bad_unicode_escape():
    assert "2 to 8 hex digits" in rejected(r'any where a == "\u{1}"').message


def test_surrogate_unicode_escape():
    assert "not a valid unicode" in rejected(r'any where a == "\u{D800}"').message


@pytest.mark.parametrize("code", ["FFFFFFFa", "10000000", "110000"])
def test_a_code_point_beyond_unicode_is_a_located_error(code):
    # ExpressionTests.testUnicodeWithInvalidUnicodePoints: "Invalid unicode character code"
    error = rejected(f'any where a == "\\u{{{code}}}"')
    assert "not a valid unicode" in error.message and error.column == 17


def test_a_braceless_unicode_escape_is_rejected():
    # ExpressionTests.testUnicodeWithWrongCurlyBraces: `"\uad12"` is a token recognition
    # error in Elasticsearch; only `\u{…}` exists
    error = rejected(r'any where a == "\uad12"')
    assert "\\u{" in error.message and error.column == 17


def test_an_unknown_escape_is_kept_as_written():
    # AbstractBuilder.unquoteString passes unknown escapes through (`\w`)
    assert condition(r'a == "\w"').right == lit("\\w")


def test_pattern_must_be_a_string():
    assert "a string" in rejected("any where a : b").message


def test_ampersands_say_use_and():
    assert "use `and`" in rejected("any where a && b").message


def test_empty_query():
    assert "ends too early" in rejected("   ").message


# ---------------------------------------------------------------- lists of strings


def test_string_list_items_have_their_own_spans():
    text = 'any where a in ("x",  """y""" , "z\\tw")'
    options = parse_eql(text).body.condition.options
    assert [o.value for o in options] == ["x", "y", "z\tw"]
    assert [text[o.span.start : o.span.end] for o in options] == ['"x"', '"""y"""', '"z\\tw"']


def test_comments_inside_a_list_are_skipped_even_with_quotes():
    text = 'any where a : ("x", /* "not an item" */ "y" // "nor this"\n)'
    assert parse_eql(text).body.condition.patterns == ("x", "y")


def test_a_comment_in_a_list_does_not_swallow_the_query_after_the_list():
    text = 'any where a in ("x", /* one */ "y") or b == "evil" or c : (/* two */ "z")'
    assert isinstance(parse_eql(text).body.condition, Or)


def test_a_trailing_comma_after_a_comment_in_a_list_is_an_error_at_the_parenthesis():
    text = 'any where a in ("x", /* one */) or b == "evil" or c : (/* two */ "z")'
    with pytest.raises(EqlSyntaxError) as error:
        parse_eql(text)
    assert error.value.offset == text.index(")")


def test_a_raw_string_in_a_list_ends_at_its_own_quotes():
    text = 'any where a in ("""x""") or b : ("""y""")'
    assert isinstance(parse_eql(text).body.condition, Or)


@pytest.mark.parametrize(
    "item",
    ['/* {i} */ "v{i}"', '"""v{i}""" /* {i} */', '// {i}\n "v{i}"', '"v{i}" // {i} //\n'],
)
def test_a_long_list_that_fails_to_lex_as_one_token_is_rejected_quickly(item):
    """The list terminal cannot backtrack: 60 commented items with a trailing comma (2^60
    ways to split the comments before the fix) are rejected at once."""
    items = ", ".join(item.format(i=i) for i in range(60))
    with deadline(5), pytest.raises(EqlSyntaxError):
        parse_eql(f"any where a in ({items},)")


def test_list_of_strings_and_list_item_by_item_give_the_same_tree():
    strings_only = condition('a in ("x", "y")')
    with_number = condition('a in ("x", "y", 1)')
    assert with_number.options[:2] == strings_only.options


# ---------------------------------------------------------------- `ruleops parse`


def test_parse_command_prints_the_tree_as_json(capsys):
    assert main(["parse", 'process where process.name : "cmd*" | head 1']) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["node"] == "Query"
    assert tree["body"]["condition"] == {
        "node": "Match",
        "value": {
            "node": "Field",
            "path": ["process", "name"],
            "span": [14, 26],
            "optional": False,
            "verbatim": False,
        },
        "patterns": ["cmd*"],
        "kind": "wildcard",
        "case_insensitive": True,
        "span": [14, 35],
        "pattern_spans": [[29, 35]],
    }
    assert tree["pipes"] == [{"node": "Pipe", "kind": "head", "count": 1, "span": [36, 44]}]


def test_parse_command_reports_an_error_with_line_caret_and_exit_1(capsys):
    assert main(["parse", "process where\n  a = 1"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "query:2:5: RO301 error: `=` is Endgame EQL syntax; Elasticsearch compares with `==`",
        "      a = 1",
        "        ^",
        "    hint: write `==` (case-sensitive) or `:` (case-insensitive)",
    ]


def test_parse_command_reads_a_rule_file_and_reports_on_its_lines(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text("[rule]\nlanguage = \"eql\"\nquery = '''\nprocess where\n  a == \"x\" b\n'''\n")
    assert main(["parse", "--file", str(rule)]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"{rule}:5:12: RO300 error: unexpected `b`")


def test_parse_command_needs_a_query_or_a_file(capsys):
    assert main(["parse"]) == 2


def test_keyword_as_field_name_is_rejected_with_backquote_advice():
    error = rejected("process where sequence == 1")
    assert "keyword" in error.message and error.hint.endswith("`sequence`")


def test_keyword_as_category_is_rejected():
    assert "keyword" in rejected("sequence [until where true] [a where true]").message


def test_keyword_inside_a_dotted_field_name_is_allowed():
    assert condition("a.sequence == 1").left == f("a.sequence")


def test_filter_pipe_hint_says_move_the_condition():
    assert "`where`" in rejected("process where true | filter a == 1").hint


def test_expected_tokens_are_those_valid_at_that_point():
    error = rejected("process where (a == 1")
    assert error.message == (
        "the query ends too early; expected an arithmetic operator, `and`, `or` or `)`"
    )


def test_no_arithmetic_is_suggested_after_a_string():
    assert rejected('process where a in ("x" "y")').message.endswith("expected `)` or `,`")


# ---------------------------------------------------------------- robustness

EQL_CHARACTERS = "()[]\"'`?!=<>:~,.|*/+-%\\ \n\tabwhereinotsqucy019_@{}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=EQL_CHARACTERS, max_size=60))
def test_any_text_parses_or_fails_with_a_located_syntax_error(text):
    """Whatever the input, parse_eql returns a Query or raises EqlSyntaxError pointing
    inside the text, never another exception."""
    try:
        assert isinstance(parse_eql(text), Query)
    except EqlSyntaxError as error:
        assert 0 <= error.offset <= len(text)
        assert error.line >= 1 and error.column >= 1
        assert error.message


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        ['process where a == "x" and b in ("y", "z")', "sequence [a where true] [b where c]"]
    ),
    st.integers(min_value=0, max_value=60),
    st.text(alphabet=EQL_CHARACTERS, min_size=1, max_size=3),
)
def test_a_query_with_an_insertion_parses_or_fails_cleanly(query, position, insert):
    """Inserting characters anywhere into a valid query never crashes the parser."""
    text = query[:position] + insert + query[position:]
    try:
        parse_eql(text)
    except EqlSyntaxError as error:
        assert 0 <= error.offset <= len(text)


def test_a_missing_list_says_a_parenthesis_was_expected():
    assert rejected("process where a in").message.endswith("expected `(`")
    assert rejected("process where a like x").message.endswith("expected a string or `(`")


@pytest.mark.parametrize(
    "query", ["process where process.pid : 123", "process where process.pid : (123, 4)"]
)
def test_a_number_after_a_string_operator_points_to_equals(query):
    # Elasticsearch's verifier: "first argument of [:] must be [string] ... consider using [==]"
    error = rejected(query)
    assert error.message == "`:` compares strings, and `123` is a number"
    assert "`==`" in (error.hint or "")
