"""Satisfiability: proofs that a query can never match, and nothing but proofs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruleops.checks.properties import satisfiability
from ruleops.config import Config
from ruleops.eql.parser import parse_eql
from ruleops.kql.parser import parse_kql
from ruleops.loading import load_rule, rule_from_text
from ruleops.query.satisfiability import decide


def eql(query: str):
    body = parse_eql(query).body
    return decide(body.condition, category=body.category)


def kql(query: str):
    return decide(parse_kql(query), dialect="kql")


def test_two_exact_values_of_a_single_valued_field_contradict():
    assert eql('process where process.name : "a" and process.name : "b"').unsatisfiable


def test_two_values_of_an_array_field_do_not_contradict():
    # ECS marks process.args as an array: one event can hold both values.
    assert eql('process where process.args : "a" and process.args : "b"').unknown


def test_two_values_of_a_field_ecs_does_not_know_do_not_contradict():
    assert eql('process where vendor.thing : "a" and vendor.thing : "b"').unknown


def test_overlapping_wildcards_are_satisfiable():
    assert eql('process where process.name : "a*" and process.name : "*b"').unknown


def test_a_case_insensitive_exclusion_covers_every_case_spelling():
    assert eql('process where process.name : "a*" and not process.name : "A*"').unsatisfiable


def test_case_sensitive_like_leaves_other_spellings():
    query = (
        'process where process.name : "ab?" and process.name : "*c" and not process.name like "abc"'
    )
    assert eql(query).unknown


def test_case_insensitive_matching_folds_ascii_letters_only():
    # Elasticsearch does not fold É to é: "É" is a value the exclusion does not remove.
    assert eql('process where process.name : "É" and not process.name : "é"').unknown


def test_question_mark_takes_exactly_one_character():
    query = (
        'process where process.name : "ab?" and process.name : "*c" and not process.name : "abc"'
    )
    assert eql(query).unsatisfiable


def test_disjoint_numeric_ranges_contradict():
    assert eql("process where process.pid > 5 and process.pid < 3").unsatisfiable


def test_ranges_are_over_the_reals():
    assert eql("process where process.pid > 5 and process.pid < 6").unknown


def test_a_field_cannot_be_present_and_missing():
    assert eql("process where process.name != null and process.name == null").unsatisfiable


def test_a_value_list_against_another_value_list():
    assert eql(
        'process where process.name : ("a", "b") and process.name in ("c", "d")'
    ).unsatisfiable


def test_ored_values_of_one_field_are_one_union():
    query = 'process where (process.name : "a" or process.name : "b") and process.name == "c"'
    assert eql(query).unsatisfiable


def test_starts_with_is_a_prefix_pattern():
    assert eql(
        'process where startsWith(process.name, "ab") and not process.name : "a*"'
    ).unsatisfiable


def test_every_alternative_must_contradict():
    query = 'process where (process.name : "a" and process.name : "b") or process.pid == 4'
    assert eql(query).unknown


def test_functions_of_fields_are_never_called_contradictory():
    query = "process where length(process.name) > 3 and length(process.name) < 2"
    assert eql(query).unknown


def test_a_numeric_looking_string_on_an_unknown_field_is_not_compared_as_text():
    # On a numeric mapping "4" and "04" are one value.
    assert eql('process where vendor.code == "4" and vendor.code == "04"').unknown


def test_too_many_alternatives_is_unknown():
    ors = " and ".join(f'(process.name : "a{i}" or process.pid == {i})' for i in range(12))
    verdict = eql(f"process where {ors}")
    assert verdict.unknown and "alternatives" in verdict.reason


def test_kql_values_are_exact_and_case_sensitive():
    assert kql("event.module:endpoint and event.module:endgame").unsatisfiable
    assert kql("event.module:endpoint and not event.module:Endpoint").unknown


def test_the_event_category_is_part_of_the_condition():
    assert eql('process where event.category == "process"').unknown


# ------------------------------------------------------------------------- the checks

RULE = """\
[rule]
name = "Example"
rule_id = "00000000-0000-4000-8000-000000000001"
type = "eql"
language = "eql"
query = '''
{query}
'''
"""


def findings(query: str) -> list:
    rule = rule_from_text(RULE.format(query=query), "rule.toml").rule
    return list(satisfiability(rule, Config()))


def test_a_contradictory_query_is_an_error_on_the_query_line():
    [found] = findings('process where\n  process.name : "a" and process.name : "b"')
    assert found.code == "RO550"
    assert "process.name" in found.message
    assert found.line == 8  # where the condition starts


def test_an_exclusion_that_never_applies_is_a_warning_on_its_line():
    query = (
        'process where process.name in ("bash", "sh") and\n'
        '  not (process.name like "python*" and process.command_line like "*pip*")'
    )
    [found] = findings(query)
    assert (found.code, found.line) == ("RO551", 8)
    assert "never applies" in found.message


def test_an_exclusion_that_removes_every_match_is_an_error():
    [found] = findings('process where process.name : "rundll32.exe" and not process.name : "*.exe"')
    assert found.code == "RO552"
    assert "removes every event" in found.message


def test_a_sequence_clause_that_cannot_match_is_named():
    query = 'sequence [process where true] [file where file.name == "a" and file.name == "b"]'
    [found] = findings(query)
    assert found.code == "RO550"
    assert "clause 2 of the sequence" in found.message


def test_a_satisfiable_query_has_no_finding():
    assert findings('process where process.name : "a" and not process.parent.name : "b"') == []


def test_the_example_rules_have_no_satisfiability_finding():
    root = Path(__file__).resolve().parent.parent / "rules"
    for path in sorted(root.rglob("*.toml")):
        rule = load_rule(path).rule
        assert list(satisfiability(rule, Config())) == [], path


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"
# Redundant exclusions in the production rules, each a true (if harmless) defect:
# `event.module:(endpoint and not endgame)`; `not (process.name like "python*" …)` after
# `process.name in ("bash", …)`; a Program Files exclusion repeated with an extra condition.
KNOWN_DEAD_EXCLUSIONS = {
    "integrations/endpoint/elastic_endpoint_security.toml",
    "linux/persistence_git_hook_netcon.toml",
    "windows/initial_access_execution_remote_via_msiexec.toml",
}


def test_the_production_corpus_has_only_the_known_dead_exclusions():
    if not CORPUS.is_dir():
        pytest.skip("../shared not present")

    found = {}
    for path in sorted(CORPUS.rglob("*.toml")):
        rule = load_rule(path, str(path.relative_to(CORPUS))).rule
        if rule is not None and rule.rule.get("language") in ("eql", "kuery", "esql"):
            for d in satisfiability(rule, Config()):
                found[d.path] = d.code
    assert found == {path: "RO551" for path in KNOWN_DEAD_EXCLUSIONS}


ESQL_RULE = RULE.replace('"eql"', '"esql"')


def esql_findings(query: str) -> list:
    rule = rule_from_text(ESQL_RULE.format(query=query), "rule.toml").rule
    return [(d.code, d.line) for d in satisfiability(rule, Config())]


def test_an_es_ql_where_that_contradicts_itself_is_an_error_on_its_line():
    query = 'FROM logs-*\n| WHERE process.name == "a" AND process.name == "b"\n| KEEP process.name'
    assert esql_findings(query) == [("RO550", 8)]


def test_es_ql_where_commands_are_and_ed_together():
    query = "FROM logs-* | WHERE process.pid > 10 | EVAL Esql.x = 1 | WHERE process.pid < 5"
    assert [code for code, _ in esql_findings(query + " | KEEP Esql.x")] == ["RO550"]


def test_an_es_ql_exclusion_that_never_applies_is_a_warning():
    query = (
        'FROM logs-* | WHERE process.name IN ("bash", "sh")\n'
        '  AND NOT process.name LIKE "python*" | KEEP process.name'
    )
    assert esql_findings(query) == [("RO551", 8)]


def test_es_ql_conditions_after_stats_are_not_judged():
    query = (
        "FROM logs-* | STATS Esql.n = COUNT(*) BY host.name"
        " | WHERE Esql.n > 10 AND Esql.n < 5 | KEEP Esql.n"
    )
    assert esql_findings(query) == []
