"""Threshold, new_terms and threat_match rules on top of the KQL condition (semantics.md)."""

from __future__ import annotations

import pytest

from ruleops.kql.dates import parse_time
from ruleops.kql.filters import UnsupportedFilter, filters_condition, lucene_wildcard_regex
from ruleops.kql.no_alert import why_no_alert
from ruleops.kql.rule_types import RuleTypeError, compile_rule_type
from ruleops.query.evaluate import compile_condition

FAILED_LOGIN = "event.category:authentication and event.outcome:failure"


def login(ip: str, user: str = "bob", outcome: str = "failure", **extra) -> dict:
    return {
        "event": {"category": "authentication", "outcome": outcome},
        "source": {"ip": ip},
        "user": {"name": user},
        **extra,
    }


def threshold(value: int, fields=("source.ip",), cardinality=()) -> dict:
    settings = {"field": list(fields), "value": value}
    if cardinality:
        settings["cardinality"] = [{"field": f, "value": v} for f, v in cardinality]
    return {"type": "threshold", "query": FAILED_LOGIN, "threshold": settings}


# ---------------------------------------------------------------------------- query


def test_query_rule_alerts_once_per_matching_event():
    rule = compile_rule_type({"type": "query", "query": FAILED_LOGIN})
    events = [login("1.1.1.1"), login("1.1.1.1", outcome="success"), login("2.2.2.2")]
    assert [alert.events[0] for alert in rule.run(events)] == [events[0], events[2]]


def test_query_rule_applies_its_filters():
    rule = compile_rule_type(
        {
            "type": "query",
            "query": FAILED_LOGIN,
            "filters": [
                {"meta": {"negate": True}, "query": {"match_phrase": {"user.name": "svc"}}}
            ],
        }
    )
    assert len(rule.run([login("1.1.1.1", user="svc"), login("1.1.1.1")])) == 1


# ---------------------------------------------------------------------------- threshold


def test_threshold_alerts_when_a_group_reaches_the_count():
    rule = compile_rule_type(threshold(3))
    events = [login("1.1.1.1")] * 3 + [login("2.2.2.2")] * 2
    (alert,) = rule.run(events)
    assert alert.key == ("1.1.1.1",)
    assert len(alert.events) == 3


def test_threshold_counts_only_matching_events():
    rule = compile_rule_type(threshold(3))
    events = [login("1.1.1.1")] * 2 + [login("1.1.1.1", outcome="success")]
    assert rule.run(events) == []


def test_threshold_groups_by_every_field_together():
    rule = compile_rule_type(threshold(2, fields=("source.ip", "user.name")))
    events = [login("1.1.1.1", "a"), login("1.1.1.1", "b"), login("1.1.1.1", "b")]
    assert [alert.key for alert in rule.run(events)] == [("1.1.1.1", "b")]


def test_threshold_leaves_out_events_missing_a_group_field():
    rule = compile_rule_type(threshold(2))
    events = [login("1.1.1.1"), {"event": {"category": "authentication", "outcome": "failure"}}]
    assert rule.run(events) == []


def test_threshold_without_fields_counts_all_matching_events():
    rule = compile_rule_type(threshold(2, fields=()))
    assert len(rule.run([login("1.1.1.1"), login("2.2.2.2")])) == 1


def test_threshold_cardinality_needs_enough_distinct_values():
    rule = compile_rule_type(threshold(3, cardinality=[("user.name", 3)]))
    same_user = [login("1.1.1.1", "a")] * 3
    three_users = [login("1.1.1.1", u) for u in ("a", "b", "c")]
    assert rule.run(same_user) == []
    assert len(rule.run(three_users)) == 1


def test_threshold_array_values_count_in_each_of_their_groups():
    rule = compile_rule_type(threshold(2, fields=("user.name",)))
    events = [login("1.1.1.1", ["a", "b"]), login("2.2.2.2", "b")]
    assert [alert.key for alert in rule.run(events)] == [("b",)]


def test_threshold_value_must_be_positive():
    with pytest.raises(RuleTypeError):
        compile_rule_type(threshold(0))


# ---------------------------------------------------------------------------- new_terms


def new_terms(fields=("user.name",), window="now-7d", lookback="now-9m") -> dict:
    return {
        "type": "new_terms",
        "query": FAILED_LOGIN,
        "from": lookback,
        "new_terms": {
            "field": "new_terms_fields",
            "value": list(fields),
            "history_window_start": [{"field": "history_window_start", "value": window}],
        },
    }


def at(event: dict, timestamp: str) -> dict:
    return {**event, "@timestamp": timestamp}


def test_new_terms_alerts_on_a_value_not_in_the_history():
    rule = compile_rule_type(new_terms())
    (alert,) = rule.run([login("1.1.1.1", "eve")], history=[login("1.1.1.1", "bob")])
    assert alert.key == ("eve",)


def test_new_terms_stays_silent_on_a_value_seen_in_the_history():
    rule = compile_rule_type(new_terms())
    assert rule.run([login("1.1.1.1", "bob")], history=[login("9.9.9.9", "bob")]) == []


def test_new_terms_history_counts_only_events_matching_the_query():
    rule = compile_rule_type(new_terms())
    history = [login("1.1.1.1", "eve", outcome="success")]
    assert len(rule.run([login("1.1.1.1", "eve")], history=history)) == 1


def test_new_terms_combines_several_fields():
    rule = compile_rule_type(new_terms(fields=("user.name", "source.ip")))
    history = [login("1.1.1.1", "bob"), login("2.2.2.2", "eve")]
    events = [login("2.2.2.2", "bob"), login("1.1.1.1", "bob")]
    assert [alert.key for alert in rule.run(events, history=history)] == [("bob", "2.2.2.2")]


def test_new_terms_alerts_once_per_new_term():
    rule = compile_rule_type(new_terms())
    assert len(rule.run([login("1.1.1.1", "eve"), login("2.2.2.2", "eve")], history=[])) == 1


def test_new_terms_event_missing_a_term_field_never_alerts():
    rule = compile_rule_type(new_terms(fields=("user.name", "host.id")))
    assert rule.run([login("1.1.1.1", "eve")], history=[]) == []


def test_new_terms_splits_history_from_new_events_by_time():
    rule = compile_rule_type(new_terms(window="now-7d", lookback="now-9m"))
    events = [
        at(login("1.1.1.1", "bob"), "2024-05-01T10:00:00Z"),  # history
        at(login("1.1.1.1", "bob"), "2024-05-03T10:00:00Z"),  # new, seen before
        at(login("1.1.1.1", "eve"), "2024-05-03T10:01:00Z"),  # new, never seen
    ]
    assert [alert.key for alert in rule.run(events)] == [("eve",)]


def test_new_terms_forgets_what_is_older_than_the_history_window():
    rule = compile_rule_type(new_terms(window="now-1d"))
    events = [
        at(login("1.1.1.1", "bob"), "2024-04-01T10:00:00Z"),
        at(login("1.1.1.1", "bob"), "2024-05-03T10:00:00Z"),
    ]
    assert [alert.key for alert in rule.run(events)] == [("bob",)]


# ---------------------------------------------------------------------------- threat_match


def indicator_match(**extra) -> dict:
    return {
        "type": "threat_match",
        "query": "source.ip:* or destination.ip:*",
        "threat_query": '@timestamp >= "now-30d/d" and threat.indicator.ip:*',
        "threat_mapping": [
            {
                "entries": [
                    {"field": "source.ip", "type": "mapping", "value": "threat.indicator.ip"}
                ]
            },
            {
                "entries": [
                    {"field": "destination.ip", "type": "mapping", "value": "threat.indicator.ip"}
                ]
            },
        ],
        **extra,
    }


def ioc(ip: str, timestamp: str = "2024-05-01T00:00:00Z") -> dict:
    return {"@timestamp": timestamp, "threat": {"indicator": {"ip": ip}}}


def test_threat_match_alerts_on_an_event_whose_field_equals_an_indicator():
    rule = compile_rule_type(indicator_match())
    event = {"@timestamp": "2024-05-02T00:00:00Z", "destination": {"ip": "6.6.6.6"}}
    (alert,) = rule.run([event], indicators=[ioc("6.6.6.6"), ioc("7.7.7.7")])
    assert alert.events == (event, ioc("6.6.6.6"))


def test_threat_match_ignores_events_matching_no_indicator():
    rule = compile_rule_type(indicator_match())
    event = {"@timestamp": "2024-05-02T00:00:00Z", "source": {"ip": "1.1.1.1"}}
    assert rule.run([event], indicators=[ioc("6.6.6.6")]) == []


def test_threat_match_ignores_indicators_outside_the_threat_query():
    rule = compile_rule_type(indicator_match())
    event = {"@timestamp": "2024-05-02T00:00:00Z", "source": {"ip": "6.6.6.6"}}
    too_old = ioc("6.6.6.6", "2024-01-01T00:00:00Z")
    assert rule.run([event], indicators=[too_old]) == []


def test_threat_match_entries_of_one_group_must_all_hold():
    rule = compile_rule_type(
        indicator_match(
            threat_mapping=[
                {
                    "entries": [
                        {"field": "source.ip", "type": "mapping", "value": "threat.indicator.ip"},
                        {
                            "field": "url.domain",
                            "type": "mapping",
                            "value": "threat.indicator.url.domain",
                        },
                    ]
                }
            ]
        )
    )
    indicator = {
        **ioc("6.6.6.6"),
        "threat": {"indicator": {"ip": "6.6.6.6", "url": {"domain": "x"}}},
    }
    event = {
        "@timestamp": "2024-05-02T00:00:00Z",
        "source": {"ip": "6.6.6.6"},
        "url": {"domain": "y"},
    }
    assert rule.run([event], indicators=[indicator]) == []


def test_threat_match_tells_indicators_from_events_by_the_threat_query():
    rule = compile_rule_type(indicator_match())
    event = {"@timestamp": "2024-05-02T00:00:00Z", "source": {"ip": "6.6.6.6"}}
    (alert,) = rule.run([ioc("6.6.6.6"), event])
    assert alert.events[0] is event


def test_threat_match_applies_threat_filters():
    rule = compile_rule_type(
        indicator_match(
            threat_filters=[
                {"meta": {"negate": False}, "query": {"match_phrase": {"event.kind": "enrichment"}}}
            ]
        )
    )
    event = {"@timestamp": "2024-05-02T00:00:00Z", "source": {"ip": "6.6.6.6"}}
    assert rule.run([event], indicators=[ioc("6.6.6.6")]) == []
    enriched = {**ioc("6.6.6.6"), "event": {"kind": "enrichment"}}
    assert len(rule.run([event], indicators=[enriched])) == 1


# ---------------------------------------------------------------------------- filters


def holds(filters, event) -> bool:
    return compile_condition(filters_condition(filters), dialect="kql")(event)


def test_negated_wildcard_filter_with_lucene_escapes_and_case_folding():
    filters = [
        {
            "meta": {"negate": True},
            "query": {
                "wildcard": {"file.path": {"case_insensitive": True, "value": "?:\\\\Windows\\\\*"}}
            },
        }
    ]
    assert not holds(filters, {"file": {"path": "c:\\windows\\x.dll"}})
    assert holds(filters, {"file": {"path": "c:\\temp\\x.dll"}})


def test_exists_filter_saved_beside_meta():
    filters = [
        {"meta": {"negate": True, "type": "exists"}, "exists": {"field": "user_agent.original"}}
    ]
    assert holds(filters, {"url": {"path": "/"}})
    assert not holds(filters, {"user_agent": {"original": "curl"}})


def test_disabled_filters_are_ignored():
    assert (
        filters_condition([{"meta": {"disabled": True}, "query": {"match_phrase": {"a": "b"}}}])
        is None
    )


def test_bool_filter_combines_its_clauses():
    filters = [{"query": {"bool": {"should": [{"term": {"a": "x"}}, {"term": {"a": "y"}}]}}}]
    assert holds(filters, {"a": "y"})
    assert not holds(filters, {"a": "z"})


def test_unknown_filter_clause_is_reported():
    with pytest.raises(UnsupportedFilter):
        filters_condition([{"query": {"geo_distance": {"distance": "1km"}}}])


def test_lucene_wildcard_becomes_an_anchored_regex():
    assert lucene_wildcard_regex("a?b*\\*.c") == "a.b.*\\*\\.c"


# ---------------------------------------------------------------------------- why no alert


def why(rule_section: dict, events: list[dict]) -> str | None:
    rule = compile_rule_type(rule_section)
    times = [parse_time(e.get("@timestamp")) for e in events]
    return why_no_alert(rule, events, times, lambda i: f"event {i}")


def test_threshold_explanation_names_the_group_and_what_it_lacks():
    text = why(threshold(3, cardinality=[("user.name", 2)]), [login("1.1.1.1", "a")] * 2)
    assert '"1.1.1.1": event 0, event 1: 2 event(s), below threshold.value 3' in text
    assert "1 distinct user.name value(s), below the cardinality 2" in text


def test_threshold_explanation_names_events_without_a_group():
    text = why(threshold(2), [{"event": {"category": "authentication", "outcome": "failure"}}])
    assert "event 0 has no source.ip, so it is in no group" in text


def test_new_terms_explanation_names_the_history_event_that_saw_the_term():
    events = [
        at(login("1.1.1.1", "bob"), "2024-05-01T10:00:00Z"),
        at(login("1.1.1.1", "bob"), "2024-05-03T10:00:00Z"),
    ]
    text = why(new_terms(), events)
    assert 'event 1: user.name = "bob" was already seen in event 0' in text


def test_threat_match_explanation_shows_the_values_that_differ():
    event = {"@timestamp": "2024-05-02T00:00:00Z", "source": {"ip": "1.1.1.1"}}
    text = why(indicator_match(), [ioc("6.6.6.6"), event])
    assert "source.ip is '1.1.1.1'" in text
    assert '"6.6.6.6"' in text


def test_explanation_defers_when_no_event_matches_the_query():
    assert why(threshold(2), [login("1.1.1.1", outcome="success")]) is None


# ---------------------------------------------------------------------------- ip fields


def test_cidr_block_on_an_ecs_ip_field_matches_addresses_inside_it():
    rule = compile_rule_type(
        {"type": "query", "query": "destination.ip:(10.0.0.0/8 or 192.168.0.0/16)"}
    )
    inside, outside = {"destination": {"ip": "10.1.2.3"}}, {"destination": {"ip": "11.0.0.1"}}
    assert [alert.events[0] for alert in rule.run([inside, outside])] == [inside]


def test_ip_terms_compare_addresses_not_spellings():
    rule = compile_rule_type({"type": "query", "query": 'not source.ip:"::1"'})
    assert rule.run([{"source": {"ip": "0:0:0:0:0:0:0:1"}}]) == []


def test_cidr_text_on_a_keyword_field_stays_text():
    rule = compile_rule_type({"type": "query", "query": "network.name:10.0.0.0/8"})
    assert rule.run([{"network": {"name": "10.1.2.3"}}]) == []


# ---------------------------------------------------------------------------- text fields


def text_rule(query: str):
    return compile_rule_type({"type": "query", "query": query})


def script(text: str) -> dict:
    return {"powershell": {"file": {"script_block_text": text}}}


def test_phrase_on_a_text_field_matches_its_words_in_any_case():
    rule = text_rule('powershell.file.script_block_text:"Get-Clipboard"')
    assert len(rule.run([script("$x = get-clipboard -Raw")])) == 1


def test_phrase_on_a_text_field_needs_whole_words_in_order():
    rule = text_rule('powershell.file.script_block_text:"Get-Clipboard"')
    assert rule.run([script("GetClipboard"), script("clipboard get")]) == []


def test_unquoted_value_on_a_text_field_matches_any_of_its_words():
    rule = text_rule("message:mimikatz")
    assert len(rule.run([{"message": "ran Mimikatz today"}])) == 1


def test_dotted_words_are_one_word_of_the_text():
    rule = text_rule("message:mimikatz")
    assert rule.run([{"message": "mimikatz.exe was blocked"}]) == []


def test_wildcard_on_a_text_field_matches_single_words_in_any_case():
    # is.ts: a wildcard value on a non-keyword field is a query_string query, whose wildcard
    # terms are lower-cased and matched against the words the standard analyzer indexed
    rule = text_rule("powershell.file.script_block_text:*MpPref*")
    assert len(rule.run([script("Set-MpPreference -DisableRealtimeMonitoring $true")])) == 1


def test_wildcard_across_a_word_boundary_never_matches_a_text_field():
    # no single word holds the `-`, so Elasticsearch matches nothing (issue 19, KQL 1)
    rule = text_rule("powershell.file.script_block_text:*Set-MpPreference*")
    assert rule.run([script("Set-MpPreference -DisableRealtimeMonitoring $true")]) == []


def test_keyword_fields_stay_case_sensitive():
    rule = text_rule("process.name:cmd.exe")
    assert rule.run([{"process": {"name": "CMD.EXE"}}]) == []


# ---------------------------------------------------------------------------- field-name wildcards


def test_field_name_wildcard_covers_every_ecs_field_it_names():
    rule = compile_rule_type({"type": "query", "query": "file.hash.*:abc"})
    assert len(rule.run([{"file": {"hash": {"sha1": "abc"}}}])) == 1


def test_field_name_wildcard_exists_on_any_of_its_fields():
    rule = compile_rule_type({"type": "query", "query": "not file.hash.*:*"})
    assert rule.run([{"file": {"hash": {"md5": "x"}}}]) == []
    assert len(rule.run([{"file": {"name": "x"}}])) == 1


def test_question_mark_in_a_rule_pattern_is_a_literal_character():
    rule = compile_rule_type({"type": "query", "query": "url.path:/api/v1/secrets?limit*"})
    assert len(rule.run([{"url": {"path": "/api/v1/secrets?limit=500"}}])) == 1
    assert rule.run([{"url": {"path": "/api/v1/secretsXlimit=500"}}]) == []
