"""Generate ruleops/data/ecs.json from ECS's own flat field definitions.

Usage:
    cd "$(mktemp -d)" && npm pack @elastic/ecs@9.4.0
    python scripts/build_ecs_data.py elastic-ecs-9.4.0.tgz

The argument may be:
- the npm tarball of @elastic/ecs (its `build/commonjs/ecs_flat.js` is read, see below),
- an extracted `ecs_flat.js` from that package (use the one under `build/commonjs/`),
- `ecs_flat.yml` from the ECS repository (`generated/ecs/ecs_flat.yml`; needs PyYAML, a
  script-time dependency only: ruleops itself never imports yaml),
- a JSON file holding the same flat mapping.

The npm package ships the flat definitions as a JavaScript module (`exports.EcsFlat = {...}`);
it is evaluated with Node.js (which `npm pack` implies is present) and read back as JSON, so
no hand-written JavaScript parsing can drift from what ECS published.

The output is our own compact shape: field -> type, the allowed values of the categorisation
fields, the event.type values expected with each category, the top-level field set names
the multi-fields (`process.command_line.text`) and ECS's example value of each string field
that has a single one (`user.name`: "a.einstein"), for lifelike generated fixtures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CATEGORISATION_FIELDS = ("event.category", "event.type", "event.kind", "event.outcome")
STRING_TYPES = frozenset({"keyword", "constant_keyword", "wildcard", "text", "match_only_text"})
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "ruleops" / "data" / "ecs.json"
# The package carries the flat definitions twice as JavaScript. In 9.4.0 the copy under
# `generated/` is stale (about 1,670 fields, no `process.group.*`) while the CommonJS build,
# compiled from the current `generated/ecs_flat.ts`, has all of them (about 2,600): read that.
_JS_MEMBERS = ("package/build/commonjs/ecs_flat.js", "package/generated/ecs_flat.js")


def read_flat(source: Path) -> tuple[dict, str | None]:
    """The flat definitions (field -> definition) and the version, when the source says it."""
    name = source.name
    if name.endswith((".tgz", ".tar.gz")):
        return _read_tarball(source)
    if name.endswith(".js"):
        return _evaluate_js(source), None
    if name.endswith((".yml", ".yaml")):
        try:
            import yaml  # noqa: PLC0415 -- optional: only this source needs it
        except ImportError:
            sys.exit("reading ecs_flat.yml needs PyYAML: pip install pyyaml")
        return yaml.safe_load(source.read_text(encoding="utf-8")), None
    return json.loads(source.read_text(encoding="utf-8")), None


def _read_tarball(source: Path) -> tuple[dict, str | None]:
    with tarfile.open(source) as archive:
        package = json.load(archive.extractfile("package/package.json"))
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "ecs_flat.js"
            names = set(archive.getnames())
            chosen = next((m for m in _JS_MEMBERS if m in names), None)
            if chosen is None:
                sys.exit(f"{source}: none of {', '.join(_JS_MEMBERS)} in the tarball")
            target.write_bytes(archive.extractfile(chosen).read())
            return _evaluate_js(target), package.get("version")


def _evaluate_js(path: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        sys.exit("reading ecs_flat.js needs Node.js (`node` on PATH)")
    program = (
        "const m = require(process.argv[1]);"
        "process.stdout.write(JSON.stringify(m.EcsFlat || m.default || m));"
    )
    result = subprocess.run(
        [node, "-e", program, str(path.resolve())],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"node could not evaluate {path}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def compact(flat: dict, version: str) -> dict:
    fields: dict[str, str] = {}
    multi_fields: dict[str, str] = {}
    allowed: dict[str, list[str]] = {}
    expected_types: dict[str, list[str]] = {}
    examples: dict[str, str] = {}
    for name, definition in sorted(flat.items()):
        fields[name] = definition["type"]
        example = _single_example(definition)
        if example is not None:
            examples[name] = example
        for multi in definition.get("multi_fields", ()):
            multi_fields[multi["flat_name"]] = multi["type"]
        if name in CATEGORISATION_FIELDS:
            allowed[name] = sorted(v["name"] for v in definition.get("allowed_values", ()))
        if name == "event.category":
            for value in definition.get("allowed_values", ()):
                if value.get("expected_event_types"):
                    expected_types[value["name"]] = sorted(value["expected_event_types"])
    missing = [f for f in CATEGORISATION_FIELDS if not allowed.get(f)]
    if missing:
        sys.exit(f"the definitions have no allowed values for {', '.join(missing)}")
    # A field set is a namespace holding dotted fields; root fields such as `message` and
    # `tags` are fields, not namespaces.
    field_sets = sorted({name.split(".", 1)[0] for name in fields if "." in name})
    return {
        "ecs_version": version,
        "source": "@elastic/ecs npm package, ecs_flat (generated by scripts/build_ecs_data.py)",
        "fields": fields,
        "multi_fields": multi_fields,
        "allowed_values": {f: allowed[f] for f in CATEGORISATION_FIELDS},
        # The event.type values ECS expects with each event.category value.
        "expected_event_types": expected_types,
        "field_sets": field_sets,
        "examples": examples,
    }


def _single_example(definition: dict) -> str | None:
    """A string field's example as one value: not ECS's list notation (`["a", "b"]`) nor
    its alternatives (`https://… or /search?q=…`)."""
    example = definition.get("example")
    if definition["type"] not in STRING_TYPES or isinstance(example, bool):
        return None
    if isinstance(example, int):
        return str(example)
    if not isinstance(example, str) or example.startswith("[") or " or " in example:
        return None
    return example


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="@elastic/ecs tarball, ecs_flat.js/.yml/.json")
    parser.add_argument("--version", help="ECS version, when the source does not carry it")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    flat, found_version = read_flat(args.source)
    version = args.version or found_version or _version_from_name(args.source.name)
    if version is None:
        sys.exit("cannot tell the ECS version from the source; pass --version")
    data = compact(flat, version)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(
        f"{args.output}: ECS {version}, {len(data['fields'])} fields, "
        f"{len(data['multi_fields'])} multi-fields, {len(data['field_sets'])} field sets"
    )
    return 0


def _version_from_name(name: str) -> str | None:
    found = re.search(r"(\d+\.\d+\.\d+)", name)
    return found.group(1) if found else None


if __name__ == "__main__":
    raise SystemExit(main())
