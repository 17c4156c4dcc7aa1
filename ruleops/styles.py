"""Which house style a rule is held to.

House-style checks (`CheckInfo.house_style`) are conventions, not format rules. Some help
any author (dates in order, a lookback that covers the interval, no duplicate tags); others
are Elastic's own (`CheckInfo.elastic_style`: the "Elastic License v2" licence, Elastic's tag
vocabulary, its risk-score ladder, its building-block timing, `Esql.*` column names). The
`house_style` setting of `[tool.ruleops]` chooses:

- "auto" (the default): Elastic's own conventions for Elastic's rules, the general ones for
  every other rule. A rule is Elastic's when its `author` includes "Elastic" (detection-rules'
  own test, `BaseRuleData.is_elastic_rule` in detection_rules/rule.py) or it is published
  under Elastic's licence, "Elastic License v2" (the community-written rules of
  elastic/detection-rules, 23 of its 2,064, name only their author);
- "elastic": Elastic's conventions for every rule (a fork that follows them);
- "general": the general conventions only;
- "off" (`false`): no house style at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruleops.diagnostics import REGISTRY, Diagnostic

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule


ELASTIC_LICENSE = "Elastic License v2"


def elastic_rule(rule: Rule) -> bool:
    """Whether `rule` belongs to Elastic's rule set (see the module's documentation)."""
    author = rule.rule.get("author")
    if isinstance(author, str):
        author = [author]
    by_elastic = isinstance(author, list) and any(
        isinstance(name, str) and name.strip().lower() == "elastic" for name in author
    )
    return by_elastic or rule.rule.get("license") == ELASTIC_LICENSE


def holds_elastic_style(rule: Rule, config: Config) -> bool:
    """Whether Elastic's own conventions apply to `rule` under `config`."""
    if config.house_style == "auto":
        return elastic_rule(rule)
    return config.house_style == "elastic"


def for_rule(found: list[Diagnostic], rule: Rule, config: Config) -> list[Diagnostic]:
    """`found` without the findings of Elastic's own conventions where they do not apply
    to `rule` ("auto"; the configuration drops them for every rule under "general")."""
    if config.house_style != "auto" or elastic_rule(rule):
        return found
    return [d for d in found if not _elastic_only(d.code)]


def _elastic_only(code: str) -> bool:
    info = REGISTRY.get(code)
    return info is not None and info.elastic_style


def first_run_note(rules: list[Rule], config: Config) -> str | None:
    """What the first run in a repository says about the house style, when the
    configuration did not choose one and some rules are not Elastic's."""
    if config.house_style_configured or config.house_style != "auto":
        return None
    others = sum(1 for rule in rules if not elastic_rule(rule))
    if not others:
        return None
    elastic = len(rules) - others
    return (
        f'house style "auto": Elastic\'s own conventions (its licence, tag vocabulary, '
        f"risk-score ladder, …) apply to the {elastic} rule(s) that are Elastic's (author "
        f'"Elastic" or licence "{ELASTIC_LICENSE}"); the other {others} get only the '
        "conventions that help any author. To choose, set "
        'house_style = "elastic", "general" or false under [tool.ruleops] in pyproject.toml '
        '(README: "Adopting ruleops on an existing repository").'
    )
