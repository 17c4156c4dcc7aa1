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
        summary="metadata.integration names no Elastic integration package",
        explanation=(
            "`metadata.integration` lists the Fleet packages whose data the rule reads "
            "(`endpoint`, `windows`, `aws`, …); detection-rules builds the rule's "
            "related_integrations from it, and Kibana offers to install those packages. A name "
            "that is no package (a typo such as `endpont`) links the rule to nothing. The "
            "names are those of elastic/integrations and of the packages Elastic's rules use "
            "(ruleops/data/integrations.json, built by scripts/build_integration_names.py). A "
            'repository with its own packages switches the check off with `ignore = ["RO110"]`.'
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
        yield rule.diagnostic(
            UNKNOWN_INTEGRATION,
            f"integration {name!r} is not an Elastic integration package"
            + (f"; did you mean {near[0]!r}?" if near else ""),
            where,
            hint=f'write "{near[0]}"' if near else "use the package name as Fleet shows it",
        )
