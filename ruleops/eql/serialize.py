"""AST → plain JSON-ready data: every node a dict naming its type under "node".

Generic over dataclasses, so the shared condition form, EQL's structure and any node added
later serialise the same way. Spans become `[start, end]` offsets into the query text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ruleops.query.ast import Span


def to_data(node: Any) -> Any:
    if isinstance(node, Span):
        return [node.start, node.end]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        data: dict[str, Any] = {"node": type(node).__name__}
        for field in dataclasses.fields(node):
            data[field.name] = to_data(getattr(node, field.name))
        return data
    if isinstance(node, (tuple, list)):
        return [to_data(item) for item in node]
    return node
