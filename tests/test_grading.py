"""The grader (grading/): finding submissions, assembling them with the book's checks, scoring, the
reports, and the sandbox, whose every protection is shown by an attack that succeeds without it.

Fast parts use chapter 3's tasks without a kernel. Then chapter 3's made-up submissions of
tests/grading_submissions/ are graded as `make grade` grades them and must get the grades of its
expected_grades.csv. The attacks run in a tiny chapter of one task (no torch: a kernel starts in
about a second), each once with every protection and once without the one that stops it.
Chapter 6's submissions are graded by `make grade SUBMISSIONS=tests/grading_submissions` and by
the benchmark (benchmarks/grading_benchmark.py), not here: they train networks.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import assemble, book, cli, discover, report, run, sandbox, score  # noqa: E402
from student_edition import generate, leaks  # noqa: E402

SUBMISSIONS = ROOT / "tests" / "grading_submissions"
CH3 = "03_backprop_exercise"


def _bwrap() -> str:
    """bubblewrap (installed first as root, as `make grade` does); the kernel tests need Linux."""
    if sys.platform != "linux":
        pytest.skip("the grading sandbox (bubblewrap) is Linux's: make grade refuses elsewhere")
    return sandbox.ensure_bwrap()


@pytest.fixture(scope="module")
def chapters():
    return book.load_chapters(ROOT)


def _edition(chapter: str):
    return generate.student_notebook(nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4),
                                     f"chapters/{chapter}.ipynb")


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


# ------------------------------------------------------------------------------------------------
# The student edition's stamp, and the book's chapters
# ------------------------------------------------------------------------------------------------
def _tiny_book_notebook(points=None, second_task=False):
    """A book chapter with one task (``x = 1``), or two, and their checks."""
    def solution(source, task):
        cell = nbformat.v4.new_code_cell(source)
        extra = {} if points is None else {"points": points}
        cell.metadata.update(tags=["solution"], student={"task": task, **extra})
        return cell

    cells = [nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell("import os, sys, time"),
             solution("x = 1", "set x to 1"),
             nbformat.v4.new_code_cell("assert x == 1, f'x is {x!r}: it should be 1'\nprint('Right: x is 1.')")]
    if second_task:
        cells += [solution("y = 2", "set y to 2"),
                  nbformat.v4.new_code_cell("assert y == 2, f'y is {y!r}: it should be 2'\nprint('Right: y is 2.')")]
    cells.append(nbformat.v4.new_code_cell("print('after the last check')"))
    return nbformat.v4.new_notebook(cells=cells)


def test_the_student_edition_stamps_each_notebook_with_its_chapter_and_task_points():
    student = generate.student_notebook(_tiny_book_notebook(points=2, second_task=True), "chapters/01_tiny.ipynb")
    stamp = student.metadata["student"]
    assert stamp["chapter"] == "01_tiny"
    assert [t["points"] for t in stamp["tasks"]] == [2, 2]
    stubs = [c for c in _code(student) if c.source.startswith("# Your code")]
    assert [t["id"] for t in stamp["tasks"]] == [c.id for c in stubs]
    checks = [_code(student)[_code(student).index(c) + 1].source for c in stubs]
    assert [t["check"] for t in stamp["tasks"]] == [generate.source_digest(s) for s in checks]
    assert generate.student_notebook(_tiny_book_notebook(), "t.ipynb").metadata["student"]["tasks"][0]["points"] == 1
    for bad in (0, -1, "2", True):
        with pytest.raises(generate.StudentEditionError, match="student.points"):
            generate.student_notebook(_tiny_book_notebook(points=bad), "t.ipynb")


def test_the_book_gives_each_chapter_its_tasks_checks_and_points(chapters):
    assert list(chapters) == ["03_backprop_exercise", "06_facial_keypoints"]
    ch3, ch6 = chapters.values()
    assert len(ch3.tasks) == 2 and len(ch6.tasks) == 7
    assert ch3.columns() == ["03 task 1", "03 task 2"] and ch3.possible == 2
    assert ch6.reads_faces and not ch3.reads_faces
    roles = [c.role for c in ch3.cells]
    for task in ch3.tasks:
        k = [c.id for c in ch3.cells].index(task.id)
        assert roles[k : k + 2] == ["task", "check"] and ch3.cells[k + 1].id == task.check_id
    assert all("raise NotImplementedError" in c.source for c in ch3.cells if c.role == "task")


# ------------------------------------------------------------------------------------------------
# Discovery
# ------------------------------------------------------------------------------------------------
def test_submissions_are_found_in_both_layouts_with_their_chapter(tmp_path, chapters):
    nb = _edition(CH3)
    nbformat.write(nb, tmp_path / "alice_whatever.ipynb")  # flat: the student before the first _
    (tmp_path / "bob" / "deep").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "bob" / "deep" / "renamed.ipynb")  # a folder per student
    no_stamp = copy.deepcopy(nb)
    no_stamp.metadata.pop("student")
    nbformat.write(no_stamp, tmp_path / "bob" / "by_cells.ipynb")  # found by its task cells
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    (tmp_path / "carol").mkdir()
    nbformat.write(bare, tmp_path / "carol" / "chapter-6.ipynb")  # by its file name
    nbformat.write(bare, tmp_path / "carol" / "ch3_v2.ipynb")  # v2: no chapter 2, so chapter 3
    nbformat.write(bare, tmp_path / "carol" / "ch3_or_ch6.ipynb")  # which one?
    nbformat.write(bare, tmp_path / "dave.ipynb")
    for skipped in (".hidden/x.ipynb", "bob/.ipynb_checkpoints/renamed-checkpoint.ipynb", "__MACOSX/a.ipynb"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, tmp_path / skipped)
    (tmp_path / "all.zip").write_bytes(b"PK")
    (tmp_path / "mallory.ipynb").symlink_to(tmp_path / "alice_whatever.ipynb")  # links are not followed
    (tmp_path / "mallory").symlink_to(tmp_path / "bob")
    subs, skipped = discover.find_submissions(tmp_path, chapters)
    found = {s.rel: (s.student, s.chapter, s.found_by, s.problem and s.problem[:30]) for s in subs}
    assert found == {
        "alice_whatever.ipynb": ("alice", CH3, "metadata", None),
        "bob/by_cells.ipynb": ("bob", CH3, "task cells", None),
        "bob/deep/renamed.ipynb": ("bob", CH3, "metadata", None),
        "carol/chapter-6.ipynb": ("carol", "06_facial_keypoints", "file name", None),
        "carol/ch3_v2.ipynb": ("carol", CH3, "file name", None),
        "carol/ch3_or_ch6.ipynb": ("carol", None, "", "no known chapter: its metadata"),
        "dave.ipynb": ("dave", None, "", "no known chapter: its metadata"),
    }
    assert skipped == ["all.zip (a zip file: unpack it into the folder)", "mallory (a link: not followed)",
                       "mallory.ipynb (a link: not followed)"]
    assert "fits several chapters" in next(s.problem for s in subs if s.rel == "carol/ch3_or_ch6.ipynb")


@pytest.mark.parametrize("content, problem", [
    (b'{"cells": [', "the JSON is broken at line 1, column 12"),
    (b"\x89PNG\r\n\x1a\n\x00", "the file is not text"),
    (b'{"cells": [], "nbformat": 3}', "not a notebook of format 4"),
    (b'[1, 2]', "JSON without a list of cells"),
    (b'{"metadata": {}, "nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code"}]}',
     "not a notebook nbformat can read"),
])
def test_a_file_that_is_no_notebook_gets_a_row_naming_the_problem(tmp_path, chapters, content, problem):
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "ch3.ipynb").write_bytes(content)
    [sub], _ = discover.find_submissions(tmp_path, chapters)
    assert sub.notebook is None and problem in sub.problem, sub.problem
    grade = cli.grade_one(sub, None, None)
    assert (grade.status, grade.chapter, grade.total) == ("not graded", None, 0)
    assert problem in report.feedback(grade, "")


def test_a_failure_of_the_grader_on_one_notebook_gives_it_a_row(monkeypatch, chapters):
    def broken(chapter, nb):
        raise KeyError("a bug")

    monkeypatch.setattr(assemble, "assemble", broken)
    sub = discover.Submission(Path("x.ipynb"), "amy/x.ipynb", "amy", _edition(CH3), CH3, "metadata")
    grade = cli.grade_one(sub, chapters[CH3], run.Settings(book=ROOT))
    assert grade.status == "not graded" and "the grader failed on this notebook (KeyError" in grade.reason


def test_a_folder_without_notebooks_stops_with_a_message(tmp_path, chapters, capsys):
    with pytest.raises(discover.SubmissionsError, match="is not a folder"):
        discover.find_submissions(tmp_path / "missing", chapters)
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(discover.SubmissionsError, match="holds no notebook.*readme.txt"):
        discover.find_submissions(tmp_path, chapters)
    assert cli.main([str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 1
    assert "grading: " in capsys.readouterr().err  # a message, no traceback


# ------------------------------------------------------------------------------------------------
# Assembly: the book's checks, the student's answers
# ------------------------------------------------------------------------------------------------
def _steps(assembly):
    return [(s.origin, s.role, s.task) for s in assembly.steps]


def test_an_edited_or_deleted_check_is_replaced_by_the_books_and_reported(chapters):
    ch3 = chapters[CH3]
    nb = _edition(CH3)
    code = _code(nb)
    checks = {t.check_id: t for t in ch3.tasks}
    edited = next(c for c in code if c.id == ch3.tasks[0].check_id)
    edited.source = "print('Right: trust me')"
    nb.cells.remove(next(c for c in nb.cells if c.id == ch3.tasks[1].check_id))
    a = assemble.assemble(ch3, nb)
    ran = [s.source for s in a.steps if s.role == "check"]
    assert ran == [c.source for c in ch3.cells if c.id in checks]
    assert "You changed the check" in a.check_notes[1] and "was not in your notebook" in a.check_notes[2]
    # the same check, as handed out, when the book's check changed since: not the student's doing
    later = copy.deepcopy(ch3)
    object.__setattr__(later, "cells", tuple(
        book.BookCell(c.id, c.source + "\n# hardened" if c.role == "check" else c.source, c.role, c.task)
        for c in ch3.cells))
    a = assemble.assemble(later, _edition(CH3))
    assert a.check_notes == {} and [s.source for s in a.steps if s.role == "check"][0].endswith("# hardened")


def test_answers_in_new_cells_run_before_their_check_even_without_cell_ids(chapters):
    ch3 = chapters[CH3]
    nb = _edition(CH3)
    task_ids = [t.id for t in ch3.tasks]
    cells = []
    for cell in nb.cells:
        if cell.get("id") in task_ids:  # the stub deleted, the answer in two new cells
            cells += [nbformat.v4.new_code_cell(f"part_a = {len(cells)}"), nbformat.v4.new_code_cell("part_b = 1")]
        else:
            cells.append(cell)
    nb.cells = cells
    for cell in nb.cells:
        cell.pop("id", None)
    first_book = next(c for c in nb.cells if c.cell_type == "code")
    first_book.source += "\nprint('changed')"  # a cell of the book the student changed
    a = assemble.assemble(ch3, nb)
    for task in ch3.tasks:
        check = next(k for k, s in enumerate(a.steps) if s.role == "check" and s.task == task.number)
        assert [s.role for s in a.steps[check - 2 : check]] == ["added", "added"]
        assert all(s.task == task.number for s in a.steps[check - 2 : check])
    assert a.book_cells_changed == 1 and a.check_notes == {} and a.unanswered == set()
    assert a.steps[0].source == ch3.cells[0].source  # the book's version ran
    assert a.steps[-1].role == "check"  # nothing after the last check


def test_a_stub_handed_in_as_it_was_is_not_answered(chapters):
    a = assemble.assemble(chapters[CH3], _edition(CH3))
    assert a.unanswered == {1, 2}
    assert sum(s.role == "answer" for s in a.steps) == 2 and a.book_cells_changed == 0


# ------------------------------------------------------------------------------------------------
# Chapter 3's made-up submissions, graded as make grade grades them
# ------------------------------------------------------------------------------------------------
def _expected(chapter_filter):
    with open(SUBMISSIONS / "expected_grades.csv", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if chapter_filter(row)]


@pytest.fixture(scope="module")
def graded_ch3(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for path in SUBMISSIONS.rglob("*"):
        rel = path.relative_to(SUBMISSIONS)
        if path.suffix in (".ipynb", ".txt") and "06_" not in path.name:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / rel)
    out = tmp_path_factory.mktemp("grades")
    settings = run.Settings(book=ROOT, bwrap=_bwrap())
    grades = cli.grade_folder(folder, out, settings, jobs=2, quiet=True)
    return out, grades


def test_chapter_3_submissions_get_their_expected_grades(graded_ch3):
    out, _ = graded_ch3
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = _expected(lambda row: not row["chapter"].startswith("06"))
    keys = ["student", "chapter", "file", "03 task 1", "03 task 2", "total", "possible", "status"]
    assert [{k: r[k] for k in keys} for r in rows] == [{k: r[k] for k in keys} for r in expected]
    assert [r["notes"] for r in rows] == [r["notes"] for r in expected]


def test_the_feedback_says_what_each_check_said_and_no_solution(graded_ch3):
    out, grades = graded_ch3
    feedback = out / "feedback"
    assert sorted(p.relative_to(feedback).as_posix() for p in feedback.rglob("*.md")) == sorted(
        report.feedback_path(g).as_posix() for g in grades)
    bob = (feedback / "bob" / "bob_ch3.md").read_text()
    assert "0 of 2 points" in bob and "the mistake is in the factor they share, delta_2" in bob
    carol = (feedback / "carol" / f"{CH3}.md").read_text()
    assert "You changed the check of this task" in carol and "was not in your notebook" in carol
    assert "Not answered" in (feedback / "erin" / f"{CH3}.md").read_text()
    frank = (feedback / "frank" / f"{CH3}.md").read_text()
    assert "2 of 2 points" in frank and len(frank) < 10_000  # megabytes printed, warnings: no cost
    assert "the kernel's process exited with status 1" in (feedback / "gina" / f"{CH3}.md").read_text()
    assert leaks.check_folder(ROOT, feedback) == []


# ------------------------------------------------------------------------------------------------
# The sandbox: each protection, shown by an attack that works without it
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A book of one chapter with two tasks, and its chapter."""
    root = tmp_path_factory.mktemp("tiny_book")
    (root / "chapters").mkdir()
    nbformat.write(_tiny_book_notebook(second_task=True), root / "chapters" / "01_tiny.ipynb")
    (root / "nnreg").symlink_to(ROOT / "nnreg")
    return root, book.load_chapters(root)["01_tiny"]


def _submission(chapter_root: Path, answers: list[str]):
    nb = generate.student_notebook(nbformat.read(chapter_root / "chapters" / "01_tiny.ipynb", as_version=4),
                                   "chapters/01_tiny.ipynb")
    stubs = [c for c in _code(nb) if c.source.startswith("# Your code")]
    for stub, answer in zip(stubs, answers):
        stub.source = answer
    return nb


def _run(tiny, answers, **settings):
    root, chapter = tiny
    settings.setdefault("cell_timeout", 30)
    settings.setdefault("notebook_timeout", 120)
    settings = run.Settings(book=root, bwrap=_bwrap(), **settings)
    assembly = assemble.assemble(chapter, _submission(root, answers))
    execution = run.execute(assembly, chapter, settings)
    answer = next(k for k, s in enumerate(assembly.steps) if s.role == "answer")
    return execution, execution.runs[answer], score.score(chapter, assembly, execution)


@pytest.fixture
def instructor(tmp_path):
    """The instructor's files, a TCP server on the loopback, and a process of theirs."""
    home = tmp_path / "instructor"
    home.mkdir()
    (home / "secret.txt").write_text("the instructor's secret")
    (home / "victim.txt").write_text("please keep me")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections = []

    def serve():
        while not stop.is_set():
            try:
                connections.append(server.accept()[0])
            except OSError:
                pass

    stop = threading.Event()
    threading.Thread(target=serve, daemon=True).start()
    token = f"canary-{os.getpid()}-{time.monotonic_ns()}"
    canary = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", token])
    yield {"home": home, "port": server.getsockname()[1], "connections": connections, "token": token,
           "canary": canary, "planted": Path(f"/tmp/planted-{token}")}
    stop.set()
    canary.kill()
    canary.wait()
    server.close()
    Path(f"/tmp/planted-{token}").unlink(missing_ok=True)


def _attacks(instructor) -> str:
    """An answer that tries everything a hostile submission might, then answers the task."""
    home, port, token = instructor["home"], instructor["port"], instructor["token"]
    return f'''import json, os, signal, socket, mmap
found = {{}}
def attempt(name, action):
    try:
        found[name] = "done: " + str(action())[:60]
    except BaseException as err:
        found[name] = "blocked: " + type(err).__name__
attempt("network", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3).send(b"hello"))
attempt("read", lambda: open({str(home / "secret.txt")!r}).read())
attempt("read the book", lambda: open({str(ROOT / "chapters" / (CH3 + ".ipynb"))!r}).read(100))
attempt("delete", lambda: os.remove({str(home / "victim.txt")!r}))
attempt("write", lambda: open({str(home / "planted.txt")!r}, "w").write("x"))
attempt("write /tmp", lambda: open({str(instructor["planted"])!r}, "w").write("x"))
def kill_canary():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if {token!r}.encode() in open(f"/proc/{{pid}}/cmdline", "rb").read():
                os.kill(int(pid), signal.SIGKILL)
                return pid
        except OSError:
            pass
    raise LookupError("no canary")
attempt("kill", kill_canary)
attempt("memory", lambda: len(mmap.mmap(-1, 8 << 30)))
print(json.dumps(found))
print("x" * 3_000_000)
x = 1
'''


def _found(cell) -> dict:
    return json.loads(cell.output.splitlines()[0])


def test_with_every_protection_every_attack_fails_and_the_task_is_still_graded(tiny, instructor):
    execution, answer, tasks = _run(tiny, [_attacks(instructor), "y = 2"], limits=sandbox.Limits(memory=2 << 30))
    found = _found(answer)
    # its own /tmp is a tmpfs of the sandbox: writing there works, and leaves nothing on the host
    assert found.pop("write /tmp").startswith("done") and not instructor["planted"].exists()
    assert {k: v.split(":")[0] for k, v in found.items()} == dict.fromkeys(found, "blocked"), found
    assert len(found) == 7
    assert instructor["connections"] == []
    assert (instructor["home"] / "victim.txt").exists() and not (instructor["home"] / "planted.txt").exists()
    assert not instructor["planted"].exists()
    assert instructor["canary"].poll() is None
    assert len(answer.output) <= 20_000 and answer.dropped > 2_900_000  # 3 MB printed, 20 kB kept
    assert execution.status == "ok" and [t.earned for t in tasks] == [1, 1]


@pytest.mark.parametrize("off, attack, proof", [
    ("network", "network", lambda inst: len(inst["connections"]) == 1),
    ("files", "read", lambda inst: not (inst["home"] / "victim.txt").exists()
     and (inst["home"] / "planted.txt").exists() and inst["planted"].exists()),
    ("processes", "kill", lambda inst: inst["canary"].wait(timeout=10) == -9),
    ("limits", "memory", lambda inst: True),
])
def test_without_its_protection_each_attack_succeeds(tiny, instructor, off, attack, proof):
    protections = sandbox.Protections(**{off: False})
    execution, answer, _ = _run(tiny, [_attacks(instructor), "y = 2"], protections=protections,
                                limits=sandbox.Limits(memory=2 << 30), output_limit=10_000_000)
    found = _found(answer)
    assert found[attack].startswith("done"), found
    assert proof(instructor)
    if off == "files":
        assert found["read"] == "done: the instructor's secret" and found["read the book"].startswith("done")
        assert found["delete"].startswith("done") and found["write /tmp"].startswith("done")
    blocked = {k for k, v in found.items() if v.startswith("blocked")}
    expected_open = {"network": {"network"}, "files": {"read", "read the book", "delete", "write"},
                     "processes": {"kill"}, "limits": {"memory"}}[off] | {"write /tmp"}
    assert blocked == set(found) - expected_open, found
    assert len(answer.output) > 3_000_000  # and without the output limit, all 3 MB come back


def test_a_cell_over_its_time_limit_is_interrupted_and_the_rest_still_runs(tiny):
    execution, answer, tasks = _run(tiny, ["import time\ntime.sleep(30)\nx = 1", "y = 2"], cell_timeout=2)
    assert answer.status == "timeout" and answer.seconds < 5
    assert execution.status == "timed out" and "your answer of task 1 was stopped" in execution.reason
    assert [t.earned for t in tasks] == [0, 1]
    # without the limit (a longer one), the same cell runs to its end
    _, answer, tasks = _run(tiny, ["import time\ntime.sleep(3)\nx = 1", "y = 2"], cell_timeout=30)
    assert answer.status == "ok" and [t.earned for t in tasks] == [1, 1]


def test_a_loop_that_ignores_the_interrupt_is_stopped_and_the_notebook_limit_holds(tiny):
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    started = time.monotonic()
    execution, answer, tasks = _run(tiny, [stubborn, "y = 2"], cell_timeout=2)
    assert time.monotonic() - started < 30
    assert execution.status == "timed out" and [t.earned for t in tasks] == [0, 0]
    assert tasks[1].message.startswith("Not run: your answer of task 1 was stopped")
    execution, _, tasks = _run(tiny, ["import time\ntime.sleep(4)\nx = 1", "y = 2"], notebook_timeout=3)
    assert "the notebook ran over its time limit of 3 s" in execution.reason and [t.earned for t in tasks] == [0, 0]


def test_without_the_sandbox_a_submission_is_still_graded_with_its_limits(tiny):
    # --no-sandbox (macOS; trusted submissions): no bubblewrap, the time limits still hold
    execution, _, tasks = _run(tiny, ["import time\ntime.sleep(30)", "y = 2"], cell_timeout=2,
                               protections=sandbox.Protections.none())
    assert execution.status == "timed out" and [t.earned for t in tasks] == [0, 1]


@pytest.mark.parametrize("answer, status, reason", [
    ("import sys\nsys.exit(0)", "ok", ""),
    ("import os\nos._exit(0)", "kernel died", "exited with status 0"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "kernel died", "SIGKILL"),
])
def test_exits_and_kills_end_only_the_submissions_own_run(tiny, answer, status, reason):
    execution, _, tasks = _run(tiny, [answer, "y = 2"])
    assert execution.status == status and reason in execution.reason
    # sys.exit is an exception in a kernel: the run goes on, and task 2 passes
    assert [t.earned for t in tasks] == ([0, 1] if status == "ok" else [0, 0])


def test_grading_twice_gives_the_same_files(tiny, tmp_path):
    root, chapter = tiny
    folder = tmp_path / "subs"
    for name, answers in {"amy": ["x = 1", "y = 3"], "ben": ["import random\nx = random.choice([1, 1])", "y = 2"]}.items():
        (folder / name).mkdir(parents=True)
        nbformat.write(_submission(root, answers), folder / name / "01_tiny.ipynb")
    settings = run.Settings(book=root, cell_timeout=30, notebook_timeout=60, bwrap=_bwrap())
    outputs = []
    for k in range(2):
        cli.grade_folder(folder, tmp_path / f"out{k}", settings, jobs=2, quiet=True)
        outputs.append({p.relative_to(tmp_path / f"out{k}"): p.read_bytes()
                        for p in sorted((tmp_path / f"out{k}").rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]
    rows = list(csv.DictReader(io.StringIO(outputs[0][Path("grades.csv")].decode())))
    assert [(r["student"], r["01 task 1"], r["01 task 2"], r["status"]) for r in rows] == [
        ("amy", "1", "0", "ok"), ("ben", "1", "1", "ok")]
