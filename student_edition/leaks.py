"""Find solution text in a student edition: its notebooks, or the HTML book built from them.

Rendering changes text (markdown becomes HTML, code is highlighted token by token, entities are
escaped), so the comparison is on words: a solution *leaks* into a file when one of its phrases
of ``PHRASE_WORDS`` consecutive words appears there. Phrases that the book also has outside its
solutions (a line of code the chapter repeats, a sentence the exercise quotes) prove nothing and
are left out; a solution with no phrase of its own is reported by :func:`unchecked`.
A sphinx-exercise solution block in the HTML (``class="solution ..."``) is a leak whatever it says.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from student_edition.generate import Solution, source_solutions

PHRASE_WORDS = 8
TEXT_SUFFIXES = {".html", ".ipynb", ".md", ".py", ".txt"}
_WORD = re.compile(r"[A-Za-z0-9_]+")
_SOLUTION_NODE = re.compile(r"""class=["']solution[\s"']""")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def phrases(found: list[str], n: int) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words of the list ``found``."""
    return {tuple(found[i : i + n]) for i in range(len(found) - n + 1)}


def fingerprints(solutions: list[Solution], rest: str) -> dict[int, set[tuple[str, ...]]]:
    """For each solution (by position in ``solutions``), its phrases that the rest of the book
    does not have. A solution shorter than ``PHRASE_WORDS`` words is one phrase."""
    rest_words, common = words(rest), {}
    prints = {}
    for i, solution in enumerate(solutions):
        own = words(solution.text)
        n = min(PHRASE_WORDS, len(own))
        if n not in common:
            common[n] = phrases(rest_words, n)
        prints[i] = phrases(own, n) - common[n] if n else set()
    return prints


def unchecked(solutions: list[Solution], prints: dict[int, set]) -> list[str]:
    """The solutions that have no phrase of their own, which no leak check can see."""
    return [solutions[i].where for i, found in prints.items() if not found]


def visible_text(path: Path) -> str:
    """The text of a file as a reader sees it: an HTML page without its markup, a notebook's
    sources and text outputs, anything else as it is."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        return html.unescape(re.sub(r"<[^>]+>", " ", raw))
    if path.suffix == ".ipynb":
        parts = []
        for cell in json.loads(raw).get("cells", []):
            parts.append("".join(cell.get("source", "")))
            for output in cell.get("outputs", []):
                parts.append("".join(output.get("text", "")))
                parts += ["".join(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
        return "\n".join(parts)
    return raw


def find_leaks(solutions: list[Solution], prints: dict[int, set], folder: Path) -> list[str]:
    """Sentences naming each file under ``folder`` that holds a solution, and which one."""
    leaks = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".html" and _SOLUTION_NODE.search(path.read_text(encoding="utf-8", errors="replace")):
            leaks.append(f"{rel}: has a sphinx-exercise solution block (class=\"solution\")")
        text, found = words(visible_text(path)), {}
        for i, own in prints.items():
            n = len(next(iter(own))) if own else 0
            if n and n not in found:
                found[n] = phrases(text, n)
            shared = own & found.get(n, set())
            if shared:
                example = " ".join(sorted(shared)[0])
                leaks.append(f"{rel}: holds the solution of {solutions[i].where} "
                             f"({len(shared)} of its {len(own)} phrases, e.g. {example!r})")
    return leaks


def check_folder(source: Path, folder: Path) -> list[str]:
    """Everything wrong with the student edition in ``folder``, for the book at ``source``:
    solutions that leak into it, and solutions that no check could see leak."""
    solutions, rest = source_solutions(Path(source))
    prints = fingerprints(solutions, rest)
    blind = [f"{where}: no phrase of this solution is its own, so no check can see it leak"
             for where in unchecked(solutions, prints)]
    return blind + find_leaks(solutions, prints, Path(folder))
