"""Command line of the student edition (see README.md, "The student edition").

    python -m student_edition build OUT    write the student edition into OUT, then check it
    python -m student_edition check DIR    check that no solution text is in DIR (e.g. the HTML)

Both read the solutions from the book at ``--source`` (default: the current folder). Exit status
1 and a message naming the file when a solution survives or the markup is wrong.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from student_edition import generate, leaks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m student_edition", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--source", type=Path, default=Path("."), help="the book's repository")
    args = parser.parse_args(argv)
    if not args.folder.is_dir() and args.command == "check":
        print(f"{args.folder} is not a folder: build it first (make student, make student-book).")
        return 1
    try:
        if args.command == "build":
            written = generate.build(args.source, args.folder)
            tasks = ", ".join(f"{path.stem} {n}" for path, n in written.items() if n)
            print(f"student edition: {len(written)} notebooks in {args.folder}; tasks: {tasks or 'none'}")
        problems = leaks.check_folder(args.source, args.folder)
    except generate.StudentEditionError as err:
        print(f"student edition: {err}")
        return 1
    if problems:
        print("Solution text survives in the student edition:\n  - " + "\n  - ".join(problems))
        return 1
    print(f"no solution text in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
