"""The GitHub Action (action.yml), run locally the way the runner runs it.

A rules repository is built with git: a base branch, a pull request that breaks one rule and
adds another, and a base that moved on meanwhile (with an error of its own the pull request
does not touch). The workspace is what actions/checkout gives a pull_request event: the
head merged into the base, `origin/<base>` fetched. action.yml's steps then run with the
environment of a pull_request event (tests/action_runner.py): the install step once per
module, from a copy of this checkout as the runner downloads the action.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from ruleops.ci_action import run
from tests.action_runner import Run, load_action
from tests.git_helpers import commit, copy_checkout, git, make_repo, rule_text
from tests.report_helpers import sarif_errors, sarif_schema

SCHEMAS = Path(__file__).resolve().parent / "data" / "schemastore"
REPOSITORY = "octo/detection-rules"
STEPS = load_action()["runs"]["steps"]
# Setting up Python and installing ruleops come before the step `check`.
FIRST_CHECK_STEP = next(i for i, step in enumerate(STEPS) if step.get("id") == "check")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory) -> Path:
    """RUNNER_TEMP after the action's first steps: ruleops installed from the action's copy."""
    action = copy_checkout(
        tmp_path_factory.mktemp("action"),
        *("action.yml", "ruleops", "schemas", "pyproject.toml", "README.md"),
    )
    temp = tmp_path_factory.mktemp("runner-temp")
    env = {**_runner_env(temp), "GITHUB_ACTION_PATH": str(action)}
    run = Run(tmp_path_factory.mktemp("workspace"), env, {})
    for index, step in enumerate(STEPS[:FIRST_CHECK_STEP]):
        run.step(index, step)
    assert not run.failed, run.logs
    return temp


def _runner_env(temp: Path) -> dict[str, str]:
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(temp),
        "GITHUB_REPOSITORY": REPOSITORY,
    }


def _pull_request(tmp_path: Path, change: str = "break a, add d") -> Path:
    upstream = make_repo(tmp_path / "upstream")
    git(upstream, "checkout", "-q", "-b", "feature")
    rules = upstream / "rules"
    if "break a" in change:
        a = rules / "a.toml"
        a.write_text(a.read_text().replace('severity = "low"', 'severity = "urgent"'))
    (rules / "d.toml").write_text(rule_text("Rule d"))
    commit(upstream, change)
    git(upstream, "checkout", "-q", "main")
    (rules / "c.toml").write_text('[rule]\nname = "broken on main\n')
    commit(upstream, "main moves on with an error of its own")
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", str(upstream), str(workspace))
    # actions/checkout on a pull_request checks out refs/pull/N/merge: the head merged into
    # the base as it is now.
    git(workspace, "checkout", "-q", "--detach", "origin/main")
    git(workspace, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "origin/feature")
    return workspace


def _event(tmp_path: Path, head_repository: str | None = REPOSITORY) -> dict[str, str]:
    head = {"full_name": head_repository} if head_repository else None
    payload = {
        "pull_request": {
            "number": 1,
            "base": {"ref": "main", "repo": {"full_name": REPOSITORY}},
            "head": {"ref": "feature", "repo": head},
        }
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "feature",
        "GITHUB_REF": "refs/pull/1/merge",
    }


def _run(workspace: Path, runner_temp: Path, event: dict[str, str], **inputs: str) -> Run:
    """The action's check steps in `workspace`, with a fresh step summary and GITHUB_PATH."""
    env = {
        **_runner_env(runner_temp),
        **event,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(workspace.parent / "step-summary.md"),
        "GITHUB_PATH": str(workspace.parent / "github-path"),
    }
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_PATH"):
        Path(env[name]).write_text("")
    run = Run(workspace, env, inputs)
    for index, step in enumerate(STEPS):
        if index >= FIRST_CHECK_STEP:
            run.step(index, step)
    return run


def _summary(run: Run) -> str:
    return Path(run.env["GITHUB_STEP_SUMMARY"]).read_text()


@pytest.fixture(scope="module")
def pull_request_run(tmp_path_factory, runner_temp) -> Run:
    root = tmp_path_factory.mktemp("pull-request")
    return _run(_pull_request(root), runner_temp, _event(root))


def test_the_action_installs_ruleops_from_its_own_checkout(runner_temp):
    python = runner_temp / "ruleops" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", "import ruleops; print(ruleops.__file__)"],
        cwd=runner_temp,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(runner_temp / "ruleops")


def test_a_pull_request_is_annotated_on_the_rules_it_changes_only(pull_request_run):
    log = pull_request_run.logs["check"]
    annotations = re.findall(r"^::error file=([^,]+),line=(\d+).*?title=(RO\d+)", log, re.M)
    assert annotations == [("rules/a.toml", "30", "RO103")]
    assert "ruleops check --format github --sarif ruleops.sarif --changed-since origin/main" in log


def test_errors_fail_the_check_step_and_the_sarif_is_still_uploaded(pull_request_run):
    assert pull_request_run.exit_codes == {"check": 1}
    assert pull_request_run.outputs() == {"exit-code": "1", "sarif-file": "ruleops.sarif"}
    assert pull_request_run.uses["github/codeql-action/upload-sarif@v4"] == {
        "sarif_file": "ruleops.sarif",
        "category": "ruleops",
    }


def test_the_sarif_report_is_valid_sarif_2_1_0_with_the_pull_requests_findings(
    pull_request_run,
):
    document = json.loads((pull_request_run.workspace / "ruleops.sarif").read_text())
    assert sarif_errors(document, sarif_schema()) == []
    (result,) = document["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert (result["ruleId"], location["artifactLocation"]["uri"]) == ("RO103", "rules/a.toml")


def test_the_job_summary_lists_the_findings_and_what_was_checked(pull_request_run):
    summary = _summary(pull_request_run)
    assert summary.startswith("## ruleops\n")
    assert "2 files checked: 1 error," in summary
    assert "| error | `rules/a.toml:30:" in summary and "c.toml" not in summary
    assert "changed since the merge base of `origin/main`" in summary


def test_later_steps_of_the_job_can_run_ruleops(pull_request_run):
    (folder,) = Path(pull_request_run.env["GITHUB_PATH"]).read_text().splitlines()
    assert sorted(p.name for p in Path(folder).iterdir()) == ["ruleops"]
    done = subprocess.run(
        [str(Path(folder) / "ruleops"), "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("ruleops ")


def test_a_clean_pull_request_passes(tmp_path, runner_temp):
    run = _run(_pull_request(tmp_path, "add d"), runner_temp, _event(tmp_path))
    assert run.exit_codes == {"check": 0}, run.logs
    assert "1 file checked: 0 errors" in _summary(run)


def test_a_pull_request_from_a_fork_is_checked_but_its_sarif_is_not_uploaded(tmp_path, runner_temp):
    run = _run(_pull_request(tmp_path), runner_temp, _event(tmp_path, "someone/fork"))
    assert run.exit_codes == {"check": 1}
    assert "::notice title=ruleops::the SARIF report is not uploaded" in run.logs["check"]
    assert run.skipped == ["Upload SARIF to code scanning"]


def test_a_push_checks_every_rule(tmp_path, runner_temp):
    workspace = _pull_request(tmp_path)
    run = _run(
        workspace, runner_temp, {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}
    )
    assert "--changed-since" not in run.logs["check"]
    assert "file=rules/c.toml" in run.logs["check"]
    assert "Checked every rule under `rule_paths`" in _summary(run)


def test_inputs_choose_paths_extra_arguments_and_no_sarif(tmp_path, runner_temp):
    workspace = _pull_request(tmp_path, "add d")
    inputs = {"paths": "rules/d.toml", "args": "--strict", "sarif-file": ""}
    run = _run(workspace, runner_temp, _event(tmp_path), **inputs)
    assert (
        "ruleops check --format github --changed-since origin/main --strict -- rules/d.toml"
        in (run.logs["check"])
    )
    assert run.outputs()["sarif-file"] == "" and not (workspace / "ruleops.sarif").exists()
    assert run.skipped == ["Upload SARIF to code scanning"]


def test_a_base_ref_missing_from_the_clone_fails_with_an_annotation_saying_what_to_fetch(
    tmp_path, runner_temp
):
    workspace = _pull_request(tmp_path)
    run = _run(workspace, runner_temp, _event(tmp_path), **{"base-ref": "origin/release"})
    assert run.exit_codes == {"check": 2}
    assert (
        "::error title=ruleops could not run::unknown git ref 'origin/release'"
        in (run.logs["check"])
    )
    assert "fetch-depth: 0" in _summary(run)
    assert run.skipped == ["Upload SARIF to code scanning"]


def test_action_yml_is_valid_action_metadata():
    schema = json.loads((SCHEMAS / "github-action.json").read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(load_action()))
    assert errors == [], [e.message for e in errors]


def test_action_steps_take_inputs_through_env_never_inside_a_script():
    """`${{ }}` inside `run:` is pasted into the script before bash reads it (an input holding
    `"; rm -rf ~` would run); values reach scripts as environment variables instead."""
    for step in STEPS:
        assert "${{" not in step.get("run", "")


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"INPUT_ARGS": '--strict "unclosed'}, "the args or paths input does not parse"),
        ({"INPUT_UPLOAD_SARIF": "yes"}, "upload-sarif must be true or false, not 'yes'"),
    ],
)
def test_an_input_that_cannot_be_used_fails_before_ruleops_runs(tmp_path, capsys, inputs, message):
    env = {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum")}
    assert run({**env, **inputs}) == 2
    assert f"::error title=ruleops could not run::{message}" in capsys.readouterr().out
    assert "exit-code=2\n" in (tmp_path / "out").read_text()
    assert message in (tmp_path / "sum").read_text()
