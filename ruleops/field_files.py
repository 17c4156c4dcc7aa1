"""Field definitions in the forms teams already have, read as field -> type.

- Elastic integration packages' field files (elastic/integrations, `packages/<name>/fields/
  *.yml` and `packages/<name>/data_stream/<stream>/fields/*.yml`): a YAML list of entries
  with `name`, `type` and, for `type: group`, nested `fields`; a name may itself be dotted.
  `external: ecs` entries take ECS's type; `alias` fields take their `path`'s type. A
  package folder (or any folder) is read through every `fields/*.yml` below it.
- Elasticsearch index mappings (`GET index/_mapping`, a `mappings` or a `properties` object),
  read by `ruleops.mapping` (`ruleops.ecs.read_definitions` keeps its multi-fields linked).
- ruleops' own flat JSON object of field -> type (`ruleops.ecs.read_field_definitions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class FieldFileError(ValueError):
    """The file is not a field definition of any accepted form; the message says why."""


def is_package_fields(path: Path) -> bool:
    return path.is_dir() or path.suffix in (".yml", ".yaml")


def read_package_fields(path: Path, ecs_types: Mapping[str, str]) -> dict[str, str]:
    """Field -> type from an integration package's field files (one file or a folder)."""
    files = sorted(path.rglob("fields/*.yml")) + sorted(path.rglob("fields/*.yaml"))
    files = [path] if path.is_file() else files
    if not files:
        raise FieldFileError(f"{path}: no fields/*.yml files below this folder")
    types: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for file in files:
        _entries(_yaml(file), "", types, aliases, ecs_types, file)
    for name, target in aliases.items():
        if target in types or target in ecs_types:
            types[name] = types.get(target) or ecs_types[target]
    return types


def _entries(
    entries: Any,
    prefix: str,
    types: dict[str, str],
    aliases: dict[str, str],
    ecs_types: Mapping[str, str],
    file: Path,
) -> None:
    if entries is None:
        return
    if not isinstance(entries, list):
        raise FieldFileError(f"{file}: a fields file is a YAML list of fields (- name: ...)")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise FieldFileError(f"{file}: every field has a name: {entry!r}")
        name = f"{prefix}{entry['name']}"
        kind = entry.get("type")
        if kind == "group" or (kind is None and "fields" in entry):
            _entries(entry.get("fields"), f"{name}.", types, aliases, ecs_types, file)
        elif entry.get("external") == "ecs":
            if name in ecs_types:
                types[name] = ecs_types[name]
        elif kind == "alias" and isinstance(entry.get("path"), str):
            aliases[name] = entry["path"]
        elif isinstance(kind, str) and kind:
            types[name] = kind


def _yaml(path: Path) -> Any:
    import yaml  # noqa: PLC0415 -- heavy: yaml, only for package field files

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FieldFileError(f"{path}: cannot read: {error}") from None
