"""ES|QL grammar and syntax tree: what each construct parses into."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruleops.esql import EsqlSyntaxError, ast, parse_esql
from ruleops.esql.parser import _parser


def command(text: str, index: int = 1):
    return parse_esql(text).commands[index]


def condition(text: str) -> ast.Expr:
    return command(f"FROM a | WHERE {text}").condition


def value(text: str) -> ast.Expr:
    return command(f"ROW x = {text}", 0).fields[0].value


def test_from_takes_patterns_clusters_selectors_and_metadata():
    source = parse_esql('FROM logs-*, remote:idx::failures, "q" METADATA _id, _index').source
    assert [(s.cluster, s.index, s.selector) for s in source.sources] == [
        (None, "logs-*", None),
        ("remote", "idx", "failures"),
        (None, "q", None),
    ]
    assert [c.name for c in source.metadata] == ["_id", "_index"]


def test_commands_and_keywords_are_case_insensitive():
    query = parse_esql("from a | Where x == 1 | KEEP x")
    assert [type(c) for c in query.commands] == [ast.From, ast.Where, ast.Keep]


def test_ts_is_a_time_series_source():
    assert parse_esql("TS metrics").source.time_series


def test_not_binds_tighter_than_and_and_and_than_or():
    tree = condition("not a == 1 and b or c")
    assert isinstance(tree, ast.Or)
    first = tree.operands[0]
    assert isinstance(first, ast.And) and isinstance(first.operands[0], ast.Not)


def test_multiplication_binds_tighter_than_addition():
    tree = value("1 + 2 * 3")
    assert isinstance(tree, ast.Arithmetic) and tree.op == "+"
    assert isinstance(tree.right, ast.Arithmetic) and tree.right.op == "*"


def test_in_and_not_in():
    tree = condition("a not in (1, 2)")
    assert isinstance(tree, ast.In) and tree.negated and len(tree.options) == 2


def test_is_not_null():
    tree = condition("a is not null")
    assert isinstance(tree, ast.IsNull) and tree.negated


def test_like_with_a_list_keeps_each_pattern_with_its_span():
    text = 'FROM a | WHERE b like ("x*", "y?")'
    tree = parse_esql(text).commands[1].condition
    assert isinstance(tree, ast.Like) and not tree.regex
    assert [text[p.span.start : p.span.end] for p in tree.patterns] == ['"x*"', '"y?"']


def test_not_rlike():
    tree = condition('b not rlike ".*x"')
    assert isinstance(tree, ast.Like) and tree.regex and tree.negated


def test_like_takes_a_constant_expression():
    tree = condition('b like concat("a", "*")')
    assert isinstance(tree.patterns[0], ast.Call)


def test_match_operator_with_a_cast():
    tree = condition('f::keyword : "text"')
    assert isinstance(tree, ast.Match) and tree.cast == "keyword" and tree.column.name == "f"


def test_cast_operator():
    tree = value('"1.2.3.4"::ip')
    assert isinstance(tree, ast.Cast) and tree.type == "ip"


def test_case_insensitive_equality():
    assert condition('a =~ "X"').op == "=~"


def test_time_spans_with_units_and_abbreviations():
    assert value("1 hour") == ast.TimeSpan(1, "hour", value("1 hour").span)
    assert value("7days").unit == "day"
    assert value("15 m").unit == "minute"
    assert value("2 weeks").type == "date_period"


def test_unknown_temporal_unit_is_a_syntax_error():
    with pytest.raises(EsqlSyntaxError, match="not a temporal unit"):
        parse_esql("ROW x = 3 parsecs")


def test_negative_numbers_are_literals():
    assert value("-5") == ast.Literal(-5, "integer", value("-5").span)


def test_integer_literal_types_follow_their_size():
    assert value("1").type == "integer"
    assert value("3000000000").type == "long"
    assert value("10000000000000000000").type == "unsigned_long"
    assert value("1.5").type == "double"


def test_list_literals():
    assert value("[1, 2.5]").value == (1.0, 2.5)
    assert value('["a", "b"]').type == "keyword"


def test_mixed_list_literal_is_refused():
    with pytest.raises(EsqlSyntaxError, match="one kind"):
        parse_esql('ROW x = [1, "a"]')


def test_strings_with_escapes_and_triple_quotes():
    assert value(r'"a\"b\\c\n"').value == 'a"b\\c\n'
    assert value('"""C:\\temp\\x"""').value == "C:\\temp\\x"
    assert value('"""say "hi""""').value == 'say "hi"'


# Elasticsearch's lexer (EsqlBaseLexer.g4): QUOTED_STRING is '"' (ESCAPE_SEQUENCE |
# UNESCAPED_CHARS)* '"', ESCAPE_SEQUENCE '\\' [tnr"\\], UNESCAPED_CHARS ~[\r\n"\\], or a
# triple-quoted string on one line. Dotted names: identifiers joined by dots.
_QUOTED_STRING = r'"""[^\r\n]*?"""(?:""?)?|"(?:[^"\\\r\n]|\\[tnr"\\])*"'
_IDENTIFIER = r"(?:[A-Za-z][A-Za-z0-9_]*|[_@][A-Za-z0-9_]+)"
_DOTTED_NAME = rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})+"


def _terminal(name: str) -> re.Pattern[str]:
    (terminal,) = (t for t in _parser().terminals if t.name == name)
    return re.compile(terminal.pattern.to_regexp())


def _same_match(pattern: re.Pattern[str], reference: str, text: str) -> None:
    found, expected = pattern.match(text), re.match(reference, text)
    assert (found and found.span()) == (expected and expected.span())


def _texts(*pieces: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=12).map("".join)


@example('"a\\\\b\\"c"')
@example('"\\x"')
@example('"""say "hi"""""')
@settings(max_examples=500)
@given(_texts('"', '"""', "\\", "\\\\", '\\"', "\\n", "\\x", "\n", "\r", "a", " "))
def test_a_string_token_is_what_elasticsearchs_quoted_string_reads(text: str) -> None:
    _same_match(_terminal("STRING"), _QUOTED_STRING, text)


@example("a.b.c.")
@settings(max_examples=500)
@given(_texts("a", "Z9", "_", "@", ".", "..", "`", " "))
def test_a_dotted_name_token_is_identifiers_joined_by_dots(text: str) -> None:
    _same_match(_terminal("DOTTED_NAME"), _DOTTED_NAME, text)


def test_parameters():
    assert value("?") == ast.Param(None, value("?").span)
    assert value("?name").name == "name"
    assert value("?1").name == "1"


def test_backquoted_and_dotted_names_join_into_one_column_name():
    tree = condition("`a.b`.c == 1 and @timestamp > 0 and `x``y` == 1")
    assert [c.name for c in ast.columns(tree)] == ["a.b.c", "@timestamp", "x`y"]


def test_reserved_words_must_be_backquoted():
    with pytest.raises(EsqlSyntaxError, match="keyword"):
        parse_esql("FROM a | EVAL by = 1")


def test_function_calls_with_star_and_named_options():
    tree = value('match(f, "q", {"fuzziness": 1, "x": {"y": true}})')
    assert tree.name == "match" and len(tree.args) == 2
    assert tree.options.get("fuzziness").value == 1
    assert isinstance(command("FROM a | STATS count(*)").aggregates[0].value.args[0], ast.Star)


def test_first_and_last_take_a_sort_key_with_by_or_a_comma():
    by = command("FROM a | STATS first(x BY @timestamp)").aggregates[0].value
    comma = command("FROM a | STATS first(x, @timestamp)").aggregates[0].value
    assert [c.name for c in ast.columns(by)] == [c.name for c in ast.columns(comma)]


def test_unnamed_expressions_are_named_by_their_text():
    stats = command("FROM a | STATS count(*),  max(b) + 1 BY c")
    assert [a.name for a in stats.aggregates] == ["count(*)", "max(b) + 1"]
    assert [g.name for g in stats.groups] == ["c"]


def test_stats_aggregate_filters():
    stats = command("FROM a | STATS n = count(*) WHERE b > 1 BY c")
    assert isinstance(stats.aggregates[0].where, ast.Compare)


def test_inline_stats_both_spellings():
    assert isinstance(command("FROM a | INLINE STATS n = count(*) BY c"), ast.InlineStats)
    assert isinstance(command("FROM a | INLINESTATS n = count(*)"), ast.InlineStats)


def test_keep_patterns_with_wildcards_and_backquoted_stars():
    keep = command("FROM a | KEEP Esql.*, `a*b`, _id")
    assert [p.is_wildcard for p in keep.patterns] == [True, False, False]
    assert keep.patterns[0].matches("Esql.count") and keep.patterns[1].matches("a*b")


def test_rename_both_forms():
    rename = command("FROM a | RENAME a AS b, d = c")
    assert [(i.old.name, i.new.name) for i in rename.items] == [("a", "b"), ("c", "d")]


def test_rename_refuses_wildcards():
    with pytest.raises(EsqlSyntaxError, match="RENAME"):
        parse_esql("FROM a | RENAME a* AS b")


def test_sort_directions_and_nulls():
    sort = command("FROM a | SORT a DESC NULLS LAST, b")
    assert [(o.descending, o.nulls_first) for o in sort.orders] == [(True, False), (False, None)]


def test_dissect_grok_and_their_options():
    dissect = command('FROM a | DISSECT m "%{a} %{b}" APPEND_SEPARATOR = "-"')
    assert dissect.append_separator == "-"
    grok = command('FROM a | GROK m "%{WORD:x}", "%{IP:y}"')
    assert [p.value for p in grok.patterns] == ["%{WORD:x}", "%{IP:y}"]


def test_enrich_lookup_join_and_change_point():
    enrich = command("FROM a | ENRICH _any:policy ON ip WITH name = host.name, os")
    assert enrich.policy == "_any:policy" and len(enrich.fields) == 2
    join = command("FROM a | LOOKUP JOIN threats ON source.ip")
    assert join.index.index == "threats"
    change = command("FROM a | CHANGE_POINT v ON t AS kind, p")
    assert (change.type_name.name, change.pvalue_name.name) == ("kind", "p")


def test_completion_sample_fork_rerank_fuse():
    completion = command('FROM a | COMPLETION out = prompt WITH {"inference_id": "x"}')
    assert completion.target_name == "out"
    assert command("FROM a | SAMPLE 0.1").probability.value == 0.1
    fork = command("FROM a | FORK (WHERE a > 1 | LIMIT 2) (WHERE b)")
    assert [len(b) for b in fork.branches] == [2, 1]
    assert command('FROM a | RERANK "q" ON t WITH {"inference_id": "x"}').fields[0].name == "t"
    assert command("FROM a | FUSE rrf SCORE BY s KEY BY a, b").key_by[1].name == "b"


def test_set_statements_before_the_query():
    query = parse_esql('SET time_zone = "+10:00"; ROW a = 1')
    assert query.settings[0].name == "time_zone"


def test_comments_are_ignored():
    query = parse_esql("FROM a // line\n| /* block */ WHERE b == 1")
    assert isinstance(query.commands[1], ast.Where)


def test_block_comments_nest_as_elasticsearch_s_lexer_reads_them():
    query = parse_esql("FROM a | WHERE b == 1 /* was: /* c == 2 */ and d == 3 */ | KEEP b")
    assert isinstance(query.commands[2], ast.Keep)


def test_a_comment_whose_nesting_does_not_balance_ends_at_its_first_close():
    with pytest.raises(EsqlSyntaxError, match="unexpected `z`"):
        parse_esql("FROM a /* x /* y */ z | KEEP b")


def test_spans_point_into_the_query_text():
    text = "FROM a\n| WHERE process.name == 1"
    column = parse_esql(text).commands[1].condition.left
    assert text[column.span.start : column.span.end] == "process.name"
