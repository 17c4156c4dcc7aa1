"""ATT&CK Enterprise as a STIX 2.1 bundle → ruleops' compact ATT&CK file.

The compact file keeps only what the ATT&CK checks read: tactic and technique ids, names,
tactic membership, subtechnique parents, revoked and deprecated flags, revoked-by targets
and the ATT&CK version. Both `scripts/build_attack_data.py` and `ruleops attack update`
call `compact_from_bundle`, so the shipped file and a user's refreshed file have one shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

FORMAT = 1
DOMAIN = "enterprise-attack"
_SOURCE = "mitre-attack"


class StixError(ValueError):
    """The bundle is not usable ATT&CK Enterprise STIX data; the message says why."""


def compact_from_bundle(bundle: Any, *, version: str | None = None) -> dict[str, Any]:
    """The compact ATT&CK data of a STIX 2.1 bundle (a parsed enterprise-attack.json).

    `version` overrides the ATT&CK version; otherwise it is read from the bundle's
    x-mitre-collection object, and a bundle without one is refused.
    """
    if not isinstance(bundle, Mapping) or not isinstance(bundle.get("objects"), list):
        raise StixError('not a STIX bundle: expected a JSON object with an "objects" list')
    objects = [o for o in bundle["objects"] if isinstance(o, Mapping) and _in_domain(o)]
    version = version or _collection_version(objects)
    if not version:
        raise StixError(
            "the bundle does not say which ATT&CK version it is (no x-mitre-collection "
            "object with x_mitre_version); pass the version explicitly"
        )

    tactics_by_stix: dict[str, tuple[str, dict[str, Any]]] = {}
    for obj in _live_first(o for o in objects if o.get("type") == "x-mitre-tactic"):
        attack_id = _attack_id(obj)
        shortname = obj.get("x_mitre_shortname")
        if attack_id and isinstance(obj.get("name"), str) and isinstance(shortname, str):
            tactics_by_stix[obj["id"]] = (attack_id, {"name": obj["name"], "shortname": shortname})
    tactics: dict[str, dict[str, Any]] = {}
    for attack_id, entry in tactics_by_stix.values():
        tactics.setdefault(attack_id, entry)
    if not tactics:
        raise StixError("the bundle has no ATT&CK tactics (x-mitre-tactic objects)")
    tactic_of_shortname = {entry["shortname"]: attack_id for attack_id, entry in tactics.items()}

    techniques_by_stix: dict[str, str] = {}
    techniques: dict[str, dict[str, Any]] = {}
    for obj in _live_first(o for o in objects if o.get("type") == "attack-pattern"):
        attack_id = _attack_id(obj)
        if not attack_id or not isinstance(obj.get("name"), str):
            continue
        techniques_by_stix[obj["id"]] = attack_id
        if attack_id in techniques:  # an older, revoked object with a reused id
            continue
        technique: dict[str, Any] = {
            "name": obj["name"],
            "tactics": _tactics_of(obj, tactic_of_shortname),
        }
        if obj.get("revoked") is True:
            technique["revoked"] = True
        if obj.get("x_mitre_deprecated") is True:
            technique["deprecated"] = True
        techniques[attack_id] = technique
    if not techniques:
        raise StixError("the bundle has no ATT&CK techniques (attack-pattern objects)")

    revoked_by: dict[str, str] = {}
    for rel in _relationships(objects):
        source = techniques_by_stix.get(rel["source_ref"])
        target = techniques_by_stix.get(rel["target_ref"])
        if source is None or target is None or source == target:
            continue
        if rel["relationship_type"] == "subtechnique-of":
            techniques[source]["parent"] = target
        elif rel["relationship_type"] == "revoked-by":
            revoked_by[source] = target
    for attack_id, technique in techniques.items():
        if "." in attack_id and "parent" not in technique:
            parent = attack_id.split(".", 1)[0]
            if parent in techniques:
                technique["parent"] = parent
        if technique.get("revoked") and attack_id in revoked_by:
            technique["revoked_by"] = _final_target(attack_id, revoked_by, techniques)

    return {
        "format": FORMAT,
        "attack_version": version,
        "domain": DOMAIN,
        "tactics": dict(sorted(tactics.items())),
        "techniques": dict(sorted(techniques.items(), key=lambda item: _id_key(item[0]))),
    }


def dumps(data: Mapping[str, Any]) -> str:
    """The compact file's text: one tactic or technique per line, so refreshes diff well."""
    head = {k: v for k, v in data.items() if k not in ("tactics", "techniques")}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    for section in ("tactics", "techniques"):
        entries = list(data[section].items())
        lines.append(f"  {json.dumps(section)}: {{")
        for index, (attack_id, entry) in enumerate(entries):
            comma = "," if index < len(entries) - 1 else ""
            lines.append(
                f"    {json.dumps(attack_id)}: {json.dumps(entry, ensure_ascii=False)}{comma}"
            )
        lines.append("  }," if section == "tactics" else "  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _in_domain(obj: Mapping[str, Any]) -> bool:
    domains = obj.get("x_mitre_domains")
    return not isinstance(domains, list) or DOMAIN in domains


def _collection_version(objects: list[Mapping[str, Any]]) -> str | None:
    for obj in objects:
        if obj.get("type") == "x-mitre-collection" and isinstance(obj.get("x_mitre_version"), str):
            return obj["x_mitre_version"]
    return None


def _live_first(objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Objects with an `id`, current ones before revoked or deprecated ones."""
    usable = [o for o in objects if isinstance(o.get("id"), str)]
    return sorted(
        usable, key=lambda o: (o.get("revoked") is True, o.get("x_mitre_deprecated") is True)
    )


def _attack_id(obj: Mapping[str, Any]) -> str | None:
    for ref in obj.get("external_references") or ():
        if isinstance(ref, Mapping) and ref.get("source_name") == _SOURCE:
            external_id = ref.get("external_id")
            return external_id if isinstance(external_id, str) else None
    return None


def _tactics_of(obj: Mapping[str, Any], tactic_of_shortname: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for phase in obj.get("kill_chain_phases") or ():
        if not isinstance(phase, Mapping) or phase.get("kill_chain_name") != _SOURCE:
            continue
        tactic = tactic_of_shortname.get(str(phase.get("phase_name")))
        if tactic and tactic not in found:
            found.append(tactic)
    return sorted(found)


def _relationships(objects: list[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for obj in objects:
        if (
            obj.get("type") == "relationship"
            and obj.get("relationship_type") in ("subtechnique-of", "revoked-by")
            and isinstance(obj.get("source_ref"), str)
            and isinstance(obj.get("target_ref"), str)
            and obj.get("revoked") is not True
            and obj.get("x_mitre_deprecated") is not True
        ):
            yield obj


def _final_target(start: str, revoked_by: Mapping[str, str], techniques: Mapping[str, Any]) -> str:
    """Follow revoked-by through revoked replacements to the technique that is current."""
    seen = {start}
    current = revoked_by[start]
    while techniques[current].get("revoked") and current in revoked_by and current not in seen:
        seen.add(current)
        current = revoked_by[current]
    return current


def _id_key(attack_id: str) -> tuple[str, int]:
    base, _, sub = attack_id.partition(".")
    return (base, int(sub) if sub.isdigit() else -1)
