"""ruleops.es_types: Elasticsearch's mapping types, as every query language reads them."""

import datetime as dt

from ruleops.es_types import family, fits, indexed_value


def test_a_string_in_a_long_field_of_a_document_does_not_fit():
    assert fits("long", "4") == "an integer"
    assert fits("long", 4) is None


def test_a_boolean_is_not_a_number():
    assert fits("long", True) == "an integer"


def test_an_ip_field_needs_an_address():
    assert fits("ip", "10.0.0.300") is not None
    assert fits("ip", "fe80::1%eth0") is None


def test_a_date_field_accepts_iso_strings_epoch_millis_and_toml_date_times():
    assert fits("date", "2024-05-01T10:00:00Z") is None
    assert fits("date", 1714557600000) is None
    assert fits("date", dt.datetime(2024, 5, 1, 10, 0)) is None
    assert fits("date", "yesterday") is not None


def test_a_query_string_that_reads_as_a_number_fits_a_numeric_field():
    # a term query parses its value on the field (NumberFieldMapper)
    assert fits("long", "4", source="query") is None
    assert fits("long", "0x1F", source="query") is None
    assert fits("long", "four", source="query") == "a number"


def test_a_cidr_block_fits_an_ip_field_in_a_query():
    assert fits("ip", "10.0.0.0/8", source="query") is None
    assert fits("ip", "10.0.0.0/8") is not None  # but no document holds a block


def test_families_group_the_mapping_types():
    assert [family(t) for t in ("short", "scaled_float", "wildcard", "match_only_text")] == [
        "integer",
        "float",
        "keyword",
        "text",
    ]
    assert family("geo_point") is None


def test_a_number_out_of_the_fields_range_does_not_fit_a_document():
    # Elasticsearch rejects the document: out of range for a long, "[double] supports only
    # finite values"
    assert fits("long", float("inf")) == "an integer"
    assert fits("long", 2**63) == f"an integer from {-(2**63)} to {2**63 - 1}"
    assert fits("double", float("inf")) == "a finite number"
    assert fits("double", float("nan")) == "a finite number"
    assert fits("float", 1e39) == "a finite number"  # infinite once rounded to a float


def test_a_non_finite_number_is_no_doc_value_of_a_numeric_or_date_field():
    for mapping_type in ("long", "integer", "double", "float", "half_float", "date", "date_nanos"):
        for number in (float("inf"), float("-inf"), float("nan")):
            assert indexed_value(number, mapping_type) is None
    assert indexed_value(70000.0, "half_float") is None  # beyond half_float's 65504
