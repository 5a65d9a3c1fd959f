"""The runnable course: the chapters, the helper package and a lean install, in one folder and zip.

``build(root, out)`` writes ``out/nn-regression-course/`` from the book at ``root``:

- ``chapters/``: the notebooks as the book stores them (executed, outputs and all), and the
  book's other pages there;
- ``nnreg/`` and ``pyproject.toml``: the helper package, installed by ``requirements.txt``;
- ``requirements.txt``: the book's ``requirements-course.txt``, only what running needs;
- ``course.py`` (install, lab, check), ``jupyterlab_overrides.json`` (no news or update prompts),
  ``README.md`` (this package's ``handout_README.md``) and ``data/README.md``.

and, with ``zip_path``, zips that folder (the site offers it, ``make book``). The student edition
hands out the same ``requirements.txt``, ``course.py`` and settings (``student_edition``).
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "nn-regression-course"
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")

# what running a chapter needs besides the chapters: (source in the book, place in the folder)
RUN_FILES = [
    ("nnreg", "nnreg"),
    ("pyproject.toml", "pyproject.toml"),
    ("requirements-course.txt", "requirements.txt"),
    ("data/README.md", "data/README.md"),
    ("course_edition/course.py", "course.py"),
    ("course_edition/jupyterlab_overrides.json", "jupyterlab_overrides.json"),
]


def copy_run_files(root: Path, folder: Path) -> None:
    """Put what the chapters need to run into ``folder`` (the course, the student edition)."""
    for source, target in RUN_FILES:
        src, dst = root / source, folder / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=COPY_IGNORE, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def zip_folder(folder: Path, zip_path: Path, name: str | None = None) -> Path:
    """``folder`` as a zip holding one top-level folder (``name``, else the folder's own name)."""
    folder, zip_path = Path(folder), Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not set(path.relative_to(folder).parts) & {"__pycache__", ".ipynb_checkpoints"}:
                archive.write(path, Path(name or folder.name, path.relative_to(folder)).as_posix())
    return zip_path


def build(root: Path, out: Path, zip_path: Path | None = None) -> Path:
    """Write the runnable course of the book at ``root`` into ``out/nn-regression-course``."""
    root, folder = Path(root).resolve(), Path(out).resolve() / NAME
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(root / "chapters", folder / "chapters", ignore=COPY_IGNORE)
    copy_run_files(root, folder)
    shutil.copy2(HERE / "handout_README.md", folder / "README.md")
    if zip_path is not None:
        zip_folder(folder, Path(zip_path))
    return folder
