"""The lenient, typed view of a rule file: what checks read, addressed by the key paths that
diagnostics, fixes and suppressions use. A missing key or a value of another type reads as
nothing (a wrong type is the schema check's finding, not a crash of another check)."""

from __future__ import annotations

from ruleops.loading import Entry, Rule, rule_from_text

TEXT = """\
[metadata]
maturity = "production"

[rule]
name = "Example"
risk_score = 47
enabled = true
tags = ["Domain: Endpoint", 3, "Tactic: Execution"]
threat = [
  { framework = "MITRE ATT&CK", tactic = { id = "TA0002", name = "Execution" }, technique = [
      { id = "T1059", subtechnique = [{ id = "T1059.001" }, "not a table"] },
      "not a table",
      { id = 1059 },
  ] },
  "not a table",
  { framework = "MITRE ATT&CK", tactic = "not a table" },
]
"""


def rule() -> Rule:
    loaded = rule_from_text(TEXT)
    assert loaded.rule is not None
    return loaded.rule


def test_values_are_read_by_key_path():
    r = rule()
    assert r.string("rule.name") == "Example"
    assert r.integer("rule.risk_score") == 47
    assert r.boolean("rule.enabled") is True
    assert r.string("rule.threat[0].tactic.id") == "TA0002"
    assert r.string("rule.threat[0].technique[0].subtechnique[0].id") == "T1059.001"
    assert r.table("metadata") == {"maturity": "production"}


def test_a_missing_key_or_another_type_reads_as_nothing():
    r = rule()
    assert r.value("rule.query") is None
    assert r.string("rule.risk_score") is None
    assert r.integer("rule.name") is None
    assert r.integer("rule.enabled") is None  # a bool is not an integer here
    assert r.boolean("rule.risk_score") is None
    assert r.table("rule.name") == {}
    assert r.string("rule.threat[9].tactic.id") is None
    assert r.string("rule.threat[2].tactic.id") is None  # tactic is a string there
    assert r.string("rule.name.first") is None
    assert r.items("rule.name") == [] and r.strings("rule.name") == []


def test_arrays_come_with_the_key_path_of_each_entry():
    r = rule()
    assert r.items("rule.tags") == [
        ("rule.tags[0]", "Domain: Endpoint"),
        ("rule.tags[1]", 3),
        ("rule.tags[2]", "Tactic: Execution"),
    ]
    assert r.strings("rule.tags") == ["Domain: Endpoint", "Tactic: Execution"]
    assert [path for path, _ in r.tables("rule.threat")] == ["rule.threat[0]", "rule.threat[2]"]


def test_entries_read_relative_to_their_table_with_their_own_key_paths():
    r = rule()
    threats = r.entries("rule.threat")
    assert [threat.path for threat in threats] == ["rule.threat[0]", "rule.threat[2]"]
    first, last = threats
    assert first.string("tactic.id") == r.string("rule.threat[0].tactic.id") == "TA0002"
    techniques = first.entries("technique")
    assert [t.path for t in techniques] == [
        "rule.threat[0].technique[0]",
        "rule.threat[0].technique[2]",
    ]
    assert [t.string("id") for t in techniques] == ["T1059", None]
    subs = techniques[0].entries("subtechnique")
    assert [(s.path, s.string("id")) for s in subs] == [
        ("rule.threat[0].technique[0].subtechnique[0]", "T1059.001")
    ]
    assert first.child("tactic").at("name") == "rule.threat[0].tactic.name"
    assert last.child("tactic") == Entry("rule.threat[2].tactic", {})
    assert last.entries("technique") == []
    assert r.locate(subs[0].at("id")).line == 11  # the key paths place findings
