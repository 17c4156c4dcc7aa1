"""The rule file format: schemas/rule.schema.json, with errors told in a rule author's words.

jsonschema finds the errors; this module only decides where each one is written in the file
and how to say it. The validator is compiled once per process.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruleops.checks import rule_check
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.positions import key_path
from ruleops.schema_subset import valid

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

    from ruleops.config import Config
    from ruleops.loading import Rule

_BASE_RULE = """\
[metadata]
creation_date = "2024/05/01"
updated_date = "2024/05/01"
maturity = "production"

[rule]
author = ["Elastic"]
description = "Detects a service pointed at a user-writable binary."
name = "Service ImagePath in a User Folder"
risk_score = 47
rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"
language = "kuery"
query = "event.category:process"
"""

UNKNOWN_KEY = register(
    CheckInfo(
        code="RO100",
        name="schema.unknown-key",
        severity=Severity.ERROR,
        summary="a key that the rule format does not know",
        explanation=(
            "Kibana and the detection-rules tooling ignore or reject keys they do not know, so a "
            "misspelt key is usually a setting that silently has no effect (a rule that keeps "
            "the default risk score because `risk_scor` was written). The message names the "
            "closest known key. Remove the key or correct its spelling."
        ),
        example="rule",
        bad=_BASE_RULE + 'severity = "medium"\nrisk_scor = 73\ntype = "query"',
        good=_BASE_RULE + 'severity = "medium"\ntype = "query"',
    )
)
MISSING_KEY = register(
    CheckInfo(
        code="RO101",
        name="schema.missing-key",
        severity=Severity.ERROR,
        summary="a required key is missing",
        explanation=(
            "Every rule needs its identity (rule_id, name, description, author), its scoring "
            "(severity, risk_score), its type and its metadata dates and maturity; each rule type "
            "adds what it cannot run without (a query and language, a threshold, new_terms "
            "fields, an ML job id…). The diagnostic points at the table that lacks the key."
        ),
        example="rule",
        bad=_BASE_RULE + 'type = "query"\n# no severity',
        good=_BASE_RULE + 'type = "query"\nseverity = "medium"',
    )
)
WRONG_TYPE = register(
    CheckInfo(
        code="RO102",
        name="schema.wrong-type",
        severity=Severity.ERROR,
        summary="a value has the wrong TOML type",
        explanation=(
            "A number written as a string, a single string where a list is expected, a table "
            "where a value is expected: Kibana rejects the rule on import, or worse converts "
            "the value. Write the value with the type the message names."
        ),
        example="rule",
        bad='risk_score = "47"\ntags = "Domain: Endpoint"',
        good='risk_score = 47\ntags = ["Domain: Endpoint"]',
    )
)
NOT_ALLOWED = register(
    CheckInfo(
        code="RO103",
        name="schema.value-not-allowed",
        severity=Severity.ERROR,
        summary="a value outside the fixed set of allowed values",
        explanation=(
            "Keys such as severity, type, language, maturity and building_block_type take one "
            "of a few fixed words, and the language must fit the rule type (eql rules use "
            "eql, esql rules esql, the other query rules kuery or lucene). The message lists "
            "the allowed values and, when one is close, the one that was probably meant."
        ),
        example="rule",
        bad='severity = "urgent"\ntype = "eql"\nlanguage = "kuery"',
        good='severity = "high"\ntype = "eql"\nlanguage = "eql"',
    )
)
BAD_FORMAT = register(
    CheckInfo(
        code="RO104",
        name="schema.bad-format",
        severity=Severity.ERROR,
        summary="a string that is not written in the expected format",
        explanation=(
            "Some strings have a fixed shape: rule_id and timeline_id are UUIDs, dates are "
            "YYYY/MM/DD, `from` and `to` are Elasticsearch date math (now-9m, now+30m, now/d), "
            "`interval` a duration such as 5m, "
            "min_stack_version is MAJOR.MINOR.PATCH, ATT&CK references are URLs, ATT&CK ids "
            "look like TA0002, T1059 and T1059.001. A value of another shape is rejected by "
            "Kibana or, for dates and versions, breaks the release tooling."
        ),
        example="rule",
        bad='rule_id = "403ef0d3-8259-40c9-a5b6"\nfrom = "9m"\ninterval = "5 minutes"',
        good='rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"\nfrom = "now-9m"\ninterval = "5m"',
    )
)
OUT_OF_RANGE = register(
    CheckInfo(
        code="RO105",
        name="schema.out-of-range",
        severity=Severity.ERROR,
        summary="a number outside its allowed range",
        explanation=(
            "risk_score and anomaly_threshold are between 0 and 100; max_signals, threshold "
            "values, cardinality values and suppression durations are at least 1. Kibana "
            "refuses other values."
        ),
        example="rule",
        bad="risk_score = 150\nmax_signals = 0",
        good="risk_score = 73\nmax_signals = 100",
    )
)
WRONG_RULE_TYPE_KEY = register(
    CheckInfo(
        code="RO106",
        name="schema.key-of-other-rule-type",
        severity=Severity.ERROR,
        summary="a key that belongs to another rule type",
        explanation=(
            "Some keys only mean something for one rule type: `threshold` for threshold rules, "
            "`new_terms` for new_terms rules, `threat_*` for indicator match rules, `index` and "
            "`filters` for rules that search indices (not esql or machine_learning rules). On "
            "another type the key is ignored, which usually means the type or the key is wrong."
        ),
        example="rule",
        bad=(
            'type = "eql"\nlanguage = "eql"\nquery = "process where true"\n\n'
            '[rule.threshold]\nfield = ["host.id"]\nvalue = 10'
        ),
        good=(
            'type = "threshold"\nlanguage = "kuery"\nquery = "event.category:process"\n\n'
            '[rule.threshold]\nfield = ["host.id"]\nvalue = 10'
        ),
    )
)
BAD_SIZE = register(
    CheckInfo(
        code="RO107",
        name="schema.bad-size",
        severity=Severity.ERROR,
        summary="an empty value Kibana rejects, or a list with too many items",
        explanation=(
            "Kibana's rule schema (common_attributes.schema.yaml and specific_attributes/ in "
            "x-pack/solutions/security/plugins/security_solution/common/api/detection_engine/"
            "model/rule_schema/) rejects an empty name or description, an empty threat_mapping "
            "or investigation_fields list, empty field names, and more than three fields in "
            "new_terms or alert suppression's group_by. Empty author, license, integration, "
            "tags, technique and subtechnique values are not among them: Kibana and "
            "detection-rules accept those (RO109 warns where an empty value looks like a slip)."
        ),
        example="rule",
        bad='name = ""',
        good='name = "Service ImagePath in a User Folder"\nauthor = []',
    )
)
INVALID = register(
    CheckInfo(
        code="RO108",
        name="schema.invalid",
        severity=Severity.ERROR,
        summary="a value the rule schema rejects for another reason",
        explanation=(
            "The value breaks a rule of schemas/rule.schema.json that none of the more "
            "specific codes (RO100-RO107) describes; the message quotes the schema's reason. "
            "The shipped schema has no such rule: this code is for constraints a repository adds "
            "to its own copy, such as `uniqueItems` on a list."
        ),
        example="prose",
        bad=(
            '# with "uniqueItems": true added to rule.index in the schema\n'
            'index = ["logs-*", "logs-*"]'
        ),
        good='index = ["logs-*"]',
    )
)

_SCHEMA_FILE = "rule.schema.json"

# (code, key path, message, hint) of one diagnostic, before it is placed in the file.
Finding = tuple[CheckInfo, str, str, "str | None"]


def schema_path() -> Path:
    """The schema shipped in the package, or the repository copy when running from source."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "schemas", package.parent / "schemas"):
        candidate = folder / _SCHEMA_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{_SCHEMA_FILE} is missing from the ruleops installation")


@lru_cache(maxsize=1)
def rule_schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def validator() -> Validator:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 -- heavy: jsonschema

    return Draft202012Validator(_inlined())


@lru_cache(maxsize=1)
def _inlined() -> dict[str, Any]:
    """The schema with local `$ref`s replaced by their targets: validation runs 20% faster."""
    schema = rule_schema()
    definitions = schema.get("$defs", {})

    def inline(node: Any, open_refs: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, open_refs) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
        # A recursive $ref stays a $ref.
        if name is not None and name in definitions and name not in open_refs:
            target = inline(definitions[name], (*open_refs, name))
            rest = {key: inline(value, open_refs) for key, value in node.items() if key != "$ref"}
            return {**target, **rest} if isinstance(target, dict) else target
        return {key: inline(value, open_refs) for key, value in node.items()}

    return inline(schema, ())


@rule_check(
    emits=(
        UNKNOWN_KEY,
        MISSING_KEY,
        WRONG_TYPE,
        NOT_ALLOWED,
        BAD_FORMAT,
        OUT_OF_RANGE,
        WRONG_RULE_TYPE_KEY,
        BAD_SIZE,
        INVALID,
    )
)
def check_schema(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    if valid(_inlined(), rule.data) is True:
        return  # jsonschema (60 ms to import) is needed only to explain what is wrong
    seen: set[tuple[str, str, str]] = set()
    for error in validator().iter_errors(rule.data):
        for info, where, message, hint in _explain(error, rule.data, lambda t: _written(rule, t)):
            if (info.code, where, message) in seen:
                continue
            seen.add((info.code, where, message))
            yield rule.diagnostic(info, message, where, hint=hint)


# Where a key of a table is added, as the file writes the table: the key's prefix and place.
Written = Callable[[Sequence[str | int]], "tuple[str, str] | None"]


def _written(rule: Rule, table: Sequence[str | int]) -> tuple[str, str] | None:
    """For `table` written as dotted keys (`new_terms.field = …` under [rule], as README's
    examples write it): ("new_terms.", "to [rule]"); written inline (`new_terms = { … }`):
    ("", "inside `new_terms = { … }`"). None for a table with its own header, or not
    written."""
    path = key_path(table)
    if not path or path not in rule.positions.keys:
        return None
    line = rule.line_text(rule.locate(path).line).lstrip()
    for start in range(1, len(table)):
        prefix = table[start:]
        if all(isinstance(part, str) for part in prefix):
            written = ".".join(str(part) for part in prefix)
            if line.startswith((f"{written}.", f"{written} .")):
                return f"{written}.", f"to {_table(table[:start])}"
            if re.match(rf"{re.escape(written)}\s*=\s*\{{", line):
                return "", f"inside `{written} = {{ … }}`"
    return None


def _shown(parts: Sequence[str | int]) -> str:
    return key_path(parts) or "the file"


def _table(parts: Sequence[str | int]) -> str:
    if not parts:
        return "the file"
    if any(isinstance(part, int) for part in parts):
        return f"`{key_path(parts)}`"
    return f"[{key_path(parts)}]"


def _value(instance: Any) -> str:
    if isinstance(instance, str):
        return json.dumps(instance if len(instance) <= 60 else instance[:57] + "...")
    if isinstance(instance, bool):
        return "true" if instance else "false"
    if isinstance(instance, dict):
        return "a table"
    if isinstance(instance, list):
        return "a list"
    return str(instance)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "empty",
}


def _type_of(instance: Any) -> str:
    if isinstance(instance, bool):
        return "true/false"
    if isinstance(instance, int):
        return "an integer"
    if isinstance(instance, float):
        return "a float"
    if isinstance(instance, str):
        return "a string"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, dict):
        return "a table"
    return type(instance).__name__


def _got(instance: Any) -> str:
    """`an integer (5)`, `a string ("x")`; a table or a list is named once, not twice."""
    kind, shown = _type_of(instance), _value(instance)
    return kind if shown == kind else f"{kind} ({shown})"


def _rule_type(data: dict[str, Any]) -> str | None:
    rule = data.get("rule")
    kind = rule.get("type") if isinstance(rule, dict) else None
    return kind if isinstance(kind, str) else None


def _from_branch(error: ValidationError) -> bool:
    return "then" in error.relative_schema_path or "then" in error.absolute_schema_path


def _explain(
    error: ValidationError, data: dict[str, Any], written_as: Written | None = None
) -> Iterator[Finding]:
    path = list(error.absolute_path)
    where = _shown(path)
    kind = error.validator
    value = error.validator_value
    instance = error.instance

    if kind == "additionalProperties":
        yield from _unknown_keys(error)
    elif kind is None and error.schema is False:
        yield from _other_type_keys(error, data)
    elif kind == "required":
        missing = [key for key in value if isinstance(instance, dict) and key not in instance]
        rule_type = _rule_type(data)
        for key in missing:
            why = f" ({rule_type} rules need it)" if _from_branch(error) and rule_type else ""
            if not path:
                message, hint = f"the file has no [{key}] table", f"add a [{key}] table"
            else:
                message = f"{_table(path)} is missing the required key `{key}`{why}"
                form = _toml_form(_properties(error.schema).get(key))
                written = f"{key} = {form}" if form else f"{key} = …"
                prefix, place = (written_as and written_as(path)) or ("", f"to {_table(path)}")
                hint = f"add `{prefix}{written}` {place}"  # as the table's other keys are
            yield MISSING_KEY, key_path(path), message, hint
    elif kind == "type":
        expected = [value] if isinstance(value, str) else list(value)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        hint = None
        form = _parent_form(error, instance)
        if form is not None:
            hint = f"write it as {form}"
        elif "array" in expected and isinstance(instance, str):
            hint = f"write it as a list: [{json.dumps(instance)}]"
        elif "integer" in expected and isinstance(instance, str) and instance.strip().isdigit():
            hint = f"drop the quotes: {instance.strip()}"
        yield (
            WRONG_TYPE,
            key_path(path),
            f"{where} must be {words}; got {_got(instance)}",
            hint,
        )
    elif kind in ("enum", "const"):
        allowed = [value] if kind == "const" else list(value)
        shown = ", ".join(str(v) for v in allowed)
        texts = [v for v in allowed if isinstance(v, str)]
        near = (
            difflib.get_close_matches(instance, texts, n=1, cutoff=0.5)
            if isinstance(instance, str)
            else []
        )
        context = ""
        if path and path[-1] == "language" and _from_branch(error):
            context = f" for {_rule_type(data)} rules"
        yield (
            NOT_ALLOWED,
            key_path(path),
            (
                f"{where} must be {shown}{context}; got {_value(instance)}"
                if len(allowed) == 1
                else f"{where} must be one of {shown}{context}; got {_value(instance)}"
            ),
            f"did you mean {json.dumps(near[0])}?" if near else None,
        )
    elif kind == "pattern":
        pattern = error.schema.get("x-expected") or f"a string matching {value}"
        yield (
            BAD_FORMAT,
            key_path(path),
            f"{where} must be {pattern}; got {_value(instance)}",
            None,
        )
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        if low is not None and high is not None:
            bounds = f"between {low} and {high}"
        elif low is not None:
            bounds = f"at least {low}"
        else:
            bounds = f"at most {high}"
        yield OUT_OF_RANGE, key_path(path), f"{where} must be {bounds}; got {instance}", None
    elif kind in ("minItems", "maxItems", "minLength", "maxLength"):
        if kind == "minLength":
            message = f"{where} must not be empty"
        elif kind == "minItems":
            message = (
                f"{where} must not be an empty list"
                if value == 1
                else f"{where} needs at least {value} entries; it has {len(instance)}"
            )
        elif kind == "maxItems":
            message = f"{where} takes at most {value} entries; it has {len(instance)}"
        else:
            message = f"{where} is longer than {value} characters"
        yield BAD_SIZE, key_path(path), message, None
    elif kind in ("oneOf", "anyOf"):
        yield from _alternatives(error, data, written_as)
    else:
        yield INVALID, key_path(path), f"{where}: {error.message}", None


def _properties(schema: Any) -> dict[str, Any]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _toml_form(schema: Any, given: Any = None) -> str | None:
    """A value written as TOML that the schema accepts, for a hint to show in full: only for
    lists of tables and tables (where "add `key = …`" does not say how), built from the
    schema's `const`s and `examples`, with `given` (the author's own value) in the first free
    string. None when the schema does not say enough to write one."""
    if not isinstance(schema, dict):
        return None
    items = schema.get("items") if schema.get("type") == "array" else schema
    if not isinstance(items, dict) or items.get("type") != "object":
        return None
    return _inline_value(schema, [given])


def _inline_value(schema: Any, given: list[Any]) -> str | None:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        item = _inline_value(schema.get("items"), given)
        return f"[{item}]" if item else None
    if kind == "object":
        parts = []
        for name in schema.get("required", ()):
            value = _inline_value(_properties(schema).get(name), given)
            if value is None:
                return None
            parts.append(f"{name} = {value}")
        return "{ " + ", ".join(parts) + " }" if parts else None
    if kind == "string" and isinstance(given[0], str):
        value, given[0] = given[0], None  # the author's value fills one place only
        return json.dumps(value)
    examples = schema.get("examples")
    return json.dumps(examples[0]) if isinstance(examples, list) and examples else None


def _parent_form(error: ValidationError, instance: Any) -> str | None:
    """For a value of the wrong type where a list of tables is expected (the key itself, or
    one of its entries): the key written in full, keeping the author's value."""
    path = list(error.absolute_path)
    schema_path = list(error.absolute_schema_path)
    if path and isinstance(path[-1], int) and schema_path[-2:-1] == ["items"]:
        key, outer = path[-2] if len(path) > 1 else None, _schema_at(schema_path[:-2])
    else:
        key, outer = (path[-1] if path else None), _schema_at(schema_path[:-1])
    if not isinstance(key, str):
        return None
    form = _toml_form(outer, instance if isinstance(instance, str) else None)
    return f"`{key} = {form}`" if form else None


# Keys written in the wrong one of the two tables are a common slip: say where they belong.
_SIBLING_TABLE = {"metadata": "rule", "rule": "metadata"}


def _unknown_keys(error: ValidationError) -> Iterator[Finding]:
    path = list(error.absolute_path)
    known = sorted(error.schema.get("properties", {}))
    sibling = _SIBLING_TABLE.get(path[0]) if len(path) == 1 else None
    elsewhere = rule_schema()["properties"][sibling]["properties"] if sibling else {}
    for key in error.instance:
        if key in known:
            continue
        where = key_path([*path, key])
        if key in elsewhere:
            yield (
                UNKNOWN_KEY,
                where,
                f"`{key}` belongs in [{sibling}], not in {_table(path)}",
                f"move `{key}` under the [{sibling}] header",
            )
            continue
        owner = _owner(error, key)
        if owner is not None:  # `history_window_start` for `new_terms.history_window_start`
            table = _table([*path, owner])
            yield (
                UNKNOWN_KEY,
                where,
                f"unknown key `{key}` in {_table(path)}; did you mean `{owner}.{key}`?",
                f"it is a key of {table}: write it as `{owner}.{key} = …` here, or under "
                f"the {table} header",
            )
            continue
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if near:
            hint = "correct the spelling, or remove the key"
        elif len(known) <= 12:
            hint = f"known keys here: {', '.join(known)}"
        else:
            hint = "remove the key, or see `ruleops rule RO100`"
        message = f"unknown key `{key}` in {_table(path)}"
        yield (
            UNKNOWN_KEY,
            where,
            message + (f"; did you mean `{near[0]}`?" if near else ""),
            hint,
        )


def _owner(error: ValidationError, key: str) -> str | None:
    """The table written in the instance whose schema knows `key`, for a key written one
    level too high."""
    tables = _properties(error.schema)
    for name, value in error.instance.items():
        if isinstance(value, dict) and key in _properties(tables.get(name)):
            return str(name)
    return None


def _alternatives(
    error: ValidationError, data: dict[str, Any], written_as: Written | None = None
) -> Iterator[Finding]:
    """A value that fits none of several shapes: name the shapes when it is a type mix-up."""
    path = list(error.absolute_path)
    causes = list(error.context or ())
    if causes and all(c.validator == "type" and not c.relative_path for c in causes):
        words = " or ".join(_TYPE_WORDS.get(str(c.validator_value), "?") for c in causes)
        got = _got(error.instance)
        yield (
            WRONG_TYPE,
            key_path(path),
            f"{_shown(path)} must be {words}; got {got}",
            None,
        )
        return
    from jsonschema.exceptions import best_match  # noqa: PLC0415 -- heavy: jsonschema

    # The branch whose type fits the value is the one the author meant; its error is the cause.
    fitting = [c for c in causes if c.validator != "type" or c.relative_path]
    cause = best_match(fitting or causes)
    if cause is None:
        yield INVALID, key_path(path), f"{_shown(path)}: {error.message}", None
        return
    yield from _explain(cause, data, written_as)


def _other_type_keys(error: ValidationError, data: dict[str, Any]) -> Iterator[Finding]:
    """A key switched off (`false`) for this rule type: say which types it belongs to."""
    path = list(error.absolute_path)
    if error.relative_schema_path and error.relative_schema_path[-1] != "properties":
        # A `false` schema reached through another keyword: its error path names the key.
        yield (
            WRONG_RULE_TYPE_KEY,
            key_path(path),
            f"{_shown(path)} is not used here",
            None,
        )
        return
    parent = _at(data, path)
    properties = _schema_at(list(error.absolute_schema_path))
    if not isinstance(parent, dict) or not isinstance(properties, dict):
        return
    rule_type = _rule_type(data)
    for key, sub in properties.items():
        if sub is False and key in parent:
            users = _types_using(path, key)
            belongs = f"; it belongs to {', '.join(users)} rules" if users else ""
            yield (
                WRONG_RULE_TYPE_KEY,
                key_path([*path, key]),
                f"`{key}` is not used by {rule_type} rules{belongs}",
                "remove the key, or check that `type` is what you meant",
            )


def _types_using(path: list[str | int], key: str) -> list[str]:
    """The rule types whose branch does not switch `key` off (only for keys of [rule])."""
    if path != ["rule"]:
        return []
    rule = rule_schema()["properties"]["rule"]
    users = []
    for branch in rule.get("allOf", ()):
        kind = branch.get("if", {}).get("properties", {}).get("type", {}).get("const")
        if kind and branch.get("then", {}).get("properties", {}).get(key) is not False:
            users.append(kind)
    return users


def _at(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _schema_at(path: list[str | int]) -> Any:
    node: Any = _inlined()
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node
