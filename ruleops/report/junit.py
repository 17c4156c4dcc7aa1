"""JUnit XML, the test report every CI system can show.

`ruleops.check` has one test case per finding (a failure when the finding fails the run) and
one passing case per clean file, so the report also says what was checked; `ruleops.fixtures`
(from `ruleops test`) has one test case per fixture case, and there the `ruleops.check` suite
appears only when there are findings. Fixture case results are duck-typed (rule_id, rule, case,
expect, outcome, explanation, path, line) so any runner can feed them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import IO, Any, BinaryIO, cast

from ruleops.diagnostics import Diagnostic, Severity, printable
from ruleops.report import Report


def junit_tree(
    diagnostics: Iterable[Diagnostic],
    files: Iterable[str],
    *,
    cases: Iterable[Any] | None = None,
    failing: Severity = Severity.ERROR,
) -> ET.ElementTree:
    diagnostics, files = list(diagnostics), list(files)
    root = ET.Element("testsuites", name="ruleops")
    if cases is None or diagnostics or files:
        root.append(_check_suite(diagnostics, files, failing))
    if cases is not None:
        root.append(_fixture_suite(list(cases)))
    _total(root, root.findall("testsuite"))
    for element in root.iter():
        _make_legal(element)
    return ET.ElementTree(root)


# Characters XML 1.0 cannot hold, even as character references: a report that holds one is
# rejected by every reader. They come from file names that are not UTF-8 (as lone
# surrogates) and from control characters in rule values quoted in messages.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _legal(text: str) -> str:
    text = printable(text)
    return _ILLEGAL.sub(lambda m: f"\\u{ord(m[0]):04x}", text) if _ILLEGAL.search(text) else text


def _make_legal(element: ET.Element) -> None:
    for key, value in element.attrib.items():
        element.set(key, _legal(value))
    if element.text:
        element.text = _legal(element.text)
    if element.tail:
        element.tail = _legal(element.tail)


def write_report(report: Report, out: IO[Any], failing: Severity) -> None:
    """One test case per rule file (and per fixture case of `ruleops test`)."""
    diagnostics = report.diagnostics
    files = {rule.path for rule in report.rules}
    files |= {d.path for d in diagnostics if not d.path.startswith("<")}
    binary = cast(BinaryIO, out.buffer if hasattr(out, "buffer") else out)
    write_junit(diagnostics, files, binary, cases=report.cases or None, failing=failing)
    if binary is not out:
        binary.flush()


def write_junit(
    diagnostics: Iterable[Diagnostic],
    files: Iterable[str],
    out: BinaryIO,
    *,
    cases: Iterable[Any] | None = None,
    failing: Severity = Severity.ERROR,
) -> None:
    tree = junit_tree(diagnostics, files, cases=cases, failing=failing)
    ET.indent(tree)
    tree.write(out, encoding="utf-8", xml_declaration=True)


def _check_suite(
    diagnostics: list[Diagnostic], files: Iterable[str], failing: Severity
) -> ET.Element:
    suite = ET.Element("testsuite", name="ruleops.check")
    with_findings = {d.path for d in diagnostics}
    for path in sorted(set(files) - with_findings):
        ET.SubElement(suite, "testcase", name="no findings", classname=path, file=path)
    for d in diagnostics:
        case = ET.SubElement(
            suite,
            "testcase",
            name=f"{d.code} {d.name} at line {d.line}, column {d.column}",
            classname=d.path,
            file=d.path,
            line=str(d.line),
        )
        detail = d.headline()
        if d.hint:
            detail += f"\nhint: {d.hint}"
        if d.severity >= failing:
            failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = detail
        else:
            # Below the failing level the finding is reported, not failed.
            ET.SubElement(case, "system-out").text = detail
    return suite


def _fixture_suite(cases: list[Any]) -> ET.Element:
    suite = ET.Element("testsuite", name="ruleops.fixtures")
    for result in cases:
        rule = getattr(result, "rule", None) or getattr(result, "rule_id", "")
        attributes = {
            "name": f"{result.case} (expect {result.expect})",
            "classname": str(rule),
        }
        path = getattr(result, "path", None)
        if path:
            attributes["file"] = str(path)
            line = getattr(result, "line", None)
            if line:
                attributes["line"] = str(line)
        case = ET.SubElement(suite, "testcase", attributes)
        if result.outcome != "pass":
            explanation = getattr(result, "explanation", "") or ""
            failure = ET.SubElement(
                case,
                "failure",
                message=f"expected {result.expect}, got the opposite",
                type="fixture",
            )
            failure.text = explanation
    return suite


def _total(root: ET.Element, suites: list[ET.Element]) -> None:
    for suite in suites:
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", "0")
        suite.set("skipped", "0")
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    root.set("errors", "0")
