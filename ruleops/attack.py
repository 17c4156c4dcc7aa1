"""MITRE ATT&CK Enterprise, as the checks read it: ids, names, tactics, revocations.

The data is a compact JSON file (ruleops/data/attack.json, pinned at the ATT&CK version the
rules are written against; `[tool.ruleops] attack_data` chooses another). It is read on first
use and cached per file, so a run pays for it once and runs without ATT&CK entries never do.
Generate it with `scripts/build_attack_data.py` or `ruleops attack update`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGED = Path(__file__).parent / "data" / "attack.json"
BASE_URL = "https://attack.mitre.org"

_TACTIC_ID = re.compile(r"TA\d{4}")
_TECHNIQUE_ID = re.compile(r"T\d{4}")
_SUBTECHNIQUE_ID = re.compile(r"T\d{4}\.\d{3}")


class AttackDataError(Exception):
    """The ATT&CK data file is missing or not in ruleops' compact form."""


@dataclass(frozen=True)
class Tactic:
    id: str
    name: str
    shortname: str

    @property
    def reference(self) -> str:
        return tactic_reference(self.id)


@dataclass(frozen=True)
class Technique:
    """A technique or a subtechnique (`parent` set)."""

    id: str
    name: str
    tactics: tuple[str, ...]
    parent: str | None = None
    revoked: bool = False
    deprecated: bool = False
    revoked_by: str | None = None

    @property
    def is_subtechnique(self) -> bool:
        return self.parent is not None or "." in self.id

    @property
    def reference(self) -> str:
        return technique_reference(self.id)


@dataclass(frozen=True)
class Attack:
    version: str
    tactics: dict[str, Tactic]
    techniques: dict[str, Technique]
    source: str = ""

    def tactic(self, tactic_id: str) -> Tactic | None:
        return self.tactics.get(tactic_id)

    def technique(self, technique_id: str) -> Technique | None:
        return self.techniques.get(technique_id)

    def tactic_named(self, name: str) -> Tactic | None:
        """The tactic with this name, compared case-insensitively."""
        folded = name.strip().casefold()
        for tactic in self.tactics.values():
            if tactic.name.casefold() == folded:
                return tactic
        return None

    def tactic_names(self, tactic_ids: tuple[str, ...]) -> str:
        return ", ".join(
            f"{self.tactics[t].name} ({t})" if t in self.tactics else t for t in tactic_ids
        )


def tactic_reference(tactic_id: str) -> str:
    return f"{BASE_URL}/tactics/{tactic_id}/"


def technique_reference(technique_id: str) -> str:
    """`T1003` → …/techniques/T1003/, `T1003.002` → …/techniques/T1003/002/."""
    return f"{BASE_URL}/techniques/{technique_id.replace('.', '/')}/"


def looks_like_tactic_id(text: str) -> bool:
    return _TACTIC_ID.fullmatch(text) is not None


def looks_like_technique_id(text: str) -> bool:
    return _TECHNIQUE_ID.fullmatch(text) is not None


def looks_like_subtechnique_id(text: str) -> bool:
    return _SUBTECHNIQUE_ID.fullmatch(text) is not None


def load_attack(path: Path | None = None) -> Attack:
    """The ATT&CK data in `path` (default: the packaged file), read once per path."""
    # Cached on the path as given: resolving it on every call would cost more than the checks.
    return _load(path or PACKAGED)


@lru_cache(maxsize=4)
def _load(path: Path) -> Attack:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AttackDataError(f"ATT&CK data file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AttackDataError(f"cannot read ATT&CK data file {path}: {error}") from None
    try:
        return _from_compact(raw, str(path))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise AttackDataError(
            f"{path} is not a ruleops ATT&CK data file ({type(error).__name__}: {error}); "
            "generate one with `ruleops attack update enterprise-attack.json`"
        ) from None


def _from_compact(raw: Any, source: str) -> Attack:
    if not isinstance(raw, dict) or raw.get("format") != 1:
        raise ValueError('expected a JSON object with "format": 1')
    tactics = {
        tactic_id: Tactic(tactic_id, str(entry["name"]), str(entry["shortname"]))
        for tactic_id, entry in raw["tactics"].items()
    }
    techniques = {
        technique_id: Technique(
            id=technique_id,
            name=str(entry["name"]),
            tactics=tuple(entry.get("tactics", ())),
            parent=entry.get("parent"),
            revoked=bool(entry.get("revoked", False)),
            deprecated=bool(entry.get("deprecated", False)),
            revoked_by=entry.get("revoked_by"),
        )
        for technique_id, entry in raw["techniques"].items()
    }
    return Attack(str(raw["attack_version"]), tactics, techniques, source)
