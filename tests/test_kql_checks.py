"""KQL checks on rule files: diagnostics land on the rule file's own lines."""

from __future__ import annotations

from ruleops.checks.kql import kql_query, kql_rule_settings
from ruleops.config import Config
from ruleops.diagnostics import REGISTRY
from ruleops.loading import rule_from_text

HEADER = """\
[metadata]
creation_date = "2024/01/01"

[rule]
name = "Example"
type = "{type}"
language = "{language}"
"""


def rule_text(query: str, *, type_: str = "query", language: str = "kuery", extra: str = "") -> str:
    return HEADER.format(type=type_, language=language) + extra + f"query = '''\n{query}\n'''\n"


def diagnostics(text: str):
    loaded = rule_from_text(text, "rule.toml")
    assert loaded.rule is not None
    return list(kql_query(loaded.rule, Config()))


def codes(text: str) -> list[str]:
    return [d.code for d in diagnostics(text)]


def test_syntax_error_is_reported_on_the_files_line_and_column():
    (found,) = diagnostics(rule_text("event.category:process and\n  process.name:cmd.exe or(x:y)"))
    assert (found.code, found.line, found.column) == ("RO400", 10, 26)
    assert "space" in found.hint


def test_clean_query_has_no_diagnostics():
    assert (
        diagnostics(rule_text("event.category:process and process.name:(cmd.exe or pwsh.exe)"))
        == []
    )


def test_rules_in_other_languages_are_not_checked_as_kql():
    assert codes(rule_text("process where process.name == 'x'", language="eql")) == []


def test_threat_query_is_checked_too():
    extra = 'threat_language = "kuery"\nthreat_query = "threat.indicator.ip:* and (x:y"\n'
    (found,) = diagnostics(rule_text("source.ip:*", type_="threat_match", extra=extra))
    assert found.code == "RO400"
    assert found.line == 9  # the threat_query line
    assert found.column == len('threat_query = "threat.indicator.ip:* and ') + 1


def test_quoted_wildcard_is_reported_once_per_list():
    found = diagnostics(rule_text('process.name:("python*" or "perl*" or bash)'))
    assert [d.code for d in found] == ["RO401"]
    assert "and 1 more" in found[0].message
    assert found[0].column == len("process.name:(") + 1


def test_lone_quoted_star_is_not_reported():
    assert "RO401" not in codes(rule_text('kubernetes.audit.requestObject.rules.verbs:"*"'))


def test_value_running_over_a_line_break_is_reported():
    found = diagnostics(rule_text("process.args:(\n  */a.xml\n  */b.json or */c.db\n)"))
    assert [d.code for d in found] == ["RO402"]
    assert found[0].line == 10


def test_escaped_newline_in_a_value_is_not_a_line_break():
    assert "RO402" not in codes(rule_text(r"message:first\nsecond"))


def test_value_without_a_field_is_reported():
    assert codes(rule_text("event.category:process and mimikatz")) == ["RO403"]


def test_question_mark_in_a_wildcard_value_is_noted():
    assert codes(rule_text("file.path:*/GitHub?Copilot/*")) == ["RO404"]


def test_unknown_ecs_field_is_reported_with_a_suggestion():
    found = diagnostics(rule_text("event.category:process and process.nmae:cmd.exe"))
    assert [d.code for d in found] == ["RO350"]
    assert "process.name" in found[0].hint
    assert (found[0].line, found[0].column) == (9, len("event.category:process and ") + 1)


def test_disallowed_ecs_value_is_reported():
    assert "RO352" in codes(rule_text("event.category:proces"))


def settings_diagnostics(text: str):
    loaded = rule_from_text(text, "rule.toml")
    assert loaded.rule is not None
    return list(kql_rule_settings(loaded.rule, Config()))


NEW_TERMS = """
[rule.new_terms]
field = "new_terms_fields"
value = ["host.id", "process.exectuable"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "{window}"
"""


def new_terms_rule(window: str = "now-7d") -> str:
    return (
        HEADER.format(type="new_terms", language="kuery")
        + 'from = "now-9m"\nquery = "event.category:process"\n'
        + NEW_TERMS.format(window=window)
    )


def test_unknown_new_terms_field_is_reported_on_its_line():
    (found,) = settings_diagnostics(new_terms_rule())
    assert (found.code, found.line, found.column) == ("RO350", 13, 21)
    assert "process.executable" in found.hint


def test_history_window_inside_the_rule_window_is_reported():
    found = [d for d in settings_diagnostics(new_terms_rule("now-5m")) if d.code == "RO405"]
    assert len(found) == 1
    assert found[0].line == 16


def test_history_window_that_is_not_date_math_is_reported():
    found = [d for d in settings_diagnostics(new_terms_rule("7 days")) if d.code == "RO405"]
    assert "date math" in found[0].message


def test_unknown_threshold_field_is_reported():
    text = (
        HEADER.format(type="threshold", language="kuery")
        + 'query = "event.category:authentication"\n'
        + '[rule.threshold]\nfield = ["source.iip"]\nvalue = 5\n'
    )
    (found,) = settings_diagnostics(text)
    assert (found.code, found.line) == ("RO350", 10)


def test_disallowed_value_is_reported_at_the_value():
    (found,) = [d for d in diagnostics(rule_text("event.category:proces")) if d.code == "RO352"]
    assert found.column == len("event.category:") + 1


def test_and_inside_or_without_parentheses_is_noted():
    (found,) = diagnostics(
        rule_text("event.category:process and process.name:ufw or process.name:iptables")
    )
    assert found.code == "RO406"
    assert (found.line, found.column) == (9, 1)


def test_parenthesised_and_inside_or_is_not_noted():
    assert codes(rule_text("(event.category:process and process.name:ufw) or process.name:x")) == []
    assert codes(rule_text("a.b:x or c.d:((y) and (z))")) == []


def test_value_listed_twice_is_noted_at_the_copy():
    (found,) = diagnostics(rule_text("process.name:(yum or dnf or yum)"))
    assert found.code == "RO407"
    assert found.column == len("process.name:(yum or dnf or ") + 1


def test_the_type_codes_fail_on_their_bad_example_and_pass_their_good_one():
    for code in ("RO408", "RO409", "RO410", "RO411"):
        info = REGISTRY[code]
        assert code in codes(rule_text(info.bad)), code
        assert code not in codes(rule_text(info.good)), code
