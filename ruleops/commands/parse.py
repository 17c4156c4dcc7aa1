"""`ruleops parse 'QUERY'` / `--file F`: a query's syntax tree as JSON, or its error.

The language is `--language eql|kql|esql`; without it, a rule file's own `language`
(`eql`, `kuery`, `esql`) or a query file's suffix (`.eql`, `.kql`, `.esql`) decides, and
anything else is read as EQL. `--file` takes a file holding the query, or a rule file (TOML
with `rule.query`), in which case an error is reported on the rule file's own line and
column. The tree is the front end's (`ruleops.parse`): EQL's `Query`, KQL's condition in the
shared form, ES|QL's `Query`; every node a JSON object naming its type under "node", spans as
`[start, end]` offsets into the query.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ruleops.api import LANGUAGES, parse
from ruleops.eql.serialize import to_data
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ruleops.loading import read_text, rule_from_text
from ruleops.query.syntax_error import QuerySyntaxError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("parse", help="print a query's syntax tree as JSON (or its error)")
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("--file", type=Path, help="read the query from a file or a rule's TOML file")
    p.add_argument(
        "--language",
        choices=LANGUAGES,
        help="eql, kql or esql (default: the rule file's language, the file suffix, else eql)",
    )
    p.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.file is None):
        print("ruleops parse: give either a query or --file FILE", file=sys.stderr)
        return EXIT_USAGE
    rule, language = None, args.language
    if args.file is not None:
        loaded = _read(args.file)
        if loaded is None:
            return EXIT_USAGE
        text, rule = loaded
        display = str(args.file)
        language = language or _guess(args.file, rule)
        if language is None:
            print(
                f"ruleops parse: {display} is a Lucene rule; ruleops parses EQL, KQL and "
                "ES|QL (give --language to read it as one of them)",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        text, display = args.query, "query"

    try:
        query = parse(text, language or "eql")
    except QuerySyntaxError as error:
        report_syntax_error(error, display, rule)
        return EXIT_FINDINGS
    json.dump(to_data(query), sys.stdout, indent=args.indent or None)
    sys.stdout.write("\n")
    return EXIT_OK


# A rule's `language` → the front end; Lucene has none (None).
_RULE_LANGUAGES = {"eql": "eql", "kuery": "kql", "esql": "esql", "lucene": None}
_SUFFIXES = {".eql": "eql", ".kql": "kql", ".esql": "esql"}


def _guess(path: Path, rule) -> str | None:
    """The language of the query in `path`: the rule's own, else the suffix's, else EQL."""
    if rule is not None:
        written = rule.rule.get("language")
        if isinstance(written, str) and written in _RULE_LANGUAGES:
            return _RULE_LANGUAGES[written]
    return _SUFFIXES.get(path.suffix.lower(), "eql")


def _read(path: Path):
    """(query text, Rule or None) from a query file or a rule file; None after an error."""
    text, problem = read_text(path, str(path))
    if text is None:
        assert problem is not None
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
    """A query's syntax error on stderr as `ruleops check` shows it: where, code, the source
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
