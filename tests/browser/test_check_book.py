"""The browser check's own logic, without a browser or a built book (fast; runs in `make test`).

The in-browser half (page_checks.js, axe-core, the widget manager) is proven on every
`make check-book` run by the canary: a small site with planted defects that the check must
report, in every view, before it looks at the book.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

import canary  # noqa: E402
import check_book as cb  # noqa: E402
import static_checks  # noqa: E402
from publish import chromium  # noqa: E402

SITE = "http://127.0.0.1:8765/nn-regression/"


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
    (root / "_sources" / "chapters" / "01_tensors.ipynb").write_text('{"cells": [], "nbformat": 4}')
    (root / "_sources" / "chapters" / "index.md").write_text("# hi")
    (root / "search.html").write_text("<p>search</p>")
    return root


def ids_from_files(root: Path):
    return lambda rel: cb.html_ids(root / rel)


def test_pages_leave_out_sphinx_asset_folders(site):
    assert static_checks.list_pages(site) == ["chapters/01_tensors.html", "chapters/index.html", "index.html", "search.html"]


def test_screenshot_names_mirror_the_pages(tmp_path):
    assert cb.screenshot_path(tmp_path, "chapters/01_tensors.html") == tmp_path / "chapters" / "01_tensors.jpg"


def test_notebook_pages_are_those_with_an_ipynb_source(site):
    assert cb.notebook_source(site, "chapters/01_tensors.html") == "_sources/chapters/01_tensors.ipynb"
    assert cb.notebook_source(site, "chapters/index.html") is None


def test_redirect_page_target_is_read(site):
    assert cb.meta_refresh_target(site / "index.html") == "chapters/index.html"
    assert cb.meta_refresh_target(site / "chapters" / "index.html") is None


@pytest.mark.parametrize(
    "href, problem",
    [
        (f"{SITE}chapters/01_tensors.html", None),
        (f"{SITE}chapters/01_tensors.html#a-b", None),
        (f"{SITE}chapters/index.html#old-anchor", None),  # <a name=...> counts as an anchor
        (f"{SITE}chapters/", None),  # a folder serves its index.html
        (f"{SITE}chapters/01_tensors.html#", None),  # empty fragment: the page itself
        (f"{SITE}_sources/chapters/01_tensors.ipynb#anything", None),  # no anchors in non-HTML
        ("https://pytorch.org/docs#x", None),  # outside links are not checked offline
        ("data:image/png;base64,AAAA", None),
        (f"{SITE}chapters/02_autograd.html", "missing page: /nn-regression/chapters/02_autograd.html"),
        (f"{SITE}chapters/01_tensors.html#nope", "missing anchor: #nope on chapters/01_tensors.html"),
        (f"{SITE}chapters/01_tensors.html#a%2Db", None),  # percent-encoded fragment
        (f"{SITE}../../etc/passwd", "points outside the book"),
        # a root-absolute link under the sub-path, as on GitHub Pages
        ("http://127.0.0.1:8765/chapters/01_tensors.html", "leads outside the book's folder /nn-regression/"),
    ],
)
def test_links_resolve_inside_the_book_under_its_sub_path(site, href, problem):
    got = cb.resolve_link(href, SITE, site, ids_from_files(site))
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got


def test_the_same_root_absolute_link_resolves_when_the_book_is_at_the_root(site):
    assert cb.resolve_link("http://127.0.0.1:8765/chapters/01_tensors.html", "http://127.0.0.1:8765/",
                           site, ids_from_files(site)) is None


def test_page_failures_name_kind_problem_and_place():
    data = {"failures": [{"kind": "widget", "where": "div.cell_output in code cell 4", "why": "progress bar at 0%"}]}
    assert cb.page_failures(data, {"mathjax": "typeset"}) == ["widget: progress bar at 0% (at div.cell_output in code cell 4)"]
    assert cb.page_failures({"failures": []}, {"mathjax": "timeout"}) == ["math: MathJax did not finish: timeout"]
    assert cb.page_failures({"failures": []}, {"mathjax": "none"}) == []


def test_network_problems_flag_outside_requests_failed_resources_and_js_errors():
    assert cb.network_problem("request", "https://cdn.example.invalid/mathjax.js", SITE) == \
        "requested outside the machine (blocked): https://cdn.example.invalid/mathjax.js"
    assert cb.network_problem("request", f"{SITE}_static/ok.css", SITE) is None
    assert cb.network_problem("request", "data:image/png;base64,AA", SITE) is None
    assert cb.network_problem("response", f"{SITE}_static/gone.js", SITE, status=404) == "resource answered HTTP 404: _static/gone.js"
    assert cb.network_problem("response", f"{SITE}_static/ok.js", SITE, status=200) is None
    assert cb.network_problem("response", "http://127.0.0.1:8765/favicon.ico", SITE, status=404) is None
    assert cb.network_problem("failed", f"{SITE}_images/x.png", SITE, error="net::ERR_ABORTED") is None  # cancelled
    assert cb.network_problem("failed", f"{SITE}_images/x.png", SITE, error="net::ERR_EMPTY_RESPONSE") == \
        "resource failed (net::ERR_EMPTY_RESPONSE): _images/x.png"
    assert cb.js_error_problem("TypeError: x is undefined\n at f") == "JavaScript error: TypeError: x is undefined"
    assert cb.js_error_problem("SyntaxError: Identifier 'THEBE_JS_URL' has already been declared") is None


def test_the_views_cover_both_paths_at_both_widths_with_axe_under_the_sub_path():
    assert {(v.prefix, v.width) for v in cb.VIEWS} == {(p, w) for p in ("/", cb.SUB_PATH) for w in (cb.DESKTOP, cb.PHONE)}
    assert all(v.axe == (v.prefix == cb.SUB_PATH) for v in cb.VIEWS)
    assert [v.phone for v in cb.VIEWS if v.width == cb.PHONE] == [True, True]


def test_chromium_is_kept_off_the_network():
    args = chromium.loopback_only_args(4321)
    assert "--proxy-server=http://127.0.0.1:4321" in args
    rules = next(a for a in args if a.startswith("--host-resolver-rules="))
    assert "MAP * ~NOTFOUND" in rules and "EXCLUDE 127.0.0.1" in rules


def test_missing_chromium_without_root_or_apt_says_how_to_install(monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(chromium, "DEBIAN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(chromium.shutil, "which", lambda name: None)
    with pytest.raises(chromium.SetupError, match="apt-get install -y --no-install-recommends chromium"):
        chromium.ensure_chromium()


def test_chromium_env_var_wins(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/opt/my/chrome")
    assert chromium.find_chromium() == "/opt/my/chrome"


def test_the_server_serves_the_site_under_its_sub_path_only(site):
    with chromium.serve(site, "/nn-regression/") as url:
        assert url.endswith("/nn-regression/")
        with urllib.request.urlopen(url + "chapters/01_tensors.html") as resp:
            assert b'id="tensors"' in resp.read()
        root = url.removesuffix("nn-regression/")
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(root + "chapters/01_tensors.html")
        assert cb.fetch_notebook(url + "_sources/chapters/01_tensors.ipynb") is None
        assert cb.fetch_notebook(url + "_sources/chapters/index.md") == "not JSON"
        assert cb.fetch_notebook(url + "_sources/missing.ipynb") == "HTTP 404"


def test_the_canary_site_holds_its_planted_defects(tmp_path):
    canary.write_site(tmp_path)
    assert static_checks.list_pages(tmp_path) == ["bad.html", "index.html", "search.html"]
    bad = (tmp_path / "bad.html").read_text()
    for planted in ('class="math', "$$", "_images/missing.png", "Traceback", "UserWarning", "plt.show()",
                    "index.html#nope", "nowhere.html", 'href="/index.html"', "_sources/missing.ipynb",
                    "throw new Error", "https://cdn.invalid/library.js", "planted-nameless-button",
                    'alt="../_images/plot.png"', "width: 600px", "overflow: hidden"):
        assert planted in bad
    state = json.loads(bad.split('widget-state+json">')[1].split("</script>")[0])["state"]
    bars = {m["state"].get("value", 0) for m in state.values() if m["model_name"] == "IntProgressModel"}
    assert bars == {0, 10, 20}  # the clean page's finished bar, the 0 % bar, the broken widget's
    assert sum(m["model_name"] == "NoSuchWidgetModel" for m in state.values()) == 1
    assert 'class="cell tag_scroll-wide-table"' in (tmp_path / "index.html").read_text()
    assert (tmp_path / "_static" / "widgets" / "embed.js").is_file()
    # the static checks find the planted file-level defects, and nothing on the clean page
    found = static_checks.check_site(tmp_path)
    assert "index.html" not in found and len(found["bad.html"]) == 8


def test_canary_verdict_names_what_the_check_missed():
    views = [str(v) for v in cb.VIEWS]
    every = [cb.Finding(page, where, want) for page, kind, want in canary.EXPECTED
             for where in canary._views_for(kind, views)]
    assert canary.missed(every, views) == []
    half = [f for f in every if f.where != "390px /"]
    noisy = half + [cb.Finding("index.html", "static", "image x has an empty alt text")]
    got = canary.missed(noisy, views)
    assert "bad.html [390px /]: the page scrolls sideways" in got
    assert "false alarm on the clean page [static]: image x has an empty alt text" in got
    assert not any("[390px /nn-regression/]" in g for g in got)


def test_report_lists_each_failure_once_with_its_views():
    lines = []
    findings = [cb.Finding("b.html", "1280px /", "image: not loaded"), cb.Finding("b.html", "390px /", "image: not loaded"),
                cb.Finding("c.html", "static", "root-absolute URL")]
    assert cb.report(findings, 3, out=lines.append) == 2
    text = "\n".join(lines)
    assert "FAILED: 2 of 3 pages" in text
    assert "- [1280px /, 390px /] image: not loaded" in text and "- [static] root-absolute URL" in text
