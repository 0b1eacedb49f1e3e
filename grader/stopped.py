"""Why the grader stopped a cell or a whole run, worded once. The harness renders these texts in
English for the executed notebook and observations.json; the host renders the same texts in the
page's language, from the typed record (`CellRecord.overrun`) or the text the harness sent
(`reason_text`), so the banner and the cell tell one story in every language."""

from __future__ import annotations

from grader.contract.execution import Overrun
from grader.i18n.text import N_, N_plural, Text


def overrun_text(overrun: Overrun) -> Text:
    """What a student reads about a cell the grader stopped: which limit, and whose time it was."""
    scope = N_("the notebook's total budget") if overrun.budget == "total" else N_("its budget")
    cores = N_plural("{n} core", "{n} cores", n=overrun.threads)
    if overrun.by == "work":
        return N_("the cell used {scope} of {cpu:g} CPU seconds ({seconds:g} s on {cores}) and was interrupted; "
                  "this counts the notebook's own work, whatever else the machine was doing",
                  scope=scope, cpu=overrun.cpu_seconds, seconds=overrun.seconds, cores=cores)
    return N_("the cell waited longer than {wall:g} s without finishing (sleeping or blocked rather than computing; "
              "{scope} is {seconds:g} s of computing) and was interrupted",
              wall=overrun.wall_seconds, scope=scope, seconds=overrun.seconds)


def setup_failed(error: str) -> Text:
    return N_("the grader's setup cell failed: {error}", error=error)


def kernel_died(cell_number: int | None) -> Text:
    return N_("the kernel died while running cell {cell}", cell=cell_number if cell_number is not None else "?")


def total_waited(wall_seconds: float, budget_seconds: float) -> Text:
    return N_("the notebook ran longer than {wall:g} s, mostly waiting rather than computing (sleeping or blocked); "
              "its budget is {budget:g} s of computing", wall=wall_seconds, budget=budget_seconds)


def total_used(budget_seconds: float, threads: int) -> Text:
    return N_("the notebook used its total budget of {budget:g} s of computing (its own CPU time on {cores}, "
              "whatever the machine's load) before it finished",
              budget=budget_seconds, cores=N_plural("{n} core", "{n} cores", n=threads))


def kernel_stuck(cell_number: int | None) -> Text:
    return N_("cell {cell} ran past its budget and went on after the interrupt, so the rest of the notebook "
              "could not run", cell=cell_number if cell_number is not None else "?")


def cancelled() -> Text:
    return N_("the grader cancelled this run")


def kernel_failed(error: str) -> Text:
    return N_("the notebook kernel could not be run: {error}", error=error)
