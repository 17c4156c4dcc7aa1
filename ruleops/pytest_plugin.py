"""pytest plugin: rule fixture files are collected as tests, one item per case.

Installed through the `pytest11` entry point, so `pytest` in a rule repository runs every
fixture under `[tool.ruleops] fixture_paths`, and rule authors get pytest's selection
(`-k "Services Registry and ImagePath"`), `-x`, `--lf` and its reports (junit-xml…).
Node ids read `tests/rules/a/b.toml::<rule name>::<case name>`.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ruleops.config import ConfigError, load_config
from ruleops.diagnostics import Severity
from ruleops.ecs import ecs_for
from ruleops.fixtures.discover import is_fixture_path
from ruleops.fixtures.languages import NotRunnable, compile_rule
from ruleops.fixtures.load import load_fixture, looks_like_fixture
from ruleops.fixtures.runner import run_case, type_diagnostics, unread_diagnostics
from ruleops.fixtures.suite import find_rule
from ruleops.loading import parse_toml, read_text

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.fixtures.model import Case, CaseResult, Fixture
    from ruleops.loading import Rule


class RuleopsFixtureWarning(UserWarning):
    """A fixture finding that does not fail its case: a field the query never reads
    (RO506), a categorisation value ECS does not allow (RO510)."""


class CaseFailed(Exception):
    """A case did not give the outcome it expects; carries the explanation."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@cache
def _config(root: str) -> Config | None:
    try:
        return load_config(start=Path(root))
    except ConfigError as error:
        # Said once per session root, rather than fixtures silently not being collected.
        warnings.warn(
            pytest.PytestConfigWarning(f"ruleops: {error}; rule fixtures are not collected"),
            stacklevel=1,
        )
        return None


@cache
def _ecs(root: str):
    """ECS plus the repository's own field definitions, once per session root."""
    config = _config(root)
    return ecs_for(config) if config is not None else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if file_path.suffix != ".toml":
        return None
    config = _config(str(parent.config.rootpath))
    if config is None:
        return None

    if not is_fixture_path(file_path, config):
        return None
    if not _looks_like_fixture(file_path):
        return None
    return FixtureFile.from_parent(parent, path=file_path)


def _looks_like_fixture(path: Path) -> bool:
    """A top-level rule_id and [[case]] tables; a file that does not parse counts, so that
    its syntax error is reported rather than the file silently skipped."""
    text, _ = read_text(path, str(path))
    if text is None:
        return False
    data, _ = parse_toml(text, str(path))
    if data is None:
        return "rule_id" in text and "[[case]]" in text
    return looks_like_fixture(data)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


class _ExplainedFailure(pytest.Item):
    """An item whose failure is a CaseFailed shows its text, without a traceback."""

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            return excinfo.value.text
        return super().repr_failure(excinfo, style=style)


class FixtureFile(pytest.File):
    def collect(self):
        config = _config(str(self.config.rootpath))
        loaded = load_fixture(self.path, _display(self.path, self.config.rootpath))
        if loaded.fixture is None:
            yield BrokenFixture.from_parent(self, name="fixture file", problems=loaded.diagnostics)
            return
        fixture = loaded.fixture
        rule = _rule_of(fixture, config, self.path)
        if rule is None:
            problem = (
                f"{fixture.path}:{fixture.locate('rule_id').line}: RO503 no rule under "
                f"rule_paths {list(config.rule_paths)} has rule_id {fixture.rule_id!r}"
            )
            yield BrokenFixture.from_parent(self, name=fixture.rule_id, text=problem)
            return
        yield RuleNode.from_parent(
            self, name=rule.name or fixture.rule_id, fixture=fixture, rule=rule
        )


def _rule_of(fixture: Fixture, config: Config, path: Path) -> Rule | None:
    return find_rule(fixture, config, path=path)


class RuleNode(pytest.Collector):
    def __init__(self, *, fixture: Fixture, rule: Rule, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixture = fixture
        self.rule = rule

    def collect(self):
        for case in self.fixture.cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseItem(_ExplainedFailure):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.add_marker(pytest.mark.ruleops_fixture)

    @property
    def fixture(self) -> Fixture:
        return self._node.fixture

    @property
    def rule(self) -> Rule:
        return self._node.rule

    @property
    def _node(self) -> RuleNode:
        assert isinstance(self.parent, RuleNode)  # cases are collected by their rule's node
        return self.parent

    def runtest(self) -> None:
        only = (self.case,)
        ecs = _ecs(str(self.config.rootpath))
        found = list(type_diagnostics(self.fixture, ecs, cases=only))
        errors = [d for d in found if d.severity >= Severity.ERROR]
        if errors:
            raise CaseFailed("\n".join(_line(d) for d in errors))
        for d in found:
            self._warn(d)
        try:
            program = compile_rule(self.rule)
        except NotRunnable as error:
            if error.unsupported:
                pytest.skip(f"{error.message} ({self.rule.path})")
            raise CaseFailed(f"cannot run against {self.rule.path}: {error.message}") from None
        for d in unread_diagnostics(self.fixture, self.rule, program, cases=only, ecs=ecs):
            self._warn(d)
        result: CaseResult = run_case(self.fixture, self.rule, program, self.case)
        if not result.passed:
            raise CaseFailed(
                f"{result.path}:{result.line}: case {result.case!r} of rule {result.rule!r} "
                f"{result.failure} ({self.rule.path}):\n{result.explanation}"
            )

    def _warn(self, d) -> None:
        # Attributed to the fixture's line, not to this plugin's source.
        warnings.warn_explicit(
            RuleopsFixtureWarning(_finding(d)),
            RuleopsFixtureWarning,
            str(self.path),
            d.line,
        )

    def reportinfo(self):
        line = self.fixture.case_line(self.case)
        return self.path, line - 1, f"{self.parent.name}::{self.case.name}"


def _finding(d) -> str:
    return f"{d.code} {d.message}" + (f" ({d.hint})" if d.hint else "")


def _line(d) -> str:
    return f"{d.path}:{d.line}:{d.column}: {_finding(d)}"


class BrokenFixture(_ExplainedFailure):
    """Stands for a fixture file that cannot be run, so its problem fails the run visibly."""

    def __init__(self, *, problems=(), text: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text or "\n".join(_line(d) for d in problems)

    def runtest(self) -> None:
        raise CaseFailed(self.text)

    def reportinfo(self):
        return self.path, 0, self.name


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ruleops_fixture: a case of a ruleops rule fixture file")
