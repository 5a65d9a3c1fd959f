"""Finding the submissions in a folder: each notebook, its student and its chapter.

Two layouts, which may be mixed:

- **a folder per student**: ``SUBMISSIONS/alice/ch3.ipynb``, ``SUBMISSIONS/alice/any/depth.ipynb``:
  every notebook under ``SUBMISSIONS/NAME/`` is NAME's (as an LMS's "download all" unpacks);
- **flat**: ``SUBMISSIONS/alice_ch3.ipynb``: a notebook directly in the folder is the student's
  whose name is the file name up to its first underscore (``alice``), or the whole name without
  one (``alice.ipynb``); a Canvas-style ``alice_12345_67890_03_backprop_exercise.ipynb`` works.

Hidden files and folders, ``.ipynb_checkpoints`` and ``__MACOSX`` are skipped, as are links (an
unpacked archive may hold one to any file of the instructor's) and any file that does not end in
``.ipynb`` (listed in the summary). The **chapter** is, in this order: the one the
notebook's metadata names (the student edition stamps it, ``"student": {"chapter": ...}``); the
one whose task cells the notebook has (the stubs keep their ids); the one its file name names
(``03_backprop_exercise``, or its number alone, ``ch3``, ``chapter-03``). A file that cannot be
read or has no known chapter is still a submission: it gets a row that says why, and no points.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.book import Chapter

MAX_BYTES = 50 << 20  # a notebook larger than this is not read (the handed-out ones are < 1 MB)
SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


class SubmissionsError(ValueError):
    """The submissions folder itself is unusable: nothing to grade."""


@dataclass
class Submission:
    path: Path
    rel: str  # the path in the submissions folder, as the grades name it
    student: str
    notebook: nbformat.NotebookNode | None = None
    chapter: str | None = None
    found_by: str = ""  # "metadata", "task cells" or "file name"
    problem: str | None = None  # why it cannot be graded
    notes: list[str] = field(default_factory=list)


def _student(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return rel.stem.split("_", 1)[0] or rel.stem


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """(the notebook, None), or (None, what is wrong with the file and what to do)."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return None, (f"not read: {size / 2**20:.0f} MB, over the {MAX_BYTES >> 20} MB a notebook may "
                      "have; clear its outputs (Edit > Clear Outputs of All Cells) and hand it in again")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not text (UTF-8); ask for the .ipynb file itself"
    except json.JSONDecodeError as err:
        return None, (f"not a notebook: the JSON is broken at line {err.lineno}, column {err.colno} "
                      f"({err.msg}); the file is damaged or was edited by hand: ask for it again")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "not a notebook: JSON without a list of cells; ask for the .ipynb file itself"
    if data.get("nbformat") != 4:
        return None, (f"not a notebook of format 4 (it says {data.get('nbformat')!r}); open and save it "
                      "in JupyterLab, which writes format 4")
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as err:  # nbformat's reader raises several kinds on odd files
        return None, f"not a notebook nbformat can read ({type(err).__name__}: {str(err)[:200]})"
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
            return None, "not a notebook: a code cell has no source text"
    return nb, None


def _by_file_name(stem: str, chapters: dict[str, Chapter]) -> list[str]:
    stem = stem.lower()
    named = [name for name in chapters if name.lower() in stem]
    if named:
        return named
    numbered = []
    for name, chapter in chapters.items():
        digits = re.match(r"\d+", chapter.short)
        if digits and re.search(rf"(?:^|[^0-9])0*{int(digits.group())}(?:[^0-9a-z]|$)", stem):
            numbered.append(name)
    return numbered


def identify(sub: Submission, chapters: dict[str, Chapter]) -> None:
    """Sets the chapter of a submission that was read, or its problem."""
    nb = sub.notebook
    stamp = nb.metadata.get("student", {}) if isinstance(nb.metadata.get("student"), dict) else {}
    named = stamp.get("chapter")
    if isinstance(named, str) and named:
        if named in chapters:
            sub.chapter, sub.found_by = named, "metadata"
            return
        sub.problem = (f"its metadata names chapter {named!r}, which has no tasks to grade (chapters with "
                       f"tasks: {', '.join(chapters)})")
        return
    ids = {c.get("id") for c in nb.cells if c.get("cell_type") == "code"}
    shared = {name: len(ids & {t.id for t in ch.tasks} | ids & {t.check_id for t in ch.tasks})
              for name, ch in chapters.items()}
    best = max(shared.values(), default=0)
    if best > 0 and list(shared.values()).count(best) == 1:
        sub.chapter = max(shared, key=shared.get)
        sub.found_by = "task cells"
        return
    by_name = _by_file_name(sub.path.stem, chapters)
    if len(by_name) == 1:
        sub.chapter, sub.found_by = by_name[0], "file name"
        return
    sub.problem = (
        "no known chapter: its metadata names none, it has no task cell of the student edition, and "
        + (f"its file name fits several chapters ({', '.join(by_name)})" if by_name else
           "its file name names none")
        + f". Grade the notebook as the student edition handed it out, or put the chapter in the "
        f"file name (e.g. {sub.student}_{next(iter(chapters))}.ipynb); chapters: {', '.join(chapters)}"
    )


def find_submissions(folder: Path, chapters: dict[str, Chapter]) -> tuple[list[Submission], list[str]]:
    """The submissions in ``folder``, sorted by student and path, and the files skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionsError(
            f"{folder} is not a folder. Pass the folder of submitted notebooks, e.g. "
            "make grade SUBMISSIONS=path/to/folder (a .zip must be unpacked first)."
        )
    found, skipped = [], []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in rel.parts):
            continue
        if any((folder / Path(*rel.parts[: k + 1])).is_symlink() for k in range(len(rel.parts))):
            if not any((folder / Path(*rel.parts[:k])).is_symlink() for k in range(1, len(rel.parts))):
                skipped.append(f"{rel.as_posix()} (a link: not followed)")
            continue
        if path.is_dir():
            continue
        if path.suffix.lower() != ".ipynb":
            skipped.append(rel.as_posix() + (" (a zip file: unpack it into the folder)"
                                               if path.suffix.lower() == ".zip" else ""))
            continue
        sub = Submission(path, rel.as_posix(), _student(rel))
        try:
            sub.notebook, sub.problem = read_notebook(path)
        except OSError as err:
            sub.problem = f"not read: {err.strerror}"
        if sub.notebook is not None:
            identify(sub, chapters)
        found.append(sub)
    if not found:
        raise SubmissionsError(
            f"{folder} holds no notebook (.ipynb)"
            + (f"; it has {len(skipped)} other files, e.g. {skipped[0]}" if skipped else "")
            + ". Put each student's notebooks in it, in a folder per student (alice/ch3.ipynb) or "
            "named after the student (alice_ch3.ipynb)."
        )
    return sorted(found, key=lambda s: (s.student, s.rel)), skipped
