#!/usr/bin/env python3
"""Check the book's PDF (publish/pdf.py) with a PDF library, against the built HTML book.

    python tests/browser/check_pdf.py _build/pdf/book.pdf _build/html     (what `make pdf` runs)

What the reader of the PDF must find, read from the PDF itself (pypdf):
- page 1 is the title page: the book's title and author (_config.yml) and which edition it is;
- the contents follow, before the first chapter (the landing page, printed as "About this book"):
  every chapter and section, and every part of the appendix, in order, each with the number of the
  page its bookmark points at, and a link to that page;
- one bookmark per chapter and section of _toc.yml, titled as the page's heading, in reading order,
  each on the page where that chapter's title is printed;
- no folded cell's code (the reading-path rule): no characteristic line of the source of any cell
  tagged hide-input or hide-cell (or remove-input, remove-cell) in the chapters' notebooks is in
  the text of the PDF; a line is characteristic when it has at least 16 characters besides
  whitespace and is shown nowhere else in the built book (not in a visible cell, an output or the
  prose). Its outputs (a check's "Right: ..." line, a figure) may be printed;
- no raw TeX (`\\(`, `\\[`, `$$`) in the text: the math is typeset;
- on the pages of each chapter, at least as many images as the chapter shows plots (those of folded
  outputs and of solutions aside), and in its part of the appendix as many as its solutions show;
- each stored progress bar printed finished: "100%" at least once per bar (beyond the times the
  chapter's own text says 100%);
- every page A4 or US Letter, each but the title page with its number at the foot;
- no link left pointing at the loopback server the pages were printed from.
It prints the page count and the size. Exit status 0 when the PDF passes, 1 when not, 2 when it
cannot be read. Code is not checked here: publish/pdf.py measures, in print layout, that no code
block, table or formula is wider than the paper before it prints.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import re
import sys
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.generic import ArrayObject

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from publish.pdf import APPENDIX_TITLE, CONTENTS_TITLE, LANDING_TITLE, toc_entries  # noqa: E402

PAPER_SIZES = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}  # points
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$")
FOLDED_TAGS = ("hide-input", "hide-cell", "remove-input", "remove-cell")  # the cell's code is not shown
MIN_LINE = 16  # characters besides whitespace: a shorter line of code is no evidence of its cell


@dataclass
class Expected:
    page: str
    title: str  # the heading with its number: "4.1. Architecture, activations and back-propagation"
    plain_title: str  # without the number, as the print header shows it
    plots: int
    solution_plots: int
    bars: int
    says_100: int  # "100%" in the page's own text, outside widgets
    shown: str = field(default="", repr=False)  # its text as printed (folds shut), _squeeze'd


@dataclass
class Folded:
    """A cell whose code the book folds away, and the lines of it that must not be printed."""
    notebook: str  # 'chapters/03_backprop_exercise.ipynb'
    cell: int  # its index in the notebook
    tag: str  # 'hide-input'
    lines: list[str]  # its characteristic lines, as written


@dataclass
class Book:
    """What the PDF must hold: from _config.yml, the built HTML and the chapters' notebooks."""
    title: str
    author: str
    chapters: list[Expected]
    folded: list[Folded] = field(default_factory=list)


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
        says_100 = article.get_text().count("100%")
        for fold in article.select("details:not([open])"):
            fold.decompose()
        if entry.landing:
            title = plain = LANDING_TITLE
        out.append(Expected(entry.page, title, plain,
                            plots=sum(not _in_solution(i) for i in imgs),
                            solution_plots=sum(_in_solution(i) for i in imgs),
                            bars=len(views), says_100=says_100, shown=_squeeze(article.get_text())))
    return out


def folded_cells(toc: Path, expected: list[Expected]) -> list[Folded]:
    """Every folded code cell of the notebooks of _toc.yml (beside it), with the lines of its
    source that the book shows nowhere else (expected: the pages' shown text)."""
    shown = "\n".join(e.shown for e in expected)
    out = []
    for entry in toc_entries(toc):
        path = toc.parent / Path(entry.page).with_suffix(".ipynb")
        if not path.is_file():
            continue  # a Markdown page
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            tags = (cell.get("metadata") or {}).get("tags") or []
            tag = next((t for t in FOLDED_TAGS if t in tags), None)
            if cell["cell_type"] != "code" or tag is None:
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines = [line.strip() for line in source.splitlines()
                     if len(_squeeze(line)) >= MIN_LINE and _squeeze(line) not in shown]
            out.append(Folded(path.relative_to(toc.parent).as_posix(), i, tag, lines))
    return out


def book_from_sources(html_dir: Path, toc: Path, config: Path) -> Book:
    meta = yaml.safe_load(config.read_text(encoding="utf-8"))
    chapters = expected_from_html(html_dir, toc)
    return Book(str(meta.get("title", "")), str(meta.get("author", "")), chapters, folded_cells(toc, chapters))


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
    """Whitespace collapsed, ligatures (the PDF's "ﬁ", "ﬀ") undone, and a word broken at its hyphen
    by a line end ("mini-" / "batches" in a wrapped title) joined again."""
    text = unicodedata.normalize("NFKC", text).replace("-\n", "-")
    return " ".join(text.split())


QUOTES = str.maketrans("‘’“”", "''\"\"")


def _squeeze(text: str) -> str:
    """Whitespace removed, ligatures undone, curly quotes straight: a line of code found again
    where the PDF wraps it at the margin, or its font or text extraction renders it otherwise."""
    return "".join(unicodedata.normalize("NFKC", text).translate(QUOTES).split())


def _title_pattern(title: str) -> re.Pattern:
    """A title in the contents, wherever its line wraps."""
    return re.compile(r"\s?".join(re.escape(c) for c in _squeeze(title)))


PAGE_NUMBER = re.compile(r"[\s.·…]*?\s(\d+)(?![\d.])")  # after a title: its page number (leaders aside)


def _link_targets(reader: PdfReader, page) -> set[int]:
    """The 0-based pages that the links of a page lead to, inside the PDF."""
    index = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    targets = set()
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        action = annot.get("/A")
        dest = annot.get("/Dest")
        if action is not None and action.get_object().get("/S") == "/GoTo":
            dest = action.get_object().get("/D")
        if isinstance(dest, ArrayObject) and dest and getattr(dest[0], "idnum", None) in index:
            targets.add(index[dest[0].idnum])
        elif dest is not None and str(dest) in reader.named_destinations:
            targets.add(reader.get_destination_page_number(reader.named_destinations[str(dest)]))
    return targets


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


def check(pdf: Path, book: Book) -> list[str]:
    expected = book.chapters
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

    problems += _check_front_matter(reader, texts, book, starts, [(t, p) for t, p, depth in marks[split + 1:] if depth > 0])
    problems += _check_folded(texts, book.folded)

    unnumbered = [i + 1 for i, text in enumerate(texts)
                  if i > 0 and (text.strip().splitlines() or [""])[-1].strip() != str(i + 1)]
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


def _check_front_matter(reader: PdfReader, texts: list[str], book: Book, starts: dict[str, int],
                        appendix: list[tuple[str, int]]) -> list[str]:
    """Page 1 the title page; the contents on the pages after it, up to the first chapter (the
    landing page): every chapter, then every part of the appendix, in order, each with the page its
    bookmark points at (counted from 1), each with a link to that page."""
    problems = []
    title_page = _squash(texts[0]) if texts else ""
    for what, value in (("title", book.title), ("author", book.author)):
        if _squash(value) not in title_page:
            problems.append(f"page 1 is not the title page: the book's {what} '{value}' is not on it")
    if "edition" not in title_page.lower():
        problems.append("page 1 does not say which edition of the book it is")

    first = book.chapters[0].title if book.chapters else None
    if first not in starts:
        return problems  # the bookmarks are wrong: said above
    if starts[first] < 2:
        return problems + [f"no contents between the title page and page {starts[first] + 1}, where '{first}' starts"]
    span = range(1, starts[first])
    text = _squash(" ".join(texts[i] for i in span))
    where = f"the contents (page {span.start + 1}" + (f"-{span.stop})" if len(span) > 1 else ")")
    if CONTENTS_TITLE not in text:
        problems.append(f"{where} are not headed '{CONTENTS_TITLE}'")
    listed = [(e.title, starts.get(e.title)) for e in book.chapters]
    listed += ([(APPENDIX_TITLE, None)] + appendix) if appendix else []
    at = 0
    for title, page in listed:
        found = _title_pattern(title).search(text, at)
        if found is None:
            problems.append(f"{where} do not list '{title}'" + (" after the entries above it" if at else ""))
            continue
        at = found.end()
        if page is None:
            continue  # a heading
        number = PAGE_NUMBER.match(text, at)
        if number is None:
            problems.append(f"{where} list '{title}' without its page number")
            continue
        at = number.end()
        if int(number.group(1)) != page + 1:
            problems.append(f"{where} give page {number.group(1)} for '{title}', but its bookmark points at page {page + 1}")
    linked = set().union(*(_link_targets(reader, reader.pages[i]) for i in span))
    unlinked = [(t, p + 1) for t, p in listed if p is not None and p not in linked]
    if unlinked:
        problems.append(f"{where} have no link to the page of " + ", ".join(f"'{t}' (page {p})" for t, p in unlinked))
    return problems


def _check_folded(texts: list[str], folded: list[Folded]) -> list[str]:
    """No characteristic line of a folded cell in the PDF's text."""
    pages = [_squeeze(t) for t in texts]
    ends = list(itertools.accumulate(len(p) + 1 for p in pages))
    whole = "\n".join(pages)
    problems = []
    for f in folded:
        for line in f.lines:
            at = whole.find(_squeeze(line))
            if at >= 0:
                problems.append(f"{f.notebook}, cell {f.cell} ({f.tag}): its folded code is printed on page "
                                f"{bisect.bisect_right(ends, at) + 1}: {line!r}")
                break
    return problems


def _ranges(starts: list[int], n_pages: int) -> dict[int, range]:
    """For each bookmark's page, the pages up to the next bookmark that starts later."""
    points = sorted(set(starts)) + [n_pages]
    return {a: range(a, max(b, a + 1)) for a, b in zip(points, points[1:])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("html_dir", type=Path)
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml",
                    help="the book's _toc.yml; the chapters' notebooks are read beside it")
    ap.add_argument("--config", type=Path, default=None, help="the book's _config.yml (default: beside --toc)")
    args = ap.parse_args(argv)
    try:
        n_pages = len(PdfReader(args.pdf).pages)
    except Exception as exc:  # a missing or broken file: say which
        print(f"check-pdf: cannot read {args.pdf}: {exc}", file=sys.stderr)
        return 2
    book = book_from_sources(args.html_dir, args.toc, args.config or args.toc.parent / "_config.yml")
    problems = check(args.pdf, book)
    size = args.pdf.stat().st_size
    print(f"check-pdf: {args.pdf}: {n_pages} pages, {size / 2**20:.1f} MiB ({size:,} bytes)")
    if problems:
        print(f"check-pdf: FAILED, {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
        return 1
    lines = sum(len(f.lines) for f in book.folded)
    bare = sum(not f.lines for f in book.folded)
    print("check-pdf: title page, contents with the right page numbers and links, every chapter bookmarked and titled "
          "in order, math typeset, plots and bars there, paper A4/Letter; "
          f"the code of {len(book.folded) - bare} folded cells ({lines} lines) not printed"
          + (f" ({bare} more have no line of their own to look for)" if bare else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
