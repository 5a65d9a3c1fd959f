#!/usr/bin/env python3
"""Fetch the book's browser assets from the npm registry: pinned, hash-checked, unpacked.

    python web_assets/fetch.py                      set-up (make venv): download what is missing,
                                                    verify, unpack into web_assets/<into>/
    python web_assets/fetch.py --from DIR           the same, offline: tarballs are taken from DIR
                                                    (a wheelhouse made by `make wheelhouse`)
    python web_assets/fetch.py --download-only DIR  put the verified tarballs into DIR, unpack nothing

Each package of web_assets/lock.json names its version, its tarball, the registry's sha512
``integrity`` hash, the files to keep (glob patterns inside the tarball) and the folder they go to.
A tarball whose hash differs is refused and deleted. Nothing here runs when a page loads or when
the book is rebuilt: the build only copies what set-up unpacked. Standard library only (no Node.js).
"""
from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "lock.json"
CACHE = HERE / "_tarballs"  # downloaded tarballs (git-ignored), and what was unpacked from them


class AssetError(RuntimeError):
    pass


def load_lock(path: Path = LOCK) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["packages"]


def tarball_name(pkg: dict) -> str:
    return pkg["tarball"].rsplit("/", 1)[-1]


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def verified(pkg: dict, path: Path) -> bytes:
    data = path.read_bytes()
    got = integrity_of(data)
    if got != pkg["integrity"]:
        path.unlink()
        raise AssetError(
            f"{path.name}: its sha512 hash is not the one pinned in {LOCK.name} for "
            f"{pkg['name']}@{pkg['version']} (expected {pkg['integrity'][:30]}..., got {got[:30]}...). "
            "The file was deleted; run the command again. If the registry really changed, "
            "update the pin on purpose (see web_assets/README.md)."
        )
    return data


def download(pkg: dict, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(pkg["tarball"], timeout=60) as resp, tempfile.NamedTemporaryFile(
            dir=dest.parent, delete=False
        ) as tmp:
            shutil.copyfileobj(resp, tmp)
    except (urllib.error.URLError, OSError) as exc:
        raise AssetError(
            f"could not download {pkg['name']}@{pkg['version']} from {pkg['tarball']} ({exc}). "
            "Set-up needs the npm registry once; on a machine without internet, make a wheelhouse "
            "elsewhere (`make wheelhouse`) and set WHEELHOUSE=path (README: 'On a cluster without internet')."
        ) from None
    Path(tmp.name).replace(dest)


def tarball(pkg: dict, source: Path | None) -> bytes:
    """The verified bytes of pkg's tarball: from the cache, from `source`, or downloaded."""
    cached = CACHE / tarball_name(pkg)
    if not cached.is_file():
        if source is not None:
            offered = source / tarball_name(pkg)
            if not offered.is_file():
                raise AssetError(
                    f"{offered} is missing: the wheelhouse has no {pkg['name']}@{pkg['version']}. "
                    "Make it again with `make wheelhouse` on a machine with internet."
                )
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(offered, cached)
        else:
            print(f"web_assets: downloading {pkg['name']}@{pkg['version']}", flush=True)
            download(pkg, cached)
    return verified(pkg, cached)


def unpack(pkg: dict, data: bytes, root: Path = HERE) -> Path:
    into = root / pkg["into"]
    # a stamp next to the tarballs (not inside `into`, which is copied into the book as it is)
    stamp = root / CACHE.name / (pkg["into"].replace("/", "_") + ".unpacked")
    if into.is_dir() and stamp.is_file() and stamp.read_text() == pkg["integrity"]:
        return into
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with tempfile.TemporaryFile() as fh:
        fh.write(data)
        fh.seek(0)
        with tarfile.open(fileobj=fh, mode="r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            for pattern in pkg["files"]:
                matched = [m for m in members if fnmatch.fnmatchcase(m.name, pattern)]
                if not matched:
                    raise AssetError(f"{pkg['name']}@{pkg['version']}: no file matches {pattern!r} in its tarball")
                for m in matched:
                    (into / Path(m.name).name).write_bytes(tar.extractfile(m).read())
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(pkg["integrity"])
    return into


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--from", dest="source", type=Path, help="take the tarballs from this folder (offline)")
    group.add_argument("--download-only", type=Path, metavar="DIR", help="copy the verified tarballs into DIR")
    args = ap.parse_args(argv)
    try:
        for pkg in load_lock():
            data = tarball(pkg, args.source)
            if args.download_only:
                args.download_only.mkdir(parents=True, exist_ok=True)
                (args.download_only / tarball_name(pkg)).write_bytes(data)
            else:
                unpack(pkg, data)
    except AssetError as exc:
        print(f"web_assets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
