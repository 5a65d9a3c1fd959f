"""check_pdf.py on small PDFs made here with pypdf (text in Helvetica, grey images, bookmarks),
and publish/pdf.py's reading order, without a browser (fast; runs in `make test`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.annotations import Link
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

import check_pdf as cp  # noqa: E402
from publish.pdf import APPENDIX_TITLE, toc_entries  # noqa: E402

A4 = (595.28, 841.89)


def make_pdf(path: Path, pages: list[dict], bookmarks: list[tuple[str, int, int]],
             links: list[tuple[int, str]] = ()) -> Path:
    """pages: {"text": lines, "images": n, "size": (w, h), "numbered": True (its number printed
    last)}; bookmarks: (title, page, depth); links: (page, URL)."""
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
    for number, uri in links:
        writer.add_annotation(number, Link(rect=(60, 700, 200, 720), url=uri))
    parents = {}
    for title, number, depth in bookmarks:
        parents[depth] = writer.add_outline_item(title=title, page_number=number, parent=parents.get(depth - 1))
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


EXPECTED = [
    cp.Expected("chapters/index.html", "Neural Networks for Regression", "Neural Networks for Regression", 0, 0, 0, 0),
    cp.Expected("chapters/01.html", "1. Tensors", "Tensors", plots=2, solution_plots=1, bars=0, says_100=0),
    cp.Expected("chapters/05.html", "5. Convolutional networks", "Convolutional networks", plots=1, solution_plots=0, bars=1, says_100=0),
]
GOOD_PAGES = [
    {"text": ["Neural Networks for Regression"]},
    {"text": ["Tensors", "A tensor x has a shape."], "images": 1},
    {"text": ["and a second plot"], "images": 1},
    {"text": ["Convolutional networks", "training: 100% 20/20 [loss=0.1]"], "images": 1},
    {"text": ["Solutions: 1. Tensors"], "images": 1},
]
GOOD_MARKS = [("Neural Networks for Regression", 0, 0), ("Part one", 1, 0), ("1. Tensors", 1, 1),
              ("5. Convolutional networks", 3, 0), (APPENDIX_TITLE, 4, 0), ("1. Tensors", 4, 1)]


def test_a_good_pdf_passes(tmp_path):
    assert cp.check(make_pdf(tmp_path / "good.pdf", GOOD_PAGES, GOOD_MARKS), EXPECTED) == []


def test_a_link_to_the_printing_server_is_named(tmp_path):
    links = [(1, "https://pytorch.org/docs/"), (3, "http://127.0.0.1:41739/_sources/chapters/05.ipynb")]
    problems = cp.check(make_pdf(tmp_path / "links.pdf", GOOD_PAGES, GOOD_MARKS, links), EXPECTED)
    assert problems == ["page 4 links to the printing machine's own server: http://127.0.0.1:41739/_sources/chapters/05.ipynb"]


def _with(pages=None, marks=None, **page_changes):
    pages = [dict(p) for p in (pages or GOOD_PAGES)]
    for index, change in page_changes.items():
        pages[int(index.removeprefix("p"))].update(change)
    return pages, marks or GOOD_MARKS


@pytest.mark.parametrize("pages, marks, why", [
    (*_with(p1={"text": ["Tensors", r"raw \(x^2\) left"], "images": 1}), r"raw TeX '\\(' on page 2"),
    (*_with(p2={"text": ["$$ y = 2 $$"], "images": 1}), "raw TeX '$$' on page 3"),
    (*_with(p1={"text": ["Tensors", r"\[ y \]"], "images": 1}), r"raw TeX '\\[' on page 2"),
    (*_with(p2={"text": ["no plot here"], "images": 0}), "chapters/01.html: 1 image(s) on its pages 2-3, but the chapter shows 2 plot(s)"),
    (*_with(p4={"text": ["Solutions: 1. Tensors"], "images": 0}), "0 image(s) in its part of the appendix, but its solutions show 1"),
    (*_with(p3={"text": ["Convolutional networks", "training: 0% 0/20"], "images": 1}), "bars not printed finished"),
    (*_with(p1={"text": ["Tensor algebra"], "images": 1}), "'Tensors' is not printed on page 2"),
    (*_with(p2={"text": ["a Letter-sized page"], "images": 1, "size": (612, 792)}), None),  # Letter is fine
    (*_with(p2={"text": ["an A5 page"], "images": 1, "size": (420, 595)}), "page 3 is 420 x 595 pt: neither A4 nor Letter"),
    (*_with(p2={"text": ["a page without its number"], "images": 1, "numbered": False}), "1 page(s) without their number at the foot, e.g. page 3"),
    (GOOD_PAGES, [m for m in GOOD_MARKS if m[0] != "5. Convolutional networks"], "bookmarks of the chapters are"),
    (GOOD_PAGES, [GOOD_MARKS[0], ("5. Convolutional networks", 3, 0), ("1. Tensors", 1, 0)] + GOOD_MARKS[4:],
     "bookmarks of the chapters are ['Neural Networks for Regression', '5. Convolutional networks', '1. Tensors']"),
])
def test_each_defect_of_a_pdf_is_named(tmp_path, pages, marks, why):
    problems = cp.check(make_pdf(tmp_path / "bad.pdf", pages, marks), EXPECTED)
    if why is None:
        assert problems == []
    else:
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
      <div class="solution"><div class="cell_output"><img src="s.png"></div></div>
      <div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">{}</script></div>
    </article>""")
    index, chapter = cp.expected_from_html(tmp_path / "html", toc)
    assert (index.title, index.plots) == ("The book", 0)
    assert (chapter.title, chapter.plain_title) == ("1. Tensors", "Tensors")
    assert (chapter.plots, chapter.solution_plots, chapter.bars, chapter.says_100) == (1, 1, 1, 1)


def test_the_pdf_follows_the_table_of_contents():
    pages = [(e.page, e.level, e.part) for e in toc_entries(ROOT / "_toc.yml")]
    assert pages[0] == ("chapters/index.html", 0, None)
    assert ("chapters/04a_mlp_architecture.html", 1, "Neural networks for regression") in pages
    assert [p for p, _, _ in pages].index("chapters/04_mlp.html") < [p for p, _, _ in pages].index("chapters/04a_mlp_architecture.html")
    assert pages[-1][0] == "chapters/06_facial_keypoints.html"
