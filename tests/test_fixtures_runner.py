"""Running fixture cases: outcomes, and explanations of failures in terms of the query."""

from __future__ import annotations

import ruleops.fixtures.runner as runner
from ruleops.fixtures.suite import run_paths

SERVICE_QUERY = """
registry where host.os.type == "windows" and
  registry.value : ("ServiceDLL", "ImagePath") and
  (process.name : "reg.exe" or process.parent.name : "cmd.exe") and
  not registry.data.strings : "?:\\\\Windows\\\\System32\\\\Drivers\\\\*.sys" and
  not (process.name : "procexp??.exe" and registry.data.strings : "*procexp*.sys")
"""

HEADER = 'rule_id = "11111111-1111-4111-8111-111111111111"\n'


def event(**fields) -> str:
    base = {
        "event.category": "registry",
        "host.os.type": "windows",
        "registry.value": "ImagePath",
        "registry.data.strings": "C:\\Users\\Public\\evil.exe",
        "process.name": "reg.exe",
    }
    base.update({k.replace("__", "."): v for k, v in fields.items()})
    lines = ["[[case.events]]"]
    for key, value in base.items():
        if value is None:
            continue
        lines.append(f"{key} = {value}" if isinstance(value, int) else f"{key} = '{value}'")
    return "\n".join(lines) + "\n"


def case(name: str, expect: str, *events: str, extra: str = "") -> str:
    return f'\n[[case]]\nname = "{name}"\nexpect = "{expect}"\n{extra}' + "".join(events)


def run(repo, query: str, body: str, **rule_options):
    repo.rule("windows/rule.toml", query, **rule_options)
    repo.fixture("windows/rule.toml", HEADER + body)
    return run_paths([repo.root / "rules"], repo.config())


def only(suite):
    (result,) = suite.results
    return result


def test_positive_case_passes(rule_repo):
    result = only(run(rule_repo, SERVICE_QUERY, case("reg sets ImagePath", "match", event())))
    assert (result.outcome, result.explanation) == ("pass", "")


def test_negative_case_passes(rule_repo):
    body = case("other value", "no match", event(registry__value="Start"))
    assert only(run(rule_repo, SERVICE_QUERY, body)).outcome == "pass"


def test_result_carries_rule_case_and_the_case_line(rule_repo):
    result = only(run(rule_repo, SERVICE_QUERY, case("reg sets ImagePath", "match", event())))
    assert result.rule == "Test Rule"
    assert result.rule_id == "11111111-1111-4111-8111-111111111111"
    assert result.case == "reg sets ImagePath"
    assert (result.path, result.line) == ("tests/rules/windows/rule.toml", 3)


def test_rejected_positive_names_field_value_seen_and_expected(rule_repo):
    body = case("typo in the value", "match", event(registry__value="ImagePat"))
    result = only(run(rule_repo, SERVICE_QUERY, body))
    assert result.outcome == "fail"
    assert result.explanation == (
        "event 0 (line 6) should match but was rejected: "
        '`registry.value : ("ServiceDLL", "ImagePath")` did not hold: '
        'registry.value was "ImagePat"; expected a value matching "ServiceDLL" or "ImagePath" '
        "(wildcard, case-insensitive)"
    )


def test_rejected_positive_names_the_exclusion_and_the_pattern_it_matched(rule_repo):
    driver = "C:\\Windows\\System32\\Drivers\\acme.sys"
    body = case("driver install", "match", event(registry__data__strings=driver))
    explanation = only(run(rule_repo, SERVICE_QUERY, body)).explanation
    assert "the exclusion `not registry.data.strings :" in explanation
    assert 'which matches "?:\\\\Windows\\\\System32\\\\Drivers\\\\*.sys"' in explanation


def test_rejected_positive_lists_every_or_branch_that_failed(rule_repo):
    body = case("neither reg nor cmd", "match", event(process__name="powershell.exe"))
    explanation = only(run(rule_repo, SERVICE_QUERY, body)).explanation
    assert "no branch of" in explanation
    assert '`process.name : "reg.exe"`: `process.name : "reg.exe"` did not hold: ' in explanation
    assert "process.parent.name is missing" in explanation


def test_wrong_event_category_is_explained(rule_repo):
    body = case("a process event", "match", event(event__category="process"))
    explanation = only(run(rule_repo, SERVICE_QUERY, body)).explanation
    assert 'event.category was "process", but the query looks for "registry" events' in explanation


def test_matching_negative_names_the_branch_that_let_it_through(rule_repo):
    body = case(
        "launched from cmd",
        "no match",
        event(process__name="x.exe", process__parent__name="cmd.exe"),
    )
    explanation = only(run(rule_repo, SERVICE_QUERY, body)).explanation
    assert explanation.startswith("event 0 (line 6) matched:")
    assert 'the branch `process.parent.name : "cmd.exe"` let it through: ' in explanation
    assert 'process.parent.name was "cmd.exe", which matches "cmd.exe"' in explanation


def test_matching_negative_names_the_exclusions_that_did_not_apply(rule_repo):
    body = case("procexp name alone", "no match", event(process__name="procexp64.exe"))
    # process.name "procexp64.exe" fails the `or`, so give it a cmd.exe parent to get through.
    body = body.replace("[[case.events]]\n", "[[case.events]]\nprocess.parent.name = 'cmd.exe'\n")
    explanation = only(run(rule_repo, SERVICE_QUERY, body)).explanation
    assert 'the exclusion `not (process.name : "procexp??.exe" and' in explanation
    assert (
        'registry.data.strings was "C:\\\\Users\\\\Public\\\\evil.exe"; expected a value matching'
        in explanation
    )


def test_event_query_match_case_needs_every_event_to_match(rule_repo):
    body = case("two writes", "match", event(), event(registry__value="Start"))
    result = only(run(rule_repo, SERVICE_QUERY, body))
    assert result.outcome == "fail"
    assert result.explanation.startswith("event 1 (line 12) should match but was rejected")


def test_event_query_sequences_name_the_events_that_must_match(rule_repo):
    body = case(
        "only the first",
        "match",
        event(),
        event(registry__value="Start"),
        extra="sequences = [[0]]\n",
    )
    assert only(run(rule_repo, SERVICE_QUERY, body)).outcome == "pass"


def test_event_query_sequences_fail_on_an_unlisted_match(rule_repo):
    body = case("only the first", "match", event(), event(), extra="sequences = [[0]]\n")
    result = only(run(rule_repo, SERVICE_QUERY, body))
    assert result.outcome == "fail"
    assert "event 1 (line 13) matched" in result.explanation


SEQUENCE = """
sequence by host.id with maxspan=1m
  [process where process.name : "whoami.exe"]
  [network where destination.port == 445]
"""


def recon(host: str = "h1", stamp: str = "") -> str:
    when = f'"@timestamp" = {stamp}\n' if stamp else ""
    fields = f'event.category = "process"\nhost.id = "{host}"\nprocess.name = "whoami.exe"\n'
    return f"[[case.events]]\n{when}{fields}"


def smb(host: str = "h1", port: int = 445, stamp: str = "") -> str:
    when = f'"@timestamp" = {stamp}\n' if stamp else ""
    fields = f'event.category = "network"\nhost.id = "{host}"\ndestination.port = {port}\n'
    return f"[[case.events]]\n{when}{fields}"


def test_sequence_case_passes_with_the_listed_sequence(rule_repo):
    body = case("recon then SMB", "match", recon(), smb(), extra="sequences = [[0, 1]]\n")
    assert only(run(rule_repo, SEQUENCE, body)).outcome == "pass"


def test_sequence_join_key_mismatch_is_explained(rule_repo):
    body = case("two hosts", "match", recon("h1"), smb("h2"))
    explanation = only(run(rule_repo, SEQUENCE, body)).explanation
    assert (
        'the join key differs: host.id is "h1" in event 0 (line 6) but host.id is "h2" in event 1'
        in explanation
    )


def test_sequence_clause_no_event_satisfies_is_explained(rule_repo):
    body = case("no SMB", "match", recon(), smb(port=80))
    explanation = only(run(rule_repo, SEQUENCE, body)).explanation
    assert explanation.startswith("no event satisfies clause 2 of the sequence:")
    assert "destination.port was 80; expected a value equal to 445" in explanation


def test_sequence_out_of_order_is_explained(rule_repo):
    body = case("SMB first", "match", smb(), recon(), extra="sequences = [[1, 0]]\n")
    explanation = only(run(rule_repo, SEQUENCE, body)).explanation
    assert "the events are out of order: event 0 (line 7) is not later than event 1 (line 11)" in (
        explanation
    )


def test_sequence_beyond_maxspan_is_explained(rule_repo):
    body = case(
        "five minutes apart",
        "match",
        recon(stamp="2024-05-01T10:00:00Z"),
        smb(stamp="2024-05-01T10:05:00Z"),
    )
    explanation = only(run(rule_repo, SEQUENCE, body)).explanation
    assert "the events span 300s, more than maxspan=1m" in explanation


def test_matching_negative_sequence_shows_each_clause_event(rule_repo):
    body = case("should stay quiet", "no match", recon(), smb())
    explanation = only(run(rule_repo, SEQUENCE, body)).explanation
    assert explanation.splitlines()[:2] == [
        "the sequence [event 0 (line 6), event 1 (line 10)] matched.",
        "  event 0 (line 6) satisfied clause 1 of the sequence:",
    ]


def test_rule_timestamp_override_orders_the_events(rule_repo):
    body = case(
        "ingest order decides",
        "match",
        smb().replace(
            "[[case.events]]\n", "[[case.events]]\nevent.ingested = 2024-05-01T10:00:05Z\n"
        ),
        recon().replace(
            "[[case.events]]\n", "[[case.events]]\nevent.ingested = 2024-05-01T10:00:00Z\n"
        ),
        extra="sequences = [[1, 0]]\n",
    )
    result = only(run(rule_repo, SEQUENCE, body, extra='timestamp_override = "event.ingested"'))
    assert result.outcome == "pass"


def test_unread_field_is_a_warning_suggesting_the_field_meant(rule_repo):
    body = case("typo", "no match", event(process__name=None, proces__name="reg.exe"))
    suite = run(rule_repo, SERVICE_QUERY, body)
    (warning,) = [d for d in suite.diagnostics if d.code == "RO506"]
    assert str(warning.severity) == "warning"
    assert (warning.path, warning.line) == ("tests/rules/windows/rule.toml", 11)
    assert (
        "sets proces.name, a field no schema knows, which the query of rules/windows/rule.toml "
        "never reads" in warning.message
    )
    assert warning.hint.startswith("did you mean process.name?")


def test_an_unknown_field_the_query_does_not_read_gets_the_known_field_meant(rule_repo):
    # The query reads process.name only; proces.executable is one slip from ECS's field.
    body = case("typo", "match", event(proces__executable="reg.exe"))
    suite = run(rule_repo, SERVICE_QUERY, body)
    (warning,) = [d for d in suite.diagnostics if d.code == "RO506"]
    assert "a field no schema knows" in warning.message
    assert warning.hint.startswith("did you mean process.executable?")


def test_a_known_field_the_query_does_not_read_is_not_called_misspelt(rule_repo):
    body = case("extra", "match", event(host__name="ws-1"))
    suite = run(rule_repo, SERVICE_QUERY, body)
    (warning,) = [d for d in suite.diagnostics if d.code == "RO506"]
    assert "no schema knows" not in warning.message
    assert "did you mean" not in warning.hint


def test_timestamp_field_is_not_an_unread_field(rule_repo):
    body = case(
        "stamped",
        "match",
        event().replace(
            "[[case.events]]\n", '[[case.events]]\n"@timestamp" = 2024-05-01T10:00:00Z\n'
        ),
    )
    suite = run(rule_repo, SERVICE_QUERY, body)
    assert [d.code for d in suite.diagnostics] == []


def test_ecs_type_error_in_an_event_is_reported(rule_repo):
    body = case("pid as text", "match", event(process__pid="4"))
    suite = run(
        rule_repo,
        SERVICE_QUERY.replace("registry where", "registry where process.pid == 4 and"),
        body,
    )
    assert "RO505" in [d.code for d in suite.diagnostics]


def test_an_infinite_number_in_an_event_is_a_type_finding_not_a_crash(rule_repo):
    # TOML inf: no long holds it, and Elasticsearch rejects such a document
    body = case("pid inf", "no match", event() + "process.pid = inf\n")
    suite = run(rule_repo, "process.pid:4", body, type="query", language="kuery")
    assert "RO505" in [d.code for d in suite.diagnostics]
    assert "RO003" not in [d.code for d in suite.diagnostics]
    assert [r.outcome for r in suite.results] == ["pass"]


def test_rule_type_without_an_executor_is_not_run(rule_repo):
    suite = run(
        rule_repo, "", case("c", "match", event()), type="machine_learning", language="none"
    )
    (result,) = suite.results
    assert result.outcome == "fail"
    assert result.explanation.startswith(
        "not run: ruleops cannot run fixtures of machine_learning rules"
    )
    assert [d.code for d in suite.diagnostics] == ["RO507"]


def test_rule_whose_query_does_not_parse_is_not_run(rule_repo):
    suite = run(rule_repo, "registry where (", case("c", "match", event()))
    (problem,) = [d for d in suite.diagnostics if d.code == "RO507"]
    assert "the query does not parse" in problem.message


def test_rule_whose_regex_lucene_rejects_is_not_run(rule_repo):
    suite = run(rule_repo, 'registry where process.name regex "(a"', case("c", "match", event()))
    (problem,) = [d for d in suite.diagnostics if d.code == "RO507"]
    assert "never closed" in problem.message


def two_rules(repo, first_query: str) -> None:
    """Rule `a` with `first_query`, rule `b` whose one case fails; both with fixtures."""
    repo.rule("a.toml", first_query, rule_id=ID_A, name="A")
    repo.rule("b.toml", 'registry where process.name == "b"', rule_id=ID_B, name="B")
    repo.fixture("a.toml", f'rule_id = "{ID_A}"\n' + case("a fires", "match", event()))
    repo.fixture("b.toml", f'rule_id = "{ID_B}"\n' + case("b fires", "match", event()))


ID_A = "11111111-1111-4111-8111-111111111111"
ID_B = "22222222-2222-4222-8222-222222222222"


def test_a_rule_that_cannot_run_leaves_the_other_rules_results(rule_repo):
    two_rules(rule_repo, 'registry where process.name regex "(a"')
    suite = run_paths([rule_repo.root / "rules"], rule_repo.config())
    assert {(r.rule, r.outcome) for r in suite.results} == {("A", "fail"), ("B", "fail")}
    assert "RO003" not in [d.code for d in suite.diagnostics]


def test_a_fixture_run_that_crashes_is_reported_on_its_own_fixture(rule_repo, monkeypatch):
    original = runner.run_case

    def crash_on_a(fixture, rule, program, case):
        if rule.name == "A":
            raise RuntimeError("boom")
        return original(fixture, rule, program, case)

    monkeypatch.setattr(runner, "run_case", crash_on_a)
    two_rules(rule_repo, 'registry where process.name == "a"')
    suite = run_paths([rule_repo.root / "rules"], rule_repo.config())
    (crash,) = [d for d in suite.diagnostics if d.code == "RO003"]
    assert crash.path.endswith("tests/rules/a.toml") and "boom" in crash.message
    assert ("B", "fail") in {(r.rule, r.outcome) for r in suite.results}


def test_rule_whose_query_elasticsearch_rejects_while_planning_is_not_run(rule_repo):
    # number("abc") fails while Elasticsearch folds it: no case can run, and no traceback
    suite = run(rule_repo, 'registry where number("abc") == 1', case("c", "match", event()))
    (problem,) = [d for d in suite.diagnostics if d.code == "RO507"]
    assert "Unable to convert [abc]" in problem.message


def test_sequence_with_runs_takes_one_event_per_run(rule_repo):
    query = """
    sequence by host.id
      [process where process.name : "whoami.exe"] with runs=2
      [network where destination.port == 445]
    """
    body = case(
        "two recons then SMB",
        "match",
        recon(),
        recon(),
        smb(port=80),
        extra="sequences = [[0, 1, 2]]\n",
    )
    explanation = only(run(rule_repo, query, body)).explanation
    assert "event 2 (line 15) does not satisfy clause 2 of the sequence" in explanation


def test_event_category_override_decides_the_category(rule_repo):
    body = case(
        "category read from event.type",
        "match",
        event(event__category=None, event__type="registry"),
    )
    suite = run(rule_repo, SERVICE_QUERY, body, extra='event_category_override = "event.type"')
    assert only(suite).outcome == "pass"


def test_event_category_override_names_its_field_when_rejecting(rule_repo):
    body = case("wrong type", "match", event(event__category=None, event__type="process"))
    suite = run(rule_repo, SERVICE_QUERY, body, extra='event_category_override = "event.type"')
    assert 'event.type was "process", but the query looks for "registry"' in only(suite).explanation
