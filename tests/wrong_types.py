"""Rule files with a value of the wrong type at one key: the generator behind
tests/test_wrong_types.py and scripts/wrong_types.py.

Every key path of a rule (the first element of each array stands for all of them) gets a
value of another type: a string where a number or a table was, a table where a list was,
and so on. Each variant is written back as TOML, so the checks see a real file.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tomlkit

from ruleops.config import Config
from ruleops.engine import check_rule
from ruleops.fixtures.generate import draft_fixture
from ruleops.fixtures.model import Fixture
from ruleops.fixtures.runner import run_fixture
from ruleops.loading import rule_from_text

# One value of each type a TOML document holds (dates aside).
EVERY_TYPE: tuple[Any, ...] = (5, 2.5, True, "x", ["x"], [], {"x": 1})
# Two values for each original type: a scalar and a container of other types.
TWO_OTHERS: dict[type, tuple[Any, ...]] = {
    str: (5, ["x"]),
    int: ("x", {"x": 1}),
    float: ("x", ["x"]),
    bool: ("x", {"x": 1}),
    list: ("x", {"x": 1}),
    dict: (5, ["x"]),
}

KeyPath = tuple[str | int, ...]


def key_paths(value: Any, prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every key path of a parsed document with its value, arrays by their first element."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key), item
            yield from key_paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        yield (*prefix, 0), value[0]
        yield from key_paths(value[0], (*prefix, 0))


def dotted(path: KeyPath) -> str:
    """`("rule", "threat", 0, "id")` as `rule.threat[0].id`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def wrong_values(original: Any, *, every_type: bool = False) -> tuple[Any, ...]:
    """Values of another type than `original`: two of them, or one of every other type."""
    if every_type:
        return tuple(v for v in EVERY_TYPE if type(v) is not type(original))
    return TWO_OTHERS.get(type(original), (5, ["x"]))


def variants(
    text: str, *, only: str | None = None, every_type: bool = False
) -> Iterator[tuple[str, Any, str]]:
    """(key path, wrong value, rule text) for every key path of the rule in `text`, or only
    for the key path `only`."""
    data = tomllib.loads(text)
    for path, original in list(key_paths(data)):
        if only is not None and dotted(path) != only:
            continue
        for value in wrong_values(original, every_type=every_type):
            changed = copy.deepcopy(data)
            node: Any = changed
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
            yield dotted(path), value, tomlkit.dumps(changed)


def crashes(
    text: str, path: Path, config: Config, fixture: Fixture | None = None, *, draft: bool = False
) -> list[str]:
    """What crashed on the rule in `text`: RO003 from the checks (and from running
    `fixture` on it), and any exception that escaped, drafting a fixture too with `draft`.
    Call `ruleops.checks.load_all_checks()` first."""
    try:
        rule = rule_from_text(text, str(path)).rule
        if rule is None:
            return []  # written back, the document does not parse: RO002, no crash
        found = check_rule(rule, config)
        if fixture is not None:
            found += run_fixture(fixture, rule).diagnostics
        if draft:
            draft_fixture(rule)
    except Exception as error:  # what the checks and the fixture runner do not catch
        return [f"{type(error).__name__}: {error}"]
    return [d.message for d in found if d.code == "RO003"]
