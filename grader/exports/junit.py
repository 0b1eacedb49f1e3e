"""JUnit XML, as GitHub Classroom, GitLab and most CI dashboards read it.

One <testsuite> per student, one <testcase> per check: a failed or partial check carries a
<failure>, a pending manual check is <skipped>, and a notebook that could not be graded, timed out
or crashed adds an <error> testcase. Hidden checks keep their points but not their messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.course import LoadedAssignment
from grader.exports.common import points, student_output
from grader.gradebook.records import ClassEntry
from grader.results import CheckResult, CheckStatus, Status


def render(entries: list[ClassEntry], assignment: LoadedAssignment) -> str:
    root = ET.Element("testsuites", name=assignment.spec.title)
    suites = [_suite(entry, assignment.id) for entry in entries]
    root.extend(suites)
    for counter in ("tests", "failures", "errors", "skipped"):
        root.set(counter, str(sum(int(suite.attrib[counter]) for suite in suites)))
    root.set("time", f"{sum(float(suite.attrib['time']) for suite in suites):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(entry: ClassEntry, assignment_id: str) -> ET.Element:
    result = entry.result
    classname = f"{assignment_id}.{entry.student.id}"
    suite = ET.Element("testsuite", name=f"{assignment_id} — {entry.student.name}",
                       time=f"{result.timings.get('total', 0.0):.3f}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("student_id", entry.student.id), ("submission_id", entry.submission_id),
                        ("status", result.status.value), ("score", f"{points(result.score):g}"),
                        ("max_score", f"{points(result.max_score):g}"), ("passed", str(result.passed).lower())):
        ET.SubElement(properties, "property", name=name, value=value)
    cases = [_case(check, number, classname) for number, check in enumerate(result.checks, start=1)]
    if result.status is not Status.GRADED:
        error = ET.Element("testcase", name="notebook", classname=classname, time="0")
        ET.SubElement(error, "error", message=result.message or result.status.value, type=result.status.value)
        cases.insert(0, error)
    suite.extend(cases)
    suite.set("tests", str(len(cases)))
    for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(counter, str(sum(1 for case in cases if case.find(tag) is not None)))
    return suite


def _case(check: CheckResult, number: int, classname: str) -> ET.Element:
    title = f"Hidden check {number}" if check.visibility == "hidden" else check.title
    case = ET.Element("testcase", name=f"{title} [{points(check.points):g}/{points(check.max_points):g}]",
                      classname=classname, time="0")
    if check.status is CheckStatus.PENDING:
        ET.SubElement(case, "skipped", message="graded by hand; points not entered yet")
    elif check.status is not CheckStatus.PASSED:
        output = student_output(check)
        failure = ET.SubElement(case, "failure", message=output.splitlines()[0] if output else check.status.value,
                                type=check.status.value)
        failure.text = output
    return case
