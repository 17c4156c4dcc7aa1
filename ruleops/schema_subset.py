"""Is a document valid against a JSON Schema? For the keywords `schemas/*.json` use, fast.

Importing jsonschema and building its validator costs about 60 ms of CPU, a third of a
commit hook's check of one rule, and almost every rule checked there is valid. So the schema
check first asks this module, which implements exactly the JSON Schema 2020-12 semantics of
the keywords below (the specification's "Validation" and "Core" documents), and needs
jsonschema only to explain a document that is not valid. A schema is compiled once into
closures (0.06 s for the 2,064 corpus rules, against 0.22 s interpreting it per document).

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
from collections.abc import Callable
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
    known = _COMPILED.get(id(schema))
    if known is None or known[0] is not schema:
        test = _compile(schema, schema.get("$defs", {}), {}) if supported(schema) else None
        known = _COMPILED[id(schema)] = (schema, test)
    test = known[1]
    return None if test is None else test(instance)


# Schemas already looked at (each kept, so that its id is not reused): id -> (schema, its
# compiled test, None when it is not supported).
_COMPILED: dict[int, tuple[Any, Callable[[Any], bool] | None]] = {}
Test = Callable[[Any], bool]


def _compile(schema: Any, defs: dict[str, Any], done: dict[int, Test]) -> Test:
    """`schema` as one function of the instance: the keywords are read once, not at every
    document (a closure per keyword present; about ten times faster than interpreting)."""
    if schema is True:
        return _always
    if schema is False:
        return _never
    if id(schema) in done:
        return done[id(schema)]
    tests: list[Test] = []
    # Registered before its parts are compiled: a $ref may lead back to it.
    done[id(schema)] = lambda instance: all(test(instance) for test in tests)
    if (ref := schema.get("$ref")) is not None:
        tests.append(_reference(defs, ref.removeprefix("#/$defs/"), done))
    kinds = schema.get("type")
    kinds = () if kinds is None else (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if "const" in schema:
        const = schema["const"]
        tests.append(lambda instance: _equal(const, instance))
    if "enum" in schema:
        tests.append(_enum(schema["enum"]))
    tests.extend(_typed(schema, kinds, defs, done))
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            parts = [_compile(part, defs, done) for part in schema[combinator]]
            tests.append(_combined(combinator, parts))
    if "not" in schema:
        negated = _compile(schema["not"], defs, done)
        tests.append(lambda instance: not negated(instance))
    if "if" in schema:
        condition = _compile(schema["if"], defs, done)
        then = _compile(schema["then"], defs, done) if "then" in schema else _always
        otherwise = _compile(schema["else"], defs, done) if "else" in schema else _always
        tests.append(lambda instance: (then if condition(instance) else otherwise)(instance))
    compiled = _all(tests)
    done[id(schema)] = compiled
    return compiled


def _always(_instance: Any) -> bool:
    return True


def _never(_instance: Any) -> bool:
    return False


def _all(tests: list[Test]) -> Test:
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda instance: first(instance) and second(instance)

    def every(instance: Any) -> bool:
        for test in tests:  # noqa: SIM110 -- a loop is faster than all() over a generator
            if not test(instance):
                return False
        return True

    return every


def _reference(defs: dict[str, Any], name: str, done: dict[int, Test]) -> Test:
    target: list[Test] = []  # compiled on first use: a definition may refer to itself

    def follow(instance: Any) -> bool:
        if not target:
            target.append(_compile(defs[name], defs, done))
        return target[0](instance)

    return follow


def _enum(options: list[Any]) -> Test:
    if all(type(option) is str for option in options):
        strings = frozenset(options)  # _equal of a string: a string of the same value
        return lambda instance: type(instance) is str and instance in strings
    return lambda instance: any(_equal(option, instance) for option in options)


def _combined(combinator: str, parts: list[Test]) -> Test:
    if combinator == "allOf":
        return _all(parts)
    if combinator == "anyOf":
        return lambda instance: any(part(instance) for part in parts)
    return lambda instance: sum(part(instance) for part in parts) == 1


# A type whose instances are one Python class, and the keywords that apply to it.
_CLASSES: dict[str, type] = {"string": str, "array": list, "object": dict}


def _typed(
    schema: dict[str, Any], kinds: tuple[str, ...], defs: dict[str, Any], done: dict[int, Test]
) -> list[Test]:
    """The type and the keywords that apply to one type of instance (strings, numbers,
    arrays, objects), as tests. Where the schema allows one type, only that type's keywords
    can apply, and they run behind its type test in one function."""
    strings, numbers = _all(_string_tests(schema)), _all(_number_tests(schema))
    arrays = _all(_array_tests(schema, defs, done))
    objects = _all(_object_tests(schema, defs, done))
    if len(kinds) == 1 and kinds[0] in _CLASSES:
        cls = _CLASSES[kinds[0]]
        keywords = {"string": strings, "array": arrays, "object": objects}[kinds[0]]
        if keywords is _always:
            return [lambda instance: isinstance(instance, cls)]
        return [lambda instance: isinstance(instance, cls) and keywords(instance)]
    tests: list[Test] = []
    if kinds:
        tests.append(lambda instance: any(_is_type(instance, kind) for kind in kinds))
    if strings is _always and numbers is _always and arrays is _always and objects is _always:
        return tests

    def by_type(instance: Any) -> bool:
        if isinstance(instance, str):
            return strings(instance)
        if _number(instance):
            return numbers(instance)
        if isinstance(instance, list):
            return arrays(instance)
        if isinstance(instance, dict):
            return objects(instance)
        return True

    return [*tests, by_type]


def _string_tests(schema: dict[str, Any]) -> list[Test]:
    tests: list[Test] = []
    if "pattern" in schema:
        search = _pattern(schema["pattern"]).search
        tests.append(lambda instance: search(instance) is not None)
    if (shortest := schema.get("minLength", 0)) > 0:
        tests.append(lambda instance: len(instance) >= shortest)
    if "maxLength" in schema:
        longest = schema["maxLength"]
        tests.append(lambda instance: len(instance) <= longest)
    return tests


def _number_tests(schema: dict[str, Any]) -> list[Test]:
    tests: list[Test] = []
    if "minimum" in schema:
        minimum = schema["minimum"]
        tests.append(lambda instance: not instance < minimum)
    if "maximum" in schema:
        maximum = schema["maximum"]
        tests.append(lambda instance: not instance > maximum)
    if "exclusiveMinimum" in schema:
        above = schema["exclusiveMinimum"]
        tests.append(lambda instance: not instance <= above)
    if "exclusiveMaximum" in schema:
        below = schema["exclusiveMaximum"]
        tests.append(lambda instance: not instance >= below)
    return tests


def _array_tests(schema: dict[str, Any], defs: dict[str, Any], done: dict[int, Test]) -> list[Test]:
    tests: list[Test] = []
    if (fewest := schema.get("minItems", 0)) > 0:
        tests.append(lambda instance: len(instance) >= fewest)
    if "maxItems" in schema:
        most = schema["maxItems"]
        tests.append(lambda instance: len(instance) <= most)
    if schema.get("uniqueItems"):
        tests.append(_unique)
    if (items := schema.get("items")) is not None:
        item_test = _compile(items, defs, done)
        tests.append(lambda instance: all(item_test(item) for item in instance))
    return tests


def _unique(instance: list[Any]) -> bool:
    return not any(
        _equal(instance[i], instance[j])
        for i in range(len(instance))
        for j in range(i + 1, len(instance))
    )


def _object_tests(
    schema: dict[str, Any], defs: dict[str, Any], done: dict[int, Test]
) -> list[Test]:
    tests: list[Test] = []
    if required := tuple(schema.get("required", ())):
        tests.append(lambda instance: all(key in instance for key in required))
    properties = {
        key: _compile(value, defs, done) for key, value in schema.get("properties", {}).items()
    }
    others = (
        _compile(schema["additionalProperties"], defs, done)
        if "additionalProperties" in schema
        else None
    )
    if others is None and properties:
        # Only the named members are tested (an `if` names one key of a table of twenty).
        named = tuple(properties.items())

        def named_members(instance: dict[str, Any]) -> bool:
            for key, test in named:  # noqa: SIM110 -- faster than all() over a generator
                if key in instance and not test(instance[key]):
                    return False
            return True

        tests.append(named_members)
    elif others is not None:

        def members(instance: dict[str, Any]) -> bool:
            for key, value in instance.items():
                test = properties.get(key, others)
                if test is not None and not test(value):
                    return False
            return True

        tests.append(members)
    return tests


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
