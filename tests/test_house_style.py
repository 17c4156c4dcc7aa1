"""House-style checks: the conventions of elastic/detection-rules, as warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomlkit

from ruleops.checks import RULE_CHECKS, house_style
from ruleops.config import Config
from ruleops.diagnostics import REGISTRY, Diagnostic, Severity
from ruleops.engine import run_check
from ruleops.loading import rule_from_text

HOUSE_CODES = tuple(f"RO{n}" for n in range(150, 163))


def base() -> dict[str, Any]:
    return {
        "metadata": {
            "creation_date": "2024/05/01",
            "updated_date": "2024/06/01",
            "maturity": "production",
        },
        "rule": {
            "author": ["Elastic"],
            "description": "Detects a service pointed at a user-writable binary.",
            "from": "now-9m",
            "index": ["logs-endpoint.events.registry-*"],
            "language": "eql",
            "license": "Elastic License v2",
            "name": "Service ImagePath in a User Folder",
            "query": 'registry where registry.value == "ImagePath"\n',
            "risk_score": 47,
            "rule_id": "403ef0d3-8259-40c9-a5b6-d48354712e49",
            "severity": "medium",
            "tags": ["Domain: Endpoint", "OS: Windows", "Tactic: Persistence"],
            "type": "eql",
        },
    }


CHECKS = [check for check in RULE_CHECKS if check.__module__ == house_style.__name__]


def findings(data: dict[str, Any]) -> list[Diagnostic]:
    rule = rule_from_text(tomlkit.dumps(data), "rule.toml").rule
    assert rule is not None
    return [d for check in CHECKS for d in check(rule, Config())]


def codes(data: dict[str, Any]) -> list[str]:
    return [d.code for d in findings(data)]


def test_base_rule_follows_the_house_style() -> None:
    assert findings(base()) == []


def test_every_house_code_is_a_documented_warning() -> None:
    for code in HOUSE_CODES:
        info = REGISTRY[code]
        assert info.house_style and info.severity is Severity.WARNING
        assert info.bad and info.good and info.explanation


@pytest.mark.parametrize(
    ("severity", "score"), [("low", 21), ("medium", 47), ("high", 73), ("critical", 99)]
)
def test_risk_score_of_the_severity_passes(severity: str, score: int) -> None:
    data = base()
    data["rule"].update(severity=severity, risk_score=score)
    assert codes(data) == []


def test_risk_score_off_the_severity_ladder_is_reported() -> None:
    data = base()
    data["rule"]["risk_score"] = 43
    (found,) = findings(data)
    assert found.code == "RO150"
    assert found.message == "risk_score 43 does not go with severity 'medium', which scores 47"


def test_lookback_shorter_than_interval_is_reported() -> None:
    data = base()
    data["rule"].update({"from": "now-1m", "interval": "2m"})
    assert codes(data) == ["RO151"]


def test_lookback_of_one_interval_and_a_margin_passes() -> None:
    data = base()
    data["rule"].update({"from": "now-2m", "interval": "1m"})
    assert codes(data) == []


def test_lookback_uses_the_default_interval_of_five_minutes() -> None:
    data = base()
    data["rule"]["from"] = "now-4m"
    assert codes(data) == ["RO151"]


def test_lookback_compares_units() -> None:
    data = base()
    data["rule"].update({"from": "now-90s", "interval": "1h"})
    assert codes(data) == ["RO151"]
    data["rule"].update({"from": "now-2h", "interval": "60m"})
    assert codes(data) == []


def test_updated_date_before_creation_date_is_reported() -> None:
    data = base()
    data["metadata"]["updated_date"] = "2024/04/30"
    (found,) = findings(data)
    assert (found.code, found.message) == (
        "RO152",
        "updated_date 2024/04/30 is before creation_date 2024/05/01",
    )


def test_same_day_update_passes() -> None:
    data = base()
    data["metadata"]["updated_date"] = "2024/05/01"
    assert codes(data) == []


def test_deprecated_rule_without_deprecation_date_is_reported() -> None:
    data = base()
    data["metadata"]["maturity"] = "deprecated"
    assert codes(data) == ["RO153"]


def test_deprecated_rule_with_deprecation_date_passes() -> None:
    data = base()
    data["metadata"].update(maturity="deprecated", deprecation_date="2024/06/01")
    assert codes(data) == []


def test_deprecation_date_on_production_rule_is_reported() -> None:
    data = base()
    data["metadata"]["deprecation_date"] = "2024/06/01"
    assert codes(data) == ["RO153"]


def test_deprecation_before_creation_is_reported() -> None:
    data = base()
    data["metadata"].update(maturity="deprecated", deprecation_date="2024/01/01")
    assert codes(data) == ["RO152"]


def test_repeated_tag_is_reported_on_the_repeat() -> None:
    data = base()
    data["rule"]["tags"].append("OS: Windows")
    (found,) = findings(data)
    assert found.code == "RO154"
    assert "entries 2 and 4" in found.message


@pytest.mark.parametrize("key", ["index", "author", "references", "false_positives"])
def test_repeated_entry_in_other_lists_is_reported(key: str) -> None:
    data = base()
    data["rule"][key] = ["https://example.com/a", "https://example.com/a"]
    assert codes(data) == ["RO154"]


def test_bare_tag_is_reported() -> None:
    data = base()
    data["rule"]["tags"].append("Threat Hunting")
    assert codes(data) == ["RO155"]


@pytest.mark.parametrize(
    ("bare", "faceted"),
    [("Windows", "OS: Windows"), ("Lateral Movement", "Tactic: Lateral Movement"),
     ("Threat Detection", "Use Case: Threat Detection"), ("Host", "Domain: Endpoint")],
)  # fmt: skip
def test_bare_tag_of_the_old_style_suggests_its_faceted_form(bare: str, faceted: str) -> None:
    data = base()
    data["rule"]["tags"].append(bare)
    (found,) = findings(data)
    assert found.hint == f"write it as {faceted!r}"


def test_misspelt_tag_category_suggests_the_known_one() -> None:
    data = base()
    data["rule"]["tags"].append("Tatic: Execution")
    (found,) = findings(data)
    assert (found.code, found.hint) == ("RO155", "did you mean 'Tactic'?")


@pytest.mark.parametrize("category", house_style.TAG_CATEGORIES)
def test_every_known_tag_category_passes(category: str) -> None:
    data = base()
    data["rule"]["tags"] = [f"{category}: Something"]
    assert codes(data) == []


def test_deprecated_rules_keep_their_old_tags() -> None:
    data = base()
    data["metadata"].update(maturity="deprecated", deprecation_date="2024/06/01")
    data["rule"]["tags"] = ["Elastic", "Windows"]
    assert codes(data) == []


def test_building_block_without_bbr_tag_is_reported() -> None:
    data = base()
    data["rule"].update(building_block_type="default", interval="60m")
    data["rule"]["from"] = "now-119m"
    assert codes(data) == ["RO156"]


def test_bbr_tag_without_building_block_type_is_reported() -> None:
    data = base()
    data["rule"]["tags"].append("Rule Type: BBR")
    assert codes(data) == ["RO156"]


def test_building_block_with_usual_timing_is_reported() -> None:
    data = base()
    data["rule"]["building_block_type"] = "default"
    data["rule"]["tags"].append("Rule Type: BBR")
    assert codes(data) == ["RO156"]


def test_building_block_with_bbr_timing_passes() -> None:
    data = base()
    data["rule"].update(building_block_type="default", interval="60m")
    data["rule"]["from"] = "now-119m"
    data["rule"]["tags"].append("Rule Type: BBR")
    assert codes(data) == []


def test_building_block_may_bypass_bbr_timing() -> None:
    data = base()
    data["metadata"]["bypass_bbr_timing"] = True
    data["rule"]["building_block_type"] = "default"
    data["rule"]["tags"].append("Rule Type: BBR")
    assert codes(data) == []


def test_min_stack_version_without_comment_is_reported() -> None:
    data = base()
    data["metadata"]["min_stack_version"] = "8.12.0"
    assert codes(data) == ["RO157"]


def test_min_stack_version_with_comment_passes() -> None:
    data = base()
    data["metadata"].update(min_stack_version="8.12.0", min_stack_comments="New fields in 8.12")
    assert codes(data) == []


def test_misspelt_license_is_reported() -> None:
    data = base()
    data["rule"]["license"] = "Elastic Licence v2"
    assert codes(data) == ["RO158"]


def test_deprecated_rule_keeps_its_old_license() -> None:
    data = base()
    data["metadata"].update(maturity="deprecated", deprecation_date="2024/06/01")
    data["rule"]["license"] = "Elastic License"
    assert codes(data) == []


def test_malformed_values_are_left_to_the_schema_check() -> None:
    data = base()
    data["metadata"].update(creation_date=5, updated_date="yesterday", maturity=["x"])
    data["rule"].update(
        {"risk_score": "high", "severity": 3, "from": 9, "interval": "often", "tags": "x"}
    )
    data["rule"]["license"] = "Elastic License v2"
    assert codes(data) == []


def test_house_style_false_switches_the_warnings_off(tmp_path: Path) -> None:
    data = base()
    data["rule"]["risk_score"] = 43
    path = tmp_path / "rule.toml"
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    on = run_check([path], Config(root=tmp_path))
    off = run_check([path], Config(root=tmp_path, house_style="off"))
    assert "RO150" in {d.code for d in on.diagnostics}
    assert "RO150" not in {d.code for d in off.diagnostics}


def test_description_without_full_stop_is_reported() -> None:
    data = base()
    data["rule"]["description"] = "Detects a service pointed at a user-writable binary"
    assert codes(data) == ["RO159"]


def test_description_ending_in_a_stray_quote_is_reported() -> None:
    data = base()
    data["rule"]["description"] = 'Detects a service pointed at a user-writable binary."\n'
    assert codes(data) == ["RO159"]


def test_multiline_description_ending_with_full_stop_passes() -> None:
    data = base()
    data["rule"]["description"] = "Detects a service\npointed at a user-writable binary.\n"
    assert codes(data) == []


def test_name_ending_with_full_stop_is_reported() -> None:
    data = base()
    data["rule"]["name"] = "Service ImagePath in a User Folder."
    (found,) = findings(data)
    assert (found.code, found.hint) == (
        "RO160",
        "write name = 'Service ImagePath in a User Folder'",
    )


def test_name_with_doubled_space_is_reported() -> None:
    data = base()
    data["rule"]["name"] = "Service ImagePath in a  User Folder"
    assert codes(data) == ["RO160"]


def test_query_rule_without_index_is_reported() -> None:
    data = base()
    del data["rule"]["index"]
    assert codes(data) == ["RO161"]


def test_data_view_instead_of_index_passes() -> None:
    data = base()
    del data["rule"]["index"]
    data["rule"]["data_view_id"] = "security-solution-default"
    assert codes(data) == []


@pytest.mark.parametrize("kind", ["esql", "machine_learning"])
def test_rules_that_read_no_index_need_none(kind: str) -> None:
    data = base()
    del data["rule"]["index"]
    data["rule"]["type"] = kind
    data["rule"]["tags"] += ["Rule Type: ML", "Rule Type: Machine Learning"]
    assert codes(data) == []


def test_machine_learning_rule_without_type_tags_is_reported() -> None:
    data = base()
    del data["rule"]["index"]
    data["rule"]["type"] = "machine_learning"
    (found,) = findings(data)
    assert found.message == (
        'machine_learning rule lacks the tags "Rule Type: ML", "Rule Type: Machine Learning"'
    )


def test_threat_match_rule_with_its_type_tag_passes() -> None:
    data = base()
    data["rule"]["type"] = "threat_match"
    data["rule"]["tags"].append("Rule Type: Threat Match")
    assert codes(data) == []


def test_old_style_author_tag_is_to_be_removed() -> None:
    data = base()
    data["rule"]["tags"].append("Elastic")
    (found,) = findings(data)
    assert found.hint == "remove it: the old-style author tag is now the `author` key"
