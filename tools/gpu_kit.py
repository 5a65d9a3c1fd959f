#!/usr/bin/env python3
"""The GPU kit: what the nbval suite needs beyond a GPU image's own Python stack, as wheels.

    python tools/gpu_kit.py build DIR [--python-version 3.12] [--platform manylinux_2_28_x86_64]
        (`make gpu-kit`, with internet) the wheels of Jupyter's kernel, nbval, nbformat, ipywidgets,
        numpyarray-to-latex, torchsummary, the book's own package (nnreg, built from this
        repository) and all they need, except what the image already has (STACK below), for that
        CPython on Linux; DIR/manifest.json lists each file's name, version and sha256, the stack
        assumed and the stack packages the kit's resolution wanted. At most 50 MB, or it fails.
    python tools/gpu_kit.py mimic [--notebooks 01 03]
        (`make test-gpu-kit`) a GPU image imitated here: a Python 3.11 venv with only the stack (CPU
        torch from a local wheel; in ~/.cache/nnreg-gpu-kit), a kit built for it, and tools/gpu_check.py run with that Python
        in a network namespace without network (unshare -n; root or user namespaces).

On the GPU machine: `python3 tools/gpu_check.py DIR OUT` (README: "On a GPU machine with its own
PyTorch"). Standard library only; the download and the manifest are tools/wheelhouse.py's.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wheelhouse  # noqa: E402  (download flags, source-only builds, manifest, hash check)
from wheelhouse import PIP, TORCH_FAMILY, WheelhouseError  # noqa: E402

ROOT = wheelhouse.ROOT
LIMIT_BYTES = 50_000_000  # the limit for the kit of CPython 3.12 on Linux x86-64
KIT_DEFAULT = ROOT / ".gpu-kit"  # wheels and reports only: nothing the book build would read
# the mimic's venv lives outside the repository: its site-packages hold README.md files that the
# book build would otherwise find
VENV_DEFAULT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnreg-gpu-kit"
# What the suite needs beyond the stack: the kernel and nbval's client, the notebooks' extra imports.
# Pinned as requirements.txt pins them when it does; nnreg's wheel is added from this repository.
KIT_PACKAGES = ["nbval", "ipykernel", "jupyter-client", "nbformat", "ipywidgets",
                "numpyarray-to-latex", "torchsummary"]
# The stack a GPU node or cloud image is assumed to have (issue 19, part 4): torch (CUDA) with its
# own requirements, NumPy, pandas, matplotlib, scikit-learn, tqdm, pytest and theirs, and pip.
# The versions are an assumption, plausible for such an image with Python 3.12 (the book's pins,
# torch at the bottom of the supported range, the rest as pip resolves them with those pins);
# the kit never holds these names, and gpu_check.py reports what the machine really has.
STACK = {
    # torch 2.11 (CUDA) and its requirements (triton and nvidia-*/cuda-* too: TORCH_FAMILY)
    "torch": "2.11.0", "filelock": "4.3.2", "typing-extensions": "4.15.0", "sympy": "1.14.0",
    "mpmath": "1.3.0", "networkx": "3.6.1", "jinja2": "3.1.6", "markupsafe": "3.0.4",
    "fsspec": "2026.9.0", "setuptools": "84.2.1",
    "numpy": "2.4.6",
    "pandas": "3.1.1", "python-dateutil": "4.0.0", "six": "1.17.0", "tzdata": "2026.6",
    "pytz": "2025.2",
    "matplotlib": "3.11.2", "contourpy": "1.3.3", "cycler": "0.12.1", "fonttools": "4.69.1",
    "kiwisolver": "1.5.1", "packaging": "26.4", "pillow": "13.0.0", "pyparsing": "3.3.3",
    "scikit-learn": "1.9.1", "scipy": "1.17.1", "joblib": "1.6.0", "threadpoolctl": "3.8.0",
    "narwhals": "2.29.0",
    "tqdm": "4.70.1",
    "pytest": "9.2.0", "iniconfig": "2.3.1", "pluggy": "1.7.0", "pygments": "2.21.0",
    "pip": "24.0", "wheel": "0.45.1",
}
# the stack's top level: what the mimic installs (with the book's pins) and the check reports
STACK_TOP = ["torch", "numpy", "pandas", "matplotlib", "scikit-learn", "tqdm", "pytest"]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name(path: Path | str) -> str:
    return normalise(Path(path).name.split("-")[0])


def in_stack(name: str) -> bool:
    """True for what the image provides, so that the kit must not hold it."""
    return normalise(name) in STACK or TORCH_FAMILY.fullmatch(normalise(name)) is not None


def pins(names: list[str], requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """Each name as requirements.txt pins it (name==version), or bare when it is not there."""
    pinned = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)", line)
        if match:
            pinned[normalise(match[1])] = f"{match[1]}=={match[2]}"
    return [pinned.get(normalise(name), name) for name in names]


def build_nnreg(dest: Path) -> Path:
    """The book's package as a wheel, built from a copy so that the checkout gets no build/ folder."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        shutil.copytree(ROOT / "nnreg", src / "nnreg", ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([*PIP, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dest), str(src)], check=True)
    (wheel,) = dest.glob("nnreg-*.whl")
    return wheel


def nnreg_digest(root: Path = ROOT) -> str:
    """sha256 of the sources nnreg's wheel is built from, to tell a kit made from other sources."""
    digest = hashlib.sha256()
    files = [root / "pyproject.toml", *sorted((root / "nnreg").rglob("*"))]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def build(folder: Path, python_version: str, platform: str) -> dict:
    final, folder = folder, folder.with_name(folder.name + ".partial")  # filled, then renamed
    if final.exists() and any(final.iterdir()) and not (final / wheelhouse.MANIFEST).is_file():
        raise WheelhouseError(f"{final} holds files and is not a kit (no {wheelhouse.MANIFEST}); choose another folder.")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    target = {"python": python_version, "platform": platform}
    flags = ["--python-version", python_version, "--implementation", "cp"]
    flags += [flag for tag in wheelhouse.manylinux_platforms(platform) for flag in ("--platform", tag)]
    with tempfile.TemporaryDirectory() as tmp:
        built, everything = Path(tmp) / "built", Path(tmp) / "all"
        built.mkdir()
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("\n".join(pins(KIT_PACKAGES)) + "\n", encoding="utf-8")
        wheelhouse.build_source_only(built, requirements, cross=True)  # numpyarray-to-latex: no wheel on PyPI
        nnreg = build_nnreg(built)
        cmd = [*PIP, "download", "--quiet", "--only-binary=:all:", "--find-links", str(built),
               "--dest", str(everything), "-r", str(requirements), *flags]
        print("gpu-kit: pip", " ".join(cmd[len(PIP):]), flush=True)
        subprocess.run(cmd, check=True)
        kept, stack_wanted = [nnreg], {}
        for wheel in sorted(everything.glob("*.whl")):
            if in_stack(wheel_name(wheel)):
                stack_wanted[wheel_name(wheel)] = wheel.name.split("-")[1]
            else:
                kept.append(wheel)
        others = sorted(p.name for p in everything.iterdir() if p.suffix != ".whl")
        if others:
            raise WheelhouseError(f"{', '.join(others)}: not wheels; the kit installs wheels only.")
        for wheel in kept:
            shutil.copy2(wheel, folder / wheel.name)
    manifest = wheelhouse.write_manifest(folder, target)
    manifest.update({
        "made_by": "make gpu-kit (tools/gpu_kit.py build)",
        "source": source_commit(),
        "nnreg_sources_sha256": nnreg_digest(),  # gpu_check.py compares it with the clone's nnreg/
        "requested": pins(KIT_PACKAGES) + ["nnreg (this repository)"],
        "stack_assumed": STACK,
        "stack_assumed_also": TORCH_FAMILY.pattern + " (torch's CUDA libraries)",
        "stack_wanted": stack_wanted,  # what the kit's resolution picked from the stack: the image has its own
    })
    (folder / wheelhouse.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    size = check_contents(folder, manifest)
    if final.exists():
        shutil.rmtree(final)
    folder.rename(final)
    largest = sorted(manifest["files"], key=lambda f: -f["bytes"])[:4]
    print(f"gpu-kit: {len(manifest['files'])} files, {size / 1e6:.1f} MB in {final} (limit "
          f"{LIMIT_BYTES / 1e6:.0f} MB; CPython {python_version}, {platform}); largest: "
          + ", ".join(f"{f['name']} {f['bytes'] / 1e6:.1f} MB" for f in largest), flush=True)
    return manifest


def check_contents(folder: Path, manifest: dict) -> int:
    """The kit holds exactly its manifest's wheels, none of the stack, within the size limit."""
    listed = {entry["file"] for entry in manifest["files"]}
    present = {p.name for p in folder.iterdir() if p.name != wheelhouse.MANIFEST}
    if present != listed:
        raise WheelhouseError(f"{folder}: files not in its manifest: {sorted(present - listed)}; "
                              f"listed but missing: {sorted(listed - present)}.")
    stack = sorted(f for f in listed if in_stack(wheel_name(f)))
    if stack:
        raise WheelhouseError(f"{folder} holds {', '.join(stack)}: the image's own stack provides "
                              "these, and the kit must not replace them.")
    if not any(wheel_name(f) == "nnreg" for f in listed):
        raise WheelhouseError(f"{folder} lacks the book's package (nnreg-*.whl).")
    size = sum(entry["bytes"] for entry in manifest["files"])
    if size > LIMIT_BYTES:
        raise WheelhouseError(f"{folder}: {size / 1e6:.1f} MB, over the {LIMIT_BYTES / 1e6:.0f} MB limit.")
    return size


def check(folder: Path) -> dict:
    """Before installing: hashes and Python version (wheelhouse.check), then the kit's own rules."""
    try:
        manifest = wheelhouse.check(folder)
    except WheelhouseError as exc:  # its advice, in the kit's words
        advice = {"make wheelhouse": "make gpu-kit", "WHEEL_PYTHON=": "GPU_KIT_PYTHON=",
                  "the wheelhouse": "the kit", "not a folder made by": "not a kit made by"}
        message = str(exc)
        for theirs, ours in advice.items():
            message = message.replace(theirs, ours)
        raise WheelhouseError(message) from None
    check_contents(folder, manifest)
    return manifest


# --- the mimic: a GPU image imitated on this CPU machine -------------------------------------------

def offline(command: list[str]) -> list[str]:
    """The command in a new network namespace with only loopback (the kernels talk over loopback)."""
    inner = "ip link set lo up 2>/dev/null || true; exec \"$@\""
    return ["unshare", *([] if os.geteuid() == 0 else ["-r"]), "-n", "sh", "-c", inner, "sh", *command]


def mimic_stack(venv: Path, python: str, torch_wheel: Path) -> Path:
    """A venv with only the stack: CPU torch from a local wheel, the rest with the book's pins."""
    stamp = venv / ".stack-installed"
    bin_python = venv / "bin" / "python"
    if stamp.is_file():
        return bin_python
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(bin_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(torch_wheel), *pins(STACK_TOP[1:])], check=True)
    stamp.write_text("\n".join(pins(STACK_TOP[1:]) + [torch_wheel.name]) + "\n", encoding="utf-8")
    return bin_python


def mimic(args: argparse.Namespace) -> int:
    version = subprocess.run([args.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    torch_wheels = sorted(Path(args.wheels).glob(f"torch-*+cpu-cp{version.replace('.', '')}-*.whl"))
    if not torch_wheels:
        raise WheelhouseError(f"no CPU torch wheel for Python {version} in {args.wheels}; give --wheels.")
    home = Path(args.home)
    started = time.monotonic()
    python = mimic_stack(Path(args.venv_home) / f"mimic-{version}", args.python, torch_wheels[-1])
    kit = home / f"kit-{version}"
    manifest = kit / wheelhouse.MANIFEST
    if (args.rebuild or not manifest.is_file()
            or json.loads(manifest.read_text(encoding="utf-8")).get("nnreg_sources_sha256") != nnreg_digest()):
        build(kit, version, args.platform)
    prepared = time.monotonic()
    out = home / f"mimic-out-{version}"
    command = [str(python), str(ROOT / "tools" / "gpu_check.py"), str(kit), str(out)]
    if args.notebooks:
        command += ["--notebooks", *args.notebooks]
    print("gpu-kit mimic: " + " ".join(offline(command)), flush=True)
    done = subprocess.run(offline(command), cwd=ROOT)
    print(f"gpu-kit mimic: prepared in {prepared - started:.0f} s, checked in "
          f"{time.monotonic() - prepared:.0f} s (exit {done.returncode}); report: {out / 'report.txt'}")
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    bd = sub.add_parser("build", help="fill DIR with the kit (with internet)")
    bd.add_argument("folder", type=Path)
    bd.add_argument("--python-version", default="3.12", help="the GPU machine's CPython (default 3.12)")
    bd.add_argument("--platform", default="manylinux_2_28_x86_64")
    ck = sub.add_parser("check", help="verify a kit: hashes, Python version, no stack, size")
    ck.add_argument("folder", type=Path)
    mm = sub.add_parser("mimic", help="the GPU machine imitated here, without network")
    mm.add_argument("--python", default="python3.11", help="the mimic's interpreter (default python3.11)")
    mm.add_argument("--wheels", default="/opt/wheels", help="where a CPU torch wheel for it lies")
    mm.add_argument("--home", default=str(KIT_DEFAULT), help="the kit and the report go here")
    mm.add_argument("--venv-home", default=str(VENV_DEFAULT), help="the mimic's venv goes here")
    mm.add_argument("--platform", default="manylinux_2_28_x86_64")
    mm.add_argument("--rebuild", action="store_true", help="build the kit again even when it is there")
    mm.add_argument("--notebooks", nargs="*", help="chapter prefixes, e.g. 01 03 (default: all)")
    args = ap.parse_args(argv)
    try:
        if args.command == "build":
            build(args.folder, args.python_version, args.platform)
        elif args.command == "check":
            check(args.folder)
        else:
            return mimic(args)
    except WheelhouseError as exc:
        print(f"gpu-kit: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"gpu-kit: {' '.join(map(str, exc.cmd[:5]))} ... failed (exit {exc.returncode}); "
              "see the messages above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
