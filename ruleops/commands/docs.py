"""`ruleops docs PATH... --out DIR`: reference pages, an index by tactic, a Navigator layer."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ruleops.attack import load_attack
from ruleops.commands import add_config_argument, config_and_paths
from ruleops.diagnostics import printable
from ruleops.discovery import discover
from ruleops.docs.coverage import (
    coverage,
    navigator_layer,
    render_index,
    render_table,
    tactic_table,
)
from ruleops.docs.page import Anchors, PageOptions, page_id, render_page
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from ruleops.files import display_path
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
    failed = unwritten = 0
    used: set[str] = set()
    _writable_folder(args.out)
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
        if _write(args.out / page, render_page(loaded.rule, options, anchors, identifier)):
            entries.append((loaded.rule, page))
        else:
            unwritten += 1
    attack = load_attack(config.attack_data)
    cov = coverage(rule for rule, _ in entries)
    layer = navigator_layer(cov, attack)
    for name, text in (
        ("index.md", render_index(entries, cov, attack)),
        ("attack-navigator-layer.json", json.dumps(layer, indent=2) + "\n"),
    ):
        unwritten += not _write(args.out / name, text)
    sys.stdout.write(render_table(tactic_table(cov, attack)))
    print(
        f"{len(entries)} pages written to {args.out}"
        + (f"; {failed} files skipped" if failed else "")
        + (f"; {unwritten} files could not be written" if unwritten else "")
    )
    if unwritten:
        return EXIT_USAGE
    return EXIT_FINDINGS if failed else EXIT_OK


def _writable_folder(folder: Path) -> None:
    """Make `folder`, or say why no page can be written there (UsageError: exit 2)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot write to {folder}: {error.strerror or error}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to {folder}: permission denied")


def _write(path: Path, text: str) -> bool:
    """Write one page; a page that cannot be written is reported and the others go on."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"{printable(str(path))}: cannot write: {error.strerror or error}", file=sys.stderr)
        return False
    return True
