"""Index mappings flattened to fields (ruleops.mapping)."""

import json

import pytest

from ruleops.mapping import MappingError, field_types, flatten_mapping, load_mapping

PROPERTIES = {
    "languages": {"type": "integer", "fields": {"long": {"type": "long"}}},
    "city": {"properties": {"name": {"type": "keyword"}}},
    "height": {"type": "scaled_float", "scaling_factor": 100},
    "alias_of_city": {"type": "alias", "path": "city.name"},
    "corp": {
        "properties": {"events": {"type": "nested", "properties": {"name": {"type": "keyword"}}}}
    },
}


def test_a_multi_field_is_read_from_its_parent():
    mapped = flatten_mapping({"properties": PROPERTIES})["languages.long"]
    assert (mapped.type, mapped.source) == ("long", "languages")


def test_object_children_get_dotted_names():
    assert field_types({"properties": PROPERTIES})["city.name"] == "keyword"


def test_a_nested_field_is_kept_with_its_children():
    # a query must know `corp.events` is nested to read `corp.events.name` as Elasticsearch does
    types = field_types(PROPERTIES)
    assert (types["corp.events"], types["corp.events.name"]) == ("nested", "keyword")


def test_parameters_are_kept():
    assert flatten_mapping(PROPERTIES)["height"].params == {"scaling_factor": 100}


def test_an_alias_takes_its_targets_type_and_source():
    mapped = flatten_mapping(PROPERTIES)["alias_of_city"]
    assert (mapped.type, mapped.source) == ("keyword", "city.name")


def test_get_mapping_response_of_several_indices_merges_them():
    response = {
        "a": {"mappings": {"properties": {"x": {"type": "keyword"}}}},
        "b": {"mappings": {"properties": {"y": {"type": "ip"}}}},
    }
    assert field_types(response) == {"x": "keyword", "y": "ip"}


def test_something_else_is_a_mapping_error():
    with pytest.raises(MappingError, match="GET index/_mapping"):
        flatten_mapping({"x": 1})


def test_a_file_that_is_not_json_names_line_and_column(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"properties": {\n  "x": }')
    with pytest.raises(MappingError, match=r"m.json:2:\d+: not JSON"):
        load_mapping(path)


def test_a_mapping_file_loads(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"mappings": {"properties": PROPERTIES}}))
    assert load_mapping(path)["city.name"].type == "keyword"
