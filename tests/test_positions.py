"""Every key of a rule file can be traced to the line and column where it is written."""

from ruleops.positions import KeyPositions

RULE = """\
# a comment
[metadata]
creation_date = "2020/11/18"

[rule]
name = "x"
tags = [
    "Domain: Endpoint",
    "OS: Windows",
]
query = '''
process where true
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1003"
[rule.threat.tactic]
id = "TA0006"

[[rule.threat]]
[[rule.threat.technique]]
id = "T1021"
[[rule.threat.technique]]
id = "T1059"
[[rule.threat.technique.subtechnique]]
id = "T1059.001"
[rule.threshold]
field = ["host.id", "user.name"]
inline = { value = 3, deep = { key = "v" } }
"""


def test_plain_keys_point_at_their_line_and_column():
    positions = KeyPositions(RULE)
    assert (
        positions.locate("metadata.creation_date").line,
        positions.locate("rule.name").line,
    ) == (3, 6)
    assert positions.locate("rule.name").column == 1


def test_array_elements_point_at_their_own_lines():
    positions = KeyPositions(RULE)
    assert positions.locate("rule.tags[1]").line == 9
    assert positions.locate("rule.tags[1]").column == 5


def test_array_of_tables_are_numbered_per_parent():
    positions = KeyPositions(RULE)
    assert positions.locate("rule.threat[0].technique[0].id").line == 18
    assert positions.locate("rule.threat[1].technique[0].id").line == 24
    assert positions.locate("rule.threat[1].technique[1].subtechnique[0].id").line == 28
    assert positions.locate("rule.threat[0].tactic.id").line == 20


def test_inline_tables_and_nested_inline_keys_are_located():
    positions = KeyPositions(RULE)
    assert positions.locate("rule.threshold.field[1]").line == 30
    assert positions.locate("rule.threshold.inline.deep.key").line == 31


def test_unknown_path_falls_back_to_nearest_written_ancestor():
    positions = KeyPositions(RULE)
    assert positions.locate("rule.threat[0].technique[0].name").line == 17


def test_multiline_literal_string_origin_skips_the_opening_newline():
    positions = KeyPositions(RULE)
    origin = positions.string_origin("rule.query")
    assert origin is not None
    assert (origin.position.line, origin.position.column) == (12, 1)


def test_basic_string_origin_accounts_for_escapes():
    text = 'query = "a\\\\b c"\n'
    positions = KeyPositions(text)
    origin = positions.string_origin("query")
    # decoded value is `a\b c`: its character 3 (`c`'s neighbour, the space) sits at file offset 13
    assert text[origin.text_offset(4)] == "c"
