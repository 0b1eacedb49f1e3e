"""Solution markers in a code cell of a master source, read as nbgrader and otter-grader read them.

- `### BEGIN SOLUTION` ... `### END SOLUTION` (nbgrader; otter's `# BEGIN SOLUTION` too): the
  region stays in the reference. In the starter it becomes the prompt block that follows it
  directly, or nothing when the begin line says `NO PROMPT` (otter), or else nbgrader's stub
  `# YOUR CODE HERE` + `raise NotImplementedError()`, indented as the begin line.
- `### BEGIN PROMPT` ... `### END PROMPT` (any line ending in `# BEGIN PROMPT`, so otter's form,
  three double quotes then `# BEGIN PROMPT`, keeps the prompt a harmless string while the master
  runs): the lines between appear only in the starter.
- A line ending in `# SOLUTION` (otter): the starter gets `name = ...` for an assignment, `...`
  otherwise; `# SOLUTION NO PROMPT` drops the line from the starter. The reference keeps the line
  without the marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.authoring.errors import AuthoringError, CellPlace

CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")   # nbgrader's ClearSolutions.code_stub
BEGIN_SOLUTION = re.compile(r"^(\s*)#+ BEGIN SOLUTION( NO PROMPT)?$")
END_SOLUTION = re.compile(r"^\s*#+ END SOLUTION$")
BEGIN_PROMPT, END_PROMPT = "# BEGIN PROMPT", "# END PROMPT"
SOLUTION_LINE, SOLUTION_LINE_NO_PROMPT = "# SOLUTION", "# SOLUTION NO PROMPT"
ASSIGNMENT = re.compile(r"^(\s*(?:[\w.]+(?:\[[^\]]*\])*(?:,\s*)?)+\s*=)(?!=)")


@dataclass(frozen=True)
class SolutionLine:
    """A line of solution text, by its line in the master cell."""

    line: int
    text: str


@dataclass
class SplitCell:
    """A code cell's two forms, the solution lines the starter must not contain and the prompt
    lines the author shows on purpose."""

    student: list[str] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)
    solution: list[SolutionLine] = field(default_factory=list)
    prompt: list[str] = field(default_factory=list)

    def both(self, line: str) -> None:
        self.student.append(line)
        self.reference.append(line)


def is_marker(line: str) -> bool:
    text = line.rstrip()
    return bool(BEGIN_SOLUTION.match(text) or END_SOLUTION.match(text)) or text.endswith(
        (BEGIN_PROMPT, END_PROMPT, SOLUTION_LINE, SOLUTION_LINE_NO_PROMPT))


def split_code(source: str, place: CellPlace) -> SplitCell:
    """The student and reference forms of one code cell; a misplaced marker is an AuthoringError."""
    lines = source.split("\n")
    cell = SplitCell()
    state, opened = "", 0         # "", "solution" or "prompt"; the line that opened it
    indent, no_prompt = "", False
    for number, line in enumerate(lines, start=1):
        text = line.rstrip()
        begin = BEGIN_SOLUTION.match(text)
        if begin:
            if state:
                raise AuthoringError(f"{place.at(number)}: BEGIN SOLUTION inside the {state} region opened "
                                     f"on line {opened}: close it first (END {state.upper()})")
            state, opened, indent, no_prompt = "solution", number, begin.group(1), bool(begin.group(2))
        elif END_SOLUTION.match(text):
            if state != "solution":
                raise AuthoringError(f"{place.at(number)}: END SOLUTION without a BEGIN SOLUTION before it")
            state = ""
            prompt_follows = number < len(lines) and lines[number].rstrip().endswith(BEGIN_PROMPT)
            if not (prompt_follows or no_prompt):
                cell.student += [indent + stub for stub in CODE_STUB]
        elif text.endswith(BEGIN_PROMPT):
            if state:
                raise AuthoringError(f"{place.at(number)}: BEGIN PROMPT inside the {state} region opened "
                                     f"on line {opened}: close it first (END {state.upper()})")
            state, opened = "prompt", number
        elif text.endswith(END_PROMPT):
            if state != "prompt":
                raise AuthoringError(f"{place.at(number)}: END PROMPT without a BEGIN PROMPT before it")
            state = ""
        elif state == "solution":
            cell.reference.append(line)
            cell.solution.append(SolutionLine(number, line))
        elif state == "prompt":
            cell.student.append(line)
            cell.prompt.append(line)
        elif text.endswith((SOLUTION_LINE, SOLUTION_LINE_NO_PROMPT)):
            _solution_line(cell, number, text)
        else:
            cell.both(line)
    if state:
        raise AuthoringError(f"{place.at(opened)}: BEGIN {state.upper()} is never closed: "
                             f"add END {state.upper()} before the end of the cell")
    return cell


def _solution_line(cell: SplitCell, number: int, text: str) -> None:
    """otter's one-line solution: `x = 42  # SOLUTION` is `x = ...` in the starter."""
    no_prompt = text.endswith(SOLUTION_LINE_NO_PROMPT)
    code = text.removesuffix(SOLUTION_LINE_NO_PROMPT if no_prompt else SOLUTION_LINE).rstrip()
    cell.reference.append(code)
    cell.solution.append(SolutionLine(number, code))
    if not no_prompt:
        assignment = ASSIGNMENT.match(code)
        cell.student.append(assignment.group(1) + " ..." if assignment else
                            code[:len(code) - len(code.lstrip())] + "...")


def reject_markers(source: str, place: CellPlace) -> None:
    """Markers work in code cells only: in markdown they would reach the student as text."""
    for number, line in enumerate(source.split("\n"), start=1):
        if is_marker(line):
            raise AuthoringError(f"{place.at(number)}: a solution marker in a markdown cell ({line.strip()!r}); "
                                 "markers work in code cells only: tag the whole markdown cell 'solution' "
                                 "(and put the student's text in a cell tagged 'prompt' right after it)")
