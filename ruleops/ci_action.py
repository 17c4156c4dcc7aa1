"""The GitHub Action's check step (action.yml): `python -m ruleops.ci_action`.

It reads the action's inputs and the event from the environment the runner gives a step
(`INPUT_*` as action.yml sets them, `GITHUB_EVENT_NAME`, `GITHUB_BASE_REF`,
`GITHUB_EVENT_PATH`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH`, `RUNNER_TEMP`), runs
`ruleops check --format github` (annotations on stdout, the job summary) with `--sarif` and,
on a pull request, `--changed-since origin/<base branch>`, and exits with its status. Its
step outputs tell action.yml whether to upload the SARIF report to code scanning.

Everything here is plain environment in, files and exit status out, so tests run it on a
real git repository exactly as the runner does.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

EXIT_USAGE = 2


@dataclass(frozen=True)
class Plan:
    """What the step runs, worked out from the environment before anything runs."""

    argv: tuple[str, ...]  # the arguments of `ruleops`
    paths: tuple[str, ...]
    base: str | None  # the ref compared with, if only changed rules are checked
    sarif: Path | None
    upload: bool  # upload the SARIF report, if it is written
    why_not_uploaded: str = ""


def plan(env: Mapping[str, str]) -> Plan:
    try:
        extra = shlex.split(env.get("INPUT_ARGS", ""))
        paths = shlex.split(env.get("INPUT_PATHS", ""))
    except ValueError as error:  # an unbalanced quote
        raise InputError(f"the args or paths input does not parse: {error}") from None
    base = env.get("INPUT_BASE_REF", "").strip() or _pull_request_base(env)
    sarif = env.get("INPUT_SARIF_FILE", "").strip()
    argv = ["check", "--format", "github"]
    if sarif:
        argv += ["--sarif", sarif]
    if base:
        argv += ["--changed-since", base]
    argv += extra
    if paths:
        argv += ["--", *paths]
    upload, why_not = _upload(env, bool(sarif))
    return Plan(tuple(argv), tuple(paths), base, Path(sarif) if sarif else None, upload, why_not)


class InputError(Exception):
    """An input of the action that cannot be used as given."""


def _pull_request_base(env: Mapping[str, str]) -> str | None:
    # GITHUB_BASE_REF is set on pull_request and pull_request_target events only.
    branch = env.get("GITHUB_BASE_REF", "").strip()
    return f"origin/{branch}" if branch else None


def _upload(env: Mapping[str, str], sarif: bool) -> tuple[bool, str]:
    wanted = env.get("INPUT_UPLOAD_SARIF", "true").strip().lower()
    if wanted not in ("true", "false"):
        raise InputError(f"upload-sarif must be true or false, not {wanted!r}")
    if wanted == "false" or not sarif:
        return False, ""
    if _from_a_fork(env):
        return False, (
            "the SARIF report is not uploaded: a pull request from a fork gets a read-only "
            "token, so code scanning refuses it; the annotations and the job summary have "
            "every finding"
        )
    return True, ""


def _from_a_fork(env: Mapping[str, str]) -> bool:
    if not env.get("GITHUB_BASE_REF") or not env.get("GITHUB_EVENT_PATH"):
        return False
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        head = event["pull_request"]["head"]["repo"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    # A deleted fork leaves head.repo null.
    return head is None or head.get("full_name") != env.get("GITHUB_REPOSITORY")


def run(env: Mapping[str, str]) -> int:
    try:
        steps = plan(env)
    except InputError as error:
        _fail(env, str(error))
        _outputs(env, {"exit-code": str(EXIT_USAGE), "sarif-file": "", "upload-sarif": "false"})
        return EXIT_USAGE
    _put_on_path(env)
    if steps.sarif is not None:
        # Only the report this run writes may be uploaded, never one left by an earlier step.
        steps.sarif.unlink(missing_ok=True)
    print(f"ruleops {shlex.join(steps.argv)}", flush=True)
    # Annotations go straight to the log; a message on stderr (a bad ref, a bad configuration)
    # also becomes an error annotation and a line of the summary.
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", *steps.argv],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    sys.stderr.write(done.stderr)
    if done.returncode == EXIT_USAGE and done.stderr.strip():
        lines = done.stderr.strip().splitlines()
        _fail(env, "\n".join(line.removeprefix("ruleops: ") for line in lines))
    else:
        # Exit code 2 without a message is a check that crashed: RO003 is among the findings.
        _summary(env, _scope(steps))
    written = steps.sarif is not None and steps.sarif.is_file()
    if written and steps.why_not_uploaded:
        print(f"::notice title=ruleops::{_escape(steps.why_not_uploaded)}")
    _outputs(
        env,
        {
            "exit-code": str(done.returncode),
            "sarif-file": str(steps.sarif) if written else "",
            "upload-sarif": "true" if written and steps.upload else "false",
        },
    )
    return done.returncode


def _scope(steps: Plan) -> str:
    where = " ".join(f"`{p}`" for p in steps.paths) or "`rule_paths`"
    if steps.base:
        return (
            f"\nChecked the rules under {where} changed since the merge base of "
            f"`{steps.base}` and this commit, and the rules whose fixtures changed.\n"
        )
    return f"\nChecked every rule under {where}.\n"


def _fail(env: Mapping[str, str], message: str) -> None:
    print(f"::error title=ruleops could not run::{_escape(message)}")
    _summary(env, f"## ruleops\n\nruleops could not run:\n\n```\n{message}\n```\n")


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _summary(env: Mapping[str, str], markdown: str) -> None:
    _append(env.get("GITHUB_STEP_SUMMARY"), markdown)


def _outputs(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    _append(env.get("GITHUB_OUTPUT"), "".join(f"{k}={v}\n" for k, v in values.items()))


def _put_on_path(env: Mapping[str, str]) -> None:
    """Later steps of the job can run `ruleops` (e.g. `ruleops fmt --check`): a folder holding
    only the `ruleops` command goes on PATH, so the job's own `python` stays first."""
    temp = env.get("RUNNER_TEMP")
    if not temp or not env.get("GITHUB_PATH"):
        return
    command = Path(sys.executable).with_name("ruleops")
    if not command.is_file():
        return
    folder = Path(temp) / "ruleops-bin"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "ruleops"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(command)
    _append(env["GITHUB_PATH"], f"{folder}\n")


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)


def main() -> int:
    return run(os.environ)


if __name__ == "__main__":
    raise SystemExit(main())
