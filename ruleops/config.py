"""`[tool.ruleops]` in pyproject.toml, found by walking up from the current folder.

```toml
[tool.ruleops]
rule_paths = ["rules"]            # what `ruleops check` with no path checks
fixture_paths = ["tests/rules"]   # where fixture files live, mirroring rule_paths
ignore = []                       # codes switched off (RO210, ...)
house_style = "auto"              # "elastic", "general" or false (ruleops.styles)
exclude = ["hunting", "legacy/*.toml"]  # files and folders not to check (ruleops.discovery)
field_definitions = ["fields/integrations.json"]  # extra field -> type maps
mapping = "mappings/logs.json"    # index mappings (GET index/_mapping), one path or a list
attack_data = "data/enterprise-attack-compact.json"  # optional pinned ATT&CK file

[tool.ruleops.severity]
RO210 = "error"                   # codes with another severity
```
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruleops.checks import load_all_checks
from ruleops.diagnostics import REGISTRY, Diagnostic, Severity, unknown_code
from ruleops.layout import LayoutError, RuleValidation, find_layout
from ruleops.loading import parse_toml, read_text
from ruleops.positions import KeyPositions

# What `house_style` can be; true is "auto", false is "off".
HOUSE_STYLES = ("auto", "elastic", "general", "off")


class ConfigError(Exception):
    """The configuration is unusable; the CLI exits with status 2."""


@dataclass(frozen=True)
class Config:
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    rule_paths: tuple[str, ...] = ("rules",)
    fixture_paths: tuple[str, ...] = ("tests/rules",)
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    # "auto", "elastic", "general" or "off" (`ruleops.styles` says what each applies);
    # `house_style_configured` is whether the configuration chose it.
    house_style: str = "auto"
    house_style_configured: bool = False
    field_definitions: tuple[Path, ...] = ()
    # Index mappings (`ruleops.mapping`): field types, multi-fields read from their parent.
    mapping: tuple[Path, ...] = ()
    attack_data: Path | None = None
    # Glob patterns of files and folders not to check (`ruleops.discovery`).
    exclude: tuple[str, ...] = ()
    # A detection-rules layout (`ruleops.layout`): its _config.yaml, and the folders it
    # gives to files that are not rules (exceptions, actions).
    layout: Path | None = None
    not_rule_paths: tuple[Path, ...] = ()
    # Its test configuration's `rule_validation` (`ruleops.layout.RuleValidation`).
    rule_validation: RuleValidation | None = None

    def apply(self, diagnostic: Diagnostic) -> Diagnostic | None:
        """The diagnostic as this configuration wants it, or None when switched off."""
        if diagnostic.code in self.ignore:
            return None
        if self.house_style in ("off", "general"):
            info = REGISTRY.get(diagnostic.code)
            if (
                info is not None
                and info.house_style
                and (self.house_style == "off" or info.elastic_style)
            ):
                return None
        override = self.severity.get(diagnostic.code)
        return diagnostic.with_severity(override) if override else diagnostic


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    start = (start or Path.cwd()).resolve()
    source = explicit or find_pyproject(start)
    if source is None:
        return _with_layout(Config(root=start), {})
    place = _Places(source, _read(source))
    tool = place.document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(place("tool", "[tool] must be a table"))
    section = tool.get("ruleops")
    if section is None:
        return _with_layout(Config(root=source.parent, source=source), {})
    if not isinstance(section, dict):
        kind = "an array of tables ([[tool.ruleops]])" if isinstance(section, list) else "a value"
        raise ConfigError(place("tool.ruleops", f"[tool.ruleops] must be a table, not {kind}"))
    return _with_layout(_from_section(section, place), section)


def _read(source: Path) -> str:
    text, problem = read_text(source, str(source))
    if text is None:
        assert problem is not None
        raise ConfigError(f"{problem.headline()}; cannot read the configuration")
    return text


class _Places:
    """The configuration document, and where its keys are written for error messages."""

    def __init__(self, source: Path, text: str) -> None:
        document, problem = parse_toml(text, str(source))
        if document is None:
            assert problem is not None
            raise ConfigError(f"{problem.headline()}; cannot read the configuration")
        self.source, self.text, self.document = source, text, document

    def __call__(self, key_path: str, message: str) -> str:
        """`message` prefixed with the file, line and column where `key_path` is written."""
        where = KeyPositions(self.text).locate(key_path)
        return f"{self.source}:{where.line}:{where.column}: {message}"


def _with_layout(config: Config, section: dict[str, Any]) -> Config:
    """`config` with what a detection-rules layout at its root says: the rule folders
    (unless `rule_paths` is set), the folders of exceptions and actions, the codes its
    bypass switches and test configuration turn off."""
    try:
        layout = find_layout(config.root)
    except LayoutError as error:
        raise ConfigError(str(error)) from None
    if layout is None:
        return config
    rule_paths = config.rule_paths
    if "rule_paths" not in section and layout.rule_dirs:
        rule_paths = tuple(str(folder) for folder in layout.rule_dirs)
    return replace(
        config,
        rule_paths=rule_paths,
        ignore=config.ignore | layout.ignore,
        layout=layout.source,
        not_rule_paths=layout.other_dirs,
        rule_validation=layout.rule_validation,
    )


_KNOWN_KEYS = {
    "rule_paths",
    "fixture_paths",
    "ignore",
    "severity",
    "house_style",
    "field_definitions",
    "mapping",
    "attack_data",
    "exclude",
}


def _from_section(section: dict[str, Any], place: _Places) -> Config:
    source = place.source
    where = "[tool.ruleops]"
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            place(
                f"tool.ruleops.{unknown[0]}",
                f"{where}: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_KNOWN_KEYS))}",
            )
        )

    def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = section.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                place(f"tool.ruleops.{key}", f"{where}: {key} must be a list of strings")
            )
        return tuple(value)

    severities: dict[str, Severity] = {}
    raw = section.get("severity", {})
    if not isinstance(raw, dict):
        raise ConfigError(
            place(
                "tool.ruleops.severity",
                f'{where}: severity must be a table of CODE = "error"|"warning"|"info"',
            )
        )
    for code, text in raw.items():
        try:
            severities[code] = Severity.parse(str(text))
        except ValueError as error:
            raise ConfigError(
                place(f"tool.ruleops.severity.{code}", f"{where}.severity.{code}: {error}")
            ) from None
    ignore = strings("ignore", ())
    _known_codes(
        [(f"tool.ruleops.ignore[{i}]", code) for i, code in enumerate(ignore)]
        + [(f"tool.ruleops.severity.{code}", code) for code in severities],
        place,
    )
    house_style = section.get("house_style", "auto")
    if isinstance(house_style, bool):
        house_style = "auto" if house_style else "off"
    if house_style not in HOUSE_STYLES:
        raise ConfigError(
            place(
                "tool.ruleops.house_style",
                f'{where}: house_style must be "auto", "elastic", "general" or false; '
                f"got {section['house_style']!r}",
            )
        )
    attack = section.get("attack_data")
    if attack is not None and not isinstance(attack, str):
        raise ConfigError(place("tool.ruleops.attack_data", f"{where}: attack_data must be a path"))
    mapping = section.get("mapping", [])
    mapping = [mapping] if isinstance(mapping, str) else mapping
    if not isinstance(mapping, list) or not all(isinstance(m, str) for m in mapping):
        raise ConfigError(
            place(
                "tool.ruleops.mapping",
                f"{where}: mapping must be a path or a list of paths to index mappings "
                "(the JSON of GET index/_mapping)",
            )
        )
    root = source.parent
    return Config(
        root=root,
        source=source,
        rule_paths=strings("rule_paths", Config.rule_paths),
        fixture_paths=strings("fixture_paths", Config.fixture_paths),
        ignore=frozenset(ignore),
        severity=severities,
        house_style=house_style,
        house_style_configured="house_style" in section,
        field_definitions=tuple(root / p for p in strings("field_definitions", ())),
        mapping=tuple(root / p for p in mapping),
        attack_data=root / attack if attack else None,
        exclude=strings("exclude", ()),
    )


def _known_codes(codes: list[tuple[str, str]], place: _Places) -> None:
    """A code the configuration names must exist: a misspelt code would switch nothing off
    and nothing would say so."""
    if not codes:
        return

    registry = load_all_checks()
    for key_path, code in codes:
        if code in registry:
            continue
        raise ConfigError(place(key_path, unknown_code(code, registry)))
