"""One rule → its reference page, in the layout of Elastic's prebuilt-rule reference.

The layout is read off a published page (seed 000): a front matter with the page's address,
the title with an anchor, the description, one bold-labelled field per paragraph, lists as
`*` bullets, the investigation guide with its headings raised one level, the query in a
fenced block, and the ATT&CK mapping as nested bullets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruleops.loading import DEFAULT_INTERVAL, Rule

DEFAULT_MAX_SIGNALS = 100
DEFAULT_VERSION = 1
PAGE_BASE = "https://www.elastic.co/guide/en/security/current"
_DATE_MATH_NOTE = (
    "({{ref}}/common-options.html#date-math[Date Math format], see also "
    "[`Additional look-back time`](docs-content://solutions/security/detect-and-alert/"
    "create-detection-rule.md#rule-schedule))"
)
_HEADING = re.compile(r"^(#{3,6})(\s)", re.MULTILINE)


@dataclass(frozen=True)
class PageOptions:
    release: str | None = None  # prebuilt-rules package version, e.g. "1.0.2"


class Anchors:
    """Numbered section anchors (`_rule_query_12`), unique across one documentation build."""

    def __init__(self) -> None:
        self._next = 1

    def take(self, stem: str) -> str:
        anchor = f"_{stem}_{self._next}"
        self._next += 1
        return anchor


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def page_id(rule: Rule, options: PageOptions) -> str:
    prefix = "prebuilt-rule"
    if options.release:
        prefix += "-" + options.release.replace(".", "-")
    return f"{prefix}-{slug(rule.name or 'unnamed-rule')}"


def render_page(
    rule: Rule,
    options: PageOptions = PageOptions(),
    anchors: Anchors | None = None,
    identifier: str | None = None,
) -> str:
    anchors = anchors or Anchors()
    r = rule.rule
    identifier = identifier or page_id(rule, options)
    out: list[str] = [
        "---",
        "mapped_pages:",
        f"  - {PAGE_BASE}/{identifier}.html",
        "---",
        "",
        f"# {rule.name} [{identifier}]",
        "",
        _unwrap(_text(r.get("description"))),
        "",
        f"**Rule type**: {_text(r.get('type'))}",
        "",
    ]
    indices = _strings(r.get("index"))
    if indices:
        out += ["**Rule indices**:", "", *(f"* {index}" for index in indices), ""]
    out += [
        f"**Severity**: {_text(r.get('severity'))}",
        "",
        f"**Risk score**: {r.get('risk_score')}",
        "",
        f"**Runs every**: {r.get('interval') or DEFAULT_INTERVAL}",
        "",
        f"**Searches indices from**: {r.get('from') or 'now-6m'} {_DATE_MATH_NOTE}",
        "",
        f"**Maximum alerts per execution**: {r.get('max_signals') or DEFAULT_MAX_SIGNALS}",
        "",
    ]
    out += _bullets("References", _strings(r.get("references")), empty="None")
    out += _bullets("Tags", _strings(r.get("tags")), empty="None")
    out += [f"**Version**: {r.get('version') or DEFAULT_VERSION}", ""]
    out += _bullets("Rule authors", _strings(r.get("author")), empty="None")
    out += [f"**Rule license**: {_text(r.get('license'))}", ""]
    if _text(r.get("note")).strip():
        out += [f"## Investigation guide [{anchors.take('investigation_guide')}]", ""]
        out += [_raise_headings(_text(r.get("note")).strip()), ""]
    if _text(r.get("setup")).strip():
        out += [f"## Setup [{anchors.take('setup')}]", ""]
        out += [_raise_headings(_text(r.get("setup")).strip()), ""]
    if _text(r.get("query")).strip():
        out += [f"## Rule query [{anchors.take('rule_query')}]", "", "```js"]
        out += [_text(r.get("query")).strip("\n"), "```", ""]
    out += _threat(r.get("threat"))
    return "\n".join(out).rstrip("\n") + "\n"


def _threat(threats: Any) -> list[str]:
    if not isinstance(threats, list) or not threats:
        return []
    out = ["**Framework**: MITRE ATT&CKTM", ""]
    for threat in threats:
        if not isinstance(threat, dict):
            continue
        out += _attack_item("Tactic", threat.get("tactic"))
        for technique in _dicts(threat.get("technique")):
            out += _attack_item("Technique", technique)
            for sub in _dicts(technique.get("subtechnique")):
                out += _attack_item("Sub-technique", sub)
    return out


def _attack_item(label: str, entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return []
    url = _text(entry.get("reference"))
    return [
        f"* {label}:",
        "",
        f"    * Name: {_text(entry.get('name'))}",
        f"    * ID: {_text(entry.get('id'))}",
        f"    * Reference URL: [{url}]({url})",
        "",
    ]


def _bullets(label: str, items: list[str], *, empty: str) -> list[str]:
    if not items:
        return [f"**{label}**: {empty}", ""]
    return [f"**{label}**:", "", *(f"* {item}" for item in items), ""]


def _raise_headings(markdown: str) -> str:
    """The reference site nests the guide under its own `##` heading, so a rule's `###`
    headings are shown as `##` (and so on down); `##` headings stay as they are."""
    return _HEADING.sub(lambda m: m.group(1)[1:] + m.group(2), markdown)


def _unwrap(text: str) -> str:
    """Descriptions are hard-wrapped in rule files and shown as flowing paragraphs."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
