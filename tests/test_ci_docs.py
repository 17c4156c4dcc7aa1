"""docs/ci.md and the workflows: valid for GitHub, and saying what the action really takes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from ruleops import __version__
from tests.action_runner import load_action

REPO = Path(__file__).resolve().parents[1]
DOCS = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
SCHEMAS = Path(__file__).resolve().parent / "data" / "schemastore"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"(?ms)^```yaml\n(.*?)^```", markdown)


def _workflow(text: str) -> dict:
    document = yaml.safe_load(text)
    if True in document:  # YAML 1.1 reads the key `on` as true
        document["on"] = document.pop(True)
    return document


DOC_WORKFLOWS = [b for b in _yaml_blocks(DOCS) if re.search(r"(?m)^jobs:", b)]
WORKFLOW_CASES = [pytest.param(p.read_text(encoding="utf-8"), id=p.name) for p in WORKFLOWS] + [
    pytest.param(text, id=f"docs/ci.md workflow {i}") for i, text in enumerate(DOC_WORKFLOWS, 1)
]


@pytest.fixture(scope="module")
def workflow_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / "github-workflow.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("text", WORKFLOW_CASES)
def test_workflow_is_valid_for_github(text, workflow_validator):
    errors = [e.message for e in workflow_validator.iter_errors(_workflow(text))]
    assert errors == []


def test_docs_show_a_workflow_with_the_action_at_the_current_major():
    major = __version__.split(".")[0]
    first = _workflow(DOC_WORKFLOWS[0])
    (job,) = first["jobs"].values()
    assert [s["uses"] for s in job["steps"]] == ["actions/checkout@v6", f"ruleops/ruleops@v{major}"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert first["permissions"] == {"contents": "read", "security-events": "write"}


def test_repository_workflow_runs_the_action_from_its_checkout():
    workflow = _workflow((REPO / ".github" / "workflows" / "ruleops.yml").read_text())
    steps = workflow["jobs"]["rules"]["steps"]
    assert "./" in [s.get("uses") for s in steps]
    assert "pull_request" in workflow["on"]


@pytest.mark.parametrize("kind", ["inputs", "outputs"])
def test_docs_describe_every_input_and_output_of_the_action(kind):
    documented = set(re.findall(r"(?m)^\| `([\w-]+)` \|", DOCS))
    assert set(load_action()[kind]) <= documented


def test_pre_commit_configuration_in_the_docs_is_valid(tmp_path):
    (block,) = [b for b in _yaml_blocks(DOCS) if b.startswith("repos:")]
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(block)
    done = subprocess.run(
        [Path(sys.executable).parent / "pre-commit", "validate-config", config],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
