"""Why a threshold, new_terms or threat_match rule raised no alert on a case's events.

The fixture explainer knows single-event conditions and EQL sequences; these rule types
fail for their own reasons (a group too small, a term already seen, no indicator with that
value), which this module puts in words, event by event. Each function returns None when
the plain single-event explanation is the better one: no event satisfies the query at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ruleops.kql.dates import relative_time, resolve_date_math
from ruleops.kql.rule_types import (
    NewTerms,
    RuleType,
    ThreatMatch,
    Threshold,
    field_values_getter,
    term_combinations,
    term_key,
)
from ruleops.query.explain import explain

Event = Mapping[str, Any]
Labeler = Callable[[int], str]
_MAX = 6


def why_no_alert(
    rule: RuleType,
    events: Sequence[Event],
    times: Sequence[dt.datetime | None],
    label: Labeler,
    wanted: Sequence[int] | None = None,
) -> str | None:
    """The reasons, or None to fall back on the single-event explanation."""
    now = max((t for t in times if t is not None), default=None)
    if isinstance(rule, Threshold):
        return _threshold(rule, events, now, label, wanted)
    if isinstance(rule, NewTerms):
        return _new_terms(rule, events, times, now, label)
    if isinstance(rule, ThreatMatch):
        return _threat_match(rule, events, now, label)
    return None


def _labels(label: Labeler, indices: Sequence[int]) -> str:
    shown = ", ".join(label(i) for i in indices[:_MAX])
    return shown + (f" and {len(indices) - _MAX} more" if len(indices) > _MAX else "")


def _show(key: tuple[Any, ...]) -> str:
    return ", ".join(f'"{part}"' for part in key)


def _threshold(
    rule: Threshold,
    events: Sequence[Event],
    now: dt.datetime | None,
    label: Labeler,
    wanted: Sequence[int] | None,
) -> str | None:
    test = rule.matcher(rule.condition, now)
    matching = [i for i, e in enumerate(events) if test(e)]
    if not matching:
        return None
    getters = [field_values_getter(name) for name in rule.group_by]
    groups: dict[tuple[Any, ...], list[int]] = {}
    ungrouped = []
    for i in matching:
        keys = term_combinations(events[i], getters)
        if not keys:
            ungrouped.append(i)
        for key in keys:
            groups.setdefault(key, []).append(i)
    by = ", ".join(rule.group_by) or "nothing (one group)"
    lines = [f"{len(matching)} event(s) match the query; grouped by {by}:"]
    for key, members in list(groups.items())[:_MAX]:
        problems = []
        if len(members) < rule.count:
            problems.append(f"{len(members)} event(s), below threshold.value {rule.count}")
        for name, minimum in rule.cardinality:
            distinct = {term_key(v) for i in members for v in field_values_getter(name)(events[i])}
            if len(distinct) < minimum:
                problems.append(
                    f"{len(distinct)} distinct {name} value(s), below the cardinality {minimum}"
                )
        where = _show(key) if key else "all events"
        verdict = "; ".join(problems) if problems else "reaches the threshold"
        lines.append(f"  - {where}: {_labels(label, members)}: {verdict}")
    for i in ungrouped[:_MAX]:
        missing = [n for n, g in zip(rule.group_by, getters, strict=True) if not g(events[i])]
        lines.append(f"  - {label(i)} has no {', '.join(missing)}, so it is in no group")
    if wanted is not None:
        wanted_keys = {k for i in wanted for k in term_combinations(events[i], getters)}
        if len(wanted_keys) > 1 and not any(
            set(wanted) <= set(groups.get(k, [])) for k in wanted_keys
        ):
            lines.append(
                f"the expected group [{_labels(label, list(wanted))}] spans several "
                f"{rule.group_by[0] if len(rule.group_by) == 1 else 'group'} values"
            )
    return "\n".join(lines)


def _new_terms(
    rule: NewTerms,
    events: Sequence[Event],
    times: Sequence[dt.datetime | None],
    now: dt.datetime | None,
    label: Labeler,
) -> str | None:
    test = rule.matcher(rule.condition, now)
    if not any(test(e) for e in events):
        return None
    if now is None:
        return "the events have no timestamps, so none of them is history"
    window_start = relative_time(rule.lookback, now) or now
    history_start = relative_time(rule.history_window, now) or window_start
    history = [
        i for i, t in enumerate(times) if t is not None and history_start <= t < window_start
    ]
    new = [i for i, t in enumerate(times) if t is None or t >= window_start]
    lines = [
        f"the rule's window is {rule.lookback} ({window_start:%Y-%m-%dT%H:%M:%SZ} on) and its "
        f"history {rule.history_window} ({history_start:%Y-%m-%dT%H:%M:%SZ} on); "
        f"new: {_labels(label, new) or 'none'}; history: {_labels(label, history) or 'none'}"
    ]
    getters = [field_values_getter(name) for name in rule.terms]
    seen: dict[tuple[Any, ...], int] = {}
    for i in history:
        if test(events[i]):
            for term in term_combinations(events[i], getters):
                seen.setdefault(term, i)
    for i in new[:_MAX]:
        if not test(events[i]):
            lines.append(f"  - {label(i)} does not match the query")
            continue
        terms = term_combinations(events[i], getters)
        if not terms:
            missing = [n for n, g in zip(rule.terms, getters, strict=True) if not g(events[i])]
            lines.append(f"  - {label(i)} has no {', '.join(missing)}, so it has no term")
            continue
        for term in terms:
            if term in seen:
                lines.append(
                    f"  - {label(i)}: {', '.join(rule.terms)} = {_show(term)} was already "
                    f"seen in {label(seen[term])}"
                )
            else:
                seen[term] = i
    return "\n".join(lines)


def _threat_match(
    rule: ThreatMatch, events: Sequence[Event], now: dt.datetime | None, label: Labeler
) -> str | None:
    is_indicator = rule.matcher(rule.threat_condition, now)
    test = rule.matcher(rule.condition, now)
    indicators = [i for i, e in enumerate(events) if is_indicator(e)]
    sources = [i for i, e in enumerate(events) if not is_indicator(e) and test(e)]
    if not sources:
        return None
    lines = []
    if not indicators:
        lines.append("no document satisfies the threat query and threat filters:")
        for i, event in enumerate(events[:_MAX]):
            if i in sources:
                continue
            resolved, types = resolve_date_math(
                rule.threat_condition, now or dt.datetime.now(dt.UTC)
            )
            reasons = explain(resolved, event, dialect="kql", field_types=types).failing_leaves()
            reason = "; ".join(leaf.detail or leaf.condition for leaf in reasons[:2])
            lines.append(f"  - {label(i)}: {reason}")
        return "\n".join(lines)
    lines.append(
        f"indicators: {_labels(label, indicators)}; source events: {_labels(label, sources)}"
    )
    for i in sources[:_MAX]:
        pairs = [pair for group in rule.mapping for pair in group]
        present = [(s, t) for s, t in pairs if field_values_getter(s)(events[i])]
        if not present:
            names = ", ".join(dict.fromkeys(s for s, _ in pairs))
            lines.append(f"  - {label(i)} has none of the mapped fields ({names})")
        for source, target in present:
            values = [term_key(v) for v in field_values_getter(source)(events[i])]
            offered = sorted(
                {term_key(v) for j in indicators for v in field_values_getter(target)(events[j])}
            )
            if not set(values) & set(offered):
                shown = ", ".join(f'"{v}"' for v in offered[:3]) or "none"
                lines.append(
                    f"  - {label(i)}: {source} is {', '.join(repr(v) for v in values)}; "
                    f"the indicators' {target} values are {shown}"
                )
    return "\n".join(lines)
