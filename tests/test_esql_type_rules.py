"""One set of ES|QL type rules (`ruleops.esql.types`, `ruleops.esql.functions`): a query the
checker reports as ill-typed is one the evaluator refuses before running, with
Elasticsearch's message; a query it accepts runs; and the evaluator never crashes on a
well-typed call, whatever types it meets."""

from __future__ import annotations

import itertools

import pytest

from ruleops import check_query, evaluate
from ruleops.es_types import Version, ip_bytes
from ruleops.esql import builtins, functions
from ruleops.esql.evaluate import EsqlError, Table
from ruleops.esql.pipeline import compile_query

EVENTS = [
    {
        "@timestamp": "2024-05-01T10:00:00Z",
        "source": {"ip": "10.0.0.1"},
        "process": {"pid": 5, "name": "a"},
        "user": {"name": "bob"},
    }
]

REJECTED = [
    'process.name IN ("a", 1)',
    'process.pid IN (5, "a")',
    'source.ip IN ("10.0.0.1", "x")',
    '@timestamp > "garbage"',
    'process.pid + "1" > 2',
    "process.name + 1 > 2",
    "(NOT process.pid > 1) + null > 2",
    'process.pid LIKE "5*"',
    "process.name LIKE 5",
    "process.pid",
    "NOT process.name",
    "process.pid > 1 AND process.name",
    "LENGTH(process.pid) > 1",
    'CIDR_MATCH(process.name, "10.0.0.0/8")',
    "CIDR_MATCH(source.ip, 5)",
    'STARTS_WITH(process.pid, "5")',
    "DATE_TRUNC(1 hour, process.name) IS NULL",
    'COALESCE(process.name, 1) == "a"',
    'CASE(process.pid, "a", "b") == "a"',
    'SUBSTRING(process.name, "x") == "a"',
    "TO_LOWR(process.name) == 'a'".replace("'", '"'),
]

ACCEPTED = [
    'source.ip == "10.0.0.1"',
    'source.ip IN ("10.0.0.1", "10.0.0.2")',
    '@timestamp > "2024-01-01"',
    "@timestamp > NOW() - 1 day",
    'TO_VERSION("1.2") < "1.10"',
    "process.pid == 5.0",
    'SUBSTRING(process.name, "1") == "a"',
    'DATE_TRUNC("1 hour", @timestamp) IS NOT NULL',
    'COALESCE(process.name, "x") == "a"',
    "GREATEST(process.pid, 1) > 0",
    'CASE(process.pid > 1, "a", "b") == "a"',
]


def errors(condition: str) -> list[str]:
    query = f"FROM logs-* | WHERE {condition}"
    return [d.code for d in check_query(query, "esql") if str(d.severity) == "error"]


@pytest.mark.parametrize("condition", REJECTED)
def test_what_the_checker_rejects_the_evaluator_refuses(condition):
    assert errors(condition)
    with pytest.raises(ValueError):
        evaluate(f"FROM logs-* | WHERE {condition}", EVENTS, "esql")


@pytest.mark.parametrize("condition", ACCEPTED)
def test_what_the_checker_accepts_the_evaluator_runs(condition):
    assert errors(condition) == []
    assert isinstance(evaluate(f"FROM logs-* | WHERE {condition}", EVENTS, "esql"), list)


def test_a_bad_date_literal_is_elasticsearch_s_conversion_error():
    with pytest.raises(ValueError, match=r"Cannot convert string \[garbage\] to \[DATETIME\]"):
        evaluate('FROM logs-* | WHERE @timestamp > "garbage"', EVENTS, "esql")


def test_a_wrong_argument_type_is_refused_before_any_row_is_read():
    """No event holds process.pid here: the refusal does not depend on the data."""
    with pytest.raises(ValueError, match=r"argument of \[LENGTH\(process.pid\)\] must be"):
        evaluate("FROM logs-* | WHERE LENGTH(process.pid) > 1", [{"a": 1}], "esql")


def test_a_string_literal_converts_to_the_parameter_s_preferred_type():
    assert functions.literal_target("date_trunc", 0) == "date_period"
    assert functions.literal_target("substring", 1) == "integer"
    assert functions.literal_target("substring", 0) is None  # takes strings
    assert functions.literal_target("max", 0) is None  # aggregates convert nothing


# --- the evaluator is total ----------------------------------------------------------------

SAMPLES = {
    "keyword": "abc",
    "text": "a b",
    "integer": -3,
    "long": 5,
    "unsigned_long": 7,
    "double": 1.5,
    "boolean": True,
    "date": 1714557600000,
    "date_nanos": 1714557600000000001,
    "ip": ip_bytes("10.0.0.1"),
    "version": Version("1.2.3"),
}
# Values written in the query: time spans, null, a string literal (converted where taken).
LITERALS = {"date_period": "1 day", "time_duration": "1 hour", "null": "null", "literal": '"2"'}
COLUMNS = tuple((f"c_{t}", t) for t in SAMPLES) + tuple((f"m_{t}", t) for t in SAMPLES)
ROW = tuple(SAMPLES.values()) + tuple((v, v) for v in SAMPLES.values())
ARGUMENTS = [f"c_{t}" for t in SAMPLES] + [f"m_{t}" for t in SAMPLES] + list(LITERALS.values())


def _calls():
    for name in sorted(builtins.REGISTRY):
        function = builtins.REGISTRY[name]
        if "/" in name:
            continue  # an internal variant (WEIGHTED_AVG with a constant weight)
        top = function.max_args if function.max_args is not None else function.min_args + 1
        for count in range(function.min_args, min(top, 2) + 1):
            for args in itertools.product(ARGUMENTS, repeat=count):
                command = "STATS" if function.aggregate else "EVAL"
                yield f"FROM t | {command} r = {name}({', '.join(args)})"


def test_the_evaluator_runs_or_refuses_every_call_and_never_crashes():
    """Every function of the evaluator, with every argument type it can meet (single and
    multi-valued columns of each type, time spans, null, a string literal) in every
    position: Elasticsearch's refusal (EsqlError) or a result, never a Python error."""
    table = Table(COLUMNS, [ROW])
    crashed = []
    for query in _calls():
        try:
            compile_query(query, {"*": table}).run(now=0)
        except EsqlError:
            pass
        except Exception as error:  # the bug this test is for
            crashed.append(f"{query}: {type(error).__name__}: {error}")
    assert crashed == []
