"""The book's side of grading: the chapters that have tasks, as the student edition hands them out.

A chapter's code cells are read from ``chapters/`` and turned into the student edition's cells
by :func:`student_edition.generate.student_notebook`, the function that wrote the handed-out
notebooks, so the grader knows each cell a student received: a **task** (the stub, whose id is
the solution cell's), its **check** (the next code cell) and every other cell of the book. The
checks and the points always come from here, never from a submission. The solutions stay in the
grader's process: no sandbox ever sees ``chapters/``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from student_edition import generate

FACES_CALL = "load_faces("  # a chapter whose code calls it reads the synthetic faces


class BookError(ValueError):
    """The book cannot be read as a set of chapters to grade."""


@dataclass(frozen=True)
class BookCell:
    """A code cell of the student edition."""

    id: str
    source: str
    role: str  # "task" (the stub a student replaces), "check" or "book"
    task: int | None = None  # for a task or a check: the task's number, from 1


@dataclass(frozen=True)
class Task:
    number: int  # from 1, in the chapter's order
    id: str  # the stub's cell id (the solution cell's in the book)
    text: str  # what the student writes, as the stub says
    points: float
    check_id: str
    check_digest: str  # of the check as the book has it now


@dataclass(frozen=True)
class Chapter:
    name: str  # "03_backprop_exercise"
    cells: tuple[BookCell, ...]  # the student edition's code cells, in order
    tasks: tuple[Task, ...]
    reads_faces: bool  # its code loads chapter 6's faces (the synthetic cache must be bound)
    title: str = ""  # its first heading

    @property
    def short(self) -> str:
        """``03`` for ``03_backprop_exercise``: the prefix of the grades' task columns."""
        return self.name.split("_", 1)[0]

    @property
    def possible(self) -> float:
        return sum(t.points for t in self.tasks)

    def columns(self) -> list[str]:
        return [f"{self.short} task {t.number}" for t in self.tasks]


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def chapter_from_notebook(nb, name: str) -> Chapter | None:
    """The chapter of the book notebook ``nb`` (``name``: its path in the book, for messages);
    None when it has no task."""
    student = generate.student_notebook(nb, name)  # raises StudentEditionError on bad markup
    solutions = {c.id: c for c in nb.cells if c.cell_type == "code" and generate.is_solution_cell(c)}
    if not solutions:
        return None
    code = [c for c in student.cells if c.cell_type == "code"]
    cells, tasks, number = [], [], 0
    for index, cell in enumerate(code):
        if cell.id in solutions:
            number += 1
            check = code[index + 1]
            where = f"{name}, cell {cell.id}"
            tasks.append(Task(number, cell.id, generate._task(solutions[cell.id], where),
                              generate.task_points(solutions[cell.id], where), check.id,
                              generate.source_digest(_source(check))))
            cells.append(BookCell(cell.id, _source(cell), "task", number))
        elif tasks and tasks[-1].check_id == cell.id:
            cells.append(BookCell(cell.id, _source(cell), "check", number))
        else:
            cells.append(BookCell(cell.id, _source(cell), "book"))
    reads_faces = any(FACES_CALL in c.source for c in cells)
    headings = [line[2:].strip() for c in nb.cells if c.cell_type == "markdown"
                for line in _source(c).splitlines() if line.startswith("# ")]
    return Chapter(Path(name).stem, tuple(cells), tuple(tasks), reads_faces, headings[0] if headings else "")


def load_chapters(root: Path) -> dict[str, Chapter]:
    """Every chapter of the book at ``root`` that has tasks, by name, in the book's order."""
    folder = Path(root) / "chapters"
    if not folder.is_dir():
        raise BookError(f"{folder} is not there: pass the book's repository (--book), the folder "
                        "that holds chapters/.")
    chapters = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            chapter = chapter_from_notebook(nbformat.read(path, as_version=4), f"chapters/{path.name}")
        except generate.StudentEditionError as err:
            raise BookError(f"the book's markup: {err}") from None
        if chapter is not None:
            chapters[chapter.name] = chapter
    if not chapters:
        raise BookError(f"no chapter in {folder} has a task (a code cell tagged 'solution').")
    return chapters
