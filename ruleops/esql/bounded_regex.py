"""A time bound on the regular expressions a rule's author writes (REPLACE, GROK).

REPLACE takes a `java.util.regex` pattern and GROK a Joni (Oniguruma) one; ruleops runs both
on Python's `re`. All three are backtracking engines: `(a+)+$` against forty `a`s and a `b`
tries 2^40 ways before it fails. RLIKE and EQL's `regex` do not need this: they are Lucene
automata, matched in linear time by `ruleops.query.lucene_regex`. Python's standard library
has no linear-time engine for the Perl-style syntax REPLACE and GROK use (lookarounds,
backreferences, lazy quantifiers), so these are bounded in time instead.

A match marks itself in `STATE` (`calls += 1; running = pattern` before, `running = None`
after, in a `finally`): three assignments, written inline at the two call sites because a
wrapper function call would cost more than the bookkeeping on the per-row path. While a query
is compiled or run (`watching()`), a CPU-time interval timer (`ITIMER_VIRTUAL`, signal
`SIGVTALRM`) ticks every `TICK` seconds and samples `STATE`; it raises `RegexTimeout` inside
the match (CPython's `re` checks for signals as it matches) when

* one match has been running for `CALL_SECONDS`, or
* the matches of the run have together taken `RUN_SECONDS` at more than `SLOW_CALL` seconds
  each on average (thousands of rows each just under the first bound; a large but ordinary
  workload of fast matches is never stopped).

The evaluator reports it as a query it cannot evaluate, naming the pattern, instead of
hanging a commit hook. The bound needs Unix interval timers and the main thread (signals
reach only it); elsewhere matching runs unbounded. `SIGALRM` is left to the caller (the test
suite's deadlines use it).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TICK = 0.1
CALL_SECONDS = 2.0
RUN_SECONDS = 10.0
SLOW_CALL = 0.001


class RegexTimeout(Exception):
    """A match ran past its bound; `pattern` is the regular expression."""

    def __init__(self, pattern: str, seconds: float) -> None:
        super().__init__(pattern)
        self.pattern = pattern
        self.seconds = seconds

    def describe(self, what: str) -> str:
        return (
            f"{what} took more than {self.seconds:g} s matching the regular expression "
            f"[{self.pattern}]: it backtracks too much on this input, so ruleops cannot "
            "evaluate the query (write it without nested repetition such as `(a+)+`)"
        )


class _State:
    """What the ticks sample (module doc)."""

    def __init__(self) -> None:
        self.running: re.Pattern[str] | None = None  # the pattern being matched
        self.calls = 0  # matches started, to tell one long match from many short ones
        self.seen = -1  # `calls` at the previous tick
        self.stuck = 0  # ticks the current match has been running
        self.total = 0  # ticks that found a match running, this run
        self.first = 0  # `calls` when the run began
        self.depth = 0  # nested `watching()` blocks


STATE = _State()


def _tick(_signum: int, _frame: Any) -> None:
    state = STATE
    regex = state.running
    if regex is None:
        state.stuck = 0
        return
    state.total += 1
    if state.calls == state.seen:
        state.stuck += 1
    else:
        state.seen = state.calls
        state.stuck = 1
    if state.stuck * TICK >= CALL_SECONDS:
        raise RegexTimeout(regex.pattern, CALL_SECONDS)
    spent = state.total * TICK
    if spent >= RUN_SECONDS and spent >= SLOW_CALL * (state.calls - state.first):
        raise RegexTimeout(regex.pattern, RUN_SECONDS)


@contextmanager
def watching() -> Iterator[None]:
    """Bound the marked matches in the block (module doc). Re-entrant: an inner block shares
    the outer one's timer and run total."""
    state = STATE
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return
    if state.depth:
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
        return
    state.total = state.stuck = 0
    state.seen = -1
    state.first = state.calls
    previous = signal.signal(signal.SIGVTALRM, _tick)
    signal.setitimer(signal.ITIMER_VIRTUAL, TICK, TICK)
    state.depth = 1
    try:
        yield
    finally:
        state.depth = 0
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
