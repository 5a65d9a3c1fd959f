"""Write the made-up submissions in this folder, from the student edition and the answers of
tests/test_student_edition.py (see README.md here for what each one is and the grades it gets).

    .venv/bin/python tests/grading_submissions/make_submissions.py

Rerun it when a chapter's tasks change, then `make grade SUBMISSIONS=tests/grading_submissions`
and compare with expected_grades.csv. Each notebook is what a student would hand in: the student
edition as generated, with the answers typed into its cells (outputs left out).
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from student_edition import generate  # noqa: E402
import test_student_edition as answers  # noqa: E402

CH3, CH6 = "03_backprop_exercise", "06_facial_keypoints"


def edition(chapter: str):
    """The student notebook of ``chapter`` as handed out, without outputs (they play no part)."""
    nb = generate.student_notebook(nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4),
                                   f"chapters/{chapter}.ipynb")
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def reference(chapter: str) -> list[str]:
    book = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    return [c.source for c in book.cells if c.cell_type == "code" and generate.is_solution_cell(c)]


def wrong(chapter: str, task: int, label: str) -> str:
    return next(code for lab, code, _ in answers.WRONG_ANSWERS[f"{chapter}.ipynb", task] if lab == label)


def other_right(chapter: str, task: int, label: str) -> str:
    return next(code for lab, code in answers.OTHER_RIGHT_ANSWERS[f"{chapter}.ipynb", task] if lab == label)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def answered(chapter: str, codes: dict[int, str]):
    """The edition with the answer of task k (from 0) in its stub; other stubs as handed out."""
    nb = edition(chapter)
    stubs = [c for c in code_cells(nb) if c.id in {t for t in _task_ids(chapter)}]
    for k, code in codes.items():
        stubs[k].source = code
    return nb


def _task_ids(chapter: str) -> list[str]:
    book = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    return [c.id for c in book.cells if c.cell_type == "code" and generate.is_solution_cell(c)]


def check_after(nb, task: int):
    """The check cell of task ``task`` (from 0) in ``nb``."""
    ids = _task_ids(nb.metadata["student"]["chapter"])
    code = code_cells(nb)
    return next(code[i + 1] for i, c in enumerate(code) if c.id == ids[task])


def submissions() -> dict[str, object]:
    """Relative path -> notebook (or bytes, for a file that is not one)."""
    ref3, ref6 = reference(CH3), reference(CH6)
    subs: dict[str, object] = {}

    # alice: right answers, written differently from the book's (a folder per student)
    subs[f"alice/{CH3}.ipynb"] = answered(CH3, {
        0: other_right(CH3, 0, "the sigmoid's derivative written out, one factor per line"),
        1: other_right(CH3, 1, "torch.cat of one-element tensors")})
    six = {0: other_right(CH6, 0, "a boolean mask"), 1: other_right(CH6, 1, "divided after the conversion"),
           2: other_right(CH6, 2, "nn.Sequential"), 3: ref6[3], 4: other_right(CH6, 4, "the practical's order, ReLU then pool"),
           5: ref6[5], 6: other_right(CH6, 6, "the grey levels 0 to 255, the images of the split")}
    subs[f"alice/{CH6}.ipynb"] = answered(CH6, six)

    # bob: wrong answers (flat layout: the student's name, then _)
    subs["bob_ch3.ipynb"] = answered(CH3, {0: wrong(CH3, 0, "sign of delta_2"), 1: wrong(CH3, 1, "three gradients")})
    bob6 = dict(enumerate(ref6))
    bob6[2] = wrong(CH6, 2, "dropout 0.5")
    bob6[6] = wrong(CH6, 6, "no labels")
    subs[f"bob_{CH6}.ipynb"] = answered(CH6, bob6)

    # carol: a wrong answer under a check edited to pass it; a right answer with its check deleted
    nb = answered(CH3, {0: wrong(CH3, 0, "z1 and z2 swapped"), 1: ref3[1]})
    check_after(nb, 0).source = 'print("Right: your four gradients agree with autograd\'s.")'
    gone = check_after(nb, 1).id
    nb.cells = [c for c in nb.cells if c.id != gone]
    subs[f"carol/{CH3}.ipynb"] = nb

    # dave: through a tool that drops cell ids and metadata (the chapter is in the file name only);
    # each answer in a new cell below its stub, which is deleted; a cell of his own added
    nb = edition(CH3)
    ids = _task_ids(CH3)
    cells = []
    for cell in nb.cells:
        if cell.get("id") in ids:
            k = ids.index(cell.id)
            cells.append(nbformat.v4.new_code_cell(ref3[k].replace("    ", "  ")))  # two-space indents
            if k == 0:
                cells.append(nbformat.v4.new_code_cell("print('my own check:', dL_dw11_1)"))
        else:
            cells.append(cell)
    nb.cells = cells
    nb.metadata = {"kernelspec": nb.metadata["kernelspec"]}
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    subs["dave/ch03.ipynb"] = nb

    # erin: handed in as handed out
    subs[f"erin/{CH3}.ipynb"] = edition(CH3)

    # frank: warnings on stderr and megabytes printed around right answers; sys.exit in between
    loud = ("import sys, warnings\nwarnings.warn('a warning on stderr costs nothing')\n"
            "print('x' * 3_000_000)\nprint('noise', file=sys.stderr)\n")
    nb = answered(CH3, {0: loud + ref3[0], 1: ref3[1]})
    nb.cells.insert(nb.cells.index(check_after(nb, 0)) + 1, nbformat.v4.new_code_cell("import sys\nsys.exit('done?')"))
    subs[f"frank/{CH3}.ipynb"] = nb

    # gina: the first task right, then her second answer ends the kernel
    subs[f"gina/{CH3}.ipynb"] = answered(CH3, {0: ref3[0], 1: "import os\nos._exit(1)"})

    # hank: a damaged file; ivan: a notebook of no chapter; and a file that is not a notebook
    text = nbformat.writes(answered(CH3, {0: ref3[0]}))
    subs[f"hank/{CH3}.ipynb"] = text[: len(text) // 2].encode()
    subs["ivan/scratch.ipynb"] = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    subs["ivan/notes.txt"] = b"not a notebook\n"

    # judy, chapter 6: a broken answer (an array too large for the memory limit), so the tasks
    # after it fail too
    judy = dict(enumerate(ref6))
    judy[1] = "X_fcn = np.ones((100_000, 100_000), dtype=np.float32)\n" + ref6[1]
    subs[f"judy/{CH6}.ipynb"] = answered(CH6, judy)
    return subs


def main() -> None:
    for old in HERE.rglob("*"):
        if old.is_file() and old.parent != HERE or old.suffix in (".ipynb",):
            old.unlink()
    subs = submissions()
    for rel, content in subs.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
    for folder in sorted(HERE.iterdir(), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    print(f"wrote {len(subs)} files into {HERE}")


if __name__ == "__main__":
    main()
