"""The words for statuses and environment facts, the same on the pages and in the terminal
(msgids of grader/locale's catalogs; the pages' other words are in their templates)."""

from __future__ import annotations

from collections.abc import Mapping

from grader.i18n import N_, Language, Text

CHECK_STATUS = {"passed": N_("passed"), "partial": N_("partial"), "failed": N_("failed"), "pending": N_("pending"),
                "not-run": N_("not run")}
GRADE_STATUS = {"graded": N_("graded"), "ungradable": N_("ungradable"), "timeout": N_("timeout"),
                "crashed": N_("crashed"), "error": N_("error"), "needs-review": N_("needs review")}
CELL_STATUS = {"error": N_("raised an error"), "timeout": N_("stopped at the time limit"),
               "not_run": N_("did not run"), "ok": N_("ran")}
ENVIRONMENT = {"device": N_("device")}  # python and package names are names


def rendered(words: Mapping[str, Text], language: Language) -> dict[str, str]:
    """words in `language`, by the value they name."""
    return {value: text.render(language) for value, text in words.items()}
