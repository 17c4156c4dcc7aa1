"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run, one tool (`ruleops`) whose `rules` are the documented codes that appear in the
results, so each alert links to the code's summary, explanation and examples.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import quote

from ruleops import __version__
from ruleops.checks import load_all_checks
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, printable
from ruleops.report import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ruleops/ruleops"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_document(
    diagnostics: Iterable[Diagnostic],
    registry: Mapping[str, CheckInfo],
    *,
    tool_version: str,
) -> dict[str, Any]:
    """The SARIF log for one run, as plain JSON-ready data."""
    diagnostics = list(diagnostics)
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ruleops",
                        "semanticVersion": tool_version,
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(code, registry.get(code)) for code in codes],
                    }
                },
                # Our columns count characters, not UTF-16 code units (the SARIF default).
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {
                    "%SRCROOT%": {"description": {"text": "the repository root"}}
                },
                "results": [_result(d, index[d.code]) for d in diagnostics],
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }


def write_report(report: Report, out: TextIO, failing: Severity) -> None:
    write_sarif(report.diagnostics, load_all_checks(), out, tool_version=__version__)


def write_sarif(
    diagnostics: Iterable[Diagnostic],
    registry: Mapping[str, CheckInfo],
    out: TextIO,
    *,
    tool_version: str,
) -> None:
    json.dump(sarif_document(diagnostics, registry, tool_version=tool_version), out, indent=2)
    out.write("\n")


def _descriptor(code: str, info: CheckInfo | None) -> dict[str, Any]:
    if info is None:  # a code nobody declared still needs a descriptor for its results
        return {"id": code, "shortDescription": {"text": code}}
    return {
        "id": code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": " ".join(info.explanation.split())},
        "help": {"text": info.render(), "markdown": _help_markdown(info)},
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": {"tags": ["detection-rules", *info.tags]},
    }


def _help_markdown(info: CheckInfo) -> str:
    parts = [f"**{info.code} ({info.name})**: {info.summary}", "", info.explanation.strip()]
    if info.bad:
        parts += ["", "Fails:", "", "```toml", info.bad.strip("\n"), "```"]
    if info.good:
        parts += ["", "Passes:", "", "```toml", info.good.strip("\n"), "```"]
    parts += [
        "",
        f'Switch it off with `ignore = ["{info.code}"]` in `[tool.ruleops]`, or on one '
        f"line with `# ruleops: ignore[{info.code}] reason`.",
    ]
    return "\n".join(parts)


def _result(d: Diagnostic, rule_index: int) -> dict[str, Any]:
    text = printable(d.message if not d.hint else f"{d.message} (hint: {d.hint})")
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": text},
        # Stable across runs as long as the finding does not change, whatever line it moves to.
        "partialFingerprints": {"ruleops/v1": _fingerprint(d)},
    }
    if not d.path.startswith("<"):  # "<run>" and "<string>" name no file
        region: dict[str, Any] = {"startLine": max(1, d.line), "startColumn": max(1, d.column)}
        if d.end_column is not None and d.end_column > d.column:
            region["endColumn"] = d.end_column
        result["locations"] = [
            {"physicalLocation": {"artifactLocation": _artifact(d.path), "region": region}}
        ]
    return result


def _artifact(path: str) -> dict[str, Any]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    # Quoted from the name's bytes, so that a name that is not UTF-8 still points at its file.
    return {"uri": quote(os.fsencode(pure.as_posix())), "uriBaseId": "%SRCROOT%"}


def _fingerprint(d: Diagnostic) -> str:
    digest = hashlib.sha256(f"{d.code}\0{d.path}\0{d.message}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]
