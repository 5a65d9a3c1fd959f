#!/usr/bin/env python3
"""A wheelhouse: everything set-up installs except torch, for a machine without internet.

    python tools/wheelhouse.py download DIR [--python-version 3.12 [--platform manylinux_2_28_x86_64]]
        (`make wheelhouse`) with internet: the wheels of requirements.txt but torch, and of
        everything they need, the build backend of the book's own package (pyproject.toml's build-system), and the
        pinned browser assets (web_assets/fetch.py --download-only); then DIR/manifest.json lists
        each file's name, version and sha256. Without --python-version the wheels are for this
        interpreter and machine; with it, for that CPython on a Linux platform (manylinux_2_28_x86_64,
        glibc 2.28 or newer, unless --platform says otherwise).
    python tools/wheelhouse.py check DIR
        (`make ... WHEELHOUSE=DIR`, before installing) every file of the manifest is there with its
        hash, and the wheelhouse was made for this interpreter's Python version.

torch is never downloaded: the cluster's own is used (TORCH=system). Standard library only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_venv import requirements_without_torch  # noqa: E402  (one definition of "all but torch")

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.json"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
# torch and the CUDA libraries that come with it: the cluster provides them
TORCH_FAMILY = re.compile(r"(torch|triton|nvidia[-_].*|cuda[-_].*)", re.IGNORECASE)


class WheelhouseError(RuntimeError):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manylinux_platforms(platform: str) -> list[str]:
    """manylinux_2_28_x86_64 and every older manylinux tag it runs (pip does not expand them itself)."""
    match = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", platform)
    if match is None:
        return [platform]
    glibc, arch = int(match[1]), match[2]
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc, 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    return tags + [f"{name}_{arch}" for minor, name in legacy.items() if minor <= glibc]


def build_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["build-system"]["requires"]


def name_version(path: Path, assets: dict[str, tuple[str, str]]) -> tuple[str, str]:
    if path.name in assets:
        return assets[path.name]
    if path.suffix == ".whl":
        name, version = path.name.split("-")[:2]
        return name.replace("_", "-").lower(), version
    raise WheelhouseError(f"{path}: neither a wheel nor a pinned browser asset; it does not belong here.")


def asset_names() -> dict[str, tuple[str, str]]:
    lock = json.loads((ROOT / "web_assets" / "lock.json").read_text(encoding="utf-8"))["packages"]
    return {pkg["tarball"].rsplit("/", 1)[-1]: (pkg["name"], pkg["version"]) for pkg in lock}


def write_manifest(folder: Path, target: dict) -> dict:
    assets = asset_names()
    files = []
    for path in sorted(p for p in folder.iterdir() if p.name != MANIFEST):
        name, version = name_version(path, assets)
        files.append({"name": name, "version": version, "sha256": sha256(path), "file": path.name,
                      "bytes": path.stat().st_size})
    manifest = {"made_by": "make wheelhouse (tools/wheelhouse.py)", "target": target, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def build_source_only(folder: Path, requirements: Path, cross: bool) -> None:
    """Wheels, built here, of the requirements that PyPI has only as source archives (sdists).

    pip cannot download for another platform without wheels, so these are built first; the
    download then finds them in `folder`. Only pure-Python ones can serve another target.
    """
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*PIP, "download", "--quiet", "--no-deps", "--prefer-binary", "--dest", tmp,
                        "-r", str(requirements)], check=True)
        sources = sorted(p for p in Path(tmp).iterdir() if p.suffix != ".whl")
        for source in sources:
            print(f"wheelhouse: {source.name} has no wheel on the index; building one", flush=True)
            subprocess.run([*PIP, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder), str(source)], check=True)
    if cross:
        native = sorted(p.name for p in folder.glob("*.whl") if not p.name.endswith("-none-any.whl"))
        if native:
            raise WheelhouseError(
                f"{', '.join(native)}: built from source for this machine only, so it cannot serve "
                "another Python or platform. Run `make wheelhouse` without WHEEL_PYTHON on a machine "
                "like the target (same Python, Linux x86-64)."
            )


def download(folder: Path, python_version: str | None, platform: str) -> dict:
    if folder.exists() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise WheelhouseError(f"{folder} holds files and is not a wheelhouse (no {MANIFEST}); choose another folder.")
    final, folder = folder, folder.with_name(folder.name + ".partial")  # filled, then renamed
    if folder.exists():
        shutil.rmtree(folder)  # what an interrupted run left
    folder.mkdir(parents=True)
    if python_version:
        target = {"python": python_version, "platform": platform}
        target_flags = ["--python-version", python_version, "--implementation", "cp"]
        target_flags += [flag for tag in manylinux_platforms(platform) for flag in ("--platform", tag)]
    else:
        target = {"python": "{}.{}".format(*sys.version_info[:2]), "platform": "this machine's"}
        target_flags = []
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements-without-torch.txt"
        requirements.write_text(requirements_without_torch(), encoding="utf-8")
        build_source_only(folder, requirements, cross=bool(python_version))
        cmd = [*PIP, "download", "--only-binary=:all:", "--find-links", str(folder), "--dest", str(folder),
               "-r", str(requirements), *build_requirements(), *target_flags]
        print("wheelhouse: pip", " ".join(cmd[len(PIP):]), flush=True)
        subprocess.run(cmd, check=True)
    torch_like = sorted(p.name for p in folder.iterdir() if TORCH_FAMILY.fullmatch(p.name.split("-")[0]))
    if torch_like:
        raise WheelhouseError(
            f"requirements.txt pulls in {', '.join(torch_like)}: the wheelhouse must not hold torch "
            "(the cluster's own torch is used). Remove what requires it."
        )
    subprocess.run([sys.executable, str(ROOT / "web_assets" / "fetch.py"), "--download-only", str(folder)], check=True)
    manifest = write_manifest(folder, target)
    if final.exists():
        shutil.rmtree(final)  # a previous wheelhouse: replaced whole, so that nothing stale stays
    folder.rename(final)
    size = sum(f["bytes"] for f in manifest["files"])
    largest = sorted(manifest["files"], key=lambda f: -f["bytes"])[:5]
    print(f"wheelhouse: {len(manifest['files'])} files, {size / 1e6:.0f} MB in {final} "
          f"(for Python {target['python']}, {target['platform']} platform); largest: "
          + ", ".join(f"{f['name']} {f['bytes'] / 1e6:.0f} MB" for f in largest))
    return manifest


def check(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise WheelhouseError(
            f"{path} is missing: WHEELHOUSE={folder} is not a folder made by `make wheelhouse`. "
            "Make one on a machine with internet and copy it here."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        file = folder / entry["file"]
        if not file.is_file():
            raise WheelhouseError(f"{file} is listed in {path} but missing. Copy the whole wheelhouse again.")
        if sha256(file) != entry["sha256"]:
            raise WheelhouseError(
                f"{file}: its sha256 is not the one in {path} (the file is damaged or was replaced). "
                "Copy the wheelhouse again, or make it again with `make wheelhouse`."
            )
    want, have = manifest["target"]["python"], "{}.{}".format(*sys.version_info[:2])
    if want != have:
        raise WheelhouseError(
            f"{folder} was made for Python {want}, but this interpreter ({sys.executable}) is Python {have}. "
            f"Make the wheelhouse with WHEEL_PYTHON={have}."
        )
    print(f"wheelhouse {folder}: {len(manifest['files'])} files, hashes verified (Python {want})", flush=True)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    dl = sub.add_parser("download", help="fill DIR (with internet)")
    dl.add_argument("folder", type=Path)
    dl.add_argument("--python-version", help="target CPython, e.g. 3.12 (default: this interpreter and machine)")
    dl.add_argument("--platform", default="manylinux_2_28_x86_64", help="with --python-version: the target platform")
    ck = sub.add_parser("check", help="verify DIR before an offline install")
    ck.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    try:
        if args.command == "download":
            download(args.folder, args.python_version, args.platform)
        else:
            check(args.folder)
    except WheelhouseError as exc:
        print(f"wheelhouse: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"wheelhouse: {exc.cmd[1:4]} failed (exit {exc.returncode}); see the messages above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
