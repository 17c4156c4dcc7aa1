"""Loading rule files: tomllib for speed, positions for diagnostics, never a traceback."""

from pathlib import Path

from ruleops.loading import TOML_ERROR, load_rule, rule_from_text


def test_toml_syntax_error_becomes_a_diagnostic_with_line_and_column(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text('[rule]\nname = "ok"\nrisk_score = = 3\n')
    loaded = load_rule(path)
    assert loaded.rule is None
    (diagnostic,) = loaded.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("RO002", 3, 14)
    assert diagnostic.message.startswith("invalid TOML")


def test_unterminated_string_is_reported_at_end_of_its_line(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text('[rule]\nname = "oops\n')
    (diagnostic,) = load_rule(path).diagnostics
    assert diagnostic.code == "RO002" and diagnostic.line == 2


def test_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[rule]\nname = 'x'\n")
    assert load_rule(path).rule.name == "x"


def test_rule_diagnostic_lands_on_the_line_of_its_key():
    rule = rule_from_text(
        '[metadata]\nmaturity = "production"\n\n[rule]\nseverity = "urgent"\n'
    ).rule
    diagnostic = rule.diagnostic(TOML_ERROR, "example", "rule.severity")
    assert (diagnostic.line, diagnostic.column) == (5, 1)


def test_query_offsets_map_to_the_rule_files_own_lines():
    text = "[rule]\nname = 'n'\nquery = '''\nprocess where\n  process.name == \"x\"\n'''\n"
    rule = rule_from_text(text).rule
    offset = rule.rule["query"].index("process.name")
    position = rule.position_in("rule.query", offset)
    assert (position.line, position.column) == (5, 3)


def test_accessors_tolerate_wrong_types():
    rule = rule_from_text('rule = "not a table"\nmetadata = 3\n').rule
    assert (rule.rule, rule.metadata, rule.rule_id, rule.name) == ({}, {}, None, None)
