"""REPLACE and GROK run the author's backtracking regular expressions under a time bound
(`ruleops.esql.bounded_regex`): a hostile pattern is a query ruleops cannot evaluate, said
at once, never a hang."""

from __future__ import annotations

import re
import signal
import threading

import pytest

from ruleops.esql import bounded_regex
from ruleops.esql.evaluate import NotEvaluated
from ruleops.esql.pipeline import compile_query
from ruleops.esql.source import default_field_types, event_table
from tests.time_bound import deadline

NEAR_MISS = "a" * 40 + "b"  # `(a+)+$` tries 2^40 ways before it fails on this


@pytest.fixture
def short_bound(monkeypatch):
    monkeypatch.setattr(bounded_regex, "CALL_SECONDS", 0.3)


def run(query, events):
    table = event_table(events, default_field_types())
    return compile_query(query, {"*": table}).run()


def test_replace_with_a_backtracking_pattern_is_not_evaluated_instead_of_hanging(short_bound):
    query = 'FROM logs | EVAL x = REPLACE(message, "(a+)+$", "")'
    with deadline(10), pytest.raises(NotEvaluated, match=r"\[REPLACE.*\(a\+\)\+\$"):
        run(query, [{"message": NEAR_MISS}])


def test_grok_with_a_backtracking_pattern_is_not_evaluated_instead_of_hanging(short_bound):
    query = 'FROM logs | GROK message "(?<x>(a+)+$)"'
    with deadline(10), pytest.raises(NotEvaluated, match=r"GROK.*backtracks"):
        run(query, [{"message": NEAR_MISS}])


def test_a_backtracking_constant_is_bounded_like_a_column(short_bound):
    query = f'ROW x = REPLACE("{NEAR_MISS}", "(a+)+$", "")'
    with deadline(10), pytest.raises(NotEvaluated, match="backtracks too much"):
        compile_query(query, {}).run()


def test_many_slow_matches_are_bounded_together(monkeypatch):
    monkeypatch.setattr(bounded_regex, "RUN_SECONDS", 0.3)
    events = [{"message": "a" * 16 + "b"} for _ in range(2000)]  # each well under a second
    with deadline(20), pytest.raises(NotEvaluated, match="backtracks too much"):
        run('FROM logs | EVAL x = REPLACE(message, "(a+)+$", "")', events)


def test_a_long_run_of_fast_matches_is_never_stopped(monkeypatch):
    state = bounded_regex._State()
    state.running = re.compile("a")
    state.calls, state.total = 10_000_000, 10_000  # 1,000 s of matching, 0.1 ms a match
    monkeypatch.setattr(bounded_regex, "STATE", state)
    bounded_regex._tick(signal.SIGVTALRM, None)  # does not raise


def test_ordinary_patterns_are_evaluated_as_before(short_bound):
    result = run('FROM logs | EVAL x = REPLACE(message, "a+", "-") | KEEP x', [{"message": "baab"}])
    assert result.rows == [("b-b",)]


def test_the_timer_and_its_signal_handler_are_put_back_after_a_run():
    before = signal.getsignal(signal.SIGVTALRM)
    run('FROM logs | EVAL x = REPLACE(message, "a", "b")', [{"message": "a"}])
    assert signal.getsignal(signal.SIGVTALRM) is before
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def test_outside_the_main_thread_matching_runs_unbounded_but_runs():
    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            run('FROM l | EVAL x = REPLACE(m, "a", "b") | KEEP x', [{"m": "a"}])
        )
    )
    worker.start()
    worker.join()
    assert results[0].rows == [("b",)]
