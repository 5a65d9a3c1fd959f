"""A tiny site with planted defects, for check_book.py to prove on itself that it catches them.

`write_site(dir)` writes it: a clean page (index.html, which must draw no failure in any view), a
page full of defects (bad.html) and a search page that finds nothing (search.html). `missed()`
lists what the check failed to report, and any false alarm on the clean page.
test_check_book.py checks the site itself without a browser.
"""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ROOT / "web_assets" / "book" / "_static" / "widgets"  # the book's widget manager (web_assets/)


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def widget_state() -> tuple[dict, dict[str, str]]:
    """Widget state as nbclient stores it, for three tqdm-like bars (HTML label, bar, HTML count):
    'done' at 20/20, 'zero' at 0/20, and 'broken', whose label names a model class that does
    not exist, so that the widget manager shows its error box. Returns (state, {name: model id})."""
    import ipywidgets as w
    from ipywidgets.embed import embed_data

    boxes = {name: w.HBox([w.HTML(label), w.IntProgress(value=n, max=20), w.HTML(f" {n}/20")])
             for name, label, n in [("done", "100%", 20), ("zero", "0%", 0), ("broken", "50%", 10)]}
    data = embed_data(views=list(boxes.values()))
    state = data["manager_state"]
    label_id = boxes["broken"].children[0].model_id
    state["state"][label_id]["model_name"] = "NoSuchWidgetModel"
    ids = {name: box.model_id for name, box in boxes.items()}
    for box in boxes.values():
        box.close_all()
    return state, ids


NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="https://example.invalid/nn-regression/{name}.html">
<style>
  body {{ margin: 0 8px; font-family: sans-serif; }}
  article {{ max-width: 760px; }}
  .cell_output, div.highlight pre {{ overflow-x: auto; }}
</style>
{head}
<script src="_static/widgets/embed.js" data-jupyter-widgets-cdn="./"></script>
</head>
<body><main><article class="bd-article">
<a class="btn-download-source-button" href="{download}">Download the notebook</a>
<section id="top"><h1>{title}</h1>
{body}
</section></article></main>
<script type="application/vnd.jupyter.widget-state+json">{state}</script>
</body></html>
"""


def view(model_id: str) -> str:
    return ('<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">'
            + json.dumps({"model_id": model_id, "version_major": 2, "version_minor": 0}) + "</script></div>")


WIDE_TABLE = "<table><tr>" + "".join(f"<td>column{i:03d}</td>" for i in range(60)) + "</tr></table>"

CLEAN_BODY = """
<p>A clean page: <a href="#top">this page</a>, <a href="bad.html#section-b">the other page</a>,
<a href="index.html">the index</a>, <a href="https://offline.invalid/never-fetched">an outside link</a>.</p>
<div class="cell tag_raises-exception"><div class="cell_input"><pre>1 / 0</pre></div>
<div class="cell_output"><div class="output traceback"><pre>Traceback (most recent call last)
ZeroDivisionError: division on-purpose</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>plt.show()</pre></div>
<div class="cell_output"><img src="_images/plot.png" alt="A grey square: the plot this cell draws" width="300"></div></div>
<div class="cell tag_output-cleared"><div class="cell_input"><pre>plt.plot(student_answer)
plt.show()</pre></div></div>
<div class="cell"><div class="cell_output"><div class="output stream"><pre>ValueError: printed on purpose</pre></div></div></div>
<p>Code may hold TeX: <code>r"\\(x\\)"</code>.</p>
<div class="cell tag_scroll-wide-table"><div class="cell_output" tabindex="0"><div class="output text_html">{wide}</div></div></div>
<div class="cell">{done}</div>
<div class="cell tag_show-full-output"><div class="cell_output"><div class="output stream" style="height: 1000px">a tall output, shown whole on purpose</div></div></div>
"""

BAD_BODY = """
<p>Math left raw: <span class="math notranslate nohighlight">\\(x^2\\)</span> and $$ y = 2 $$.</p>
<p><img src="_images/missing.png" alt="missing plot"></p>
<p><img src="https://offline.invalid/outside.png" alt="a picture from outside"></p>
<p><img src="_images/plot.png" alt="../_images/plot.png"> <img src="_images/plot.png" alt=""></p>
<div class="cell"><div class="cell_input"><pre>raise ValueError("untagged")</pre></div>
<div class="cell_output"><div class="output traceback"><pre>ValueError      Traceback (most recent call last)
ValueError: untagged</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>warnings.warn("careful")</pre></div>
<div class="cell_output"><div class="output stderr"><pre>/tmp/x.py:2: UserWarning: careful</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>fig, ax = plt.subplots()
plt.show()</pre></div><div class="cell_output"></div></div>
<div class="cell"><div class="cell_input"><pre>df.head()</pre></div><div class="cell_output"><div class="output text_html">{wide}</div></div></div>
<div class="cell"><div class="cell_input"><pre>for epoch in tqdm(range(20)): ...</pre></div>{zero}</div>
<div class="cell"><div class="cell_input"><pre>for epoch in tqdm(range(20)): break</pre></div>{broken}</div>
<div class="cell"><div class="cell_input"><div class="highlight"><pre>x = 1  # {long}</pre></div></div>
<div class="cell_output"><div class="output stream" style="height: 1000px">a tall output</div>
<img src="_images/plot.png" alt="A grey square, drawn too small" width="120"></div></div>
<div style="width: 600px">a box 600px wide: wider than a phone</div>
<div style="overflow: hidden; width: 300px"><div style="width: 1000px">a line cut at the edge of a phone</div></div>
<p><button class="planted-nameless-button"></button></p>
<section id="section-b"><h2>B</h2>
<p><a href="index.html#nope">a broken anchor</a>, <a href="nowhere.html">a missing page</a>
and <a href="/index.html">a root-absolute link</a>.</p>
</section>
<script>throw new Error("planted script error")</script>
"""

BAD_HEAD = """<script src="https://cdn.invalid/library.js"></script>
<link rel="stylesheet" href="https://cdn.invalid/theme.css">
<link rel="stylesheet" href="_static/planted.css">"""
PLANTED_CSS = """@import url("https://cdn.invalid/fonts.css");
body { background: url(/background.png); }
"""

SEARCH_BODY = """<div id="search-results"><h2>Search Results</h2>
<p class="search-summary">Your search did not match any documents.</p><ul class="search"></ul></div>"""

# What the check must report: (page, views, substring of a failure). Views: "all" (the four
# browser views), "desktop", "phone", "sub-path", "static" (the HTML files), "offline" (file://).
EXPECTED = [
    ("bad.html", "all", "math: math not typeset"),
    ("bad.html", "all", "raw TeX '\\('"),
    ("bad.html", "all", "'$$' in text"),
    ("bad.html", "all", "image not loaded: src=_images/missing.png"),
    ("bad.html", "all", "requested outside the machine (blocked): https://offline.invalid/outside.png"),
    ("bad.html", "all", "requested outside the machine (blocked): https://cdn.invalid/library.js"),
    ("bad.html", "all", "output: error output"),
    ("bad.html", "all", "warning on stderr"),
    ("bad.html", "all", "plot missing"),
    ("bad.html", "all", "missing anchor: #nope on index.html"),
    ("bad.html", "all", "missing page: "),
    ("bad.html", "all", "download: notebook _sources/missing.ipynb: HTTP 404"),
    ("bad.html", "all", "JavaScript error"),
    ("bad.html", "all", "progress bar at 0%"),
    ("bad.html", "all", "widget failed to render"),
    ("bad.html", "desktop", "wider than the text column"),
    ("bad.html", "desktop", "code lines cut at the right in 1 block(s)"),
    ("bad.html", "desktop", "px tall: shorten it, hide it"),
    ("bad.html", "desktop", "plot shown only 120px wide"),
    ("bad.html", "desktop", "absolute path in the output: /tmp/x.py"),
    ("bad.html", "phone", "the page scrolls sideways"),
    ("bad.html", "phone", "cut off at the edge"),
    ("bad.html", "sub-path", "axe: button-name"),
    ("bad.html", "sub-path", "leads outside the book's folder /nn-regression/: /index.html"),
    ("bad.html", "static", "root-absolute URL <a href>='/index.html'"),
    ("bad.html", "static", "loads a script from outside the book: https://cdn.invalid/library.js"),
    ("bad.html", "static", "from outside the book: https://cdn.invalid/theme.css"),
    ("bad.html", "static", "a stylesheet loads from outside the book: https://cdn.invalid/fonts.css"),
    ("bad.html", "static", "root-absolute url(/background.png)"),
    ("bad.html", "static", "has a file name as alt text"),
    ("bad.html", "static", "has an empty alt text"),
    ("bad.html", "offline", "progress bar at 0%"),
    ("bad.html", "offline", "math not typeset"),
    ("search.html", "all", "search: searching for 'tensor' found no page"),
    ("search.html", "offline", "search: searching for 'tensor' found no page"),
]


def write_site(root: Path) -> None:
    if not (WIDGETS / "embed.js").is_file():
        raise FileNotFoundError(f"{WIDGETS / 'embed.js'} is missing: run `make venv` (web_assets/fetch.py)")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(WIDGETS, root / "_static" / "widgets", dirs_exist_ok=True)
    (root / "_static" / "planted.css").write_text(PLANTED_CSS)
    (root / "_images").mkdir(exist_ok=True)
    (root / "_images" / "plot.png").write_bytes(png())
    (root / "_sources").mkdir(exist_ok=True)
    for name in ("index", "bad"):
        (root / "_sources" / f"{name}.ipynb").write_text(json.dumps(NOTEBOOK))
    state, ids = widget_state()
    pages = {
        "index": ("Clean", "", "_sources/index.ipynb", CLEAN_BODY.format(wide=WIDE_TABLE, done=view(ids["done"]))),
        "bad": ("Bad", BAD_HEAD, "_sources/missing.ipynb",
                BAD_BODY.format(wide=WIDE_TABLE, zero=view(ids["zero"]), broken=view(ids["broken"]), long="a" * 300)),
        "search": ("Search", "", "_sources/index.ipynb", SEARCH_BODY),
    }
    for name, (title, head, download, body) in pages.items():
        (root / f"{name}.html").write_text(PAGE.format(title=title, name=name, head=head, download=download,
                                                       body=body, state=json.dumps(state)))


def zip_site(root: Path, zip_path: Path) -> None:
    """The site as an offline zip, as `make book` writes the book's (one folder inside)."""
    with zipfile.ZipFile(zip_path, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, "canary/" + path.relative_to(root).as_posix())


def _views_for(kind: str, views: list[str]) -> list[str]:
    if kind in ("static", "offline"):
        return [kind]
    return [v for v in views if kind == "all"
            or (kind == "desktop" and not v.startswith("390px"))
            or (kind == "phone" and v.startswith("390px"))
            or (kind == "sub-path" and not v.endswith(" /"))]


def missed(findings, views: list[str]) -> list[str]:
    """What the check did not report (page, view, expected failure), and any failure at all on
    the clean page. findings: check_book.Finding; views: the names of the browser views run."""
    got: dict[tuple[str, str], str] = {}
    for f in findings:
        key = (f.page, f.where)
        got[key] = got.get(key, "") + "\n" + f.text
    problems = []
    for page, kind, want in EXPECTED:
        for v in _views_for(kind, views):
            if want not in got.get((page, v), ""):
                problems.append(f"{page} [{v}]: {want}")
    problems += [f"false alarm on the clean page [{f.where}]: {f.text}" for f in findings if f.page == "index.html"]
    return problems
