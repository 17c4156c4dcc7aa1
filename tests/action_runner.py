"""Runs the steps of action.yml the way the GitHub runner does, on this machine.

`run:` steps run under `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`)
with their `env:` resolved, in the workspace, each with its own GITHUB_OUTPUT file; their
outputs become `steps.<id>.outputs.*`. `uses:` steps are other actions and cannot run here:
`actions/setup-python` stands for this interpreter (its `python-path` output), every other
one is recorded with its resolved `with:` so a test can see what it would have been given.
Expressions are only the ones action.yml uses (`inputs.*`, `steps.*.outputs.*`, `!cancelled()`,
`==` and `&&`); anything else fails the test, so the action cannot drift from what is tested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACTION_YML = Path(__file__).resolve().parents[1] / "action.yml"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_REFERENCE = re.compile(r"(inputs|steps)\.[\w.-]+")


def load_action() -> dict[str, Any]:
    return yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))


@dataclass
class Run:
    """One use of the action in a job: its context, and what each step did."""

    workspace: Path
    env: dict[str, str]  # what the runner gives every step: GITHUB_*, RUNNER_TEMP
    inputs: dict[str, str]
    context: dict[str, str] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    uses: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in load_action()["inputs"].items():
            value = self.inputs.get(name, spec.get("default", ""))
            self.context[f"inputs.{name}"] = str(value)

    def resolve(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self._reference(m.group(1)), str(text))

    def _reference(self, name: str) -> str:
        if not _REFERENCE.fullmatch(name):
            raise AssertionError(f"the test runner does not understand ${{{{ {name} }}}}")
        return self.context.get(name, "")

    def condition(self, text: str | None) -> bool:
        if text is None:
            return not self.exit_codes or all(c == 0 for c in self.exit_codes.values())
        body = _EXPRESSION.fullmatch(text.strip())
        terms = (body.group(1) if body else text).split("&&")
        return all(self._term(term.strip()) for term in terms)

    def _term(self, term: str) -> bool:
        if term == "!cancelled()":
            return True
        left, equals, right = term.partition(" == ")
        if equals and _REFERENCE.fullmatch(left) and re.fullmatch(r"'[^']*'", right):
            return self.context.get(left, "") == right[1:-1]
        raise AssertionError(f"the test runner does not understand the condition {term!r}")

    def step(self, index: int, step: dict[str, Any]) -> None:
        name = step.get("id") or step.get("name") or str(index)
        if not self.condition(step.get("if")):
            self.skipped.append(name)
            return
        if "uses" in step:
            given = {k: self.resolve(v) for k, v in (step.get("with") or {}).items()}
            self.uses[step["uses"]] = given
            if step["uses"].startswith("actions/setup-python@"):
                self._outputs(step, {"python-path": sys.executable})
            return
        assert step.get("shell") == "bash", f"step {name} must say shell: bash"
        outputs = Path(self.env["RUNNER_TEMP"]) / f"output-{index}"
        outputs.write_text("")
        script = Path(self.env["RUNNER_TEMP"]) / f"step-{index}.sh"
        script.write_text(step["run"])
        env = {
            **os.environ,
            **self.env,
            **{k: self.resolve(v) for k, v in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(outputs),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        self.exit_codes[name] = done.returncode
        self.logs[name] = done.stdout + done.stderr
        self._outputs(step, _read_outputs(outputs))

    def _outputs(self, step: dict[str, Any], values: dict[str, str]) -> None:
        if "id" in step:
            for key, value in values.items():
                self.context[f"steps.{step['id']}.outputs.{key}"] = value

    def outputs(self) -> dict[str, str]:
        """The action's own outputs, as the workflow would see them."""
        spec = load_action().get("outputs", {})
        return {name: self.resolve(entry["value"]) for name, entry in spec.items()}

    @property
    def failed(self) -> bool:
        return any(code != 0 for code in self.exit_codes.values())


def _read_outputs(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, equals, value = line.partition("=")
        assert equals, f"a GITHUB_OUTPUT line that is not key=value: {line!r}"
        values[key] = value
    return values
