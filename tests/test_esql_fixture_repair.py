"""`fixtures generate` for ES|QL rules whose leading WHERE is not enough: the drafted events
are repaired, run by run through the evaluator, until the rule alerts
(`ruleops.fixtures.esql_repair`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruleops.esql.alerts import run_rule
from ruleops.fixtures.esql import field_types
from ruleops.fixtures.esql_repair import Step, carry
from ruleops.fixtures.events import lookup
from ruleops.fixtures.generate import draft_fixture
from ruleops.loading import load_rule

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def draft(repo, query: str, extra: str = ""):
    path = repo.rule("r/rule.toml", query, type="esql", language="esql", extra=extra)
    return draft_fixture(load_rule(path, "rules/r/rule.toml").rule)


def first_match(found):
    assert found.ok, found.problem
    return next(c for c in found.cases if c.expect == "match")


def test_a_condition_on_a_grok_column_gets_a_source_value_that_grok_extracts(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.dataset == "app.log"
        | grok message "%{WORD:verb} %{GREEDYDATA:rest}"
        | where verb == "DELETE"
        | keep _id, verb""",
    )
    (event,) = first_match(found).events
    assert lookup(event, "message").startswith("DELETE ")


def test_a_regex_on_a_replaced_grok_column_is_met_through_the_grok_input(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where url.original like "*cmd=*"
        | grok url.original "%{DATA}\\\\?%{DATA:raw}&%{GREEDYDATA}"
        | eval command = replace(raw, "cmd=", "")
        | where command rlike ".*(/dev/tcp/|nc -e).*"
        | keep _id, command""",
    )
    (event,) = first_match(found).events
    assert "cmd=" in lookup(event, "url.original")


def test_two_missing_fields_compared_with_each_other_get_different_values(rule_repo):
    found = draft(
        rule_repo,
        """from logs-aws* metadata _id, _index, _version
        | where event.action == "CreateAccessKey" and user.name != user.target.name
        | keep _id, user.name""",
    )
    (event,) = first_match(found).events
    assert None not in (lookup(event, "user.name"), lookup(event, "user.target.name"))
    assert lookup(event, "user.name") != lookup(event, "user.target.name")


def test_a_burst_counted_per_minute_falls_inside_one_minute(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.action == "logon-failed"
        | eval window = date_trunc(60 seconds, @timestamp)
        | stats failures = count(*) by source.ip, window
        | where failures >= 100
        | keep source.ip, failures""",
    )
    events = first_match(found).events
    minutes = {lookup(e, "@timestamp")[:16] for e in events}
    assert len(events) >= 100 and len(minutes) == 1


def test_a_success_counted_after_failures_is_an_event_of_the_other_or_branch(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where (event.action == "login-failure" and event.code in ("30", "32"))
            or (event.action == "login-success" and event.code in ("235", "236"))
        | eval is_failure = case(event.action == "login-failure", 1, 0),
               is_success = case(event.action == "login-success", 1, 0)
        | stats failed = sum(is_failure), succeeded = sum(is_success) by source.ip
        | where failed >= 5 and succeeded >= 1
        | keep source.ip, failed, succeeded""",
    )
    events = first_match(found).events
    successes = [e for e in events if lookup(e, "event.action") == "login-success"]
    assert successes and lookup(successes[0], "event.code") in ("235", "236")


def test_a_count_of_a_case_column_gets_an_event_where_the_case_holds(rule_repo):
    found = draft(
        rule_repo,
        """from metrics-* metadata _index
        | eval busy = case(system.cpu.total.norm.pct >= 0.9, host.id, null)
        | stats busy_hosts = count_distinct(busy) by host.id
        | where busy_hosts > 0
        | keep host.id, busy_hosts""",
    )
    events = first_match(found).events
    assert any(lookup(e, "system.cpu.total.norm.pct") >= 0.9 for e in events)


def test_columns_an_eval_computes_are_not_written_into_the_events(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.action == "login-failure"
        | eval failed_user = case(event.action == "login-failure", user.name, null)
        | stats users = count_distinct(failed_user) by source.ip
        | where users >= 3
        | keep source.ip, users""",
    )
    events = first_match(found).events
    assert all(lookup(e, "failed_user") is None for e in events)


def test_a_function_ruleops_does_not_evaluate_is_the_reason_given(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.action == "x" and match(message::STRING, "refusing to allow")
        | keep _id""",
    )
    assert not found.ok
    assert "does not evaluate the function [match]" in (found.problem or "")


def test_conditions_no_event_can_meet_end_the_search_with_a_reason(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | eval n = length(process.name)
        | where n > 5 and n < 3
        | keep _id""",
    )
    assert not found.ok and found.problem


def test_every_drafted_case_is_confirmed_by_the_evaluator(rule_repo):
    query = """from logs-* metadata _id, _index, _version
        | where event.category == "process"
        | dissect process.command_line "%{exe} -enc %{payload}"
        | where length(payload) > 20
        | keep _id, payload"""
    found = draft(rule_repo, query)
    assert found.ok, found.problem
    for case in found.cases:
        alerts = run_rule({"query": query}, case.events, field_types()).alerts
        assert bool(alerts) == (case.expect == "match"), case.name


def test_carrying_a_value_back_through_grok_adds_it_to_what_the_column_holds():
    chain = (Step("grok", "%{DATA}/exec\\?%{DATA:raw}&%{GREEDYDATA}", "raw"),)
    carried = carry("whoami", chain, "/exec?command=ls&stdin=1")
    assert "/exec?whoami&stdin=1" in carried
    assert "/exec?command=lswhoami&stdin=1" in carried


def test_a_value_replace_would_change_is_not_carried_back_through_it():
    assert carry("a+b", (Step("replace", "\\+"),), None) == []
    assert carry("a b", (Step("replace", "\\+"),), None) == ["a b"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared detection-rules corpus is absent")
@pytest.mark.parametrize(
    "name",
    [
        "credential_access_sonicwall_login_failures_followed_by_success.toml",
        "credential_access_bruteforce_multiple_logon_failure_same_srcip.toml",
        "credential_access_kubernetes_pod_exec_cloud_instance_metadata.toml",
    ],
)
def test_representative_corpus_rules_get_a_confirmed_fixture(name):
    path = next(CORPUS.rglob(name))
    found = draft_fixture(load_rule(path, name).rule)
    assert found.ok, found.problem


def test_distinct_values_a_grok_extracts_are_carried_back_into_its_input(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where dns.question.name like "*-*"
        | grok dns.question.name "%{INT:chunk}-%{DATA:payload}\\\\.%{GREEDYDATA:domain}"
        | stats chunks = count_distinct(chunk) by domain
        | where chunks >= 5
        | keep domain, chunks""",
    )
    names = {lookup(e, "dns.question.name") for e in first_match(found).events}
    assert len({name.split("-")[0] for name in names}) >= 5


def test_a_bound_on_the_length_of_a_column_gets_a_string_that_long(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.category == "network"
        | dissect dns.question.name "%{label}.%{rest}"
        | eval label_length = length(label)
        | stats average = avg(label_length) by host.id
        | where average >= 40
        | keep host.id, average""",
    )
    (event, *_) = first_match(found).events
    assert len(lookup(event, "dns.question.name").split(".")[0]) >= 40


def test_a_condition_on_decoded_base64_gets_the_encoded_value(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.action == "CreateNotebookInstanceLifecycleConfig"
        | grok aws.cloudtrail.request_parameters "content=(?<b64>[A-Za-z0-9+/=]+)"
        | eval script = from_base64(b64)
        | where to_lower(script) rlike ".*(bash -i|nc -e).*"
        | keep _id, script""",
    )
    (event,) = first_match(found).events
    assert lookup(event, "aws.cloudtrail.request_parameters").startswith("content=")


def test_two_columns_from_patterns_that_must_differ_get_values_of_the_same_shape(rule_repo):
    found = draft(
        rule_repo,
        """from logs-aws* metadata _id, _index, _version
        | where event.provider == "lambda.amazonaws.com"
        | grok aws.cloudtrail.user_identity.arn ":(?<caller>[0-9]{12}):"
        | grok aws.cloudtrail.request_parameters "lambda:[a-z0-9-]*:(?<owner>[0-9]{12}):"
        | where caller != owner
        | keep _id, caller, owner""",
    )
    assert first_match(found).events


def test_values_a_case_maps_to_one_category_are_not_all_a_distinct_count_gets(rule_repo):
    found = draft(
        rule_repo,
        """from logs-endpoint* metadata _id, _index, _version
        | where event.category == "process"
        | eval vendor = case(
            process.name.caseless like "aa_v*.exe", "AnyAssist",
            process.name.caseless == "aa_vx.exe", "Other",
            process.name.caseless == "anydesk.exe", "AnyDesk")
        | where vendor is not null
        | stats vendors = count_distinct(vendor) by host.id
        | where vendors >= 2
        | keep host.id, vendors""",
    )
    names = {lookup(e, "process.name") for e in first_match(found).events}
    assert "anydesk.exe" in names  # written to the field .caseless is a multi-field of


def test_a_bound_on_mv_count_gets_that_many_values(rule_repo):
    found = draft(
        rule_repo,
        """from logs-aws_bedrock* metadata _id, _index, _version
        | where gen_ai.policy.action == "BLOCKED"
        | eval policies = mv_count(gen_ai.policy.name)
        | where policies > 1
        | keep _id, policies""",
    )
    (event,) = first_match(found).events
    assert len(lookup(event, "gen_ai.policy.name")) == 2


def test_a_condition_on_a_case_of_stats_columns_is_met_through_the_case_branches(rule_repo):
    found = draft(
        rule_repo,
        """from logs-* metadata _id, _index, _version
        | where event.outcome == "failure"
        | stats users = count_distinct(user.id), attempts = count(*),
            reasons = count_distinct(error.code) by source.ip
        | eval kind = case(users >= 3 and attempts >= 30 and reasons <= 1, "spraying", "other")
        | where kind != "other"
        | keep source.ip, kind""",
    )
    events = first_match(found).events
    assert len({str(lookup(e, "user.id")) for e in events}) >= 3
    assert len({str(lookup(e, "error.code")) for e in events}) == 1


def test_a_repaired_case_keeps_only_the_events_the_alert_needs(rule_repo):
    found = draft(
        rule_repo,
        """from logs-endpoint* metadata _id, _index, _version
        | where event.category == "process"
        | eval vendor = case(
            process.name.caseless like "aa_v*.exe", "AnyAssist",
            process.name.caseless == "anydesk.exe", "AnyDesk")
        | where vendor is not null
        | stats vendors = count_distinct(vendor) by host.id
        | where vendors >= 2
        | keep host.id, vendors""",
    )
    assert len(first_match(found).events) == 2


def test_a_field_compared_with_a_boolean_gets_booleans_in_every_case(rule_repo):
    found = draft(
        rule_repo,
        """from logs-okta* metadata _id, _index, _version
        | where event.action == "user.session.start" and okta.security_context.is_proxy != true
        | keep _id, okta.security_context.is_proxy""",
    )
    assert found.ok, found.problem
    values = {lookup(e, "okta.security_context.is_proxy") for c in found.cases for e in c.events}
    assert values <= {True, False, None}


def test_an_unknown_field_coalesced_with_an_ip_field_is_drafted_with_an_address(rule_repo):
    found = draft(
        rule_repo,
        """from logs-okta* metadata _id, _index, _version
        | eval ip = coalesce(okta.client.ip, source.ip)
        | where cidr_match(ip, "10.0.0.0/8")
        | keep _id, ip""",
    )
    (event,) = first_match(found).events
    assert lookup(event, "okta.client.ip") or lookup(event, "source.ip")


def test_a_repaired_case_copies_no_value_from_another_field_of_its_event():
    name = "windows/privilege_escalation_account_takeover_mixed_logon_types.toml"
    found = draft_fixture(load_rule(CORPUS / name, name).rule)
    for event in first_match(found).events:
        assert lookup(event, "winlog.logon.type") not in (
            lookup(event, "winlog.event_id"),
            lookup(event, "user.name"),
            lookup(event, "event.action"),
        )


def test_a_repaired_case_has_no_string_repeated_over_and_over():
    name = "integrations/okta/credential_access_okta_password_spray_single_source.toml"
    found = draft_fixture(load_rule(CORPUS / name, name).rule)
    users = {lookup(e, "okta.actor.alternate_id") for e in first_match(found).events}
    assert all(len(user) < 40 for user in users)
