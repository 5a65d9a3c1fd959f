"""The browser check's own logic, without a browser or a built book (fast; runs in `make test`).

The in-browser half (page_checks.js) is proven on every `make check-book` run by the canary:
a small site with planted defects that the check must report before it looks at the book.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import canary  # noqa: E402
import check_book as cb  # noqa: E402

ORIGIN = "http://127.0.0.1:8765"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    root = tmp_path / "html"
    (root / "chapters").mkdir(parents=True)
    (root / "_static").mkdir()
    (root / "_sources" / "chapters").mkdir(parents=True)
    (root / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=chapters/index.html" />')
    (root / "chapters" / "index.html").write_text('<section id="welcome"><a name="old-anchor"></a></section>')
    (root / "chapters" / "01_tensors.html").write_text('<h1 id="tensors">T</h1><div id="a-b">x</div>')
    (root / "_static" / "widget.html").write_text("<p>asset</p>")
    (root / "_sources" / "chapters" / "01_tensors.ipynb").write_text("{}")
    (root / "_sources" / "chapters" / "index.md").write_text("# hi")
    (root / "search.html").write_text("<p>search</p>")
    return root


def ids_from_files(root: Path):
    return lambda rel: cb.html_ids(root / rel)


def test_pages_leave_out_sphinx_asset_folders(site):
    assert cb.list_pages(site) == ["chapters/01_tensors.html", "chapters/index.html", "index.html", "search.html"]


def test_screenshot_names_mirror_the_pages(tmp_path):
    assert cb.screenshot_path(tmp_path, "chapters/01_tensors.html") == tmp_path / "chapters" / "01_tensors.png"
    assert cb.screenshot_path(tmp_path, "index.html") == tmp_path / "index.png"


def test_notebook_pages_are_those_with_an_ipynb_source(site):
    assert cb.notebook_source(site, "chapters/01_tensors.html") == "_sources/chapters/01_tensors.ipynb"
    assert cb.notebook_source(site, "chapters/index.html") is None


def test_redirect_page_target_is_read(site):
    assert cb.meta_refresh_target(site / "index.html") == "chapters/index.html"
    assert cb.meta_refresh_target(site / "chapters" / "index.html") is None


@pytest.mark.parametrize(
    "href, problem",
    [
        (f"{ORIGIN}/chapters/01_tensors.html", None),
        (f"{ORIGIN}/chapters/01_tensors.html#a-b", None),
        (f"{ORIGIN}/chapters/index.html#old-anchor", None),  # <a name=...> counts as an anchor
        (f"{ORIGIN}/chapters/", None),  # a folder serves its index.html
        (f"{ORIGIN}/chapters/01_tensors.html#", None),  # empty fragment: the page itself
        (f"{ORIGIN}/_sources/chapters/01_tensors.ipynb", None),
        (f"{ORIGIN}/_sources/chapters/01_tensors.ipynb#anything", None),  # no anchors in non-HTML
        ("https://pytorch.org/docs#x", None),  # outside links are not checked offline
        ("data:image/png;base64,AAAA", None),
        (f"{ORIGIN}/chapters/02_autograd.html", "missing page: /chapters/02_autograd.html"),
        (f"{ORIGIN}/chapters/01_tensors.html#nope", "missing anchor: #nope on chapters/01_tensors.html"),
        (f"{ORIGIN}/chapters/01_tensors.html#a%2Db", None),  # percent-encoded fragment
        (f"{ORIGIN}/../../etc/passwd", "missing page: /../../etc/passwd"),
    ],
)
def test_internal_links_resolve_to_pages_and_anchors(site, href, problem):
    got = cb.resolve_link(href, ORIGIN, site, ids_from_files(site))
    if problem is None:
        assert got is None
    else:
        assert got is not None and (problem in got or got.startswith("points outside"))


def test_page_problems_turn_browser_findings_into_failures_and_notes():
    data = {
        "mathjax_loaded": True,
        "math_elements": 3,
        "untypeset_math": [{"where": "span.math", "text": "\\(x\\)"}],
        "math_errors": [{"where": "mjx-container", "text": "Undefined control sequence \\foo"}],
        "math_text_escapes": [{"where": 'math "\\text{np\\_array}"', "text": "np\\_array"}],
        "raw_math": [{"where": "p", "token": "$$", "text": "a $$ b"}],
        "images": [
            {"src": "_images/a.png", "ok": True, "where": "img"},
            {"src": "_images/b.png", "ok": False, "where": "img in code cell 4"},
        ],
        "plots_missing": [{"where": "div.cell", "text": "plt.show()"}],
        "output_errors": [{"why": "error output", "where": "div.output.traceback", "text": "ValueError: no"}],
        "layout_notes": [{"where": "table", "why": "wider than its box"}],
    }
    fails, notes = cb.page_problems(data)
    text = "\n".join(fails)
    for want in ("math not typeset", "TeX error in math", "raw TeX '$$'", "backslash shown literally in math", "image not loaded: img in code cell 4",
                 "plot missing", "error output: div.output.traceback: 'ValueError: no'"):
        assert want in text
    assert "_images/a.png" not in text
    assert notes == ["table: wider than its box"]
    assert cb.page_problems({"math_elements": 2, "mathjax_loaded": False})[0][0].startswith("MathJax did not load")
    assert cb.page_problems({"math_elements": 0, "mathjax_loaded": False}) == ([], [])


def test_network_problems_flag_outside_requests_failed_resources_and_js_errors():
    def ev(method, **params):
        return {"method": method, "params": params}

    events = [
        ev("Network.requestWillBeSent", requestId="1", request={"url": f"{ORIGIN}/_static/ok.css"}),
        ev("Network.responseReceived", requestId="1", response={"url": f"{ORIGIN}/_static/ok.css", "status": 200}),
        ev("Network.requestWillBeSent", requestId="2", request={"url": "https://cdn.example.invalid/mathjax.js"}),
        ev("Network.loadingFailed", requestId="2", errorText="net::ERR_NAME_NOT_RESOLVED"),
        ev("Network.requestWillBeSent", requestId="3", request={"url": f"{ORIGIN}/_static/gone.js"}),
        ev("Network.responseReceived", requestId="3", response={"url": f"{ORIGIN}/_static/gone.js", "status": 404}),
        ev("Network.requestWillBeSent", requestId="4", request={"url": f"{ORIGIN}/favicon.ico"}),
        ev("Network.responseReceived", requestId="4", response={"url": f"{ORIGIN}/favicon.ico", "status": 404}),
        ev("Network.requestWillBeSent", requestId="5", request={"url": "data:image/png;base64,AA"}),
        ev("Network.requestWillBeSent", requestId="6", request={"url": f"{ORIGIN}/_images/x.png"}),
        ev("Network.loadingFailed", requestId="6", errorText="net::ERR_ABORTED", canceled=True),
        ev("Runtime.exceptionThrown", exceptionDetails={"exception": {"description": "TypeError: x is undefined\n at f"}}),
        ev("Runtime.exceptionThrown", exceptionDetails={"exception": {
            "description": "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared"}}),
    ]
    assert cb.network_problems(events, ORIGIN) == [
        "requested outside the machine (blocked): https://cdn.example.invalid/mathjax.js",
        "resource answered HTTP 404: /_static/gone.js",
        "JavaScript error: TypeError: x is undefined",
    ]


def test_chromium_is_launched_headless_and_off_the_network():
    argv = cb.chromium_argv("/usr/lib/chromium/chromium", "/tmp/profile", 4321)
    for flag in ("--headless", "--no-sandbox", "--disable-background-networking", "--remote-debugging-pipe",
                 "--proxy-server=http://127.0.0.1:4321", "--user-data-dir=/tmp/profile"):
        assert flag in argv
    rules = next(a for a in argv if a.startswith("--host-resolver-rules="))
    assert "MAP * ~NOTFOUND" in rules and "EXCLUDE 127.0.0.1" in rules


def test_missing_chromium_without_root_or_apt_says_how_to_install(monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(cb.shutil, "which", lambda name: None)
    with pytest.raises(cb.SetupError, match="apt-get install -y --no-install-recommends chromium"):
        cb.ensure_chromium()


def test_chromium_env_var_wins(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/opt/my/chrome")
    assert cb.find_chromium() == "/opt/my/chrome"


def test_the_canary_site_holds_its_planted_defects(tmp_path):
    canary.write_site(tmp_path)
    assert cb.list_pages(tmp_path) == ["bad.html", "index.html"]
    bad = (tmp_path / "bad.html").read_text()
    for planted in ('class="math', "$$", "_images/missing.png", "Traceback", "UserWarning", "plt.show()",
                    "index.html#nope", "nowhere.html", "_sources/missing.ipynb", "throw new Error"):
        assert planted in bad
    assert (tmp_path / "_images" / "plot.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((tmp_path / "_sources" / "index.ipynb").read_text())["nbformat"] == 4
    # the clean page's links resolve; the bad page's two broken ones do not
    assert cb.resolve_link(f"{ORIGIN}/bad.html#section-b", ORIGIN, tmp_path, ids_from_files(tmp_path)) is None
    assert cb.resolve_link(f"{ORIGIN}/index.html#nope", ORIGIN, tmp_path, ids_from_files(tmp_path))


def test_canary_verdict_names_what_the_check_missed():
    caught = cb.PageResult("bad.html", failures=list(canary.EXPECTED_BAD))
    clean = cb.PageResult("index.html")
    assert canary.missed([caught, clean]) == []
    half = cb.PageResult("bad.html", failures=canary.EXPECTED_BAD[:3])
    noisy = cb.PageResult("index.html", failures=["image not loaded: x"])
    got = canary.missed([half, noisy])
    assert f"bad.html: {canary.EXPECTED_BAD[3]}" in got
    assert "false alarm on the clean page: image not loaded: x" in got


def test_report_lists_offending_pages_and_elements():
    lines = []
    results = [cb.PageResult("a.html"), cb.PageResult("b.html", failures=["image not loaded: img"], notes=["wide"])]
    assert cb.report(results, out=lines.append) == 1
    text = "\n".join(lines)
    assert "FAILED: 1 of 2 pages" in text and "b.html" in text and "- image not loaded: img" in text
    assert "a.html" not in text
