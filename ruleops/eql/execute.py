"""Running a parsed EQL query over a list of events, as Elasticsearch's `_eql/search` does.

* Event queries: matching events in stream order (timestamp, then tiebreaker, then input order).
* Sequences: one state machine per join-key value. Each positive stage holds at most one
  pending sequence; an event is fed to the stages from the last to the first, so it can
  extend a pending sequence and start a new one but is never used twice in one sequence;
  a newer pending sequence that reaches a stage replaces the older one there. `maxspan`
  (inclusive: ES drops a sequence only when the gap *exceeds* it) stops a pending sequence
  from growing; an `until` event with the same key discards the key's pending sequences.
  Sequences are emitted in completion order; several completed by one event (multi-valued
  keys) in key order.
* Missing events (`![...]`): candidates are built from the positive stages only, then
  accepted or rejected. A middle `!` stage rejects a candidate when a matching event with the
  same keys lies strictly between its neighbouring positive events. The leading/trailing `!`
  stages reject it only together: when every one of them has a matching event (the latest
  before the first positive event, the earliest after the last) and all of those events
  fit within `maxspan` with the positive ones. This is the rule that reproduces ES's spec
  tests (`leadingAndTrailingExcluded1/2`, `leadingSimple`, `positivePlusMissing`).
* Samples: per join-key tuple (ascending, null first), one event per filter in filter order,
  events in any time order, distinct within a sample, up to `max_samples_per_key` samples.
* Join keys: a non-optional key with no value makes an event ineligible (ES adds an
  `exists` filter); `?field` keys accept null; a multi-valued key gives one key per distinct
  value (the cartesian product for several).
* `head`/`tail` pipes apply in order; then `size` keeps the first results.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruleops.eql.ast import Clause, EventQuery, Query, Sample, Sequence, category_term
from ruleops.es_types import coerce_to_type, parse_date_millis
from ruleops.query.ast import Field
from ruleops.query.evaluate import FieldTypes, compile_condition
from ruleops.query.values import first_value, flat_values, make_getter

KeyTuple = tuple[Any, ...]


@dataclass(frozen=True)
class Result:
    """One match: an event, or the events of a sequence/sample (None for a missing event)."""

    events: tuple[Mapping[str, Any] | None, ...]
    join_keys: tuple[Any, ...] = ()


@dataclass(frozen=True)
class _Event:
    position: int  # in the ordered stream
    timestamp: float | None
    event: Mapping[str, Any]


class _Filter:
    """A clause compiled: category + condition + join keys."""

    def __init__(
        self,
        query: EventQuery,
        keys: tuple[Field, ...],
        category_field: str,
        field_types: FieldTypes | None,
    ) -> None:
        condition = query.condition
        if query.category is not None:
            category = category_term(query.category, category_field)
            test_category = compile_condition(category, field_types=field_types)
        else:
            test_category = None
        test_condition = compile_condition(condition, field_types=field_types)
        if test_category is None:
            self.test: Callable[[Mapping[str, Any]], bool] = test_condition
        else:
            self.test = lambda event: test_category(event) and test_condition(event)
        types = field_types or {}
        self.key_getters = [(make_getter(k.path), k.optional, types.get(k.name)) for k in keys]

    def keys_of(self, event: Mapping[str, Any]) -> list[KeyTuple]:
        """Every key tuple the event joins under ([] if a mandatory key has no value)."""
        if not self.key_getters:
            return [()]
        options: list[list[Any]] = []
        for get, optional, es_type in self.key_getters:
            values = list(
                dict.fromkeys(
                    _hashable(coerce_to_type(v, es_type)) for v in flat_values(get(event))
                )
            )
            if not values:
                if not optional:
                    return []
                values = [None]
            options.append(values)
        if all(len(o) == 1 for o in options):
            return [tuple(o[0] for o in options)]
        return [tuple(combo) for combo in itertools.product(*options)]


def _hashable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return repr(value)
    return value


def key_sort(key: KeyTuple) -> tuple[Any, ...]:
    """ES orders keys ascending with null first; values of different types by type."""
    return tuple(
        (0, "", 0)
        if v is None
        else (
            1,
            type(v).__name__ if not isinstance(v, int | float) or isinstance(v, bool) else "number",
            v,
        )
        for v in key
    )


class Executor:
    """A compiled query. `run` may be called many times on different event lists."""

    def __init__(
        self,
        query: Query,
        *,
        category_field: str = "event.category",
        field_types: FieldTypes | None = None,
    ) -> None:
        self.query = query
        self.category_field = category_field
        self.field_types = field_types
        body = query.body
        if isinstance(body, EventQuery):
            self._filter = _Filter(body, (), category_field, field_types)
        elif isinstance(body, Sequence):
            self._compile_sequence(body)
        elif isinstance(body, Sample):
            self._sample_filters = [
                _Filter(c.query, body.keys + c.keys, category_field, field_types)
                for c in body.clauses
            ]
        else:  # pragma: no cover - the parser builds only these
            raise TypeError(f"cannot execute {type(body).__name__}")

    def _compile_sequence(self, body: Sequence) -> None:
        stages: list[Clause] = []
        filters: list[_Filter] = []
        for clause in body.clauses:
            # `runs=N` repeats a stage; its filter is compiled once and shared
            stage_filter = _Filter(
                clause.query, body.keys + clause.keys, self.category_field, self.field_types
            )
            runs = max(clause.runs, 1)
            stages.extend([clause] * runs)
            filters.extend([stage_filter] * runs)
        self._stages = stages
        self._stage_filters = filters
        self._positive = [i for i, c in enumerate(stages) if not c.missing]
        self._until = (
            _Filter(
                body.until.query, body.keys + body.until.keys, self.category_field, self.field_types
            )
            if body.until is not None
            else None
        )
        self._maxspan = body.maxspan_ms

    # ---- running

    def run(
        self,
        events: Iterable[Mapping[str, Any]],
        *,
        timestamp_field: str = "@timestamp",
        tiebreaker_field: str | None = None,
        size: int | None = None,
        max_samples_per_key: int = 1,
    ) -> list[Result]:
        body = self.query.body
        if isinstance(body, Sample):
            results = self._run_sample(list(events), max_samples_per_key)
        else:
            stream = order_events(events, timestamp_field, tiebreaker_field)
            if isinstance(body, Sequence):
                results = self._run_sequence(stream)
            else:
                test = self._filter.test
                results = [Result((e.event,)) for e in stream if test(e.event)]
        for pipe in self.query.pipes:
            results = (
                results[: pipe.count]
                if pipe.kind == "head"
                else results[-pipe.count :]
                if pipe.count
                else []
            )
        if size is not None:
            results = results[: max(size, 0)]
        return results

    def _run_sequence(self, stream: list[_Event]) -> list[Result]:
        positive = self._positive
        filters = self._stage_filters
        last = len(positive) - 1
        maxspan = self._maxspan
        # machines[key][j]: the pending sequence at positive stage j, as a list of _Event
        machines: dict[KeyTuple, list[list[_Event] | None]] = {}
        completed: list[tuple[list[_Event], KeyTuple]] = []
        missing_index = self._index_missing(stream) if len(positive) < len(filters) else {}
        for item in stream:
            event = item.event
            done_here: list[tuple[list[_Event], KeyTuple]] = []
            for j in range(last, -1, -1):
                stage_filter = filters[positive[j]]
                if not stage_filter.test(event):
                    continue
                for key in stage_filter.keys_of(event):
                    states = machines.get(key)
                    if states is None:
                        states = machines[key] = [None] * len(positive)
                    if j == 0:
                        if last == 0:
                            done_here.append(([item], key))
                        else:
                            states[0] = [item]
                        continue
                    pending = states[j - 1]
                    if pending is None:
                        continue
                    states[j - 1] = None
                    start = pending[0].timestamp
                    if (
                        maxspan is not None
                        and start is not None
                        and item.timestamp is not None
                        and item.timestamp - start > maxspan
                    ):
                        continue
                    grown = [*pending, item]
                    if j == last:
                        done_here.append((grown, key))
                    else:
                        states[j] = grown
            if self._until is not None and self._until.test(event):
                # After the stages: an until event that completes a sequence does not stop it
                # (extra:sequenceWithOptionalFieldsAndUntil_1); it discards what is still pending.
                for key in self._until.keys_of(event):
                    states = machines.get(key)
                    if states is not None:
                        for j, pending in enumerate(states):
                            if pending is not None and pending[0] is not item:
                                states[j] = None
            done_here.sort(key=lambda pair: key_sort(pair[1]))
            for events, key in done_here:
                if missing_index and not self._missing_allows(events, key, missing_index):
                    continue
                completed.append((events, key))
        return [self._sequence_result(events, key) for events, key in completed]

    def _sequence_result(self, positives: list[_Event], key: KeyTuple) -> Result:
        by_stage = dict(zip(self._positive, positives, strict=True))
        out = tuple(by_stage[i].event if i in by_stage else None for i in range(len(self._stages)))
        return Result(out, key)

    def _index_missing(self, stream: list[_Event]) -> dict[int, dict[KeyTuple, list[_Event]]]:
        index: dict[int, dict[KeyTuple, list[_Event]]] = {}
        for i, clause in enumerate(self._stages):
            if not clause.missing:
                continue
            stage_filter = self._stage_filters[i]
            per_key: dict[KeyTuple, list[_Event]] = {}
            for item in stream:
                if stage_filter.test(item.event):
                    for key in stage_filter.keys_of(item.event):
                        per_key.setdefault(key, []).append(item)
            index[i] = per_key
        return index

    def _missing_allows(
        self, positives: list[_Event], key: KeyTuple, index: dict[int, dict[KeyTuple, list[_Event]]]
    ) -> bool:
        stages = self._positive
        first_stage, last_stage = stages[0], stages[-1]
        leading: list[float | None] = []
        trailing: list[float | None] = []
        edge_found = True
        for missing_stage, per_key in index.items():
            matches = per_key.get(key, [])
            positions = [m.position for m in matches]
            if first_stage < missing_stage < last_stage:
                before = max(j for j, s in enumerate(stages) if s < missing_stage)
                low, high = positives[before].position, positives[before + 1].position
                i = bisect.bisect_right(positions, low)
                if i < len(positions) and positions[i] < high:
                    return False
            elif missing_stage < first_stage:
                i = bisect.bisect_left(positions, positives[0].position)
                if i == 0:
                    edge_found = False
                else:
                    leading.append(matches[i - 1].timestamp)
            else:
                i = bisect.bisect_right(positions, positives[-1].position)
                if i >= len(positions):
                    edge_found = False
                else:
                    trailing.append(matches[i].timestamp)
        if not (leading or trailing) or not edge_found:
            return True
        if self._maxspan is None:
            return False
        times = [
            t
            for t in [*leading, *trailing, positives[0].timestamp, positives[-1].timestamp]
            if t is not None
        ]
        return max(times) - min(times) > self._maxspan

    def _run_sample(self, events: list[Mapping[str, Any]], per_key: int) -> list[Result]:
        filters = self._sample_filters
        # key -> filter index -> matching events (input order)
        buckets: dict[KeyTuple, list[list[Mapping[str, Any]]]] = {}
        for event in events:
            for i, sample_filter in enumerate(filters):
                if not sample_filter.test(event):
                    continue
                for key in sample_filter.keys_of(event):
                    lists = buckets.get(key)
                    if lists is None:
                        lists = buckets[key] = [[] for _ in filters]
                    lists[i].append(event)
        results: list[Result] = []
        for key in sorted(buckets, key=key_sort):
            lists = buckets[key]
            if any(not candidates for candidates in lists):
                continue
            found = 0
            for combo in itertools.product(*lists):
                if len({id(e) for e in combo}) < len(combo):
                    continue
                results.append(Result(tuple(combo), key))
                found += 1
                if found >= max(per_key, 1):
                    break
        return results


def compile_query(
    query: Query, *, category_field: str = "event.category", field_types: FieldTypes | None = None
) -> Executor:
    """Compile a parsed query once; `Executor.run` evaluates it over events."""
    return Executor(query, category_field=category_field, field_types=field_types)


def order_events(
    events: Iterable[Mapping[str, Any]], timestamp_field: str, tiebreaker_field: str | None
) -> list[_Event]:
    """The event stream: ascending timestamp, then tiebreaker, then input order."""
    get_ts = make_getter(tuple(timestamp_field.split(".")))
    get_tb = make_getter(tuple(tiebreaker_field.split("."))) if tiebreaker_field else None
    keyed = []
    for index, event in enumerate(events):
        ts = _timestamp(get_ts(event))
        tb = first_value(get_tb(event)) if get_tb else None
        keyed.append(
            (
                (ts is None, ts if ts is not None else 0, tb is None, _tiebreak_sort(tb), index),
                ts,
                event,
            )
        )
    keyed.sort(key=lambda item: item[0])
    return [_Event(position, ts, event) for position, (_, ts, event) in enumerate(keyed)]


def _timestamp(raw: Any) -> float | None:
    value = first_value(raw)
    if value is None:
        return None
    return parse_date_millis(value)


def _tiebreak_sort(value: Any) -> tuple[Any, ...]:
    if value is None:
        return (0, 0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))
