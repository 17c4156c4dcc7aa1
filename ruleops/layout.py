"""detection-rules' own repository configuration, read so that a fork needs no `[tool.ruleops]`.

detection-rules (`detection_rules/config.py`, `parse_rules_config`; `custom-rules setup-config`
in `detection_rules/custom_rules.py` writes the file) keeps its layout in `_config.yaml`: in
the folder named by the `CUSTOM_RULES_DIR` environment variable, at the root of a custom
rules folder, or in `detection_rules/etc/` of a fork. Paths in it are relative to the file:

```yaml
rule_dirs: [rules]                       # the rule folders
bbr_rules_dirs: [rules_building_block]   # building block rules
directories:                             # files that are not rules
  exception_dir: exceptions
  action_dir: actions
  action_connector_dir: action_connectors
testing:
  config: etc/test_config.yaml           # unit tests switched off (below)
bypass_tags_validation: true             # and the other bypass_* switches
```

Each bypass switch turns off the ruleops codes that check what it turns off in detection-rules
(`data/detection_rules_tests.json`, `bypasses`).

Its test configuration (`unit_tests.bypass`, or `unit_tests.test_only` for the only tests to
run; names or `pattern:` globs) switches detection-rules' unit tests off; the ruleops codes
that check the same things are switched off with them (`data/detection_rules_tests.json`).
A rule's own `metadata.query_schema_validation = false` spares its query the checks against
a schema (`without_schema_validation`), as it does in detection-rules' query validators.
Its `rule_validation.bypass` lists rule ids whose query, note and building-block timing
detection-rules does not validate (`rule_validation.test_only`: the only ones it validates;
`TestConfig.check_skip_by_rule_id` in detection_rules/config.py); ruleops drops the findings
of the same checks on those rules (`RuleValidation`). The `DETECTION_RULES_TEST_CONFIG`
environment variable names another test configuration, as it does for detection-rules.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruleops.diagnostics import Diagnostic
from ruleops.loading import Rule

CONFIG_NAME = "_config.yaml"
_DATA = Path(__file__).resolve().parent / "data" / "detection_rules_tests.json"


class LayoutError(Exception):
    """`_config.yaml` or its test configuration cannot be read."""


@dataclass(frozen=True)
class RuleValidation:
    """The test configuration's `rule_validation`: the rules detection-rules does not validate."""

    bypass: frozenset[str] = frozenset()
    test_only: frozenset[str] = frozenset()

    def skips(self, rule_id: str | None) -> bool:
        """Whether detection-rules skips the rule's validation (`check_skip_by_rule_id`: an
        empty `test_only` skips nothing)."""
        if rule_id is None:
            return False
        return rule_id in self.bypass or bool(self.test_only and rule_id not in self.test_only)


@dataclass(frozen=True)
class Layout:
    source: Path
    rule_dirs: tuple[Path, ...]
    other_dirs: tuple[Path, ...]  # exceptions, actions, action connectors
    ignore: frozenset[str]  # codes its bypass switches and test configuration turn off
    rule_validation: RuleValidation | None = None


def find_layout(root: Path) -> Layout | None:
    """The detection-rules layout of the repository at `root`, if it has one."""
    custom = os.environ.get("CUSTOM_RULES_DIR")
    candidates = [Path(custom) / CONFIG_NAME] if custom else []
    candidates += [root / CONFIG_NAME, root / "detection_rules" / "etc" / CONFIG_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return read_layout(candidate)
    return None


def read_layout(path: Path) -> Layout:
    loaded = _yaml(path)
    if not isinstance(loaded, dict):
        raise LayoutError(f"{path}: not a detection-rules configuration (a YAML mapping)")
    base = path.parent

    def folders(value: Any, key: str) -> tuple[Path, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LayoutError(f"{path}: {key} must be a list of folders")
        return tuple((base / v).resolve() for v in value)

    directories = loaded.get("directories") or {}
    if not isinstance(directories, dict):
        raise LayoutError(f"{path}: directories must be a mapping")
    others = tuple(
        (base / value).resolve()
        for key in ("exception_dir", "action_dir", "action_connector_dir")
        if isinstance(value := directories.get(key), str)
    )
    ignore: set[str] = set()
    every = loaded.get("bypass_optional_elastic_validation") is True
    for switch, codes in bypasses().items():
        if every or loaded.get(switch) is True:
            ignore.update(codes)
    test_config = _test_config(base, loaded)
    ignore.update(_test_config_codes(test_config))
    return Layout(
        source=path,
        rule_dirs=folders(loaded.get("rule_dirs"), "rule_dirs")
        + folders(loaded.get("bbr_rules_dirs"), "bbr_rules_dirs"),
        other_dirs=others,
        ignore=frozenset(ignore),
        rule_validation=_rule_validation(test_config),
    )


def _test_config(base: Path, loaded: dict[str, Any]) -> Any:
    """The test configuration the layout (or DETECTION_RULES_TEST_CONFIG) names, or None."""
    named = os.environ.get("DETECTION_RULES_TEST_CONFIG")
    testing = loaded.get("testing")
    if not named and isinstance(testing, dict) and isinstance(testing.get("config"), str):
        named = str(base / testing["config"])
    return _yaml(Path(named)) if named else None


def _rule_validation(config: Any) -> RuleValidation | None:
    section = config.get("rule_validation") if isinstance(config, dict) else None
    if not isinstance(section, dict):
        return None

    def ids(key: str) -> frozenset[str]:
        value = section.get(key)
        return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()

    found = RuleValidation(ids("bypass"), ids("test_only"))
    return found if found.bypass or found.test_only else None


def _test_config_codes(config: Any) -> set[str]:
    units = config.get("unit_tests") if isinstance(config, dict) else None
    if not isinstance(units, dict):
        return set()
    tests = known_tests()
    # detection-rules reads a key left empty as an empty list (parse_rules_config), and a
    # `test_only` list, even an empty one, runs only the tests it names.
    bypass, only = units.get("bypass") or [], units.get("test_only")
    if "test_only" in units and only is None:
        only = []
    if isinstance(only, list):
        kept = _matching(only, tests)
        switched_off = [name for name in tests if name not in kept]
    else:
        switched_off = sorted(_matching(bypass if isinstance(bypass, list) else [], tests))
    return {code for name in switched_off for code in tests[name]}


def _matching(names: list[Any], tests: dict[str, list[str]]) -> set[str]:
    """The known tests that `names` (full names or `pattern:` globs) name."""
    found: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        if name.startswith("pattern:"):
            found.update(fnmatch.filter(tests, name.removeprefix("pattern:")))
        elif name in tests:
            found.add(name)
    return found


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


def known_tests() -> dict[str, list[str]]:
    """detection-rules' unit tests that ruleops checks too, with the codes that do."""
    tests: dict[str, list[str]] = _data()["tests"]
    return tests


def query_validation_codes() -> frozenset[str]:
    """The codes of the checks of a query against a schema, which detection-rules skips on
    a rule whose `metadata.query_schema_validation` is false."""
    return frozenset(_data()["query_validation"]["codes"])


def bypasses() -> dict[str, list[str]]:
    """`_config.yaml`'s bypass switches, each with the codes it switches off."""
    switches: dict[str, list[str]] = _data()["bypasses"]["switches"]
    return switches


def rule_validation_codes() -> frozenset[str]:
    """The codes of the checks detection-rules skips on a rule its `rule_validation` skips."""
    return query_validation_codes() | frozenset(_data()["rule_validation"]["codes"])


def without_schema_validation(found: list[Diagnostic], rule: Rule) -> list[Diagnostic]:
    """`found` (one rule's findings) without those of its query against a schema when the
    rule turns that validation off (`metadata.query_schema_validation = false`), as
    detection-rules' query validators do."""
    if rule.boolean("metadata.query_schema_validation") is not False:
        return found
    codes = query_validation_codes()
    return [d for d in found if d.code not in codes]


def without_skipped_validation(
    diagnostics: list[Diagnostic], validation: RuleValidation, rule_ids: dict[str, str | None]
) -> list[Diagnostic]:
    """`diagnostics` without the findings of the checks `validation` skips on their rule
    (`rule_ids`: each rule file's path as diagnostics show it, and its rule_id)."""
    codes = rule_validation_codes()
    return [
        d for d in diagnostics if d.code not in codes or not validation.skips(rule_ids.get(d.path))
    ]


def _yaml(path: Path) -> Any:
    import yaml  # noqa: PLC0415 -- heavy: yaml, only for repositories that have one

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LayoutError(f"{path}: cannot read: {error}") from None
