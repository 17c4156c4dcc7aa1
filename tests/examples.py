"""Codes' `bad` and `good` examples as files on disk, checked by the real pipeline.

`ruleops.checks` documents what each kind of example is. Everything an example leaves out
comes from one complete rule that passes every check (`BASE`): an example is the part of a
rule file, a fixture file or a configuration that makes the difference.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from ruleops.config import load_config
from ruleops.diagnostics import CheckInfo, Diagnostic
from ruleops.engine import run_check

RULE_ID = "403ef0d3-8259-40c9-a5b6-d48354712e49"
QUERIES = {
    "eql": 'registry where registry.value : ("ServiceDLL", "ImagePath")',
    "kql": 'event.category:registry and registry.value:("ServiceDLL" or "ImagePath")',
    "esql": "FROM logs-endpoint.events.registry-* METADATA _id, _version, _index\n"
    '| WHERE registry.value IN ("ServiceDLL", "ImagePath")\n'
    "| KEEP _id, _version, _index, registry.value",
}
# Keys of a rule of each query language that differ from the EQL rule below.
LANGUAGES = {
    "eql": {"type": "eql", "language": "eql"},
    "kql": {"type": "query", "language": "kuery"},
    "esql": {"type": "esql", "language": "esql"},
}
BASE_METADATA = {
    "creation_date": "2024/05/01",
    "updated_date": "2024/06/01",
    "maturity": "production",
}
BASE_RULE = {
    "author": ["Elastic"],
    "description": "Detects a service pointed at a user-writable binary.",
    "from": "now-9m",
    "index": ["logs-endpoint.events.registry-*"],
    "language": "eql",
    "license": "Elastic License v2",
    "name": "Service ImagePath in a User Folder",
    "query": QUERIES["eql"],
    "risk_score": 47,
    "rule_id": RULE_ID,
    "severity": "medium",
    "tags": [
        "Domain: Endpoint",
        "OS: Windows",
        "Use Case: Threat Detection",
        "Tactic: Persistence",
    ],
    "type": "eql",
}
BASE_THREAT = """\
[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1543"
name = "Create or Modify System Process"
reference = "https://attack.mitre.org/techniques/T1543/"
[rule.threat.tactic]
id = "TA0003"
name = "Persistence"
reference = "https://attack.mitre.org/tactics/TA0003/"
"""
# What makes the pipeline's fixture of the base rule pass.
BASE_FIXTURE = f"""\
rule_id = "{RULE_ID}"

[[case]]
name = "ImagePath written"
expect = "match"
[[case.events]]
event.category = "registry"
registry.value = "ImagePath"
"""

_HEADER = re.compile(r"^\s*\[")
_FILE = re.compile(r"^# (?P<name>[\w./-]+\.toml)\s*$", re.MULTILINE)
_QUERY_LINE = re.compile(r"^# query: (?P<query>.*)$", re.MULTILINE)


def workspace(info: CheckInfo, example: str, root: Path) -> Path:
    """Write the files of `info`'s example `example` (its bad or good text) under `root`:
    `rules/`, `tests/rules/` and a `pyproject.toml`. Returns the folder to check."""
    kind = info.example
    config, fixture = "[tool.ruleops]\n", None
    rules = {"rule.toml": rule_file("")}
    if kind == "rule":
        rules = {name: rule_file(text) for name, text in files(example).items()}
    elif kind in QUERIES:
        rules = {"rule.toml": rule_file(_query_rule(kind, example))}
    elif kind == "fixture":
        query = _QUERY_LINE.search(example)
        rules = {"rule.toml": rule_file(_query_rule("eql", query["query"]) if query else "")}
        fixture = example if "rule_id" in example else f'rule_id = "{RULE_ID}"\n\n{example}'
    elif kind == "config":
        config = example if example.lstrip().startswith("[tool.ruleops]") else config + example
    else:
        raise ValueError(f"{info.code}: a {kind} example cannot be run")
    for name, text in rules.items():
        _write(root / "rules" / name, text)
    if fixture is not None:
        _write(root / "tests" / "rules" / "rule.toml", fixture)
    _write(root / "pyproject.toml", config)
    return root / "rules"


def findings(root: Path) -> list[Diagnostic]:
    """Every finding of `ruleops check` on the workspace at `root` (the current folder)."""
    config = load_config(explicit=root / "pyproject.toml")
    return run_check([root / "rules"], config, cache=False).diagnostics


def files(example: str) -> dict[str, str]:
    """The files of an example: one, or several each introduced by a `# name.toml` line."""
    marks = list(_FILE.finditer(example))
    if not marks:
        return {"rule.toml": example}
    ends = [m.start() for m in marks[1:]] + [len(example)]
    return {
        m["name"]: example[m.end() : end].lstrip("\n") for m, end in zip(marks, ends, strict=True)
    }


def rule_file(fragment: str) -> str:
    """A complete rule file: `fragment` itself when it is one (with `[metadata]` and a
    rule_id) or does not parse as TOML, else `fragment` laid over the base rule (its keys
    replace the base's)."""
    try:
        data = tomllib.loads(fragment)
    except tomllib.TOMLDecodeError:
        return fragment
    if isinstance(data.get("metadata"), dict) and "rule_id" in data.get("rule", {}):
        return fragment
    rule_keys = {k for k in data if k not in ("metadata", "rule")} | set(data.get("rule", {}))
    sections = _sections(fragment)
    out = ["[metadata]", sections.pop("[metadata]", "")]
    out += [_line(k, v) for k, v in BASE_METADATA.items() if k not in data.get("metadata", {})]
    out += ["", "[rule]", sections.pop("", ""), sections.pop("[rule]", "")]
    out += [_line(k, v) for k, v in BASE_RULE.items() if k not in rule_keys]
    out += [text for header, text in sections.items()]
    if "threat" not in rule_keys:
        out.append(BASE_THREAT)
    return "\n".join(part for part in out if part) + "\n"


def _sections(fragment: str) -> dict[str, str]:
    """The fragment's text by table header ("" for the keys before any header); sub-tables
    keep their header line."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in fragment.splitlines():
        if _HEADER.match(line):
            header = line.strip()
            current = header if header in ("[metadata]", "[rule]") else f"{len(sections)}"
            sections.setdefault(current, [] if current in ("[metadata]", "[rule]") else [line])
            continue
        sections[current].append(line)
    return {header: "\n".join(lines) for header, lines in sections.items() if lines}


def _query_rule(kind: str, query: str) -> str:
    keys = {**LANGUAGES[kind], "query": query}
    return "\n".join(_line(k, v) for k, v in keys.items())


def _line(key: str, value: object) -> str:
    # JSON's strings, numbers and arrays of them are TOML too.
    return f"{key} = {json.dumps(value)}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
