#!/usr/bin/env python3
"""Check the built HTML book the way a student sees it: every page in headless Chromium.

    python tests/browser/check_book.py _build/html --offline _build/nn-regression-offline.zip
                                                                  (what `make check-book` runs)

Playwright drives Debian's Chromium (publish/chromium.py: no downloaded browser, nothing reached
beyond loopback). The book is served by Python's http.server in four views: under the sub-path
/nn-regression/ (as GitHub Pages serves a project) and at the root, each at 1280 px and at phone
width (390 px). On every page, in every view:

- math typeset: every math element holds MathJax output, no TeX error, no ``\\text{}`` backslash
  shown literally, no raw ``\\(``, ``\\[``, ``$$`` or ``\\begin{`` in the text;
- images loaded, plots included (a cell that calls ``plt.show()`` shows one);
- no cell output shows a traceback, an error or a warning (unless tagged ``raises-exception``);
- every stored progress bar (widget view) drawn and at 100 %, no widget failed to render;
- links and anchors resolve inside the book, every resource is served, nothing is requested
  from outside, no JavaScript error; a notebook page's download link serves its ``.ipynb``;
- layout: the page never scrolls sideways (wide content scrolls inside its own box); at 1280 px
  also nothing wider than the text column, no code line cut at the right, no output taller than
  900 px, no tiny plot, no absolute path in an output. A cell opts out of the width or height rule
  with the tag ``scroll-wide-table`` or ``show-full-output``;
- the search page finds pages for a word of the book, and its results resolve;
- axe-core (web_assets/) finds no WCAG 2 A or AA violation (sub-path views: the root views show
  the same pages).

Besides: the HTML files load nothing from outside, hold no root-absolute URL and no image whose
alt text is empty or a file name (static_checks.py); and one page of the offline zip, unpacked,
opens through file:// with its math, images, bars and search. Screenshots of both widths go to
``_build/screenshots/<width>/<page>.jpg`` (JPEG: a third quicker to write than PNG for these
30,000 px pages), with ``report.json``.

Before the book, the check runs itself on a small site with planted defects (canary.py) and stops
if it misses any, so a green run means the checks really ran.

Exit status: 0 all pages pass; 1 some page fails (the list is printed); 2 the check could not
run (no built book, no Chromium, the browser died, the canary missed something).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import static_checks  # noqa: E402
from publish import chromium  # noqa: E402
from publish.chromium import SetupError  # noqa: E402

SUB_PATH = "/nn-regression/"  # where GitHub Pages serves a project named nn-regression
DESKTOP, PHONE = 1280, 390
SEARCH_QUERY = "tensor"
PAGE_TIMEOUT_MS = 60_000
DEADLINE_S = 600  # a hung browser fails the check instead of CI's whole run
MAX_SCREENSHOT_HEIGHT = 30_000  # px: the screenshot of a taller page shows its top 30,000 px
PAGE_CHECKS_JS = (HERE / "page_checks.js").read_text(encoding="utf-8")
AXE_JS = ROOT / "web_assets" / "browser-check" / "axe-core" / "axe.min.js"
AXE_RUN = """() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                                  resultTypes: ["violations"]})
  .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                         count: v.nodes.length, first: v.nodes[0].target.join(" ")})))"""
# jupyter-book 1.x writes sphinx-thebe's `const THEBE_JS_URL = ...` <script> twice into every page
# (harmless: thebe is off). Nothing else is forgiven.
KNOWN_THEME_JS_ERRORS = ["Identifier 'THEBE_JS_URL' has already been declared"]


@dataclass(frozen=True)
class View:
    """One way of looking at the site: where it is served and how wide the window is."""
    prefix: str
    width: int
    axe: bool = False
    screenshots: bool = False

    @property
    def phone(self) -> bool:
        return self.width < 768

    def __str__(self) -> str:
        return f"{self.width}px {self.prefix}"


VIEWS = [View(SUB_PATH, DESKTOP, axe=True, screenshots=True), View(SUB_PATH, PHONE, axe=True, screenshots=True),
         View("/", DESKTOP), View("/", PHONE)]


@dataclass
class Finding:
    page: str
    where: str  # a view ("1280px /nn-regression/"), "static" or "offline"
    text: str


@dataclass
class Visit:
    """One page in one view."""
    page: str
    failures: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    links: list[dict] = field(default_factory=list)
    download_links: list[str] = field(default_factory=list)
    redirect_to: str | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------
class _IdParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            _, _, url = (a.get("content") or "").partition(";")
            self.refresh = url.strip().removeprefix("url=").removeprefix("URL=").strip("'\"")


def _parse(path: Path) -> _IdParser:
    parser = _IdParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def meta_refresh_target(path: Path) -> str | None:
    """Where a redirect-only page (<meta http-equiv="refresh" content="0; url=...">) points."""
    return _parse(path).refresh


def html_ids(path: Path) -> set[str]:
    return _parse(path).ids


def resolve_link(href: str, site_url: str, html_dir: Path, ids_of) -> str | None:
    """Why a link into the book is broken, or None when it resolves (or leads elsewhere).

    href: the absolute URL the browser resolved; site_url: where the book is served
    ('http://127.0.0.1:PORT/nn-regression/'); ids_of(rel_path) -> the ids on that page."""
    parts, site = urlsplit(href), urlsplit(site_url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None  # another site (or data:, about:): not ours to check offline
    if not parts.path.startswith(site.path):
        return f"leads outside the book's folder {site.path}: {parts.path} (a root-absolute link?)"
    rel = unquote(parts.path[len(site.path):])
    root = html_dir.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        return f"points outside the book: {parts.path}"
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"missing page: {parts.path}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in ids_of(target.relative_to(root).as_posix()):
        return f"missing anchor: #{fragment} on {target.relative_to(root).as_posix()}"
    return None


def fetch_notebook(url: str) -> str | None:
    """Why the .ipynb at url is not served properly, or None."""
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except OSError as exc:
        return f"not served ({exc})"
    try:
        nb = json.loads(body)
    except ValueError:
        return "not JSON"
    if not isinstance(nb, dict) or "cells" not in nb or "nbformat" not in nb:
        return "not a notebook (no cells/nbformat)"
    return None


def notebook_source(html_dir: Path, page: str) -> str | None:
    """'_sources/chapters/01_tensors.ipynb' when the page was made from a notebook, else None."""
    src = html_dir / "_sources" / (page.removesuffix(".html") + ".ipynb")
    return src.relative_to(html_dir).as_posix() if src.is_file() else None


def screenshot_path(screens_dir: Path, page: str) -> Path:
    return screens_dir / (page.removesuffix(".html") + ".jpg")


# ---------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------
def network_problem(kind: str, url: str, site_url: str, status: int = 0, error: str = "") -> str | None:
    """A failure for one network event of a page, or None: a request that leaves the machine, a
    resource that answers >= 400 or fails (the favicon aside; cancelled requests aside)."""
    parts = urlsplit(url)
    if url.endswith("/favicon.ico"):
        return None
    if kind == "request":
        if parts.scheme in ("http", "https", "ws", "wss") and not chromium.is_loopback(parts.hostname):
            return f"requested outside the machine (blocked): {url}"
    elif kind == "response" and status >= 400:
        return f"resource answered HTTP {status}: {url.removeprefix(site_url)}"
    elif kind == "failed" and chromium.is_loopback(parts.hostname) and "ERR_ABORTED" not in error:
        return f"resource failed ({error}): {url.removeprefix(site_url)}"
    return None


def js_error_problem(message: str) -> str | None:
    if any(known in message for known in KNOWN_THEME_JS_ERRORS):
        return None
    return f"JavaScript error: {message.splitlines()[0] if message else '?'}"


def page_failures(data: dict, ready: dict) -> list[str]:
    """Failure lines from what page_ready.js and page_checks.js returned."""
    fails = []
    if ready["mathjax"] not in ("typeset", "none"):
        fails.append(f"math: MathJax did not finish: {ready['mathjax']}")
    fails += [f"{f['kind']}: {f['why']} (at {f['where']})" for f in data["failures"]]
    return fails


class Watcher:
    """Collects a page's network and JavaScript failures between two calls of take()."""

    def __init__(self, page, site_url: str):
        self.found: list[str] = []
        add = lambda p: p and self.found.append(p)  # noqa: E731
        page.on("request", lambda r: add(network_problem("request", r.url, site_url)))
        page.on("response", lambda r: add(network_problem("response", r.url, site_url, status=r.status)))
        page.on("requestfailed", lambda r: add(network_problem("failed", r.url, site_url, error=r.failure or "")))
        page.on("pageerror", lambda e: add(js_error_problem(str(e))))

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def look_at(page, url: str, view: View, screenshot: Path | None) -> tuple[list[str], dict]:
    """Load url, wait until it is as a reader sees it, run the checks, keep a screenshot."""
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    ready = page.evaluate(chromium.PAGE_READY_JS)
    data = page.evaluate(PAGE_CHECKS_JS, {"phone": view.phone})
    fails = page_failures(data, ready)
    if view.axe:
        page.add_script_tag(path=str(AXE_JS))
        for v in page.evaluate(AXE_RUN):
            fails.append(f"axe: {v['id']} ({v['impact']}): {v['help']}: {v['count']} element(s), first {v['first']}")
    if screenshot is not None:
        height = min(data["page_height"], MAX_SCREENSHOT_HEIGHT)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), type="jpeg", quality=80, full_page=True,
                        clip={"x": 0, "y": 0, "width": view.width, "height": height})
    return fails, data


def check_view(browser, site: Path, pages: list[str], view: View, screens: Path | None, deadline: float,
               log=print) -> list[Finding]:
    """Every page of the site in one view, then its links, downloads and search."""
    visits: list[Visit] = []
    started = time.monotonic()
    with chromium.serve(site, view.prefix) as site_url:
        context = browser.new_context(viewport={"width": view.width, "height": 900}, device_scale_factor=1)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        watcher = Watcher(page, site_url)
        for rel in pages:
            v = Visit(rel)
            visits.append(v)
            start = time.monotonic()
            redirect = meta_refresh_target(site / rel)
            if redirect is not None:  # the root index.html only forwards: check where it points
                v.redirect_to = redirect
                v.links = [{"href": urljoin(site_url + rel, redirect), "raw": redirect, "where": "meta refresh", "text": ""}]
                continue
            if time.monotonic() > deadline:
                v.failures.append("not checked: the check ran out of its time")
                continue
            shot = screenshot_path(screens / str(view.width), rel) if view.screenshots and screens else None
            try:
                fails, data = look_at(page, site_url + rel, view, shot)
            except PlaywrightError as exc:
                if not browser.is_connected():
                    raise SetupError(f"Chromium died on {rel} ({view}): {exc}") from exc
                fails, data = [f"browser error: {str(exc).splitlines()[0]}"], {}
            v.failures += fails + watcher.take()
            v.ids = set(data.get("ids", []))
            v.links = data.get("links", [])
            v.download_links = data.get("download_links", [])
            v.seconds = time.monotonic() - start
            log(f"  {'ok  ' if not v.failures else 'FAIL'} {rel}  ({view}, {v.seconds:.1f} s)", flush=True)
        if "search.html" in pages and time.monotonic() < deadline:
            search = next(v for v in visits if v.page == "search.html")
            search.failures += check_search(page, site_url, site) + watcher.take()
        context.close()
        _check_links_and_downloads(visits, site, site_url)
    log(f"  view {view}: {len(pages)} pages in {time.monotonic() - started:.0f} s", flush=True)
    return [Finding(v.page, str(view), f) for v in visits for f in dict.fromkeys(v.failures)]


def check_search(page, site_url: str, site: Path) -> list[str]:
    """The search page finds pages for a word of the book, and its result links resolve."""
    page.goto(f"{site_url}search.html?q={quote(SEARCH_QUERY)}")
    try:
        page.wait_for_function("() => (document.querySelector('#search-results .search-summary') || {}).textContent",
                               timeout=20_000)
    except PlaywrightError:
        return [f"search: searching for {SEARCH_QUERY!r} did not finish within 20 s"]
    hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map((a) => a.href)")
    if not hits:
        return [f"search: searching for {SEARCH_QUERY!r} found no page"]
    ids = lambda rel: html_ids(site / rel)  # noqa: E731
    return [f"search: result {h} is broken: {why}" for h in hits if (why := resolve_link(h, site_url, site, ids))]


def _check_links_and_downloads(visits: list[Visit], site: Path, site_url: str) -> None:
    by_page = {v.page: v for v in visits}
    cache: dict[str, set[str]] = {}

    def ids_of(rel: str) -> set[str]:
        if rel in by_page and by_page[rel].ids:
            return by_page[rel].ids
        if rel not in cache:
            cache[rel] = html_ids(site / rel)
        return cache[rel]

    fetched: dict[str, str | None] = {}
    for v in visits:
        for link in v.links:
            why = resolve_link(link["href"], site_url, site, ids_of)
            if why:
                v.failures.append(f"link: broken link {link['raw']!r} ({link['text']!r}, {link['where']}): {why}")
        notebooks = [u for u in v.download_links if urlsplit(u).path.endswith(".ipynb")]
        source = notebook_source(site, v.page)
        if source and not v.redirect_to and not notebooks and not any(f.startswith("not checked") for f in v.failures):
            v.failures.append(f"download: no download link to the notebook ({source}) on the page")
        for u in notebooks:
            if u not in fetched:
                fetched[u] = fetch_notebook(u)
            if fetched[u]:
                v.failures.append(f"download: notebook {u.removeprefix(site_url)}: {fetched[u]}")


def check_offline(browser, zip_path: Path) -> list[Finding]:
    """Unpack the offline copy and open its richest page (most progress bars, then images)
    through file://: math typeset, images loaded, bars drawn and full, nothing asked of a network;
    and its search page finds pages."""
    with tempfile.TemporaryDirectory(prefix="check-book-offline-") as tmp:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        roots = [p.parent for p in Path(tmp).glob("*/index.html")]
        if len(roots) != 1:
            return [Finding(zip_path.name, "offline", "the zip does not hold one folder with index.html in it")]
        root = roots[0]

        def richness(rel: str) -> tuple[int, int]:
            html = (root / rel).read_text(encoding="utf-8", errors="replace")
            return html.count("application/vnd.jupyter.widget-view+json"), html.count("<img")

        rel = max(static_checks.list_pages(root), key=richness)
        context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
        page = context.new_page()
        found = []
        page.on("request", lambda r: urlsplit(r.url).scheme not in ("file", "data", "blob")
                and found.append(f"asks the network for {r.url}: the offline copy must need none"))
        page.on("pageerror", lambda e: (p := js_error_problem(str(e))) and found.append(p))
        page.goto((root / rel).as_uri(), timeout=PAGE_TIMEOUT_MS)
        ready = page.evaluate(chromium.PAGE_READY_JS)
        data = page.evaluate(PAGE_CHECKS_JS, {"phone": False})
        shown = page.evaluate("""() => ({math: document.querySelectorAll("mjx-container").length,
            images: Array.from(document.images).filter((i) => i.naturalWidth > 0).length})""")
        fails = [f for f in page_failures(data, ready) if f.split(":")[0] in ("math", "image", "widget")] + found
        seen = len(found)
        # Sphinx's search lists its results from the index, then fetches each page for an excerpt:
        # a browser does not fetch from file://, so the excerpts (only they) are missing offline
        searched = check_search(page, root.as_uri() + "/", root) if (root / "search.html").is_file() else []
        searched += [f for f in found[seen:] if "Failed to fetch" not in f]
        context.close()
    if not shown["math"] or not shown["images"]:
        fails.append(f"opened from disk, {rel} shows {shown['math']} typeset formulas and {shown['images']} images")
    return [Finding(rel, "offline", f) for f in fails] + [Finding("search.html", "offline", f) for f in searched]


# ---------------------------------------------------------------------------------------------
# The whole check
# ---------------------------------------------------------------------------------------------
def check_site(site: Path, views: list[View], screens: Path | None, offline_zip: Path | None,
               deadline: float, chromium_path: str, log=print) -> list[Finding]:
    site = site.resolve()
    pages = static_checks.list_pages(site)
    if not pages:
        raise SetupError(f"no HTML pages under {site}: build the book first (make book)")
    if any(v.axe for v in views) and not AXE_JS.is_file():
        raise SetupError(f"{AXE_JS.relative_to(ROOT)} is missing: run `make venv` (web_assets/fetch.py fetches it)")
    if screens is not None:  # drop the previous run's pictures (only those)
        for old in [*screens.rglob("*.jpg"), *screens.rglob("*.png")] if screens.is_dir() else []:
            old.unlink()
    findings = [Finding(page, "static", p) for page, problems in static_checks.check_site(site).items()
                for p in problems]

    def run(task) -> list[Finding]:  # one view, or the offline copy, in a browser of its own
        with sync_playwright() as pw, chromium.launch(pw, chromium_path) as browser:
            if task == "offline":
                return check_offline(browser, offline_zip)
            return check_view(browser, site, pages, task, screens, deadline, log)

    # two at a time: the views wait on the browser most of the time, and CI has two cores
    # (Playwright wants one instance per thread: each task starts its own)
    tasks = [*views, *(["offline"] if offline_zip is not None else [])]
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for found in pool.map(run, tasks):
            findings += found
    return findings


def report(findings: list[Finding], n_pages: int, out=print) -> int:
    """Print the failures page by page, each with the views it occurred in; returns the number of
    pages that fail."""
    by_page: dict[str, dict[str, list[str]]] = {}
    for f in findings:
        by_page.setdefault(f.page, {}).setdefault(f.text, []).append(f.where)
    if by_page:
        out(f"\nFAILED: {len(by_page)} of {n_pages} pages have problems:")
    for page in sorted(by_page):
        out(f"  {page}")
        for text, wheres in by_page[page].items():
            out(f"    - [{', '.join(dict.fromkeys(wheres))}] {text}")
    return len(by_page)


def run_canary(chromium_path: str, deadline: float) -> None:
    """Run the check on a small site with planted defects; stop if any goes unreported."""
    import canary

    with tempfile.TemporaryDirectory(prefix="check-book-canary-") as tmp:
        site = Path(tmp) / "html"
        try:
            canary.write_site(site)
        except FileNotFoundError as exc:  # the widget manager is fetched at set-up
            raise SetupError(str(exc)) from None
        zipped = Path(tmp) / "canary.zip"
        canary.zip_site(site, zipped)
        findings = check_site(site, VIEWS, None, zipped, deadline, chromium_path, log=lambda *a, **k: None)
    missed = canary.missed(findings, [str(v) for v in VIEWS])
    if missed:
        raise SetupError("the check's own canary failed: it did not report\n  - " + "\n  - ".join(missed))
    print(f"canary: the check reports every planted defect ({len(canary.EXPECTED)} kinds, "
          f"{len(findings)} findings) and nothing on the clean page", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    ap.add_argument("--offline", type=Path, default=None, help="the offline zip to open from disk")
    ap.add_argument("--screenshots", type=Path, default=None,
                    help="where to save the screenshots (default: <html_dir>/../screenshots)")
    ap.add_argument("--no-canary", action="store_true", help="skip the self-check on planted defects")
    args = ap.parse_args(argv)
    start = time.monotonic()
    screens = args.screenshots or args.html_dir.resolve().parent / "screenshots"
    try:
        if not static_checks.list_pages(args.html_dir):
            raise SetupError(f"{args.html_dir} holds no built book: run `make book` first")
        if args.offline is not None and not args.offline.is_file():
            raise SetupError(f"{args.offline} is missing: `make book` writes it")
        binary = chromium.ensure_chromium()
        deadline = time.monotonic() + DEADLINE_S  # once Chromium is there (apt-get takes a minute)
        print(f"check-book: {binary}, headless, loopback only; views: {', '.join(map(str, VIEWS))}", flush=True)
        if not args.no_canary:
            run_canary(binary, deadline)
        findings = check_site(args.html_dir, VIEWS, screens, args.offline, deadline, binary)
    except SetupError as exc:
        print(f"check-book: cannot run: {exc}", file=sys.stderr)
        return 2
    n_pages = len(static_checks.list_pages(args.html_dir))
    screens.mkdir(parents=True, exist_ok=True)
    (screens / "report.json").write_text(json.dumps([f.__dict__ for f in findings], indent=1))
    n_bad = report(findings, n_pages)
    print(f"\ncheck-book: {n_pages} pages in {len(VIEWS)} views{', and offline' if args.offline else ''}: "
          f"{n_pages - n_bad} passed, {n_bad} failed in {time.monotonic() - start:.0f} s; screenshots in {screens}")
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
