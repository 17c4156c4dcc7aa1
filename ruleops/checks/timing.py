"""The rule's schedule: a search window that holds no time, so the rule can never fire.

Kibana runs a rule every `interval` over the events from `from` to `to` (Elasticsearch date
math, default now-6m to now). A window whose end is not after its start searches nothing,
whatever the query: that is an error on any rule, whichever house style the repository keeps
(`style.lookback-gap`, RO151, only says a window shorter than the interval leaves gaps).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruleops.checks import rule_check
from ruleops.datemath import offset_seconds
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.loading import DEFAULT_FROM

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule

EMPTY_WINDOW = register(
    CheckInfo(
        code="RO112",
        name="timing.searches-nothing",
        severity=Severity.ERROR,
        summary="`from` is not earlier than `to`: the rule searches no time and never fires",
        explanation=(
            "Each run of a rule searches the events from `from` to `to` (date math relative "
            "to the run, default now-6m to now). When `from` is not earlier than `to` (a "
            "`from` in the future such as now+30m, or a `to` reaching further back than "
            "`from`), the window holds no time: the query is never given an event and the "
            "rule never alerts. Usually a sign slipped (`now+30m` for `now-30m`). Windows "
            "that round (`now/d`) depend on the time of the run and are not checked."
        ),
        example="rule",
        bad='from = "now+30m"',
        good='from = "now-30m"',
    )
)


@rule_check(emits=(EMPTY_WINDOW,))
def window_holds_time(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    start = rule.string("rule.from") or DEFAULT_FROM
    end = rule.string("rule.to") or "now"
    first, last = offset_seconds(start), offset_seconds(end)
    if first is None or last is None or first < last:
        return
    yield rule.diagnostic(
        EMPTY_WINDOW,
        f"from = {start!r} is not earlier than to = {end!r}: the rule searches nothing and "
        "never fires",
        "rule.from" if rule.string("rule.from") else "rule.to",
        hint=_hint(start, end),
    )


def _hint(start: str, end: str) -> str:
    if start.startswith("now+"):
        return f'did you mean from = "now-{start[4:]}"? `from` reaches back from the run'
    return 'make `from` earlier than `to`: from = "now-6m" with to = "now" is the default'
