"""static_checks.py on small HTML files: what a page loads stays inside the book, no URL is
root-absolute, every image says what it shows. (On the built book they run in `make check-book`.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import static_checks as sc  # noqa: E402

CLEAN = """<!DOCTYPE html><html><head>
<link rel="canonical" href="https://someone.github.io/nn-regression/chapters/a.html">
<link rel="stylesheet" href="../_static/theme.css">
<script src="../_static/widgets/embed.js" data-jupyter-widgets-cdn="./"></script>
<style>.x { background: url(data:image/png;base64,AAAA); }</style>
</head><body>
<a href="https://pytorch.org/docs/">PyTorch's documentation</a> <a href="#top">top</a> <a href="b.html">next</a>
<img src="../_images/1e00.png" alt="Training and validation loss falling over 20 epochs">
</body></html>"""


def write(tmp_path: Path, page: str, css: str = "", **files: str) -> Path:
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "_static").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "a.html").write_text(page)
    (tmp_path / "_static" / "theme.css").write_text(css)
    (tmp_path / "_static" / "widgets").mkdir(exist_ok=True)
    # the widget manager names a CDN as its fallback: a string in a script, not a load
    (tmp_path / "_static" / "widgets" / "embed.js").write_text('const CDN = "https://cdn.jsdelivr.net/npm/";')
    for name, text in files.items():
        (tmp_path / "_static" / name.replace("_css", ".css")).write_text(text)
    return tmp_path


def test_a_clean_page_passes(tmp_path):
    assert sc.check_site(write(tmp_path, CLEAN, css="@import 'more.css'; .a { background: url(img/a.png); }",
                               more_css="@font-face { src: url('../fonts/x.woff2'); }")) == {}


@pytest.mark.parametrize("planted, why", [
    ('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>', "loads a script from outside the book: https://cdn"),
    ('<script src="//cdn.example.org/x.js"></script>', "loads a script from outside the book: //cdn"),
    ('<link rel="stylesheet" href="https://fonts.example.org/a.css">', "loads a <link rel=stylesheet> from outside"),
    ('<link rel="preload" as="font" href="https://fonts.example.org/a.woff2">', "loads a <link rel=preload> from outside"),
    ('<img src="https://example.org/plot.png" alt="A plot of the loss">', "loads a img from outside the book"),
    ('<a href="/chapters/b.html">next</a>', "root-absolute URL <a href>='/chapters/b.html'"),
    ('<script src="/_static/x.js"></script>', "root-absolute URL <script src>='/_static/x.js'"),
    ('<img src="../_images/1e00.png">', "has no alt text"),
    ('<img src="../_images/1e00.png" alt="  ">', "has an empty alt text"),
    ('<img src="../_images/1e00.png" alt="../_images/1e00.png">', "has a file name as alt text"),
    ('<img src="../_images/loss.png" alt="loss.png">', "has a file name as alt text"),
    ('<div style="background: url(https://example.org/bg.png)"></div>', "a stylesheet loads from outside the book: https://example.org/bg.png (in an inline style)"),
    ("<style>@import url('https://fonts.example.org/f.css');</style>", "a stylesheet loads from outside the book: https://fonts.example.org/f.css"),
])
def test_each_planted_defect_is_named(tmp_path, planted, why):
    found = sc.check_site(write(tmp_path, CLEAN.replace("</body>", planted + "</body>")))
    assert list(found) == ["chapters/a.html"]
    assert any(why in p for p in found["chapters/a.html"]), found


@pytest.mark.parametrize("css, why", [
    ("@import url('https://fonts.example.org/f.css');", "a stylesheet loads from outside the book: https://fonts.example.org/f.css (_static/theme.css)"),
    (".a { background: url(/img/a.png); }", "root-absolute url(/img/a.png)"),
    ("@import 'more.css';", "loads from outside the book: https://cdn.example.org/x.woff (_static/more.css)"),
])
def test_stylesheets_the_pages_load_are_followed_through_their_imports(tmp_path, css, why):
    found = sc.check_site(write(tmp_path, CLEAN, css=css, more_css="@font-face { src: url(https://cdn.example.org/x.woff); }"))
    assert any(why in p for p in found.get("chapters/a.html", [])), found


def test_a_stylesheet_no_page_loads_is_not_checked(tmp_path):
    write(tmp_path, CLEAN)
    (tmp_path / "_static" / "unused.css").write_text("@import url(https://cdn.example.org/x.css);")
    assert sc.check_site(tmp_path) == {}
