"""`ruleops attack update BUNDLE [--output FILE]`: refresh the ATT&CK data the checks use.

`ruleops attack info` says which ATT&CK data a run would use.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ruleops.attack import PACKAGED, AttackDataError, load_attack
from ruleops.attack_stix import StixError, compact_from_bundle, dumps
from ruleops.commands import add_config_argument, load_configuration, show_help
from ruleops.exits import EXIT_OK, EXIT_USAGE
from ruleops.fixing import replace_atomically


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attack", help="the MITRE ATT&CK data the checks use")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    update = actions.add_parser(
        "update",
        help="convert an ATT&CK Enterprise STIX 2.1 bundle (enterprise-attack.json)",
        description=(
            "Convert MITRE's ATT&CK Enterprise STIX 2.1 bundle into ruleops' compact ATT&CK "
            "file. Download enterprise-attack.json (or enterprise-attack-<version>.json) from "
            "github.com/mitre-attack/attack-stix-data, run this, and point [tool.ruleops] "
            "attack_data at the output."
        ),
    )
    update.add_argument("bundle", type=Path, help="path to enterprise-attack.json")
    update.add_argument(
        "--output",
        type=Path,
        help="file to write (default: [tool.ruleops] attack_data)",
    )
    update.add_argument(
        "--attack-version", help="ATT&CK version, for a bundle that does not record it"
    )
    add_config_argument(update)
    update.set_defaults(run=run_update)
    info = actions.add_parser("info", help="show which ATT&CK data checks use")
    add_config_argument(info)
    info.set_defaults(run=run_info)
    p.set_defaults(run=lambda args: show_help(p))


def _fail(message: str) -> int:
    print(f"ruleops attack: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_update(args: argparse.Namespace) -> int:
    config = load_configuration(args)
    output = args.output or config.attack_data
    if output is None:
        return _fail(
            'where should the data go? Pass --output FILE and set attack_data = "FILE" '
            "in [tool.ruleops] so checks use it"
        )
    try:
        bundle = json.loads(args.bundle.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return _fail(f"{args.bundle}: no such file")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return _fail(f"{args.bundle}: not a JSON file: {error}")
    try:
        compact = compact_from_bundle(bundle, version=args.attack_version)
    except StixError as error:
        return _fail(f"{args.bundle}: {error}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(output, dumps(compact).encode("utf-8"))
    except OSError as error:
        return _fail(f"cannot write {output}: {error.strerror or error}")
    techniques = compact["techniques"].values()
    revoked = sum(1 for t in techniques if t.get("revoked"))
    deprecated = sum(1 for t in techniques if t.get("deprecated"))
    print(
        f"wrote {output}: ATT&CK Enterprise {compact['attack_version']}, "
        f"{len(compact['tactics'])} tactics, {len(compact['techniques'])} techniques "
        f"and subtechniques ({revoked} revoked, {deprecated} deprecated)"
    )
    if config.attack_data is None or config.attack_data.resolve() != output.resolve():
        print(f'to use it, set attack_data = "{output}" in [tool.ruleops]')
    return EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    config = load_configuration(args)
    try:
        attack = load_attack(config.attack_data)
    except AttackDataError as error:
        return _fail(str(error))
    source = config.attack_data or f"{PACKAGED} (shipped with ruleops)"
    print(f"ATT&CK Enterprise {attack.version} from {source}")
    print(f"{len(attack.tactics)} tactics, {len(attack.techniques)} techniques and subtechniques")
    return EXIT_OK
