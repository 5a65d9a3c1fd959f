"""Command line of the runnable course (see the package docstring)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_edition import bundle, colab


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_edition", description=__doc__)
    parser.add_argument("command", choices=["build", "colab", "zip"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, default=Path("."), help="the book's repository")
    parser.add_argument("--zip", type=Path, help="build: also zip the course here")
    parser.add_argument("--student", type=Path, help="colab: the student edition's folder")
    parser.add_argument("--install-from", help="colab: where the copies install nnreg from "
                        "(default: the colab branch of the repository named in _config.yml)")
    parser.add_argument("--folder", type=Path, help="zip: the folder to zip into OUT")
    parser.add_argument("--name", help="zip: the name of the folder inside the zip")
    args = parser.parse_args(argv)
    if args.command == "zip":
        bundle.zip_folder(args.folder, args.out, args.name)
        return 0
    if args.command == "build":
        folder = bundle.build(args.source, args.out, args.zip)
        print(f"runnable course: {folder}" + (f", zipped into {args.zip}" if args.zip else ""))
        return 0
    source_url = args.install_from or colab.published_source(args.source / "_config.yml")
    if not source_url:
        print("colab: the Colab copies install nnreg from the repository's colab branch, and "
              "_config.yml names no repository: set repository: url (e.g. "
              "https://github.com/<user>/<repository>), or give --install-from URL.")
        return 1
    out = colab.build(args.source, args.out, source_url, args.student)
    print(f"Colab copies: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
