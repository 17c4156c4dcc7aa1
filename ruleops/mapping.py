"""Elasticsearch index mappings, flattened to one entry per field.

Reads the JSON that `GET index/_mapping` returns (`{"index": {"mappings": {...}}}`, one or
several indices), a bare `{"mappings": ...}`, a `{"properties": ...}` object, or the
properties object itself, and gives every leaf field its dotted name, its mapping type and
its parameters. Objects (`type: object`, `nested` or no type with `properties`) give their
children dotted names, and a `nested` object is also a field of its own, of type `nested`;
multi-fields (`"fields"`) become fields of their own whose value is read from the parent's
`_source` value (`languages.long` from `languages`); `alias` fields take their target's
type and read the target. Several indices merge, the first mapping of a
field winning, as a query over an index pattern sees one field per name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruleops import es_types

_OBJECT_TYPES = frozenset({"object", "nested"})


class MappingError(ValueError):
    """The JSON is not an index mapping; the message says what was expected."""


@dataclass(frozen=True)
class MappedField:
    name: str
    type: str
    source: str  # the `_source` path the value is read from: the parent of a multi-field
    params: Mapping[str, Any] = field(default_factory=dict)  # format, scaling_factor, …


def _properties(data: Any) -> list[Mapping[str, Any]]:
    """The `properties` objects in any of the accepted shapes."""
    if not isinstance(data, Mapping):
        raise MappingError("an index mapping is a JSON object")
    if "mappings" in data and isinstance(data["mappings"], Mapping):
        return _properties(data["mappings"])
    if isinstance(data.get("properties"), Mapping):
        return [data["properties"]]
    if data and all(
        isinstance(v, Mapping) and isinstance(v.get("mappings"), Mapping) for v in data.values()
    ):
        found: list[Mapping[str, Any]] = []
        for index in data.values():
            found.extend(_properties(index["mappings"]))
        return found
    if all(isinstance(v, Mapping) and ("type" in v or "properties" in v) for v in data.values()):
        return [data]
    raise MappingError(
        "expected the JSON of `GET index/_mapping`, a `mappings` object or a `properties` object"
    )


def _walk(properties: Mapping[str, Any], prefix: str, out: dict[str, MappedField]) -> None:
    for name, spec in properties.items():
        if not isinstance(spec, Mapping):
            raise MappingError(f"field `{prefix}{name}`: its mapping is not a JSON object")
        path = prefix + name
        kind = spec.get("type")
        children = spec.get("properties")
        if isinstance(children, Mapping) and (kind is None or kind in _OBJECT_TYPES):
            if kind == "nested":
                # Its children are read only inside a nested query (KQL `field:{…}`); EQL
                # refuses them: every reader must know where the nested object starts.
                out.setdefault(path, MappedField(path, kind, path, {}))
            _walk(children, path + ".", out)
            continue
        if not isinstance(kind, str):
            kind = "object"
        params = {k: v for k, v in spec.items() if k not in ("type", "fields", "properties")}
        out.setdefault(path, MappedField(path, kind, path, params))
        for sub, sub_spec in (spec.get("fields") or {}).items():
            if isinstance(sub_spec, Mapping) and isinstance(sub_spec.get("type"), str):
                sub_params = {k: v for k, v in sub_spec.items() if k != "type"}
                sub_path = f"{path}.{sub}"
                out.setdefault(sub_path, MappedField(sub_path, sub_spec["type"], path, sub_params))


def flatten_mapping(data: Any) -> dict[str, MappedField]:
    """Every field of the mapping by dotted name (module doc), aliases resolved."""
    out: dict[str, MappedField] = {}
    for properties in _properties(data):
        _walk(properties, "", out)
    for name, mapped in list(out.items()):
        if mapped.type == "alias":
            target = out.get(str(mapped.params.get("path", "")))
            if target is None:
                del out[name]
            else:
                out[name] = MappedField(name, target.type, target.source, target.params)
    return out


def mapping_fields(data: Any) -> dict[str, MappedField] | None:
    """The fields of `data` (parsed JSON) when it is shaped as an index mapping (a `GET
    index/_mapping` response, a `mappings` or a `{"properties": …}` object), else None: how
    a field definitions file in another form (field -> type) is told apart."""
    if not isinstance(data, Mapping) or not data:
        return None
    shaped = "mappings" in data or isinstance(data.get("properties"), Mapping)
    shaped = shaped or all(
        isinstance(v, Mapping) and isinstance(v.get("mappings"), Mapping) for v in data.values()
    )
    if not shaped:
        return None
    try:
        return flatten_mapping(data)
    except MappingError:
        return None


def values_type(fields: Mapping[str, MappedField], name: str) -> str | None:
    """The mapping type whose doc values ES|QL reads for field `name`: a `text` field with a
    plain `keyword` sub-field (no `ignore_above`, no normalizer) is read from that
    sub-field (sorted, duplicates removed), as `TextFieldMapper`'s block loader does; any
    other field as its own type."""
    mapped = fields.get(name)
    if mapped is None:
        return None
    if mapped.type in es_types.TEXT:
        for sub in fields.values():
            if (
                sub.source == name
                and sub.name != name
                and sub.type == "keyword"
                and "ignore_above" not in sub.params
                and "normalizer" not in sub.params
            ):
                return "keyword"
    return mapped.type


def field_types(data: Any) -> dict[str, str]:
    """Field → mapping type, for the checks that need only the type."""
    return {name: mapped.type for name, mapped in flatten_mapping(data).items()}


def load_mapping(path: Path) -> dict[str, MappedField]:
    """A mapping file's fields; MappingError says what is wrong with the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: cannot read the mapping ({error})") from None
    except json.JSONDecodeError as error:
        raise MappingError(f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg})") from None
    try:
        return flatten_mapping(data)
    except MappingError as error:
        raise MappingError(f"{path}: {error}") from None
