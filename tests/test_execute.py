"""Running whole EQL queries: ordering, sequences, missing events, samples and pipes."""

from __future__ import annotations

from ruleops.eql.execute import Result, compile_query
from ruleops.eql.parser import parse_eql


def ev(i: int, category: str, ts: int | None = None, **fields) -> dict:
    event = {"id": i, "event": {"category": category}, **fields}
    event["@timestamp"] = i * 1000 if ts is None else ts
    return event


def run(query: str, events: list[dict], **kwargs) -> list[Result]:
    return compile_query(parse_eql(query)).run(events, **kwargs)


def ids(results: list[Result]) -> list:
    return [-1 if e is None else e["id"] for r in results for e in r.events]


# --- event queries -----------------------------------------------------------------------------


def test_event_query_returns_matches_in_timestamp_order():
    events = [ev(2, "process"), ev(1, "process")]
    assert ids(run("process where true", events)) == [1, 2]


def test_equal_timestamps_are_ordered_by_the_tiebreaker():
    events = [ev(2, "process", ts=5, seq=2), ev(1, "process", ts=5, seq=1)]
    assert ids(run("process where true", events, tiebreaker_field="seq")) == [1, 2]


def test_timestamps_may_be_iso_strings():
    events = [ev(1, "x", ts="2024-01-01T00:00:01Z"), ev(2, "x", ts="2024-01-01T00:00:00Z")]
    assert ids(run("x where true", events)) == [2, 1]


def test_category_is_matched_case_sensitively():
    assert ids(run("Process where true", [ev(1, "process")])) == []


def test_any_matches_events_without_a_category():
    assert ids(run("any where true", [{"id": 1, "@timestamp": 1}])) == [1]


def test_category_array_matches_when_any_value_is_the_category():
    event = {"id": 1, "@timestamp": 1, "event": {"category": ["file", "process"]}}
    assert ids(run("process where true", [event])) == [1]


def test_head_keeps_the_first_results():
    events = [ev(i, "x") for i in range(1, 6)]
    assert ids(run("x where true | head 2", events)) == [1, 2]


def test_tail_keeps_the_last_results_in_ascending_order():
    events = [ev(i, "x") for i in range(1, 6)]
    assert ids(run("x where true | tail 2", events)) == [4, 5]


def test_pipes_apply_left_to_right():
    events = [ev(i, "x") for i in range(1, 7)]
    assert ids(run("x where true | head 4 | tail 2", events)) == [3, 4]


def test_size_caps_the_results():
    events = [ev(i, "x") for i in range(1, 6)]
    assert ids(run("x where true", events, size=3)) == [1, 2, 3]


# --- sequences ---------------------------------------------------------------------------------


def test_sequence_matches_events_in_order():
    events = [ev(1, "a"), ev(2, "b")]
    assert ids(run("sequence [a where true] [b where true]", events)) == [1, 2]


def test_sequence_does_not_match_events_out_of_order():
    events = [ev(1, "b"), ev(2, "a")]
    assert ids(run("sequence [a where true] [b where true]", events)) == []


def test_sequence_keeps_only_the_most_recent_candidate_for_a_stage():
    events = [ev(1, "a"), ev(2, "a"), ev(3, "b")]
    assert ids(run("sequence [a where true] [b where true]", events)) == [2, 3]


def test_an_event_can_extend_one_sequence_and_start_another():
    events = [ev(i, "a") for i in (1, 2, 3)]
    assert ids(run("sequence [a where true] [a where true]", events)) == [1, 2, 2, 3]


def test_sequence_by_joins_on_equal_key_values():
    events = [ev(1, "a", pid=1), ev(2, "a", pid=2), ev(3, "b", pid=1)]
    result = run("sequence by pid [a where true] [b where true]", events)
    assert ids(result) == [1, 3] and result[0].join_keys == (1,)


def test_keys_join_by_position_across_different_field_names():
    events = [ev(1, "a", pid=7), ev(2, "b", ppid=7)]
    assert ids(run("sequence [a where true] by pid [b where true] by ppid", events)) == [1, 2]


def test_an_event_without_a_mandatory_key_is_ignored():
    events = [ev(1, "a"), ev(2, "b")]
    assert ids(run("sequence by pid [a where true] [b where true]", events)) == []


def test_an_optional_key_accepts_null():
    events = [ev(1, "a"), ev(2, "b")]
    result = run("sequence by ?pid [a where true] [b where true]", events)
    assert ids(result) == [1, 2] and result[0].join_keys == (None,)


def test_a_multi_valued_key_joins_under_each_value():
    events = [ev(1, "a", tag=["x", "y"]), ev(2, "b", tag="y")]
    result = run("sequence by tag [a where true] [b where true]", events)
    assert ids(result) == [1, 2] and result[0].join_keys == ("y",)


def test_maxspan_rejects_sequences_longer_than_the_span():
    events = [ev(1, "a", ts=0), ev(2, "b", ts=5000)]
    assert ids(run("sequence with maxspan=1s [a where true] [b where true]", events)) == []


def test_maxspan_boundary_is_inclusive():
    events = [ev(1, "a", ts=0), ev(2, "b", ts=1000)]
    assert ids(run("sequence with maxspan=1s [a where true] [b where true]", events)) == [1, 2]


def test_until_discards_pending_sequences_of_its_key():
    events = [ev(1, "a", pid=1), ev(2, "stop", pid=1), ev(3, "b", pid=1)]
    query = "sequence by pid [a where true] [b where true] until [stop where true]"
    assert ids(run(query, events)) == []


def test_until_on_the_completing_event_does_not_stop_the_sequence():
    events = [ev(1, "a"), ev(2, "b")]
    query = "sequence [a where true] [b where true] until [b where true]"
    assert ids(run(query, events)) == [1, 2]


def test_runs_repeats_a_clause():
    events = [ev(1, "a"), ev(2, "a"), ev(3, "b")]
    assert ids(run("sequence [a where true] with runs=2 [b where true]", events)) == [1, 2, 3]


def test_sequences_are_returned_in_completion_order():
    events = [ev(1, "a", k=1), ev(2, "a", k=2), ev(3, "b", k=2), ev(4, "b", k=1)]
    assert ids(run("sequence by k [a where true] [b where true]", events)) == [2, 3, 1, 4]


def test_head_on_a_sequence_counts_sequences():
    events = [ev(i, "a") for i in (1, 2, 3)]
    query = "sequence [a where true] [a where true] | head 1"
    assert ids(run(query, events)) == [1, 2]


# --- missing events ----------------------------------------------------------------------------


def test_a_missing_event_in_between_rejects_the_sequence():
    events = [ev(1, "a"), ev(2, "m"), ev(3, "b")]
    query = "sequence with maxspan=1h [a where true] ![m where true] [b where true]"
    assert ids(run(query, events)) == []


def test_a_missing_event_placeholder_is_none_in_the_result():
    events = [ev(1, "a"), ev(3, "b")]
    query = "sequence with maxspan=1h [a where true] ![m where true] [b where true]"
    assert ids(run(query, events)) == [1, -1, 3]


def test_a_trailing_missing_event_within_maxspan_rejects_the_sequence():
    events = [ev(1, "a", ts=0), ev(2, "m", ts=500)]
    query = "sequence with maxspan=1s [a where true] ![m where true]"
    assert ids(run(query, events)) == []


def test_a_trailing_missing_event_beyond_maxspan_does_not_reject():
    events = [ev(1, "a", ts=0), ev(2, "m", ts=5000)]
    query = "sequence with maxspan=1s [a where true] ![m where true]"
    assert ids(run(query, events)) == [1, -1]


# --- samples -----------------------------------------------------------------------------------


def test_sample_joins_events_in_any_time_order():
    events = [ev(1, "b", host="h"), ev(2, "a", host="h")]
    assert ids(run("sample by host [a where true] [b where true]", events)) == [2, 1]


def test_samples_are_ordered_by_key_with_null_first():
    events = [ev(1, "a", host="z"), ev(2, "b", host="z"), ev(3, "a"), ev(4, "b")]
    result = run("sample by ?host [a where true] [b where true]", events)
    assert [r.join_keys for r in result] == [(None,), ("z",)]


def test_max_samples_per_key_allows_several_samples_per_key():
    events = [ev(1, "a", host="h"), ev(2, "a", host="h"), ev(3, "b", host="h")]
    result = run("sample by host [a where true] [b where true]", events, max_samples_per_key=2)
    assert ids(result) == [1, 3, 2, 3]
