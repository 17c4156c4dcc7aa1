"""ES|QL functions, called directly on values (the evaluator's null and multi-value rules
around them are tested with queries)."""

import pytest

from ruleops.es_types import ip_bytes
from ruleops.esql import builtins
from ruleops.esql.builtins.dates import parse_zone, trunc_millis
from ruleops.esql.builtins.math import arithmetic
from ruleops.esql.values import (
    EvalFailure,
    NotReproduced,
    Span,
    format_date,
    java_double,
    parse_iso,
    to_json,
)

builtins.load_all()


def call(name, *args, types=None):
    function = builtins.lookup(name)
    types = types or tuple("keyword" if isinstance(a, str) else "integer" for a in args)
    return function.bind(tuple(types))(*args)


def date(text):
    return parse_iso(text)


def test_aliases_resolve():
    assert builtins.lookup("TO_INT") is builtins.lookup("to_integer")


def test_substring_counts_from_one_and_from_the_end_when_negative():
    assert call("substring", "hello", 2, 3) == "ell"
    assert call("substring", "hello", -3) == "llo"


def test_locate_is_one_based_and_zero_when_absent():
    assert (call("locate", "hello", "ll"), call("locate", "hello", "x")) == (3, 0)


def test_split_gives_a_multi_value():
    assert call("split", "a;b;c", ";") == ("a", "b", "c")


def test_replace_uses_java_group_references():
    assert call("replace", "foo-bar", "(\\w+)-(\\w+)", "$2-$1") == "bar-foo"


def test_repeat_with_a_negative_count_fails_with_elasticsearchs_message():
    with pytest.raises(EvalFailure, match=r"Number parameter cannot be negative, found \[-1\]"):
        call("repeat", "a", -1)


def test_from_base64_rejects_what_javas_decoder_rejects():
    with pytest.raises(EvalFailure, match="Illegal base64 character 21"):
        call("from_base64", "a!")


def test_url_decode_reads_plus_as_space():
    assert call("url_decode", "a+b%2Fc") == "a b/c"


def test_cidr_match_on_ipv4_blocks():
    address = ip_bytes("10.1.2.3")
    types = ("ip", "keyword")
    assert call("cidr_match", address, "10.0.0.0/8", types=types) is True
    assert call("cidr_match", address, "192.168.0.0/16", types=types) is False


def test_an_ipv4_block_never_matches_an_ipv6_address():
    assert call("cidr_match", ip_bytes("::1"), "0.0.0.0/0", types=("ip", "keyword")) is False


def test_ip_prefix_masks_the_address():
    masked = call("ip_prefix", ip_bytes("1.2.3.255"), 25, 0, types=("ip", "integer", "integer"))
    assert to_json(masked, "ip") == "1.2.3.128"


def test_to_ip_leading_zeros_options():
    result = call("to_ip", "1.1.010.1", {"leading_zeros": "octal"}, types=("keyword", "map"))
    assert to_json(result, "ip") == "1.1.8.1"
    with pytest.raises(EvalFailure, match="is not an IP string literal"):
        call("to_ip", "1.1.010.1")


def test_date_trunc_to_a_month():
    truncated = call(
        "date_trunc", Span(months=1), date("2023-10-23T13:55:01Z"), types=("date_period", "date")
    )
    assert format_date(truncated) == "2023-10-01T00:00:00.000Z"


def test_date_trunc_in_arbitrary_years_counts_from_year_one():
    assert (
        format_date(trunc_millis(Span(months=84), date("1963-01-01"))) == "1961-01-01T00:00:00.000Z"
    )


def test_date_trunc_a_week_starts_on_monday_in_the_query_time_zone():
    zone = parse_zone("+10:00")
    result = trunc_millis(Span(days=7), date("2025-03-04T17:09:08.07Z"), zone)
    assert format_date(result) == "2025-03-02T14:00:00.000Z"


def test_date_diff_counts_whole_months():
    start, end = date("2023-01-31"), date("2023-02-28")
    assert call("date_diff", "month", start, end, types=("keyword", "date", "date")) == 0
    assert call("date_diff", "day", start, end, types=("keyword", "date", "date")) == 28


def test_date_format_with_a_java_pattern():
    text = call(
        "date_format", "yyyy-MM-dd HH:mm", date("2023-10-23T13:55:01Z"), types=("keyword", "date")
    )
    assert text == "2023-10-23 13:55"


def test_mv_functions():
    assert call("mv_first", ("b", "a")) == "b"
    assert call("mv_min", ("b", "a")) == "a"
    assert call("mv_count", ("b", "a")) == 2
    assert call("mv_concat", ("b", "a"), ", ") == "b, a"
    assert call("mv_dedupe", ("a", "b", "a")) == ("a", "b")
    assert call("mv_slice", (1, 2, 3, 4), 1, 2) == (2, 3)
    assert call("mv_slice", (1, 2, 3), -1) == 3


def test_mv_contains_treats_null_as_empty():
    assert call("mv_contains", ("a", "b"), None) is True
    assert call("mv_contains", ("a", "b"), ("a", "c")) is False


def test_mv_sum_overflows_into_a_failure():
    with pytest.raises(EvalFailure, match="integer overflow"):
        call("mv_sum", (2**31 - 1, 1), types=("integer",))


def test_greatest_reads_every_value():
    assert call("greatest", (1, 9), 5) == 9


def test_conversions_apply_to_every_value():
    assert call("to_string", (1, 2), types=("integer",)) == ("1", "2")
    assert call("to_long", "2147483648.2") == 2147483648
    assert call("to_boolean", "TRuE") is True


def test_to_integer_out_of_range_fails():
    with pytest.raises(EvalFailure, match=r"\[501379200000\] out of \[integer\] range"):
        call("to_integer", 501379200000, types=("long",))


def test_to_string_of_a_double_is_javas():
    assert call("to_string", 1e7, types=("double",)) == "1.0E7"
    assert java_double(0.001) == "0.001"


def test_integer_division_truncates_and_by_zero_fails():
    divide = arithmetic("/", "integer", "integer")
    assert divide(-7, 2) == -3
    with pytest.raises(EvalFailure, match="/ by zero"):
        divide(1, 0)


def test_round_half_up_and_to_tens():
    assert call("round", 2.5, types=("double",)) == 3.0
    assert call("round", 1234, -2) == 1200


def test_count_counts_values_not_rows():
    assert call("count", [("a", "b"), None, "c"], types=("keyword",)) == 3


def test_sum_of_integers_is_a_long_and_skips_nulls():
    assert builtins.lookup("sum").result(("integer",)) == "long"
    assert call("sum", [1, None, (2, 3)], types=("integer",)) == 6


def test_values_keeps_each_value_once():
    assert call("values", ["b", ("a", "b")], types=("keyword",)) == ("b", "a")


def test_median_interpolates():
    assert call("median", [1, 2, 3, 4], types=("integer",)) == 2.5


# REPLACE reads java.util.regex.Pattern syntax (audit2 F15).


def test_replace_reads_java_named_groups_and_references():
    assert call("replace", "foo", "(?<n>o)\\k<n>", "_") == "f_"
    assert call("replace", "foo", "(?<n>f)", "${n}!") == "f!oo"


def test_replace_reads_java_quoting_and_posix_classes():
    assert call("replace", "a.b", "\\Q.\\E", "-") == "a-b"
    assert call("replace", "ab1", "\\p{Alpha}+", "x") == "x1"
    assert call("replace", "a\tb", "\\h", " ") == "a b"


def test_a_python_only_group_is_an_error_as_in_java():
    with pytest.raises(EvalFailure, match="Unknown inline modifier"):
        call("replace", "foo", "(?P<n>o)", "_")


def test_a_java_construct_ruleops_cannot_run_is_not_evaluated():
    with pytest.raises(NotReproduced):
        call("replace", "hello", "[a-z&&[^l]]", "_")
