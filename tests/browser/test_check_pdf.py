"""check_pdf.py on small PDFs made here with pypdf (text in Helvetica, grey images, bookmarks,
links), and publish/pdf.py's reading order, contents and title page, without a browser (fast;
runs in `make test`)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

import check_pdf as cp  # noqa: E402
from publish import pdf  # noqa: E402
from publish.pdf import APPENDIX_TITLE, LANDING_TITLE, toc_entries  # noqa: E402

A4 = (595.28, 841.89)


def make_pdf(path: Path, pages: list[dict], bookmarks: list[tuple[str, int, int]],
             links: list[tuple[int, str | int]] = ()) -> Path:
    """pages: {"text": lines, "images": n, "size": (w, h), "numbered": True (its number printed
    last)}; bookmarks: (title, page, depth); links: (page, URL or the 0-based page it leads to)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                                NameObject("/Subtype"): NameObject("/Type1"),
                                                NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for number, spec in enumerate(pages, start=1):
        page = writer.add_blank_page(*spec.get("size", A4))
        ops = ["BT /F1 11 Tf 14 TL 60 780 Td"]
        for line in spec.get("text", []) + ([str(number)] if spec.get("numbered", True) else []):
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        xobjects = DictionaryObject()
        for i in range(spec.get("images", 0)):
            image = DecodedStreamObject()
            image.set_data(b"\x80")
            image.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                          NameObject("/Width"): NumberObject(1), NameObject("/Height"): NumberObject(1),
                          NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"): NumberObject(8)})
            xobjects[NameObject(f"/Im{i}")] = writer._add_object(image)
            ops.append(f"q 50 0 0 50 {60 + 60 * i} 100 cm /Im{i} Do Q")
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
                                                           NameObject("/XObject"): xobjects})
    for number, target in links:
        link = Link(rect=(60, 700, 200, 720), target_page_index=target) if isinstance(target, int) else \
            Link(rect=(60, 700, 200, 720), url=target)
        writer.add_annotation(number, link)
    parents = {}
    for title, number, depth in bookmarks:
        parents[depth] = writer.add_outline_item(title=title, page_number=number, parent=parents.get(depth - 1))
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


EXPECTED = [
    cp.Expected("chapters/index.html", LANDING_TITLE, LANDING_TITLE, 0, 0, 0, 0),
    cp.Expected("chapters/01.html", "1. Tensors", "Tensors", plots=2, solution_plots=1, bars=0, says_100=0),
    cp.Expected("chapters/05.html", "5. Convolutional networks", "Convolutional networks", plots=1, solution_plots=0, bars=1, says_100=0),
]
CHECK = "assert torch.allclose(dL_dw11, w11.grad), 'dL_dw11 is wrong'"  # a line of a folded check
BOOK = cp.Book("Neural Networks for Regression", "The authors", EXPECTED,
               [cp.Folded("chapters/03.ipynb", 24, "hide-input", ["# Check: your four gradients", CHECK])])
CONTENTS = ["Contents", "About this book 3", "Part one", "1. Tensors 4", "5. Convolutional networks 6",
            "Appendix: solutions to the exercises", "1. Tensors 7"]
GOOD_PAGES = [
    {"text": ["Neural Networks for Regression", "The authors", "Full edition, with the solutions"], "numbered": False},
    {"text": CONTENTS},
    {"text": [LANDING_TITLE, "What you will learn"]},
    {"text": ["Tensors", "A tensor x has a shape.", "Right: your four gradients agree with autograd's."], "images": 1},
    {"text": ["and a second plot"], "images": 1},
    {"text": ["Convolutional networks", "training: 100% 20/20 [loss=0.1]"], "images": 1},
    {"text": ["Solutions: 1. Tensors"], "images": 1},
]
GOOD_MARKS = [("Contents", 1, 0), (LANDING_TITLE, 2, 0), ("Part one", 3, 0), ("1. Tensors", 3, 1),
              ("5. Convolutional networks", 5, 0), (APPENDIX_TITLE, 6, 0), ("1. Tensors", 6, 1)]
GOOD_LINKS = [(1, 2), (1, 3), (1, 5), (1, 6)]  # the contents' links


def test_a_good_pdf_passes(tmp_path):
    assert cp.check(make_pdf(tmp_path / "good.pdf", GOOD_PAGES, GOOD_MARKS, GOOD_LINKS), BOOK) == []


def test_a_link_to_the_printing_server_is_named(tmp_path):
    links = GOOD_LINKS + [(3, "https://pytorch.org/docs/"), (5, "http://127.0.0.1:41739/_sources/chapters/05.ipynb")]
    problems = cp.check(make_pdf(tmp_path / "links.pdf", GOOD_PAGES, GOOD_MARKS, links), BOOK)
    assert problems == ["page 6 links to the printing machine's own server: http://127.0.0.1:41739/_sources/chapters/05.ipynb"]


def _with(pages=None, marks=None, **page_changes):
    pages = [dict(p) for p in (pages or GOOD_PAGES)]
    for index, change in page_changes.items():
        pages[int(index.removeprefix("p"))].update(change)
    return pages, marks or GOOD_MARKS


def _contents(*replace):
    """The contents with lines replaced: (old line, new line or None to drop it)."""
    lines = list(CONTENTS)
    for old, new in replace:
        lines[lines.index(old)] = new
    return {"text": [line for line in lines if line is not None]}


@pytest.mark.parametrize("pages, marks, why", [
    (*_with(p3={"text": ["Tensors", r"raw \(x^2\) left"], "images": 1}), r"raw TeX '\\(' on page 4"),
    (*_with(p4={"text": ["$$ y = 2 $$"], "images": 1}), "raw TeX '$$' on page 5"),
    (*_with(p3={"text": ["Tensors", r"\[ y \]"], "images": 1}), r"raw TeX '\\[' on page 4"),
    (*_with(p4={"text": ["no plot here"], "images": 0}), "chapters/01.html: 1 image(s) on its pages 4-5, but the chapter shows 2 plot(s)"),
    (*_with(p6={"text": ["Solutions: 1. Tensors"], "images": 0}), "0 image(s) in its part of the appendix, but its solutions show 1"),
    (*_with(p5={"text": ["Convolutional networks", "training: 0% 0/20"], "images": 1}), "bars not printed finished"),
    (*_with(p3={"text": ["Tensor algebra"], "images": 1}), "'Tensors' is not printed on page 4"),
    (*_with(p4={"text": ["a Letter-sized page"], "images": 1, "size": (612, 792)}), None),  # Letter is fine
    (*_with(p4={"text": ["an A5 page"], "images": 1, "size": (420, 595)}), "page 5 is 420 x 595 pt: neither A4 nor Letter"),
    (*_with(p4={"text": ["a page without its number"], "images": 1, "numbered": False}), "1 page(s) without their number at the foot, e.g. page 5"),
    (*_with(p1={**_contents(), "numbered": False}), "1 page(s) without their number at the foot, e.g. page 2"),
    (*_with(p0={"text": GOOD_PAGES[0]["text"], "numbered": True}), None),  # a numbered title page is fine too
    (GOOD_PAGES, [m for m in GOOD_MARKS if m[0] != "5. Convolutional networks"], "bookmarks of the chapters are"),
    (GOOD_PAGES, GOOD_MARKS[:2] + [("5. Convolutional networks", 5, 0), ("1. Tensors", 3, 0)] + GOOD_MARKS[5:],
     f"bookmarks of the chapters are ['{LANDING_TITLE}', '5. Convolutional networks', '1. Tensors']"),
    # the title page
    (*_with(p0={"text": ["Neural Networks for Regression", "Contents", "What you will learn"]}),
     "page 1 is not the title page: the book's author 'The authors' is not on it"),
    (*_with(p0={"text": ["Regression", "The authors", "Full edition"]}),
     "page 1 is not the title page: the book's title 'Neural Networks for Regression' is not on it"),
    (*_with(p0={"text": ["Neural Networks for Regression", "The authors"]}), "page 1 does not say which edition of the book it is"),
    # the contents
    (*_with(p1=_contents(("1. Tensors 4", "1. Tensors 5"))),
     "the contents (page 2) give page 5 for '1. Tensors', but its bookmark points at page 4"),
    (*_with(p1=_contents(("Appendix: solutions to the exercises", None), ("1. Tensors 7", "1. Tensors 6"))),
     "the contents (page 2) give page 6 for '1. Tensors', but its bookmark points at page 7"),
    (*_with(p1=_contents(("5. Convolutional networks 6", None))), "the contents (page 2) do not list '5. Convolutional networks' after"),
    (*_with(p1=_contents(("1. Tensors 4", "1. Tensors"))), "the contents (page 2) list '1. Tensors' without its page number"),
    (*_with(p1=_contents(("1. Tensors 7", None))), "the contents (page 2) do not list '1. Tensors' after the entries above it"),
    (*_with(p1=_contents(("Contents", "Chapters"))), "the contents (page 2) are not headed 'Contents'"),
    (GOOD_PAGES[:1] + GOOD_PAGES[2:], [(t, p - 1, d) for t, p, d in GOOD_MARKS[1:]],
     f"no contents between the title page and page 2, where '{LANDING_TITLE}' starts"),
    # the contents' lines wrap, and have dot leaders: still read
    (*_with(p1={"text": ["Contents", "About this", "book 3", "1. Tensors 4", "5. Convolutional", "networks . . . . 6",
                         "Appendix: solutions to the exercises", "1. Tensors 7"]}), None),
    # folded code
    (*_with(p3={"text": ["Tensors", CHECK], "images": 1}),
     f"chapters/03.ipynb, cell 24 (hide-input): its folded code is printed on page 4: {CHECK!r}"),
    (*_with(p4={"text": ["and a second plot", "assert torch.allclose(dL_dw11,", "w11.grad), 'dL_dw11 is wrong'"], "images": 1}),
     "chapters/03.ipynb, cell 24 (hide-input): its folded code is printed on page 5"),  # wrapped at the margin
    (*_with(p6={"text": ["Solutions: 1. Tensors", "# Check: your four gradients"], "images": 1}),
     "chapters/03.ipynb, cell 24 (hide-input): its folded code is printed on page 7: '# Check: your four gradients'"),
])
def test_each_defect_of_a_pdf_is_named(tmp_path, pages, marks, why):
    problems = cp.check(make_pdf(tmp_path / "bad.pdf", pages, marks, GOOD_LINKS), BOOK)
    if why is None:
        assert problems == []
    else:
        assert any(why in p for p in problems), problems


def test_contents_over_two_pages_pass(tmp_path):
    pages = GOOD_PAGES[:1] + [{"text": ["Contents", "About this book 4", "Part one", "1. Tensors 5"]},
                              {"text": ["5. Convolutional networks 7", "Appendix: solutions to the exercises", "1. Tensors 8"]}] + GOOD_PAGES[2:]
    marks = [(t, p + (p >= 2), d) for t, p, d in GOOD_MARKS]
    links = [(1, 3), (1, 4), (2, 6), (2, 7)]
    assert cp.check(make_pdf(tmp_path / "two.pdf", pages, marks, links), BOOK) == []
    problems = cp.check(make_pdf(tmp_path / "two.pdf", pages, marks, links[:3]), BOOK)
    assert problems == ["the contents (page 2-3) have no link to the page of '1. Tensors' (page 8)"]


@pytest.mark.parametrize("links, why", [
    (GOOD_LINKS[:1] + GOOD_LINKS[2:], "the contents (page 2) have no link to the page of '1. Tensors' (page 4)"),
    ([(1, 2), (1, 3), (1, 4), (1, 6)], "no link to the page of '5. Convolutional networks' (page 6)"),  # one leads elsewhere
    ([(2, 2), (2, 3), (2, 5), (2, 6)], "the contents (page 2) have no link to the page of 'About this book' (page 3), '1. Tensors'"),
    ([(1, "https://pdf-page.invalid/3")], "have no link"),  # a contents link left unresolved
])
def test_a_contents_line_without_its_link_is_named(tmp_path, links, why):
    problems = cp.check(make_pdf(tmp_path / "links.pdf", GOOD_PAGES, GOOD_MARKS, links), BOOK)
    assert any(why in p for p in problems), problems


def test_expectations_are_read_from_the_built_html(tmp_path):
    html = tmp_path / "html" / "chapters"
    html.mkdir(parents=True)
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: chapters/index\nchapters:\n  - file: chapters/01\n")
    (html / "index.html").write_text('<article class="bd-article"><h1>The book<a class="headerlink" href="#">#</a></h1></article>')
    (html / "01.html").write_text("""<article class="bd-article">
      <h1><span class="section-number">1. </span>Tensors<a class="headerlink" href="#t">#</a></h1>
      <p>It fits 100% of the data.</p>
      <div class="cell_output"><img src="a.png"></div>
      <details class="hide below-input"><div class="cell_output"><img src="folded.png"></div></details>
      <details class="hide above-input"><pre>x = torch.linspace(-6, 6, 241)</pre><pre>print("folded 100%")</pre></details>
      <div class="cell_input"><pre>losses = train(model, num_epochs=20)</pre></div>
      <div class="cell_output"><pre>Traceback: plt.plot(history["train"], label="train")</pre></div>
      <div class="solution"><div class="cell_output"><img src="s.png"></div></div>
      <div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">{}</script></div>
    </article>""")
    index, chapter = cp.expected_from_html(tmp_path / "html", toc)
    assert (index.title, index.plain_title, index.plots) == (LANDING_TITLE, LANDING_TITLE, 0)  # printed so
    assert (chapter.title, chapter.plain_title) == ("1. Tensors", "Tensors")
    assert (chapter.plots, chapter.solution_plots, chapter.bars, chapter.says_100) == (1, 1, 1, 2)
    assert "losses=train(model,num_epochs=20)" in chapter.shown and "linspace" not in chapter.shown

    # the notebook beside _toc.yml: which lines of its folded cells the PDF must not print
    cell = lambda source, *tags, kind="code": {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source}  # noqa: E731
    (tmp_path / "chapters" / "01.ipynb").parent.mkdir()
    (tmp_path / "chapters" / "01.ipynb").write_text(json.dumps({"cells": [
        cell("x = torch.linspace(-6, 6, 241)\nlosses = train(model, num_epochs=20)\n", "hide-input"),
        cell(["# Check: the losses\n", "assert y.ndim == 1\n", "plt.plot(history['train'])  # folded\n",
              'plt.plot(history["train"], label="train")'], "solution", "hide-input"),
        cell("fig = show_run(model, history, 'the run')", "hide-cell"),
        cell("y_hat = model(X)  # a visible cell, long enough"),
        cell("Some prose that is long enough", "hide-input", kind="markdown"),
    ]}))
    folded = cp.folded_cells(toc, [index, chapter])
    assert [(f.notebook, f.cell, f.tag) for f in folded] == [
        ("chapters/01.ipynb", 0, "hide-input"), ("chapters/01.ipynb", 1, "hide-input"), ("chapters/01.ipynb", 2, "hide-cell")]
    # a line shown elsewhere on the page (a visible cell, an output) and a short one are no evidence
    assert [f.lines for f in folded] == [["x = torch.linspace(-6, 6, 241)"],
                                         ["# Check: the losses", "plt.plot(history['train'])  # folded"],
                                         ["fig = show_run(model, history, 'the run')"]]

    (tmp_path / "_config.yml").write_text('title: "The book"\nauthor: "Its authors"\n')
    book = cp.book_from_sources(tmp_path / "html", toc, tmp_path / "_config.yml")
    assert (book.title, book.author, len(book.chapters), len(book.folded)) == ("The book", "Its authors", 2, 3)


def test_the_pdf_follows_the_table_of_contents():
    pages = [(e.page, e.level, e.part) for e in toc_entries(ROOT / "_toc.yml")]
    assert pages[0] == ("chapters/index.html", 0, None)
    assert ("chapters/04a_mlp_architecture.html", 1, "Neural networks for regression") in pages
    assert [p for p, _, _ in pages].index("chapters/04_mlp.html") < [p for p, _, _ in pages].index("chapters/04a_mlp_architecture.html")
    assert pages[-1][0] == "chapters/06_facial_keypoints.html"


def _printed(page: str, level: int, part: str | None, title: str, solutions: bool = False) -> "pdf.Printed":
    return pdf.Printed(pdf.Entry(page, level, part, title), b"", b"" if solutions else None, [])


def test_the_contents_list_parts_chapters_sections_and_the_appendix():
    printed = [_printed("chapters/index.html", 0, None, LANDING_TITLE),
               _printed("chapters/01.html", 0, "Foundations", "1. Tensors", solutions=True),
               _printed("chapters/04.html", 0, "Networks", "4. MLPs"),
               _printed("chapters/04a.html", 1, "Networks", "4.1. Architecture <& more>", solutions=True)]
    starts = {"chapters/index.html": 2, "chapters/01.html": 4, "chapters/04.html": 30, "chapters/04a.html": 31}
    appendix = [(printed[1], 60), (printed[3], 63)]
    rows = pdf.contents_rows(printed, starts, appendix)
    assert [(r.kind, r.title, r.page) for r in rows] == [
        ("chapter", LANDING_TITLE, 3), ("part", "Foundations", 5), ("chapter", "1. Tensors", 5),
        ("part", "Networks", 31), ("chapter", "4. MLPs", 31), ("section", "4.1. Architecture <& more>", 32),
        ("part", APPENDIX_TITLE, 61), ("section", "1. Tensors", 61), ("section", "4.1. Architecture <& more>", 64)]

    book = pdf.Book("A <book>", "Its authors", "Full edition, with ...", "Printed on 6 December 2026 from commit abc1234")
    html = pdf.front_matter_html(book, rows)
    for text in ("<h1>A &lt;book&gt;</h1>", "Its authors", "Full edition, with ...", "from commit abc1234",
                 f"<h2>{pdf.CONTENTS_TITLE}</h2>", "4.1. Architecture &lt;&amp; more&gt;"):
        assert text in html
    for r in rows:  # every line a link to its page; the parts without a number
        assert f'href="{pdf.PAGE_LINK}{r.page}"' in html
    assert html.count('<span class="n">') == len([r for r in rows if r.kind != "part"])
    assert html.index("title-page") < html.index(pdf.CONTENTS_TITLE) < html.index(LANDING_TITLE) < html.index("Foundations")


def test_the_edition_line():
    assert pdf.edition_of("Neural Networks for Regression").startswith("Full edition")
    assert pdf.edition_of("Neural Networks for Regression (student edition)").startswith("Student edition")


def test_the_title_page_says_when_and_from_which_commit(tmp_path, monkeypatch):
    day = datetime.date(2026, 12, 6)
    assert pdf.printed_from(tmp_path, day) == "Printed on 6 December 2026"  # not a git repository
    git = lambda *args: subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",  # noqa: E731
                                        *args], check=True, capture_output=True, text=True).stdout.strip()
    git("init", "-q")
    (tmp_path / "a.txt").write_text("a")
    git("add", "a.txt")
    git("commit", "-q", "-m", "a")
    commit = git("rev-parse", "--short", "HEAD")
    assert pdf.printed_from(tmp_path, day) == f"Printed on 6 December 2026 from commit {commit}"
    (tmp_path / "b.txt").write_text("untracked files are not the book's")
    assert pdf.printed_from(tmp_path, day) == f"Printed on 6 December 2026 from commit {commit}"
    (tmp_path / "a.txt").write_text("changed")
    assert pdf.printed_from(tmp_path, day) == f"Printed on 6 December 2026 from commit {commit}, with uncommitted changes"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 1 January 2026, 00:00 UTC
    assert pdf.printed_from(tmp_path).startswith("Printed on 1 January 2026 from commit")


def test_a_contents_link_becomes_a_link_to_its_page():
    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(*A4)
    writer.add_annotation(1, Link(rect=(60, 700, 200, 720), url=f"{pdf.PAGE_LINK}4"))
    writer.add_annotation(1, Link(rect=(60, 600, 200, 620), url="https://pytorch.org/"))
    pdf._retarget_links(writer, {}, "http://127.0.0.1:8000/", "")
    actions = [ref.get_object()["/A"] for ref in writer.pages[1]["/Annots"]]
    assert actions[0]["/S"] == "/GoTo" and actions[0]["/D"][0] == writer.pages[3].indirect_reference
    assert actions[1]["/URI"] == TextStringObject("https://pytorch.org/")


def test_a_title_is_found_where_its_line_wraps():
    title = "3. The back-propagation exercise: symbolic against automatic differentiation"
    text = "3. The back- propagation exercise: symbolic against automatic diﬀerentiation 49 4. MLPs 70"
    found = cp._title_pattern(title).search(cp._squash(text))
    assert found and cp.PAGE_NUMBER.match(cp._squash(text), found.end()).group(1) == "49"
    assert cp._title_pattern("4. MLPs").search("3. The exercise 4.4. MLPs 70").start() > 0  # not mistaken for 4.4
    assert cp.PAGE_NUMBER.match(" 4. MLPs 70") is None  # the next line's number is not a page number


def test_the_two_printing_threads_install_chromium_once(monkeypatch):
    """On a fresh machine (root, no Chromium) pdf.py's two threads both start a browser: one
    apt-get install, not two racing for dpkg's lock (the second failed at once)."""
    import threading
    import time

    from publish import chromium

    installed, runs = [], []

    def run(cmd, **kwargs):
        runs.append(cmd)
        if "install" in cmd:
            time.sleep(0.2)  # the other thread asks meanwhile
            installed.append("/usr/lib/chromium/chromium")
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(chromium, "find_chromium", lambda: installed[0] if installed else None)
    monkeypatch.setattr(chromium.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 0)
    monkeypatch.setattr(chromium.subprocess, "run", run)
    found = []
    threads = [threading.Thread(target=lambda: found.append(chromium.ensure_chromium())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == ["/usr/lib/chromium/chromium"] * 2
    assert [cmd[-1] if "update" in cmd else "install" for cmd in runs] == ["update", "install"]
    assert all("DPkg::Lock::Timeout=600" in cmd for cmd in runs)  # waits for another apt-get


def test_a_title_wrapped_at_its_hyphen_is_still_found():
    page = "Training: epochs, mini-\nbatches and optimisers\nContents"
    assert cp._squash("Training: epochs, mini-batches and optimisers") in cp._squash(page)
    assert "mini-batches" not in " ".join(page.split())  # what the check missed before
