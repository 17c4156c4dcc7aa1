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
returns `Alert`s. `program(section)` adapts it to the fixture runner.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ruleops.kql.filters import UnsupportedFilter, filters_condition
from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.query.ast import (
    And,
    Call,
    Compare,
    Exists,
    Expr,
    Field,
    Literal,
    Match,
    Or,
    fields,
    walk,
)
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


# ---------------------------------------------------------------------------- time


_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/([smhdwMy]))?$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "M": 30 * 86400, "y": 365 * 86400}


def relative_time(text: str, now: dt.datetime) -> dt.datetime | None:
    """Elasticsearch date math of the forms rules use: `now`, `now-7d`, `now-30d/d`.
    Months and years are counted as 30 and 365 days."""
    match = _RELATIVE.match(text.strip())
    if not match:
        return None
    amount, unit, rounding = match.groups()
    moment = now - dt.timedelta(seconds=int(amount) * _UNIT[unit]) if amount else now
    if rounding in ("d", "w", "M", "y"):
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif rounding == "h":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    elif rounding == "m":
        moment = moment.replace(second=0, microsecond=0)
    return moment


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, list):
        value = next(iter(flat_values(value)), None)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _resolve_date_math(expr: Expr, now: dt.datetime) -> tuple[Expr, dict[str, str]]:
    """`@timestamp >= "now-30d/d"`: the bound as a date, and the field typed as a date so
    the evaluator compares instants rather than text."""
    dated: dict[str, str] = {}

    def visit(node: Expr) -> Expr:
        if isinstance(node, Compare) and isinstance(node.left, Field):
            bound = node.right
            if isinstance(bound, Literal) and isinstance(bound.value, str):
                moment = relative_time(bound.value, now)
                if moment is not None:
                    dated[node.left.name] = "date"
                    return Compare(node.op, node.left, Literal(_iso(moment), bound.span), node.span)
        return _rebuild(node, visit)

    return visit(expr), dated


def _rebuild(node: Expr, visit: Callable[[Expr], Expr]) -> Expr:
    import dataclasses

    changes: dict[str, Any] = {}
    for name in ("operand", "left", "right", "value"):
        child = getattr(node, name, None)
        if child is not None and not isinstance(child, str | int | float | bool):
            changes[name] = visit(child)
    if hasattr(node, "operands"):
        changes["operands"] = tuple(visit(child) for child in node.operands)
    return dataclasses.replace(node, **changes) if changes else node


def _has_date_math(expr: Expr) -> bool:
    return any(
        isinstance(n, Compare)
        and isinstance(n.right, Literal)
        and isinstance(n.right.value, str)
        and n.right.value.strip().startswith("now")
        for n in walk(expr)
    )


# ---------------------------------------------------------------------------- field values


def _getter(name: str) -> Callable[[Event], list[Any]]:
    get = make_getter(tuple(name.split(".")))
    return lambda event: flat_values(get(event))


def _key(value: Any) -> Any:
    """A hashable stand-in for a field value, equal for values ES indexes alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _combinations(event: Event, getters: Sequence[Callable[[Event], list[Any]]]) -> list[tuple]:
    """Every combination of one value per field; none when a field is missing."""
    values = [[_key(v) for v in get(event)] for get in getters]
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

    def matcher(self, expr: Expr, now: dt.datetime | None) -> Predicate:
        from ruleops.query.evaluate import compile_condition

        if _has_date_math(expr):
            resolved, types = _resolve_date_math(expr, now or dt.datetime.now(dt.UTC))
            return compile_condition(resolved, dialect="kql", field_types=types)
        return compile_condition(expr, dialect="kql")

    def now(self, timestamp_field: str, *groups: Iterable[Event]) -> dt.datetime | None:
        """The latest event time: "now" for date math and time windows."""
        get = _getter(timestamp_field)
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
        getters = [_getter(name) for name in self.group_by]
        groups: dict[tuple, list[Event]] = {}
        for event in events:
            if not test(event):
                continue
            for key in _combinations(event, getters) if getters else [()]:
                groups.setdefault(key, []).append(event)
        alerts = []
        for key, members in groups.items():
            if len(members) < self.count:
                continue
            if all(
                len({_key(v) for e in members for v in _getter(name)(e)}) >= minimum
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
        getters = [_getter(name) for name in self.terms]
        seen = {term for event in history if test(event) for term in _combinations(event, getters)}
        alerts = []
        for event in events:
            if not test(event):
                continue
            for term in _combinations(event, getters):
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
            moment = parse_time(_getter(timestamp_field)(event))
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
            [(_getter(source), _getter(target)) for source, target in group]
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
                        {_key(v) for v in get_source(event)}
                        & {_key(v) for v in get_target(indicator)}
                        for get_source, get_target in group
                    )
                    for group in groups
                )
            )
            if matched:
                alerts.append(Alert((event, *matched)))
        return alerts


# ---------------------------------------------------------------------------- compiling


def compile_rule_type(section: Mapping[str, Any]) -> RuleType:
    """The runnable form of a KQL rule's `[rule]` table. Raises `KqlSyntaxError`,
    `UnsupportedFilter` or `RuleTypeError`."""
    return _compile(_cache_key(section))


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
    condition = _with_filters(
        _typed_fields(parse_kql(section.get("query") or "")), section.get("filters")
    )
    timestamp = section.get("timestamp_override") or "@timestamp"
    common = {"type": rule_type, "condition": condition, "timestamp_field": timestamp}
    if rule_type == "query":
        return RuleType(**common)
    if rule_type == "threshold":
        settings = section.get("threshold") or {}
        group_by = settings.get("field") or []
        group_by = [group_by] if isinstance(group_by, str) else list(group_by)
        if not isinstance(settings.get("value"), int) or settings["value"] < 1:
            raise RuleTypeError("threshold.value must be a positive integer")
        cardinality = tuple(
            (entry["field"], int(entry["value"])) for entry in settings.get("cardinality") or []
        )
        return Threshold(**common, group_by=tuple(f for f in group_by if f),
                         count=settings["value"], cardinality=cardinality)  # fmt: skip
    if rule_type == "new_terms":
        settings = section.get("new_terms") or {}
        terms = settings.get("value") or []
        if not terms:
            raise RuleTypeError("new_terms.value must list the fields whose values are new")
        windows = settings.get("history_window_start") or [{}]
        window = windows[0].get("value", "now-7d") if isinstance(windows, list) else windows
        return NewTerms(**common, terms=tuple(terms), history_window=str(window),
                        lookback=section.get("from") or DEFAULT_FROM)  # fmt: skip
    threat = _with_filters(_typed_fields(parse_kql(section.get("threat_query") or "")),
                           section.get("threat_filters"))  # fmt: skip
    mapping = tuple(
        tuple((entry["field"], entry["value"]) for entry in group.get("entries", []))
        for group in section.get("threat_mapping") or []
    )
    if not mapping or not all(mapping):
        raise RuleTypeError("threat_mapping must have at least one group of entries")
    return ThreatMatch(**common, threat_condition=threat, mapping=mapping)


# Text fields outside ECS that KQL rules query most: the Windows integration maps PowerShell
# script block text as an analysed text field (307 uses in Elastic's rules).
_KNOWN_TEXT_FIELDS = frozenset({"powershell.file.script_block_text"})
_TEXT_TYPES = frozenset({"text", "match_only_text"})
_NON_WORD = "[^a-zA-Z0-9_]"
_TOKEN = re.compile(r"[a-zA-Z0-9_]+(?:[.'][a-zA-Z0-9_]+)*")
# Lucene regex contexts: what may come before a word (nothing, a separator, or a joiner
# that follows a separator) and after it, so that the word is a whole word of the text.
_BEFORE = "(.*[^a-zA-Z0-9_.']|(.*[^a-zA-Z0-9_])?[.'])?"
_AFTER = "([^a-zA-Z0-9_.'].*|[.']([^a-zA-Z0-9_].*)?)?"


def _analysed(match: Match) -> Expr:
    """KQL on an analysed text field, as a case-insensitive full-match regex over the text.

    The standard analyzer lower-cases and splits on non-word characters, so a phrase
    (`"Get-Clipboard"`) matches its words in sequence with any separators between them,
    and an unquoted value (a `match` query) matches when any of its words is a word of the
    text. Wildcard patterns are matched against the whole text, case-insensitively.
    Words are runs of ASCII letters, digits and `_`, joined by single `.` or `'`
    (`mimikatz.exe` is one word): an approximation of Unicode word breaking.
    """
    regexes = []
    for pattern in match.patterns:
        words = [_escape_regex(w) for w in _TOKEN.findall(pattern.lower())]
        if match.kind == "wildcard":
            regexes.append(".*".join(_escape_regex(part) for part in pattern.split("*")))
        elif not words:
            regexes.append("#")  # the analyzer leaves no term: nothing matches
        elif match.kind == "phrase":
            regexes.append(_BEFORE + f"{_NON_WORD}+".join(words) + _AFTER)
        else:
            regexes.append(_BEFORE + "(" + "|".join(words) + ")" + _AFTER)
    return Match(match.value, tuple(regexes), kind="regex", case_insensitive=True, span=match.span)


def _escape_regex(text: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "\\" + c for c in text)


def _typed_fields(expr: Expr) -> Expr:
    """Matches whose meaning depends on the field's type: analysed text fields, and
    addresses and CIDR blocks on ip fields (see `_ip_blocks`)."""
    from ruleops.ecs import load_ecs

    try:
        ecs = load_ecs()
    except Exception:  # no ECS data in this build: keep keyword semantics
        return expr

    def visit(node: Expr) -> Expr:
        target = _field_of(node)
        if target is not None and "*" in target.name and target.path != ("*",):
            names = _expand(target.name, ecs.fields)
            if names:
                copies = tuple(
                    visit(_with_field(node, Field(tuple(n.split(".")), target.span))) for n in names
                )
                return copies[0] if len(copies) == 1 else Or(copies, node.span)
        if isinstance(node, Match) and isinstance(node.value, Field) and node.kind != "regex":
            name = node.value.name
            if name in _KNOWN_TEXT_FIELDS or ecs.field_type(name) in _TEXT_TYPES:
                return _analysed(node)
        return _rebuild(node, visit)

    return _ip_blocks(visit(expr))


def _field_of(node: Expr) -> Field | None:
    if isinstance(node, Match) and isinstance(node.value, Field):
        return node.value
    if isinstance(node, Exists):
        return node.field
    if isinstance(node, Compare) and isinstance(node.left, Field):
        return node.left
    return None


def _with_field(node: Expr, field: Field) -> Expr:
    import dataclasses

    if isinstance(node, Match):
        return dataclasses.replace(node, value=field)
    if isinstance(node, Exists):
        return dataclasses.replace(node, field=field)
    return dataclasses.replace(node, left=field)


@lru_cache(maxsize=256)
def _expand_cached(pattern: str, names: tuple[str, ...]) -> tuple[str, ...]:
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return tuple(name for name in names if regex.fullmatch(name))


def _expand(pattern: str, fields: Mapping[str, str]) -> tuple[str, ...]:
    """The ECS fields a field-name wildcard stands for (`file.hash.*` → file.hash.md5, …),
    as Kibana expands it against the data view; `*` spans dots."""
    return _expand_cached(pattern, tuple(sorted(fields)))


def _ip_blocks(expr: Expr) -> Expr:
    """A term on an ECS `ip` field is an address or CIDR block, compared as addresses
    (`destination.ip:10.0.0.0/8`, `source.ip:"::1"`): those matches become cidrMatch calls,
    which the evaluator answers on addresses rather than text."""
    import ipaddress

    from ruleops.ecs import load_ecs

    try:
        ecs = load_ecs()
    except Exception:  # no ECS data in this build: keep the text comparison
        return expr

    def is_address(pattern: str) -> bool:
        try:
            ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
        return True

    def visit(node: Expr) -> Expr:
        if (
            isinstance(node, Match)
            and node.kind in ("term", "phrase")
            and isinstance(node.value, Field)
            and ecs.field_type(node.value.name) == "ip"
            and all(is_address(p) for p in node.patterns)
        ):
            blocks = tuple(Literal(p, node.span) for p in node.patterns)
            return Call("cidrmatch", (node.value, *blocks), span=node.span)
        return _rebuild(node, visit)

    return visit(expr)


def _with_filters(expr: Expr, filters: Any) -> Expr:
    extra = filters_condition(filters)
    if extra is None:
        return expr
    return And((expr, extra))


# ---------------------------------------------------------------------------- fixtures


def program(section: Mapping[str, Any]):
    """The rule as a `ruleops.fixtures.languages.Program`, for the fixture runner.

    A result is the tuple of events behind one alert: the event (query, new_terms), the
    group (threshold), the source event followed by the indicators it matched
    (threat_match). Indicators and history come from the case's own events, as semantics.md
    describes.
    """
    from ruleops.fixtures.languages import ClauseView, NotRunnable, Program

    try:
        compiled = compile_rule_type(section)
    except KqlSyntaxError as error:
        raise NotRunnable(
            f"the query does not parse (line {error.line}, column {error.column} of the "
            f"query: {error.message})",
            "fix the query first; the query checks report the error in the rule file",
        ) from None
    except (UnsupportedFilter, RuleTypeError) as error:
        raise NotRunnable(str(error)) from None
    clauses = [ClauseView("the query", None, compiled.condition)]
    kind = "event"
    if isinstance(compiled, Threshold):
        kind = "threshold group"
        clauses = [ClauseView("the query", None, compiled.condition, compiled.group_by)]
    elif isinstance(compiled, NewTerms):
        kind = "new term"
    elif isinstance(compiled, ThreatMatch):
        kind = "indicator match"
        clauses.append(ClauseView("the threat query", None, compiled.threat_condition))

    def run(events: Sequence[Event], timestamp_field: str):
        return [alert.events for alert in compiled.run(events, timestamp_field=timestamp_field)]

    def explain_missing(events, times, label, wanted=None):
        from ruleops.kql.no_alert import why_no_alert

        return why_no_alert(compiled, events, times, label, wanted)

    return Program(
        "kuery",
        "kql",
        str(section.get("query") or ""),
        kind,  # type: ignore[arg-type]
        tuple(clauses),
        frozenset(compiled.reads()),
        run,
        explain_missing=explain_missing if kind != "event" else None,
    )
