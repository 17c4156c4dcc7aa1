"""`metadata.integration` names Elastic integration packages (data/integrations.json)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ruleops.checks import rule_check
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule

UNKNOWN_INTEGRATION = register(
    CheckInfo(
        code="RO110",
        name="schema.unknown-integration",
        severity=Severity.WARNING,
        summary="metadata.integration is one slip away from an Elastic integration package",
        explanation=(
            "`metadata.integration` lists the Fleet packages whose data the rule reads "
            "(`endpoint`, `windows`, `aws`, …); detection-rules builds the rule's "
            "related_integrations from it, and Kibana offers to install those packages. A name "
            "that is no package (a typo such as `endpont`) links the rule to nothing.\n\n"
            "The names ruleops knows are those of elastic/integrations at one commit and of "
            "the packages Elastic's rules use (ruleops/data/integrations.json says which commit "
            "and when it was read; scripts/build_integration_names.py rebuilds it). That list "
            "cannot hold every package (newer ones, third-party and private ones), so only a "
            "name one slip away from a known package is reported, with that package as the "
            "suggestion; a name unlike every known package is taken for a package ruleops does "
            "not know. A repository whose own packages trip it switches the check off."
        ),
        example="rule",
        bad='[metadata]\nintegration = ["endpont"]',
        good='[metadata]\nintegration = ["endpoint"]',
    )
)
_DATA = Path(__file__).resolve().parents[1] / "data" / "integrations.json"


@lru_cache(maxsize=1)
def package_names() -> frozenset[str]:
    return frozenset(json.loads(_DATA.read_text(encoding="utf-8"))["packages"])


@rule_check(emits=(UNKNOWN_INTEGRATION,))
def integrations_are_packages(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    value = rule.metadata.get("integration")
    names = [(value, "metadata.integration")] if isinstance(value, str) else []
    if isinstance(value, list):
        names = [(name, f"metadata.integration[{i}]") for i, name in enumerate(value)]
    known = package_names()
    for name, where in names:
        if not isinstance(name, str) or not name.strip() or name in known:
            continue
        near = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.75)
        if not near:
            continue  # a package the list does not hold, rather than a slip (explanation)
        yield rule.diagnostic(
            UNKNOWN_INTEGRATION,
            f"integration {name!r} is no Elastic integration package ruleops knows; "
            f"did you mean {near[0]!r}?",
            where,
            hint=f'write "{near[0]}"',
        )
