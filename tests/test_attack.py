"""The ATT&CK checks: threat entries must be true to ATT&CK Enterprise 18.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruleops.attack import load_attack, technique_reference
from ruleops.checks import load_all_checks
from ruleops.checks.attack import attack_data_usable, tactic_tags, threat_mapping
from ruleops.config import Config
from ruleops.discovery import discover
from ruleops.engine import finalize
from ruleops.loading import load_rule, rule_from_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"
ATTACK = load_attack()


def technique(
    tid: str, name: str | None = None, reference: str | None = None, subtechniques: str = ""
) -> str:
    known = ATTACK.technique(tid)
    name = name if name is not None else (known.name if known else "Unknown")
    reference = reference if reference is not None else technique_reference(tid)
    return (
        f'[[rule.threat.technique]]\nid = "{tid}"\nname = "{name}"\n'
        f'reference = "{reference}"\n\n{subtechniques}'
    )


def subtechnique(sid: str, name: str | None = None, reference: str | None = None) -> str:
    known = ATTACK.technique(sid)
    name = name if name is not None else (known.name if known else "Unknown")
    reference = reference if reference is not None else technique_reference(sid)
    return (
        f'[[rule.threat.technique.subtechnique]]\nid = "{sid}"\nname = "{name}"\n'
        f'reference = "{reference}"\n\n'
    )


def threat(
    tactic_id: str,
    *techniques: str,
    name: str | None = None,
    reference: str | None = None,
    framework: str = "MITRE ATT&CK",
) -> str:
    known = ATTACK.tactic(tactic_id)
    name = name if name is not None else (known.name if known else "Unknown")
    reference = (
        reference if reference is not None else f"https://attack.mitre.org/tactics/{tactic_id}/"
    )
    return (
        f'[[rule.threat]]\nframework = "{framework}"\n\n{"".join(techniques)}'
        f'[rule.threat.tactic]\nid = "{tactic_id}"\nname = "{name}"\nreference = "{reference}"\n\n'
    )


def rule(*threats: str, tags: tuple[str, ...] | None = None, maturity: str = "production") -> str:
    if tags is None:  # by default, tag the first mapped tactic, as the house style wants
        first = threats[0].split('[rule.threat.tactic]\nid = "')[1][:6] if threats else None
        tags = (f"Tactic: {ATTACK.tactic(first).name}",) if first and ATTACK.tactic(first) else ()
    tag_list = ", ".join(json.dumps(t) for t in tags)
    return (
        f'[metadata]\nmaturity = "{maturity}"\n\n[rule]\nname = "A rule"\n'
        f"tags = [{tag_list}]\n\n{''.join(threats)}"
    )


def findings(text: str, config: Config | None = None) -> list:
    config = config or Config()
    loaded = rule_from_text(text, "rule.toml")
    assert loaded.rule is not None, loaded.diagnostics
    return [*threat_mapping(loaded.rule, config), *tactic_tags(loaded.rule, config)]


def codes(text: str, config: Config | None = None) -> list[str]:
    return [d.code for d in findings(text, config)]


CORRECT = rule(threat("TA0006", technique("T1003", subtechniques=subtechnique("T1003.001"))))


# --- the data ---------------------------------------------------------------------------


def test_packaged_data_is_attack_enterprise_18_1():
    assert ATTACK.version == "18.1"
    assert ATTACK.tactic("TA0006").name == "Credential Access"
    assert ATTACK.technique("T1003").tactics == ("TA0006",)
    assert ATTACK.technique("T1003.002").parent == "T1003"


def test_packaged_data_records_revocations_with_their_replacement():
    powershell = ATTACK.technique("T1086")
    assert powershell.revoked and powershell.revoked_by == "T1059.001"


def test_packaged_data_records_deprecations():
    assert ATTACK.technique("T1064").deprecated


def test_loading_is_cached():
    assert load_attack() is load_attack()


def test_subtechnique_reference_nests_the_number():
    assert technique_reference("T1003.002") == "https://attack.mitre.org/techniques/T1003/002/"


# --- a correct mapping ----------------------------------------------------------------


def test_correct_mapping_has_no_findings():
    assert codes(CORRECT) == []


def test_rule_without_threat_has_no_findings():
    assert codes(rule(tags=())) == []


def test_technique_of_several_tactics_passes_under_each():
    text = rule(threat("TA0001", technique("T1078")), threat("TA0003", technique("T1078")))
    assert codes(text) == []


# --- framework --------------------------------------------------------------------------


def test_framework_other_than_mitre_attack_is_reported():
    text = rule(threat("TA0006", technique("T1003"), framework="MITRE ATTACK"))
    assert codes(text) == ["RO200"]


def test_missing_framework_is_reported():
    text = rule(threat("TA0006", technique("T1003"))).replace('framework = "MITRE ATT&CK"\n', "")
    assert codes(text) == ["RO200"]


# --- tactics ----------------------------------------------------------------------------


def test_unknown_tactic_is_reported():
    text = rule(
        threat("TA0099", technique("T1003"), name="Credential Access"),
        tags=("Tactic: Credential Access",),
    )
    [found] = findings(text)
    assert found.code == "RO201"
    assert "TA0006" in found.hint  # the id of the tactic the name names


def test_tactic_name_must_match_its_id():
    [found] = findings(rule(threat("TA0006", technique("T1003"), name="Credentials")))
    assert found.code == "RO202"
    assert found.fix == (("rule.threat[0].tactic.name", "Credential Access"),)


def test_tactic_reference_must_match_its_id():
    text = rule(
        threat("TA0006", technique("T1003"), reference="https://attack.mitre.org/tactics/TA0007/")
    )
    [found] = findings(text)
    assert found.code == "RO203"
    assert found.fix == (
        ("rule.threat[0].tactic.reference", "https://attack.mitre.org/tactics/TA0006/"),
    )


def test_tactic_listed_twice_is_reported():
    text = rule(threat("TA0006", technique("T1003")), threat("TA0006", technique("T1110")))
    assert codes(text) == ["RO214"]


def test_tactic_listed_twice_is_reported_on_the_second_entry():
    text = rule(threat("TA0006", technique("T1003")), threat("TA0006", technique("T1110")))
    [found] = findings(text)
    lines = text.splitlines()
    second = [i + 1 for i, line in enumerate(lines) if line == 'id = "TA0006"'][1]
    assert found.line == second


# --- techniques -------------------------------------------------------------------------


def test_unknown_technique_is_reported():
    assert codes(rule(threat("TA0006", technique("T1999")))) == ["RO204"]


def test_technique_name_must_match_its_id():
    [found] = findings(rule(threat("TA0006", technique("T1003", name="Credential Dumping"))))
    assert found.code == "RO205"
    assert found.fix == (("rule.threat[0].technique[0].name", "OS Credential Dumping"),)


def test_technique_name_is_reported_on_its_line():
    text = rule(threat("TA0006", technique("T1003", name="Credential Dumping")))
    [found] = findings(text)
    assert text.splitlines()[found.line - 1] == 'name = "Credential Dumping"'


def test_technique_reference_must_match_its_id():
    text = rule(
        threat("TA0006", technique("T1003", reference="https://attack.mitre.org/techniques/T1003"))
    )
    [found] = findings(text)
    assert found.code == "RO206"
    assert found.fix == (
        ("rule.threat[0].technique[0].reference", "https://attack.mitre.org/techniques/T1003/"),
    )


def test_technique_must_belong_to_its_tactic():
    [found] = findings(rule(threat("TA0002", technique("T1003"))))
    assert found.code == "RO207"
    assert "Credential Access (TA0006)" in found.message


def test_technique_repeated_under_one_tactic_is_reported():
    text = rule(threat("TA0006", technique("T1003"), technique("T1003")))
    assert codes(text) == ["RO215"]


def test_subtechnique_listed_as_technique_is_reported():
    [found] = findings(rule(threat("TA0006", technique("T1003.001"))))
    assert found.code == "RO216"
    assert "T1003" in found.hint


# --- subtechniques ----------------------------------------------------------------------


def test_unknown_subtechnique_is_reported():
    text = rule(threat("TA0006", technique("T1003", subtechniques=subtechnique("T1003.099"))))
    assert codes(text) == ["RO208"]


def test_subtechnique_must_belong_to_its_technique():
    text = rule(threat("TA0006", technique("T1003", subtechniques=subtechnique("T1558.003"))))
    [found] = findings(text)
    assert found.code == "RO209"
    assert "T1558" in found.message


def test_subtechnique_name_must_match_its_id():
    text = rule(
        threat(
            "TA0006",
            technique("T1003", subtechniques=subtechnique("T1003.001", name="LSASS Dumping")),
        )
    )
    [found] = findings(text)
    assert found.code == "RO210"
    assert found.fix == (("rule.threat[0].technique[0].subtechnique[0].name", "LSASS Memory"),)


def test_subtechnique_reference_must_match_its_id():
    text = rule(
        threat(
            "TA0006",
            technique(
                "T1003",
                subtechniques=subtechnique(
                    "T1003.001", reference="https://attack.mitre.org/techniques/T1003.001/"
                ),
            ),
        )
    )
    [found] = findings(text)
    assert found.code == "RO211"
    assert found.fix[0][1] == "https://attack.mitre.org/techniques/T1003/001/"


def test_subtechnique_repeated_under_one_technique_is_reported():
    text = rule(
        threat(
            "TA0006",
            technique("T1003", subtechniques=subtechnique("T1003.001") + subtechnique("T1003.001")),
        )
    )
    assert codes(text) == ["RO215"]


def test_technique_listed_as_subtechnique_is_reported():
    text = rule(threat("TA0006", technique("T1003", subtechniques=subtechnique("T1110"))))
    assert codes(text) == ["RO216"]


# --- revoked and deprecated -------------------------------------------------------------


def test_revoked_technique_names_its_replacement():
    [found] = findings(rule(threat("TA0002", technique("T1086"))))
    assert found.code == "RO212"
    assert "replaced by T1059.001 (PowerShell)" in found.message


def test_revoked_technique_replaced_by_a_subtechnique_is_fixed_to_technique_and_subtechnique():
    [found] = findings(rule(threat("TA0002", technique("T1086"))))
    assert found.fix == (
        ("rule.threat[0].technique[0].id", "T1059"),
        ("rule.threat[0].technique[0].name", "Command and Scripting Interpreter"),
        ("rule.threat[0].technique[0].reference", "https://attack.mitre.org/techniques/T1059/"),
        (
            "rule.threat[0].technique[0].subtechnique",
            [
                {
                    "id": "T1059.001",
                    "name": "PowerShell",
                    "reference": "https://attack.mitre.org/techniques/T1059/001/",
                }
            ],
        ),
    )


def test_revoked_technique_replaced_by_a_technique_is_fixed_in_place():
    [found] = findings(rule(threat("TA0008", technique("T1017"))))
    assert found.code == "RO212"
    assert [value for _, value in found.fix] == [
        "T1072",
        "Software Deployment Tools",
        "https://attack.mitre.org/techniques/T1072/",
    ]


def test_revoked_technique_whose_replacement_has_another_tactic_is_not_fixed():
    [found] = findings(rule(threat("TA0010", technique("T1002"))))
    assert found.code == "RO212" and found.fix == ()
    assert "Collection" in found.hint


def test_revoked_technique_whose_replacement_is_already_listed_is_not_fixed():
    [found] = findings(rule(threat("TA0002", technique("T1086"), technique("T1059"))))
    assert found.code == "RO212" and found.fix == ()
    assert "T1059 is already listed" in found.hint


def test_revoked_subtechnique_replaced_by_a_sibling_is_fixed_in_place():
    text = rule(threat("TA0005", technique("T1574", subtechniques=subtechnique("T1574.002"))))
    [found] = findings(text)
    assert found.code == "RO212"
    assert found.fix[0] == ("rule.threat[0].technique[0].subtechnique[0].id", "T1574.001")


def test_revoked_subtechnique_replaced_by_a_technique_is_reported_without_fix():
    text = rule(threat("TA0003", technique("T1547", subtechniques=subtechnique("T1547.011"))))
    [found] = findings(text)
    assert found.code == "RO212" and found.fix == ()
    assert "T1647" in found.message


def test_deprecated_technique_is_reported():
    [found] = findings(rule(threat("TA0002", technique("T1064"))))
    assert found.code == "RO213"


# --- tags and tactics (house style) -----------------------------------------------------


def test_tactic_tag_without_threat_tactic_is_reported():
    text = rule(
        threat("TA0006", technique("T1003")),
        tags=("Tactic: Credential Access", "Tactic: Execution"),
    )
    [found] = findings(text)
    assert found.code == "RO220"
    assert "Execution" in found.message


def test_tactic_tag_naming_no_attack_tactic_is_reported():
    text = rule(
        threat("TA0006", technique("T1003")), tags=("Tactic: Credential Access", "Tactic: Hacking")
    )
    assert codes(text) == ["RO220"]


def test_misspelt_tactic_tag_hint_names_the_closest_tactic():
    text = rule(
        threat("TA0003", technique("T1543")), tags=("Tactic: Persistence", "Tactic: Persistance")
    )
    [found] = findings(text)
    assert found.code == "RO220"
    assert found.hint == "did you mean 'Tactic: Persistence'?"


def test_tagging_a_subset_of_the_mapped_tactics_passes():
    text = rule(
        threat("TA0006", technique("T1003")),
        threat("TA0007", technique("T1087")),
        tags=("Tactic: Credential Access",),
    )
    assert codes(text) == []


def test_mapping_tactics_without_any_tactic_tag_is_information():
    [found] = findings(rule(threat("TA0006", technique("T1003")), tags=()))
    assert found.code == "RO221"
    assert str(found.severity) == "info"
    assert "Tactic: Credential Access" in found.hint


def test_tag_checks_are_house_style():
    text = rule(threat("TA0006", technique("T1003")), tags=("Tactic: Execution",))
    config = Config(house_style="off")
    assert finalize(findings(text, config), config) == []


def test_deprecated_rules_are_not_held_to_the_tag_convention():
    text = rule(threat("TA0006", technique("T1003")), tags=(), maturity="deprecated")
    assert codes(text) == []


# --- choosing the data ------------------------------------------------------------------


def test_configured_attack_data_is_used(tmp_path):
    data = {
        "format": 1,
        "attack_version": "0.1",
        "domain": "enterprise-attack",
        "tactics": {"TA0006": {"name": "Credential Access", "shortname": "credential-access"}},
        "techniques": {"T1003": {"name": "Dumping", "tactics": ["TA0006"]}},
    }
    path = tmp_path / "attack.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [found] = findings(rule(threat("TA0006", technique("T1003"))), Config(attack_data=path))
    assert found.code == "RO205"  # "OS Credential Dumping" is wrong in this data
    assert "ATT&CK 0.1" in found.message


def test_unreadable_attack_data_is_reported_once_where_it_is_configured(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.ruleops]\nattack_data = "missing.json"\n', encoding="utf-8")
    config = Config(root=tmp_path, source=pyproject, attack_data=tmp_path / "missing.json")
    rules = [rule_from_text(CORRECT, f"{n}.toml").rule for n in range(3)]
    assert [d for r in rules for d in threat_mapping(r, config)] == []
    [found] = attack_data_usable(rules, config)
    assert (found.code, found.line) == ("RO249", 2)
    assert "missing.json" in found.message


# --- the corpus -------------------------------------------------------------------------

# True defects of the corpus against ATT&CK 18.1, named.
CORPUS_DEFECTS = {
    # T1218 is now "System Binary Proxy Execution"; these retired rules keep the old name.
    ("_deprecated/defense_evasion_mshta_making_network_connections.toml", "RO205"),
    ("_deprecated/execution_via_net_com_assemblies.toml", "RO205"),
    # T1547.011 "Plist Modification" was revoked by technique T1647 "Plist File Modification".
    ("macos/persistence_hidden_plist_filename.toml", "RO212"),
    ("macos/persistence_suspicious_launch_agent_or_launch_daemon.toml", "RO212"),
}
# Production rules whose `Tactic:` tags name a tactic their threat mapping does not have.
TAG_DISAGREEMENTS = {
    "cross-platform/defense_evasion_genai_process_compiling_executables.toml",
    "cross-platform/defense_evasion_potential_kubectl_impersonation.toml",
    "cross-platform/persistence_web_server_potential_sql_injection.toml",
    "integrations/aws/exfiltration_bedrock_high_frequency_inference_api_probing.toml",
    "integrations/aws/persistence_iam_api_calls_via_user_session_token.toml",
    "integrations/aws/privilege_escalation_ec2_instance_profile_associated_with_running_instance.toml",
    "integrations/azure/lateral_movement_azure_vm_serial_console_connect.toml",
    "integrations/azure/resource_development_entra_id_custom_domain_added_and_verified.toml",
    "integrations/gcp/initial_access_gcp_gke_anonymous_request_authorized.toml",
    "integrations/github/impact_github_repository_activity_from_unusual_ip.toml",
    "integrations/github/initial_access_github_actions_bot_first_push_to_repo.toml",
    "integrations/kubernetes/execution_kubernetes_pod_exec_potential_reverse_shell.toml",
    "integrations/kubernetes/initial_access_anonymous_request_authorized.toml",
    "integrations/kubernetes/persistence_exposed_service_created_with_type_nodeport.toml",
    "integrations/kubernetes/privilege_escalation_suspicious_assignment_of_controller_service_account.toml",
    "integrations/o365/defense_evasion_exchange_mailbox_audit_bypass_association.toml",
    "integrations/okta/credential_access_okta_aitm_session_cookie_replay.toml",
    "linux/command_and_control_auditd_curl_wget_from_container.toml",
    "linux/execution_process_backgrounded_by_unusual_parent.toml",
    "linux/persistence_grub_configuration_creation.toml",
    "windows/credential_access_veeam_commands.toml",
    "windows/defense_evasion_execution_msbuild_started_renamed.toml",
    "windows/defense_evasion_execution_suspicious_explorer_winword.toml",
    "windows/defense_evasion_modify_ownership_os_files.toml",
    "windows/initial_access_rdp_file_mail_attachment.toml",
}


@pytest.fixture(scope="module")
def corpus_findings():
    if not CORPUS.is_dir():
        pytest.skip("../shared corpus not present")
    config = Config()
    found = []
    for path in discover([CORPUS], config):
        loaded = load_rule(path, path.relative_to(CORPUS).as_posix())
        found += [(d, loaded.rule) for d in threat_mapping(loaded.rule, config)]
        found += [(d, loaded.rule) for d in tactic_tags(loaded.rule, config)]
    return found


def test_corpus_has_only_the_named_attack_defects(corpus_findings):
    mapping = {(d.path, d.code) for d, _ in corpus_findings if d.code not in ("RO220", "RO221")}
    assert mapping == CORPUS_DEFECTS


def test_corpus_tag_warnings_are_the_named_disagreements(corpus_findings):
    assert {d.path for d, _ in corpus_findings if d.code == "RO220"} == TAG_DISAGREEMENTS


def test_corpus_rules_without_tactic_tags_are_machine_learning_rules(corpus_findings):
    untagged = [rule for d, rule in corpus_findings if d.code == "RO221"]
    assert len(untagged) == 25
    assert {rule.rule.get("type") for rule in untagged} == {"machine_learning"}


# --- the documentation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "info",
    [i for i in load_all_checks().values() if i.code.startswith("RO2") and i.code != "RO249"],
    ids=lambda info: info.code,
)
def test_documented_examples_fail_and_pass_as_documented(info):
    assert set(codes(info.bad)) == {info.code}
    assert codes(info.good) == []


@pytest.mark.parametrize(
    "text",
    [
        '[rule]\nthreat = "T1003"\n',
        "[rule]\nthreat = [5]\n",
        '[rule]\ntags = 7\nthreat = [{framework = "MITRE ATT&CK", technique = "T1003"}]\n',
        '[rule]\nthreat = [{framework = "MITRE ATT&CK", tactic = {id = 6}, technique = [1]}]\n',
        '[rule]\nthreat = [{framework = "MITRE ATT&CK", technique = [{id = "T1003", '
        "subtechnique = [2, {id = 3}]}]}]\n",
    ],
)
def test_malformed_threat_shapes_are_left_to_the_schema_check(text):
    assert [c for c in codes(text) if c not in ("RO220", "RO221")] == []


def test_technique_under_the_wrong_tactic_is_reported_once_with_its_subtechniques():
    text = rule(threat("TA0002", technique("T1003", subtechniques=subtechnique("T1003.001"))))
    assert codes(text) == ["RO207"]


def test_each_misplaced_technique_is_reported():
    text = rule(threat("TA0002", technique("T1003"), technique("T1110")))
    assert codes(text) == ["RO207", "RO207"]
