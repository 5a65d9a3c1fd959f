"""What grading writes: ``grades.csv``, one feedback file per submission, and the summary.

``grades.csv`` has one row per submission: ``student``, ``chapter``, ``file`` (its path in the
submissions folder), one column per task of every chapter graded (``03 task 1``, ...; empty for
another chapter's row), ``total``, ``possible``, ``status`` (``ok``, ``timed out``, ``kernel
died``, ``not graded``, ``not run``) and ``notes`` for the instructor (why a run stopped, edited
checks, cells of the book the student changed). The same submissions give the same file.

``feedback/STUDENT/NAME.md`` is for the student: per task, passed or not and the check's message
(what the student would have seen running the check), and whatever the student did to the check.
Only the task sentences (which the stubs show) and the checks' messages go in: no solution.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path, PurePosixPath

from grading.book import Chapter
from grading.score import Grade

STATUSES = ("ok", "timed out", "kernel died", "not run", "not graded")


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _text(value: str) -> str:
    """A text cell a spreadsheet will not take for a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def columns(chapters: list[Chapter]) -> list[str]:
    return ["student", "chapter", "file", *[c for ch in chapters for c in ch.columns()],
            "total", "possible", "status", "notes"]


def grades_csv(grades: list[Grade], chapters: dict[str, Chapter]) -> str:
    graded = [chapters[name] for name in chapters if any(g.chapter == name for g in grades)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(graded), lineterminator="\n")
    writer.writeheader()
    for g in grades:
        row = {"student": _text(g.student), "chapter": g.chapter or "", "file": _text(g.file),
               "total": number(g.total), "possible": number(g.possible) if g.tasks else "",
               "status": g.status, "notes": _text("; ".join(g.notes))}
        if g.chapter:
            short = chapters[g.chapter].short
            row.update({f"{short} task {t.number}": number(t.earned) for t in g.tasks})
        writer.writerow(row)
    return out.getvalue()


def feedback_path(grade: Grade) -> PurePosixPath:
    """``alice/ch3.md`` for ``alice/ch3.ipynb`` or ``alice_ch3.ipynb`` (flat: its name kept)."""
    rel = PurePosixPath(grade.file)
    inner = rel.parts[1:] if len(rel.parts) > 1 else rel.parts
    return PurePosixPath(grade.student, "__".join(inner)).with_suffix(".md")


def _quoted(text: str) -> str:
    """Text shown as it is (an indented block): nothing in a message can become markup."""
    return "\n".join("    " + line for line in (text.strip() or "(no message)").splitlines())


def feedback(grade: Grade, settings_note: str, title: str = "") -> str:
    heading = f"{title} ({grade.chapter})" if title and grade.chapter else grade.chapter or "not graded"
    lines = [f"# Feedback: {heading}", ""]
    lines.append(f"Student: **{grade.student}**. Notebook: `{grade.file}`.")
    lines.append("")
    if grade.chapter is None:
        lines += ["Your notebook could not be graded:", "", _quoted(grade.reason), "",
                  "Ask your instructor what to hand in instead.", ""]
        return "\n".join(lines)
    lines += [f"**{number(grade.total)} of {number(grade.possible)} points.**", ""]
    if grade.status != "ok":
        lines += [f"The run did not finish normally ({grade.status}):", "", _quoted(grade.reason), ""]
    lines += ["| Task | Points | Result |", "|---|---|---|"]
    for t in grade.tasks:
        result = "passed" if t.earned else "not passed"
        lines.append(f"| {t.number} | {number(t.earned)} of {number(t.possible)} | {result} |")
    lines.append("")
    for t in grade.tasks:
        verdict = "passed" if t.earned else "not passed"
        lines += [f"## Task {t.number}: {verdict} ({number(t.earned)} of {number(t.possible)})", "",
                  f"The task: {t.text}", "", "The check says:" if t.from_check else "Why:",
                  "", _quoted(t.message), ""]
        for note in t.notes:
            lines += [_quoted(note) if note.startswith(("Your answer", "A cell you added")) else note, ""]
    lines += ["---", "", settings_note, ""] if settings_note else []
    return "\n".join(lines)


def summary(grades: list[Grade], chapters: dict[str, Chapter], skipped: list[str], seconds: float,
            jobs: int) -> str:
    by_chapter = Counter(g.chapter for g in grades if g.chapter)
    status = Counter(g.status for g in grades)
    lines = [f"Graded {len(grades)} submissions of {len({g.student for g in grades})} students in "
             f"{seconds / 60:.1f} min, {jobs} at a time ({3600 * len(grades) / max(seconds, 1e-9):.0f} per hour): "
             + ", ".join(f"{name} {n}" for name, n in sorted(by_chapter.items())) + "."]
    lines.append("Status: " + ", ".join(f"{status[s]} {s}" for s in STATUSES if status[s]) + ".")
    for g in grades:
        if g.status != "ok":
            lines.append(f"  {g.file}: {g.status}: {g.reason}")
    if skipped:
        lines.append(f"Skipped {len(skipped)} files that are not notebooks: " + ", ".join(skipped[:5])
                     + (" ..." if len(skipped) > 5 else ""))
    for name, chapter in chapters.items():
        mine = [g for g in grades if g.chapter == name]
        if not mine:
            continue
        lines.append(f"{name}: {len(mine)} submissions, mean {number(round(sum(g.total for g in mine) / len(mine), 2))}"
                     f" of {number(chapter.possible)} points")
        for task in chapter.tasks:
            results = [g.tasks[task.number - 1] for g in mine]
            mean = sum(r.earned for r in results) / len(results)
            passed = sum(1 for r in results if r.earned)
            failures = Counter(r.message.splitlines()[0][:110] for r in results if not r.earned)
            common = ""
            if failures:
                message, count = failures.most_common(1)[0]
                common = f"; commonest failure ({count}x): {message}"
            lines.append(f"  task {task.number}: mean {mean:.2f} of {number(task.points)}, "
                         f"{passed}/{len(results)} passed{common}")
    return "\n".join(lines)


def write(out: Path, grades: list[Grade], chapters: dict[str, Chapter], notes: dict[str, str]) -> None:
    """grades.csv and the feedback files, into ``out`` (emptied of earlier feedback first)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(grades_csv(grades, chapters), encoding="utf-8")
    folder = out / "feedback"
    if folder.exists():
        for old in sorted(folder.rglob("*.md"), reverse=True):
            old.unlink()
    for g in grades:
        path = folder / feedback_path(g)
        path.parent.mkdir(parents=True, exist_ok=True)
        title = chapters[g.chapter].title if g.chapter else ""
        path.write_text(feedback(g, notes.get(g.chapter, ""), title), encoding="utf-8")
