"""web_assets/fetch.py: pinned browser assets, refused when their hash differs (no network used)."""
from __future__ import annotations

import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "web_assets" / "fetch.py")
fetch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch)


def make_tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture()
def pkg_and_wheelhouse(tmp_path, monkeypatch):
    data = make_tarball({"package/dist/embed.js": b"// widgets", "package/dist/a.woff2": b"font",
                         "package/README.md": b"not kept"})
    pkg = {"name": "demo", "version": "1.0.0", "tarball": "https://registry.invalid/demo/-/demo-1.0.0.tgz",
           "integrity": fetch.integrity_of(data), "files": ["package/dist/embed.js", "package/dist/*.woff2"],
           "into": "book/_static/demo"}
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    (wheelhouse / "demo-1.0.0.tgz").write_bytes(data)
    monkeypatch.setattr(fetch, "CACHE", tmp_path / "assets" / "_tarballs")
    return pkg, wheelhouse, tmp_path / "assets"


def test_every_pin_has_a_version_a_registry_tarball_and_a_sha512():
    for pkg in fetch.load_lock():
        assert pkg["tarball"].startswith("https://registry.npmjs.org/"), pkg
        assert pkg["tarball"].endswith(f"-{pkg['version']}.tgz"), pkg
        assert pkg["integrity"].startswith("sha512-") and len(pkg["integrity"]) == 95, pkg
        assert pkg["files"] and pkg["into"] and not pkg["into"].startswith("/"), pkg


def test_offline_fetch_verifies_and_unpacks_only_the_listed_files(pkg_and_wheelhouse):
    pkg, wheelhouse, root = pkg_and_wheelhouse
    into = fetch.unpack(pkg, fetch.tarball(pkg, wheelhouse), root=root)
    assert sorted(p.name for p in into.iterdir()) == ["a.woff2", "embed.js"]
    assert (into / "embed.js").read_bytes() == b"// widgets"


def test_a_tarball_with_another_hash_is_refused_and_deleted(pkg_and_wheelhouse):
    pkg, wheelhouse, _ = pkg_and_wheelhouse
    (wheelhouse / "demo-1.0.0.tgz").write_bytes(make_tarball({"package/dist/embed.js": b"evil()"}))
    with pytest.raises(fetch.AssetError, match="sha512 hash is not the one pinned"):
        fetch.tarball(pkg, wheelhouse)
    assert not (fetch.CACHE / "demo-1.0.0.tgz").exists()


def test_a_wheelhouse_without_the_tarball_says_how_to_make_one(pkg_and_wheelhouse):
    pkg, wheelhouse, _ = pkg_and_wheelhouse
    (wheelhouse / "demo-1.0.0.tgz").unlink()
    with pytest.raises(fetch.AssetError, match="make wheelhouse"):
        fetch.tarball(pkg, wheelhouse)


def test_a_pattern_matching_nothing_is_an_error(pkg_and_wheelhouse):
    pkg, wheelhouse, root = pkg_and_wheelhouse
    pkg = {**pkg, "files": ["package/dist/missing.js"]}
    with pytest.raises(fetch.AssetError, match="no file matches"):
        fetch.unpack(pkg, fetch.tarball(pkg, wheelhouse), root=root)


def test_no_network_gives_a_way_forward(pkg_and_wheelhouse, monkeypatch):
    pkg, _, _ = pkg_and_wheelhouse

    def refuse(*args, **kwargs):
        raise fetch.urllib.error.URLError("no route to host")

    monkeypatch.setattr(fetch.urllib.request, "urlopen", refuse)
    with pytest.raises(fetch.AssetError, match="WHEELHOUSE"):
        fetch.tarball(pkg, None)
