#!/usr/bin/env python3
"""What a student sees in JupyterLab: the book's MyST rendered, no news prompt.

    python tests/browser/check_lab.py            (make check-lab)

Opens chapter 3 of the book and of the student edition (which a student works in) in a real
JupyterLab of the book's venv (its settings as `make lab` and `course.py` leave them), in
Debian's Chromium, and reads the rendered Markdown cells, not their source: no MyST markup may
show as text (a colon fence, a role, an option line), every exercise of the chapter must show as
an exercise box, a solution's text must stay folded, and JupyterLab must not greet the student
with its "official Jupyter news" prompt. First the same check runs on a JupyterLab with the MyST
extension and the settings override switched off (the canary): it must find the raw markup and
the prompt, or the check proves nothing. Loopback only.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from publish import chromium  # noqa: E402
from student_edition import generate  # noqa: E402

CHAPTER = ROOT / "chapters" / "03_backprop_exercise.ipynb"
RAW_MARKUP = re.compile(r"^:{3,}\{?[\w-]*\}?|\{(ref|numref|doc|eq)\}`|^:(label|class):", re.M)
NEWS = "official Jupyter news"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_lab(folder: Path, plain: bool) -> tuple[subprocess.Popen, str]:
    """JupyterLab on ``folder``; ``plain``: without jupyterlab-myst and without the overrides."""
    port, token = _free_port(), "check-lab"
    settings = folder / ".user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # draw every cell, not only those in view, so that the whole chapter can be read
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(folder / ".user-settings")}
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    if plain:
        config = folder / ".jupyter-config" / "labconfig"
        config.mkdir(parents=True)
        (config / "page_config.json").write_text(json.dumps({"disabledExtensions": {"jupyterlab-myst": True}}),
                                                 encoding="utf-8")
        env["JUPYTER_CONFIG_DIR"] = str(folder / ".jupyter-config")
        app_settings = folder / ".app-settings"
        app_settings.mkdir()
        args.append(f"--LabApp.app_settings_dir={app_settings}")  # no overrides.json there
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"{url}/lab/workspaces/check/tree/{{}}?token={token}&reset"
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("JupyterLab did not start within a minute")


def _exercises(nb) -> int:
    return sum(len(re.findall(r"^:{3,}\{exercise\}", c.source, re.M)) for c in nb.cells if c.cell_type == "markdown")


def problems_seen(page, url: str, name: str, nb) -> list[str]:
    page.goto(url.format(name))
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell", timeout=90_000)
    time.sleep(6)  # the markdown renderer and the news toast come a little after the cells
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    rendered = "\n".join(panel.locator(".jp-MarkdownCell").all_inner_texts())
    found = []
    raw = RAW_MARKUP.search(rendered)
    if raw:
        found.append(f"{name}: MyST markup shows as text: {raw.group(0)!r}")
    shown = len(re.findall(r"^Exercise\s\d+", rendered, re.M))
    if shown < _exercises(nb):
        found.append(f"{name}: {shown} exercise boxes rendered, the chapter has {_exercises(nb)}")
    for cell in nb.cells:
        for block in re.findall(r"^:{3,}\{solution\}[^\n]*\n(?::[^\n]*\n)*\s*([^\n]{30,})", cell.source, re.M):
            if block.strip()[:30] in rendered:
                found.append(f"{name}: a solution is shown unfolded: {block.strip()[:40]!r}")
                break
    if NEWS in page.inner_text("body"):
        found.append(f"{name}: JupyterLab asks about '{NEWS}'")
    return found


def check(plain: bool) -> list[str]:
    book = nbformat.read(CHAPTER, as_version=4)
    student = generate.student_notebook(book, CHAPTER.name)
    found = []
    with tempfile.TemporaryDirectory(prefix="check-lab-") as tmp:
        folder = Path(tmp)
        nbformat.write(book, folder / "book.ipynb")
        nbformat.write(student, folder / "student.ipynb")
        process, url = _start_lab(folder, plain)
        try:
            with sync_playwright() as playwright, chromium.launch(playwright) as browser:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                for name, nb in (("book.ipynb", book), ("student.ipynb", student)):
                    found += problems_seen(page, url, name, nb)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return found


def main() -> int:
    start = time.perf_counter()
    canary = check(plain=True)
    kinds = {"markup": any("markup" in p for p in canary), "news": any(NEWS in p for p in canary)}
    if not all(kinds.values()):
        print(f"check-lab: the canary (no MyST extension, no settings) went unnoticed: {kinds}; {canary}")
        return 1
    found = check(plain=False)
    for problem in found:
        print(f"check-lab: {problem}")
    print(f"check-lab: {'FAILED' if found else 'passed'} (canary caught {len(canary)} problems); "
          f"{time.perf_counter() - start:.0f} s")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
