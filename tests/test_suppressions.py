import json
import shutil
from pathlib import Path

from ruleops.checks import load_all_checks
from ruleops.cli import main
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.engine import run_check
from ruleops.suppressions import apply, parse

EXAMPLE = (
    Path(__file__).resolve().parents[1] / "rules" / "windows" / "persistence_services_registry.toml"
)

RULE = """\
[metadata]
creation_date = "2024/01/01"

[rule]
name = "Example" # ruleops: ignore[RO051] kept for the dashboard
# ruleops: ignore[RO050] copied on purpose
rule_id = "abc"
tags = [
    "One",
    # ruleops: ignore[RO120] the vendor spells it so
    "Two",
    "Three",
]
# ruleops: ignore[RO310] field is populated by the integration
query = '''
process where process.name == "a.exe" # not a comment
  and process.args : "#" # ruleops: ignore[RO999] inside the string, not a directive
'''
"""


# The codes these tests are about; other checks may report other things on the example rule.
WATCHED = {"RO050", "RO051", "RO600", "RO601", "RO602", "RO603"}


def _d(code: str, line: int, path: str = "r.toml") -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, "finding", path, line, 1)


def _codes(diagnostics) -> list[tuple[str, int]]:
    return sorted((d.code, d.line) for d in diagnostics)


def setup_module():
    load_all_checks()


def test_trailing_comment_silences_its_code_on_that_line():
    assert (
        apply(
            [_d("RO051", 5)], {"r.toml": RULE}, switched_off=frozenset({"RO050", "RO120", "RO310"})
        )
        == []
    )


def test_comment_above_silences_the_next_statement():
    kept = apply(
        [_d("RO050", 7)], {"r.toml": RULE}, switched_off=frozenset({"RO051", "RO120", "RO310"})
    )
    assert kept == []


def test_comment_above_a_multiline_query_covers_every_line_of_it():
    (suppression,) = [s for s in parse(RULE, "r.toml")[0] if "RO310" in s.codes]
    assert (suppression.first, suppression.last) == (15, 18)


def test_comment_inside_an_array_covers_only_the_next_element():
    (suppression,) = [s for s in parse(RULE, "r.toml")[0] if "RO120" in s.codes]
    assert (suppression.first, suppression.last) == (11, 11)


def test_hash_inside_a_string_is_not_a_directive():
    suppressions, problems = parse(RULE, "r.toml")
    assert not any("RO999" in s.codes for s in suppressions)
    assert problems == []


def test_suppression_silences_only_the_codes_it_names():
    kept = apply(
        [_d("RO050", 5)], {"r.toml": RULE}, switched_off=frozenset({"RO050", "RO120", "RO310"})
    )
    assert ("RO050", 5) in _codes(kept)


def test_suppression_that_suppresses_nothing_is_reported_where_it_is_written():
    kept = apply([], {"r.toml": RULE}, switched_off=frozenset({"RO050", "RO120", "RO310"}))
    (unused,) = kept
    assert (unused.code, unused.line, unused.column) == ("RO600", 5, 18)
    assert "RO051" in unused.message


def test_each_unused_code_of_a_shared_comment_is_reported():
    text = '# ruleops: ignore[RO050, RO051] both apply\nname = "x"\n'
    kept = apply([_d("RO050", 2)], {"r.toml": text})
    assert _codes(kept) == [("RO600", 1)]
    assert "RO051" in kept[0].message


def test_suppression_without_reason_is_an_error_and_suppresses_nothing():
    text = 'name = "x" # ruleops: ignore[RO051]\n'
    kept = apply([_d("RO051", 1)], {"r.toml": text})
    assert _codes(kept) == [("RO051", 1), ("RO601", 1)]


def test_malformed_directive_is_reported():
    text = '# ruleops: ignore RO051 because\nname = "x"\n'
    kept = apply([_d("RO051", 2)], {"r.toml": text})
    assert _codes(kept) == [("RO051", 2), ("RO602", 1)]


def test_code_that_is_not_a_ruleops_code_is_reported_as_unknown():
    text = 'name = "x" # ruleops: ignore[RO998] typo\n'
    assert _codes(apply([], {"r.toml": text})) == [("RO603", 1)]


def test_code_switched_off_by_configuration_is_not_reported_as_unused():
    text = 'name = "x" # ruleops: ignore[RO051] shared name\n'
    assert apply([], {"r.toml": text}, switched_off=frozenset({"RO051"})) == []


def test_files_without_directives_are_left_alone():
    found = [_d("RO051", 1)]
    assert apply(found, {"r.toml": 'name = "x" # an ordinary comment\n'}) == found


def _project(tmp_path: Path, second_rule: str) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(EXAMPLE, rules / "a.toml")
    (rules / "b.toml").write_text(second_rule, encoding="utf-8")
    return rules


def test_check_honours_a_suppression_of_a_real_finding(tmp_path, monkeypatch, capsys):
    original = EXAMPLE.read_text(encoding="utf-8")
    copy = original.replace(
        "\nrule_id = ", "\n# ruleops: ignore[RO050] staged copy for the migration\nrule_id = ", 1
    )
    copy = copy.replace('name = "', 'name = "Copy of ', 1)
    _project(tmp_path, copy)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json"])
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    # The other file has no suppression: its half of the pair is still reported.
    found = [(d["code"], d["path"]) for d in found if d["code"] in WATCHED]
    assert found == [("RO050", "rules/a.toml")]


def test_check_reports_a_stale_suppression_in_a_real_run(tmp_path, monkeypatch):
    original = EXAMPLE.read_text(encoding="utf-8")
    stale = original.replace(
        "\nrule_id = ", "\n# ruleops: ignore[RO050] no longer needed\nrule_id = ", 1
    )
    stale = stale.replace('name = "', 'name = "Other ', 1)
    stale = stale.replace('rule_id = "4', 'rule_id = "5', 1)
    rules = _project(tmp_path, stale)
    monkeypatch.chdir(tmp_path)
    result = run_check([rules], Config(root=tmp_path))
    found = [(d.code, d.path) for d in result.diagnostics if d.code in WATCHED]
    assert found == [("RO600", "rules/b.toml")]
