#!/usr/bin/env python3
"""Create the book's virtual environment; `make` calls this before pip installs into it.

    python tools/make_venv.py VENV                 a plain venv (make then installs the pinned torch)
    python tools/make_venv.py VENV --system-torch  a venv that uses this interpreter's own torch

Run it with the interpreter whose torch is meant (make passes $(PYTHON)). With --system-torch the
new venv sees the packages this interpreter sees, and nothing is installed here:

- a real interpreter (a cluster module, conda, a container's Python): ``venv --system-site-packages``;
- a venv's interpreter: --system-site-packages would show the *base* interpreter's packages, not the
  venv's, so the new venv gets a .pth file that adds this venv's site-packages directories instead.

Then torch must import in the new venv, from outside it, at a version inside the range that
pyproject.toml declares (``torch>=X.Y,<X.Z``); otherwise this stops with what to do, before pip
could install a torch of its own. What pip is to install instead is written to VENV/WITHOUT_TORCH:
requirements.txt less torch and less the book's own package (make installs that with --no-deps,
as its only dependency is torch). A venv made this way is marked (MARKER) so that later `make`
calls keep TORCH=system. Standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".torch-system"  # in VENV: made with --system-torch
PTH = "_interpreter_site.pth"  # in VENV's site-packages, when made from a venv's interpreter
WITHOUT_TORCH = "requirements-without-torch.txt"  # in VENV
RANGE = re.compile(r"torch\s*>=\s*(\d+)\.(\d+)\s*,\s*<\s*(\d+)\.(\d+)")


class SetupError(RuntimeError):
    pass


def declared_range(pyproject: Path = ROOT / "pyproject.toml") -> tuple[tuple[int, int], tuple[int, int]]:
    """The supported torch releases, from pyproject.toml: (oldest, first unsupported) as (major, minor)."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("dependencies", [])
    specs = [d for d in deps if re.match(r"torch\b", d)]
    match = RANGE.fullmatch(specs[0].replace(" ", "")) if len(specs) == 1 else None
    if match is None:
        raise SetupError(
            f"{pyproject}: [project] dependencies must hold one torch range of the form "
            f"'torch>=2.11,<2.16'; found {specs or 'none'}."
        )
    a, b, c, d = map(int, match.groups())
    return (a, b), (c, d)


def requirements_without_torch(path: Path = ROOT / "requirements.txt") -> str:
    """requirements.txt less torch and less the book's own package (``-e .``): all that TORCH=system
    installs, and all that the wheelhouse holds (tools/wheelhouse.py)."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if re.match(r"torch\s*(\[|[=<>!~;@]|$)", requirement) or requirement in ("-e .", "."):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def release(version: str) -> tuple[int, int]:
    """(major, minor) of a torch version: '2.11.0+cu128' and NVIDIA's '2.11.0a0+git1234' are 2.11."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        raise SetupError(f"cannot read the torch version {version!r}")
    return int(match[1]), int(match[2])


def describe_range(oldest: tuple[int, int], first_unsupported: tuple[int, int]) -> str:
    newest = (first_unsupported[0], first_unsupported[1] - 1)
    return f"{oldest[0]}.{oldest[1]} to {newest[0]}.{newest[1]}"


def check_version(version: str, oldest: tuple[int, int], first_unsupported: tuple[int, int]) -> None:
    if not oldest <= release(version) < first_unsupported:
        raise SetupError(
            f"torch {version} is outside the range this book supports and is tested with "
            f"({describe_range(oldest, first_unsupported)}, pyproject.toml). Use a PyTorch in that "
            "range (another cluster module or environment: PYTHON=/path/to/its/python), or leave "
            "TORCH unset to install the pinned torch of requirements.txt."
        )


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def run_in(env: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv_python(env)), "-c", code], capture_output=True, text=True)


def interpreter_is_a_venv() -> bool:
    return sys.prefix != sys.base_prefix


def link_interpreter_site(env: Path) -> Path:
    """Make env see this (venv) interpreter's site-packages directories, after its own."""
    dirs = list(dict.fromkeys(site.getsitepackages()))
    found = run_in(env, "import sysconfig; print(sysconfig.get_path('purelib'))")
    pth = Path(found.stdout.strip()) / PTH
    lines = [f"# made by tools/make_venv.py: the packages of {sys.executable}"]
    lines += [f"import site; site.addsitedir({d!r})" for d in dirs]  # addsitedir reads their .pth files too
    pth.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pth


def check_torch(env: Path) -> str:
    """Import torch with env's interpreter; return a line saying which torch, or raise SetupError."""
    got = run_in(env, "import json, torch; print(json.dumps([torch.__version__, torch.__file__]))")
    if got.returncode != 0:
        last = (got.stderr.strip().splitlines() or ["no output"])[-1]
        raise SetupError(
            f"TORCH=system, but `import torch` fails with {sys.executable} ({last}). "
            "Load the cluster's PyTorch module or activate the environment that has torch, then pass "
            "its interpreter (PYTHON=/path/to/python), or leave TORCH unset to install the pinned torch."
        )
    version, location = json.loads(got.stdout.strip().splitlines()[-1])
    if Path(location).resolve().is_relative_to(env.resolve()):
        raise SetupError(
            f"{env} has a torch of its own ({location}), so TORCH=system would not use the "
            f"interpreter's. Remove it (rm -rf {env}) and run the command again."
        )
    check_version(version, *declared_range())
    return f"TORCH=system: torch {version} from {Path(location).parent}"


def make_venv(env: Path, system_torch: bool) -> None:
    cfg = env / "pyvenv.cfg"
    created = not cfg.is_file()
    if not created:
        made_system = (env / MARKER).is_file()
        if made_system != system_torch:
            how = "with TORCH=system" if made_system else "without TORCH=system (with the pinned torch)"
            raise SetupError(
                f"{env} was made {how}. Keep using it that way, or remove it "
                f"(rm -rf {env}) and run the command again."
            )
    else:
        own_packages = system_torch and interpreter_is_a_venv()
        venv.EnvBuilder(with_pip=True, system_site_packages=system_torch and not own_packages).create(env)
        if system_torch:
            (env / MARKER).write_text(f"made from {sys.executable}\n", encoding="utf-8")
    if system_torch:
        (env / WITHOUT_TORCH).write_text(requirements_without_torch(), encoding="utf-8")
        if interpreter_is_a_venv():
            link_interpreter_site(env)
        try:
            print(check_torch(env), flush=True)
        except SetupError:
            if created:  # so that leaving TORCH unset next time makes a plain venv
                shutil.rmtree(env)
            raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("venv", type=Path)
    ap.add_argument("--system-torch", action="store_true", help="use this interpreter's torch (TORCH=system)")
    args = ap.parse_args(argv)
    try:
        make_venv(args.venv, args.system_torch)
    except SetupError as exc:
        print(f"make_venv: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
