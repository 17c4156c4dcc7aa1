"""Build ruleops/data/integrations.json: the names of Elastic integration packages.

`metadata.integration` names Fleet packages. The names come from two public sources:
- elastic/integrations: every `packages/<name>/manifest.yml` of a checkout (its `name:`), or,
  where only the repository's `.github/CODEOWNERS` is at hand, its `/packages/<name>` lines;
- elastic/detection-rules: the `metadata.integration` values of its rules, which also name
  packages kept outside elastic/integrations (`endpoint` lives in elastic/endpoint-package)
  and machine-learning packages.

    python scripts/build_integration_names.py --integrations ../integrations \\
        --rules ../detection-rules/rules --note "integrations@<commit>, detection-rules@<commit>"
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "ruleops" / "data" / "integrations.json"
_NAME = re.compile(r"^name:\s*['\"]?([A-Za-z0-9_-]+)", re.MULTILINE)
_OWNED = re.compile(r"^/packages/([A-Za-z0-9_-]+)(?:\s|$)", re.MULTILINE)


def from_integrations(checkout: Path) -> set[str]:
    names = set()
    for manifest in sorted(checkout.glob("packages/*/manifest.yml")):
        match = _NAME.search(manifest.read_text(encoding="utf-8"))
        names.add(match[1] if match else manifest.parent.name)
    if not names:
        owners = checkout / ".github" / "CODEOWNERS"
        names.update(_OWNED.findall(owners.read_text(encoding="utf-8")))
    return names


def from_rules(rules: Path) -> set[str]:
    names = set()
    for path in sorted(rules.rglob("*.toml")):
        integration = tomllib.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        value = integration.get("integration")
        names.update([value] if isinstance(value, str) else value or [])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--integrations", type=Path, required=True)
    parser.add_argument("--rules", type=Path)
    parser.add_argument("--note", default="", help="where the sources were taken from")
    parser.add_argument("--read", default=str(date.today()), help="when they were read")
    args = parser.parse_args()
    names = from_integrations(args.integrations)
    if args.rules:
        names |= from_rules(args.rules)
    document = {
        "source": (
            "Elastic integration package names: elastic/integrations packages/*/manifest.yml "
            "(or .github/CODEOWNERS) and the metadata.integration values of "
            "elastic/detection-rules' rules; built by scripts/build_integration_names.py"
            + (f" ({args.note})" if args.note else "")
        ),
        "read": args.read,
        "covers": (
            "every package of elastic/integrations at that commit and the packages Elastic's "
            "rules name; not packages published since, nor third-party or private ones"
        ),
        "packages": sorted(names),
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(names)} packages")


if __name__ == "__main__":
    main()
