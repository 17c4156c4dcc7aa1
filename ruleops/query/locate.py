"""From an offset in a rule's query string to the line and column of the rule file."""

from __future__ import annotations

from ruleops.loading import Rule
from ruleops.positions import Position


def query_position(rule: Rule, offset: int, key_path: str = "rule.query") -> Position:
    """Where character `offset` of the decoded string at `key_path` is written in the file.

    Queries start some lines into the TOML file; a diagnostic on a query lands on the
    offending line of the file, not on line N of the query.
    """
    origin = rule.string_origin(key_path)
    if origin is None:
        return rule.locate(key_path)
    return rule.positions.position(origin.text_offset(offset))
