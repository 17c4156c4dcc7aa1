"""Following ruleops' own hints ends in a rule that checks clean, never in a crash (RO003).

The chain starts from a new_terms rule without `history_window_start`; each step writes what
the hint says, as an author would, and checks again with the fixture present.
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from ruleops.cli import main

_RULE = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Tester"]
description = "A user name never seen on this host before."
from = "now-9m"
index = ["logs-*"]
language = "kuery"
license = "Elastic License v2"
name = "New User Name"
risk_score = 21
rule_id = "22222222-2222-4222-8222-222222222222"
severity = "low"
type = "new_terms"
query = '''
event.category:authentication and event.outcome:success
'''

[rule.new_terms]
field = "new_terms_fields"
value = ["user.name"]
{window}
"""

_FIXTURE = """\
rule_id = "22222222-2222-4222-8222-222222222222"

[[case]]
name = "a user name first seen in the window"
expect = "match"
[[case.events]]
"@timestamp" = "2024-01-01T00:05:00Z"
event.category = "authentication"
event.outcome = "success"
user.name = "mallory"
"""


def _check(rule_repo) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--no-cache", "--format", "json"])
    return json.loads(out.getvalue())["diagnostics"]


def _write(rule_repo, window: str) -> None:
    (rule_repo.root / "rules").mkdir(exist_ok=True)
    (rule_repo.root / "rules" / "new_user.toml").write_text(_RULE.format(window=window))
    rule_repo.fixture("new_user.toml", _FIXTURE)


def test_following_the_hints_for_history_window_start_ends_clean(rule_repo):
    _write(rule_repo, "")
    for _ in range(3):
        found = _check(rule_repo)
        assert not any(d["code"] == "RO003" for d in found), found
        schema = [d for d in found if d["code"].startswith("RO1")]
        if not schema:
            break
        written = re.search(r"`(history_window_start = [^`]+)`", schema[0]["hint"])
        assert written, schema[0]
        _write(rule_repo, written[1])
    assert _check(rule_repo) == []


@pytest.mark.parametrize(
    "window",
    [
        'history_window_start = "now-7d"',
        'history_window_start = ["now-7d"]',
        "history_window_start = [{ field = 'history_window_start' }]",
        "history_window_start = [{ field = 'history_window_start', value = 7 }]",
        "history_window_start = { value = 'now-7d' }",
    ],
)
def test_a_wrong_shape_of_history_window_start_is_a_schema_error_not_a_crash(rule_repo, window):
    _write(rule_repo, window)
    codes = {d["code"] for d in _check(rule_repo)}
    assert "RO003" not in codes
    assert codes & {"RO101", "RO102", "RO104", "RO106"}


def test_a_string_written_for_a_list_of_tables_gets_the_table_form_as_hint(rule_repo):
    _write(rule_repo, 'history_window_start = ["now-14d"]')
    (hint,) = {d["hint"] for d in _check(rule_repo) if d["code"] == "RO102"}
    expected = '[{ field = "history_window_start", value = "now-14d" }]'
    assert hint == f"write it as `history_window_start = {expected}`"


_DOTTED_RULE = _RULE.replace(
    '[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["user.name"]',
    'new_terms.field = "new_terms_fields"\nnew_terms.value = ["user.name"]',
)


def test_the_hint_for_a_table_written_as_dotted_keys_writes_a_dotted_key(rule_repo):
    # README writes `new_terms.field = …` under [rule]; the hint must fit that form.
    (rule_repo.root / "rules").mkdir()
    rule = rule_repo.root / "rules" / "new_user.toml"
    rule.write_text(_DOTTED_RULE.format(window=""))
    rule_repo.fixture("new_user.toml", _FIXTURE)
    (finding,) = [d for d in _check(rule_repo) if d["code"] == "RO101"]
    added = r"add `(new_terms\.history_window_start = [^`]+)` to \[rule\]"
    written = re.fullmatch(added, finding["hint"])
    assert written, finding["hint"]
    rule.write_text(_DOTTED_RULE.format(window=written[1]))
    assert _check(rule_repo) == []


def test_a_key_of_a_dotted_table_written_bare_in_its_parent_names_the_dotted_key(rule_repo):
    (rule_repo.root / "rules").mkdir()
    window = 'history_window_start = [{ field = "history_window_start", value = "now-7d" }]'
    (rule_repo.root / "rules" / "new_user.toml").write_text(_DOTTED_RULE.format(window=window))
    (finding,) = [d for d in _check(rule_repo) if d["code"] == "RO100"]
    assert "did you mean `new_terms.history_window_start`?" in finding["message"]


def test_the_hint_for_an_inline_table_adds_the_key_inside_it(rule_repo):
    (rule_repo.root / "rules").mkdir()
    inline = _RULE.replace(
        '[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["user.name"]',
        'new_terms = {{ field = "new_terms_fields", value = ["user.name"] }}',  # for format
    )
    (rule_repo.root / "rules" / "new_user.toml").write_text(inline.format(window=""))
    (finding,) = [d for d in _check(rule_repo) if d["code"] == "RO101"]
    assert finding["hint"].endswith("` inside `new_terms = { … }`")
