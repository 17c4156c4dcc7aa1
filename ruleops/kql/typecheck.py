"""KQL that Kibana's grammar accepts but that Elasticsearch rejects, or that can never match,
once the fields' types are known.

* A nested query (`field:{ … }`) needs a `nested` field as its path: Kibana sends the path
  as written (kbn-es-query `functions/nested.ts`), and Elasticsearch rejects a wildcard path
  or a field that is not nested ("failed to find nested object under path").
* A field inside a nested object, queried outside a nested query, matches nothing: the
  objects are documents of their own, which the plain query never reaches (Kibana raises
  "is a nested field, but is not in a nested group" when it knows the field,
  `utils/get_full_field_name_node.ts`; the detection engine builds the query without a data
  view, and then it quietly matches nothing).
* A value the field's type makes impossible: Elasticsearch runs the query, and it matches
  nothing (`query.field_semantics.never_matches`): a wildcard with a character no word
  holds on a text field (`message:*Invoke-Mimikatz*`), a value without a word, a fraction
  on an integer field.
* A `*` in a range bound is no wildcard: Kibana sends the bound as written (`range.ts`),
  which a number, date or IP field cannot read (the type check RO353 says so for a typed
  field) and a keyword field compares character by character.

`check_types(expr, field_types)` returns these as `QueryFinding`s, in source order.
"""

from __future__ import annotations

from collections.abc import Mapping

from ruleops import es_types
from ruleops.diagnostics import CheckInfo, Severity, register
from ruleops.query import field_semantics
from ruleops.query.ast import And, Compare, Expr, Field, Literal, Match, Span, fields, walk
from ruleops.query.finding import QueryFinding

REJECTED_NESTED_PATH = register(
    CheckInfo(
        code="RO408",
        name="kql.nested-path-rejected",
        severity=Severity.ERROR,
        example="kql",
        summary="a nested query whose path is a wildcard or not a nested field",
        explanation=(
            "`field:{ … }` is a nested query on the objects of `field`, which the mapping "
            "must declare `nested`. Kibana sends the path as written; Elasticsearch rejects "
            "a path with a wildcard, or one that is not a nested field, and the rule fails "
            "to run. Name the nested field in full (ECS nests `email.attachments`, "
            "`threat.enrichments`, the `*.pe.sections` and `*.elf.sections` fields)."
        ),
        bad='email.attach*:{ file.extension: "exe" }',
        good='email.attachments:{ file.extension: "exe" }',
    )
)
NESTED_FIELD_OUTSIDE = register(
    CheckInfo(
        code="RO409",
        name="kql.nested-field-outside-nested-query",
        severity=Severity.ERROR,
        example="kql",
        summary="a field inside a nested object queried outside a nested query",
        explanation=(
            "Elasticsearch stores each object of a `nested` field as a document of its own. "
            "A condition on one of their fields written outside a nested query never reaches "
            "them, so it matches nothing (and `not` of it matches everything). Put it in a "
            "nested query on its nested field."
        ),
        bad='email.attachments.file.extension: "exe"',
        good='email.attachments:{ file.extension: "exe" }',
    )
)
WILDCARD_IN_RANGE = register(
    CheckInfo(
        code="RO410",
        name="kql.wildcard-in-range-bound",
        severity=Severity.WARNING,
        example="kql",
        summary="a `*` in a range bound, which is no wildcard",
        explanation=(
            "Kibana accepts `bytes > 100*` and sends the bound `100*` as written. A range "
            "has no wildcards: on a number, date or IP field Elasticsearch cannot read the "
            "bound and rejects the query; on a keyword field the `*` is compared as a "
            "character. Write the bound in full, or match a prefix with `field:value*`."
        ),
        bad="destination.port > 100*",
        good="destination.port > 100",
    )
)

NEVER_MATCHES_TYPE = register(
    CheckInfo(
        code="RO411",
        name="kql.never-matches-field-type",
        severity=Severity.ERROR,
        example="kql",
        summary="a value the field's type lets match nothing",
        explanation=(
            "Elasticsearch indexes a text field (`message`, `*.script_block_text`) as single "
            "lower-case words: `Invoke-Mimikatz -Dump` becomes invoke, mimikatz, dump. A KQL "
            "wildcard on it is matched word by word, so a pattern with a character no word "
            "keeps (`-`, `\\`, `/`, a space) matches nothing, and the condition quietly "
            "never holds; so does a value without a word on a text field, and a number with "
            "a fraction on an integer field. Match the words as a phrase "
            '(`message:"Invoke-Mimikatz"`: invoke then mimikatz), or the field\'s keyword '
            "counterpart."
        ),
        bad="powershell.file.script_block_text:*Invoke-Mimikatz*",
        good='powershell.file.script_block_text:"Invoke-Mimikatz"',
    )
)


def check_types(expr: Expr, field_types: Mapping[str, str]) -> list[QueryFinding]:
    """Every finding of the module doc in `expr`, in source order."""
    found: list[QueryFinding] = []
    inside_nested: set[int] = set()
    for node in walk(expr):
        if isinstance(node, And) and node.nested:
            inside_nested.update(id(f) for f in fields(node))
            found.extend(_nested_path(node, field_types))
        elif isinstance(node, Match) and isinstance(node.value, Field):
            found.extend(_never_matches(node, node.value, field_types))
        elif isinstance(node, Compare) and isinstance(node.right, Literal):
            bound = node.right.value
            if isinstance(bound, str) and "*" in bound:
                found.append(
                    QueryFinding(
                        WILDCARD_IN_RANGE,
                        f'the `*` in the bound "{bound}" is no wildcard: a range compares the '
                        "bound as written",
                        node.right.span,
                        "write the bound in full, or match a prefix with `field:value*`",
                    )
                )
    reported: set[str] = set()
    for field in fields(expr):
        if id(field) in inside_nested or field.name in reported or field.verbatim:
            continue
        path = es_types.nested_path(field_types, field.name)
        if path is not None and "*" not in field.name:
            reported.add(field.name)
            found.append(
                QueryFinding(
                    NESTED_FIELD_OUTSIDE,
                    f"{field.name} is inside the nested field {path}: outside a nested query "
                    "this condition matches nothing",
                    field.span,
                    f"write it as {path}:{{ {field.name[len(path) + 1 :]}: … }}",
                )
            )
    return sorted(found, key=lambda f: (f.span.start, f.code))


def _never_matches(node: Match, field: Field, types: Mapping[str, str]) -> list[QueryFinding]:
    """RO411 for each value of `node` the field's type lets match nothing."""
    kind = types.get(field.name)
    if kind is None or field.verbatim or "*" in field.name:
        return []
    found = []
    for pattern in node.patterns:
        why = field_semantics.never_matches(kind, node.kind, pattern)
        if why is not None:
            found.append(
                QueryFinding(
                    NEVER_MATCHES_TYPE,
                    f'"{pattern}" can never match {field.name}: {why}',
                    node.span,
                    _never_hint(field.name, kind, pattern),
                )
            )
    return found


def _never_hint(name: str, es_type: str, pattern: str) -> str:
    words = es_types.analyze(pattern.replace("*", " "))
    if es_types.family(es_type) == "text" and words:
        phrase = " ".join(words)
        return (
            f'match the words as a phrase, {name}:"{phrase}" (any case, any separator '
            "between them), or query a keyword field"
        )
    if es_types.family(es_type) == "integer":
        return "compare with a whole number, or a range"
    return "remove the value, or query a keyword field"


def _nested_path(node: And, field_types: Mapping[str, str]) -> list[QueryFinding]:
    path = ".".join(node.nested)
    span = Span(node.span.start, node.span.start + len(path))
    if "*" in path:
        message = f"the nested path {path} has a wildcard, which Elasticsearch rejects"
    elif path in field_types and field_types[path] != "nested":
        message = (
            f"{path} is a {field_types[path]} field, not a nested one: Elasticsearch rejects "
            "the nested query"
        )
    else:
        return []
    return [QueryFinding(REJECTED_NESTED_PATH, message, span, "name the nested field in full")]
