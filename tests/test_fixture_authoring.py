"""Fixtures that explain themselves: `repeat` for "this event N times", the note when events
carry only @timestamp for a rule ordered by another field, the hint for a benign event in a
`match` case."""

from __future__ import annotations

import textwrap

from ruleops.cli import main
from ruleops.fixtures.events import prepare
from ruleops.fixtures.load import fixture_from_text

_THRESHOLD = 'threshold = { field = ["source.ip"], value = 20 }'
_FAILED_LOGON = """
[[case.events]]
repeat = {times}
event.category = "authentication"
event.outcome = "failure"
source.ip = "203.0.113.9"
"""


def _fixture(*cases: str) -> str:
    return 'rule_id = "11111111-1111-4111-8111-111111111111"\n' + "".join(
        textwrap.dedent(case) for case in cases
    )


def _case(name: str, expect: str, events: str, extra: str = "") -> str:
    return f'\n[[case]]\nname = "{name}"\nexpect = "{expect}"\n{extra}{events}'


def _threshold_repo(rule_repo, *cases: str):
    query = "event.category:authentication and event.outcome:failure"
    rule_repo.rule("t.toml", query, type="threshold", language="kuery", extra=_THRESHOLD)
    rule_repo.fixture("t.toml", _fixture(*cases))


def test_repeat_reaches_a_threshold_and_one_less_does_not(rule_repo, capsys):
    _threshold_repo(
        rule_repo,
        _case("20 failures", "match", _FAILED_LOGON.format(times=20)),
        _case("19 failures", "no match", _FAILED_LOGON.format(times=19)),
    )
    assert main(["test"]) == 0
    assert "2 passed" in capsys.readouterr().out


def test_repeated_events_are_one_second_apart_from_the_events_own_time():
    text = _fixture(
        _case("c", "match", '[[case.events]]\nrepeat = 3\n"@timestamp" = "2024-05-01T10:00:00Z"\n')
    )
    (case,) = fixture_from_text(text).fixture.cases
    times = prepare(case, "@timestamp").times
    assert [t.second for t in times] == [0, 1, 2]
    assert case.event_key(2) == "case[0].events[0]"


def test_a_finding_on_a_repeated_event_is_reported_once(rule_repo, capsys):
    _threshold_repo(
        rule_repo,
        _case("typo", "no match", _FAILED_LOGON.format(times=20).replace("authentication", "auth")),
    )
    main(["check", "--no-cache", "--select", "RO510"])
    assert capsys.readouterr().out.count("RO510 warning") == 1


def test_repeat_must_be_a_positive_count(rule_repo, capsys):
    _threshold_repo(rule_repo, _case("none", "match", _FAILED_LOGON.format(times=0)))
    main(["check", "--no-cache"])
    assert "repeat" in capsys.readouterr().out


_NEW_TERMS = """\
timestamp_override = "event.ingested"
new_terms.field = "new_terms_fields"
new_terms.value = ["user.name"]
new_terms.history_window_start = [{ field = "history_window_start", value = "now-7d" }]
"""
_LOGON = """
[[case.events]]
"@timestamp" = "{time}"
event.category = "authentication"
user.name = "{user}"
"""


def test_events_with_only_timestamp_for_an_ingested_ordered_rule_are_named(rule_repo, capsys):
    rule_repo.rule(
        "n.toml", "event.category:authentication", type="new_terms", language="kuery",
        extra=_NEW_TERMS,
    )  # fmt: skip
    history = _LOGON.format(time="2024-05-01T10:00:00Z", user="alice")
    again = _LOGON.format(time="2024-05-03T10:00:00Z", user="alice")
    rule_repo.fixture("n.toml", _fixture(_case("a known user", "no match", history + again)))
    assert main(["test"]) == 1
    out = capsys.readouterr().out
    assert "the events carry only @timestamp" in out
    assert "write event.ingested on each event" in out


def test_a_benign_event_in_a_match_case_gets_the_sequences_hint(rule_repo, capsys):
    rule_repo.rule("q.toml", 'process where process.name == "cmd.exe"')
    events = (
        '[[case.events]]\nevent.category = "process"\nprocess.name = "cmd.exe"\n'
        '[[case.events]]\nevent.category = "process"\nprocess.name = "explorer.exe"\n'
    )
    rule_repo.fixture("q.toml", _fixture(_case("cmd and a benign event", "match", events)))
    assert main(["test"]) == 1
    assert "list the alerts with sequences = [[0]]" in capsys.readouterr().out
