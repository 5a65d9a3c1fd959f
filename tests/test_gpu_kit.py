"""The GPU kit (tools/gpu_kit.py) and its check (tools/gpu_check.py), without building or running them.

make gpu-kit builds the kit and make test-gpu-kit runs the check in a mimic of a GPU image; these
tests cover the report, the manifest check and the stack the kit must leave out.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import gpu_check  # noqa: E402
import gpu_kit  # noqa: E402
import wheelhouse  # noqa: E402

ESC = "#x1B"  # how pytest's junit XML writes the escape of a colour code
JUNIT = f"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="6">
<testcase classname="chapters.01_tensors.ipynb" name="Cell 0" time="2.50"/>
<testcase classname="chapters.01_tensors.ipynb" name="Cell 1" time="0.25"/>
<testcase classname="chapters.01_tensors.ipynb" name="Cell 2" time="0.25"><skipped message="nbval-skip"/></testcase>
<testcase classname="chapters.06_facial_keypoints.ipynb" name="Cell 0" time="3.00"/>
<testcase classname="chapters.06_facial_keypoints.ipynb" name="Cell 7" time="40.00"><failure
 message="{ESC}[91mnbval cell output mismatch{ESC}[0m">Expected: 0.1234
Got: 0.1240 {"x" * 300}</failure></testcase>
<testcase classname="" name="chapters.05_cnn.ipynb" time="0.10"><error message="collection failure"/></testcase>
</testsuite></testsuites>
"""
ENV = {"date": "2026-01-01 00:00 UTC", "source": "abc1234", "device": "NVIDIA H100 80GB HBM3 (cuda:0 of 1)",
       "torch": {"version": "2.11.0+cu130", "cuda": "13.0", "cudnn": 91000, "dir": "/usr/lib/python3/torch"},
       "python": "3.12.3", "executable": "/usr/bin/python3",
       "stack": {"torch": {"version": "2.11.0+cu130"}, "numpy": {"version": "2.3.5"}}, "kit": "39 wheels"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def fits_one_screen(report: str) -> bool:
    lines = report.splitlines()
    return len(lines) <= 40 and all(len(line) <= 100 for line in lines)


def test_the_report_groups_cells_by_notebook_and_fits_one_screen(tmp_path):
    notebooks = gpu_check.parse_junit(write(tmp_path / "junit.xml", JUNIT))
    assert list(notebooks) == ["01_tensors", "06_facial_keypoints", "05_cnn"]
    tensors, faces, cnn = notebooks.values()
    assert (tensors["cells"], tensors["passed"], tensors["skipped"], tensors["failed"]) == (3, 2, 1, 0)
    assert tensors["seconds"] == pytest.approx(3.0)
    assert (faces["passed"], faces["failed"]) == (1, 1) and cnn["failed"] == 1  # an error counts as failed
    assert faces["failures"][0][1].startswith("nbval cell output mismatch | Expected: 0.1234")  # no colour codes
    rules = list(gpu_check.sanitize_rules())
    hits = {"01_tensors": {"setup-device": [1, 1], "memory-address": [2, 0]},
            "06_facial_keypoints": {"setup-device": [1, 1], "tqdm-rate": [5, 4]}}
    report = gpu_check.format_report(ENV, notebooks, hits, rules, [], 46.1, ["tensor-device"])
    assert fits_one_screen(report), report
    assert "..." not in report.split("sanitizer hits")[1].split("first failures")[0]  # no rule cut off
    assert report.startswith("nnreg GPU check: FAILED")
    assert re.search(r"^01_tensors\s+3\s+2\s+0\s+1\s+3\.0$", report, flags=re.MULTILINE), report
    assert re.search(r"^06_facial_keypoints\s+2\s+1\s+1\s+0\s+43\.0$", report, flags=re.MULTILINE), report
    assert "tensor-device*" in report and "not applied by nbval" in report
    assert re.search(r"setup-device\s+2/2 ", report) and re.search(r"memory-address\s+2/0 ", report), report
    assert "06_facial_keypoints Cell 7: nbval cell output mismatch" in report
    assert "cells   3 passed, 2 failed, 1 skipped in 3 notebooks; 46 s wall" in report
    # the wrong input: hundreds of failures and a long path still give one screen; the check sees a long one
    many = {f"{i:02d}_chapter": {**faces, "failures": [("Cell 1", "y" * 500)] * 50} for i in range(12)}
    crowded = gpu_check.format_report({**ENV, "executable": "/x" * 200}, many, hits, rules, ["p" * 300] * 3, 1.0)
    assert fits_one_screen(crowded), crowded
    assert not fits_one_screen(report + "z" * 101)


def test_a_passing_run_says_so_and_an_empty_run_fails():
    one = {"01_tensors": {"cells": 2, "passed": 2, "failed": 0, "skipped": 0, "seconds": 1.0, "failures": []}}
    rules = list(gpu_check.sanitize_rules())
    assert gpu_check.format_report(ENV, one, {}, rules, [], 1.0).startswith("nnreg GPU check: PASSED")
    assert gpu_check.format_report(ENV, {}, {}, rules, [], 1.0).startswith("nnreg GPU check: FAILED")
    problem = gpu_check.format_report(ENV, one, {}, rules, ["numpy came from the kit"], 1.0)
    assert problem.startswith("nnreg GPU check: FAILED") and "problem: numpy came from the kit" in problem


def test_the_sanitizer_rules_are_read_as_nbval_reads_them(tmp_path):
    from nbval.plugin import get_sanitize_patterns

    rules = gpu_check.sanitize_rules()
    text = gpu_check.SANITIZE.read_text(encoding="utf-8")
    applied = [regex for regex, _ in get_sanitize_patterns(text)]
    unapplied = gpu_check.unapplied_rules()
    assert [regex for name, regex in rules.items() if name not in unapplied] == applied
    assert list(rules) == re.findall(r"^\[([^\]]+)\]", text, flags=re.MULTILINE)
    # a rule whose "replace:" has no space after it is skipped by nbval, and the report says so
    skipped = write(tmp_path / "cfg", "[a]\nregex: x\nreplace: y\n[b]\nregex: z\nreplace:\n")
    assert gpu_check.unapplied_rules(skipped) == ["b"]
    assert get_sanitize_patterns(skipped.read_text()) == [("x", "y")]
    counted = gpu_check.count_hits("Using device: cuda:0 (NVIDIA H100), torch 2.11.0\n<object at 0x7f00deadbeef>\n"
                                   "x lives on: cuda:0", rules)
    assert counted["setup-device"] == 1 and counted["memory-address"] == 1 and counted["device-at-line-end"] == 1
    assert gpu_check.count_hits("Using devices: none", rules)["setup-device"] == 0  # the wrong input


def test_the_counted_outputs_are_those_nbval_compares():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "a"},
               {"output_type": "display_data", "data": {"text/plain": "b", "image/png": "c"}, "metadata": {}}]
    assert gpu_check.output_texts(outputs, skip=("image/png", "metadata")) == ["stream", "stdout", "a",
                                                                                "display_data", "b"]
    assert "c" in gpu_check.output_texts(outputs)  # not skipped: counted


def test_the_run_uses_the_makefiles_nbval_flags_and_chosen_chapters(tmp_path):
    assert gpu_check.nbval_flags() == ["--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                                       "tests/nbval_sanitize.cfg", "--nbval-cell-timeout", "1200"]
    with pytest.raises(SystemExit):
        gpu_check.nbval_flags(write(tmp_path / "Makefile", "test:\n\tpytest\n"))
    chosen = gpu_check.notebooks_for(["01", "03"])
    assert [nb.name[:2] for nb in chosen] == ["01", "03"]
    assert len(gpu_check.notebooks_for(None)) == len(list((ROOT / "chapters").glob("*.ipynb")))
    with pytest.raises(SystemExit):
        gpu_check.notebooks_for(["99"])


def fake_kit(folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    for name in names:
        write(folder / name, f"not really a wheel: {name}")
    wheelhouse.write_manifest(folder, {"python": "{}.{}".format(*sys.version_info[:2]), "platform": "test"})
    return folder


KIT = ["nnreg-0.1.0-py3-none-any.whl", "nbval-0.11.0-py2.py3-none-any.whl",
       "ipykernel-7.4.0-py3-none-any.whl"]


def test_the_manifest_check_fails_on_a_tampered_kit(tmp_path):
    kit = fake_kit(tmp_path / "kit", KIT)
    gpu_kit.check(kit)
    write(kit / KIT[1], "replaced")
    with pytest.raises(wheelhouse.WheelhouseError, match="sha256.*make gpu-kit"):
        gpu_kit.check(kit)
    extra = fake_kit(tmp_path / "extra", KIT)
    write(extra / "pyzmq-27.3.0-cp312-cp312-manylinux_2_28_x86_64.whl", "unlisted")
    with pytest.raises(wheelhouse.WheelhouseError, match="not in its manifest"):
        gpu_kit.check(extra)
    other = fake_kit(tmp_path / "py39", KIT)
    manifest = (other / "manifest.json").read_text(encoding="utf-8")
    write(other / "manifest.json", re.sub(r'"python": "[^"]+"', '"python": "3.9"', manifest))
    with pytest.raises(wheelhouse.WheelhouseError, match="made for Python 3.9.*GPU_KIT_PYTHON="):
        gpu_kit.check(other)


def test_the_kit_leaves_the_images_stack_out(tmp_path, monkeypatch):
    for name in ["torch", "numpy", "pandas", "matplotlib", "scikit-learn", "scikit_learn", "tqdm", "pytest",
                 "Jinja2", "typing_extensions", "nvidia-cublas", "nvidia_cudnn_cu13", "triton", "pluggy"]:
        assert gpu_kit.in_stack(name), name
    for name in [*gpu_kit.KIT_PACKAGES, "nnreg", "jupyter_core", "pyzmq", "ipython", "debugpy", "coverage"]:
        assert not gpu_kit.in_stack(name), name
    assert set(gpu_kit.STACK_TOP) <= set(gpu_kit.STACK)
    with pytest.raises(wheelhouse.WheelhouseError, match="numpy-2.4.6"):
        gpu_kit.check(fake_kit(tmp_path / "numpy", [*KIT, "numpy-2.4.6-cp312-cp312-manylinux_2_28_x86_64.whl"]))
    with pytest.raises(wheelhouse.WheelhouseError, match="nvidia_cublas"):
        gpu_kit.check(fake_kit(tmp_path / "cuda", [*KIT, "nvidia_cublas-13.0.0-py3-none-manylinux_2_28_x86_64.whl"]))
    with pytest.raises(wheelhouse.WheelhouseError, match="lacks the book's package"):
        gpu_kit.check(fake_kit(tmp_path / "no-nnreg", KIT[1:]))
    monkeypatch.setattr(gpu_kit, "LIMIT_BYTES", 10)
    with pytest.raises(wheelhouse.WheelhouseError, match="over the 0 MB limit"):
        gpu_kit.check(fake_kit(tmp_path / "big", KIT))


def test_the_kit_asks_for_the_books_pins():
    pinned = gpu_kit.pins(["nbval", "ipywidgets", "jupyter-client", "numpyarray_to_latex"])
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert pinned[0] == re.search(r"^nbval==\S+", requirements, flags=re.MULTILINE)[0]
    assert pinned[2] == "jupyter-client"  # not pinned there: left to the resolver
    assert pinned[3].startswith("numpyarray-to-latex==")


def test_the_stack_must_come_from_the_machine_and_the_kit_from_its_folder(tmp_path):
    site, kit = "/usr/lib/python3.12/site-packages", str(tmp_path / "site")
    good = {"stack": {"torch": {"dir": f"{site}/torch"}, "numpy": {"dir": f"{site}/numpy"}},
            "kit": {"nnreg": f"{kit}/nnreg", "ipykernel": f"{kit}/ipykernel"}}
    assert gpu_check.origin_problems(good, tmp_path / "site") == []
    shadowed = {"stack": {"numpy": {"dir": f"{kit}/numpy"}}, "kit": {"nnreg": "/work/clone/nnreg"}}
    assert gpu_check.origin_problems(shadowed, tmp_path / "site") == [
        f"numpy came from the kit ({kit}/numpy), not from the machine",
        "nnreg came from /work/clone/nnreg, not from the kit"]


def test_a_kit_made_from_other_nnreg_sources_is_told_apart(tmp_path):
    clone = tmp_path / "clone"
    (clone / "nnreg").mkdir(parents=True)
    write(clone / "pyproject.toml", "[project]\nname = 'nnreg'\n")
    write(clone / "nnreg" / "core.py", "x = 1\n")
    before = gpu_kit.nnreg_digest(clone)
    (clone / "nnreg" / "__pycache__").mkdir()
    write(clone / "nnreg" / "__pycache__" / "core.cpython-312.pyc", "bytecode")
    assert gpu_kit.nnreg_digest(clone) == before  # bytecode is not a source
    write(clone / "nnreg" / "core.py", "x = 2\n")
    assert gpu_kit.nnreg_digest(clone) != before
    assert gpu_kit.nnreg_digest() != before  # the repository's own
