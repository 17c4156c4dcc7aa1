"""`ruleops docs PATH... --out DIR`: reference pages, an index by tactic, a Navigator layer."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ruleops.attack import load_attack
from ruleops.commands import add_config_argument, config_and_paths
from ruleops.docs.coverage import (
    coverage,
    navigator_layer,
    render_index,
    render_table,
    tactic_table,
)
from ruleops.docs.page import Anchors, PageOptions, page_id, render_page
from ruleops.engine import discover, display_path
from ruleops.exits import EXIT_FINDINGS, EXIT_OK
from ruleops.loading import load_rule


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="render rule reference pages and ATT&CK coverage")
    p.add_argument("paths", nargs="+", type=Path, help="rule files or folders")
    p.add_argument("--out", type=Path, required=True, help="folder to write the pages into")
    p.add_argument("--release", help="prebuilt-rules package version for page ids, e.g. 1.0.2")
    add_config_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config, paths = config_and_paths(args)
    options = PageOptions(release=args.release)
    anchors = Anchors()
    entries = []
    failed = 0
    used: set[str] = set()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in discover(paths, config):
        loaded = load_rule(path, display_path(path))
        if loaded.rule is None or not loaded.rule.name:
            failed += 1
            for d in loaded.diagnostics:
                print(d.headline(), file=sys.stderr)
            if loaded.rule is not None:
                print(f"{loaded.rule.path}: rule has no name; no page written", file=sys.stderr)
            continue
        identifier = page_id(loaded.rule, options)
        if identifier in used:  # a retired rule keeps the name of its successor
            identifier += f"-{(loaded.rule.rule_id or str(len(used)))[:8]}"
        used.add(identifier)
        page = f"{identifier}.md"
        (args.out / page).write_text(
            render_page(loaded.rule, options, anchors, identifier), encoding="utf-8"
        )
        entries.append((loaded.rule, page))
    attack = load_attack(config.attack_data)
    cov = coverage(rule for rule, _ in entries)
    (args.out / "index.md").write_text(render_index(entries, cov, attack), encoding="utf-8")
    layer = navigator_layer(cov, attack)
    (args.out / "attack-navigator-layer.json").write_text(json.dumps(layer, indent=2) + "\n")
    sys.stdout.write(render_table(tactic_table(cov, attack)))
    print(
        f"{len(entries)} pages written to {args.out}"
        + (f"; {failed} files skipped" if failed else "")
    )
    return EXIT_FINDINGS if failed else EXIT_OK
