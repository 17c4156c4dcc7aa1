"""Fuzzing queries: grammar-aware generators for EQL, KQL and ES|QL, mutations of corpus
queries, and the properties every query must keep, whatever it is.

Shared by the short CI test (tests/test_fuzz.py, hypothesis drives the generators through
`st.randoms()`) and the long run (scripts/fuzz.py, with a time budget). Generators take a
`random.Random`, so that the long run makes hundreds of thousands of queries quickly and
every one can be remade from its seed.

Properties (`check_query`, `check_rule_text`):
- parsing raises nothing but the language's own syntax error, within PARSE_BOUND seconds;
- `check` on a rule holding the query reports no RO003 (no check crashes);
- `fixtures generate` on that rule returns (cases or a reason) within GENERATE_BOUND.
"""

from __future__ import annotations

import random
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ruleops.checks import load_all_checks
from ruleops.config import Config
from ruleops.engine import check_rule
from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.esql.errors import EsqlSyntaxError
from ruleops.esql.parser import parse_esql
from ruleops.fixtures.generate import draft_fixture
from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.loading import rule_from_text

PARSE_BOUND = 1.0
GENERATE_BOUND = 60.0
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"

# ---------------------------------------------------------------- shared pieces

_FIELDS = [
    "process.name",
    "process.args",
    "process.pid",
    "process.parent.name",
    "process.command_line",
    "process.code_signature.trusted",
    "file.path",
    "file.name",
    "host.os.type",
    "user.name",
    "event.type",
    "event.action",
    "source.ip",
    "destination.port",
    "registry.data.strings",
    "dns.question.name",
    "@timestamp",
    "a.b.c",
    "x",
]
_TEXT = [
    "cmd.exe",
    "a",
    "",
    "C:\\Windows\\*",
    "*.ps1",
    "x?y",
    "é",
    "Ж",
    "10.0.0.0/8",
    " ",
    "\u200b",
]
_REGEX_PIECES = [
    ".*", "[a-z]+", "(a|b)", "{1,3}", "{2}", "{3,1}", "~", "&", "@", "#", "<1-10>", "<a>",
    "\\d", "\\w+", "\\q", "\\", "(", ")", "[", "]", "[^a]", '"', "a", "b", "*", "+", "?",
    "{", "}", "|", "é", "(?i)", ".{0,20}", "(a+)+", "^", "$",
]  # fmt: skip


def _regex(r: random.Random) -> str:
    return "".join(r.choice(_REGEX_PIECES) for _ in range(r.randint(0, 6)))


def _text(r: random.Random) -> str:
    if r.random() < 0.3:
        return "".join(
            chr(r.choice([r.randint(32, 126), r.randint(0, 0x2FFF)]))
            for _ in range(r.randint(0, 6))
        )
    return r.choice(_TEXT)


# ---------------------------------------------------------------- EQL

_EQL_FUNCTIONS = [
    "startsWith", "startsWith~", "endsWith", "endsWith~", "stringContains", "stringContains~",
    "length", "concat", "substring", "indexOf", "between", "cidrMatch", "add", "number",
    "string", "modulo", "wildcard", "arrayContains", "unknownFn",
]  # fmt: skip


def _eql_string(r: random.Random) -> str:
    value = _text(r)
    if r.random() < 0.2 and '"""' not in value:
        return f'"""{value}"""'
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if r.random() < 0.1:
        escaped += r.choice(["\\u{41}", "\\t", "\\w", "\\u{D800}", "\\u{110000}"])
    return f'"{escaped}"'


def _eql_field(r: random.Random) -> str:
    name = r.choice(_FIELDS)
    roll = r.random()
    if roll < 0.05:
        return "`" + name + " x`"
    if roll < 0.1:
        return "?" + name
    return name


def _eql_value(r: random.Random, depth: int) -> str:
    roll = r.random()
    if depth > 3 or roll < 0.3:
        return _eql_field(r)
    if roll < 0.55:
        return _eql_string(r)
    if roll < 0.7:
        return r.choice(
            ["0", "1", "-5", "3.5", "1e3", "null", "true", "false", "99999999999999999999"]
        )
    if roll < 0.85:
        args = ", ".join(_eql_value(r, depth + 1) for _ in range(r.randint(0, 3)))
        return f"{r.choice(_EQL_FUNCTIONS)}({args})"
    return f"{_eql_value(r, depth + 1)} {r.choice('+-*/%')} {_eql_value(r, depth + 1)}"


def _eql_condition(r: random.Random, depth: int = 0) -> str:
    roll = r.random()
    if depth > 5 or roll < 0.35:
        leaf = r.random()
        if leaf < 0.3:
            op = r.choice(["==", "!=", "<", "<=", ">", ">="])
            return f"{_eql_value(r, 2)} {op} {_eql_value(r, 2)}"
        if leaf < 0.5:
            items = ", ".join(_eql_string(r) for _ in range(r.randint(1, 4)))
            return f"{_eql_field(r)} {r.choice(['in', 'in~', 'not in'])} ({items})"
        if leaf < 0.75:
            op = r.choice([":", "like", "like~"])
            patterns = [_eql_string(r) for _ in range(r.randint(1, 3))]
            shown = patterns[0] if len(patterns) == 1 else f"({', '.join(patterns)})"
            return f"{_eql_field(r)} {op} {shown}"
        if leaf < 0.9:
            op = r.choice(["regex", "regex~"])
            pattern = _regex(r).replace("\\", "\\\\").replace('"', '\\"')
            return f'{_eql_field(r)} {op} "{pattern}"'
        return r.choice(["true", "false", _eql_value(r, 1)])
    if roll < 0.5:
        return f"not {_eql_condition(r, depth + 1)}"
    if roll < 0.8:
        joiner = r.choice([" and ", " or "])
        return joiner.join(_eql_condition(r, depth + 1) for _ in range(r.randint(2, 3)))
    return f"({_eql_condition(r, depth + 1)})"


def _with_comments(r: random.Random, query: str) -> str:
    if r.random() > 0.15:
        return query
    words = query.split(" ")
    at = r.randrange(len(words))
    words.insert(at, r.choice(["/* c */", "// c\n", '/* "x", */']))
    return " ".join(words)


def eql_query(r: random.Random) -> str:
    category = r.choice(["process", "any", "file", '"network"', "registry"])
    roll = r.random()
    if roll < 0.7:
        body = f"{category} where {_eql_condition(r)}"
    else:
        kind = "sequence" if roll < 0.9 else "sample"
        head = kind
        if r.random() < 0.7:
            head += " by " + ", ".join(_eql_field(r) for _ in range(r.randint(1, 2)))
        if kind == "sequence" and r.random() < 0.5:
            head += f" with maxspan={r.choice(['5m', '30s', '1h', '5', '2x'])}"
        clauses = []
        for _ in range(r.randint(1, 3)):
            clause = f"[{category} where {_eql_condition(r, 2)}]"
            if r.random() < 0.2:
                clause = "!" + clause
            if r.random() < 0.3:
                clause += f" by {_eql_field(r)}"
            if r.random() < 0.1:
                clause += f" with runs={r.choice([2, 0, 101])}"
            clauses.append(clause)
        body = head + " " + " ".join(clauses)
        if kind == "sequence" and r.random() < 0.2:
            body += f" until [{category} where {_eql_condition(r, 3)}]"
    if r.random() < 0.15:
        body += r.choice([" | head 5", " | tail 1", " | head -1", " | unique a", " | count"])
    return _with_comments(r, body)


# ---------------------------------------------------------------- KQL


def _kql_value(r: random.Random) -> str:
    roll = r.random()
    if roll < 0.3:
        text = _text(r).replace('"', '\\"')
        return f'"{text}"'
    if roll < 0.5:
        return r.choice(["1", "-3", "2.5", "true", "*", "a*", "*b*", "10.0.0.0/8"])
    word = r.choice(
        [
            "cmd.exe",
            "powershell",
            "C\\:\\\\Windows\\\\*",
            "a\\*b",
            "x y",
            "\\(x\\)",
            "é",
            "a\\u0041",
        ]
    )
    return word


def _kql_field(r: random.Random) -> str:
    name = r.choice(_FIELDS)
    roll = r.random()
    if roll < 0.1:
        return name.split(".")[0] + ".*"
    if roll < 0.15:
        return f'"{name}"'
    return name


def _kql_values(r: random.Random, depth: int) -> str:
    if depth > 2 or r.random() < 0.6:
        return _kql_value(r)
    joiner = r.choice([" or ", " and ", " and not "])
    return "(" + joiner.join(_kql_values(r, depth + 1) for _ in range(r.randint(2, 3))) + ")"


def _kql_condition(r: random.Random, depth: int = 0) -> str:
    roll = r.random()
    if depth > 4 or roll < 0.4:
        leaf = r.random()
        if leaf < 0.55:
            return f"{_kql_field(r)}:{r.choice(['', ' '])}{_kql_values(r, 0)}"
        if leaf < 0.7:
            bound = r.choice(["1", "2.5", "now-1d", "a"])
            return f"{_kql_field(r)} {r.choice(['<', '<=', '>', '>='])} {bound}"
        if leaf < 0.8:
            return f"{_kql_field(r)}:*"
        if leaf < 0.9:
            return f"{r.choice(['process', 'a', 'user'])}:{{ {_kql_condition(r, depth + 2)} }}"
        return _kql_value(r)
    if roll < 0.55:
        return f"not {_kql_condition(r, depth + 1)}"
    if roll < 0.85:
        joiner = r.choice([" and ", " or ", " AND ", " Or "])
        return joiner.join(_kql_condition(r, depth + 1) for _ in range(r.randint(2, 3)))
    return f"({_kql_condition(r, depth + 1)})"


def kql_query(r: random.Random) -> str:
    return _kql_condition(r)


# ---------------------------------------------------------------- ES|QL


def _esql_expression(r: random.Random, depth: int = 0) -> str:
    roll = r.random()
    if depth > 3 or roll < 0.4:
        return r.choice(
            [r.choice(_FIELDS).replace("@timestamp", "`@timestamp`"), '"a"', "1", "2.5", "null",
             "true", 'to_lower(process.name)', "now()", "count(*)", '"*.exe"']
        )  # fmt: skip
    if roll < 0.6:
        op = r.choice(["==", "!=", "<", ">", "+", "-", "*", "/", "%", "and", "or", "like", "rlike"])
        right = f'"{_regex(r)}"' if op == "rlike" else _esql_expression(r, depth + 1)
        return f"{_esql_expression(r, depth + 1)} {op} {right}"
    if roll < 0.7:
        return f"not {_esql_expression(r, depth + 1)}"
    if roll < 0.85:
        function = r.choice(
            [
                "length",
                "concat",
                "coalesce",
                "case",
                "substring",
                "to_string",
                "mv_count",
                "cidr_match",
                "nofn",
            ]
        )
        args = ", ".join(_esql_expression(r, depth + 1) for _ in range(r.randint(0, 3)))
        return f"{function}({args})"
    return f"({_esql_expression(r, depth + 1)})"


def esql_query(r: random.Random) -> str:
    parts = [
        r.choice(["from logs-*", "FROM logs-endpoint.events.* METADATA _id, _index", "from a, b"])
    ]
    for _ in range(r.randint(0, 4)):
        command = r.random()
        if command < 0.35:
            parts.append(f"where {_esql_expression(r)}")
        elif command < 0.5:
            parts.append(f"eval x = {_esql_expression(r)}")
        elif command < 0.65:
            parts.append(f"stats c = count(*) by {r.choice(_FIELDS)}")
        elif command < 0.75:
            parts.append(f"keep {', '.join(r.sample(_FIELDS, 2))}")
        elif command < 0.85:
            parts.append(f"sort {r.choice(_FIELDS)} {r.choice(['asc', 'desc', ''])}")
        elif command < 0.95:
            parts.append(f"limit {r.choice([1, 10, 0, -1])}")
        else:
            parts.append(
                r.choice(
                    [
                        "mv_expand process.args",
                        'dissect message "%{a} %{b}"',
                        'grok message "%{IP:ip}"',
                    ]
                )
            )
    return " | ".join(parts)


# ---------------------------------------------------------------- mutations of real queries

_TOKENS = [
    "(", ")", "[", "]", "{", "}", '"', '"""', "'", ",", ":", "\\", "*", "?", "~", "not ",
    " and ", " or ", "/*", "*/", "//", "\n", "|", "==", " in ", " where ", "`", "\x00", "\x7f",
    "é", "\ud800", "\u202e", "9" * 30, "(" * 50, "not " * 60, "a:{" * 40,
]  # fmt: skip


def mutate(r: random.Random, text: str) -> str:
    """One to three random edits: delete, duplicate or replace a slice, insert a token,
    truncate."""
    for _ in range(r.randint(1, 3)):
        n = len(text)
        i = r.randint(0, n)
        j = min(n, i + r.randint(0, 12))
        op = r.random()
        if op < 0.25:
            text = text[:i] + text[j:]
        elif op < 0.45:
            text = text[:j] + text[i:j] + text[j:]
        elif op < 0.8:
            text = text[:i] + r.choice(_TOKENS) + text[i:]
        elif op < 0.9:
            text = text[:i] + _text(r) + text[j:]
        else:
            text = text[:i]
    return text


def corpus_queries(language: str) -> list[str]:
    """The production corpus's queries in one language ("eql", "kuery", "esql")."""
    queries = []
    if not CORPUS.is_dir():
        return queries
    for path in sorted(CORPUS.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if language not in text:
            continue
        rule = tomllib.loads(text).get("rule", {})
        if rule.get("language") == language and isinstance(rule.get("query"), str):
            queries.append(rule["query"])
    return queries


# ---------------------------------------------------------------- properties


@dataclass
class Language:
    name: str  # the rule's `language`
    rule_type: str
    generate: Callable[[random.Random], str]
    parse: Callable[[str], object]
    syntax_error: type[Exception]


def languages() -> dict[str, Language]:
    return {
        "eql": Language("eql", "eql", eql_query, parse_eql.__wrapped__, EqlSyntaxError),
        "kuery": Language("kuery", "query", kql_query, parse_kql.__wrapped__, KqlSyntaxError),
        "esql": Language("esql", "esql", esql_query, parse_esql.__wrapped__, EsqlSyntaxError),
    }


@dataclass
class Findings:
    """What a fuzz run saw: counts, the slowest times, and every violated property."""

    queries: int = 0
    parsed: int = 0
    rules: int = 0
    slowest_parse: float = 0.0
    slowest_check: float = 0.0
    slowest_generate: float = 0.0
    problems: list[str] = field(default_factory=list)


def check_query(language: Language, query: str, found: Findings) -> bool:
    """Parse `query`; record a crash or a slow parse. True when it parsed."""
    found.queries += 1
    started = time.perf_counter()
    try:
        language.parse(query)
        ok = True
    except language.syntax_error:
        ok = False
    except Exception as error:  # the property under test: nothing else escapes
        found.problems.append(
            f"{language.name} parse raised {type(error).__name__}: {error} :: {query!r}"
        )
        ok = False
    elapsed = time.perf_counter() - started
    found.slowest_parse = max(found.slowest_parse, elapsed)
    if elapsed > PARSE_BOUND:
        found.problems.append(f"{language.name} parse took {elapsed:.2f} s :: {query!r}")
    found.parsed += ok
    return ok


_RULE = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Fuzz"]
description = "A rule holding a fuzzed query."
from = "now-9m"
index = ["logs-*"]
language = "{language}"
license = "Elastic License v2"
name = "Fuzzed"
risk_score = 21
rule_id = "11111111-1111-4111-8111-111111111111"
severity = "low"
type = "{rule_type}"
query = '''
{query}
'''
"""


def rule_text(language: Language, query: str) -> str:
    return _RULE.format(language=language.name, rule_type=language.rule_type, query=query)


def check_rule_text(text: str, found: Findings, *, generate: bool = True) -> None:
    """`check` (every per-rule check) and `fixtures generate` on one rule file's text."""
    load_all_checks()  # registers every check (imports are cached after the first call)
    found.rules += 1
    started = time.perf_counter()
    loaded = rule_from_text(text, "rules/fuzzed.toml")
    diagnostics = list(loaded.diagnostics)
    if loaded.rule is not None:
        diagnostics += check_rule(loaded.rule, Config())
    found.slowest_check = max(found.slowest_check, time.perf_counter() - started)
    for diagnostic in diagnostics:
        if diagnostic.code == "RO003":
            found.problems.append(f"check: {diagnostic.message} :: {text!r}")
    if not generate or loaded.rule is None:
        return
    started = time.perf_counter()
    try:
        draft_fixture(loaded.rule)
    except Exception as error:
        found.problems.append(f"generate raised {type(error).__name__}: {error} :: {text!r}")
    elapsed = time.perf_counter() - started
    found.slowest_generate = max(found.slowest_generate, elapsed)
    if elapsed > GENERATE_BOUND:
        found.problems.append(f"generate took {elapsed:.1f} s :: {text!r}")
