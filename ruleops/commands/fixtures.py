"""`ruleops fixtures generate RULE...`: draft fixture files from the rules' own conditions.

Each file holds one matching case per `or` branch, a near miss per matching case and a case
per exclusion, every one confirmed by the evaluator (see `ruleops.fixtures.generate`). The
file goes where convention puts the rule's fixture (or under `--out`), written atomically;
an existing file is never replaced without `--force` (it is skipped, which is not a failure:
generating a whole folder again drafts only what is missing).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ruleops.commands import add_config_argument, config_and_paths, show_help
from ruleops.diagnostics import printable
from ruleops.discovery import discover
from ruleops.ecs import ecs_for
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ruleops.files import display_path
from ruleops.fixing import replace_atomically
from ruleops.fixtures import generate
from ruleops.fixtures.discover import fixture_path_for
from ruleops.loading import load_rule


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fixtures", help="work with rule fixtures (generate drafts)")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    gen = actions.add_parser(
        "generate",
        help="write a fixture with generated, evaluator-confirmed cases for each rule",
    )
    gen.add_argument("rules", nargs="+", type=Path, help="rule files or folders of rules")
    gen.add_argument("--force", action="store_true", help="replace existing fixture files")
    gen.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write fixtures under DIR (same file names) instead of the fixture_paths",
    )
    add_config_argument(gen)
    gen.set_defaults(run=run)
    p.set_defaults(run=lambda args: show_help(p))


def run(args: argparse.Namespace) -> int:
    config, paths = config_and_paths(args, args.rules)
    ecs = ecs_for(config)
    failed = crashed = 0
    for path in discover(paths, config):
        loaded = load_rule(path, display_path(path))
        shown = printable(display_path(path))
        rule = loaded.rule
        if rule is None or not rule.rule_id:
            why = loaded.diagnostics[0].message if loaded.diagnostics else "it has no rule_id"
            print(f"{shown}: not generated: the rule does not load ({why})")
            failed += 1
            continue
        target = args.out / path.name if args.out else fixture_path_for(path, config)
        if target is None:
            print(
                f"{shown}: not generated: the rule is outside rule_paths "
                f"({', '.join(config.rule_paths)}); pass --out DIR"
            )
            failed += 1
            continue
        if target.exists() and not args.force:
            print(f"{shown}: skipped: {display_path(target)} exists (--force replaces it)")
            continue
        try:  # one rule's crash (a bug in ruleops) must not stop the batch
            draft = generate.draft_fixture(rule, ecs)
            text = generate.render(rule.rule_id, draft.cases, shown) if draft.ok else ""
        except Exception as error:
            print(
                f"{shown}: not generated: ruleops crashed ({type(error).__name__}: {error}); "
                "this is a bug in ruleops, please report it with the rule"
            )
            crashed += 1
            continue
        if not draft.ok:
            print(f"{shown}: not generated: {draft.problem}")
            failed += 1
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(target, text.encode("utf-8"))
        except OSError as error:
            print(f"{shown}: not generated: cannot write {display_path(target)}: {error}")
            failed += 1
            continue
        dropped = f"; {draft.dropped} unconfirmed case(s) left out" if draft.dropped else ""
        print(
            f"{shown}: wrote {display_path(target)}: {draft.count('match')} matching and "
            f"{draft.count('no match')} non-matching case(s), each confirmed by the "
            f"evaluator{dropped}; review them before you keep them"
        )
    return EXIT_USAGE if crashed else EXIT_FINDINGS if failed else EXIT_OK
