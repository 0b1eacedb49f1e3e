"""Whether the parameters the grader injected (assignment.yaml `parameters`) still held when the
notebook finished, read from the value probe the harness runs after the last cell.

A notebook without a cell tagged `parameters` gets them after each cell that assigns them at
the top level (grader.harness.notebook.parameter_positions); one that sets them again where the
grader cannot see it (in a function with `global`, a loop, a `%%magic` cell, a cell that does not
parse) ran with its own value, and the feedback says so. The value at the end is the one
judgement that holds whatever the code looks like, so it is read at run time, not guessed from
the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.base import short
from grader.checks.values import close_enough
from grader.contract import ContractError, DescribeResult
from grader.harness.notebook import parameter_probe_id
from grader.i18n import N_, Text
from grader.observations import Observations


def overwritten_parameters(parameters: Mapping[str, Any], observations: Observations) -> list[Text]:
    """A note for each injected parameter whose value the notebook changed afterwards; nothing
    for those that held, or whose value could not be read (the run ended before the probes)."""
    notes: list[Text] = []
    for name, injected in parameters.items():
        try:
            result = observations.result(parameter_probe_id(name), DescribeResult)
        except ContractError:
            continue
        if not (result.ok and result.exists):
            continue
        held = result.value is not None and close_enough(result.value, injected, rtol=1e-9, atol=0)[0]
        if not held:
            found = short(result.value, 80) if result.value is not None else N_("a {type}", type=result.type)
            notes.append(N_("{name} was set to {injected} for grading, but the notebook changed it afterwards: it was "
                            "{found} when the notebook finished, so the cells after that change ran with it. Set "
                            "{name} once, at the top level of a cell (ideally the cell tagged 'parameters'), not "
                            "inside a function, a loop or a %%magic cell.", name=name, injected=short(injected, 80),
                            found=found))
    return notes
