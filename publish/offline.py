#!/usr/bin/env python3
"""Zip the built book into an offline copy that opens from disk, with no server.

    python publish/offline.py _build/html _build/nn-regression-offline.zip     (run by `make book`)

The zip holds one folder, nn-regression/; a reader unzips it and opens nn-regression/index.html.
Nothing in the built book needs a server or a network: MathJax, the widget manager that draws the
progress bars, the fonts and the search index are all files of the book, loaded by relative URLs
(tests/browser/check_book.py opens a page of the unpacked zip through file:// to prove it).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

FOLDER = "nn-regression"
SKIP = {".buildinfo"}  # Sphinx's rebuild bookkeeping: of no use to a reader


def write_zip(html_dir: Path, zip_path: Path) -> int:
    """Write the zip (files in sorted order, so that two builds give the same listing); returns
    the number of files."""
    files = sorted(p for p in html_dir.rglob("*") if p.is_file() and p.name not in SKIP)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in files:
            zf.write(path, f"{FOLDER}/{path.relative_to(html_dir).as_posix()}")
    tmp.replace(zip_path)
    return len(files)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    html_dir, zip_path = Path(argv[0]), Path(argv[1])
    if not (html_dir / "index.html").is_file():
        print(f"offline: {html_dir} holds no built book (no index.html): run `make book`", file=sys.stderr)
        return 2
    n = write_zip(html_dir, zip_path)
    print(f"The offline copy: {zip_path} ({n} files, {zip_path.stat().st_size / 2**20:.1f} MiB); "
          f"unzip it and open {FOLDER}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
