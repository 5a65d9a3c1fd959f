"""The notebook a submission is graded with: the book's cells, with the student's code in them.

The submission's code cells are matched to the student edition's (:class:`grading.book.Chapter`):
by cell id (Jupyter keeps a cell's id when it is edited), else by identical code (a tool that
drops ids, such as a copy through Colab), then in order (the longest common sequence, so that a
moved cell is not matched out of place), then, between two matched cells, a cell of the book that
was edited is paired with the submission's cell most like it. Then, in the book's order:

- a **task** cell runs the student's code; a stub left as handed out means "not answered";
- a **check** runs as the book has it, whatever the submission holds: a check the student edited
  or deleted is reported (unless it is the check as handed out and the book changed since:
  the hand-out digest in the notebook's metadata tells);
- every other cell of the book runs as the book has it (the student's changes to it do not
  count; they are counted in the instructor's notes);
- a cell the student added runs where the student put it: between two matched cells, after the
  book's missing cells that come before the first check there, before the rest. So an answer in
  new cells (or a stub deleted) still runs before its check, and a deleted helper of the book
  still runs before the answer that needs it.

Markdown and raw cells are not run, nor is anything after the last check (it cannot change a
grade). Outputs of the submission are ignored.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from grading.book import Chapter
from student_edition.generate import source_digest

FUZZY = 0.6  # how alike (difflib's ratio) an edited cell must be to its book cell to be paired


@dataclass
class Step:
    """One cell to run."""

    source: str
    origin: str  # "book" or "student"
    role: str  # "answer" (a task cell), "check", "book" or "added" (a cell the student added)
    task: int | None = None  # answers, checks and added cells: the task whose check comes next


@dataclass
class Assembly:
    steps: list[Step]
    unanswered: set[int] = field(default_factory=set)  # tasks whose cell is the stub as handed out
    check_notes: dict[int, str] = field(default_factory=dict)  # task -> what the student did to its check
    book_cells_changed: int = 0  # other cells of the book edited or deleted (the book's ran)


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _code_cells(nb) -> list[tuple[str | None, str]]:
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((cell.get("id"), source if isinstance(source, str) else "".join(source)))
    return cells


def _match(chapter: Chapter, sub: list[tuple[str | None, str]]) -> list[tuple[int, int]]:
    """Pairs (book index, submission index), increasing in both."""
    book = chapter.cells
    by_id = {c.id: i for i, c in enumerate(book)}
    by_code: dict[str, list[int]] = {}
    for i, c in enumerate(book):
        by_code.setdefault(_norm(c.source), []).append(i)
    used, keys = set(), []
    for j, (cell_id, source) in enumerate(sub):
        i = by_id.get(cell_id)
        if i is None or i in used:
            free = [k for k in by_code.get(_norm(source), []) if k not in used]
            i = free[0] if free else None
        keys.append(i if i is not None else ("added", j))
        used.add(i)
    blocks = difflib.SequenceMatcher(None, list(range(len(book))), keys, autojunk=False).get_matching_blocks()
    pairs = [(b.a + k, b.b + k) for b in blocks for k in range(b.size)]
    # between two matched cells: pair each unmatched cell of the book (not a stub) with the
    # submission's most alike, in order
    fuzzy, bounds = [], [(-1, -1), *pairs, (len(book), len(sub))]
    for (i0, j0), (i1, j1) in zip(bounds, bounds[1:]):
        start = j0 + 1
        for i in range(i0 + 1, i1):
            if book[i].role == "task":
                continue
            scores = [(difflib.SequenceMatcher(None, book[i].source, sub[j][1], autojunk=False).ratio(), j)
                      for j in range(start, j1)]
            best = max(scores, default=(0, None))
            if best[0] >= FUZZY:
                fuzzy.append((i, best[1]))
                start = best[1] + 1
    return sorted(pairs + fuzzy)


def assemble(chapter: Chapter, nb) -> Assembly:
    """The steps to run for the submission ``nb`` of ``chapter``, and what the student changed."""
    sub = _code_cells(nb)
    book = chapter.cells
    handed_out = {t.check_id: None for t in chapter.tasks}
    stamp = nb.metadata.get("student", {}) if isinstance(nb.metadata.get("student"), dict) else {}
    for entry in stamp.get("tasks", []) if isinstance(stamp.get("tasks"), list) else []:
        task = next((t for t in chapter.tasks if isinstance(entry, dict) and t.id == entry.get("id")), None)
        if task is not None:
            handed_out[task.check_id] = entry.get("check")
    result = Assembly(steps=[])
    pairs = _match(chapter, sub)

    def book_step(i: int, j: int | None) -> None:
        cell = book[i]
        result.steps.append(Step(cell.source, "book", cell.role if cell.role == "check" else "book", cell.task))
        if j is not None and _norm(sub[j][1]) == _norm(cell.source):
            return
        if cell.role == "check":
            if j is None:
                result.check_notes[cell.task] = ("The check of this task was not in your notebook: "
                                                 "the book's check was run.")
            elif source_digest(sub[j][1]) != handed_out.get(cell.id):
                result.check_notes[cell.task] = ("You changed the check of this task: the book's "
                                                 "check was run, not yours.")
        else:
            result.book_cells_changed += 1

    bounds = [(-1, -1), *pairs, (len(book), len(sub))]
    for (i0, j0), (i1, j1) in zip(bounds, bounds[1:]):
        missing = [i for i in range(i0 + 1, i1) if book[i].role != "task"]
        first_check = next((k for k, i in enumerate(missing) if book[i].role == "check"), len(missing))
        for i in missing[:first_check]:
            book_step(i, None)
        for j in range(j0 + 1, j1):
            result.steps.append(Step(sub[j][1], "student", "added"))
        for i in missing[first_check:]:
            book_step(i, None)
        if i1 < len(book):
            cell = book[i1]
            if cell.role == "task":
                result.steps.append(Step(sub[j1][1], "student", "answer", cell.task))
                if _norm(sub[j1][1]) == _norm(cell.source):
                    result.unanswered.add(cell.task)
            else:
                book_step(i1, j1)
    # nothing after the last check can change a grade: it is not run
    last = max((k for k, s in enumerate(result.steps) if s.role == "check"), default=-1)
    del result.steps[last + 1 :]
    # each answer and added cell belongs to the task whose check comes next
    task = None
    for step in reversed(result.steps):
        if step.role == "check":
            task = step.task
        elif step.origin == "student":
            step.task = task
    return result
