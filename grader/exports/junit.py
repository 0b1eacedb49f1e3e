"""JUnit XML as Jenkins reads it (the xUnit plugin's junit-10.xsd; GitLab reads the same), one
<testsuite> per student and one <testcase> per check.

A test's name is the check's title (`Hidden check N` for a hidden one), so it stays the same
whatever the check scored; the points go in the case's <system-out> and a failure's message. A
failed or partial check carries a <failure>, a pending manual check is <skipped>, and a notebook
that was not graded adds a `notebook` case with an <error>. Hidden checks keep their points but
not their messages.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.course import LoadedAssignment
from grader.exports.common import NO_OPTIONS, ExportOptions, Rendered, check_name, points, student_output
from grader.gradebook.records import ClassEntry
from grader.results import CheckResult, CheckStatus, Status

NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0's Char production


def xml_text(text: str) -> str:
    """Text XML 1.0 may hold: a notebook's output can carry ANSI escapes and other control
    characters, which no XML parser accepts; each becomes U+FFFD."""
    return NOT_IN_XML.sub("\ufffd", text)


def render(entries: list[ClassEntry], assignment: LoadedAssignment,
           options: ExportOptions = NO_OPTIONS) -> Rendered:
    root = ET.Element("testsuites", name=xml_text(assignment.spec.title))
    suites = [_suite(entry, assignment.id) for entry in entries]
    root.extend(suites)
    for counter in ("tests", "failures", "errors"):  # junit-10.xsd has no `skipped` on <testsuites>
        root.set(counter, str(sum(int(suite.attrib[counter]) for suite in suites)))
    root.set("time", f"{sum(float(suite.attrib['time']) for suite in suites):.3f}")
    ET.indent(root)
    return Rendered(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _suite(entry: ClassEntry, assignment_id: str) -> ET.Element:
    result = entry.result
    classname = xml_text(f"{assignment_id}.{entry.student.id}")
    suite = ET.Element("testsuite", name=xml_text(f"{assignment_id} — {entry.student.name}"),
                       time=f"{result.timings.get('total', 0.0):.3f}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("student_id", entry.student.id), ("submission_id", entry.submission_id),
                        ("status", result.status.value), ("score", f"{points(result.score):g}"),
                        ("max_score", f"{points(result.max_score):g}"), ("passed", str(result.passed).lower())):
        ET.SubElement(properties, "property", name=name, value=xml_text(value))
    cases = [_case(check, number, classname) for number, check in enumerate(result.checks, start=1)]
    if result.status is not Status.GRADED:
        error = ET.Element("testcase", name="notebook", classname=classname, time="0")
        ET.SubElement(error, "error", message=xml_text(result.message or result.status.value),
                      type=result.status.value)
        cases.insert(0, error)
    suite.extend(cases)
    suite.set("tests", str(len(cases)))
    for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(counter, str(sum(1 for case in cases if case.find(tag) is not None)))
    return suite


def _case(check: CheckResult, number: int, classname: str) -> ET.Element:
    case = ET.Element("testcase", name=xml_text(check_name(check, number)), classname=classname, time="0")
    earned = f"{points(check.points):g}/{points(check.max_points):g} points"
    if check.status is CheckStatus.PENDING:
        ET.SubElement(case, "skipped", message="graded by hand; points not entered yet")
    elif check.status is not CheckStatus.PASSED:
        output = xml_text(student_output(check))
        first = output.splitlines()[0] if output else check.status.value
        failure = ET.SubElement(case, "failure", message=f"{first} ({earned})", type=check.status.value)
        failure.text = output
    ET.SubElement(case, "system-out").text = earned
    return case
