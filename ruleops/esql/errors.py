"""lark's parse failures → `EsqlSyntaxError`s written for a rule author."""

from __future__ import annotations

from typing import Any

from ruleops.esql.parser import EsqlSyntaxError


def explain(error: Any, text: str) -> EsqlSyntaxError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        return EsqlSyntaxError(f"unexpected `{text[offset]}`", offset, text)
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return EsqlSyntaxError("the query ends too early", len(text.rstrip()), text)
        return EsqlSyntaxError(
            f"unexpected `{token}`", token.start_pos, text, end_offset=token.end_pos
        )
    return EsqlSyntaxError("the query does not parse", 0, text)
