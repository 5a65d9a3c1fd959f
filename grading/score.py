"""Scoring: each task by its check, as the book wrote it.

A task's points are earned when its check cell ran to the end without an error (the checks
``assert`` what is right and print "Right: ..."). Otherwise the task gets 0 and the feedback says
why, in the check's own words: an ``AssertionError``'s message is what the check says is wrong;
another error is shown with its name. Warnings and anything else on stderr do not count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from grading.assemble import Assembly
from grading.book import Chapter
from grading.run import Execution

MESSAGE_CHARS = 1500  # of a check's message, in the feedback and the summary


@dataclass
class TaskResult:
    number: int
    text: str  # the task, as the stub says it
    possible: float
    earned: float
    message: str  # the check's words: "Right: ..." or what is wrong; or why it did not run
    from_check: bool  # the message is the check's own words
    notes: list[str] = field(default_factory=list)  # errors of the student's cells, edited checks


@dataclass
class Grade:
    """One submission's row and feedback."""

    student: str
    file: str  # in the submissions folder
    chapter: str | None  # None: not graded (unreadable, no known chapter)
    status: str  # "ok", "timed out", "kernel died", "not graded", "not run"
    reason: str = ""
    tasks: list[TaskResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the instructor (the grades' notes column)
    seconds: float = 0.0  # wall-clock time of its run (not written: the files must not vary)
    cpu_seconds: float = 0.0  # CPU time of its kernel

    @property
    def total(self) -> float:
        return sum(t.earned for t in self.tasks)

    @property
    def possible(self) -> float:
        return sum(t.possible for t in self.tasks)


def _cut(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " [...]"


def _right(output: str) -> str:
    """What a passing check printed, from its "Right" line on."""
    lines = output.splitlines()
    start = next((k for k, line in enumerate(lines) if line.startswith("Right")), None)
    return _cut("\n".join(lines[start:])) if start is not None else "Right."


def score(chapter: Chapter, assembly: Assembly, execution: Execution) -> list[TaskResult]:
    results = []
    for task in chapter.tasks:
        check = next(k for k, s in enumerate(assembly.steps) if s.role == "check" and s.task == task.number)
        run = execution.runs[check]
        notes = []
        if task.number in assembly.check_notes:
            notes.append(assembly.check_notes[task.number])
        for k, step in enumerate(assembly.steps[:check]):
            mine = execution.runs[k]
            if step.origin == "student" and step.task == task.number and mine and mine.status == "error" \
                    and task.number not in assembly.unanswered:
                where = "your answer" if step.role == "answer" else "a cell you added"
                notes.append(f"{where.capitalize()} stopped with {mine.ename}: {_cut(mine.evalue)}")
        earned, from_check = 0.0, False
        if run is None:
            message = f"Not run: {execution.reason}."
        elif run.status == "ok":
            earned, message, from_check = task.points, _right(run.output), True
        elif task.number in assembly.unanswered:
            message = "Not answered: the task's cell is still as it was handed out."
        elif run.status == "timeout":
            message = f"The check was stopped: {execution.reason}."
        elif run.ename == "AssertionError":
            message = _cut(run.evalue) or "The check failed (its assert has no message)."
            from_check = True
        else:
            message = f"The check stopped with {run.ename}: {_cut(run.evalue)}"
        results.append(TaskResult(task.number, task.text, task.points, earned, message, from_check, notes))
    return results


def grade(student: str, file: str, chapter: Chapter, assembly: Assembly, execution: Execution,
          notes: list[str]) -> Grade:
    notes = list(notes)
    if assembly.book_cells_changed:
        notes.append(f"{assembly.book_cells_changed} cells of the book edited or deleted (the book's ran)")
    edited = [f"task {t}" for t in sorted(assembly.check_notes)]
    if edited:
        notes.append("check edited or deleted: " + ", ".join(edited))
    if execution.reason:
        notes.append(execution.reason)
    return Grade(student, file, chapter.name, execution.status, execution.reason,
                 score(chapter, assembly, execution), notes)
