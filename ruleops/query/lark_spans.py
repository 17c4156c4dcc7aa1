"""Offsets of what the parsers' lark callbacks receive: a token or an already built node."""

from __future__ import annotations

from typing import Any

from ruleops.query.ast import Span


def start_of(item: Any) -> int:
    """Where a node (its `span`) or a lark token (its `start_pos`) begins."""
    span = getattr(item, "span", None)
    return int(span.start if span is not None else item.start_pos)


def end_of(item: Any) -> int:
    """Just past where a node or a lark token ends."""
    span = getattr(item, "span", None)
    return int(span.end if span is not None else item.end_pos)


def span_of(first: Any, last: Any) -> Span:
    """The text from the start of `first` to the end of `last`."""
    # (start_of and end_of written out: every node of every query gets a span)
    span = getattr(first, "span", None)
    start = span.start if span is not None else first.start_pos
    span = getattr(last, "span", None)
    return Span(int(start), int(span.end if span is not None else last.end_pos))
