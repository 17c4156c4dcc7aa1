"""Rule files written outside Elastic: what Kibana's export and detection-rules' exporter
write for a custom rule is accepted, empty values included (tests/data/community/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ruleops.checks.integrations import _DATA
from ruleops.config import Config
from ruleops.datemath import offset_seconds
from ruleops.diagnostics import REGISTRY, Severity
from ruleops.engine import run_check

COMMUNITY = Path(__file__).parent / "data" / "community"
EXPORTED = sorted(COMMUNITY.glob("*.toml"))
RULE = """\
[metadata]
creation_date = "2025/03/04"
maturity = "production"
updated_date = "2025/03/04"

[rule]
author = ["ACME"]
description = "Detects whoami."
index = ["logs-*"]
language = "kuery"
name = "Whoami"
risk_score = 47
rule_id = "6f0c5a2e-0a43-4b0c-9a53-0b9e8d3c2f11"
severity = "medium"
type = "query"
query = 'process.name : "whoami.exe"'
"""


def findings(tmp_path: Path, text: str, style: str = "auto") -> list[tuple[str, str]]:
    path = tmp_path / "rule.toml"
    path.write_text(text, encoding="utf-8")
    result = run_check([path], Config(root=tmp_path, house_style=style), cache=False)
    return [(d.code, d.message) for d in result.diagnostics]


def with_keys(extra: str) -> str:
    """RULE with the `key = value` lines of `extra` added to [rule], replacing its own."""
    keys = {line.split("=")[0].strip() for line in extra.splitlines() if "=" in line}
    kept = [line for line in RULE.splitlines() if line.split(" = ")[0] not in keys]
    text = "\n".join(kept) + "\n"
    return text.replace('type = "query"\n', f'type = "query"\n{extra}\n')


@pytest.mark.parametrize("path", EXPORTED, ids=lambda path: path.name)
def test_exported_custom_rule_has_no_error(path: Path) -> None:
    result = run_check([path], Config(root=COMMUNITY), cache=False)
    assert [d.headline() for d in result.diagnostics if d.severity is Severity.ERROR] == []


@pytest.mark.parametrize("path", EXPORTED, ids=lambda path: path.name)
def test_exported_custom_rule_gets_no_elastic_only_advice(path: Path) -> None:
    result = run_check([path], Config(root=COMMUNITY), cache=False)
    assert [d.headline() for d in result.diagnostics if REGISTRY[d.code].elastic_style] == []


@pytest.mark.parametrize("path", EXPORTED, ids=lambda path: path.name)
def test_exported_custom_rule_held_to_elastic_style_gets_its_advice(path: Path) -> None:
    result = run_check([path], Config(root=COMMUNITY, house_style="elastic"), cache=False)
    assert [d for d in result.diagnostics if REGISTRY[d.code].elastic_style]


@pytest.mark.parametrize(
    "keys",
    [
        "author = []",
        'license = ""',
        "tags = []",
        "false_positives = []",
        "references = []",
    ],
)
def test_empty_values_kibana_writes_are_not_reported(tmp_path: Path, keys: str) -> None:
    assert findings(tmp_path, with_keys(keys)) == []


def test_empty_integration_list_is_not_reported(tmp_path: Path) -> None:
    text = RULE.replace("[rule]", "integration = []\n\n[rule]")
    assert findings(tmp_path, text) == []


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        ('tags = ["OS: Windows", ""]', "rule.tags[1] is an empty string in the list"),
        ('author = [""]', "rule.author[0] is an empty string in the list"),
        ('data_view_id = ""', "rule.data_view_id is an empty string"),
    ],
)
def test_empty_entries_are_warnings(tmp_path: Path, keys: str, where: str) -> None:
    assert ("RO109", where) in findings(tmp_path, with_keys(keys))


def test_empty_index_list_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = RULE.replace('index = ["logs-*"]', "index = []")
    assert findings(tmp_path, text) == [("RO109", "rule.index is an empty list")]


@pytest.mark.parametrize("to", ["now+30m", "now-1d/d", "now/d", "now-1h+5m", "now+1M/M"])
def test_elasticsearch_date_math_is_accepted_in_to(tmp_path: Path, to: str) -> None:
    codes = [code for code, _ in findings(tmp_path, with_keys(f'to = "{to}"\nfrom = "now-2y"'))]
    assert "RO104" not in codes


@pytest.mark.parametrize("text", ["now+", "now-5x", "now/2d", "tomorrow", "now 5m"])
def test_malformed_date_math_is_rejected(tmp_path: Path, text: str) -> None:
    codes = [code for code, _ in findings(tmp_path, with_keys(f'to = "{text}"'))]
    assert "RO104" in codes


def test_date_math_offsets_follow_elasticsearch() -> None:
    assert offset_seconds("now+30m") == 1800
    assert offset_seconds("now-1h+5m") == -3300
    assert offset_seconds("now-m") == -60  # a count left out is 1
    assert offset_seconds("now-1d/d") is None  # rounding depends on the time of day


def test_a_window_that_ends_before_it_starts_is_an_error_whatever_the_house_style(
    tmp_path: Path,
) -> None:
    # a rule that can never fire, as RO550 says of a query that never matches
    message = "from = 'now+30m' is not earlier than to = 'now': the rule searches nothing"
    for style in ("auto", "off"):
        found = findings(tmp_path, with_keys('from = "now+30m"'), style=style)
        assert [code for code, text in found if text.startswith(message)] == ["RO112"]


def test_a_window_that_ends_where_it_starts_searches_nothing(tmp_path: Path) -> None:
    found = findings(tmp_path, with_keys('from = "now-1h"\nto = "now-60m"'))
    assert "RO112" in [code for code, _ in found]


BUILDING_BLOCK = 'building_block_type = "default"\ntags = ["Rule Type: BBR"]\n'


@pytest.mark.parametrize(
    "timing",
    ['from = "now-119m"\ninterval = "60m"', 'from = "now-24h"\ninterval = "2h"'],
)
def test_building_block_timing_is_at_least_detection_rules_minimum(
    tmp_path: Path, timing: str
) -> None:
    found = findings(tmp_path, with_keys(BUILDING_BLOCK + timing), "elastic")
    assert "RO156" not in [code for code, _ in found]


@pytest.mark.parametrize(
    "timing",
    [
        'from = "now-60m"\ninterval = "60m"',
        'from = "now-119m"\ninterval = "30m"',
        'from = "now-2h"',
    ],
)
def test_building_block_timing_below_the_minimum_is_reported(tmp_path: Path, timing: str) -> None:
    found = findings(tmp_path, with_keys(BUILDING_BLOCK + timing), "elastic")
    assert "RO156" in [code for code, _ in found]


def test_a_misspelt_integration_gets_the_package_name(tmp_path: Path) -> None:
    text = RULE.replace("[rule]", 'integration = ["endpont", "windows"]\n\n[rule]')
    assert findings(tmp_path, text) == [
        (
            "RO110",
            "integration 'endpont' is no Elastic integration package ruleops knows; "
            "did you mean 'endpoint'?",
        )
    ]


def test_integration_names_record_their_source_and_when_it_was_read() -> None:
    document = json.loads(_DATA.read_text(encoding="utf-8"))
    assert "elastic/integrations" in document["source"] and "endpoint" in document["packages"]
    assert re.match(r"\d{4}-\d{2}-\d{2}", document["read"])


def test_a_package_the_list_does_not_hold_is_no_finding(tmp_path: Path) -> None:
    # A newer, third-party or private package is not a typo of a known one.
    text = RULE.replace("[rule]", 'integration = ["acme_xdr_telemetry"]\n\n[rule]')
    assert findings(tmp_path, text) == []


def test_a_reference_that_is_not_a_url_is_no_error(tmp_path: Path) -> None:
    # Kibana's API (RuleReferenceArray) and detection-rules (references: list[str]) take any
    # string; only Kibana's rule editor insists on URLs.
    found = findings(tmp_path, with_keys('references = ["Internal runbook IR-12"]'))
    assert found == [
        (
            "RO111",
            "reference 'Internal runbook IR-12' is not an http(s) URL: Kibana's rule editor "
            "will not save the rule until it is",
        )
    ]


def test_a_reference_without_its_scheme_gets_the_url_as_hint(tmp_path: Path) -> None:
    path = tmp_path / "rule.toml"
    path.write_text(with_keys('references = ["www.example.com/post"]'), encoding="utf-8")
    [finding] = run_check([path], Config(root=tmp_path), cache=False).diagnostics
    assert (finding.code, finding.severity, finding.hint) == (
        "RO111",
        Severity.WARNING,
        'write "https://www.example.com/post"',
    )


@pytest.mark.parametrize("url", ["https://example.com", "http://10.0.0.1:8080/a b", ""])
def test_urls_kibana_takes_are_not_reported(tmp_path: Path, url: str) -> None:
    found = findings(tmp_path, with_keys(f'references = ["{url}"]'))
    assert "RO111" not in [code for code, _ in found]
