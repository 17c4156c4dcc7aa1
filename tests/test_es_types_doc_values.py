"""What ES|QL reads from a document's field (es_types.doc_value)."""

from ruleops.es_types import doc_value, esql_type, format_ip_bytes, ip_bytes


def test_keyword_multi_values_are_a_sorted_set():
    assert doc_value(["b", "a", "b"], "keyword") == ("a", "b")


def test_numbers_keep_duplicates_in_order():
    assert doc_value([3, 1, 3], "long") == (1, 3, 3)


def test_text_keeps_the_documents_order():
    assert doc_value(["b", "a"], "text") == ("b", "a")


def test_a_one_element_list_is_one_value():
    assert doc_value([1.19], "double") == 1.19


def test_an_empty_list_is_null():
    assert doc_value([], "keyword") is None


def test_float_fields_hold_32_bit_values():
    assert doc_value(2.03, "float") == 2.0299999713897705


def test_scaled_float_rounds_to_its_factor():
    assert doc_value(2.034, "scaled_float", {"scaling_factor": 100}) == 2.03


def test_a_number_in_a_string_is_parsed_for_a_numeric_field():
    assert doc_value("42", "integer") == 42


def test_a_value_out_of_range_is_not_indexed():
    assert doc_value(2**40, "integer") is None


def test_keyword_longer_than_ignore_above_is_not_indexed():
    assert doc_value("abcdef", "keyword", {"ignore_above": 3}) is None


def test_dates_are_epoch_millis():
    assert doc_value("1970-01-01T00:00:01.5Z", "date") == 1500


def test_ipv4_is_stored_mapped_into_ipv6_and_sorts_before_ipv6_addresses():
    assert doc_value(["::1", "127.0.0.1"], "ip") == (ip_bytes("::1"), ip_bytes("127.0.0.1"))
    assert format_ip_bytes(ip_bytes("127.0.0.1")) == "127.0.0.1"


def test_mapping_types_read_as_esql_types():
    assert [esql_type(t) for t in ("short", "half_float", "wildcard", "geo_shape")] == [
        "integer",
        "double",
        "keyword",
        "unsupported",
    ]
