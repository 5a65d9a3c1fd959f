#!/usr/bin/env python3
"""Print the built book to one PDF: a title page and a table of contents, then every page of
_toc.yml, in order, printed by Debian's Chromium with the theme's print style, merged with pypdf,
one bookmark per part, chapter and section.

    python publish/pdf.py _build/html _build/pdf/book.pdf        (what `make pdf` runs)

jupyter-book's own `singlehtml`/LaTeX routes fail on this book (myst-nb's hide-input cells), so
each built page is printed as a reader sees it: math typeset by MathJax, plots, finished progress
bars. On top of the theme's print style: code wraps instead of running off the right margin,
folded code is not printed (the reading-path rule: a `hide-input` cell prints its outputs, a
figure or a check's "Right: ..." line, without its code), and the exercise solutions, which are
dropdowns online, are printed in an appendix ("Solutions", one part per chapter) so that a page
never gives away the answer to the exercise on it.

The PDF opens with a title page (title and author from _config.yml, the edition, the date and
commit it was printed from) and the contents: the landing page (printed as "About this book",
without its own list of sections), the parts, chapters and sections of _toc.yml and the appendix,
each with the number of the page where it starts, each a link to it. Links between chapters
become links inside the PDF; other links to the book go to the published site (`html.baseurl` in
_config.yml), or are dropped when it is not set. Pages are numbered in the bottom margin, all but
the title page; the number printed is the page's number in the PDF.

Before printing, each page is measured in print layout: a code block, table or formula still
wider than the paper is reported; the PDF is written all the same and the exit status is 1.
tests/browser/check_pdf.py checks the PDF afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import yaml
from playwright.sync_api import sync_playwright
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NullObject, NumberObject

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from publish import chromium  # noqa: E402

APPENDIX_TITLE = "Appendix: solutions to the exercises"
LANDING_TITLE = "About this book"  # the landing page, printed after the contents
CONTENTS_TITLE = "Contents"
# A link in the front matter to page N of the final PDF is printed as PAGE_LINK + "N"; the merge
# turns it into a link inside the PDF (a .invalid host never resolves, should one be left).
PAGE_LINK = "https://pdf-page.invalid/"
PAPER = {"format": "A4", "margin": {"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"}}
# the printable width of A4 less the margins (186 mm at 96 px per inch): measured layout = printed layout
VIEWPORT = {"width": 703, "height": 1000}

# The theme's print style, plus what a book on paper needs (code wrapped, solutions moved...)
PRINT_CSS = (HERE / "print.css").read_text(encoding="utf-8")

# In print layout: formulas and tables wider than the paper's text are scaled down to fit (to
# half size at most); then what is still wider. (That the bars print finished, check_pdf.py reads
# in the PDF.)
FIT_AND_MEASURE_JS = """
() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const hidden = (el) => !!el.closest(".solution:not(.solutions-appendix .solution), details:not([open])");
  for (const el of article.querySelectorAll("mjx-container[display='true'], table")) {
    const room = el.parentElement.getBoundingClientRect().width;
    const need = Math.max(el.scrollWidth, el.getBoundingClientRect().width);
    if (!hidden(el) && room > 0 && need > room + 1) el.style.zoom = Math.max(0.5, Math.floor((100 * room) / need) / 100);
  }
  const name = (el) => {
    const cell = el.closest("div.cell");
    const src = cell && cell.querySelector(".cell_input pre");
    const section = el.closest("section[id]");
    return `${el.tagName.toLowerCase()}${src ? " in the cell '" + src.textContent.trim().split("\\n")[0].slice(0, 50) + "'" : ""}`
      + (section ? ` in #${section.id}` : "");
  };
  const problems = [];
  for (const el of article.querySelectorAll("pre, table, mjx-container[display='true'], .cell_output > .output")) {
    if (hidden(el)) continue;
    const over = Math.max(el.scrollWidth - el.clientWidth, el.getBoundingClientRect().right - article.getBoundingClientRect().right);
    if (over > 2) problems.push(`${name(el)} is ${Math.round(over)}px wider than the printed text: cut at the margin`);
  }
  return problems;
}
"""

# Tells each exercise that has a solution where to find it (before the chapter is printed).
POINT_TO_APPENDIX_JS = """
(where) => {
  for (const link of document.querySelectorAll(".solution .admonition-title a[href^='#']")) {
    const exercise = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!exercise) continue;
    const note = document.createElement("p");
    note.className = "solution-in-appendix";
    note.textContent = `Solution: in the appendix, ${where}.`;
    exercise.appendChild(note);
  }
}
"""

# Turns the page into its part of the appendix: its solutions, opened, under the page's title.
SOLUTIONS_JS = """
(heading) => {
  const solutions = Array.from(document.querySelectorAll(".solution"));
  if (!solutions.length) return 0;
  const article = document.querySelector("article.bd-article");
  const part = document.createElement("section");
  part.className = "solutions-appendix";
  for (const sol of solutions) {
    sol.classList.remove("toggle-hidden", "dropdown");
    sol.querySelectorAll("button.toggle-button").forEach((b) => b.remove());
    part.appendChild(sol);
  }
  article.replaceChildren(part);
  const title = document.querySelector("#jb-print-docs-body h1");
  if (title) title.textContent = heading;
  document.querySelectorAll("#jb-print-toc").forEach((toc) => toc.remove());
  return solutions.length;
}
"""


# The landing page after the contents: under its print title, without the theme's list of its
# own sections (the PDF's contents come just before it).
LANDING_JS = """
(title) => {
  document.querySelectorAll("#jb-print-toc").forEach((toc) => toc.remove());
  const heading = document.querySelector("#jb-print-docs-body h1");
  if (heading) { heading.textContent = title; heading.style.marginBottom = "0.6em"; }
}
"""


@dataclass
class Entry:
    """One page of the table of contents: its HTML file, nesting level and part caption."""
    page: str  # 'chapters/01_tensors.html'
    level: int  # 0 the landing page and chapters, 1 a chapter's sections
    part: str | None = None
    title: str = ""  # its heading, read from the page when it is printed
    landing: bool = False  # the root of _toc.yml, printed as LANDING_TITLE


def toc_entries(toc_file: Path) -> list[Entry]:
    """The pages of _toc.yml (jupyter-book's jb-book format) in reading order."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    html = lambda f: str(Path(f).with_suffix("")) + ".html"  # noqa: E731
    entries = [Entry(html(toc["root"]), 0, landing=True)]

    def walk(items, level, part):
        for item in items or []:
            if "file" in item:
                entries.append(Entry(html(item["file"]), level, part))
            walk(item.get("sections"), level + 1, part)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), 0, part.get("caption"))
    walk(toc.get("chapters"), 0, None)
    return entries


@dataclass
class Printed:
    entry: Entry
    pdf: bytes
    solutions_pdf: bytes | None
    problems: list[str]


def print_page(page, url: str, e: Entry) -> Printed:
    """One page as a PDF, and the appendix part with its solutions (None when it has none)."""
    page.goto(url + e.page)
    ready = page.evaluate(chromium.PAGE_READY_JS)
    problems = [] if ready["mathjax"] in ("typeset", "none") else [f"MathJax: {ready['mathjax']}"]
    e.title = " ".join(page.locator("article.bd-article h1").first.inner_text().replace("#", "").split())
    if e.landing:
        e.title = LANDING_TITLE
        page.evaluate(LANDING_JS, LANDING_TITLE)
    page.add_style_tag(content=PRINT_CSS)
    page.evaluate(POINT_TO_APPENDIX_JS, f'"Solutions: {e.title}"')
    page.emulate_media(media="print")
    problems += page.evaluate(FIT_AND_MEASURE_JS)
    pdf = page.pdf(print_background=True, **PAPER)
    solutions = None
    if page.evaluate(SOLUTIONS_JS, f"Solutions: {e.title}"):
        problems += [f"(solutions) {p}" for p in page.evaluate(FIT_AND_MEASURE_JS)]
        solutions = page.pdf(print_background=True, **PAPER)
    page.emulate_media(media="screen")
    return Printed(e, pdf, solutions, [f"{e.page}: {p}" for p in problems])


def print_pages(site: Path, entries: list[Entry], log=print) -> tuple[list[Printed], str]:
    """Every page printed, in the order of entries; and the site URL they were served at. Two
    browsers print at once (each in a thread of its own, as Playwright wants), the pages shared
    out by size."""
    halves: list[list[Entry]] = [[], []]
    for e in sorted(entries, key=lambda e: -(site / e.page).stat().st_size):
        min(halves, key=lambda h: sum((site / x.page).stat().st_size for x in h)).append(e)

    with chromium.serve(site) as url:
        def run(half: list[Entry]) -> list[Printed]:
            out = []
            with sync_playwright() as pw, chromium.launch(pw) as browser:
                page = browser.new_page(viewport=VIEWPORT)
                for e in half:
                    start = time.monotonic()
                    out.append(print_page(page, url, e))
                    log(f"  printed {e.page} ({time.monotonic() - start:.1f} s)", flush=True)
            return out

        with ThreadPoolExecutor(max_workers=2) as pool:
            printed = [p for half in pool.map(run, halves) for p in half]
    order = {e.page: i for i, e in enumerate(entries)}
    return sorted(printed, key=lambda p: order[p.entry.page]), url


@dataclass
class Book:
    """What the title page says."""
    title: str
    author: str
    edition: str  # "Full edition, with the solutions to the exercises in an appendix"
    printed: str  # "Printed on 6 December 2026 from commit aad18a1"


def edition_of(title: str) -> str:
    """The edition line of the title page: the student book's title says it is the student edition
    (student_edition/ writes its _config.yml so)."""
    if "student edition" in title.lower():
        return "Student edition: the exercises without their solutions"
    return "Full edition, with the solutions to the exercises in an appendix"


def printed_from(root: Path, today: datetime.date | None = None) -> str:
    """'Printed on 6 December 2026 from commit aad18a1', and ', with uncommitted changes' when the
    tracked files differ from that commit; the date is SOURCE_DATE_EPOCH's when it is set, and
    there is no commit outside a git repository."""
    if today is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        today = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date() if epoch
                 else datetime.date.today())
    line = f"Printed on {today.day} {today:%B %Y}"

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return line
        line += f" from commit {head.stdout.strip()}"
        if git("status", "--porcelain", "--untracked-files=no").stdout.strip():
            line += ", with uncommitted changes"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return line


@dataclass
class Row:
    """One line of the contents: a part (a heading), a chapter or a section; page is its first
    page in the final PDF, counted from 1."""
    kind: str  # "part", "chapter" or "section"
    title: str
    page: int


def contents_rows(printed: list[Printed], starts: dict[str, int], appendix: list[tuple[Printed, int]]) -> list[Row]:
    """The contents, in reading order, from the 0-based first pages of the printed pages and of the
    appendix's parts: the landing page, each part with its chapters and their sections (as in
    _toc.yml), then the appendix with one line per chapter that has solutions."""
    rows: list[Row] = []
    part = None
    for p in printed:
        e = p.entry
        if e.level == 0 and e.part and e.part != part:
            part = e.part
            rows.append(Row("part", e.part, starts[e.page] + 1))
        rows.append(Row("section" if e.level else "chapter", e.title, starts[e.page] + 1))
    if appendix:
        rows.append(Row("part", APPENDIX_TITLE, appendix[0][1] + 1))
        rows += [Row("section", p.entry.title, start + 1) for p, start in appendix]
    return rows


FRONT_MATTER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>
body {{ margin: 0; font-family: "DejaVu Sans", "Liberation Sans", sans-serif; color: #222; }}
.title-page {{ height: 255mm; display: flex; flex-direction: column; justify-content: center;
  text-align: center; break-after: page; }}
.title-page h1 {{ font-size: 30pt; font-weight: normal; line-height: 1.25; margin: 0 0 12mm; }}
.title-page .author {{ font-size: 14pt; margin: 0 0 40mm; }}
.title-page .edition {{ font-size: 12pt; margin: 0 0 3mm; }}
.title-page .printed {{ font-size: 10pt; color: #555; margin: 0; }}
h2 {{ font-size: 22pt; font-weight: normal; margin: 0 0 8mm; }}
a.row {{ display: flex; align-items: baseline; color: inherit; text-decoration: none;
  font-size: 11pt; line-height: 1.35; margin: 2.2mm 0; break-inside: avoid; }}
a.row .t {{ flex: 0 1 auto; }}
a.row .dots {{ flex: 1 1 auto; min-width: 10mm; margin: 0 2mm; border-bottom: 1px dotted #888; }}
a.row .n {{ flex: none; min-width: 8mm; text-align: right; }}
a.part {{ display: block; color: inherit; text-decoration: none; font-weight: bold; font-size: 12pt;
  margin: 7mm 0 2mm; break-after: avoid; }}
a.section {{ padding-left: 9mm; }}
</style></head><body>
<section class="title-page">
<h1>{title}</h1>
<p class="author">{author}</p>
<p class="edition">{edition}</p>
<p class="printed">{printed}</p>
</section>
<section class="contents">
<h2>{contents}</h2>
{rows}
</section>
</body></html>
"""


def front_matter_html(book: Book, rows: list[Row]) -> str:
    """The title page, then the contents: each line a link to its page (PAGE_LINK), the page
    number at the right; a part is a heading, linked to its first page."""
    lines = []
    for r in rows:
        href = f"{PAGE_LINK}{r.page}"
        if r.kind == "part":
            lines.append(f'<a class="part" href="{href}">{escape(r.title)}</a>')
        else:
            lines.append(f'<a class="row {r.kind}" href="{href}"><span class="t">{escape(r.title)}</span>'
                         f'<span class="dots"></span><span class="n">{r.page}</span></a>')
    return FRONT_MATTER_HTML.format(title=escape(book.title), author=escape(book.author),
                                    edition=escape(book.edition), printed=escape(book.printed),
                                    contents=CONTENTS_TITLE, rows="\n".join(lines))


Render = Callable[..., bytes]  # render(html, **page.pdf options) -> the PDF Chromium prints


def merge(printed: list[Printed], site_url: str, baseurl: str, book: Book, render: Render) -> PdfWriter:
    """One PDF: the title page and the contents, the pages, then the appendix; bookmarks for the
    contents, parts, chapters, sections and the appendix; links to printed pages turned into
    links inside the PDF. The contents are printed again until their own number of pages is the
    one their page numbers assumed (a line more or less can move them onto another page)."""
    readers = [(p, PdfReader(io.BytesIO(p.pdf))) for p in printed]
    solutions = [(p, PdfReader(io.BytesIO(p.solutions_pdf))) for p in printed if p.solutions_pdf]

    def layout(front_pages: int) -> tuple[dict[str, int], list[tuple[Printed, int]]]:
        at, starts, appendix = front_pages, {}, []
        for p, reader in readers:
            starts[p.entry.page], at = at, at + len(reader.pages)
        for p, reader in solutions:
            appendix.append((p, at))
            at += len(reader.pages)
        return starts, appendix

    front_pages = 2  # the title page and one page of contents, to begin with
    for _ in range(4):
        starts, appendix = layout(front_pages)
        front = PdfReader(io.BytesIO(render(front_matter_html(book, contents_rows(printed, starts, appendix)), **PAPER)))
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    else:
        raise RuntimeError(f"the contents do not settle on a number of pages ({front_pages})")

    writer = PdfWriter()
    _append(writer, front)
    for p, reader in readers:
        _append(writer, reader)
    for p, reader in solutions:
        _append(writer, reader)
    names = writer.root_object.get("/Names")
    if names is not None and "/Dests" in names.get_object():
        del names.get_object()["/Dests"]  # every link now names its page itself (see _append)

    writer.add_outline_item(title=CONTENTS_TITLE, page_number=1)
    parents: dict[int, object] = {}
    part_items: dict[str, object] = {}
    for p in printed:
        e = p.entry
        parent = parents.get(e.level - 1) if e.level else None
        if e.level == 0 and e.part:
            if e.part not in part_items:
                part_items[e.part] = writer.add_outline_item(title=e.part, page_number=starts[e.page])
            parent = part_items[e.part]
        parents[e.level] = writer.add_outline_item(title=e.title, page_number=starts[e.page], parent=parent)
    if appendix:
        top = writer.add_outline_item(title=APPENDIX_TITLE, page_number=appendix[0][1])
        for p, start in appendix:
            writer.add_outline_item(title=p.entry.title, page_number=start, parent=top)
    _retarget_links(writer, starts, site_url, baseurl)
    number_pages(writer, render)
    writer.add_metadata({"/Title": book.title, "/Author": book.author, "/Subject": book.edition,
                         "/Creator": "publish/pdf.py (Chromium, pypdf)"})
    writer.page_mode = "/UseOutlines"
    return writer


PAGE_NUMBERS_HTML = """<style>@page {{ size: A4; margin: 0 }} body {{ margin: 0 }}
div {{ height: 297mm; position: relative; break-after: page }}
span {{ position: absolute; bottom: 6mm; left: 0; right: 0; text-align: center; font: 9pt sans-serif; color: #555 }}
</style>{pages}"""


def number_pages(writer: PdfWriter, render: Render) -> None:
    """Print the page numbers, centred in the bottom margin, on every page but the title page:
    Chromium prints one page per number, each is laid over its page. (Each part was printed on its
    own, so Chromium's own footer would count every chapter from 1.)"""
    numbers = PdfReader(io.BytesIO(render(PAGE_NUMBERS_HTML.format(
        pages="".join(f"<div><span>{i}</span></div>" for i in range(2, len(writer.pages) + 1))),
        prefer_css_page_size=True)))
    for page, number in zip(writer.pages[1:], numbers.pages):
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves the page's content uncompressed


def _append(writer: PdfWriter, reader: PdfReader) -> int:
    """Append one printed page's PDF; returns the index of its first page. Chromium links a page's
    own anchors by named destinations, and the same names (#summary, #exercises) recur in every
    chapter: each such link is given its explicit page and height instead, so that it stays in
    its own chapter once the parts are merged."""
    start = len(writer.pages)
    dests = {str(name): (reader.get_destination_page_number(d), d.top)
             for name, d in reader.named_destinations.items()}
    writer.append(reader, import_outline=False)
    for page in writer.pages[start:]:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            name = annot.get("/Dest")
            if name is not None and not isinstance(name, ArrayObject) and str(name) in dests:
                index, top = dests[str(name)]
                annot[NameObject("/Dest")] = ArrayObject([
                    writer.pages[start + index].indirect_reference, NameObject("/XYZ"), NullObject(),
                    FloatObject(top) if top is not None else NullObject(), NullObject()])
    return start


def _retarget_links(writer: PdfWriter, starts: dict[str, int], site_url: str, baseurl: str) -> None:
    """Chromium writes each link as the URL it had on the loopback server. A link to a printed
    page goes to that page's first PDF page; another link into the book goes to the published
    site, or is removed when html.baseurl is not set; links elsewhere stay. A link of the contents
    (PAGE_LINK + number) goes to that page."""
    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for ref in annots:
            annot = ref.get_object()
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is not None and str(uri).startswith(PAGE_LINK):
                annot[NameObject("/A")] = _go_to(writer.pages[int(str(uri)[len(PAGE_LINK):]) - 1])
                kept.append(ref)
                continue
            if uri is None or not str(uri).startswith(site_url):
                kept.append(ref)
                continue
            rel = urlsplit(str(uri)).path[len(urlsplit(site_url).path):]
            if rel in starts:
                annot[NameObject("/A")] = _go_to(writer.pages[starts[rel]])
                kept.append(ref)
            elif baseurl:
                action.get_object()[NameObject("/URI")] = type(uri)(baseurl.rstrip("/") + "/" + str(uri)[len(site_url):])
                kept.append(ref)
        page[NameObject("/Annots")] = kept


def _go_to(page) -> DictionaryObject:
    """The action of a link to the top of a page of the PDF."""
    return DictionaryObject({
        NameObject("/S"): NameObject("/GoTo"),
        NameObject("/D"): ArrayObject([page.indirect_reference, NameObject("/XYZ"), NumberObject(0),
                                       NumberObject(842), NumberObject(0)]),
    })


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    ap.add_argument("out", type=Path, help="the PDF to write, e.g. _build/pdf/book.pdf")
    ap.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    ap.add_argument("--edition", help="the title page's edition line (default: from the title)")
    args = ap.parse_args(argv)
    start = time.monotonic()
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    entries = toc_entries(args.toc)
    missing = [e.page for e in entries if not (args.html_dir / e.page).is_file()]
    if missing:
        print(f"pdf: the built book lacks {', '.join(missing)}: run `make book` first", file=sys.stderr)
        return 2
    try:
        printed, site_url = print_pages(args.html_dir.resolve(), entries)
    except chromium.SetupError as exc:
        print(f"pdf: cannot print: {exc}", file=sys.stderr)
        return 2
    title = config.get("title", "")
    book = Book(title, config.get("author", ""), args.edition or edition_of(title), printed_from(args.config.parent))
    try:
        with sync_playwright() as pw, chromium.launch(pw) as browser:
            page = browser.new_page()

            def render(html: str, **options) -> bytes:
                page.set_content(html)
                return page.pdf(**options)

            writer = merge(printed, site_url, (config.get("html") or {}).get("baseurl") or "", book, render)
    except chromium.SetupError as exc:
        print(f"pdf: cannot print: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as fh:
        writer.write(fh)
    problems = [p for pr in printed for p in pr.problems]
    size = args.out.stat().st_size
    print(f"pdf: {args.out}: {len(writer.pages)} pages, {size / 2**20:.1f} MiB, "
          f"{len(printed)} chapters and sections, in {time.monotonic() - start:.0f} s")
    if problems:
        print(f"pdf: {len(problems)} problem(s) in print layout:\n  - " + "\n  - ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
