"""A tiny site with planted defects, for check_book.py to prove on itself that it catches them.

`write_site(dir)` writes it; `missed(results)` lists what the check failed to report (and any
false alarm on the clean page). test_check_book.py checks the site itself without a browser.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path



def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><article class="bd-article">
<a class="btn-download-source-button" href="{download}">.ipynb</a>
<section id="top"><h1>{title}</h1>
{body}
</section></article></body></html>
"""

CLEAN_BODY = """
<p>A clean page: <a href="#top">this page</a>, <a href="bad.html#section-b">the other page</a>,
<a href="./">the index</a>, <a href="https://offline.invalid/never-fetched">an outside link</a>.</p>
<div class="cell tag_raises-exception"><div class="cell_input"><pre>1 / 0</pre></div>
<div class="cell_output"><div class="output traceback"><pre>Traceback (most recent call last)
ZeroDivisionError: division on-purpose</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>plt.show()</pre></div>
<div class="cell_output"><img src="_images/plot.png" alt="plot"></div></div>
<div class="cell"><div class="cell_output"><div class="output stream"><pre>ValueError: printed on purpose</pre></div></div></div>
<p>Code may hold TeX: <code>r"\\(x\\)"</code>.</p>
"""

BAD_BODY = """
<p>Math left raw: <span class="math notranslate nohighlight">\\(x^2\\)</span> and $$ y = 2 $$.</p>
<p><img src="_images/missing.png" alt="missing plot"></p>
<p><img src="https://offline.invalid/outside.png" alt="outside"></p>
<div class="cell"><div class="cell_input"><pre>raise ValueError("untagged")</pre></div>
<div class="cell_output"><div class="output traceback"><pre>ValueError      Traceback (most recent call last)
ValueError: untagged</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>warnings.warn("careful")</pre></div>
<div class="cell_output"><div class="output stderr"><pre>/tmp/x.py:2: UserWarning: careful</pre></div></div></div>
<div class="cell"><div class="cell_input"><pre>fig, ax = plt.subplots()
plt.show()</pre></div><div class="cell_output"></div></div>
<section id="section-b"><h2>B</h2>
<p><a href="index.html#nope">a broken anchor</a> and <a href="nowhere.html">a missing page</a>.</p>
</section>
<script>throw new Error("planted script error")</script>
"""

# what the check must say about bad.html (substrings of its failures)
EXPECTED_BAD = [
    "math not typeset",
    "raw TeX '\\\\('",
    "raw TeX '$$'",
    "image not loaded: img in section #top: src=_images/missing.png",
    "requested outside the machine (blocked): https://offline.invalid/outside.png",
    "error output",
    "warning on stderr",
    "plot missing",
    "missing anchor: #nope on index.html",
    "missing page: /nowhere.html",
    "notebook download /_sources/missing.ipynb: HTTP 404",
    "JavaScript error",
]


def write_site(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_images").mkdir(exist_ok=True)
    (root / "_images" / "plot.png").write_bytes(png())
    (root / "_sources").mkdir(exist_ok=True)
    for name in ("index", "bad"):
        (root / "_sources" / f"{name}.ipynb").write_text(json.dumps(NOTEBOOK))
    (root / "index.html").write_text(PAGE.format(title="Clean", download="_sources/index.ipynb", body=CLEAN_BODY))
    (root / "bad.html").write_text(PAGE.format(title="Bad", download="_sources/missing.ipynb", body=BAD_BODY))


def missed(results) -> list[str]:
    """What the check did not report on bad.html, and anything it reported on the clean page."""
    by_page = {r.page: r for r in results}
    problems = []
    if set(by_page) != {"index.html", "bad.html"}:
        problems.append(f"pages checked: {sorted(by_page)} instead of bad.html, index.html")
    bad = by_page.get("bad.html")
    text = "\n".join(bad.failures) if bad else ""
    problems += [f"bad.html: {want}" for want in EXPECTED_BAD if want not in text]
    clean = by_page.get("index.html")
    if clean is not None:
        problems += [f"false alarm on the clean page: {f}" for f in clean.failures]
    return problems
