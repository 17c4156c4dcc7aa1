"""`ruleops fixtures generate`: drafted fixtures that `ruleops test` passes, never overwriting."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

import ruleops.fixtures.generate as generate
from ruleops.cli import main
from ruleops.fixtures.generate import draft_fixture
from ruleops.loading import load_rule
from tests.time_bound import deadline

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus" / "detection-rules" / "rules"
ORS = (
    'process where (process.name : "cmd.exe" and process.args : "/c") or process.name : "pwsh.exe"'
)


def cases(path: Path) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["case"]


def test_generate_writes_the_conventional_fixture_that_ruleops_test_passes(rule_repo, capsys):
    rule_repo.rule("windows/cmd.toml", ORS)
    assert main(["fixtures", "generate", "rules/windows/cmd.toml"]) == 0
    written = rule_repo.root / "tests" / "rules" / "windows" / "cmd.toml"
    assert "wrote tests/rules/windows/cmd.toml" in capsys.readouterr().out
    assert main(["test"]) == 0
    assert "0 failed" in capsys.readouterr().out
    assert tomllib.loads(written.read_text())["rule_id"] == "11111111-1111-4111-8111-111111111111"


def test_generate_writes_a_matching_case_per_or_branch(rule_repo):
    rule_repo.rule("cmd.toml", ORS)
    main(["fixtures", "generate", "rules/cmd.toml"])
    names = [
        c["name"] for c in cases(rule_repo.root / "tests/rules/cmd.toml") if c["expect"] == "match"
    ]
    assert len(names) == 2
    assert any("pwsh.exe" in n for n in names)
    assert any("cmd.exe" in n for n in names)


def test_generate_writes_a_near_miss_and_a_case_per_exclusion(rule_repo):
    rule_repo.rule("cmd.toml", 'process where process.name : "cmd.exe" and not process.args : "/k"')
    main(["fixtures", "generate", "rules/cmd.toml"])
    names = [
        c["name"]
        for c in cases(rule_repo.root / "tests/rules/cmd.toml")
        if c["expect"] == "no match"
    ]
    assert any(n.startswith("near miss: `process.name") for n in names)
    assert 'excluded by `not process.args : "/k"`' in names


def test_generate_writes_nested_fields_as_dotted_keys(rule_repo):
    rule_repo.rule("cmd.toml", 'process where process.parent.name == "explorer.exe"')
    main(["fixtures", "generate", "rules/cmd.toml"])
    text = (rule_repo.root / "tests/rules/cmd.toml").read_text()
    assert 'process.parent.name = "explorer.exe"' in text


def test_generate_never_overwrites_without_force(rule_repo, capsys):
    rule_repo.rule("cmd.toml", ORS)
    existing = rule_repo.fixture("cmd.toml", "# mine\n")
    main(["fixtures", "generate", "rules/cmd.toml"])
    assert existing.read_text() == "# mine\n"
    assert "skipped: tests/rules/cmd.toml exists (--force replaces it)" in capsys.readouterr().out


def test_generate_skipping_an_existing_fixture_is_not_a_failure(rule_repo):
    rule_repo.rule("old.toml", ORS)
    rule_repo.rule("new.toml", ORS.replace("pwsh", "powershell"))
    rule_repo.fixture("old.toml", "# mine\n")
    assert main(["fixtures", "generate", "rules"]) == 0
    assert (rule_repo.root / "tests" / "rules" / "new.toml").is_file()


def test_generate_overwrites_with_force(rule_repo):
    rule_repo.rule("cmd.toml", ORS)
    existing = rule_repo.fixture("cmd.toml", "# mine\n")
    assert main(["fixtures", "generate", "--force", "rules/cmd.toml"]) == 0
    assert "[[case]]" in existing.read_text()


def test_generate_writes_under_out(rule_repo, tmp_path):
    rule_repo.rule("cmd.toml", ORS)
    out = tmp_path / "drafts"
    assert main(["fixtures", "generate", "--out", str(out), "rules/cmd.toml"]) == 0
    assert (out / "cmd.toml").is_file()


def test_a_sequence_gets_one_event_per_clause_sharing_the_join_key(rule_repo, capsys):
    rule_repo.rule(
        "seq.toml",
        'sequence by host.id with maxspan=1s [process where process.name == "a"] '
        '[file where file.name == "b"]',
    )
    assert main(["fixtures", "generate", "rules/seq.toml"]) == 0
    [positive] = [
        c for c in cases(rule_repo.root / "tests/rules/seq.toml") if c["expect"] == "match"
    ]
    first, second = positive["events"]
    assert first["host"]["id"] == second["host"]["id"]
    assert main(["test"]) == 0
    capsys.readouterr()


def test_a_join_key_with_an_ecs_example_takes_it(rule_repo):
    path = rule_repo.rule(
        "seq.toml",
        'sequence by user.name [process where process.name == "a"] [file where file.name == "b"]',
    )
    found = draft_fixture(load_rule(path, "rules/seq.toml").rule)
    first = next(c for c in found.cases if c.expect == "match").events[0]
    assert first["user"]["name"] == "a.einstein"


def test_a_rule_that_cannot_be_generated_says_why(rule_repo, capsys):
    rule_repo.rule("never.toml", 'process where process.name : "a" and process.name : "b"')
    assert main(["fixtures", "generate", "rules/never.toml"]) == 1
    assert "not generated: no event satisfying the condition" in capsys.readouterr().out
    assert not (rule_repo.root / "tests/rules/never.toml").exists()


def test_a_threshold_too_large_to_draft_is_said_instead_of_filling_memory(rule_repo, capsys):
    rule = rule_repo.rule(
        "threshold.toml",
        "event.category:authentication",
        type="threshold",
        language="kuery",
        extra="threshold = { field = [], value = 100000000000000000000 }",
    )
    with deadline(20):
        draft = draft_fixture(load_rule(rule).rule)
    assert "at most 1000" in draft.problem


def test_kql_threshold_rules_repeat_the_event_up_to_the_threshold(rule_repo, capsys):
    rule_repo.rule(
        "threshold.toml",
        "event.category:authentication and event.outcome:failure",
        type="threshold",
        language="kuery",
        extra='threshold = { field = ["source.ip"], value = 3 }',
    )
    assert main(["fixtures", "generate", "rules/threshold.toml"]) == 0
    written = cases(rule_repo.root / "tests/rules/threshold.toml")
    events = next(c for c in written if c["expect"] == "match")["events"]
    assert events[0]["repeat"] == 3 and len(events) == 1  # one event, three times
    assert any(c["name"].startswith("threshold not reached") for c in written)
    assert main(["test"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("name", sorted(p.name for p in (REPOSITORY / "rules").rglob("*.toml")))
def test_every_example_rule_gets_a_confirmed_fixture(name):
    path = next((REPOSITORY / "rules").rglob(name))
    draft = draft_fixture(load_rule(path).rule)
    assert draft.ok, draft.problem
    assert draft.count("match") and draft.count("no match")


CORPUS_RULES = [
    "windows/persistence_services_registry.toml",
    "linux/persistence_git_hook_netcon.toml",
    "windows/initial_access_execution_remote_via_msiexec.toml",
    "integrations/endpoint/elastic_endpoint_security.toml",
]


def test_generated_fixtures_of_corpus_rules_pass_ruleops_test(rule_repo, capsys):
    if not CORPUS.is_dir():
        pytest.skip("../shared not present")
    for relative in CORPUS_RULES:
        target = rule_repo.root / "rules" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / relative, target)
    assert main(["fixtures", "generate", "rules"]) == 0
    capsys.readouterr()
    assert main(["test", "--format", "json"]) == 0
    assert '"failed": 0' in capsys.readouterr().out


def _corpus_sample(per_kind: int = 3) -> list[str]:
    """`per_kind` corpus rules of each language and type, spread over the sorted corpus."""
    by_kind: dict[str, list[str]] = {}
    for path in sorted(CORPUS.rglob("*.toml")):
        rule = load_rule(path).rule
        if rule is not None and rule.string("rule.language") in ("eql", "kuery", "esql"):
            kind = f"{rule.string('rule.language')}/{rule.string('rule.type')}"
            by_kind.setdefault(kind, []).append(path.relative_to(CORPUS).as_posix())
    sample = []
    for paths in by_kind.values():
        step = max(1, len(paths) // per_kind)
        sample.extend(paths[::step][:per_kind])
    return sample


def test_generated_fixtures_of_corpus_rules_of_every_type_pass_check_strict(rule_repo, capsys):
    """Three rules of each language and type (EQL queries and sequences, KQL queries,
    thresholds, new_terms, indicator match, ES|QL): their drafted fixtures draw no finding."""
    if not CORPUS.is_dir():
        pytest.skip("../shared not present")
    for relative in _corpus_sample():
        target = rule_repo.root / "rules" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / relative, target)
    main(["fixtures", "generate", "rules"])
    capsys.readouterr()
    main(["check", "--strict", "--no-cache", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert [d for d in report["diagnostics"] if d["path"].startswith("tests/")] == []


def test_the_category_goes_in_the_rules_event_category_override(rule_repo, capsys):
    rule_repo.rule(
        "aws.toml",
        'info where event.action == "PutBucketLogging"',
        extra='event_category_override = "event.type"',
    )
    assert main(["fixtures", "generate", "rules/aws.toml"]) == 0
    [positive] = [
        c for c in cases(rule_repo.root / "tests/rules/aws.toml") if c["expect"] == "match"
    ]
    assert positive["events"][0]["event"]["type"] == "info"
    assert main(["test"]) == 0
    capsys.readouterr()


def test_an_indicator_match_rule_gets_a_source_event_and_its_indicator(rule_repo, capsys):
    shutil.copytree(REPOSITORY / "rules" / "threat_intel", rule_repo.root / "rules" / "ti")
    assert main(["fixtures", "generate", "rules/ti"]) == 0
    written = next((rule_repo.root / "tests" / "rules" / "ti").glob("*.toml"))
    source, indicator = next(c for c in cases(written) if c["expect"] == "match")["events"]
    wanted = indicator["threat"]["indicator"]["file"]["hash"]["sha256"]
    assert source["file"]["hash"]["sha256"] == wanted
    assert main(["test"]) == 0
    capsys.readouterr()


# ---------------------------------------------------------------- bounded and never crashing


@pytest.mark.parametrize("query", ["process:{ not (a and b) }", "not process:{ not x }"])
def test_nested_kql_negations_are_drafted_within_the_work_bound(rule_repo, query):
    """Negated free text in a nested query constrains every field under it; drafting stays
    within its trial budget and ends in seconds, with cases or a reason."""
    rule_repo.rule("k.toml", query, type="query", language="kuery")
    with deadline(60):
        draft = draft_fixture(load_rule(rule_repo.root / "rules/k.toml", "rules/k.toml").rule)
    assert draft.ok or "too complex" in (draft.problem or "")


@pytest.mark.parametrize(
    "query",
    [
        'process where event.action ("start", "exec")',
        'network where cidrMatch(source.ip, "10.0.0.0/33")',
        'process where process.name regex "(a"',
    ],
)
def test_a_query_that_cannot_run_is_reported_not_crashed_on(rule_repo, capsys, query):
    rule_repo.rule("r.toml", query)
    assert main(["fixtures", "generate", "rules/r.toml"]) == 1
    assert "not generated" in capsys.readouterr().out


def test_control_characters_in_generated_values_are_written_escaped(rule_repo):
    rule_repo.rule("r.toml", 'process where process.name == "a\\u{01}b\\u{7f}"')
    assert main(["fixtures", "generate", "rules/r.toml"]) == 0
    (positive, *_) = cases(rule_repo.root / "tests/rules/r.toml")
    assert positive["events"][0]["process"]["name"] == "a\x01b\x7f"


def test_one_failing_rule_does_not_stop_the_batch(rule_repo, capsys):
    rule_repo.rule("a.toml", 'process where process.name regex "(a"', name="A")
    other = "22222222-2222-4222-8222-222222222222"
    rule_repo.rule("b.toml", 'process where process.name == "b"', name="B", rule_id=other)
    main(["fixtures", "generate", "rules/a.toml", "rules/b.toml"])
    assert (rule_repo.root / "tests/rules/b.toml").exists()


def test_a_crash_drafting_one_rule_is_reported_and_the_batch_goes_on(
    rule_repo, capsys, monkeypatch
):
    original = generate.draft_fixture

    def crash_on_a(rule, ecs=None):
        if rule.name == "A":
            raise RuntimeError("boom")
        return original(rule, ecs)

    monkeypatch.setattr(generate, "draft_fixture", crash_on_a)
    rule_repo.rule("a.toml", 'process where process.name == "a"', name="A")
    other = "22222222-2222-4222-8222-222222222222"
    rule_repo.rule("b.toml", 'process where process.name == "b"', name="B", rule_id=other)
    assert main(["fixtures", "generate", "rules/a.toml", "rules/b.toml"]) == 2
    assert "ruleops crashed (RuntimeError: boom)" in capsys.readouterr().out
    assert (rule_repo.root / "tests/rules/b.toml").exists()


_THREAT_MATCH = """\
threat_index = ["logs-ti_*"]
threat_query = "threat.indicator.ip:*"
threat_mapping = [
  { entries = [{ field = "source.ip", type = "mapping", value = "threat.indicator.ip" }] },
]
"""
_PORT_THREAT_MATCH = """\
threat_index = ["logs-ti_*"]
threat_query = "threat.indicator.port:*"
threat_mapping = [
  { entries = [{ field = "destination.port", type = "mapping", value = "threat.indicator.port" }] },
]
"""
_PORT_CARDINALITY = (
    'threshold = { field = ["source.ip"], value = 1, '
    'cardinality = [{ field = "destination.port", value = 25 }] }'
)
_CATEGORY_CARDINALITY = (
    'threshold = { field = ["host.id"], value = 1, '
    'cardinality = [{ field = "event.category", value = 3 }] }'
)
_NEW_TERMS = """\
new_terms.field = "new_terms_fields"
new_terms.value = ["user.name"]
new_terms.history_window_start = [{ field = "history_window_start", value = "now-7d" }]
"""


@pytest.mark.parametrize(
    ("kind", "query", "language", "extra"),
    [
        (
            "threshold",
            "event.category:process and process.name:net.exe",
            "kuery",
            'threshold = { field = ["host.id"], value = 20 }',
        ),
        ("new_terms", "event.category:authentication and user.name:*", "kuery", _NEW_TERMS),
        ("threat_match", "event.category:network and source.ip:*", "kuery", _THREAT_MATCH),
        ("threat_match", "event.category:network", "kuery", _PORT_THREAT_MATCH),
        ("threshold", "event.category:network", "kuery", _PORT_CARDINALITY),
        ("threshold", "event.action:connection_attempted", "kuery", _CATEGORY_CARDINALITY),
        (
            "eql",
            "sequence by source.ip, source.port with maxspan=1m "
            "[network where destination.port == 1080] [network where destination.port == 22]",
            "eql",
            "",
        ),
    ],
)
def test_generated_fixtures_pass_check_strict_unchanged(
    rule_repo, capsys, kind, query, language, extra
):
    rule_repo.rule("r.toml", query, type=kind, language=language, extra=extra)
    assert main(["fixtures", "generate", "rules/r.toml"]) == 0
    capsys.readouterr()
    status = main(["check", "--strict", "--no-cache"])
    assert capsys.readouterr().out.endswith("0 errors, 0 warnings\n")
    assert status == 0


@pytest.mark.parametrize(
    "query",
    [
        'any where "a" % arrayContains(user.name, x) != process.command_line',
        'registry where event.type % event.type >= "*.ps1"',
    ],
)
def test_queries_the_long_fuzz_run_crashed_generation_on_are_drafted_or_explained(rule_repo, query):
    rule_repo.rule("r.toml", query)
    draft = draft_fixture(load_rule(rule_repo.root / "rules/r.toml", "rules/r.toml").rule)
    assert draft.ok or draft.problem
