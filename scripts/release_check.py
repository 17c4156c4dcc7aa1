"""Is this tag ready to be a release? `python scripts/release_check.py v0.1.0`

The release workflow (.github/workflows/release.yml) runs it on every pushed tag v*.*.*
before it moves the major tag: the tag must be `v` + the version in ruleops/__init__.py, and
CHANGELOG.md must have a dated section for that version (`## 0.1.0 (2026-01-31)`).
Exits 1 and says what is missing otherwise.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_version(root: Path) -> str:
    """`__version__` of ruleops/__init__.py, read without importing the package."""
    tree = ast.parse((root / "ruleops" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise ValueError("ruleops/__init__.py has no literal __version__")


def changelog_heading(version: str, changelog: str) -> str | None:
    """What follows the version in its CHANGELOG heading: a date, `unreleased`, or None."""
    found = re.search(rf"(?m)^## {re.escape(version)} \((?P<when>[^)]*)\)\s*$", changelog)
    return found.group("when") if found else None


def problems(tag: str, root: Path = ROOT) -> list[str]:
    version = package_version(root)
    found = []
    if tag != f"v{version}":
        found.append(f"the tag {tag} is not v{version}, the version in ruleops/__init__.py")
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    when = changelog_heading(version, text)
    if when is None:
        found.append(f"CHANGELOG.md has no section '## {version} (YYYY-MM-DD)'")
    elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        found.append(f"CHANGELOG.md's section for {version} says ({when}), not the release date")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, e.g. v0.1.0")
    found = problems(parser.parse_args(argv).tag)
    for problem in found:
        print(f"release_check: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
