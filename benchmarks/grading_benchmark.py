"""Grading throughput: 40 made-up submissions of chapters 3 and 6, graded as `make grade` does.

The submissions (right answers, some written differently from the book's; wrong answers; broken
and hostile ones: an edited check, a notebook handed in unanswered, a kernel that exits, an array
too large for the memory limit, a damaged file) come from tests/grading_submissions/
make_submissions.py, half of them chapter 3's and half chapter 6's (which trains three networks,
2 epochs each). Every submission's total must be the one its kind gets (a wrong grade fails the
run). Reported: the wall-clock time and submissions per hour, the kernels' CPU time per chapter
(which other jobs on a shared machine inflate much less than wall-clock time), and `uptime`
before and after.

    .venv/bin/python benchmarks/grading_benchmark.py             # 40 submissions, jobs = CPU cores
    .venv/bin/python benchmarks/grading_benchmark.py --count 8   # a quick look

Writes benchmarks/grading_RESULTS.md (or --out).
"""
from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "grading_submissions"), str(ROOT / "benchmarks")]

import make_submissions as made  # noqa: E402
from grading import cli, run  # noqa: E402
from machine import cpu_name, uptime  # noqa: E402

CH3, CH6 = made.CH3, made.CH6


def kinds() -> dict[str, tuple[str, object, float | None]]:
    """kind -> (chapter, submission, the total it must get; None: not graded)."""
    subs = made.submissions()
    ref6 = made.reference(CH6)
    return {
        "ch3 right (the book's answers)": (CH3, made.answered(CH3, dict(enumerate(made.reference(CH3)))), 2),
        "ch3 right, written differently": (CH3, subs[f"alice/{CH3}.ipynb"], 2),
        "ch3 wrong": (CH3, subs["bob_ch3.ipynb"], 0),
        "ch3 wrong under an edited check": (CH3, subs[f"carol/{CH3}.ipynb"], 1),
        "ch3 unanswered": (CH3, subs[f"erin/{CH3}.ipynb"], 0),
        "ch3 kernel exits (os._exit)": (CH3, subs[f"gina/{CH3}.ipynb"], 1),
        "ch3 megabytes printed, sys.exit": (CH3, subs[f"frank/{CH3}.ipynb"], 2),
        "ch3 damaged file": (CH3, subs[f"hank/{CH3}.ipynb"], None),
        "ch6 right (the book's answers)": (CH6, made.answered(CH6, dict(enumerate(ref6))), 7),
        "ch6 right, written differently": (CH6, subs[f"alice/{CH6}.ipynb"], 7),
        "ch6 wrong (FCN dropout, figure labels)": (CH6, subs[f"bob_{CH6}.ipynb"], 5),
        "ch6 broken (memory limit)": (CH6, subs[f"judy/{CH6}.ipynb"], 3),
        "ch6 unanswered": (CH6, made.edition(CH6), 0),
    }


# how many of each kind in 40: 20 per chapter
MIX = {"ch3 right (the book's answers)": 5, "ch3 right, written differently": 3, "ch3 wrong": 4,
       "ch3 wrong under an edited check": 2, "ch3 unanswered": 2, "ch3 kernel exits (os._exit)": 2,
       "ch3 megabytes printed, sys.exit": 1, "ch3 damaged file": 1,
       "ch6 right (the book's answers)": 6, "ch6 right, written differently": 3,
       "ch6 wrong (FCN dropout, figure labels)": 5, "ch6 broken (memory limit)": 3, "ch6 unanswered": 3}


def plan(count: int) -> list[str]:
    """``count`` kinds, half of each chapter, in the proportions of MIX, the chapters alternating."""
    picked = []
    for chapter, n in (("ch3", (count + 1) // 2), ("ch6", count // 2)):
        pool = [k for k, times in MIX.items() if k.startswith(chapter) for _ in range(times)]
        picked.append([pool[int(i * len(pool) / n)] for i in range(n)])
    three, six = picked
    return [k for pair in zip(three, six + [None]) for k in pair if k is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=cli.default_jobs())
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "grading_RESULTS.md")
    args = parser.parse_args()
    made_kinds = kinds()
    chosen = plan(args.count)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "grades"
        expected = {}
        for i, kind in enumerate(chosen):
            chapter, content, total = made_kinds[kind]
            path = folder / f"student{i:02d}" / f"{chapter}.ipynb"
            path.parent.mkdir(parents=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                nbformat.write(content, path)
            expected[path.relative_to(folder).as_posix()] = (kind, total)
        before = uptime()
        started = time.monotonic()
        grades = cli.grade_folder(folder, out, run.Settings(book=ROOT), jobs=args.jobs, quiet=True)
        wall = time.monotonic() - started
        after = uptime()
    wrong = [f"{g.file} ({expected[g.file][0]}): {g.total} points, {g.status}; expected {expected[g.file][1]}"
             for g in grades if (g.total if g.chapter else None) != expected[g.file][1]]
    per_hour = 3600 * len(grades) / wall
    rows = []
    for kind in MIX:
        mine = [g for g in grades if expected[g.file][0] == kind]
        if mine:
            rows.append(f"| {kind} | {len(mine)} | {report_total(mine)} | "
                        f"{statistics.median(g.seconds for g in mine):.0f} | "
                        f"{statistics.median(g.cpu_seconds for g in mine):.0f} |")
    cpu = {ch: [g.cpu_seconds for g in grades if g.chapter == ch] for ch in (CH3, CH6)}
    cpu_total = sum(g.cpu_seconds for g in grades)
    import torch

    lines = [
        "# Grading throughput: `make grade` on 40 made-up submissions",
        "",
        f"Written by `benchmarks/grading_benchmark.py` on {datetime.datetime.now():%Y-%m-%d %H:%M}, in one run.",
        f"Machine: {cpu_name()}, {cli.default_jobs()} logical CPUs; torch {torch.__version__}; "
        f"{args.jobs} submissions at a time, each kernel on 1 thread, in its sandbox (bubblewrap). "
        f"Chapter 6 trains each network for {run.Settings(book=ROOT).epochs} epochs.",
        "",
        f"**{len(grades)} submissions in {wall / 60:.1f} min: {per_hour:.0f} submissions per hour** "
        f"({sum(1 for g in grades if g.chapter == CH3)} of chapter 3, "
        f"{sum(1 for g in grades if g.chapter == CH6)} of chapter 6, "
        f"{sum(1 for g in grades if g.chapter is None)} not graded).",
        "",
        "Every submission got the total its kind must get." if not wrong else
        "**Wrong totals:**\n\n" + "\n".join(f"- {w}" for w in wrong),
        "",
        "`uptime` before and after (the machine is shared: its load counts in the wall-clock time):",
        "",
        "```",
        before,
        after,
        "```",
        "",
        "| kind | submissions | total each | wall-clock s (median) | kernel CPU s (median) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Kernel CPU time in all: {cpu_total / 60:.1f} min; per submission, median: chapter 3 "
        f"{statistics.median(cpu[CH3] or [0]):.0f} s, chapter 6 {statistics.median(cpu[CH6] or [0]):.0f} s. "
        f"On {args.jobs} cores that nothing else used, these {len(grades)} would take about "
        f"{cpu_total / args.jobs / 60:.0f} min of CPU ({3600 * len(grades) / (cpu_total / args.jobs):.0f} per hour), "
        "plus the grader's own time (starting kernels, reading the synthetic faces' file).",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    if wrong:
        sys.exit(1)


def report_total(grades) -> str:
    totals = sorted({g.total if g.chapter else None for g in grades}, key=str)
    return ", ".join("not graded" if t is None else f"{t:g}" for t in totals)


if __name__ == "__main__":
    main()
