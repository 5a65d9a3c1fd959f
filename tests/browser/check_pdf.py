#!/usr/bin/env python3
"""Check the book's PDF (publish/pdf.py) with a PDF library, against the built HTML book.

    python tests/browser/check_pdf.py _build/pdf/book.pdf _build/html     (what `make pdf` runs)

What the reader of the PDF must find, read from the PDF itself (pypdf):
- one bookmark per chapter and section of _toc.yml, titled as the page's heading, in reading order,
  each on the page where that chapter's title is printed;
- no raw TeX (`\\(`, `\\[`, `$$`) in the text: the math is typeset;
- on the pages of each chapter, at least as many images as the chapter shows plots (those of folded
  outputs and of solutions aside), and in its part of the appendix as many as its solutions show;
- each stored progress bar printed finished: "100%" at least once per bar (beyond the times the
  chapter's own text says 100%);
- every page A4 or US Letter, with its number at the foot;
- no link left pointing at the loopback server the pages were printed from.
It prints the page count and the size. Exit status 0 when the PDF passes, 1 when not, 2 when it
cannot be read. Code is not checked here: publish/pdf.py measures, in print layout, that no code
block, table or formula is wider than the paper before it prints.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from publish.pdf import APPENDIX_TITLE, toc_entries  # noqa: E402

PAPER_SIZES = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}  # points
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$")


@dataclass
class Expected:
    page: str
    title: str  # the heading with its number: "4.1. Architecture, activations and back-propagation"
    plain_title: str  # without the number, as the print header shows it
    plots: int
    solution_plots: int
    bars: int
    says_100: int  # "100%" in the page's own text, outside widgets


def _folded(el) -> bool:
    return any(p.name == "details" and not p.has_attr("open") for p in el.parents)


def _in_solution(el) -> bool:
    return any("solution" in (p.get("class") or []) for p in el.parents)


def expected_from_html(html_dir: Path, toc: Path) -> list[Expected]:
    out = []
    for entry in toc_entries(toc):
        soup = BeautifulSoup((html_dir / entry.page).read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article") or soup
        h1 = article.find("h1")
        for link in h1.select("a.headerlink"):
            link.decompose()
        title = " ".join(h1.get_text(" ").split())
        number = h1.select_one(".section-number")
        plain = title.removeprefix(" ".join(number.get_text().split())).strip() if number else title
        imgs = [img for img in article.select("div.cell_output img") if not _folded(img)]
        views = [s for s in article.select('script[type="application/vnd.jupyter.widget-view+json"]')
                 if not _folded(s) and not _in_solution(s)]
        for s in article.select("script"):
            s.decompose()
        out.append(Expected(entry.page, title, plain,
                            plots=sum(not _in_solution(i) for i in imgs),
                            solution_plots=sum(_in_solution(i) for i in imgs),
                            bars=len(views), says_100=article.get_text().count("100%")))
    return out


def _outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, 0-based page, depth) of every bookmark, in order."""
    flat = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((str(item.title), reader.get_destination_page_number(item), depth))

    walk(reader.outline, 0)
    return flat


def _squash(text: str) -> str:
    """Whitespace collapsed, and ligatures (the PDF's "ﬁ", "ﬀ") undone."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def image_count(page) -> int:
    """The images a page draws: image XObjects in its resources, and in those of its forms (what
    pypdf's page.images lists, without decoding each one)."""
    def count(resources, seen: set) -> int:
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        n = 0
        for ref in (xobjects.get_object().values() if xobjects is not None else []):
            key = getattr(ref, "idnum", None) or id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                n += 1
            elif obj.get("/Subtype") == "/Form":
                n += count(obj.get("/Resources"), seen)
        return n

    return count(page.get("/Resources"), set())


def _texts(pdf: Path, span: range) -> list[str]:
    reader = PdfReader(pdf)
    return [reader.pages[i].extract_text() or "" for i in span]


def page_texts(pdf: Path, n_pages: int) -> list[str]:
    """The text of every page; two processes share the pages (pypdf is pure Python)."""
    half = (n_pages + 1) // 2
    with ProcessPoolExecutor(max_workers=2) as pool:
        return [t for part in pool.map(_texts, [pdf, pdf], [range(half), range(half, n_pages)]) for t in part]


def check(pdf: Path, expected: list[Expected]) -> list[str]:
    reader = PdfReader(pdf)
    pages = reader.pages
    problems = []
    texts = page_texts(pdf, len(pages))

    for i, page in enumerate(pages):
        w, h = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        if not any(abs(w - a) <= 2 and abs(h - b) <= 2 for a, b in PAPER_SIZES.values()):
            problems.append(f"page {i + 1} is {w:.0f} x {h:.0f} pt: neither A4 nor Letter")

    marks = _outline(reader)
    split = next((i for i, (t, _, depth) in enumerate(marks) if t == APPENDIX_TITLE and depth == 0), len(marks))
    titles = {e.title for e in expected}
    chapters = [(t, p) for t, p, _ in marks[:split] if t in titles]  # part captions left out
    appendix = {t: p for t, p, depth in marks[split + 1:] if depth > 0}
    got = [t for t, _ in chapters]
    want = [e.title for e in expected]
    if got != want:
        problems.append(f"bookmarks of the chapters are {got}, expected {want} (the table of contents, in order)")
    starts = dict(chapters)
    pages_of = _ranges([p for _, p, _ in marks], len(pages))

    last = -1
    for e in expected:
        if e.title not in starts:
            continue
        first = starts[e.title]
        if first < last:
            problems.append(f"'{e.title}' starts on page {first + 1}, before the chapter above it")
        last = first
        if _squash(e.plain_title) not in _squash(texts[first]):
            problems.append(f"'{e.plain_title}' is not printed on page {first + 1}, where its bookmark points")
        span = pages_of[first]
        images = sum(image_count(pages[i]) for i in span)
        if images < e.plots:
            problems.append(f"{e.page}: {images} image(s) on its pages {span.start + 1}-{span.stop}, "
                            f"but the chapter shows {e.plots} plot(s)")
        text = "".join(texts[i] for i in span)
        if e.bars and text.count("100%") < e.says_100 + e.bars:
            problems.append(f"{e.page}: {e.bars} progress bar(s), but only {text.count('100%')} '100%' "
                            f"on its pages (its text says 100% {e.says_100} time(s)): bars not printed finished")
        if e.solution_plots:
            if e.title not in appendix:
                problems.append(f"{e.page}: its solutions show plots but the appendix has no part for it")
            else:
                span = pages_of[appendix[e.title]]
                images = sum(image_count(pages[i]) for i in span)
                if images < e.solution_plots:
                    problems.append(f"{e.page}: {images} image(s) in its part of the appendix, "
                                    f"but its solutions show {e.solution_plots}")

    unnumbered = [i + 1 for i, text in enumerate(texts) if (text.strip().splitlines() or [""])[-1].strip() != str(i + 1)]
    if unnumbered:
        problems.append(f"{len(unnumbered)} page(s) without their number at the foot, e.g. page {unnumbered[0]}")
    for i, page in enumerate(pages):
        for ref in page.get("/Annots") or []:
            action = ref.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if urlsplit(uri).hostname in ("127.0.0.1", "localhost", "::1"):
                problems.append(f"page {i + 1} links to the printing machine's own server: {uri}")
    for i, text in enumerate(texts):
        for m in list(RAW_TEX.finditer(text))[:3]:
            problems.append(f"raw TeX {m.group()!r} on page {i + 1}: "
                            f"{_squash(text[max(0, m.start() - 40):m.end() + 40])!r}")
    return problems


def _ranges(starts: list[int], n_pages: int) -> dict[int, range]:
    """For each bookmark's page, the pages up to the next bookmark that starts later."""
    points = sorted(set(starts)) + [n_pages]
    return {a: range(a, max(b, a + 1)) for a, b in zip(points, points[1:])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("html_dir", type=Path)
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    args = ap.parse_args(argv)
    try:
        n_pages = len(PdfReader(args.pdf).pages)
    except Exception as exc:  # a missing or broken file: say which
        print(f"check-pdf: cannot read {args.pdf}: {exc}", file=sys.stderr)
        return 2
    problems = check(args.pdf, expected_from_html(args.html_dir, args.toc))
    size = args.pdf.stat().st_size
    print(f"check-pdf: {args.pdf}: {n_pages} pages, {size / 2**20:.1f} MiB ({size:,} bytes)")
    if problems:
        print(f"check-pdf: FAILED, {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
        return 1
    print("check-pdf: every chapter bookmarked and titled in order, math typeset, plots and bars there, paper A4/Letter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
