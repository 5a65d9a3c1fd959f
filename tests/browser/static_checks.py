"""Checks of the built HTML files themselves, no browser: what every page loads stays inside the
book, no URL is root-absolute, every image has an alt text that says something.

- No script, stylesheet, font, icon or image that a page loads points outside the book: `<script
  src>`, `<link rel=stylesheet|preload|icon...>`, `<img src>`, and inside every stylesheet a page
  loads (and its `@import`s, and `<style>` blocks) each `@import` and `url()`. What a script holds
  as a string is not a load: `_static/widgets/embed.js` names a CDN as its fallback for widget
  modules it does not bundle, and the browser check sees any request that would really leave.
- No `href="/..."`, `src="/..."` or CSS `url(/...)`: GitHub Pages serves a project under
  `/<repo>/`, where such a URL leaves the book.
- No `<img>` whose alt text is missing, empty, or a file name (`../_images/1e00....png`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# <link rel=...> values that make the browser fetch the target (canonical, next, search... do not)
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "apple-touch-icon", "manifest"}
IMAGE_FILE = re.compile(r"(^|/)[^/\s]+\.(png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.IGNORECASE)
CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+?)['"]?\s*\)""", re.IGNORECASE)


def list_pages(site: Path) -> list[str]:
    """Every HTML page of the site relative to it ('chapters/01_tensors.html'), leaving out
    Sphinx's asset folders (_static, _sources, _images, ...)."""
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site)
        if not any(part.startswith(("_", ".")) for part in rel.parts):
            pages.append(rel.as_posix())
    return sorted(pages)


def is_outside(url: str) -> bool:
    """True for a URL that leaves the site: another scheme+host, or protocol-relative."""
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme in ("http", "https", "ws", "wss", "ftp")


def is_root_absolute(url: str) -> bool:
    url = url.strip()
    return url.startswith("/") and not url.startswith("//")


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []  # (what, url) the browser fetches
        self.urls: list[tuple[str, str]] = []  # (attribute, url): every href/src, for the root-absolute rule
        self.images: list[dict] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        for name in ("href", "src"):
            if name in a:
                self.urls.append((f"<{tag} {name}>", a[name]))
        if tag == "script" and a.get("src"):
            self.loads.append(("script", a["src"]))
        elif tag == "link" and a.get("href") and LOADING_RELS & set(a.get("rel", "").lower().split()):
            self.loads.append((f"<link rel={a['rel']}>", a["href"]))
        elif tag in ("img", "iframe", "embed", "source", "video", "audio") and a.get("src"):
            self.loads.append((tag, a["src"]))
        if tag == "img":
            self.images.append({"src": a.get("src", ""), "alt": a.get("alt")})
        if "style" in a:
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def css_urls(css: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in CSS_URL.finditer(css) if not (m.group(2) or "").startswith("data:")]


def alt_problem(img: dict) -> str | None:
    alt = img["alt"]
    if alt is None:
        return "has no alt text"
    if not alt.strip():
        return "has an empty alt text"
    name = Path(urlsplit(img["src"]).path).name
    if IMAGE_FILE.search(alt.strip()) or (name and alt.strip() == name):
        return f"has a file name as alt text ({alt.strip()[:60]!r}): say what the image shows"
    return None


def check_page(site: Path, page: str, css_cache: dict[str, list[str]]) -> list[str]:
    """The problems of one page (and of the stylesheets it loads)."""
    parser = _PageParser()
    parser.feed((site / page).read_text(encoding="utf-8", errors="replace"))
    problems = []
    for attr, url in parser.urls:
        if is_root_absolute(url):
            problems.append(f"root-absolute URL {attr}={url!r}: it leaves the book when the site is served under a sub-path")
    for what, url in parser.loads:
        if is_outside(url):
            problems.append(f"loads a {what} from outside the book: {url}")
    for img in parser.images:
        why = alt_problem(img)
        if why:
            problems.append(f"image {img['src'][:80]!r} {why}")
    base = f"http://site.invalid/{page}"  # resolves relative URLs; never fetched
    for css in parser.styles:
        problems += [p + " (in an inline style)" for p in _css_problems(css_urls(css))]
    for what, url in parser.loads:
        if what.startswith("<link") and "stylesheet" in what and not is_outside(url) and not is_root_absolute(url):
            problems += _stylesheet_problems(site, urljoin(base, url), css_cache)
    return problems


def _css_problems(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        if is_outside(url):
            out.append(f"a stylesheet loads from outside the book: {url}")
        elif is_root_absolute(url):
            out.append(f"a stylesheet uses the root-absolute url({url}): it leaves the book under a sub-path")
    return out


def _stylesheet_problems(site: Path, url: str, cache: dict[str, list[str]], depth: int = 0) -> list[str]:
    """Problems of one of the site's stylesheets and of those it @imports (each file once)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if path in cache:
        return cache[path]
    cache[path] = []  # an @import cycle stops here
    file = site / path
    if not file.is_file() or depth > 10:
        return []  # a missing file is the browser check's failure (HTTP 404), with its page
    css = file.read_text(encoding="utf-8", errors="replace")
    found = [f"{p} ({path})" for p in _css_problems(css_urls(css))]
    for m in re.finditer(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", css, re.IGNORECASE):
        target = m.group(1)
        if not is_outside(target) and not is_root_absolute(target):
            found += _stylesheet_problems(site, urljoin(url, target), cache, depth + 1)
    cache[path] = found
    return found


def check_site(site: Path) -> dict[str, list[str]]:
    """{page: problems} for every page that has any."""
    cache: dict[str, list[str]] = {}
    results = {}
    for page in list_pages(site):
        problems = list(dict.fromkeys(check_page(site, page, cache)))
        if problems:
            results[page] = problems
    return results
