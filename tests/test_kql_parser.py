"""The KQL parser: Kibana's syntax, lowered into the shared condition form.

Each construct is shown with the condition it becomes; each rejection with the position
Kibana's grammar stops at and the hint a rule author gets.
"""

from __future__ import annotations

import time

import pytest

from ruleops.kql.parser import ALL_FIELDS, KqlSyntaxError, parse_kql
from ruleops.query.ast import And, Compare, Exists, Field, Literal, Match, Not, Or, Span
from tests.time_bound import deadline


def match(expr) -> Match:
    assert isinstance(expr, Match), expr
    return expr


def error(text: str) -> KqlSyntaxError:
    with pytest.raises(KqlSyntaxError) as caught:
        parse_kql(text)
    return caught.value


# ---------------------------------------------------------------------------- field:value


def test_unquoted_value_is_an_exact_term():
    m = match(parse_kql("process.name:cmd.exe"))
    assert (m.value.path, m.patterns, m.kind, m.case_insensitive) == (
        ("process", "name"),
        ("cmd.exe",),
        "term",
        False,
    )


def test_spaces_around_the_colon_are_allowed():
    assert match(parse_kql("event.action : creation")).patterns == ("creation",)


def test_unquoted_value_with_a_star_is_a_wildcard_pattern():
    m = match(parse_kql("file.path:/tmp/*.sh"))
    assert (m.patterns, m.kind) == (("/tmp/*.sh",), "wildcard")


def test_quoted_value_is_a_phrase():
    m = match(parse_kql('process.title:"a b c"'))
    assert (m.patterns, m.kind) == (("a b c",), "phrase")


def test_star_inside_quotes_is_not_a_wildcard():
    m = match(parse_kql('process.name:"python*"'))
    assert (m.patterns, m.kind) == (("python*",), "phrase")


def test_unquoted_value_may_contain_spaces():
    assert match(parse_kql("user_agent.original:S3 Browser x")).patterns == ("S3 Browser x",)


def test_unquoted_value_is_trimmed_before_a_keyword():
    expr = parse_kql("a:one two   or b:three")
    assert isinstance(expr, Or)
    assert match(expr.operands[0]).patterns == ("one two",)


def test_numbers_and_booleans_stay_text_patterns():
    assert match(parse_kql("http.response.status_code:405")).patterns == ("405",)
    assert match(parse_kql("dll.code_signature.trusted:true")).patterns == ("true",)


def test_value_spans_point_at_field_and_value():
    m = match(parse_kql("a.b:  xyz"))
    assert m.span == Span(0, 9)
    assert m.value.span == Span(0, 3)


# ---------------------------------------------------------------------------- escapes


def test_escaped_specials_are_literal_in_unquoted_values():
    m = match(parse_kql(r"file.path:C\:\\Windows\\\(x86\)\\a\"b\<\>\{\}"))
    assert m.patterns == ('C:\\Windows\\(x86)\\a"b<>{}',)
    assert m.kind == "term"


def test_escaped_backslash_then_star_keeps_the_wildcard():
    m = match(parse_kql(r"file.path:C\:\\Users\\*"))
    assert (m.patterns, m.kind) == (("C:\\Users\\*",), "wildcard")


def test_escaped_star_alone_is_a_literal_star():
    m = match(parse_kql(r"a:x\*y"))
    assert (m.patterns, m.kind) == (("x*y",), "term")


def test_escaped_star_next_to_a_wildcard_becomes_an_anchored_regex():
    m = match(parse_kql(r"a:x\*y*"))
    assert (m.patterns, m.kind) == ((r"x\*y.*",), "regex")


def test_escaped_whitespace_and_unicode_in_unquoted_values():
    assert match(parse_kql(r"a:x\ty\u0041")).patterns == ("x\tyA",)


def test_escaped_keywords_are_plain_words():
    expr = parse_kql(r"a:this \or that")
    assert match(expr).patterns == ("this or that",)


def test_quoted_escapes_are_quote_backslash_whitespace_and_unicode():
    m = match(parse_kql(r'a:"say \"hi\" \\ \n \u0041"'))
    assert m.patterns == ('say "hi" \\ \n A',)


def test_other_backslashes_in_quotes_are_kept():
    m = match(parse_kql(r'a:"C:\Program Files\WinRAR\uninstall.exe"'))
    assert m.patterns == (r"C:\Program Files\WinRAR\uninstall.exe",)


# ---------------------------------------------------------------------------- keywords


def test_and_binds_tighter_than_or():
    expr = parse_kql("a:1 or b:2 and c:3")
    assert isinstance(expr, Or)
    assert isinstance(expr.operands[1], And)


def test_not_binds_tighter_than_and():
    expr = parse_kql("not a:1 and b:2")
    assert isinstance(expr, And)
    assert isinstance(expr.operands[0], Not)


def test_parentheses_group():
    expr = parse_kql("(a:1 or b:2) and c:3")
    assert isinstance(expr, And)
    assert isinstance(expr.operands[0], Or)


def test_keywords_are_case_insensitive():
    expr = parse_kql("a:1 AND NOT b:2 Or c:3")
    assert isinstance(expr, Or)
    assert isinstance(expr.operands[0], And)
    assert isinstance(expr.operands[0].operands[1], Not)


def test_chains_of_one_operator_are_flat():
    expr = parse_kql("a:1 and (b:2 and c:3) and d:4")
    assert isinstance(expr, And)
    assert len(expr.operands) == 4


def test_words_that_contain_keywords_are_values():
    assert match(parse_kql("a:order")).patterns == ("order",)
    assert match(parse_kql("a:android")).patterns == ("android",)
    assert match(parse_kql("a:notepad.exe")).patterns == ("notepad.exe",)


def test_not_spans_from_the_keyword():
    expr = parse_kql("not a:b")
    assert isinstance(expr, Not)
    assert expr.span == Span(0, 7)


def test_not_span_covers_the_closing_parenthesis_of_its_group():
    text = "x:1 and not (a:1 or b:2) and y:2"
    expr = parse_kql(text).operands[1]
    assert text[expr.span.start : expr.span.end] == "not (a:1 or b:2)"


def test_parenthesised_group_span_includes_its_parentheses():
    text = "(a:1 or b:2) and c:3"
    group = parse_kql(text).operands[0]
    assert text[group.span.start : group.span.end] == "(a:1 or b:2)"


# ---------------------------------------------------------------------------- value lists


def test_ored_values_become_one_match_with_several_patterns():
    m = match(parse_kql("process.name:(cmd.exe or powershell.exe or pwsh.exe)"))
    assert m.patterns == ("cmd.exe", "powershell.exe", "pwsh.exe")
    assert m.span == Span(0, 52)


def test_ored_values_of_different_kinds_become_an_or_of_matches():
    expr = parse_kql('a:(x or "y z" or w* or v)')
    assert isinstance(expr, Or)
    assert [(m.kind, m.patterns) for m in expr.operands] == [
        ("term", ("x", "v")),
        ("phrase", ("y z",)),
        ("wildcard", ("w*",)),
    ]


def test_anded_and_negated_values_apply_to_the_same_field():
    expr = parse_kql("http.request.method:(* and not (GET or HEAD))")
    assert isinstance(expr, And)
    exists, negated = expr.operands
    assert exists == Exists(Field(("http", "request", "method"), Span(0, 19)), Span(21, 22))
    assert isinstance(negated, Not)
    assert match(negated.operand).patterns == ("GET", "HEAD")


def test_value_list_spans_lines():
    m = match(parse_kql("a:(\n  x or\n  y\n)"))
    assert m.patterns == ("x", "y")


# ---------------------------------------------------------------------------- exists, ranges


def test_star_value_is_exists():
    expr = parse_kql("process.args:*")
    assert expr == Exists(Field(("process", "args"), Span(0, 12)), Span(0, 14))


def test_quoted_star_is_a_literal_phrase_not_exists():
    assert match(parse_kql('verbs:"*"')).kind == "phrase"


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_range_operators_compare_a_field_with_a_number(op):
    expr = parse_kql(f"destination.port {op} 1024")
    assert isinstance(expr, Compare)
    assert (expr.op, expr.left.path, expr.right) == (
        op,
        ("destination", "port"),
        Literal(1024, Span(len(f"destination.port {op} "), len(f"destination.port {op} 1024"))),
    )


def test_range_bound_may_be_a_quoted_date_expression():
    expr = parse_kql('@timestamp >= "now-30d/d"')
    assert isinstance(expr, Compare)
    assert expr.right.value == "now-30d/d"


def test_range_bound_may_be_a_decimal_number():
    assert parse_kql("score > 2.5").right.value == 2.5


# ---------------------------------------------------------------------------- field names


def test_wildcard_in_a_field_name_keeps_the_star_segment():
    expr = parse_kql("file.hash.*:*")
    assert isinstance(expr, Exists)
    assert expr.field.path == ("file", "hash", "*")


def test_quoted_field_name():
    assert match(parse_kql('"process.name":cmd.exe')).value.path == ("process", "name")


def test_field_names_may_contain_slashes_and_dashes():
    m = match(parse_kql("kubernetes.audit.annotations.authorization_k8s_io/decision:allow"))
    assert m.value.path[-1] == "authorization_k8s_io/decision"


def test_value_without_a_field_searches_all_fields():
    m = match(parse_kql("mimikatz"))
    assert m.value.path == ALL_FIELDS
    assert m.patterns == ("mimikatz",)


# ---------------------------------------------------------------------------- nested


def test_nested_query_prefixes_its_fields():
    expr = parse_kql('bindings:{ action:"ADD" and role:(owner or editor) }')
    assert isinstance(expr, And)
    assert [m.value.path for m in expr.operands] == [("bindings", "action"), ("bindings", "role")]
    assert expr.operands[1].patterns == ("owner", "editor")


def test_nested_query_is_an_and_marked_with_its_nested_path():
    text = "x:1 and bindings:{ action:ADD }"
    nested = parse_kql(text).operands[1]
    assert isinstance(nested, And) and nested.nested == ("bindings",)
    assert match(nested.operands[0]).value.path == ("bindings", "action")
    assert text[nested.span.start : nested.span.end] == "bindings:{ action:ADD }"


def test_nested_query_is_not_flattened_into_the_and_around_it():
    expr = parse_kql("x:1 and b:{ c:1 and d:2 } and y:2")
    assert isinstance(expr, And) and len(expr.operands) == 3
    assert expr.operands[1].nested == ("b",) and len(expr.operands[1].operands) == 2


def test_plain_and_has_no_nested_path():
    assert parse_kql("a:1 and b:2").nested == ()


def test_nested_queries_nest():
    outer = parse_kql("a:{ b:{ c:1 } }")
    assert outer.nested == ("a",)
    inner = outer.operands[0]
    assert inner.nested == ("a", "b")
    assert match(inner.operands[0]).value.path == ("a", "b", "c")


# ---------------------------------------------------------------------------- whole queries


def test_empty_query_matches_everything():
    assert parse_kql("  \n ") == Literal(True)


def test_leading_and_trailing_whitespace_is_ignored():
    assert match(parse_kql("\n  a:b  \n")).patterns == ("b",)


def test_results_are_memoised():
    assert parse_kql("a:b and c:d") is parse_kql("a:b and c:d")


def _best_parse_time(text: str) -> float:
    uncached = parse_kql.__wrapped__
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        uncached(text)
        runs.append(time.perf_counter() - start)
    return min(runs)


def test_long_runs_of_whitespace_in_a_value_parse_in_linear_time():
    # Eight times the whitespace may cost at most about three times eight as long: a lexer
    # that looks ahead over the rest of the run at each character grows 64-fold.
    def query(n: int) -> str:
        return "a:b" + " \t\u00a0" * n + "c or d:e" + " " * n + "or f:g"

    with deadline(30):
        small, large = _best_parse_time(query(1_500)), _best_parse_time(query(12_000))
    assert large / small < 24


# ---------------------------------------------------------------------------- rejections


def test_or_without_a_space_before_a_parenthesis_is_rejected():
    e = error("a:b or(c:d)")
    assert (e.offset, e.line, e.column) == (6, 1, 7)
    assert "space" in e.hint


def test_eql_equality_is_rejected_with_a_hint():
    e = error('process.name == "cmd.exe"')
    assert e.offset == 16
    assert "field:value" in e.hint


def test_unescaped_colon_in_a_value_is_rejected():
    e = error("file.path:C:\\\\Windows")
    assert e.offset == 11
    assert "\\:" in e.hint


def test_missing_operator_between_conditions_is_rejected():
    e = error("a:b c:d")
    assert e.offset == 5
    assert "`and` or `or`" in e.hint


def test_unknown_escape_in_an_unquoted_value_is_rejected():
    e = error(r"file.path:C\Windows")
    assert e.offset == 11
    assert "\\\\" in e.hint


def test_unclosed_quote_points_at_the_opening_quote():
    e = error('a:"abc and b:c')
    assert (e.offset, e.column) == (2, 3)
    assert "never closed" in e.message


def test_unclosed_parenthesis_points_at_it():
    e = error("a:b and (c:d or\n e:f")
    assert (e.offset, e.line, e.column) == (8, 1, 9)
    assert "`)`" in e.hint


def test_unclosed_value_list_points_at_it():
    e = error("a:(b or c")
    assert e.offset == 2


def test_unclosed_nested_query_points_at_the_brace():
    e = error("a:{ b:c ")
    assert e.offset == 2
    assert "`}`" in e.hint


def test_stray_closing_parenthesis_is_rejected():
    e = error("a:b)")
    assert e.offset == 3
    assert "closes nothing" in e.message


def test_double_not_is_rejected_as_in_kibana():
    e = error("not not a:b")
    assert e.offset == 4


def test_not_after_a_condition_needs_and_or_or():
    e = error("a:b not c:d")
    assert e.offset == 4
    assert "and not" in e.hint


def test_dangling_operator_at_the_end_is_rejected():
    e = error("a:b and ")
    assert (e.offset, e.end_offset) == (4, 7)
    assert "ends after `and`" in e.message


def test_a_star_in_a_range_bound_parses_as_a_character_of_the_bound():
    # Kibana's grammar accepts it and range.ts sends the bound as written; the semantic
    # check RO410 says what Elasticsearch makes of it
    compare = parse_kql("a >= 1*")
    assert isinstance(compare, Compare) and compare.right.value == "1*"


def test_a_wildcard_nested_path_parses():
    # Kibana accepts it; Elasticsearch rejects the nested query (RO408)
    assert parse_kql("a.*:{ b:c }").nested == ("a", "*")


def test_a_quoted_star_in_a_field_name_is_a_character_of_the_name():
    # a quoted field is a literal node in Kibana, not a wildcard node
    field = parse_kql('"a*b":c').value
    assert field.path == ("a*b",) and field.verbatim


def test_an_escaped_star_in_a_field_name_is_a_character_of_the_name():
    field = parse_kql("a\\*b:c").value
    assert field.path == ("a*b",) and field.verbatim


def test_positions_count_lines_and_columns_within_the_query():
    e = error("a:b and\n  c:d )")
    assert (e.line, e.column) == (2, 7)


def test_excerpt_shows_the_line_and_a_caret():
    e = error("a:b and\n  c:d )")
    assert e.excerpt() == "  c:d )\n      ^"


def test_keyword_inside_a_word_is_explained():
    e = error("a:cannot be")
    assert e.offset == 5
    assert "can\\not" in e.hint


def test_two_conditions_without_an_operator_after_a_list_are_rejected():
    e = error("a:(b or c) d:e")
    assert e.offset == 11
    assert "`and` or `or`" in e.hint


def test_double_ampersand_gets_a_hint():
    assert "`and`" in error("a:b && c:d").hint


def test_missing_field_before_colon_is_rejected():
    e = error(":b")
    assert e.offset == 0


def test_escape_letters_are_lower_case_but_escaped_keywords_any_case():
    assert error(r"a:x\T").offset == 3
    assert error(r"a:x\U0041").offset == 3
    assert match(parse_kql(r"a:\NOT")).patterns == ("NOT",)


def test_number_with_underscores_is_not_a_number_bound():
    assert parse_kql("a > 1_000").right.value == "1_000"
