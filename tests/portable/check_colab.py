#!/usr/bin/env python3
"""The Colab copies, run as Colab would run them, in a Colab-like venv, offline.

    python tests/portable/check_colab.py [--chapters NB ...]

The venv mimics Colab's runtime as the issue describes it: PyTorch, NumPy, pandas, matplotlib,
scikit-learn, tqdm and ipywidgets at Colab's versions (COLAB below), an IPython kernel, and not
the book's helper package, nor numpyarray-to-latex or torchsummary. Each Colab copy (`make
colab`'s notebooks, built here into a temporary folder) is put alone into a fresh empty folder,
as Colab opens a notebook from GitHub, and run top to bottom with no network: its first cell must
install what is missing from a local copy of the colab branch (NNREG_SOURCE, with pip pointed at
a small wheelhouse), and every cell must run. Between chapters what the install cell added is
removed again (a new Colab runtime). At the end the venv's torch and NumPy must be the ones it
started with. Chapter 6 runs with 2 epochs per network.

What cannot be tested here: Colab itself (its GPU, its Python 3.12 and CUDA build of PyTorch:
this machine has a CPU build of torch for Python 3.11 only, so the mimic uses those), and whether
Colab's Markdown renderer shows `<details>` folded.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from course_edition import colab  # noqa: E402
from tests.portable.check_course import offline  # noqa: E402

# Colab's runtime (the packages the issue names, at the versions of Colab's image of 2025), with
# the torch of this machine's wheel cache; nbclient only drives the kernel from outside
COLAB = ["torch==2.13.0", "numpy==2.0.2", "pandas==2.2.2", "matplotlib==3.10.0", "scikit-learn==1.6.1",
         "tqdm==4.67.1", "ipywidgets==7.7.1", "ipykernel==6.17.1", "nbclient"]
ADDED = ["nnreg", "numpyarray-to-latex", "torchsummary"]  # what a Colab copy installs


def versions(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import torch, numpy; print(torch.__version__, numpy.__version__)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", nargs="*", default=[], help="only these (file names)")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colab-") as tmp:
        tmp = Path(tmp)
        branch = colab.build(ROOT, tmp / "branch", source_url="(set by NNREG_SOURCE)")
        env_dir, wheels = tmp / "colab-venv", tmp / "wheels"
        subprocess.run([args.python, "-m", "venv", str(env_dir)], check=True)
        python = env_dir / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *COLAB],
                       check=True)
        subprocess.run([str(python), "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "-w", str(wheels), *colab.PINS, "setuptools>=68", "wheel"], check=True)
        before = versions(python)
        print(f"Colab-like venv ready: torch, numpy = {before}; {time.perf_counter() - start:.0f} s", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "NNREG_", "PYTHONPATH"))}
        env.update(NNREG_SOURCE=str(branch), NNREG_NUM_EPOCHS="2", PIP_NO_INDEX="1",
                   PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")
        runner = ("import sys, nbformat\nfrom nbclient import NotebookClient\n"
                  "nb = nbformat.read(sys.argv[1], as_version=4)\n"
                  "NotebookClient(nb, timeout=1800, kernel_name='python3',\n"
                  "               resources={'metadata': {'path': sys.argv[2]}}).execute()\n")
        names = args.chapters or sorted(p.name for p in (branch / "chapters").glob("*.ipynb"))
        failed = []
        for name in names:
            content = tmp / "content"  # Colab's working folder, empty but for the notebook
            shutil.rmtree(content, ignore_errors=True)
            content.mkdir()
            shutil.copy2(branch / "chapters" / name, content / name)
            subprocess.run([str(python), "-m", "pip", "uninstall", "--quiet", "-y", *ADDED],
                           capture_output=True)
            step = time.perf_counter()
            result = subprocess.run(offline([str(python), "-c", runner, str(content / name), str(content)]),
                                    env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - step
            if result.returncode == 0:
                print(f"ran     {name} ({seconds:.0f} s)", flush=True)
            else:
                failed.append(name)
                print(f"FAILED  {name} ({seconds:.0f} s)\n" + "\n".join(result.stderr.splitlines()[-20:]), flush=True)
        after = versions(python)
        if after != before:
            print(f"the Colab copies changed the runtime's torch or NumPy: {before} -> {after}")
            failed.append("torch/numpy replaced")
        print(f"{len(names) - len(failed)} ran, {len(failed)} failed; {time.perf_counter() - start:.0f} s")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
