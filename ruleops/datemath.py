"""Elasticsearch date math relative to `now`, as rules write `from`, `to` and history windows.

The syntax is Elasticsearch's (`JavaDateMathParser.parseMath`): after `now`, any number of
operations, each `+` or `-` with an optional count (1 when left out) and a unit, or `/` and
a unit to round down; units `y M w d h H m s`. Kibana reads rule times with the same syntax.
"""

from __future__ import annotations

import re

_OPERATION = re.compile(r"([+-])([0-9]*)([yMwdhHms])|/1?([yMwdhHms])")
# Calendar units are taken at their usual length: the offsets are only compared.
_SECONDS = {"s": 1, "m": 60, "h": 3600, "H": 3600, "d": 86400, "w": 7 * 86400}
_SECONDS.update({"M": 30 * 86400, "y": 365 * 86400})
_DURATION = re.compile(r"^([0-9]+)([smhd])$")


def offset_seconds(text: str) -> int | None:
    """Seconds from now that `text` names (negative in the past), or None when it is not
    date math relative to now or rounds (`/d`), whose offset depends on the time of day."""
    if not text.startswith("now"):
        return None
    total, position, rest = 0, 3, text
    while position < len(rest):
        match = _OPERATION.match(rest, position)
        if match is None or match[4]:
            return None
        sign = 1 if match[1] == "+" else -1
        total += sign * int(match[2] or 1) * _SECONDS[match[3]]
        position = match.end()
    return total


def duration_seconds(text: str) -> int | None:
    """Seconds of a rule interval such as `5m` or `1h`, or None when it is not one."""
    match = _DURATION.match(text)
    return int(match[1]) * _SECONDS[match[2]] if match else None
