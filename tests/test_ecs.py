"""ECS data: the packaged file, lookups, namespaces, suggestions and user definitions."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from ruleops.ecs import (
    FieldDefinitionsError,
    ecs_with_definitions,
    load_ecs,
    read_field_definitions,
)


def test_packaged_data_is_pinned_to_ecs_9_4_0():
    assert load_ecs().version == "9.4.0"


def test_load_ecs_is_read_once():
    assert load_ecs() is load_ecs()


def test_field_type_of_an_ecs_field():
    ecs = load_ecs()
    assert ecs.field_type("process.pid") == "long"
    assert ecs.field_type("source.ip") == "ip"
    assert ecs.field_type("process.name") == "keyword"


def test_field_type_ignores_the_optional_marker():
    assert load_ecs().field_type("?process.pid") == "long"


def test_reused_field_sets_are_fields_too():
    ecs = load_ecs()
    assert ecs.field_type("process.parent.name") == "keyword"
    assert ecs.field_type("process.group.id") == "keyword"


def test_multi_fields_are_fields():
    assert load_ecs().field_type("process.command_line.text") == "match_only_text"


def test_caseless_sub_field_of_a_string_field_is_a_keyword():
    ecs = load_ecs()
    assert ecs.field_type("process.name.caseless") == "keyword"
    assert ecs.is_known("process.name.caseless")


def test_caseless_sub_field_of_a_number_field_is_unknown():
    assert load_ecs().field_type("process.pid.caseless") is None


def test_unknown_field_has_no_type():
    assert load_ecs().field_type("process.nmae") is None


def test_allowed_values_of_categorisation_fields():
    ecs = load_ecs()
    assert "creation" in ecs.allowed_values("event.type")
    assert "create" not in ecs.allowed_values("event.type")
    assert ecs.allowed_values("event.outcome") == frozenset({"success", "failure", "unknown"})
    assert "alert" in ecs.allowed_values("event.kind")


def test_expected_event_types_per_category():
    ecs = load_ecs()
    assert ecs.expected_event_types("process") == frozenset(
        {"access", "change", "end", "info", "start"}
    )
    assert "creation" in ecs.expected_event_types("file")
    assert ecs.expected_event_types("networ") is None


def test_fields_without_a_value_list_have_no_allowed_values():
    assert load_ecs().allowed_values("process.name") is None


def test_categories_are_the_event_category_values():
    ecs = load_ecs()
    assert ecs.categories == ecs.allowed_values("event.category")
    assert {"process", "network", "file", "registry"} <= ecs.categories


def test_ecs_namespace_is_an_ecs_field_set():
    ecs = load_ecs()
    assert ecs.is_ecs_namespace("process.nmae")
    assert not ecs.is_ecs_namespace("aws.cloudtrail.user_identity.arn")
    assert not ecs.is_ecs_namespace("winlog.event_data.TargetUserName")


def test_ext_extensions_are_not_ecs_namespace():
    ecs = load_ecs()
    assert not ecs.is_ecs_namespace("process.Ext.token.integrity_level_name")
    assert not ecs.is_ecs_namespace("file.Ext")
    assert not ecs.is_ecs_namespace("dll.Ext.relative_file_creation_time")


def test_objects_holding_fields_are_known():
    ecs = load_ecs()
    assert ecs.is_known("process.parent")
    assert not ecs.is_known("process.parnt")


def test_children_of_open_containers_are_known():
    assert load_ecs().is_known("labels.environment")


def test_suggest_nearest_field_in_the_same_field_set():
    ecs = load_ecs()
    assert ecs.suggest("process.nmae") == "process.name"
    assert ecs.suggest("process.parent.exectuable") == "process.parent.executable"


def test_suggest_repairs_case():
    assert load_ecs().suggest("process.Name") == "process.name"


def test_suggest_nothing_when_nothing_is_near():
    assert load_ecs().suggest("process.zzzzzzzzzzzzzzzzzzzz") is None


def _build_script():
    path = Path(__file__).resolve().parent.parent / "scripts" / "build_ecs_data.py"
    spec = importlib.util.spec_from_file_location("build_ecs_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "fields.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_user_definitions_add_fields(tmp_path):
    path = _write(tmp_path, {"aws.cloudtrail.user_identity.arn": "keyword"})
    ecs = ecs_with_definitions((path,))
    assert ecs.field_type("aws.cloudtrail.user_identity.arn") == "keyword"
    assert ecs.field_type("process.name") == "keyword"


def test_user_definitions_make_their_namespace_checked(tmp_path):
    path = _write(tmp_path, {"aws.cloudtrail.user_identity.arn": "keyword"})
    assert not load_ecs().is_checked("aws.cloudtrail.typo")
    assert ecs_with_definitions((path,)).is_checked("aws.cloudtrail.typo")
    assert not ecs_with_definitions((path,)).is_checked("okta.actor.id")


def test_user_definitions_of_an_extension_check_that_extension_only(tmp_path):
    path = _write(tmp_path, {"process.Ext.api.name": "keyword"})
    ecs = ecs_with_definitions((path,))
    assert ecs.is_checked("process.Ext.api.nmae")
    assert not ecs.is_checked("file.Ext.header_bytes")


def test_user_definitions_accept_ecs_style_definitions(tmp_path):
    path = _write(tmp_path, {"okta.actor.id": {"type": "keyword", "level": "custom"}})
    assert read_field_definitions(path) == {"okta.actor.id": "keyword"}


def test_user_definitions_must_be_an_object(tmp_path):
    with pytest.raises(FieldDefinitionsError, match="JSON object"):
        read_field_definitions(_write(tmp_path, ["aws.x"]))


def test_user_definitions_must_map_to_type_names(tmp_path):
    with pytest.raises(FieldDefinitionsError, match="type names"):
        read_field_definitions(_write(tmp_path, {"aws.x": 3}))


def test_missing_user_definitions_file_is_a_clear_error(tmp_path):
    with pytest.raises(FieldDefinitionsError, match="cannot read"):
        read_field_definitions(tmp_path / "absent.json")


def test_invalid_json_user_definitions_is_a_clear_error(tmp_path):
    path = tmp_path / "fields.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(FieldDefinitionsError, match="not valid JSON"):
        read_field_definitions(path)


def test_build_script_compacts_flat_definitions(tmp_path):
    """The generator reads a flat definition file and writes our compact shape."""
    main = _build_script().main
    flat = {
        "event.category": {
            "type": "keyword",
            "allowed_values": [
                {"name": "process", "expected_event_types": ["start", "end"]},
                {"name": "file"},
            ],
        },
        "event.type": {"type": "keyword", "allowed_values": [{"name": "start"}]},
        "event.kind": {"type": "keyword", "allowed_values": [{"name": "event"}]},
        "event.outcome": {"type": "keyword", "allowed_values": [{"name": "success"}]},
        "process.pid": {"type": "long"},
        "process.command_line": {
            "type": "wildcard",
            "multi_fields": [{"flat_name": "process.command_line.text", "type": "match_only_text"}],
        },
        "message": {"type": "match_only_text"},
    }
    source = tmp_path / "ecs_flat.json"
    source.write_text(json.dumps(flat), encoding="utf-8")
    output = tmp_path / "ecs.json"
    main([str(source), "--version", "1.2.3", "--output", str(output)])
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["ecs_version"] == "1.2.3"
    assert data["fields"]["process.pid"] == "long"
    assert data["multi_fields"] == {"process.command_line.text": "match_only_text"}
    assert data["allowed_values"]["event.category"] == ["file", "process"]
    assert data["field_sets"] == ["event", "process"]
    assert data["expected_event_types"] == {"process": ["end", "start"]}


def test_packaged_data_matches_the_generator_on_the_npm_tarball(tmp_path):
    """Regenerating from the pinned npm package gives the committed file."""
    tarball = os.environ.get("RULEOPS_ECS_TARBALL")
    if not tarball:
        pytest.skip("set RULEOPS_ECS_TARBALL to the `npm pack @elastic/ecs@9.4.0` tarball")
    main = _build_script().main
    output = tmp_path / "ecs.json"
    main([str(tarball), "--output", str(output)])
    packaged = Path(__file__).resolve().parent.parent / "ruleops" / "data" / "ecs.json"
    assert json.loads(output.read_text()) == json.loads(packaged.read_text())
