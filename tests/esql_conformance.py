"""Elasticsearch's ES|QL csv-spec tests run through ruleops' evaluator.

`python tests/esql_conformance.py [--verbose] [FILE…]` prints, per spec file, passed / in
scope / total and every failing test with its cause. The files are read by
`tests/esql_specs.py` (README of ../shared/conformance/elasticsearch-esql, §3); datasets are
loaded as `CsvTestsDataLoader` does (§3.2): the typed CSV header gives names and types, the
mapping what the header cannot say (`scaling_factor`, `ignore_above`, metadata), values go
through `es_types.doc_value` (doc-values order and precision), columns in name order.

Every test gets one outcome (§4): skipped (ignored upstream), unsupported (a dataset not
copied, a command, function, capability or type ruleops does not claim), pass, or fail.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ruleops.es_types import Version
from ruleops.esql.parser import EsqlSyntaxError
from ruleops.esql.pipeline import compile_query

sys.path.insert(0, str(Path(__file__).resolve().parent))

from esql_specs import ESQL_CONFORMANCE, SpecTest, spec_tests

from ruleops.es_types import doc_value, esql_type, ip_bytes
from ruleops.esql.evaluate import EsqlError, NotEvaluated, Table
from ruleops.esql.values import canonical_type, parse_iso
from ruleops.mapping import flatten_mapping, values_type

DATASETS = ("employees", "hosts", "sample_data", "apps", "ul_logs", "books", "addresses", "mv_text")
MAPPING_FILE = {"employees": "mapping-default.json"}

# Tests that fail, with their cause (README §4: every failing test listed with a cause).
KNOWN_FAILURES: dict[str, str] = {
    "stats.csv-spec:statsAggExpressionOnMVGroupingKeyWithAlias": "grouping by a multi-valued "
    "key and its EVAL alias: Elasticsearch sees one attribute and makes 3 groups, ruleops "
    "two keys and 9 groups",
    "string.csv-spec:equalToOrEqualToMultivalue": "Elasticsearch rewrites `x == a OR x == b` "
    "into `x IN (a, b)` pushed to Lucene, whose warning names [job_positions]; ruleops warns "
    "per comparison",
    "string.csv-spec:reverseWithTextFields": "Elasticsearch runs WHERE, SORT and LIMIT before "
    "an EVAL they do not read, so it never evaluates REVERSE on the multi-valued authors "
    "that ruleops warns about",
    "string.csv-spec:mvStringEqualsLongString": "a comparison on a text field with a keyword "
    "sub-field (`ignore_above: 100`) is pushed to the sub-field in Elasticsearch; ruleops "
    "compares the text",
    "string.csv-spec:mvStringNotEquals": "same as mvStringEqualsLongString (text field "
    "pushed down to its keyword sub-field)",
    "string.csv-spec:mvStringNotEqualsFound": "same as mvStringEqualsLongString (text field "
    "pushed down to its keyword sub-field)",
}

# Capabilities ruleops does not claim, with why: their tests are "unsupported: capability X"
# (README §4.5). Every other capability (a feature gate of something ruleops evaluates, or a
# bug-fix marker pinning today's behaviour) is claimed, and its tests run.
UNCLAIMED: dict[str, str] = {
    "optional_fields_nullify_tech_preview": "SET unmapped_fields (technical preview)",
    "warn_null_misuse": "planning warnings such as `Expression [1 + null] always evaluates "
    "to NULL` are not produced",
    "combine_disjunctive_cidrmatches": "the optimizer's merging of ORed CIDR_MATCH and == on "
    "one field, whose warnings name the merged field",
    "functions_source_serialization_warnings": "Java's regular-expression error messages",
    "join_lookup_v12": "LOOKUP JOIN",
    "join_lookup_v13": "LOOKUP JOIN",
    "enrich_load": "ENRICH",
    "union_types": "union types across indices",
    "aggregate_metric_double_v0": "the aggregate_metric_double type",
}
# Types ruleops does not model: a test whose header has one is unsupported.
UNMODELLED_TYPES = re.compile(
    r"^(geo_|cartesian_|aggregate_metric_double|dense_vector|unsupported|counter_|"
    r"histogram|exponential_histogram|tdigest|date_range)"
)


@dataclass(frozen=True)
class Outcome:
    test: SpecTest
    status: str  # pass, fail, skipped, unsupported
    reason: str = ""


# ---------------------------------------------------------------------------- datasets


def _split_cells(line: str, separator: str = ",", quotes: bool = False) -> list[str]:
    """Cells of a line: `[a, b]` keeps its commas, `\\,` is a literal comma, and with
    `quotes` a `"…"` cell keeps its separators."""
    cells, current, depth, i = [], [], 0, 0
    quoted = False
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] == separator:
            current.append(separator)
            i += 2
            continue
        if quotes and char == '"':
            quoted = not quoted
        if quoted:
            current.append(char)
            i += 1
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        if char == separator and depth == 0:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    cells.append("".join(current))
    return cells


def _raw_value(cell: str) -> Any:
    text = cell.strip()
    if text == "":
        return None
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1]
        return [v.strip() for v in _split_cells(inner)] if inner.strip() else []
    return text


@cache
def load_table(index: str) -> Table:
    folder = ESQL_CONFORMANCE
    lines = (folder / "data" / f"{index}.csv").read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    mapping_path = folder / "mappings" / MAPPING_FILE.get(index, f"mapping-{index}.json")

    mapped = flatten_mapping(json.loads(mapping_path.read_text(encoding="utf-8")))
    fields = []
    for item in header:
        name, _, kind = item.rpartition(":")
        fields.append((name.strip(), kind.strip()))
    columns = []
    metadata = set()
    for name, kind in fields:
        columns.append((name, esql_type(kind) if kind != "keyword" else "keyword"))
        if name.startswith("_"):
            metadata.add(name)
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = _split_cells(line)
        row = []
        for (name, kind), cell in zip(fields, cells, strict=False):
            params = mapped[name].params if name in mapped else {}
            read_as = values_type(mapped, name) if kind in ("text",) else kind
            row.append(doc_value(_raw_value(cell), read_as or kind, params))
        row += [None] * (len(fields) - len(row))
        rows.append(tuple(row))
    columns.append(("_index", "keyword"))
    metadata.add("_index")
    rows = [(*r, index) for r in rows]
    return Table(tuple(columns), rows, frozenset(metadata))


def union_tables(tables: list[Table]) -> Table | None:
    """Several indices as one source (`FROM a, b`): every column of any of them, in name
    order, null where an index lacks it; None when one name has two types."""
    types: dict[str, str] = {}
    for table in tables:
        for name, kind in table.columns:
            if types.setdefault(name, kind) != kind:
                return None
    columns = tuple(sorted(types.items()))
    rows = []
    for table in tables:
        position = {name: i for i, (name, _) in enumerate(table.columns)}
        for row in table.rows:
            rows.append(tuple(row[position[n]] if n in position else None for n, _ in columns))
    metadata = frozenset().union(*(t.metadata for t in tables))
    return Table(columns, rows, metadata)


# ---------------------------------------------------------------------------- expected results


@dataclass(frozen=True)
class Expected:
    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    warnings: tuple[str, ...]
    warning_regexes: tuple[str, ...]
    ignore_order: bool


def expected(test: SpecTest) -> Expected:
    warnings, regexes, ignore_order = [], [], False
    lines = list(test.results)
    while lines and lines[0].startswith(("warning:", "warningRegex:", "ignoreOrder:")):
        line = lines.pop(0)
        if line.startswith("warningRegex:"):
            regexes.append(line.split(":", 1)[1].strip())
        elif line.startswith("warning:"):
            warnings.append(line.split(":", 1)[1].strip())
        else:
            ignore_order = line.split(":", 1)[1].strip().lower() == "true"
    columns: tuple[tuple[str, str], ...] = ()
    rows: list[tuple[str, ...]] = []
    if lines:
        columns = tuple(
            (name.strip(), canonical_type(kind.strip()))
            for name, _, kind in (c.strip().rpartition(":") for c in lines[0].split("|"))
        )
        rows = [tuple(c.strip() for c in _split_cells(line, "|", True)) for line in lines[1:]]
    return Expected(columns, tuple(rows), tuple(warnings), tuple(regexes), ignore_order)


def parse_cell(text: str, kind: str) -> Any:
    if text == "null":
        return None
    if text.startswith("[") and text.endswith("]"):
        values = [parse_cell(v.strip(), kind) for v in _split_cells(text[1:-1], ",", True)]
        return tuple(values) if len(values) != 1 else values[0]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if kind in ("integer", "long", "unsigned_long"):
        return int(text)
    if kind == "double":
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "date":
        return parse_iso(text)
    if kind == "date_nanos":
        return parse_iso(text, nanos=True)
    if kind == "ip":
        return ip_bytes(text)
    if kind == "version":
        return Version(text)
    return text


def _same(actual: Any, wanted: Any, kind: str) -> bool:
    if kind == "double" and actual is not None and wanted is not None:
        if isinstance(actual, tuple) != isinstance(wanted, tuple):
            return False
        pairs = (
            zip(actual, wanted, strict=False) if isinstance(actual, tuple) else [(actual, wanted)]
        )
        if isinstance(actual, tuple) and len(actual) != len(wanted):
            return False
        return all(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in pairs)
    return actual == wanted


# ---------------------------------------------------------------------------- running


_FROM = re.compile(r"^\s*(?:from|FROM|From)\s+([^|\s,]+(?:\s*,\s*[^|\s,]+)*)", re.M)


def _unsupported(test: SpecTest, exp: Expected) -> str | None:
    if test.name.endswith("-Ignore") or "#[skip:-9.99.99" in test.name:
        return None
    for capability in test.capabilities:
        if capability in UNCLAIMED:
            return f"capability {capability}: {UNCLAIMED[capability]}"
    for _, kind in exp.columns:
        if UNMODELLED_TYPES.match(kind):
            return f"type {kind}"
    return None


def _sources(query: str) -> list[str]:
    found = _FROM.search(re.sub(r"^\s*SET\s[^;]*;", "", query, flags=re.I | re.M))
    if not found:
        return []
    names = []
    for part in found.group(1).split(","):
        name = part.strip().strip('"')
        if name.lower() == "metadata":
            break
        names.append(name)
    return names


def run_test(test: SpecTest) -> Outcome:
    if test.name.endswith("-Ignore") or "#[skip:-9.99.99" in test.name:
        return Outcome(test, "skipped", "ignored upstream")
    exp = expected(test)
    reason = _unsupported(test, exp)
    if reason:
        return Outcome(test, "unsupported", reason)
    for name in _sources(test.query):
        if "*" in name or name.startswith("-") or ":" in name:
            return Outcome(test, "unsupported", f"dataset {name}")
        if name not in DATASETS:
            return Outcome(test, "unsupported", f"dataset {name}")

    names = _sources(test.query)
    sources = {name: load_table(name) for name in names}
    if len(names) > 1:
        union = union_tables([sources[n] for n in names])
        if union is None:
            return Outcome(test, "unsupported", "indices mapping one field to different types")
        sources = {",".join(names): union}
    try:
        plan = compile_query(test.query, sources)
        result = plan.run(now=parse_iso("2024-05-01T00:00:00Z"))
    except NotEvaluated as error:
        return Outcome(test, "unsupported", error.message)
    except EsqlSyntaxError as error:
        return Outcome(test, "fail", f"syntax error: {error}")
    except EsqlError as error:
        return Outcome(test, "fail", f"error: {error.message}")
    except Exception as error:
        return Outcome(test, "fail", f"crash: {type(error).__name__}: {error}")
    return _compare(test, exp, result)


def _compare(test: SpecTest, exp: Expected, result: Any) -> Outcome:
    actual_columns = tuple(result.columns)
    if tuple(n for n, _ in actual_columns) != tuple(n for n, _ in exp.columns):
        return Outcome(
            test,
            "fail",
            f"columns {[n for n, _ in actual_columns]} != {[n for n, _ in exp.columns]}",
        )
    for (name, actual_type), (_, wanted_type) in zip(actual_columns, exp.columns, strict=True):
        if actual_type != wanted_type and not (wanted_type == "null" and actual_type == "null"):
            return Outcome(
                test, "fail", f"column {name}: type {actual_type}, expected {wanted_type}"
            )
    kinds = [k for _, k in exp.columns]
    try:
        wanted = [
            tuple(parse_cell(c, k) for c, k in zip(row, kinds, strict=False)) for row in exp.rows
        ]
    except (ValueError, TypeError) as error:
        return Outcome(test, "fail", f"expected row unreadable: {error}")
    actual = [tuple(r) for r in result.rows]
    if len(actual) != len(wanted):
        return Outcome(test, "fail", f"{len(actual)} rows, expected {len(wanted)}")

    def same_row(a: tuple, w: tuple) -> bool:
        return len(a) == len(w) and all(_same(x, y, k) for x, y, k in zip(a, w, kinds, strict=True))

    if exp.ignore_order:
        remaining = list(wanted)
        for row in actual:
            match = next((i for i, w in enumerate(remaining) if same_row(row, w)), None)
            if match is None:
                return Outcome(test, "fail", f"unexpected row {row}")
            remaining.pop(match)
    else:
        for number, (row, want) in enumerate(zip(actual, wanted, strict=True)):
            if not same_row(row, want):
                return Outcome(test, "fail", f"row {number}: {row} != {want}")
    warnings = [_header_value(w) for w in result.warnings]
    for warning in exp.warnings:
        # Elasticsearch's harness also reads `warning:` lines as regular expressions when
        # they are written as one (`evaluation of \\[x\\] failed…`).
        if warning not in warnings and not any(_search(warning, w) for w in warnings):
            return Outcome(test, "fail", f"missing warning {warning!r}; got {warnings}")
    for regex in exp.warning_regexes:
        if not any(_search(regex, w) for w in warnings):
            return Outcome(test, "fail", f"no warning matches {regex!r}; got {warnings}")
    if not exp.warnings and not exp.warning_regexes and warnings:
        return Outcome(test, "fail", f"unexpected warnings {warnings}")
    return Outcome(test, "pass")


def _header_value(warning: str) -> str:
    """A warning as the HTTP Warning header carries it, which is what the expected lines
    hold (`HeaderWarning.escapeAndEncode`): `\\` and `"` escaped, `%` and control
    characters percent-encoded."""
    escaped = warning.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(
        c
        if c != "%" and (c == "\t" or " " <= c <= "~" or c > "\x7f")
        else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in escaped
    )


def _search(regex: str, text: str) -> bool:
    try:
        return re.search(regex, text) is not None
    except re.error:
        return False


def outcomes(files: tuple[str, ...] = ()) -> Iterator[Outcome]:
    for test in spec_tests():
        if files and test.file not in files:
            continue
        yield run_test(test)


def figures(results: list[Outcome]) -> dict[str, Counter]:
    per_file: dict[str, Counter] = {}
    for outcome in results:
        per_file.setdefault(outcome.test.file, Counter())[outcome.status] += 1
    return per_file


def figure_lines(results: list[Outcome]) -> list[str]:
    lines = []
    for name, counts in sorted(figures(results).items()):
        in_scope = counts["pass"] + counts["fail"]
        lines.append(
            f"{name:30} {counts['pass']:4} / {in_scope:4} / {sum(counts.values()):4}"
            f"  (unsupported {counts['unsupported']}, skipped {counts['skipped']})"
        )
    return lines


def key(test: SpecTest) -> str:
    return f"{test.file}:{test.name.split('#', 1)[0].strip()}"


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    files = tuple(a for a in argv if not a.startswith("--"))
    results = list(outcomes(files))
    for line in figure_lines(results):
        print(line)
    for outcome in results:
        if outcome.status == "fail" or (verbose and outcome.status == "unsupported"):
            print(f"  {outcome.status}: {outcome.test.file} {outcome.test.name}: {outcome.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
