"""Is a document valid against a JSON Schema? For the keywords `schemas/*.json` use, fast.

Importing jsonschema and building its validator costs about 60 ms of CPU, a third of a
commit hook's check of one rule, and almost every rule checked there is valid. So the schema
check first asks this module, which implements exactly the JSON Schema 2020-12 semantics of
the keywords below (the specification's "Validation" and "Core" documents), and needs
jsonschema only to explain a document that is not valid.

Supported: type, enum, const, pattern, minLength, maxLength, minimum, maximum,
exclusiveMinimum, exclusiveMaximum, minItems, maxItems, uniqueItems, required, properties,
additionalProperties, items, allOf, anyOf, oneOf, not, if/then/else, and local `$ref`s
(`#/$defs/...`). Annotations (title, description, $comment, examples, x-*) are ignored. A
schema with any other keyword is not supported: `valid` returns None and the caller asks
jsonschema. tests/test_schema_subset.py holds both to the same answer on the corpus and on
generated documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default", "$defs"}
)
_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems",
        "required", "properties", "additionalProperties", "items", "allOf", "anyOf", "oneOf",
        "not", "if", "then", "else", "$ref",
    }
)  # fmt: skip


def supported(schema: Any) -> bool:
    """Whether every keyword of `schema` (at any depth) is one this module implements."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            if key == "$defs" and not all(supported(v) for v in value.values()):
                return False
            continue
        if key not in _KEYWORDS:
            return False
        if key in ("properties",):
            if not all(supported(v) for v in value.values()):
                return False
        elif key in ("allOf", "anyOf", "oneOf"):
            if not all(supported(v) for v in value):
                return False
        elif key in ("items", "additionalProperties", "not", "if", "then", "else"):
            if not supported(value):
                return False
        elif key == "$ref" and not (isinstance(value, str) and value.startswith("#/$defs/")):
            return False
    return True


def valid(schema: dict[str, Any], instance: Any) -> bool | None:
    """True or False as JSON Schema 2020-12 says; None when the schema is not supported."""
    known = _SUPPORTED.get(id(schema))
    if known is None or known[0] is not schema:
        known = _SUPPORTED[id(schema)] = (schema, supported(schema))
    if not known[1]:
        return None
    return _valid(schema, instance, schema.get("$defs", {}))


# Schemas already looked at (each kept, so that its id is not reused): id -> (schema, answer).
_SUPPORTED: dict[int, tuple[Any, bool]] = {}


def _is_type(instance: Any, name: str) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if isinstance(instance, bool):
        return False
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return isinstance(instance, int | float)
    return False


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0, lists and objects compare member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _valid(schema: Any, instance: Any, defs: dict[str, Any]) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    ref = schema.get("$ref")
    if ref is not None and not _valid(defs[ref.removeprefix("#/$defs/")], instance, defs):
        return False
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if not any(_is_type(instance, k) for k in kinds):
            return False
    if "const" in schema and not _equal(schema["const"], instance):
        return False
    if "enum" in schema and not any(_equal(option, instance) for option in schema["enum"]):
        return False
    if isinstance(instance, str):
        if "pattern" in schema and not _pattern(schema["pattern"]).search(instance):
            return False
        if len(instance) < schema.get("minLength", 0):
            return False
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            return False
    elif _number(instance):
        if "minimum" in schema and instance < schema["minimum"]:
            return False
        if "maximum" in schema and instance > schema["maximum"]:
            return False
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            return False
        if "exclusiveMaximum" in schema and instance >= schema["exclusiveMaximum"]:
            return False
    elif isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            return False
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            return False
        if schema.get("uniqueItems") and any(
            _equal(instance[i], instance[j])
            for i in range(len(instance))
            for j in range(i + 1, len(instance))
        ):
            return False
        items = schema.get("items")
        if items is not None and not all(_valid(items, item, defs) for item in instance):
            return False
    elif isinstance(instance, dict):
        if any(key not in instance for key in schema.get("required", ())):
            return False
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if key in properties:
                if not _valid(properties[key], value, defs):
                    return False
            elif "additionalProperties" in schema and not _valid(
                schema["additionalProperties"], value, defs
            ):
                return False
    if "allOf" in schema and not all(_valid(s, instance, defs) for s in schema["allOf"]):
        return False
    if "anyOf" in schema and not any(_valid(s, instance, defs) for s in schema["anyOf"]):
        return False
    if "oneOf" in schema and sum(_valid(s, instance, defs) for s in schema["oneOf"]) != 1:
        return False
    if "not" in schema and _valid(schema["not"], instance, defs):
        return False
    if "if" in schema:
        branch = "then" if _valid(schema["if"], instance, defs) else "else"
        if branch in schema and not _valid(schema[branch], instance, defs):
            return False
    return True
