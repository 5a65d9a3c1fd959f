#!/usr/bin/env python3
"""Set up and run the chapters of *Neural Networks for Regression*, on Linux, macOS or Windows.

    python course.py install          make .venv in this folder and install requirements.txt into it
    python course.py lab              open the chapters in JupyterLab
    python course.py check [NB ...]   run chapters top to bottom and say which ran (all by default)

Needs only Python 3.11 or newer (on Windows, ``py course.py ...`` if ``python`` is not found).
``install`` takes a few minutes the first time (PyTorch is the largest part) and may be run again;
pip's own settings apply (``PIP_INDEX_URL``, or ``PIP_NO_INDEX=1`` with ``PIP_FIND_LINKS=folder``
for an offline wheelhouse). It also turns off JupyterLab's news and update prompts, which would
ask about and contact the network. ``check`` runs chapter 6 with 2 epochs per network
(``NNREG_NUM_EPOCHS``) unless told otherwise: a quick test that everything works.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
CHAPTERS = HERE / "chapters"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(command: list, **kwargs) -> int:
    print("$", " ".join(str(c) for c in command), flush=True)
    return subprocess.call([str(c) for c in command], **kwargs)


def install() -> int:
    if sys.version_info < (3, 11):
        print(f"This course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
        return 1
    if not venv_python().exists():
        print(f"Making the virtual environment {VENV.name} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    status = _run([venv_python(), "-m", "pip", "install", "--disable-pip-version-check",
                   "-r", "requirements.txt"], cwd=HERE)
    if status:
        print("The installation failed; pip's message is above.")
        return status
    settings = VENV / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    overrides = (HERE / "jupyterlab_overrides.json").read_text(encoding="utf-8")
    (settings / "overrides.json").write_text(overrides, encoding="utf-8")
    print("\nInstalled. Open the chapters with:  python course.py lab")
    return 0


def _installed() -> bool:
    if venv_python().exists():
        return True
    print(f"No {VENV.name} here yet: run  python course.py install  first.")
    return False


def lab(args: list[str]) -> int:
    if not _installed():
        return 1
    as_root = [] if os.name == "nt" or os.geteuid() != 0 else ["--allow-root"]
    return _run([venv_python(), "-m", "jupyterlab", *as_root, *args], cwd=CHAPTERS)


def check(notebooks: list[str]) -> int:
    """Run each chapter top to bottom in a fresh kernel; print one line per chapter."""
    if not _installed():
        return 1
    paths = [Path(n).resolve() for n in notebooks] or sorted(CHAPTERS.glob("*.ipynb"))
    env = {**os.environ, "NNREG_NUM_EPOCHS": os.environ.get("NNREG_NUM_EPOCHS", "2"),
           "PYTHONIOENCODING": "utf-8"}
    script = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "path = sys.argv[1]\n"
        "nb = nbformat.read(path, as_version=4)\n"
        "from pathlib import Path\n"
        "NotebookClient(nb, timeout=1800, kernel_name='python3',\n"
        "               resources={'metadata': {'path': str(Path(path).parent)}}).execute()\n"
    )
    failed = []
    for path in paths:
        start = time.perf_counter()
        result = subprocess.run([str(venv_python()), "-c", script, str(path)], env=env, cwd=path.parent,
                                capture_output=True, text=True, encoding="utf-8", errors="replace")
        seconds = time.perf_counter() - start
        if result.returncode == 0:
            print(f"ran     {path.name} ({seconds:.0f} s)", flush=True)
        else:
            failed.append(path.name)
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
            print(f"FAILED  {path.name} ({seconds:.0f} s)\n{tail}\n", flush=True)
    print(f"{len(paths) - len(failed)} ran, {len(failed)} failed")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"install", "lab", "check"}:
        print(__doc__)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    command, rest = argv[0], argv[1:]
    if command == "install":
        return install()
    if command == "lab":
        return lab(rest)
    return check(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
