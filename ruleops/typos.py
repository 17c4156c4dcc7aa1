"""Likely misspellings of known field names: `proces.name` for `process.name`.

A name is taken for a misspelling of a known field when the two have the same segments but
one, and that one differs by a single edit (a letter added, dropped, replaced or two letters
swapped) or only in case. Comparing one segment at a time through an index keeps a lookup
to a few dictionary probes, whatever the number of known fields, and keeps the suggestions
to what a slip of the finger produces: integration fields that merely resemble ECS ones
(`okta.client.ip` and `client.ip`) are never taken for typos.
"""

from __future__ import annotations

from collections.abc import Iterable

# A segment shorter than this is too short to tell a typo from another word (`ip`, `id`).
MIN_SEGMENT = 4


class FieldIndex:
    """Known field names, indexed for `suggest`."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = frozenset(names)
        self._by_rest: dict[tuple[int, int, tuple[str, ...]], set[str]] = {}
        for name in self._names:
            parts = name.split(".")
            for i in range(len(parts)):
                key = (len(parts), i, tuple(parts[:i] + parts[i + 1 :]))
                self._by_rest.setdefault(key, set()).add(parts[i])

    def suggest(self, name: str) -> str | None:
        """The known field `name` is most likely a misspelling of, or None. A known name is
        never its own suggestion."""
        if name in self._names:
            return None
        found = self.neighbours(name)
        return found[0] if len(found) == 1 else None

    def neighbours(self, name: str) -> list[str]:
        """The known fields one slip away from `name` (never `name` itself), sorted."""
        parts = name.split(".")
        found: set[str] = set()
        for i, segment in enumerate(parts):
            key = (len(parts), i, tuple(parts[:i] + parts[i + 1 :]))
            for known in self._by_rest.get(key, ()):
                if known != segment and _slip(segment, known):
                    found.add(".".join([*parts[:i], known, *parts[i + 1 :]]))
        return sorted(found)


def nearest_code(typed: str, known: Iterable[str]) -> str | None:
    """The check code (or code prefix) in `known` that `typed` is a slip for: `typed` with
    the letters that pass for digits read as digits (RO1O3 is RO103), else the one code a
    single edit away (see `_one_edit`; among several, the one sharing the longest start
    with `typed`, so RO361 is RO360). None when no code is that near, or several are equally
    near: RO999 is no slip for RO709, and naming it would mislead."""
    codes = set(known)
    digits = typed[:2] + typed[2:].translate(str.maketrans("OIL", "011"))
    if digits in codes:
        return digits
    near = [code for code in codes if _one_edit(typed, code)]
    shared = {code: _shared_start(typed, code) for code in near}
    best = [code for code in near if shared[code] == max(shared.values())]
    return best[0] if len(best) == 1 else None


def _shared_start(a: str, b: str) -> int:
    pairs = enumerate(zip(a, b, strict=False))
    return next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))


def _slip(typed: str, known: str) -> bool:
    if typed.lower() == known.lower():
        return True
    if min(len(typed), len(known)) < MIN_SEGMENT:
        return False
    return _one_edit(typed, known)


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one insertion, deletion, substitution or transposition of
    neighbours (Damerau-Levenshtein distance 1)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:
        return True
    return (
        start + 1 < len(a)
        and a[start] == b[start + 1]
        and a[start + 1] == b[start]
        and a[start + 2 :] == b[start + 2 :]
    )
