"""What KQL rules of each type alert on: query, threshold, new_terms, threat_match.

Each type starts from the same single-event condition — the KQL query ANDed with the rule's
filters, evaluated by `ruleops.query.evaluate` in its `kql` dialect — and adds what the
detection engine does on top (semantics.md has the rules in prose):

    query         one alert per matching event
    threshold     groups of matching events by `threshold.field`, counted
    new_terms     matching events whose field values were not seen in the history window
    threat_match  matching events whose mapped fields equal an indicator's

`compile_rule_type(section)` builds a `RuleType` from a rule's `[rule]` table; its `run` takes
the events (and, when the caller has them apart, the history or indicator documents) and
returns `Alert`s; `ruleops.fixtures.languages` adapts it to the fixture runner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ruleops.kql.dates import has_date_math, parse_time, relative_time, resolve_date_math
from ruleops.kql.field_types import expand_field_wildcards, kql_field_types
from ruleops.kql.filters import filters_condition
from ruleops.kql.parser import parse_kql
from ruleops.query.ast import (
    And,
    Expr,
    Literal,
    fields,
)
from ruleops.query.evaluate import compile_condition
from ruleops.query.values import flat_values, make_getter

Event = Mapping[str, Any]
_MATCH_ALL = Literal(True)
Predicate = Callable[[Event], bool]

SUPPORTED_TYPES = ("query", "threshold", "new_terms", "threat_match")
DEFAULT_FROM = "now-6m"  # Kibana's default look-back for a rule that sets no `from`


class RuleTypeError(ValueError):
    """The rule's type-specific settings cannot be run (with a message for the author)."""


@dataclass(frozen=True)
class Alert:
    """One alert: the events behind it, and what grouped them (group values, new term)."""

    events: tuple[Event, ...]
    key: tuple[Any, ...] = ()


# ---------------------------------------------------------------------------- field values


def field_values_getter(name: str) -> Callable[[Event], list[Any]]:
    get = make_getter(tuple(name.split(".")))
    return lambda event: flat_values(get(event))


def term_key(value: Any) -> Any:
    """A hashable stand-in for a field value, equal for values ES indexes alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def term_combinations(
    event: Event, getters: Sequence[Callable[[Event], list[Any]]]
) -> list[tuple[Any, ...]]:
    """Every combination of one value per field; none when a field is missing; the empty
    combination alone when there are no fields (one group for everything)."""
    values = [[term_key(v) for v in get(event)] for get in getters]
    if any(not v for v in values):
        return []
    return [tuple(combo) for combo in itertools.product(*(dict.fromkeys(v) for v in values))]


# ---------------------------------------------------------------------------- rule types


@dataclass(frozen=True)
class RuleType:
    """A rule's type-specific behaviour on top of its condition."""

    type: str
    condition: Expr
    timestamp_field: str = "@timestamp"  # the rule's timestamp_override, else @timestamp
    # The fields' mapping types, which decide what each condition means (field_types.py)
    field_types: Mapping[str, str] = field(default_factory=dict)

    def matcher(self, expr: Expr, now: dt.datetime | None) -> Predicate:
        if has_date_math(expr):
            resolved, dated = resolve_date_math(expr, now or dt.datetime.now(dt.UTC))
            return compile_condition(
                resolved, dialect="kql", field_types={**self.field_types, **dated}
            )
        return compile_condition(expr, dialect="kql", field_types=self.field_types or None)

    def with_types(self, types: Mapping[str, str]) -> RuleType:
        """This rule type run with `types`: field-name wildcards spelled out over them."""
        changes: dict[str, Any] = {
            "field_types": types,
            "condition": expand_field_wildcards(self.condition, types),
        }
        if isinstance(self, ThreatMatch):
            changes["threat_condition"] = expand_field_wildcards(self.threat_condition, types)
        return dataclasses.replace(self, **changes)

    def now(self, timestamp_field: str, *groups: Iterable[Event]) -> dt.datetime | None:
        """The latest event time: "now" for date math and time windows."""
        get = field_values_getter(timestamp_field)
        times = [t for group in groups for e in group if (t := parse_time(get(e))) is not None]
        return max(times) if times else None

    def reads(self) -> set[str]:
        return {f.name for f in fields(self.condition)}

    def run(
        self, events: Sequence[Event], *, timestamp_field: str | None = None, **_: Any
    ) -> list[Alert]:
        test = self.matcher(
            self.condition, self.now(timestamp_field or self.timestamp_field, events)
        )
        return [Alert((event,)) for event in events if test(event)]


@dataclass(frozen=True)
class Threshold(RuleType):
    group_by: tuple[str, ...] = ()
    count: int = 1
    cardinality: tuple[tuple[str, int], ...] = ()

    def reads(self) -> set[str]:
        return super().reads() | set(self.group_by) | {name for name, _ in self.cardinality}

    def run(
        self, events: Sequence[Event], *, timestamp_field: str | None = None, **_: Any
    ) -> list[Alert]:
        test = self.matcher(
            self.condition, self.now(timestamp_field or self.timestamp_field, events)
        )
        getters = [field_values_getter(name) for name in self.group_by]
        groups: dict[tuple[Any, ...], list[Event]] = {}
        for event in events:
            if not test(event):
                continue
            for key in term_combinations(event, getters):
                groups.setdefault(key, []).append(event)
        alerts = []
        for key, members in groups.items():
            if len(members) < self.count:
                continue
            if all(
                len({term_key(v) for e in members for v in field_values_getter(name)(e)}) >= minimum
                for name, minimum in self.cardinality
            ):
                alerts.append(Alert(tuple(members), key))
        return alerts


@dataclass(frozen=True)
class NewTerms(RuleType):
    terms: tuple[str, ...] = ()
    history_window: str = "now-7d"
    lookback: str = DEFAULT_FROM

    def reads(self) -> set[str]:
        return super().reads() | set(self.terms) | {self.timestamp_field}

    def run(
        self,
        events: Sequence[Event],
        *,
        history: Sequence[Event] | None = None,
        timestamp_field: str | None = None,
        **_: Any,
    ) -> list[Alert]:
        """New events are `events`, history `history`; without `history`, the events are
        split by time: those before the rule's window (its `from`) are the history."""
        timestamp_field = timestamp_field or self.timestamp_field
        now = self.now(timestamp_field, events, history or ())
        test = self.matcher(self.condition, now)
        if history is None:
            history, events = self.split(events, now, timestamp_field)
        getters = [field_values_getter(name) for name in self.terms]
        seen = {
            term for event in history if test(event) for term in term_combinations(event, getters)
        }
        alerts = []
        for event in events:
            if not test(event):
                continue
            for term in term_combinations(event, getters):
                if term not in seen:
                    seen.add(term)
                    alerts.append(Alert((event,), term))
        return alerts

    def split(
        self, events: Sequence[Event], now: dt.datetime | None, timestamp_field: str
    ) -> tuple[list[Event], list[Event]]:
        """(history, new): new events fall in the rule's window, `from` before now."""
        if now is None:
            return [], list(events)
        window_start = relative_time(self.lookback, now) or now
        history_start = relative_time(self.history_window, now) or window_start
        history, new = [], []
        for event in events:
            moment = parse_time(field_values_getter(timestamp_field)(event))
            if moment is None or moment >= window_start:
                new.append(event)
            elif moment >= history_start:
                history.append(event)
        return history, new


@dataclass(frozen=True)
class ThreatMatch(RuleType):
    threat_condition: Expr = _MATCH_ALL
    # Groups of (event field, indicator field): ORed groups of ANDed entries.
    mapping: tuple[tuple[tuple[str, str], ...], ...] = ()

    def reads(self) -> set[str]:
        names = super().reads() | {f.name for f in fields(self.threat_condition)}
        return names | {name for group in self.mapping for pair in group for name in pair}

    def run(
        self,
        events: Sequence[Event],
        *,
        indicators: Sequence[Event] | None = None,
        timestamp_field: str | None = None,
        **_: Any,
    ) -> list[Alert]:
        """Alerts for source events matching an indicator. Without `indicators`, the events
        that satisfy the threat query are the indicators and the others the sources."""
        now = self.now(timestamp_field or self.timestamp_field, events, indicators or ())
        is_indicator = self.matcher(self.threat_condition, now)
        if indicators is None:
            indicators = [e for e in events if is_indicator(e)]
            sources = [e for e in events if not is_indicator(e)]
        else:
            indicators = [e for e in indicators if is_indicator(e)]
            sources = list(events)
        test = self.matcher(self.condition, now)
        groups = [
            [(field_values_getter(source), field_values_getter(target)) for source, target in group]
            for group in self.mapping
        ]
        alerts = []
        for event in sources:
            if not test(event):
                continue
            matched = tuple(
                indicator
                for indicator in indicators
                if any(
                    all(
                        {term_key(v) for v in get_source(event)}
                        & {term_key(v) for v in get_target(indicator)}
                        for get_source, get_target in group
                    )
                    for group in groups
                )
            )
            if matched:
                alerts.append(Alert((event, *matched)))
        return alerts


# ---------------------------------------------------------------------------- compiling


def compile_rule_type(
    section: Mapping[str, Any], field_types: Mapping[str, str] | None = None
) -> RuleType:
    """The runnable form of a KQL rule's `[rule]` table, run with `field_types` (ECS when
    not given) and the integration text fields. Raises `KqlSyntaxError`, `UnsupportedFilter`
    or `RuleTypeError`."""
    return _compile(_cache_key(section)).with_types(kql_field_types(field_types))


def _cache_key(section: Mapping[str, Any]) -> str:
    keys = (
        "type", "query", "filters", "threshold", "new_terms", "from", "timestamp_override",
        "threat_query", "threat_filters", "threat_mapping",
    )  # fmt: skip
    return json.dumps({k: section.get(k) for k in keys}, sort_keys=True, default=str)


@lru_cache(maxsize=1024)
def _compile(key: str) -> RuleType:
    section = json.loads(key)
    rule_type = section.get("type")
    if rule_type not in SUPPORTED_TYPES:
        raise RuleTypeError(f"ruleops cannot run KQL rules of type {rule_type!r}")
    condition = _with_filters(parse_kql(_string(section, "query", "")), section.get("filters"))
    timestamp = _string(section, "timestamp_override", "@timestamp")
    common = {"type": rule_type, "condition": condition, "timestamp_field": timestamp}
    if rule_type == "query":
        return RuleType(**common)
    # A table of the wrong shape is the schema check's finding (RO102); here it only stops
    # the rule from running, never crashes a check.
    if rule_type == "threshold":
        settings = _table(section.get("threshold"), "threshold")
        field = settings.get("field") or []
        group_by = [field] if isinstance(field, str) else _strings(field, "threshold.field")
        if not isinstance(settings.get("value"), int) or settings["value"] < 1:
            raise RuleTypeError("threshold.value must be a positive integer")
        cardinality = tuple(
            (_text(entry, "field", "threshold.cardinality"), _count(entry))
            for entry in _tables(settings.get("cardinality"), "threshold.cardinality")
        )
        return Threshold(**common, group_by=tuple(f for f in group_by if f),
                         count=settings["value"], cardinality=cardinality)  # fmt: skip
    if rule_type == "new_terms":
        settings = _table(section.get("new_terms"), "new_terms")
        terms = _strings(settings.get("value"), "new_terms.value")
        if not terms:
            raise RuleTypeError("new_terms.value must list the fields whose values are new")
        windows = _tables(settings.get("history_window_start"), "new_terms.history_window_start")
        window = _text(windows[0], "value", "new_terms.history_window_start") if windows else None
        return NewTerms(**common, terms=tuple(terms), history_window=window or "now-7d",
                        lookback=_string(section, "from", DEFAULT_FROM))  # fmt: skip
    threat = _with_filters(parse_kql(_string(section, "threat_query", "")),
                           section.get("threat_filters"))  # fmt: skip
    mapping = tuple(
        tuple(
            (_text(entry, "field", "threat_mapping"), _text(entry, "value", "threat_mapping"))
            for entry in _tables(group.get("entries"), "threat_mapping.entries")
        )
        for group in _tables(section.get("threat_mapping"), "threat_mapping")
    )
    if not mapping or not all(mapping):
        raise RuleTypeError("threat_mapping must have at least one group of entries")
    return ThreatMatch(**common, threat_condition=threat, mapping=mapping)


def _string(section: Mapping[str, Any], key: str, default: str) -> str:
    """`section[key]`, a string (an empty one or none at all is `default`)."""
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise RuleTypeError(f"{key} must be a string")
    return value or default


def _table(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RuleTypeError(f"{key} must be a table")
    return value


def _tables(value: Any, key: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RuleTypeError(f"{key} must be a list of tables")
    return value


def _strings(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleTypeError(f"{key} must be a list of field names")
    return value


def _text(entry: dict[str, Any], name: str, key: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise RuleTypeError(f"each entry of {key} needs a string `{name}`")
    return value


def _count(entry: dict[str, Any]) -> int:
    value = entry.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuleTypeError("each entry of threshold.cardinality needs an integer `value`")
    return value


def _with_filters(expr: Expr, filters: Any) -> Expr:
    extra = filters_condition(filters)
    if extra is None:
        return expr
    return And((expr, extra))
