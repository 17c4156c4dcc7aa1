"""ES|QL rules → alerts (ruleops.esql.alerts), as Kibana's detection engine makes them."""

from __future__ import annotations

import datetime as dt

import pytest

from ruleops.esql.alerts import run_rule
from ruleops.esql.evaluate import EsqlError
from ruleops.esql.source import default_field_types

NOW = dt.datetime(2024, 5, 1, 10, 5, tzinfo=dt.UTC)


def alerts(query: str, events, **settings):
    section = {"query": query, **settings}
    return run_rule(section, events, default_field_types(), now=NOW).alerts


def event(**fields):
    return {"@timestamp": "2024-05-01T10:00:00Z", **fields}


def test_a_non_aggregating_alert_is_the_source_event_overlaid_with_the_row():
    query = (
        'from logs metadata _id | where user.name == "a" | eval Esql.flag = true'
        " | keep _id, user.name, Esql.flag"
    )
    (alert,) = alerts(query, [event(user={"name": "a"}, host={"name": "h"})])
    assert alert.document["host"] == {"name": "h"}
    assert alert.document["Esql"] == {"flag": True} and alert.source == 0


def test_an_aggregating_alert_holds_only_the_row():
    query = "from logs | stats c = count(*) by user.name"
    (alert,) = alerts(query, [event(user={"name": "a"}, host={"name": "h"})])
    assert alert.document == {"c": 1, "user.name": "a"} and alert.source is None


def test_mv_expand_gives_one_alert_per_value_of_one_event():
    query = (
        "from logs metadata _id, _index, _version | mv_expand user.name"
        " | keep _id, _index, _version, user.name"
    )
    found = alerts(query, [event(user={"name": ["a", "b"]})])
    assert [a.row["user.name"] for a in found] == ["a", "b"]


def test_max_signals_limits_the_alerts():
    found = alerts(
        "from logs | keep user.name",
        [event(user={"name": str(i)}) for i in range(5)],
        max_signals=2,
    )
    assert len(found) == 2


def test_the_window_applies_before_the_query():
    old = {"@timestamp": "2024-05-01T09:00:00Z", "user": {"name": "a"}}
    assert alerts("from logs | stats c = count(*)", [old, event()], **{"from": "now-6m"})[
        0
    ].row == {"c": 1}


def test_the_window_reads_timestamp_override_and_falls_back_to_timestamp():
    ingested = {"@timestamp": "2020-01-01T00:00:00Z", "event": {"ingested": "2024-05-01T10:04:00Z"}}
    fallback = {"@timestamp": "2024-05-01T10:04:00Z"}
    found = alerts(
        "from logs | stats c = count(*)", [ingested, fallback], timestamp_override="event.ingested"
    )
    assert found[0].row == {"c": 2}


def test_a_multi_field_is_read_from_its_parent_and_caseless_is_lower_cased():
    query = 'from logs | where process.name.caseless == "cmd.exe" | keep process.name'
    found = alerts(query, [event(process={"name": "CMD.EXE"})])
    assert [a.row for a in found] == [{"process.name": "CMD.EXE"}]


def test_an_unknown_field_coalesced_with_an_ip_field_is_read_as_an_ip():
    query = (
        "from logs | eval ip = coalesce(okta.client.ip, source.ip)"
        ' | where cidr_match(ip, "10.0.0.0/8")'
    )
    assert len(alerts(query, [event(okta={"client": {"ip": "10.1.2.3"}})])) == 1


def test_a_known_keyword_field_coalesced_with_an_ip_field_is_still_refused():
    query = "from logs | eval ip = coalesce(user.name, source.ip)"
    with pytest.raises(EsqlError, match="must be"):
        alerts(query, [event(user={"name": "a"})])
