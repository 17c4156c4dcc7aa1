"""What a set of rules covers of ATT&CK: the index by tactic, the Navigator layer, the table.

Coverage is computed from the rules' own [[rule.threat]] mappings, set against the pinned
ATT&CK data (compact form: tactics with shortnames, techniques with their tactics).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruleops.attack import Attack
from ruleops.loading import Rule

NAVIGATOR_VERSION = "5.1.0"
LAYER_VERSION = "4.5"


@dataclass(frozen=True)
class Claim:
    """One (tactic, technique) pair a rule claims, the technique possibly a sub-technique."""

    tactic: str
    technique: str


@dataclass
class Coverage:
    # tactic id → technique id (incl. sub-techniques) → names of the rules that cover it
    by_tactic: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    # tactic id → rule names mapped to the tactic (with or without techniques)
    rules_by_tactic: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unmapped: list[str] = field(default_factory=list)


def rule_mappings(rule: Rule) -> Iterable[Claim | str]:
    """The rule's claimed (tactic, technique) pairs; a bare tactic id when it lists none."""
    threats = rule.rule.get("threat")
    for threat in threats if isinstance(threats, list) else []:
        if not isinstance(threat, dict):
            continue
        tactic = (
            threat.get("tactic", {}).get("id") if isinstance(threat.get("tactic"), dict) else None
        )
        if not isinstance(tactic, str):
            continue
        techniques = _dicts(threat.get("technique"))
        if not techniques:
            yield tactic
        for technique in techniques:
            if isinstance(technique.get("id"), str):
                yield Claim(tactic, technique["id"])
            for sub in _dicts(technique.get("subtechnique")):
                if isinstance(sub.get("id"), str):
                    yield Claim(tactic, sub["id"])


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def coverage(rules: Iterable[Rule]) -> Coverage:
    result = Coverage()
    for rule in rules:
        name = rule.name or rule.path
        mapped = False
        for item in rule_mappings(rule):
            mapped = True
            tactic = item if isinstance(item, str) else item.tactic
            if name not in result.rules_by_tactic[tactic]:
                result.rules_by_tactic[tactic].append(name)
            if isinstance(item, Claim):
                result.by_tactic[tactic].setdefault(item.technique, []).append(name)
        if not mapped:
            result.unmapped.append(name)
    return result


def _live_techniques(attack: Attack, tactic: str) -> set[str]:
    """Top-level techniques of a tactic that are neither revoked nor deprecated."""
    return {
        t.id
        for t in attack.techniques.values()
        if not t.is_subtechnique and tactic in t.tactics and not t.revoked and not t.deprecated
    }


@dataclass(frozen=True)
class TacticRow:
    tactic: str
    name: str
    rules: int
    covered: int  # top-level techniques with at least one rule (directly or via a sub-technique)
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0


def tactic_table(cov: Coverage, attack: Attack) -> list[TacticRow]:
    rows = []
    for tactic in attack.tactics.values():
        live = _live_techniques(attack, tactic.id)
        claimed = {tid.split(".")[0] for tid in cov.by_tactic.get(tactic.id, {})}
        rows.append(
            TacticRow(
                tactic.id,
                tactic.name,
                len(cov.rules_by_tactic.get(tactic.id, [])),
                len(claimed & live),
                len(live),
            )
        )
    return rows


def render_table(rows: list[TacticRow]) -> str:
    lines = [
        "| Tactic | ID | Rules | Techniques covered | Coverage |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        share = f"{row.percent:.0f}%"
        cells = (row.name, row.tactic, row.rules, f"{row.covered} / {row.total}", share)
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def navigator_layer(
    cov: Coverage, attack: Attack, name: str = "ruleops coverage"
) -> dict[str, Any]:
    """An ATT&CK Navigator layer: each covered technique scored by its number of rules."""
    techniques = []
    highest = 1
    for tactic, covered in sorted(cov.by_tactic.items()):
        known = attack.tactic(tactic)
        if known is None:
            continue  # an unknown tactic id is the ATT&CK check's finding, not a layer entry
        for technique, rules in sorted(covered.items()):
            highest = max(highest, len(rules))
            techniques.append(
                {
                    "techniqueID": technique,
                    "tactic": known.shortname,
                    "score": len(rules),
                    "comment": "; ".join(sorted(rules)),
                    "enabled": True,
                    "showSubtechniques": "." in technique,
                }
            )
    major = attack.version.split(".")[0]
    return {
        "name": name,
        "versions": {"attack": major, "navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION},
        "domain": "enterprise-attack",
        "description": f"Techniques covered by {sum(1 for _ in techniques)} rule mappings",
        "sorting": 3,
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffffff", "#66b1ff"], "minValue": 0, "maxValue": highest},
        "legendItems": [],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }


def render_index(entries: list[tuple[Rule, str]], cov: Coverage, attack: Attack) -> str:
    """The index page: the coverage table, then every rule listed under its tactics."""
    link = {rule.name or rule.path: page for rule, page in entries}
    out = ["# Detection rules", "", f"{len(entries)} rules.", "", "## ATT&CK coverage", ""]
    out.append(render_table(tactic_table(cov, attack)))
    for tactic in attack.tactics.values():
        names = cov.rules_by_tactic.get(tactic.id)
        if not names:
            continue
        out += [f"## {tactic.name} ({tactic.id})", ""]
        out += [f"* [{name}]({link[name]})" for name in sorted(names) if name in link]
        out.append("")
    if cov.unmapped:
        out += ["## Not mapped to ATT&CK", ""]
        out += [f"* [{name}]({link[name]})" for name in sorted(cov.unmapped) if name in link]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
