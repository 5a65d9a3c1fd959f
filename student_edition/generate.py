"""Write the student edition of the book from ``chapters/`` (see the package docstring).

For each chapter notebook:

- a code cell tagged ``solution`` becomes a **stub**: a comment saying what to write (the cell's
  ``student.task``), the names that later cells read from it, and ``raise NotImplementedError``.
  The stub keeps the cell's id, so that a test can put the solution back;
- every ``:::{solution}`` block is removed from the markdown, and a cell left empty is dropped;
- the check after each stub, folded in the full book (``hide-input``), is shown in full: it is
  what the student runs and reads;
- outputs are **cleared where they depend on the student's code**: in a cell that reads a name
  a stub must define, or a name defined from one (and so on); such a cell is tagged
  ``output-cleared``. Every other output stays (set-up, data, diagrams: the same for every
  student). Dependence is traced by name only, which is what the chapters need: their random
  numbers come from seeded generators, not from state a student's cell could change.
- the notebook's metadata is **stamped** for the grader (``grading/``): ``"student": {"chapter":
  "03_backprop_exercise", "tasks": [{"id": ..., "points": 1, "check": ...}]}``, each task's
  stub id, its points (``student.points`` of the solution cell, 1 if absent) and a digest of its
  check as handed out, so that a submission names its chapter and an edited check shows.

Pages (``.md``) lose their solution blocks too. Next to the chapters the edition gets what the
notebooks need to run (``nnreg/``, ``requirements.txt``, ...), what the book build needs
(``_config.yml``, ``_toc.yml``, the paths the configuration names) and a README for students.
Anything that looks like markup but cannot be handled stops the build with a message naming the
file and the cell.
"""
from __future__ import annotations

import copy
import hashlib
import re
import shutil
import symtable
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from course_edition.bundle import copy_run_files

SOLUTION_TAG = "solution"
CLEARED_TAG = "output-cleared"  # on a cell whose outputs the student's code will make
FOLD_TAG = "hide-input"  # folds a check in the full book; the student edition shows it
COURSE_ZIP, STUDENT_ZIP = "nn-regression-course.zip", "nn-regression-student.zip"  # as the Makefile
HERE = Path(__file__).resolve().parent
STUDENT_README = HERE / "handout_README.md"

# what the edition's folder needs besides the chapters to run them: the same as the runnable
# course's (course_edition.bundle.RUN_FILES: nnreg, the lean requirements, course.py); README apart
# what `jupyter-book build` needs besides the chapters (plus the paths named in _config.yml)
BOOK_FILES = ["_config.yml", "_toc.yml", "_static"]
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")

_OPENING = re.compile(r"^(?P<fence>:{3,})\{solution\}")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_LEFTOVER = re.compile(r"\{solution(-start|-end)?\}")


class StudentEditionError(ValueError):
    """The source notebooks carry markup the generator cannot turn into a student edition."""


@dataclass
class Solution:
    """One piece of solution text in the sources: a tagged cell's code or a solution block."""

    where: str  # "chapters/03_backprop_exercise.ipynb, cell 21"
    text: str


# ------------------------------------------------------------------------------------------------
# Markdown: solution blocks
# ------------------------------------------------------------------------------------------------
def closing_fence(lines: list[str], i: int, fence: str) -> int:
    """The index, from ``i`` on, of the line that closes a colon fence of ``fence`` (as many colons
    or more, alone on the line, outside code fences); ``len(lines)`` when none does. The Colab copies
    (course_edition.colab) close their directives the same way."""
    in_code = None
    while i < len(lines):
        line = lines[i].strip()
        code = _CODE_FENCE.match(lines[i])
        if in_code is None and code:
            in_code = code.group(1)[0] * 3
        elif in_code is not None and line.startswith(in_code) and set(line) <= set(in_code):
            in_code = None
        elif in_code is None and line and set(line) == {":"} and len(line) >= len(fence):
            return i
        i += 1
    return i


def split_solution_blocks(markdown: str, where: str) -> tuple[str, list[str]]:
    """The markdown without its ``:::{solution}`` blocks, and the blocks removed.

    A block opens with a line ``:::{solution} ...`` (three or more colons, at the line's start)
    and closes at the next line made of as many colons or more, outside code fences.
    """
    lines = markdown.splitlines(keepends=True)
    kept: list[str] = []
    blocks: list[str] = []
    i = 0
    while i < len(lines):
        opening = _OPENING.match(lines[i])
        if not opening:
            kept.append(lines[i])
            i += 1
            continue
        fence, start = opening.group("fence"), i
        i = closing_fence(lines, i + 1, fence)
        if i == len(lines):
            raise StudentEditionError(
                f"{where}: the solution block opened on line {start + 1} "
                f"({lines[start].strip()!r}) is never closed: end it with a line {fence!r}."
            )
        blocks.append("".join(lines[start : i + 1]))
        i += 1
    text = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip("\n")
    leftover = _LEFTOVER.search(text)
    if leftover:
        raise StudentEditionError(
            f"{where}: {leftover.group(0)!r} is left after removing the solution blocks. Write every "
            "solution as a colon fence at the start of a line, `:::{solution} label` ... `:::`, "
            "which the student edition knows how to remove."
        )
    return text, blocks


# ------------------------------------------------------------------------------------------------
# Code: names a solution provides to later cells
# ------------------------------------------------------------------------------------------------
def _python(source: str) -> str:
    """A cell's source as plain Python (IPython magics turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _module_table(source: str, where: str) -> symtable.SymbolTable:
    try:
        return symtable.symtable(_python(source), where, "exec")
    except SyntaxError as err:
        raise StudentEditionError(f"{where}: not valid Python ({err.msg}, line {err.lineno}).") from None


def names_bound(source: str, where: str = "<cell>") -> list[str]:
    """Names a cell defines at the notebook's top level, in order of appearance."""
    table = _module_table(source, where)
    names = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}

    def first_use(name):
        found = re.search(rf"\b{re.escape(name)}\b", source)
        return (found.start() if found else len(source), name)

    return sorted(names, key=first_use)


def names_read(source: str, where: str = "<cell>") -> set[str]:
    """Names a cell reads from the notebook's top level (in its body or inside its functions)."""
    read = set()
    tables = [_module_table(source, where)]
    while tables:
        table = tables.pop()
        top = table.get_type() == "module"
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (top or symbol.is_global()):
                read.add(symbol.get_name())
        tables.extend(table.get_children())
    return read


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def is_solution_cell(cell) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def stub_source(task: str, names: list[str]) -> str:
    """The code a student finds in place of a solution cell."""
    wrap = lambda text: textwrap.wrap(text, width=76, initial_indent="# ", subsequent_indent="# ")  # noqa: E731
    lines = wrap(f"Your code: {task}")
    if names:
        lines += wrap("The cells below use: " + ", ".join(names) + ".")
    lines.append('raise NotImplementedError("write this cell, then run it")')
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Notebooks
# ------------------------------------------------------------------------------------------------
def _task(cell, where: str) -> str:
    task = cell.metadata.get("student", {}).get("task")
    if not isinstance(task, str) or not task.strip():
        raise StudentEditionError(
            f"{where} is tagged {SOLUTION_TAG!r} but says nothing for its stub: add to its metadata "
            '"student": {"task": "<one sentence: what the student writes>"}.'
        )
    return task.strip()


def task_points(cell, where: str) -> float:
    """A task's points: ``student.points`` of its solution cell, a positive number; 1 if absent."""
    points = cell.metadata.get("student", {}).get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
        raise StudentEditionError(
            f"{where}: student.points is {points!r}: give the task a positive number of points "
            '(e.g. "student": {"task": "...", "points": 2}), or leave it out for 1.'
        )
    return points


def source_digest(source: str) -> str:
    """A short digest of a cell's code, blind to trailing spaces and blank lines at either end."""
    text = "\n".join(line.rstrip() for line in source.strip().splitlines())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _check_is_next(nb, index: int, where: str) -> None:
    later = [c for c in nb.cells[index + 1 :] if c.cell_type == "code"]
    if not later or is_solution_cell(later[0]) or not re.search(r"^\s*assert\b", _source(later[0]), re.M):
        raise StudentEditionError(
            f"{where} is tagged {SOLUTION_TAG!r}, but the next code cell does not check it: follow "
            "each solution with a cell whose `assert` tells the student whether the answer is right."
        )


def student_notebook(nb, name: str):
    """The student version of the notebook ``nb`` (not modified); ``name`` is used in messages."""
    nb = copy.deepcopy(nb)
    cells, tainted = [], set()  # tainted: names whose value comes from the student's code
    stamp = []  # the tasks, for the grader
    check_next = False  # the code cell after a stub is its check: folded in the book, open here
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type == "code" and check_next and not is_solution_cell(cell):
            tags = [t for t in cell.metadata.get("tags", []) if t != FOLD_TAG]
            if tags:
                cell.metadata["tags"] = tags
            else:
                cell.metadata.pop("tags", None)
        check_next = cell.cell_type == "code" and is_solution_cell(cell) or (
            check_next and cell.cell_type != "code")
        if cell.cell_type == "markdown":
            if SOLUTION_TAG in cell.metadata.get("tags", []):
                raise StudentEditionError(
                    f"{where}: a markdown cell is tagged {SOLUTION_TAG!r}; write markdown solutions "
                    "as `:::{solution} label` ... `:::` blocks instead."
                )
            text, blocks = split_solution_blocks(_source(cell), where)
            if blocks and not text.strip():
                continue
            cell.source = text if blocks else cell.source
        elif cell.cell_type == "code":
            cell.execution_count = None
            source = _source(cell)
            if is_solution_cell(cell):
                _check_is_next(nb, index, where)
                check = next(c for c in nb.cells[index + 1 :] if c.cell_type == "code")
                stamp.append({"id": cell.id, "points": task_points(cell, where),
                              "check": source_digest(_source(check))})
                later = [_source(c) for c in nb.cells[index + 1 :] if c.cell_type == "code"]
                read_later = set().union(*(names_read(s, f"{name}, a later cell") for s in later))
                names = [n for n in names_bound(source, where) if n in read_later]
                cell.source, cell.outputs = stub_source(_task(cell, where), names), []
                cell.metadata = nbformat.from_dict({})
                tainted |= set(names_bound(source, where))
            elif names_read(source, where) & tainted:
                tainted |= set(names_bound(source, where))
                if cell.outputs:
                    cell.outputs = []
                    cell.metadata.setdefault("tags", []).append(CLEARED_TAG)
            else:
                tainted -= set(names_bound(source, where))
                for output in cell.outputs:
                    if output.get("output_type") == "execute_result":
                        output["execution_count"] = None
        cells.append(cell)
    nb.cells = cells
    nb.metadata["student"] = {"chapter": Path(name).stem, "tasks": stamp}
    return nb


def solutions(nb, name: str) -> tuple[list[Solution], str]:
    """The solution texts of a source notebook, and all its other text (prose, code, outputs)."""
    found, rest = [], []
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type == "code" and is_solution_cell(cell):
            found.append(Solution(where, _source(cell)))
            continue
        if cell.cell_type == "markdown":
            text, blocks = split_solution_blocks(_source(cell), where)
            found += [Solution(where, block) for block in blocks]
            rest.append(text)
        else:
            rest.append(_source(cell))
        for output in cell.get("outputs", []):
            rest += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
            rest.append(str(output.get("text", "")))
    return found, "\n".join(rest)


# ------------------------------------------------------------------------------------------------
# The edition's folder
# ------------------------------------------------------------------------------------------------
def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=COPY_IGNORE)
    else:
        shutil.copy2(source, target)


def configured_paths(config_text: str) -> list[str]:
    """The folders ``_config.yml`` names for the build (relative to the book's source folder):
    what Sphinx copies into the site, and the folders of the book's local extensions."""
    sphinx = (yaml.safe_load(config_text) or {}).get("sphinx", {}) or {}
    config = sphinx.get("config", {}) or {}
    paths = []
    for key in ("html_extra_path", "html_static_path"):
        value = config.get(key, [])
        paths += [value] if isinstance(value, str) else list(value)
    paths += [folder.rstrip("/") for folder in (sphinx.get("local_extensions") or {}).values()]
    return list(dict.fromkeys(paths))


def student_config(config_text: str) -> str:
    """``_config.yml`` for the student book: the same, with the title saying which edition it is."""
    config, count = re.subn(r'^title:\s*"(.*)"\s*$', r'title: "\1 (student edition)"', config_text,
                            count=1, flags=re.M)
    if not count:
        raise StudentEditionError('_config.yml: no line `title: "..."` to mark as the student edition.')
    # its launch buttons open the student notebooks of the colab branch, its zip is the edition
    config = re.sub(r'^(\s*path_to_book:).*$', r'\1 "student"', config, count=1, flags=re.M)
    return re.sub(r'^(\s*nnreg_run_zip:).*$', r'\1 "nn-regression-student.zip"', config, count=1, flags=re.M)


def source_solutions(root: Path) -> tuple[list[Solution], str]:
    """Every solution text of the book's sources, and all the text that is not a solution."""
    found, rest = [], []
    for path in sorted((root / "chapters").rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.suffix == ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            more, text = solutions(nbformat.read(path, as_version=4), name)
        elif path.suffix == ".md":
            text, blocks = split_solution_blocks(path.read_text(encoding="utf-8"), name)
            more = [Solution(name, block) for block in blocks]
        else:
            continue
        found += more
        rest.append(text)
    return found, "\n".join(rest)


def build(root: Path, out: Path) -> dict[Path, int]:
    """Write the student edition of the book at ``root`` into ``out`` (emptied first).

    Returns the student notebooks written, each with its number of tasks (stubs).
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    inside = root in out.parents and out.relative_to(root).parts[0] != "_build"
    if out == root or out in root.parents or inside:
        raise StudentEditionError(f"{out} would overwrite the book's sources: write into _build/.")
    config_text = (root / "_config.yml").read_text(encoding="utf-8")
    needed = BOOK_FILES + configured_paths(config_text)
    missing = [p for p in needed if not (root / p).exists()]
    if missing:
        raise StudentEditionError(
            f"{', '.join(missing)} not found in {root}: run `make venv` first (it fetches the "
            "book's web assets), from the book's repository."
        )
    if out.exists():
        shutil.rmtree(out)
    for path in needed:
        _copy(root / path, out / path)
    copy_run_files(root, out)
    (out / "_config.yml").write_text(student_config(config_text), encoding="utf-8")
    shutil.copy2(STUDENT_README, out / "README.md")

    written = {}
    for path in sorted((root / "chapters").rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or ".ipynb_checkpoints" in rel.parts:
            continue
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            source = nbformat.read(path, as_version=4)
            nbformat.write(student_notebook(source, rel.as_posix()), target)
            written[target] = sum(is_solution_cell(c) for c in source.cells if c.cell_type == "code")
        elif path.suffix == ".md":
            text, _ = split_solution_blocks(path.read_text(encoding="utf-8"), rel.as_posix())
            # the student book offers its own zip (make student-book), not the book's course
            text = text.replace(COURSE_ZIP, STUDENT_ZIP)
            target.write_text(text + "\n", encoding="utf-8")
        else:
            shutil.copy2(path, target)
    return written
