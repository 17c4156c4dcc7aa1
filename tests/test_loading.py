"""Loading rule files: tomllib for speed, positions for diagnostics, never a traceback."""

import random
import tomllib
from pathlib import Path

import pytest
import tomli
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.loading import TOML_ERROR, _holds_toml_11, load_rule, rule_from_text


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


# TOML 1.1 constructs (tomli reads them) that Kibana and detection-rules, reading TOML 1.0,
# reject: each is an error where it is written, naming what to write instead.
TOML_11 = {
    "a line break in an inline table": ("[rule]\na = {\n  x = 1 }\n", 2, 6, "one line"),
    "a comment in an inline table": ("[rule]\na = { # c\n  x = 1 }\n", 2, 7, "one line"),
    "a trailing comma in an inline table": ("[rule]\na = { x = 1, }\n", 2, 14, "comma"),
    "the escape \\e": ('[rule]\na = "x\\e"\n', 2, 7, "\\u001b"),
    "the escape \\xHH": ('[rule]\na = "x\\x41"\n', 2, 7, "\\u0041"),
    "a time without seconds": ("[rule]\na = 07:32\n", 2, 5, "seconds"),
    "a date-time without seconds": ("[rule]\na = 1979-05-27T07:32Z\n", 2, 5, "seconds"),
}


@pytest.mark.parametrize(("text", "line", "column", "advice"), TOML_11.values(), ids=TOML_11)
def test_a_toml_1_1_construct_is_an_error_where_it_is_written(text, line, column, advice):
    (found,) = rule_from_text(text, "r.toml").diagnostics
    assert (found.code, found.line, found.column) == ("RO002", line, column)
    assert "TOML 1.1" in found.message and advice in found.hint


def test_toml_1_0_look_alikes_are_not_mistaken_for_1_1():
    text = "[rule]\na = { x = 1 }\nb = 'C:\\explorer \\x41 {'\nc = 07:32:00\nd = '10:30'\n"
    assert rule_from_text(text).rule is not None


# Pieces that are TOML 1.1 in some places and not in others (inside strings, comments,
# arrays within inline tables), for the scan that decides which texts tomllib reads again.
_STRINGS = (
    '"a{b"', '"x\\\\e"', '"x\\e"', '"\\x41"', "'C:\\e\\x41'", "'07:32'", '"a # b"',
    '"""\nmulti { #\n\\e"""', '"""a\\\n  b"""', "'''\nraw '' '''", "'''it''''",
    '"""q""""', '"{x = 1,}"', '"\\\\\\e"',
)  # fmt: skip
_SCALARS = ("1", "07:32", "07:32:00", "1979-05-27T07:32Z", "1979-05-27 07:32:00+01:00")


def _toml_value(rnd: random.Random, depth: int = 0) -> str:
    roll = rnd.random()
    if depth < 3 and roll < 0.2:
        items = [f"k{i} = {_toml_value(rnd, depth + 1)}" for i in range(rnd.randint(0, 3))]
        separator = rnd.choice([", ", ",\n ", ", # c\n"])
        tail = rnd.choice(["", ",", " ", "\n"]) if items else ""
        return "{" + rnd.choice(["", " ", "\n", " # c\n"]) + separator.join(items) + tail + "}"
    if depth < 3 and roll < 0.35:
        items = [_toml_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
        separator = rnd.choice([", ", ",\n  ", ", # c\n "])
        return "[\n" + separator.join(items) + rnd.choice(["", ",", ",\n"]) + "]"
    return rnd.choice(_STRINGS + _SCALARS)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_scan_for_toml_1_1_finds_whatever_tomllib_refuses(rnd):
    lines = [f"k{i} = {_toml_value(rnd)}" + rnd.choice(["", " # {07:32 \\e"]) for i in range(3)]
    text = "[rule]\n" + "\n".join(lines) + "\n"
    try:
        tomli.loads(text)
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert _holds_toml_11(text)
    except tomli.TOMLDecodeError:
        pass  # not TOML of either version


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-32", "UTF-32"), ("utf-32-be", "UTF-32")],
)
def test_a_utf_16_or_32_file_is_named_as_such(tmp_path: Path, encoding: str, named: str):
    path = tmp_path / "wide.toml"
    path.write_bytes("[rule]\nname = 'x'\n".encode(encoding))
    (found,) = load_rule(path).diagnostics
    assert f"{named} text" in found.message and "save it as UTF-8" in found.hint


def test_nesting_too_deep_to_read_is_located(tmp_path: Path):
    text = "[rule]\nname = 'x'\nvalue = " + "[" * 5000 + "]" * 5000 + "\n"
    (found,) = rule_from_text(text).diagnostics
    assert "too deep" in found.message
    assert found.line == 3 and found.column > 8
