"""Command line: ``python -m grading SUBMISSIONS`` (what ``make grade SUBMISSIONS=...`` runs).

Finds the submissions (:mod:`grading.discover`), runs each in its own sandboxed kernel, several at
a time (:mod:`grading.assemble`, :mod:`grading.run`, :mod:`grading.sandbox`), scores them
(:mod:`grading.score`), writes ``grades.csv`` and the feedback and prints the summary
(:mod:`grading.report`). Exit status 0 when every submission has its row (however it fared),
1 with a message when nothing could be graded (no such folder, no sandbox, the book unreadable).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from grading import assemble, book, discover, report, run, sandbox, score

ROOT = Path(__file__).resolve().parent.parent


def grade_one(sub: discover.Submission, chapter: book.Chapter | None, settings: run.Settings) -> score.Grade:
    """One submission's grade; never raises: a failure of the grader itself on one notebook
    gives that notebook a row that says so, and the others are still graded."""
    try:
        return _grade_one(sub, chapter, settings)
    except Exception as err:  # a bug of the grader's, not the submission's doing
        why = (f"the grader failed on this notebook ({type(err).__name__}: {str(err)[:300]}); "
               "please report it with the notebook")
        return score.Grade(sub.student, sub.rel, None, "not graded", why, notes=[why])


def _grade_one(sub: discover.Submission, chapter: book.Chapter | None, settings: run.Settings) -> score.Grade:
    if chapter is None:
        return score.Grade(sub.student, sub.rel, None, "not graded", sub.problem or "no chapter",
                           notes=[sub.problem or "no chapter"])
    assembly = assemble.assemble(chapter, sub.notebook)
    execution = run.execute(assembly, chapter, settings)
    notes = [f"chapter found by {sub.found_by}"] if sub.found_by != "metadata" else []
    result = score.grade(sub.student, sub.rel, chapter, assembly, execution, notes)
    result.seconds, result.cpu_seconds = execution.seconds, execution.cpu_seconds
    return result


def settings_note(settings: run.Settings, chapter: book.Chapter) -> str:
    """The last paragraph of a chapter's feedback: how it was graded."""
    note = ("Graded by running your notebook from the top in a fresh kernel, with the book's checks "
            "(not the check cells in your notebook).")
    if chapter.reads_faces:
        note += (f" The networks are trained for {settings.epochs} epochs on the synthetic faces"
                 + (", so the parts of the checks that need the practical's 20 epochs were not graded."
                    if settings.epochs != 20 else "."))
    return note


def ensure_faces(root: Path) -> None:
    """Chapter 6's synthetic faces, made once here, outside any sandbox (they are bound read-only)."""
    sys.path.insert(0, str(root))
    from nnreg import synthetic_faces

    data = root / "data"
    if not synthetic_faces.cache_is_fresh(data / synthetic_faces.SYNTHETIC_FILE_NAME):
        print("Making chapter 6's synthetic faces (once, about 20 s) ...", flush=True)
    synthetic_faces.synthetic_faces_csv(data)


def grade_folder(folder: Path, out: Path, settings: run.Settings, jobs: int,
                 quiet: bool = False) -> list[score.Grade]:
    """Grade every submission in ``folder``; write grades.csv and feedback/ into ``out``."""
    started = time.monotonic()
    chapters = book.load_chapters(settings.book)
    subs, skipped = discover.find_submissions(folder, chapters)
    used = {s.chapter for s in subs if s.chapter}
    if settings.protections.bubblewrap and used:
        settings.bwrap = sandbox.ensure_bwrap()
    if any(chapters[name].reads_faces for name in used):
        ensure_faces(settings.book)
    if not quiet:
        print(f"Grading {len(subs)} submissions, {jobs} at a time, each in its own "
              + ("sandboxed kernel" if settings.protections.bubblewrap else "kernel (NO SANDBOX)") + " ...",
              flush=True)
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(grade_one, s, chapters.get(s.chapter), settings) for s in subs]
        grades = []
        for sub, future in zip(subs, futures):
            grades.append(future.result())
            if not quiet:
                g = grades[-1]
                print(f"  {g.file}: {report.number(g.total)}/{report.number(g.possible) if g.tasks else '-'} "
                      f"{g.status}", flush=True)
    report.write(out, grades, chapters, {name: settings_note(settings, chapters[name]) for name in used})
    if not quiet:
        print()
        print(report.summary(grades, chapters, skipped, time.monotonic() - started, jobs))
        print(f"Written: {out / 'grades.csv'} and {len(grades)} feedback files in {out / 'feedback'}")
    return grades


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="the folder of submitted notebooks")
    parser.add_argument("--out", type=Path, default=Path("_build/grades"),
                        help="where grades.csv and feedback/ go (default: _build/grades)")
    parser.add_argument("--book", type=Path, default=ROOT, help="the book's repository (default: this one)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="submissions graded at a time (default: the number of CPU cores)")
    parser.add_argument("--epochs", type=int, default=2,
                        help="chapter 6's training epochs (default 2; 20 grades the checks that need them)")
    parser.add_argument("--cell-timeout", type=float, help="seconds a cell may run (default 300, x epochs/2)")
    parser.add_argument("--timeout", type=float, help="seconds a notebook may run (default 900, x epochs/2)")
    parser.add_argument("--memory", type=float, default=6, help="GiB of address space per kernel (default 6)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="no bubblewrap: time and resource limits only (submissions you trust)")
    args = parser.parse_args(argv)
    for name in ("jobs", "epochs", "cell_timeout", "timeout", "memory"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive, not {value}")
    scale = max(1.0, args.epochs / 2)
    settings = run.Settings(
        book=args.book.resolve(), epochs=args.epochs,
        cell_timeout=args.cell_timeout or 300 * scale, notebook_timeout=args.timeout or 900 * scale,
        protections=sandbox.Protections.none() if args.no_sandbox else sandbox.Protections(),
        limits=sandbox.Limits(memory=int(args.memory * 2**30)))
    if args.no_sandbox:
        print("WARNING: --no-sandbox: the submissions run with your files, your network and your "
              "processes in reach; only time and resource limits apply.", file=sys.stderr)
    try:
        grade_folder(args.submissions, args.out, settings, max(1, args.jobs))
    except (discover.SubmissionsError, book.BookError, sandbox.SandboxError) as err:
        print(f"grading: {err}", file=sys.stderr)
        return 1
    return 0
