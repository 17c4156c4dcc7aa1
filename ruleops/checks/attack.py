"""ATT&CK checks: every [[rule.threat]] entry must be true to MITRE ATT&CK Enterprise.

Ids must exist, names and reference URLs must match their ids, techniques must belong to
the tactic they are listed under and subtechniques to the technique they are nested in.
Revoked and deprecated entries are reported (revoked ones with ATT&CK's replacement), and
so are repeats. Names, references and revoked ids carry a fix for `ruleops check --fix`.
The `Tactic: X` tags are compared with the threat tactics as house style.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ruleops.attack import (
    Attack,
    AttackDataError,
    Technique,
    load_attack,
    looks_like_subtechnique_id,
    looks_like_tactic_id,
    looks_like_technique_id,
)
from ruleops.checks import corpus_check, rule_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Fix, Severity, register
from ruleops.files import display_path
from ruleops.loading import Entry, Rule

FRAMEWORK = "MITRE ATT&CK"
TAG_PREFIX = "Tactic:"

_ENTRY = """\
[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1003"
name = "OS Credential Dumping"
reference = "https://attack.mitre.org/techniques/T1003/"
[rule.threat.tactic]
id = "TA0006"
name = "Credential Access"
reference = "https://attack.mitre.org/tactics/TA0006/"
"""
_THREAT = '[rule]\ntags = ["Tactic: Credential Access"]\n\n' + _ENTRY
_EXECUTION = (
    _THREAT.replace('"TA0006"', '"TA0002"')
    .replace("Credential Access", "Execution")
    .replace("TA0006/", "TA0002/")
)


FRAMEWORK_CODE = register(
    CheckInfo(
        code="RO200",
        name="attack.framework",
        severity=Severity.ERROR,
        summary='a threat entry\'s framework is not "MITRE ATT&CK"',
        explanation=(
            "Kibana and the ATT&CK checks only understand threat entries whose framework is "
            'exactly "MITRE ATT&CK". Other spellings are not recognised, so the mapping is '
            "silently lost; the other ATT&CK checks skip such an entry."
        ),
        example="rule",
        bad=_THREAT.replace('"MITRE ATT&CK"', '"Mitre Attack"'),
        good=_THREAT,
        tags=("attack",),
    )
)
UNKNOWN_TACTIC = register(
    CheckInfo(
        code="RO201",
        name="attack.unknown-tactic",
        severity=Severity.ERROR,
        summary="the tactic id does not exist in ATT&CK Enterprise",
        explanation=(
            "Tactic ids look like TA0006. An id that ATT&CK Enterprise does not have (a typo, or a "
            "tactic of the Mobile or ICS matrices) makes the mapping meaningless."
        ),
        example="rule",
        bad=_THREAT.replace('"TA0006"', '"TA0099"'),
        good=_THREAT,
        tags=("attack",),
    )
)
TACTIC_NAME = register(
    CheckInfo(
        code="RO202",
        name="attack.tactic-name",
        severity=Severity.ERROR,
        summary="the tactic name does not match its id",
        explanation=(
            "The name is shown to analysts next to the alert; it must be ATT&CK's name for the id. "
            "`ruleops check --fix` writes the right name."
        ),
        example="rule",
        bad=_THREAT.replace('"Credential Access"', '"Credentials"'),
        good=_THREAT,
        tags=("attack",),
    )
)
TACTIC_REFERENCE = register(
    CheckInfo(
        code="RO203",
        name="attack.tactic-reference",
        severity=Severity.ERROR,
        summary="the tactic reference URL does not match its id",
        explanation=(
            "The reference must be https://attack.mitre.org/tactics/<id>/. "
            "`ruleops check --fix` writes it from the id."
        ),
        example="rule",
        bad=_THREAT.replace("tactics/TA0006/", "tactics/TA0007/"),
        good=_THREAT,
        tags=("attack",),
    )
)
UNKNOWN_TECHNIQUE = register(
    CheckInfo(
        code="RO204",
        name="attack.unknown-technique",
        severity=Severity.ERROR,
        summary="the technique id does not exist in ATT&CK Enterprise",
        explanation=(
            "Technique ids look like T1003. An id ATT&CK Enterprise does not have is a typo or "
            "comes from another matrix."
        ),
        example="rule",
        bad=_THREAT.replace('"T1003"', '"T1999"'),
        good=_THREAT,
        tags=("attack",),
    )
)
TECHNIQUE_NAME = register(
    CheckInfo(
        code="RO205",
        name="attack.technique-name",
        severity=Severity.ERROR,
        summary="the technique name does not match its id",
        explanation=(
            "ATT&CK renames techniques between versions; the name must be the current name of the "
            "id. `ruleops check --fix` writes it."
        ),
        example="rule",
        bad=_THREAT.replace('"OS Credential Dumping"', '"Credential Dumping"'),
        good=_THREAT,
        tags=("attack",),
    )
)
TECHNIQUE_REFERENCE = register(
    CheckInfo(
        code="RO206",
        name="attack.technique-reference",
        severity=Severity.ERROR,
        summary="the technique reference URL does not match its id",
        explanation=(
            "The reference must be https://attack.mitre.org/techniques/<id>/. "
            "`ruleops check --fix` writes it from the id."
        ),
        example="rule",
        bad=_THREAT.replace("techniques/T1003/", "techniques/T1030/"),
        good=_THREAT,
        tags=("attack",),
    )
)
WRONG_TACTIC = register(
    CheckInfo(
        code="RO207",
        name="attack.technique-not-in-tactic",
        severity=Severity.ERROR,
        summary="a technique or subtechnique is listed under a tactic it does not belong to",
        explanation=(
            "In ATT&CK every technique belongs to one or more tactics (T1003 to Credential Access "
            "only). List it under a [[rule.threat]] entry of one of its tactics."
        ),
        example="rule",
        bad=_EXECUTION,
        good=_THREAT,
        tags=("attack",),
    )
)
UNKNOWN_SUBTECHNIQUE = register(
    CheckInfo(
        code="RO208",
        name="attack.unknown-subtechnique",
        severity=Severity.ERROR,
        summary="the subtechnique id does not exist in ATT&CK Enterprise",
        explanation="Subtechnique ids look like T1003.001 and are nested under their technique.",
        example="rule",
        bad=(
            _THREAT.replace(
                "\n[rule.threat.tactic]",
                "\n[[rule.threat.technique.subtechnique]]\n"
                'id = "T1003.099"\nname = "LSASS Memory"\n'
                'reference = "https://attack.mitre.org/techniques/T1003/099/"\n'
                "[rule.threat.tactic]",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
WRONG_PARENT = register(
    CheckInfo(
        code="RO209",
        name="attack.subtechnique-parent",
        severity=Severity.ERROR,
        summary="a subtechnique is nested under a technique it does not belong to",
        explanation=(
            "T1059.001 is a subtechnique of T1059 and must be nested under it. Move it to its own "
            "technique (adding that technique if needed)."
        ),
        example="rule",
        bad=(
            _THREAT.replace(
                "\n[rule.threat.tactic]",
                "\n[[rule.threat.technique.subtechnique]]\n"
                'id = "T1558.003"\nname = "Kerberoasting"\n'
                'reference = "https://attack.mitre.org/techniques/T1558/003/"\n'
                "[rule.threat.tactic]",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
SUBTECHNIQUE_NAME = register(
    CheckInfo(
        code="RO210",
        name="attack.subtechnique-name",
        severity=Severity.ERROR,
        summary="the subtechnique name does not match its id",
        explanation=(
            "The name must be ATT&CK's current name of the subtechnique. "
            "`ruleops check --fix` writes it."
        ),
        example="rule",
        bad=(
            _THREAT.replace(
                "\n[rule.threat.tactic]",
                "\n[[rule.threat.technique.subtechnique]]\n"
                'id = "T1003.001"\nname = "LSASS Dumping"\n'
                'reference = "https://attack.mitre.org/techniques/T1003/001/"\n'
                "[rule.threat.tactic]",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
SUBTECHNIQUE_REFERENCE = register(
    CheckInfo(
        code="RO211",
        name="attack.subtechnique-reference",
        severity=Severity.ERROR,
        summary="the subtechnique reference URL does not match its id",
        explanation=(
            "The reference must be https://attack.mitre.org/techniques/<technique>/<number>/ "
            "(T1003.001 → techniques/T1003/001/). `ruleops check --fix` writes it from the id."
        ),
        example="rule",
        bad=(
            _THREAT.replace(
                "\n[rule.threat.tactic]",
                "\n[[rule.threat.technique.subtechnique]]\n"
                'id = "T1003.001"\nname = "LSASS Memory"\n'
                'reference = "https://attack.mitre.org/techniques/T1003.001/"\n'
                "[rule.threat.tactic]",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
REVOKED = register(
    CheckInfo(
        code="RO212",
        name="attack.revoked",
        severity=Severity.ERROR,
        summary="the technique or subtechnique has been revoked by ATT&CK",
        explanation=(
            "ATT&CK revokes a technique when it is merged into or replaced by another; the "
            "revoked id no longer appears in the matrix. The message names the replacement when "
            "ATT&CK gives one (a revoked-by relationship), and `ruleops check --fix` rewrites the "
            "id, name and reference to it when the replacement fits where the old id was listed "
            "(T1086 becomes technique T1059 with subtechnique T1059.001)."
        ),
        example="rule",
        bad=(
            _EXECUTION.replace('"T1003"', '"T1086"')
            .replace('"OS Credential Dumping"', '"PowerShell"')
            .replace("T1003/", "T1086/")
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
DEPRECATED = register(
    CheckInfo(
        code="RO213",
        name="attack.deprecated",
        severity=Severity.WARNING,
        summary="the technique or subtechnique is deprecated in ATT&CK",
        explanation=(
            "ATT&CK deprecates a technique it no longer considers meaningful, without a "
            "replacement. Map the rule to a current technique that describes the behaviour."
        ),
        example="rule",
        bad=(
            _EXECUTION.replace('"T1003"', '"T1064"')
            .replace('"OS Credential Dumping"', '"Scripting"')
            .replace("T1003/", "T1064/")
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
DUPLICATE_TACTIC = register(
    CheckInfo(
        code="RO214",
        name="attack.duplicate-tactic",
        severity=Severity.WARNING,
        summary="the same tactic is mapped by two threat entries",
        explanation=(
            "Each tactic should appear in one [[rule.threat]] entry, with all its techniques; two "
            "entries for one tactic split the mapping and show the tactic twice in Kibana."
        ),
        example="rule",
        bad=(
            _THREAT
            + "\n"
            + _ENTRY.replace(
                "[[rule.threat.technique]]\n",
                "[[rule.threat.technique]]\n# the same tactic again\n",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
DUPLICATE_TECHNIQUE = register(
    CheckInfo(
        code="RO215",
        name="attack.duplicate-technique",
        severity=Severity.WARNING,
        summary="a technique is repeated under one tactic, or a subtechnique under one technique",
        explanation=(
            "List each technique once per tactic and each subtechnique once per technique; merge "
            "the subtechniques of repeated entries into one."
        ),
        example="rule",
        bad=(
            _THREAT.replace(
                "\n[rule.threat.tactic]",
                '\n[[rule.threat.technique]]\nid = "T1003"\n'
                'name = "OS Credential Dumping"\n'
                'reference = "https://attack.mitre.org/techniques/T1003/"\n'
                "[rule.threat.tactic]",
            )
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
WRONG_LEVEL = register(
    CheckInfo(
        code="RO216",
        name="attack.wrong-level",
        severity=Severity.ERROR,
        summary="a subtechnique is listed as a technique, or a technique as a subtechnique",
        explanation=(
            "Techniques (T1059) go in [[rule.threat.technique]]; their subtechniques (T1059.001) "
            "are nested in [[rule.threat.technique.subtechnique]] under them."
        ),
        example="rule",
        bad=(
            _THREAT.replace('"T1003"', '"T1003.001"')
            .replace('"OS Credential Dumping"', '"LSASS Memory"')
            .replace("T1003/", "T1003/001/")
        ),
        good=_THREAT,
        tags=("attack",),
    )
)
TAG_WITHOUT_THREAT = register(
    CheckInfo(
        code="RO220",
        name="attack.tag-without-threat",
        severity=Severity.WARNING,
        summary="a `Tactic:` tag names a tactic the threat mapping does not have",
        explanation=(
            "House style of elastic/detection-rules: the `Tactic: <name>` tags name the rule's "
            "main tactics, and every one of them is mapped in [[rule.threat]]. Of the corpus's "
            "1,940 production rules, 25 have a tactic tag their mapping lacks. A tag that names "
            "no ATT&CK tactic, or a tactic the rule does not map, is reported. Deprecated rules "
            "are not checked."
        ),
        example="rule",
        bad='[rule]\ntags = ["Tactic: Credential Access", "Tactic: Execution"]\n' + _ENTRY,
        good='[rule]\ntags = ["Tactic: Credential Access"]\n' + _ENTRY,
        house_style=True,
        elastic_style=True,
        tags=("attack",),
    )
)
TACTICS_UNTAGGED = register(
    CheckInfo(
        code="RO221",
        name="attack.tactics-untagged",
        severity=Severity.INFO,
        summary="the rule maps ATT&CK tactics but no `Tactic:` tag names any of them",
        explanation=(
            "House style of elastic/detection-rules: a rule with a threat mapping tags its main "
            "tactic (`Tactic: Credential Access`), nearly always the tactic of the first "
            "[[rule.threat]] entry. Tagging every mapped tactic is not the convention: of 1,871 "
            "production rules with a mapping, 1,143 tag all their tactics, 678 more tag a subset "
            "that includes the first, and 25 (machine-learning anomaly rules mapping many tactics) "
            "tag none, which is why this is information, not a warning. Deprecated rules are not "
            "checked."
        ),
        example="rule",
        bad="[rule]\ntags = []\n" + _ENTRY,
        good='[rule]\ntags = ["Tactic: Credential Access"]\n' + _ENTRY,
        house_style=True,
        elastic_style=True,
        tags=("attack",),
    )
)
DATA_UNUSABLE = register(
    CheckInfo(
        code="RO249",
        name="attack.data-unusable",
        severity=Severity.ERROR,
        summary="the ATT&CK data file cannot be read",
        explanation=(
            "The file named by `[tool.ruleops] attack_data` is missing or is not in ruleops' "
            "compact form, so no threat mapping was checked; it is reported once, on the "
            "`attack_data` line of the configuration. Regenerate the file with `ruleops attack "
            "update enterprise-attack.json --output FILE`, or remove the setting to use the "
            "ATT&CK data shipped with ruleops."
        ),
        example="config",
        bad='[tool.ruleops]\nattack_data = "no/such/file.json"',
        good="[tool.ruleops]\n# no attack_data: the packaged ATT&CK data",
        tags=("attack",),
    )
)


@rule_check(
    emits=(
        FRAMEWORK_CODE,
        UNKNOWN_TACTIC,
        TACTIC_NAME,
        TACTIC_REFERENCE,
        UNKNOWN_TECHNIQUE,
        TECHNIQUE_NAME,
        TECHNIQUE_REFERENCE,
        WRONG_TACTIC,
        UNKNOWN_SUBTECHNIQUE,
        WRONG_PARENT,
        SUBTECHNIQUE_NAME,
        SUBTECHNIQUE_REFERENCE,
        REVOKED,
        DEPRECATED,
        DUPLICATE_TACTIC,
        DUPLICATE_TECHNIQUE,
        WRONG_LEVEL,
    )
)
def threat_mapping(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    if not rule.items("rule.threat"):
        return
    try:
        attack = load_attack(config.attack_data)
    except AttackDataError:
        return  # reported once for the run, by attack_data_usable
    yield from _ThreatWalk(rule, attack).run()


@corpus_check(emits=(DATA_UNUSABLE,))
def attack_data_usable(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    """One finding for unusable ATT&CK data, where it is configured, not one per rule."""
    if not any(rule.value("rule.threat") for rule in rules):
        return
    try:
        load_attack(config.attack_data)
    except AttackDataError as error:
        path, line = _configured_at(config)
        yield DATA_UNUSABLE.diagnostic(
            f"ATT&CK mappings were not checked: {error}",
            path,
            line,
            hint="fix or remove `attack_data` in [tool.ruleops] (without it, the ATT&CK data "
            "shipped with ruleops is used)",
        )


def _configured_at(config: Config) -> tuple[str, int]:
    """The config file and the line of its `attack_data` setting."""
    if config.source is None:
        return "<config>", 1

    try:
        lines = config.source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    line = next(
        (n for n, text in enumerate(lines, 1) if text.lstrip().startswith("attack_data")), 1
    )
    return display_path(config.source), line


@rule_check(emits=(TAG_WITHOUT_THREAT, TACTICS_UNTAGGED))
def tactic_tags(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    if rule.maturity == "deprecated":
        return
    tagged = [
        (path, tag[len(TAG_PREFIX) :].strip())
        for path, tag in rule.items("rule.tags")
        if isinstance(tag, str) and tag.startswith(TAG_PREFIX)
    ]
    threats = rule.items("rule.threat")
    if not tagged and not threats:
        return
    try:
        attack = load_attack(config.attack_data)
    except AttackDataError:
        return  # attack_data_usable reports it
    mapped: list[str] = []
    for threat in rule.entries("rule.threat"):
        tactic_id = threat.string("tactic.id")
        known = attack.tactic(tactic_id) if tactic_id is not None else None
        # An unknown id is RO201's finding; its written name still says what was meant.
        name = known.name if known else threat.string("tactic.name")
        if name and name not in mapped:
            mapped.append(name)
    folded = {name.casefold() for name in mapped}
    for tag_path, name in tagged:
        tactic = attack.tactic_named(name)
        if tactic is None:
            closest = _closest_tactic(attack, name)
            yield rule.diagnostic(
                TAG_WITHOUT_THREAT,
                f"tag 'Tactic: {name}' names no ATT&CK Enterprise tactic",
                tag_path,
                hint=f"did you mean 'Tactic: {closest}'?"
                if closest
                else "use an ATT&CK tactic name, e.g. 'Tactic: Credential Access'",
            )
        elif tactic.name.casefold() not in folded:
            where = f"it maps {', '.join(mapped)}" if mapped else "it has no [[rule.threat]] entry"
            yield rule.diagnostic(
                TAG_WITHOUT_THREAT,
                f"tag 'Tactic: {name}' names a tactic the rule does not map ({where})",
                tag_path,
                hint=f"add a [[rule.threat]] entry for {tactic.name} ({tactic.id}) "
                "or remove the tag",
            )
    if mapped and not any(
        attack.tactic_named(name) and name.casefold() in folded for _, name in tagged
    ):
        yield rule.diagnostic(
            TACTICS_UNTAGGED,
            f"the rule maps {', '.join(mapped)} but no 'Tactic:' tag names any of them",
            "rule.tags" if "tags" in rule.rule else "rule.threat",
            hint=f"add 'Tactic: {mapped[0]}' (the first mapped tactic) to tags",
        )


def _closest_tactic(attack: Attack, name: str) -> str | None:
    """The tactic name a misspelt one most likely means, compared case-insensitively."""

    names = {tactic.name.casefold(): tactic.name for tactic in attack.tactics.values()}
    close = difflib.get_close_matches(name.strip().casefold(), names, n=1)
    return names[close[0]] if close else None


def _id_entries(entries: list[Entry]) -> Iterator[tuple[Entry, str, bool]]:
    """(entry, id, whether the id came earlier) of each entry with a string id."""
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.string("id")
        if entry_id is None:
            continue
        yield entry, entry_id, entry_id in seen
        seen.add(entry_id)


class _ThreatWalk:
    """One pass over a rule's threat entries; shapes are the schema check's business."""

    def __init__(self, rule: Rule, attack: Attack) -> None:
        self.rule = rule
        self.attack = attack

    def run(self) -> Iterator[Diagnostic]:
        first_entry: dict[str, str] = {}
        for threat in self.rule.entries("rule.threat"):
            framework = threat.value("framework")
            if framework != FRAMEWORK:
                yield self._framework(framework, threat.path)
                continue
            tactic = threat.child("tactic")
            tactic_id = tactic.string("id")
            if tactic_id is not None and tactic_id in first_entry:
                other = self.rule.locate(first_entry[tactic_id]).line
                yield self.rule.diagnostic(
                    DUPLICATE_TACTIC,
                    f"tactic {tactic_id} is already mapped by the threat entry on line {other}",
                    tactic.at("id"),
                    hint="merge the techniques of both entries into one [[rule.threat]]",
                )
            elif tactic_id is not None:
                first_entry[tactic_id] = threat.path
            yield from self._tactic(tactic_id, tactic)
            known_tactic = tactic_id if tactic_id in self.attack.tactics else None
            yield from self._techniques(known_tactic, threat)

    def _framework(self, framework: Any, path: str) -> Diagnostic:
        if framework is None:
            return self.rule.diagnostic(
                FRAMEWORK_CODE,
                "threat entry has no framework",
                path,
                hint=f'add framework = "{FRAMEWORK}"',
            )
        return self.rule.diagnostic(
            FRAMEWORK_CODE,
            f"framework is {framework!r}; ATT&CK threat entries use {FRAMEWORK!r}",
            f"{path}.framework",
            hint=f'write framework = "{FRAMEWORK}"; this entry was not checked against ATT&CK',
        )

    def _tactic(self, tactic_id: str | None, tactic: Entry) -> Iterator[Diagnostic]:
        if tactic_id is None:
            return
        known = self.attack.tactic(tactic_id)
        if known is None:
            named = self.attack.tactic_named(tactic.string("name") or "")
            hint = (
                f"{named.name} is {named.id}"
                if named
                else "tactic ids look like TA0006; see https://attack.mitre.org/tactics/enterprise/"
            )
            yield self.rule.diagnostic(
                UNKNOWN_TACTIC,
                f"tactic {tactic_id!r} does not exist in ATT&CK Enterprise {self.attack.version}",
                tactic.at("id"),
                hint=hint,
            )
            return
        yield from self._name_and_reference(
            tactic,
            known.name,
            known.reference,
            f"tactic {tactic_id}",
            TACTIC_NAME,
            TACTIC_REFERENCE,
        )

    def _techniques(self, tactic_id: str | None, threat: Entry) -> Iterator[Diagnostic]:
        techniques = threat.entries("technique")
        listed = [technique.string("id") for technique in techniques]
        for technique, technique_id, repeated in _id_entries(techniques):
            tpath = technique.path
            if repeated:
                yield self.rule.diagnostic(
                    DUPLICATE_TECHNIQUE,
                    f"technique {technique_id} is listed twice under this tactic",
                    f"{tpath}.id",
                    hint="keep one entry and move its subtechniques there",
                )
            known = self.attack.technique(technique_id)
            if known is None:
                yield self._unknown(technique_id, f"{tpath}.id", "technique", UNKNOWN_TECHNIQUE)
                continue
            if known.is_subtechnique:
                yield self.rule.diagnostic(
                    WRONG_LEVEL,
                    f"{technique_id} ({known.name}) is a subtechnique, listed here as a technique",
                    f"{tpath}.id",
                    hint=f"list technique {known.parent} and nest {technique_id} under it as a "
                    "[[rule.threat.technique.subtechnique]]",
                )
                continue
            if known.revoked:
                yield self._revoked_technique(known, tactic_id, tpath, listed)
                continue
            if known.deprecated:
                yield self._deprecated(known, f"{tpath}.id")
            yield from self._name_and_reference(
                technique,
                known.name,
                known.reference,
                f"technique {technique_id}",
                TECHNIQUE_NAME,
                TECHNIQUE_REFERENCE,
            )
            fits = tactic_id is None or tactic_id in known.tactics
            if tactic_id is not None and not fits:
                yield self._wrong_tactic(known, tactic_id, f"{tpath}.id")
            # Subtechniques of a misplaced technique are misplaced with it: one finding.
            yield from self._subtechniques(known, tactic_id if fits else None, technique)

    def _subtechniques(
        self, parent: Technique, tactic_id: str | None, technique: Entry
    ) -> Iterator[Diagnostic]:
        subtechniques = technique.entries("subtechnique")
        listed = [sub.string("id") for sub in subtechniques]
        for sub, sub_id, repeated in _id_entries(subtechniques):
            spath = sub.path
            if repeated:
                yield self.rule.diagnostic(
                    DUPLICATE_TECHNIQUE,
                    f"subtechnique {sub_id} is listed twice under technique {parent.id}",
                    f"{spath}.id",
                    hint="remove the repeated entry",
                )
            known = self.attack.technique(sub_id)
            if known is None:
                yield self._unknown(sub_id, f"{spath}.id", "subtechnique", UNKNOWN_SUBTECHNIQUE)
                continue
            if not known.is_subtechnique:
                yield self.rule.diagnostic(
                    WRONG_LEVEL,
                    f"{sub_id} ({known.name}) is a technique, listed here as a subtechnique "
                    f"of {parent.id}",
                    f"{spath}.id",
                    hint=f"list {sub_id} as a [[rule.threat.technique]] of its own",
                )
                continue
            if known.revoked:
                yield self._revoked_subtechnique(known, parent, tactic_id, spath, listed)
                continue
            if known.parent != parent.id:
                owner = self.attack.technique(known.parent or "")
                yield self.rule.diagnostic(
                    WRONG_PARENT,
                    f"{sub_id} ({known.name}) is a subtechnique of {known.parent}"
                    f"{f' ({owner.name})' if owner else ''}, not of {parent.id} ({parent.name})",
                    f"{spath}.id",
                    hint=f"nest {sub_id} under technique {known.parent}",
                )
                continue
            if known.deprecated:
                yield self._deprecated(known, f"{spath}.id")
            yield from self._name_and_reference(
                sub,
                known.name,
                known.reference,
                f"subtechnique {sub_id}",
                SUBTECHNIQUE_NAME,
                SUBTECHNIQUE_REFERENCE,
            )
            if tactic_id is not None and tactic_id not in known.tactics:
                yield self._wrong_tactic(known, tactic_id, f"{spath}.id")

    def _name_and_reference(
        self,
        entry: Entry,
        name: str,
        reference: str,
        what: str,
        name_info: CheckInfo,
        reference_info: CheckInfo,
    ) -> Iterator[Diagnostic]:
        written = entry.string("name")
        if written is not None and written != name:
            yield self._fixable(
                name_info,
                f"{what} is named {name!r} in ATT&CK {self.attack.version}, not {written!r}",
                entry.at("name"),
                f'write name = "{name}"',
                ((entry.at("name"), name),),
            )
        written = entry.string("reference")
        if written is not None and written != reference:
            yield self._fixable(
                reference_info,
                f"reference of {what} should be {reference}, not {written}",
                entry.at("reference"),
                "the reference URL is derived from the id",
                ((entry.at("reference"), reference),),
            )

    def _fixable(
        self, info: CheckInfo, message: str, key_path: str, hint: str, fix: Fix
    ) -> Diagnostic:
        found = self.rule.diagnostic(info, message, key_path, hint=hint)
        return replace(found, fix=fix) if fix else found

    def _unknown(self, attack_id: str, key_path: str, kind: str, info: CheckInfo) -> Diagnostic:
        if looks_like_tactic_id(attack_id):
            hint = f"{attack_id} is a tactic id; {kind} ids look like T1003" + (
                ".001" if kind == "subtechnique" else ""
            )
        elif kind == "technique" and not looks_like_technique_id(attack_id):
            hint = "technique ids are T and four digits, e.g. T1003"
        elif kind == "subtechnique" and not looks_like_subtechnique_id(attack_id):
            hint = "subtechnique ids are a technique id, a dot and three digits, e.g. T1003.001"
        else:
            hint = "check the id on https://attack.mitre.org/techniques/enterprise/"
        return self.rule.diagnostic(
            info,
            f"{kind} {attack_id!r} does not exist in ATT&CK Enterprise {self.attack.version}",
            key_path,
            hint=hint,
        )

    def _deprecated(self, known: Technique, key_path: str) -> Diagnostic:
        kind = "subtechnique" if known.is_subtechnique else "technique"
        return self.rule.diagnostic(
            DEPRECATED,
            f"{kind} {known.id} ({known.name}) is deprecated in ATT&CK {self.attack.version}",
            key_path,
            hint="ATT&CK gives no replacement; map a current technique instead",
        )

    def _wrong_tactic(self, known: Technique, tactic_id: str, key_path: str) -> Diagnostic:
        tactic = self.attack.tactics[tactic_id]
        return self.rule.diagnostic(
            WRONG_TACTIC,
            f"{known.id} ({known.name}) belongs to {self.attack.tactic_names(known.tactics)}, "
            f"not to {tactic.name} ({tactic_id})",
            key_path,
            hint="list it under a [[rule.threat]] entry of one of its tactics",
        )

    def _revoked_technique(
        self,
        known: Technique,
        tactic_id: str | None,
        path: str,
        listed: list[str | None],
    ) -> Diagnostic:
        replacement = self.attack.technique(known.revoked_by or "")
        message = f"technique {known.id} ({known.name}) is revoked in ATT&CK {self.attack.version}"
        if replacement is None:
            return self.rule.diagnostic(
                REVOKED,
                message + "; ATT&CK names no replacement",
                f"{path}.id",
                hint="map a current technique that describes the behaviour",
            )
        message += f", replaced by {replacement.id} ({replacement.name})"
        technique = (
            self.attack.technique(replacement.parent or "")
            if replacement.is_subtechnique
            else replacement
        )
        problem = self._placement_problem(replacement, tactic_id)
        if technique is None:
            problem = problem or f"{replacement.id} has no parent technique in the data"
        elif technique.id in listed:
            problem = problem or f"{technique.id} is already listed under this tactic"
        elif replacement.is_subtechnique and self.rule.value(f"{path}.subtechnique") is not None:
            problem = problem or "this entry already has subtechniques"
        if problem or technique is None:
            return self.rule.diagnostic(
                REVOKED,
                message,
                f"{path}.id",
                hint=f"{problem}; map {replacement.id} by hand and remove {known.id}",
            )
        fix: list[tuple[str, object]] = [
            (f"{path}.id", technique.id),
            (f"{path}.name", technique.name),
            (f"{path}.reference", technique.reference),
        ]
        if replacement.is_subtechnique:
            fix.append((f"{path}.subtechnique", [_entry(replacement)]))
        target = (
            f"technique {technique.id} with subtechnique {replacement.id}"
            if replacement.is_subtechnique
            else f"{replacement.id}"
        )
        return self._fixable(
            REVOKED, message, f"{path}.id", f"replace it with {target}", tuple(fix)
        )

    def _revoked_subtechnique(
        self,
        known: Technique,
        parent: Technique,
        tactic_id: str | None,
        path: str,
        listed: list[str | None],
    ) -> Diagnostic:
        replacement = self.attack.technique(known.revoked_by or "")
        message = (
            f"subtechnique {known.id} ({known.name}) is revoked in ATT&CK {self.attack.version}"
        )
        if replacement is None:
            return self.rule.diagnostic(
                REVOKED,
                message + "; ATT&CK names no replacement",
                f"{path}.id",
                hint="map a current subtechnique that describes the behaviour",
            )
        message += f", replaced by {replacement.id} ({replacement.name})"
        problem: str | None
        if not replacement.is_subtechnique:
            problem = (
                f"{replacement.id} is a technique of "
                f"{self.attack.tactic_names(replacement.tactics)}: list it as a "
                "[[rule.threat.technique]] under that tactic"
            )
        elif replacement.parent != parent.id:
            problem = f"{replacement.id} is a subtechnique of {replacement.parent}: nest it there"
        elif replacement.id in listed:
            problem = f"{replacement.id} is already listed under {parent.id}"
        else:
            problem = self._placement_problem(replacement, tactic_id)
        if problem:
            return self.rule.diagnostic(
                REVOKED,
                message,
                f"{path}.id",
                hint=f"{problem} and remove {known.id}",
            )
        return self._fixable(
            REVOKED,
            message,
            f"{path}.id",
            f"replace it with {replacement.id}",
            (
                (f"{path}.id", replacement.id),
                (f"{path}.name", replacement.name),
                (f"{path}.reference", replacement.reference),
            ),
        )

    def _placement_problem(self, replacement: Technique, tactic_id: str | None) -> str | None:
        if tactic_id is not None and tactic_id not in replacement.tactics:
            return (
                f"{replacement.id} belongs to "
                f"{self.attack.tactic_names(replacement.tactics)}, not to this tactic"
            )
        return None


def _entry(technique: Technique) -> dict[str, str]:
    return {"id": technique.id, "name": technique.name, "reference": technique.reference}
