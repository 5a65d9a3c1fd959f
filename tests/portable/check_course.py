#!/usr/bin/env python3
"""The runnable course, as a reader gets it: from the built site, far from the repository, offline.

    python tests/portable/check_course.py _build/html/nn-regression-course.zip [--chapters NB ...]

1. a wheelhouse of the course's requirements (`pip wheel`: the one step that uses the network,
   as a reader's machine would; skipped when WHEELHOUSE names a filled folder);
2. the zip unzipped into an empty temporary folder outside the repository;
3. its README's install command, `python course.py install`, run there with no network (a new
   network namespace) and pip pointed at the wheelhouse (PIP_NO_INDEX, PIP_FIND_LINKS);
4. `python course.py check`: every chapter top to bottom (chapter 6 with 2 epochs per network),
   also with no network; then the venv's size.
Exit status 0 when every chapter ran. Linux only (it uses `unshare -n`, which needs root or user
namespaces).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def offline(command: list[str]) -> list[str]:
    """The command in a new network namespace with only loopback (kernels talk over loopback)."""
    inner = "ip link set lo up 2>/dev/null || true; exec \"$@\""
    as_root = os.geteuid() == 0
    return ["unshare", *([] if as_root else ["-r"]), "-n", "sh", "-c", inner, "sh", *command]


def wheelhouse(requirements: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.glob("*.whl")):
        return
    lines = [line for line in requirements.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#") and line.strip() != "."]
    listed = folder / "requirements.txt"
    listed.write_text("\n".join(lines + ["setuptools>=68", "wheel"]) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                    "-r", str(listed), "-w", str(folder)], check=True)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("zip", type=Path)
    parser.add_argument("--chapters", nargs="*", default=[], help="only these (file names)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter a reader would use")
    args = parser.parse_args()
    if not args.zip.is_file():
        print(f"{args.zip} not found: build the book first (make book).")
        return 1
    start = time.perf_counter()
    houses = Path(os.environ.get("WHEELHOUSE") or ROOT / "_build" / "course-wheelhouse")
    with zipfile.ZipFile(args.zip) as archive:
        requirements = archive.read("nn-regression-course/requirements.txt").decode("utf-8")
    (houses.parent).mkdir(parents=True, exist_ok=True)
    req_file = houses.parent / "course-requirements.txt"
    req_file.write_text(requirements, encoding="utf-8")
    wheelhouse(req_file, houses)
    print(f"wheelhouse: {houses} ({folder_size(houses) / 1e6:.0f} MB), {time.perf_counter() - start:.0f} s",
          flush=True)

    with tempfile.TemporaryDirectory(prefix="course-") as tmp:
        with zipfile.ZipFile(args.zip) as archive:
            archive.extractall(tmp)
        course = Path(tmp) / "nn-regression-course"
        assert ROOT not in course.parents
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "NNREG_", "VIRTUAL_ENV"))}
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(houses), PIP_DISABLE_PIP_VERSION_CHECK="1",
                   PYTHONPATH="")
        step = time.perf_counter()
        installed = subprocess.run(offline([args.python, "course.py", "install"]), cwd=course, env=env)
        print(f"install: exit {installed.returncode}, {time.perf_counter() - step:.0f} s", flush=True)
        if installed.returncode:
            return 1
        venv_size = folder_size(course / ".venv")
        step = time.perf_counter()
        chapters = [str(course / "chapters" / name) for name in args.chapters]
        ran = subprocess.run(offline([args.python, "course.py", "check", *chapters]), cwd=course, env=env)
        print(f"check: exit {ran.returncode}, {time.perf_counter() - step:.0f} s", flush=True)
        print(f"the course's venv: {venv_size / 1e9:.2f} GB; all {time.perf_counter() - start:.0f} s")
        shutil.rmtree(course / ".venv", ignore_errors=True)
        return ran.returncode


if __name__ == "__main__":
    sys.exit(main())
