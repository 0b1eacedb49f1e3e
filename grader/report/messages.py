"""The fixed words of the HTML pages, in each language a page can be written in.

Only the pages' own words are translated: check titles and messages are the instructor's, in
whatever language the rubric is written.
"""

from __future__ import annotations

from grader.errors import UsageError

EN = {
    "feedback_for": "feedback for",
    "submission": "Submission",
    "status": "status",
    "self_check": "self-check (public checks only)",
    "score_percent": "score {percent} percent",
    "passed": "Passed",
    "below": "Below the pass mark",
    "pass_mark": "pass mark {percent}%",
    "checks": "Checks",
    "check": "Check",
    "result": "Result",
    "points": "Points",
    "hidden_check": "Hidden check {number}",
    "hidden_note": "A hidden check: only its result and points are shown.",
    "expected": "Expected:",
    "observed": "Observed:",
    "see_cell": "See cell {cell} of your notebook.",
    "model_as_ran": "Your model as it ran: {model} ({framework}), {total} parameters, {trainable} trainable",
    "layer": "Layer", "kind": "Kind", "settings": "Settings", "output": "Output", "parameters": "Parameters",
    "expected_layer": "Expected",
    "truncated": "Only the first steps are shown.",
    "failed_cells": "Cells that failed",
    "notes": "Notes from the grader",
    "cell": "Cell {number}",
    "graded_by": "Graded by grader · assignment {assignment} · rubric v{version}",
    "check_status": {"passed": "passed", "partial": "partial", "failed": "failed", "pending": "pending"},
    "grade_status": {"graded": "graded", "ungradable": "ungradable", "timeout": "timeout", "crashed": "crashed",
                     "error": "error"},
    # the class report
    "class_report": "Class report",
    "students": "Students",
    "student": "Student",
    "mean": "mean",
    "median": "median",
    "pass_rate": "pass rate",
    "score": "Score",
    "feedback": "Feedback",
    "open": "open",
    "score_distribution": "Score distribution",
    "score_axis": "score, % of maximum",
    "students_axis": "students",
    "check_pass_rate": "Pass rate per check",
    "passed_axis": "% of students who passed",
    "runtime": "Runtime per submission",
    "seconds_axis": "seconds",
    "memory": "Peak memory per submission",
    "megabytes_axis": "MiB",
    "status_counts": "Submissions by status",
    "no_memory": "No memory measurements were recorded.",
    "memory_column": "Memory, MiB",
    "runtime_column": "Time, s",
}

RU = {
    "feedback_for": "отзыв для",
    "submission": "Работа",
    "status": "статус",
    "self_check": "самопроверка (только открытые проверки)",
    "score_percent": "балл {percent} процентов",
    "passed": "Зачтено",
    "below": "Ниже проходного балла",
    "pass_mark": "проходной балл {percent}%",
    "checks": "Проверки",
    "check": "Проверка",
    "result": "Результат",
    "points": "Баллы",
    "hidden_check": "Скрытая проверка {number}",
    "hidden_note": "Скрытая проверка: показаны только её результат и баллы.",
    "expected": "Ожидалось:",
    "observed": "Получено:",
    "see_cell": "См. ячейку {cell} вашего ноутбука.",
    "model_as_ran": "Ваша модель при запуске: {model} ({framework}), параметров: {total}, обучаемых: {trainable}",
    "layer": "Слой", "kind": "Тип", "settings": "Настройки", "output": "Выход", "parameters": "Параметры",
    "expected_layer": "Ожидалось",
    "truncated": "Показаны только первые шаги.",
    "failed_cells": "Ячейки с ошибками",
    "notes": "Замечания проверяющей системы",
    "cell": "Ячейка {number}",
    "graded_by": "Проверено grader · задание {assignment} · рубрика v{version}",
    "check_status": {"passed": "пройдена", "partial": "частично", "failed": "не пройдена", "pending": "ожидает"},
    "grade_status": {"graded": "проверено", "ungradable": "не проверяется", "timeout": "превышено время",
                     "crashed": "аварийно завершено", "error": "ошибка проверяющей системы"},
    "class_report": "Сводка по группе",
    "students": "Студенты",
    "student": "Студент",
    "mean": "среднее",
    "median": "медиана",
    "pass_rate": "доля зачтённых",
    "score": "Балл",
    "feedback": "Отзыв",
    "open": "открыть",
    "score_distribution": "Распределение баллов",
    "score_axis": "балл, % от максимума",
    "students_axis": "студентов",
    "check_pass_rate": "Доля прошедших каждую проверку",
    "passed_axis": "% студентов, прошедших проверку",
    "runtime": "Время проверки каждой работы",
    "seconds_axis": "секунды",
    "memory": "Пиковая память каждой работы",
    "megabytes_axis": "МиБ",
    "status_counts": "Работы по статусам",
    "no_memory": "Измерений памяти нет.",
    "memory_column": "Память, МиБ",
    "runtime_column": "Время, с",
}

CATALOGUES = {"en": EN, "ru": RU}


def messages(lang: str) -> dict:
    if lang not in CATALOGUES:
        raise UsageError(f"no page language {lang!r}; available: {', '.join(sorted(CATALOGUES))}")
    return CATALOGUES[lang]
