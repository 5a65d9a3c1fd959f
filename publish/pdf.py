#!/usr/bin/env python3
"""Print the built book to one PDF: every page of the table of contents, in order, printed by
Debian's Chromium with the theme's print style, merged with pypdf, one bookmark per chapter.

    python publish/pdf.py _build/html _build/pdf/book.pdf        (what `make pdf` runs)

jupyter-book's own `singlehtml`/LaTeX routes fail on this book (myst-nb's hide-input cells), so
each built page is printed as a reader sees it: math typeset by MathJax, plots, finished progress
bars. On top of the theme's print style: code wraps instead of running off the right margin,
folded code stays folded (its "Show code" line is dropped), and the exercise solutions, which are
dropdowns online, are printed in an appendix ("Solutions", one part per chapter) so that a page
never gives away the answer to the exercise on it. Links between chapters become links inside the
PDF; other links to the book go to the published site (`html.baseurl` in _config.yml), or are
dropped when it is not set. Pages are numbered in the bottom margin.

Before printing, each page is measured in print layout: a code block, table or formula still
wider than the paper is reported; the PDF is written all the same and the exit status is 1.
tests/browser/check_pdf.py checks the PDF afterwards.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
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


@dataclass
class Entry:
    """One page of the table of contents: its HTML file, nesting level and part caption."""
    page: str  # 'chapters/01_tensors.html'
    level: int  # 0 the landing page and chapters, 1 a chapter's sections
    part: str | None = None
    title: str = ""  # its heading, read from the page when it is printed


def toc_entries(toc_file: Path) -> list[Entry]:
    """The pages of _toc.yml (jupyter-book's jb-book format) in reading order."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    html = lambda f: str(Path(f).with_suffix("")) + ".html"  # noqa: E731
    entries = [Entry(html(toc["root"]), 0)]

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


def merge(printed: list[Printed], site_url: str, baseurl: str, title: str, author: str) -> PdfWriter:
    """One PDF: the pages, then the appendix; bookmarks for parts, chapters, sections and the
    appendix; links to printed pages turned into links inside the PDF."""
    writer = PdfWriter()
    starts = {p.entry.page: _append(writer, p.pdf) for p in printed}
    appendix = [(p, _append(writer, p.solutions_pdf)) for p in printed if p.solutions_pdf]
    names = writer.root_object.get("/Names")
    if names is not None and "/Dests" in names.get_object():
        del names.get_object()["/Dests"]  # every link now names its page itself (see _append)

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
    number_pages(writer)
    writer.add_metadata({"/Title": title, "/Author": author, "/Creator": "publish/pdf.py (Chromium, pypdf)"})
    writer.page_mode = "/UseOutlines"
    return writer


PAGE_NUMBERS_HTML = """<style>@page {{ size: A4; margin: 0 }} body {{ margin: 0 }}
div {{ height: 297mm; position: relative; break-after: page }}
span {{ position: absolute; bottom: 6mm; left: 0; right: 0; text-align: center; font: 9pt sans-serif; color: #555 }}
</style>{pages}"""


def number_pages(writer: PdfWriter) -> None:
    """Print the page numbers, centred in the bottom margin: Chromium prints one page per
    number, each is laid over its page. (Each part was printed on its own, so Chromium's own
    footer would count every chapter from 1.)"""
    html = PAGE_NUMBERS_HTML.format(pages="".join(f"<div><span>{i}</span></div>" for i in range(1, len(writer.pages) + 1)))
    with sync_playwright() as pw, chromium.launch(pw) as browser:
        page = browser.new_page()
        page.set_content(html)
        numbers = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    for page, number in zip(writer.pages, numbers.pages):
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves the page's content uncompressed


def _append(writer: PdfWriter, pdf: bytes) -> int:
    """Append one printed page's PDF; returns the index of its first page. Chromium links a page's
    own anchors by named destinations, and the same names (#summary, #exercises) recur in every
    chapter: each such link is given its explicit page and height instead, so that it stays in
    its own chapter once the parts are merged."""
    reader = PdfReader(io.BytesIO(pdf))
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
    site, or is removed when html.baseurl is not set; links elsewhere stay."""
    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for ref in annots:
            annot = ref.get_object()
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is None or not str(uri).startswith(site_url):
                kept.append(ref)
                continue
            rel = urlsplit(str(uri)).path[len(urlsplit(site_url).path):]
            if rel in starts:
                target = writer.pages[starts[rel]].indirect_reference
                annot[NameObject("/A")] = DictionaryObject({
                    NameObject("/S"): NameObject("/GoTo"),
                    NameObject("/D"): ArrayObject([target, NameObject("/XYZ"), NumberObject(0), NumberObject(842), NumberObject(0)]),
                })
                kept.append(ref)
            elif baseurl:
                action.get_object()[NameObject("/URI")] = type(uri)(baseurl.rstrip("/") + "/" + str(uri)[len(site_url):])
                kept.append(ref)
        page[NameObject("/Annots")] = kept


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    ap.add_argument("out", type=Path, help="the PDF to write, e.g. _build/pdf/book.pdf")
    ap.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
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
    writer = merge(printed, site_url, (config.get("html") or {}).get("baseurl") or "",
                   config.get("title", ""), config.get("author", ""))
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
