"""Elasticsearch's ES|QL csv-spec files (../shared/conformance/elasticsearch-esql, README
there, §3.1): the tests they hold, read by Elasticsearch's own rules (`CsvSpecReader`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ESQL_CONFORMANCE = SHARED / "conformance" / "elasticsearch-esql"
_OPTION = re.compile(r"(required_capability|skip_flattened_rewrite|request_stored|skip_columnar):")


@dataclass(frozen=True)
class SpecTest:
    file: str
    name: str  # the name line, `-Ignore` and `#[skip:…]` included
    query: str  # `\;` of SET statements unescaped
    capabilities: tuple[str, ...]
    results: tuple[str, ...]  # the lines after the query, up to the closing `;`


def spec_tests(folder: Path = ESQL_CONFORMANCE / "specs") -> Iterator[SpecTest]:
    for path in sorted(folder.glob("*.csv-spec")):
        yield from _read(path)


def _read(path: Path) -> Iterator[SpecTest]:
    state, name, query, capabilities, results = "name", "", [], [], []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("//", "#")):
            continue
        if state == "name":
            state, name, query, capabilities, results = "options", line, [], [], []
            continue
        if state == "options":
            option = _OPTION.match(line)
            if option:
                if option.group(1) == "required_capability":
                    capabilities.append(line.split(":", 1)[1].strip())
                continue
            state = "query"
        if state == "query":
            if line.endswith(";") and not line.endswith("\\;"):
                query.append(line[:-1])
                state = "results"
            else:
                query.append(line)
            continue
        if line.startswith(";"):
            text = "\n".join(query).replace("\\;", ";")
            yield SpecTest(path.name, name, text, tuple(capabilities), tuple(results))
            state = "name"
        else:
            results.append(line)
