"""Every KQL query of Elastic's production rules parses, and the KQL checks stay quiet on them.

The corpus (../shared/corpus/detection-rules/rules) is Elastic's own rule set: Kibana accepts
every one of its queries, so a syntax error here is a bug in ruleops.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import pytest

from ruleops.checks.kql import kql_query, kql_rule_settings
from ruleops.config import Config
from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.kql.rule_types import compile_rule_type
from ruleops.loading import load_rule

CORPUS = (
    Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "detection-rules" / "rules"
)

# Counted from the corpus at commit 14cf530f: 737 rules with `language = "kuery"` and the
# `threat_query` of their 9 indicator-match rules.
KQL_QUERIES = 737
KQL_THREAT_QUERIES = 9


@cache
def corpus_rules() -> tuple[tuple[str, dict], ...]:
    """(file, [rule] table) of every KQL rule of the corpus."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    found = []
    for path in sorted(CORPUS.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if "kuery" not in text:  # reading TOML is the slow part; most rules are not KQL
            continue
        rule = tomllib.loads(text).get("rule", {})
        if rule.get("language") == "kuery":
            found.append((str(path.relative_to(CORPUS)), rule))
    return tuple(found)


def corpus_kql() -> list[tuple[str, str, str]]:
    """(file, key, query) for every KQL string of the corpus."""
    found = []
    for name, rule in corpus_rules():
        found.append((name, "query", rule["query"]))
        if rule.get("threat_query") is not None:
            found.append((name, "threat_query", rule["threat_query"]))
    return found


def test_corpus_holds_the_expected_number_of_kql_queries():
    keys = [key for _, key, _ in corpus_kql()]
    assert (keys.count("query"), keys.count("threat_query")) == (KQL_QUERIES, KQL_THREAT_QUERIES)


def test_every_kql_query_of_the_corpus_parses():
    failures = []
    for name, key, text in corpus_kql():
        try:
            parse_kql(text)
        except KqlSyntaxError as error:
            failures.append(f"{name} {key} {error}")
    assert failures == []


def test_every_kql_rule_of_the_corpus_compiles_for_its_type():
    """Query, threshold, new_terms and threat_match settings and every saved filter of the
    corpus can be run by the fixture executor (every pattern compiles)."""
    failures = []
    for name, rule in corpus_rules():
        try:
            compile_rule_type(rule).run([{"@timestamp": "2024-05-01T00:00:00Z"}])
        except Exception as error:
            failures.append(f"{name}: {type(error).__name__}: {error}")
    assert failures == []


def test_the_lucene_rule_is_not_kql():
    """One corpus rule is written in Lucene (`AND`, regex `/…/`): it is not KQL and is
    skipped by the KQL checks; Lucene's regex syntax would be a KQL syntax error."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    path = CORPUS / "_deprecated" / "privilege_escalation_setgid_bit_set_via_chmod.toml"
    rule = tomllib.loads(path.read_text(encoding="utf-8"))["rule"]
    assert rule["language"] == "lucene"
    with pytest.raises(KqlSyntaxError):
        parse_kql(rule["query"])


# The KQL pitfalls found in the corpus, each a real defect or, for RO404 (an
# info), a `?` worth a second look:
# - RO401: quoted patterns whose `*` the author meant as a wildcard;
# - RO402: `*confluence/conf/server.xml` and the next path with no `or` between them;
# - RO404: `GitHub?Copilot` (meant as one character) and `secrets?limit*` (a real `?`);
# - RO406 (an info): `a and b or c` without parentheses; in the deprecated iptables rule the
#   leading `event.category:process and` does not reach the second branch, a real defect;
# - RO407 (an info): a value listed twice in one list.
KNOWN_PITFALLS = {
    ("RO401", "_deprecated/defense_evasion_posh_obfuscation.toml"),
    ("RO401", "_deprecated/persistence_shell_activity_by_web_server.toml"),
    ("RO401", "network/initial_access_splunk_postgres_recovery_body_injection.toml"),
    (
        "RO402",
        "linux/credential_access_kubernetes_and_cloud_credential_paths_via_process_args.toml",
    ),
    ("RO404", "cross-platform/defense_evasion_genai_config_modification.toml"),
    ("RO406", "_deprecated/defense_evasion_attempt_to_disable_iptables_or_firewall.toml"),
    ("RO407", "integrations/o365/collection_exchange_mailbox_access_by_unusual_client_app_id.toml"),
    ("RO407", "linux/defense_evasion_file_mod_writable_dir.toml"),
    ("RO407", "linux/execution_suspicious_executable_running_system_commands.toml"),
    ("RO407", "linux/persistence_credential_access_modify_ssh_binaries.toml"),
    ("RO407", "linux/persistence_webserver_unusual_file_creation.toml"),
    ("RO407", "windows/credential_access_lsass_memdump_handle_access.toml"),
    ("RO407", "windows/execution_posh_hacktool_functions.toml"),
    (
        "RO406",
        "integrations/azure/initial_access_entra_id_device_code_auth_with_broker_client.toml",
    ),
    ("RO406", "integrations/gcp/credential_access_gcp_gke_pod_exec_sensitive_file_access.toml"),
    ("RO406", "linux/defense_evasion_symlink_binary_to_writable_dir.toml"),
    ("RO406", "linux/persistence_webserver_unusual_child_execution.toml"),
    ("RO406", "linux/persistence_webserver_unusual_command_execution.toml"),
    ("RO406", "network/initial_access_splunk_postgres_recovery_body_injection.toml"),
    (
        "RO404",
        "integrations/kubernetes/"
        "credential_access_kubernetes_secrets_list_cluster_and_sensitive_namespaces.toml",
    ),
}


def test_kql_checks_find_only_the_known_pitfalls_of_the_corpus():
    found = set()
    for name, _ in corpus_rules():
        rule = load_rule(CORPUS / name).rule
        for check in (kql_query, kql_rule_settings):
            for diagnostic in check(rule, Config()):
                if diagnostic.code.startswith("RO4"):
                    found.add((diagnostic.code, name))
    assert found == KNOWN_PITFALLS
