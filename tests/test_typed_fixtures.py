"""A KQL rule's field types (ECS, field_definitions) reach everything that reads its
fixtures: the runner, the explanation of a failed case, the coverage check (RO554) and
fixture generation agree on what a condition means."""

from __future__ import annotations

import json

from ruleops.engine import run_check
from ruleops.fixtures.generate import draft_fixture
from ruleops.fixtures.suite import run_paths
from ruleops.loading import load_rule

HEADER = 'rule_id = "11111111-1111-4111-8111-111111111111"\n'
PORT_OR_WORD = (
    "event.category:network and (destination.port:070 or message:qui*) and not message:quick"
)


def case(name: str, expect: str, **fields: object) -> str:
    lines = [f'\n[[case]]\nname = "{name}"\nexpect = "{expect}"\n[[case.events]]']
    lines += [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def kql(repo, query: str, fixture: str | None = None):
    repo.rule("r.toml", query, type="query", language="kuery")
    if fixture is not None:
        repo.fixture("r.toml", HEADER + fixture)
    return repo.root / "rules" / "r.toml"


def explanation(repo, query: str, fixture: str) -> str:
    kql(repo, query, fixture)
    (result,) = run_paths([repo.root / "rules"], repo.config()).results
    assert result.outcome == "fail"
    return result.explanation


def test_a_failed_case_blames_the_exclusion_that_rejected_it(rule_repo):
    body = case("quick fox", "match", **{"event.category": "network", "message": "The Quick fox"})
    text = explanation(rule_repo, PORT_OR_WORD, body)
    assert text.startswith(
        "event 0 (line 6) should match but was rejected: the exclusion `not message:quick`"
    )


def test_a_failed_case_names_the_condition_a_text_field_fails(rule_repo):
    query = "event.category:process and powershell.file.script_block_text:*Invoke-Mimikatz*"
    body = case(
        "mimikatz",
        "match",
        **{
            "event.category": "process",
            "powershell.file.script_block_text": "Invoke-Mimikatz -DumpCreds",
        },
    )
    text = explanation(rule_repo, query, body)
    assert "`powershell.file.script_block_text:*Invoke-Mimikatz*` did not hold" in text
    assert "matches its words (invoke, mimikatz, dumpcreds)" in text


def test_a_text_match_is_not_called_case_sensitive(rule_repo):
    body = case("no word", "match", **{"event.category": "network", "message": "slow"})
    text = explanation(rule_repo, "event.category:network and message:qui*", body)
    assert "case-sensitive" not in text
    assert 'a word matching "qui*"' in text


def test_a_number_match_says_the_number_it_compares(rule_repo):
    body = case("other port", "match", **{"event.category": "network", "destination.port": 71})
    text = explanation(rule_repo, "event.category:network and destination.port:070", body)
    assert "case-sensitive" not in text
    assert "expected the number 70" in text


def test_coverage_counts_the_branches_the_runner_ran(rule_repo):
    query = "event.category:network and (destination.port:070 or message:qui*)"
    fixture = case("port", "match", **{"event.category": "network", "destination.port": 70})
    fixture += case("word", "match", **{"event.category": "network", "message": "The Quick fox"})
    kql(rule_repo, query, fixture)
    result = run_check([rule_repo.root / "rules"], rule_repo.config(), cache=False)
    assert [d.message for d in result.diagnostics if d.code in ("RO501", "RO554")] == []
    assert result.summary["coverage"]["percent"] == 100.0


def test_coverage_reads_the_types_of_the_field_definitions(rule_repo):
    (rule_repo.root / "fields.json").write_text('{"acme.note": "text"}')
    with (rule_repo.root / "pyproject.toml").open("a") as config:
        config.write('field_definitions = ["fields.json"]\n')
    query = "event.category:network and (acme.note:quick or destination.port:22)"
    fixture = case("note", "match", **{"event.category": "network", "acme.note": "Quick fox"})
    fixture += case("ssh", "match", **{"event.category": "network", "destination.port": 22})
    kql(rule_repo, query, fixture)
    result = run_check([rule_repo.root / "rules"], rule_repo.config(), cache=False)
    assert [d.message for d in result.diagnostics if d.code in ("RO501", "RO554")] == []


def drafted(repo, query: str):
    draft = draft_fixture(load_rule(kql(repo, query)).rule)
    assert draft.problem is None
    return draft


def test_generation_finds_the_number_a_zero_padded_value_stands_for(rule_repo):
    draft = drafted(rule_repo, "event.category:network and destination.port:070")
    first = draft.cases[0]
    assert first.expect == "match" and first.events[0]["destination"]["port"] == 70


def test_generation_finds_a_date_within_a_month_range(rule_repo):
    draft = drafted(rule_repo, 'event.category:network and @timestamp >= "2024-05"')
    assert draft.count("match") >= 1
