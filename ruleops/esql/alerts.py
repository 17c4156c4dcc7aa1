"""ES|QL rules → alerts, as Kibana's detection engine makes them.

Sources: Elastic's documentation of ES|QL rules (Elastic Security, "Detect and alert" →
"ES|QL rules": aggregating and non-aggregating queries, alert deduplication with `_id`,
MV_EXPAND, `max_signals`) and of rule settings (`from`, `interval`, `timestamp_override`,
`max_signals`, default 100):

* the rule's time window is applied before the query, as a range on `timestamp_override`
  (an event without it falls back to `@timestamp`) or `@timestamp`, from the rule's `from`
  (default `now-6m`) to now; an event without a time is outside;
* each result row becomes an alert, at most `max_signals` of them;
* a query with STATS is aggregating: its alerts carry only the row's columns;
* any other query is non-aggregating: its alerts carry the source event overlaid with the
  row's columns, and are identified by the event's `_id`, `_index` and `_version` (plus the
  values MV_EXPAND gave the row), so one event gives one alert per expanded value.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruleops.esql import ast
from ruleops.esql.evaluate import Dropped, Result
from ruleops.esql.parser import parse_esql
from ruleops.esql.pipeline import compile_query
from ruleops.esql.source import FieldTypes, event_table
from ruleops.esql.values import to_json
from ruleops.kql.dates import parse_time, relative_time
from ruleops.query.values import make_getter

DEFAULT_FROM = "now-6m"
DEFAULT_MAX_SIGNALS = 100


@dataclass(frozen=True)
class Alert:
    document: dict[str, Any]  # what the alert holds (module doc)
    row: dict[str, Any]  # the result row, column → JSON value, in column order
    source: int | None  # index of the source event (non-aggregating), else None
    key: tuple[Any, ...] = ()  # what identifies the alert


@dataclass(frozen=True)
class RuleRun:
    alerts: tuple[Alert, ...]
    result: Result
    aggregating: bool
    outside_window: tuple[int, ...] = ()  # events the time window left out
    window: tuple[int, int] | None = None  # (start, end) epoch milliseconds
    dropped: Mapping[int, list[Dropped]] = field(default_factory=dict)


def is_aggregating(query: ast.Query) -> bool:
    return any(isinstance(c, ast.Stats) for c in query.commands)


def in_window(
    events: Sequence[Mapping[str, Any]],
    now: dt.datetime,
    lookback: str,
    timestamp_field: str | None,
) -> tuple[list[int], list[int], tuple[int, int]]:
    """(inside, outside) event positions for the window `lookback` … `now`."""
    start = relative_time(lookback, now) or now
    fields = [timestamp_field] if timestamp_field and timestamp_field != "@timestamp" else []
    getters = [make_getter(tuple(name.split("."))) for name in [*fields, "@timestamp"]]
    inside: list[int] = []
    outside: list[int] = []
    for position, event in enumerate(events):
        moment = None
        for get in getters:
            moment = parse_time(get(event))
            if moment is not None:
                break
        (inside if moment is not None and start <= moment <= now else outside).append(position)
    return inside, outside, (_millis(start), _millis(now))


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def latest_time(events: Sequence[Mapping[str, Any]], timestamp_field: str | None) -> dt.datetime:
    """The latest event time (a case's default "now"), or the current time."""
    names = [n for n in (timestamp_field, "@timestamp") if n]
    times = []
    for event in events:
        for name in names:
            moment = parse_time(make_getter(tuple(name.split(".")))(event))
            if moment is not None:
                times.append(moment)
                break
    return max(times) if times else dt.datetime.now(dt.UTC)


def run_rule(
    section: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    types: FieldTypes,
    *,
    now: dt.datetime | None = None,
    explain: bool = False,
    completion: str | None = None,
) -> RuleRun:
    """The alerts the rule (its `[rule]` table) raises on `events`. Raises EsqlSyntaxError,
    EsqlError or NotEvaluated when the query cannot run."""
    text = str(section.get("query", ""))
    query = parse_esql(text)
    override = section.get("timestamp_override")
    timestamp_field = override if isinstance(override, str) and override else None
    if now is None:
        now = latest_time(events, timestamp_field)
    lookback = section.get("from") or DEFAULT_FROM
    inside, outside, window = in_window(events, now, str(lookback), timestamp_field)
    kept = [events[i] for i in inside]
    table = event_table(kept, types, query=query, index=_index_name(query))
    plan = compile_query(text, {"*": table}, completion=completion)
    result = plan.run(now=window[1], explain=explain)
    limit = section.get("max_signals")
    max_signals = limit if isinstance(limit, int) and limit > 0 else DEFAULT_MAX_SIGNALS
    aggregating = is_aggregating(query)
    found = _alerts(result, kept, aggregating, max_signals)
    # Positions in `result` refer to the kept events; give them back in the caller's terms.
    alerts = tuple(
        Alert(a.document, a.row, inside[a.source] if a.source is not None else None, a.key)
        for a in found
    )
    dropped = {
        command: [
            dataclasses.replace(d, origin=inside[d.origin]) if d.origin is not None else d
            for d in entries
        ]
        for command, entries in result.dropped.items()
    }
    return RuleRun(alerts, result, aggregating, tuple(outside), window, dropped)


def _index_name(query: ast.Query) -> str:
    source = query.commands[0] if query.commands else None
    if isinstance(source, ast.From) and source.sources:
        return source.sources[0].index.replace("*", "default")
    return "events"


def _alerts(
    result: Result, events: Sequence[Mapping[str, Any]], aggregating: bool, max_signals: int
) -> list[Alert]:
    names = [n for n, _ in result.columns]
    types = [t for _, t in result.columns]
    alerts: list[Alert] = []
    seen: set[tuple[Any, ...]] = set()
    for row, origin in zip(result.rows, result.origins, strict=True):
        if len(alerts) >= max_signals:
            break
        values = {
            n: to_json(v, t) for n, v, t in zip(names, row, types, strict=True) if t != "_source"
        }
        if aggregating or origin is None:
            alerts.append(Alert(dict(values), values, None, tuple(sorted(values.items(), key=str))))
            continue
        event = events[origin]
        identity = (
            values.get("_id", str(origin)),
            values.get("_index"),
            values.get("_version"),
        )
        expanded = tuple(
            (n, _hashable(v)) for n, v in values.items() if n not in ("_id", "_index", "_version")
        )
        key = (*identity, expanded)
        if key in seen:
            continue
        seen.add(key)
        alerts.append(Alert(overlay(event, values), values, origin, key))
    return alerts


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def overlay(event: Mapping[str, Any], columns: Mapping[str, Any]) -> dict[str, Any]:
    """The event with the row's columns written over it (dotted names as nested objects)."""
    document = copy.deepcopy(dict(event))
    for name, value in columns.items():
        if name in ("_id", "_index", "_version", "_source"):
            continue
        parts = name.split(".")
        node: dict[str, Any] = document
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        if name in document and len(parts) > 1:
            document[name] = value  # the event used the dotted key itself
        else:
            node[parts[-1]] = value
    return document
