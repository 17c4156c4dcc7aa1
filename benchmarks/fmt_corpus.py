"""Time `ruleops fmt` over the corpus, and count the files it would change and why.

python benchmarks/fmt_corpus.py [RULES_FOLDER]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ruleops import formatting
from ruleops.formatting import format_text
from ruleops.suppressions import scan_lines

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def _changed_by(texts: list[str], **off) -> int:
    """Files changed with some steps of the formatter switched off (to attribute changes)."""
    saved = {name: getattr(formatting, name) for name in off}
    try:
        for name, replacement in off.items():
            setattr(formatting, name, replacement)
        return sum(format_text(t, verify=False).changed for t in texts)
    finally:
        for name, original in saved.items():
            setattr(formatting, name, original)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.toml"))]

    start = time.perf_counter()
    results = [format_text(t) for t in texts]
    first = time.perf_counter() - start
    changed = [r for r in results if r.changed]
    start = time.perf_counter()
    again = sum(format_text(r.text).changed for r in changed)
    second = time.perf_counter() - start
    start = time.perf_counter()
    for t in texts:
        scan_lines(t)
    scan = time.perf_counter() - start

    print(f"{len(texts)} files; fmt changes {len(changed)}; a second pass changes {again}")
    print(f"first pass {first:.2f} s ({first / len(texts) * 1000:.1f} ms/file, verified)")
    print(f"second pass over the changed files {second:.2f} s")
    print(f"comment/line scanner alone {scan:.2f} s")
    keep = {
        "_sort_keys": lambda container, tail: None,
        "_format_array": lambda array: None,
        "_format_string": lambda item, block=False: None,
        "_order_top_level": lambda text: text,
    }
    for step in keep:
        only = {name: fn for name, fn in keep.items() if name != step}
        print(f"  changed by {step.lstrip('_')} alone: {_changed_by(texts, **only)}")


if __name__ == "__main__":
    main()
