"""Set-up where torch comes with the machine: the supported range, TORCH=system, the wheelhouse, make lab.

No network is used: the wheelhouse tests work on small fake files, the venv tests on venvs
without pip, the Makefile tests on `make -n` (print the commands, run nothing).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_venv = load("make_venv")
wheelhouse = load("wheelhouse")


# --- the supported range ------------------------------------------------------------------------

def test_range_is_declared_once_and_stated_alike_everywhere():
    oldest, first_unsupported = make_venv.declared_range()
    assert (oldest, first_unsupported) == ((2, 11), (2, 16))
    stated = make_venv.describe_range(oldest, first_unsupported)
    assert f"torch {stated}" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"torch {stated}" in (ROOT / "requirements.txt").read_text(encoding="utf-8")


def test_the_range_run_tests_both_ends_and_the_pin():
    pin = re.search(r"^torch==([\w.+]+)", (ROOT / "requirements.txt").read_text(), re.M)[1]
    tested = re.search(r"^TORCH_VERSIONS\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)[1].split()
    oldest, first_unsupported = make_venv.declared_range()
    assert make_venv.release(tested[0]) == oldest
    assert make_venv.release(tested[-1]) == (first_unsupported[0], first_unsupported[1] - 1)
    assert pin in tested


def test_the_book_build_skips_the_range_runs_venvs():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert ".torch-range/*" in config["exclude_patterns"]  # their site-packages hold README.md files


def test_this_torch_is_in_the_range():
    make_venv.check_version(torch.__version__, *make_venv.declared_range())


@pytest.mark.parametrize("version, expected", [("2.11.0", (2, 11)), ("2.15.0+cu132", (2, 15)),
                                               ("2.11.0a0+git1234.nv25.10", (2, 11)), ("3.0.1", (3, 0))])
def test_release_reads_major_and_minor(version, expected):
    assert make_venv.release(version) == expected


@pytest.mark.parametrize("version", ["2.10.2", "2.16.0", "3.0.0"])
def test_a_torch_outside_the_range_is_refused_with_the_range(version):
    with pytest.raises(make_venv.SetupError, match=rf"torch {re.escape(version)} is outside .*2\.11 to 2\.15"):
        make_venv.check_version(version, (2, 11), (2, 16))


def sanitized(text: str) -> str:
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    return text


def test_in_place_errors_read_alike_across_the_range():
    message = ("one of the variables needed for gradient computation has been modified by an inplace "
               "operation: [torch.FloatTensor [2]], which is output 0 of {}, is at version 1; expected version 0")
    assert sanitized(message.format("ExpBackward0")) == sanitized(message.format("Exp"))  # 2.11, 2.13
    assert sanitized(message.format("ExpBackward0")) != sanitized(message.format("Log"))  # still compared


@pytest.mark.parametrize("deps", [[], ["torch>=2.11"], ["torch==2.13.0"], ["torch>=2.11,<2.16", "torch<3"]])
def test_a_range_of_another_form_is_refused(tmp_path, deps):
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\ndependencies = {json.dumps(deps)}\n")
    with pytest.raises(make_venv.SetupError, match="must hold one torch range"):
        make_venv.declared_range(tmp_path / "pyproject.toml")


def test_all_but_torch_keeps_every_other_requirement(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "# the stack\ntorch==2.13.0  # pinned\ntorchsummary==1.5.1\ntorch [cuda] >= 2.11\n"
        "numpy==2.4.6\n\n-e .\ntorch; sys_platform == 'linux'\n")
    assert make_venv.requirements_without_torch(tmp_path / "requirements.txt") == (
        "# the stack\ntorchsummary==1.5.1\nnumpy==2.4.6\n\n")
    real = make_venv.requirements_without_torch()
    assert "torch==" not in real and "-e ." not in real and "torchsummary==" in real and "jupyter-book==" in real


# --- TORCH=system: the venv ---------------------------------------------------------------------

@pytest.fixture()
def no_pip(monkeypatch):
    """make_venv's venvs without pip (seconds saved); what is tested is what they see."""
    monkeypatch.setattr(make_venv.venv, "EnvBuilder",
                        functools.partial(venv.EnvBuilder, with_pip=False))


def test_from_a_venv_the_new_venv_sees_that_venvs_torch(tmp_path, no_pip, capsys):
    assert make_venv.interpreter_is_a_venv(), "the tests run in the book's venv"
    env = tmp_path / "book"
    make_venv.make_venv(env, system_torch=True)
    assert "include-system-site-packages = false" in (env / "pyvenv.cfg").read_text()
    assert (env / make_venv.MARKER).is_file()
    assert (env / make_venv.WITHOUT_TORCH).read_text() == make_venv.requirements_without_torch()
    line = capsys.readouterr().out.strip()
    assert line == f"TORCH=system: torch {torch.__version__} from {Path(torch.__file__).parent}"
    # made again: reused, and it still says which torch
    make_venv.make_venv(env, system_torch=True)
    assert capsys.readouterr().out.strip() == line


def test_from_a_real_interpreter_the_new_venv_uses_its_site_packages(tmp_path, monkeypatch):
    # the base interpreter of this venv stands for a cluster's or conda's Python
    monkeypatch.setattr(make_venv, "interpreter_is_a_venv", lambda: False)
    made, linked, real_builder = [], [], venv.EnvBuilder

    def builder(**options):
        made.append(options)
        return real_builder(**{**options, "with_pip": False})

    monkeypatch.setattr(make_venv.venv, "EnvBuilder", builder)
    monkeypatch.setattr(make_venv, "link_interpreter_site", linked.append)
    env = tmp_path / "book"
    base_has_torch = subprocess.run([sys._base_executable, "-c", "import torch"], capture_output=True).returncode == 0
    if base_has_torch:
        make_venv.make_venv(env, system_torch=True)
        assert "include-system-site-packages = true" in (env / "pyvenv.cfg").read_text()
    else:
        with pytest.raises(make_venv.SetupError, match="`import torch` fails with .*PYTHON=/path/to/python"):
            make_venv.make_venv(env, system_torch=True)
    assert made == [{"with_pip": True, "system_site_packages": True}] and linked == []


def test_a_venv_without_torch_is_refused_with_the_way_forward(tmp_path, no_pip, monkeypatch):
    monkeypatch.setattr(make_venv, "link_interpreter_site", lambda env: None)  # sees nothing of ours
    monkeypatch.setattr(make_venv, "interpreter_is_a_venv", lambda: True)
    with pytest.raises(make_venv.SetupError, match=r"`import torch` fails .*No module named 'torch'.*leave TORCH unset"):
        make_venv.make_venv(tmp_path / "book", system_torch=True)
    assert not (tmp_path / "book").exists(), "a venv made for nothing stays, and keeps TORCH=system"


def test_a_venv_with_its_own_torch_is_not_the_interpreters(tmp_path, no_pip, monkeypatch):
    env = tmp_path / "book"
    venv.EnvBuilder(with_pip=False).create(env)
    site = next(env.glob("lib/*/site-packages"))
    (site / "torch").mkdir()
    (site / "torch" / "__init__.py").write_text("__version__ = '2.13.0'\n")
    (env / make_venv.MARKER).write_text("made from a test\n")
    monkeypatch.setattr(make_venv, "link_interpreter_site", lambda env: None)
    with pytest.raises(make_venv.SetupError, match="has a torch of its own"):
        make_venv.make_venv(env, system_torch=True)


def test_switching_torch_mode_on_an_existing_venv_is_refused(tmp_path, no_pip):
    env = tmp_path / "book"
    make_venv.make_venv(env, system_torch=False)
    assert not (env / make_venv.MARKER).exists()
    with pytest.raises(make_venv.SetupError, match=r"made without TORCH=system.*rm -rf"):
        make_venv.make_venv(env, system_torch=True)
    (env / make_venv.MARKER).write_text("made from a test\n")
    with pytest.raises(make_venv.SetupError, match=r"made with TORCH=system.*rm -rf"):
        make_venv.make_venv(env, system_torch=False)


# --- the Makefile's set-up (make -n: the commands, not run) -------------------------------------

def make_dry(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TORCH", "WHEELHOUSE", "MAKEFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env)


def test_make_installs_the_pinned_torch_by_default(tmp_path):
    out = make_dry("venv", f"VENV={tmp_path / 'v'}").stdout
    assert "-m pip install --quiet --disable-pip-version-check  -r requirements.txt\n" in out
    assert "--system-torch" not in out and "--no-index" not in out and "without-torch" not in out


def test_make_with_system_torch_and_a_wheelhouse_installs_offline_without_torch(tmp_path):
    out = make_dry("venv", f"VENV={tmp_path / 'v'}", "TORCH=system", "WHEELHOUSE=wh").stdout
    assert "tools/wheelhouse.py check wh" in out
    assert f"tools/make_venv.py {tmp_path / 'v'} --system-torch" in out
    installs = [line for line in out.splitlines() if " -m pip install " in line]
    assert len(installs) == 2 and all(f"--no-index --find-links {ROOT / 'wh'}" in line for line in installs)
    assert installs[0].endswith(f"-r {tmp_path / 'v'}/{make_venv.WITHOUT_TORCH}")
    assert installs[1].endswith("--no-deps -e .")
    assert "web_assets/fetch.py --from wh" in out


def test_a_venv_made_with_system_torch_keeps_it(tmp_path):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / make_venv.MARKER).write_text("made from a test\n")
    assert "--system-torch" in make_dry("venv", f"VENV={tmp_path / 'v'}").stdout


def test_an_unknown_torch_mode_is_refused():
    got = make_dry("venv", "TORCH=cluster")
    assert got.returncode != 0 and "TORCH=cluster: use TORCH=system" in got.stderr


def test_the_wheelhouse_target_passes_the_target_python():
    assert "--python-version 3.12 --platform manylinux_2_28_x86_64" in make_dry("wheelhouse", "WHEEL_PYTHON=3.12").stdout
    assert "--python-version" not in make_dry("wheelhouse").stdout


# --- the wheelhouse -----------------------------------------------------------------------------

def test_manylinux_platforms_reach_back_to_the_old_tags():
    tags = wheelhouse.manylinux_platforms("manylinux_2_28_x86_64")
    assert tags[0] == "manylinux_2_28_x86_64" and "manylinux_2_29_x86_64" not in tags
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64", "manylinux_2_5_x86_64"} <= set(tags)
    assert wheelhouse.manylinux_platforms("macosx_11_0_arm64") == ["macosx_11_0_arm64"]


@pytest.mark.parametrize("name, is_torch", [("torch", True), ("nvidia_cublas_cu12", True), ("triton", True),
                                            ("torchsummary", False), ("numpy", False)])
def test_torch_and_its_cuda_libraries_are_recognised(name, is_torch):
    assert bool(wheelhouse.TORCH_FAMILY.fullmatch(name)) is is_torch


@pytest.fixture()
def fake_wheelhouse(tmp_path):
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    (folder / "demo_pkg-1.2.0-py3-none-any.whl").write_bytes(b"a wheel")
    asset = next(iter(wheelhouse.asset_names()))
    (folder / asset).write_bytes(b"a tarball")
    here = "{}.{}".format(*sys.version_info[:2])
    wheelhouse.write_manifest(folder, {"python": here, "platform": "test"})
    return folder, asset


def test_manifest_lists_names_versions_and_hashes(fake_wheelhouse):
    folder, asset = fake_wheelhouse
    files = {f["file"]: f for f in json.loads((folder / "manifest.json").read_text())["files"]}
    assert files["demo_pkg-1.2.0-py3-none-any.whl"]["name"] == "demo-pkg"
    assert files["demo_pkg-1.2.0-py3-none-any.whl"]["version"] == "1.2.0"
    assert (files[asset]["name"], files[asset]["version"]) == wheelhouse.asset_names()[asset]
    assert files[asset]["sha256"] == wheelhouse.sha256(folder / asset) and len(files[asset]["sha256"]) == 64
    assert wheelhouse.check(folder)["files"] == list(files.values())


def test_a_damaged_wheel_is_refused(fake_wheelhouse):
    folder, _ = fake_wheelhouse
    (folder / "demo_pkg-1.2.0-py3-none-any.whl").write_bytes(b"a wheel, altered")
    with pytest.raises(wheelhouse.WheelhouseError, match=r"demo_pkg-1\.2\.0-py3-none-any\.whl: its sha256"):
        wheelhouse.check(folder)


def test_a_missing_file_is_named(fake_wheelhouse):
    folder, asset = fake_wheelhouse
    (folder / asset).unlink()
    with pytest.raises(wheelhouse.WheelhouseError, match=rf"{re.escape(asset)} is listed .* but missing"):
        wheelhouse.check(folder)


def test_a_wheelhouse_for_another_python_is_refused(fake_wheelhouse):
    folder, _ = fake_wheelhouse
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["target"]["python"] = "3.99"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(wheelhouse.WheelhouseError, match=r"made for Python 3\.99.*WHEEL_PYTHON="):
        wheelhouse.check(folder)


def test_a_folder_without_manifest_is_not_a_wheelhouse(tmp_path):
    with pytest.raises(wheelhouse.WheelhouseError, match="not a folder made by `make wheelhouse`"):
        wheelhouse.check(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(wheelhouse.WheelhouseError, match="is not a wheelhouse"):
        wheelhouse.download(tmp_path, None, "manylinux_2_28_x86_64")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_stray_file_does_not_enter_the_manifest(fake_wheelhouse):
    folder, _ = fake_wheelhouse
    (folder / "demo-1.0.tar.gz").write_bytes(b"a source archive")
    with pytest.raises(wheelhouse.WheelhouseError, match="neither a wheel nor a pinned browser asset"):
        wheelhouse.write_manifest(folder, {"python": "3.11", "platform": "test"})


# --- make lab, as root too ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_starts_jupyterlab_also_as_root(tmp_path):
    stamp = Path(sys.prefix) / ".installed-requirements"
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    for key in ("MAKEFLAGS", "MAKELEVEL"):
        env.pop(key, None)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 --ServerApp.token=test"
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"VENV={sys.prefix}", f"-o{stamp}",
                             f"LAB_ARGS={args}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if f"127.0.0.1:{port}/lab" in line:
                break
        log = "".join(lines)
        assert f"127.0.0.1:{port}/lab" in log, log
        as_root = os.geteuid() == 0
        assert ("make lab: running as root (in a container?): JupyterLab starts with --allow-root" in log) is as_root
        assert bool(re.search(r"bin/jupyter lab --allow-root --no-browser", log)) is as_root
        assert "Running as root is not recommended" not in log
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
