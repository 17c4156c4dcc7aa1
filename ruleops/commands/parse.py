"""`ruleops parse 'QUERY'` / `--file F`: the EQL query's syntax tree as JSON, or its error.

`--file` takes a file holding the query, or a rule file (TOML with `rule.query`), in which
case an error is reported on the rule file's own line and column.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.eql.serialize import to_data
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ruleops.loading import read_text, rule_from_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("parse", help="print an EQL query's syntax tree as JSON (or its error)")
    p.add_argument("query", nargs="?", help="the EQL query text")
    p.add_argument("--file", type=Path, help="read the query from a file or a rule's TOML file")
    p.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.file is None):
        print("ruleops parse: give either a query or --file FILE", file=sys.stderr)
        return EXIT_USAGE
    rule = None
    if args.file is not None:
        loaded = _read(args.file)
        if loaded is None:
            return EXIT_USAGE
        text, rule = loaded
        display = str(args.file)
    else:
        text, display = args.query, "query"

    try:
        query = parse_eql(text)
    except EqlSyntaxError as error:
        report_syntax_error(error, display, rule)
        return EXIT_FINDINGS
    json.dump(to_data(query), sys.stdout, indent=args.indent or None)
    sys.stdout.write("\n")
    return EXIT_OK


def _read(path: Path):
    """(query text, Rule or None) from a query file or a rule file; None after an error."""
    text, problem = read_text(path, str(path))
    if problem is not None:
        print(f"{problem.path}:{problem.line}:{problem.column}: {problem.message}", file=sys.stderr)
        return None
    if path.suffix == ".toml":
        loaded = rule_from_text(text, str(path))
        rule = loaded.rule
        if rule is None:
            for d in loaded.diagnostics:
                print(d.headline(), file=sys.stderr)
            return None
        query = rule.rule.get("query")
        if not isinstance(query, str):
            print(f"ruleops parse: {path} has no string rule.query", file=sys.stderr)
            return None
        return query, rule
    return text, None


def report_syntax_error(error, display: str, rule=None) -> None:
    """An EQL syntax error on stderr as `ruleops check` shows it: where, code, the source
    line with a caret, the hint. With `rule`, at the rule file's own line and column."""
    if rule is not None:
        where = rule.position_in("rule.query", error.offset)
        line, column, source = where.line, where.column, rule.line_text(where.line)
    else:
        line, column = error.line, error.column
        source = error.text.splitlines()[line - 1] if error.text.splitlines() else ""
    out = sys.stderr
    out.write(f"{display}:{line}:{column}: {error.code} error: {error.message}\n")
    out.write(f"    {source.expandtabs(1)}\n")
    out.write("    " + " " * (column - 1) + "^\n")
    if error.hint:
        out.write(f"    hint: {error.hint}\n")
