"""Rule reference pages, the index by tactic and the ATT&CK Navigator layer."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ruleops.docs.page import PageOptions, render_page
from ruleops.loading import load_rule, rule_from_text
from tests.unprivileged import open_to_all, run_unprivileged

REPO = Path(__file__).resolve().parents[1]
SEED_PAGE = REPO.parent / "shared" / "seeds" / "000_b4f45f2a72346abb.txt"
SEED_RULE = REPO / "rules" / "windows" / "credential_access_moving_registry_hive_via_smb.toml"
CORPUS = REPO.parent / "shared" / "corpus" / "detection-rules" / "rules"

# The published site numbers its section anchors across all of its pages (`_rule_query_1592`);
# a build of our own numbers them across its own pages. Only the number may differ.
_ANCHOR_NUMBER = re.compile(r"\[(_[a-z_]+?)_\d+\]")


_SECTION_START = re.compile(
    r"^(# |## (Investigation guide|Setup|Rule query) \[|\*\*[A-Z][^*]*\*\*:)"
)


def _sections(page: str) -> list[tuple[str, list[str]]]:
    """The page cut before each field label and each of the page's own `##` sections."""
    sections: list[tuple[str, list[str]]] = [("(front matter)", [])]
    for line in _ANCHOR_NUMBER.sub(r"[\1_N]", page).rstrip("\n").splitlines():
        if _SECTION_START.match(line):
            sections.append((line.split(":")[0], []))
        sections[-1][1].append(line)
    return sections


@pytest.mark.skipif(not SEED_PAGE.exists(), reason="../shared/seeds is not beside this checkout")
def test_seed_rule_renders_the_published_page_section_by_section():
    rendered = render_page(load_rule(SEED_RULE).rule, PageOptions(release="1.0.2"))
    expected = SEED_PAGE.read_text()
    got_sections, want_sections = _sections(rendered), _sections(expected)
    assert [title for title, _ in got_sections] == [title for title, _ in want_sections]
    for (title, got), (_, want) in zip(got_sections, want_sections, strict=True):
        assert got == want, f"section {title!r} differs"


def _rule(**fields: str) -> str:
    lines = [f"{key} = {value}" for key, value in fields.items()]
    return (
        '[rule]\nname = "Demo rule"\ntype = "query"\nrisk_score = 21\nseverity = "low"\n'
        + "\n".join(lines)
        + "\n"
    )


def test_defaults_are_shown_when_the_rule_leaves_them_out():
    page = render_page(rule_from_text(_rule()).rule)
    assert "**Runs every**: 5m" in page
    assert "**Maximum alerts per execution**: 100" in page
    assert "**References**: None" in page


def test_set_values_replace_the_defaults():
    page = render_page(
        rule_from_text(_rule(interval='"10m"', max_signals="7", references='["https://x"]')).rule
    )
    assert "**Runs every**: 10m" in page
    assert "**Maximum alerts per execution**: 7" in page
    assert "**References**:\n\n* https://x\n" in page


def test_guide_headings_below_level_two_are_raised_one_level():
    note = '"""## Triage\\n\\n### Investigating X\\n\\n#### Steps\\n"""'
    page = render_page(rule_from_text(_rule(note=note)).rule)
    assert "\n## Triage\n" in page and "\n## Investigating X\n" in page and "\n### Steps\n" in page


def test_hard_wrapped_description_is_shown_as_one_paragraph():
    page = render_page(rule_from_text(_rule(description='"""\nfirst line\nsecond line\n"""')).rule)
    assert "\nfirst line second line\n" in page


def _docs(tmp_path: Path, *paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruleops", "docs", *map(str, paths), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_docs_command_writes_pages_index_and_navigator_layer(tmp_path: Path):
    result = _docs(tmp_path, REPO / "rules")
    assert result.returncode == 0, result.stderr
    pages = sorted(p.name for p in tmp_path.glob("prebuilt-rule-*.md"))
    assert len(pages) == len(list((REPO / "rules").rglob("*.toml")))
    index = (tmp_path / "index.md").read_text()
    assert "## Credential Access (TA0006)" in index
    assert "* [Windows Registry File Creation in SMB Share](" in index
    assert "| Credential Access | TA0006 |" in index


def test_navigator_layer_has_the_fields_the_navigator_needs(tmp_path: Path):
    _docs(tmp_path, REPO / "rules")
    layer = json.loads((tmp_path / "attack-navigator-layer.json").read_text())
    assert {"name", "versions", "domain", "techniques"} <= set(layer)
    assert layer["domain"] == "enterprise-attack"
    assert {"attack", "navigator", "layer"} <= set(layer["versions"])
    entry = next(t for t in layer["techniques"] if t["techniqueID"] == "T1003.002")
    assert entry["tactic"] == "credential-access" and entry["score"] == 1
    assert all({"techniqueID", "tactic", "score"} <= set(t) for t in layer["techniques"])


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside this checkout")
def test_the_whole_corpus_renders_without_error(tmp_path: Path):
    result = _docs(tmp_path, CORPUS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list(tmp_path.glob("prebuilt-rule-*.md"))) == 2064


def test_an_out_folder_that_cannot_be_made_is_reported(tmp_path: Path):
    (tmp_path / "a-file").write_text("")  # simulated: a file stands where a folder must be
    result = _docs(tmp_path / "a-file" / "pages", SEED_RULE)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot write to" in result.stderr


def test_an_out_folder_without_write_permission_is_reported(shared_folder: Path):
    rule = shared_folder / "rule.toml"
    rule.write_bytes(SEED_RULE.read_bytes())
    open_to_all(rule)
    (shared_folder / "pages").mkdir(mode=0o555)
    done = run_unprivileged(["docs", "rule.toml", "--out", "pages"], shared_folder)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot write to pages" in done.stderr
