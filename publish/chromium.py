"""Debian's Chromium, driven by Playwright, with no network beyond this machine; and a loopback
web server for a built site, at the root or under a sub-path as GitHub Pages serves a project.

Used by the PDF printer (publish/pdf.py) and by the browser check (tests/browser/check_book.py).
No browser is downloaded: Playwright starts the Chromium of Debian's `chromium` package
(`executable_path`), or the one named by the CHROMIUM environment variable.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Playwright

HERE = Path(__file__).resolve().parent
# Waits until a page shows what a reader sees: math typeset, images loaded, widgets drawn.
PAGE_READY_JS = (HERE / "page_ready.js").read_text(encoding="utf-8")

DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"  # the binary behind Debian's /usr/bin/chromium wrapper
APT_PACKAGES = ["chromium", "fonts-liberation", "fonts-dejavu-core"]
INSTALL_HINT = (
    "Install Debian's Chromium and fonts:  sudo apt-get install -y --no-install-recommends "
    + " ".join(APT_PACKAGES)
    + "\n(or point the CHROMIUM environment variable at a Chromium/Chrome binary you have). "
    "Do not use a browser downloaded by a tool such as `playwright install`."
)


class SetupError(RuntimeError):
    """Chromium or the site cannot be had: nothing was checked or printed."""


def find_chromium() -> str | None:
    """$CHROMIUM, else Debian's real binary (its /usr/bin/chromium is a wrapper script that adds
    extension flags), else whatever `chromium` is on the PATH; None when there is none."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


_INSTALLING = threading.Lock()
# apt-get waits this long for another apt-get or dpkg to finish, instead of failing at once
APT_GET = ["apt-get", "-q", "-o", "DPkg::Lock::Timeout=600"]


def ensure_chromium() -> str:
    """The Chromium binary; as root with apt-get (CI on a fresh machine), Debian's package is
    installed first, once: publish/pdf.py starts two browsers at once, in two threads."""
    path = find_chromium()
    if path:
        return path
    with _INSTALLING:
        path = find_chromium()  # the other thread may have installed it meanwhile
        if path:
            return path
        if not (shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
            raise SetupError("chromium is not installed (and this is not root with apt-get).\n" + INSTALL_HINT)
        print("chromium is not installed: installing Debian's package with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*APT_GET, "update"], env=env, check=False, stdout=subprocess.DEVNULL)
        done = subprocess.run([*APT_GET, "install", "-y", "--no-install-recommends", *APT_PACKAGES],
                              env=env, check=False, stdout=subprocess.DEVNULL)
        path = find_chromium()
        if done.returncode == 0 and path:
            return path
        raise SetupError("apt-get could not install chromium.\n" + INSTALL_HINT)


def loopback_only_args(dead_proxy_port: int) -> list[str]:
    """Chromium flags that keep it on this machine: every host name but the loopback ones fails
    to resolve, and any request to a non-loopback address goes to a closed local port posing as a
    proxy (Chromium never proxies loopback). Playwright's own defaults already switch off most
    background traffic; these catch what is left (update and account services at start-up)."""
    return [
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        f"--proxy-server=http://127.0.0.1:{dead_proxy_port}",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--no-pings",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
        "CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying",
    ]


@contextlib.contextmanager
def launch(playwright: Playwright, chromium: str | None = None) -> Iterator[Browser]:
    """Headless Chromium (Debian's, never a downloaded one), loopback only."""
    binary = chromium or ensure_chromium()
    dead = socket.socket()  # bound, never listening: the 'proxy' for everything off this machine
    dead.bind(("127.0.0.1", 0))
    try:
        browser = playwright.chromium.launch(executable_path=binary, headless=True,
                                             args=loopback_only_args(dead.getsockname()[1]))
    except Exception as exc:  # Playwright raises its own Error with Chromium's output in it
        dead.close()
        raise SetupError(f"Chromium ({binary}) did not start: {exc}") from exc
    try:
        yield browser
    finally:
        with contextlib.suppress(Exception):
            browser.close()
        dead.close()


def is_loopback(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1", "[::1]")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's folder under `prefix` ('/' or '/nn-regression/') and nothing else: a
    root-absolute link under a sub-path then gets a 404, as it would on GitHub Pages."""

    prefix = "/"
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ipynb": "application/x-ipynb+json",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".svg": "image/svg+xml",
    }

    def send_head(self):
        if not self.path.startswith(self.prefix):
            self.send_error(404, f"outside {self.prefix}")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args):  # keep the report readable
        pass


@contextlib.contextmanager
def serve(site_dir: Path, prefix: str = "/") -> Iterator[str]:
    """Serve site_dir on 127.0.0.1 under prefix; yields the site's URL, ending in '/'."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix must start and end with '/': {prefix!r}")
    handler = functools.partial(type("Handler", (_SiteHandler,), {"prefix": prefix}), directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
