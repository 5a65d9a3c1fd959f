"""The chapters run where the student is: the runnable course, the Colab copies, Windows.

Fast checks, run by `make test`: the lean requirements agree with the full ones; the runnable
course holds what a chapter needs and nothing of the book's build; the Colab copies are plain
Markdown with an install cell that keeps Colab's own torch; the launch buttons appear only with a
repository; and a static scan of the code a student runs for what breaks on Windows (text files
opened without an encoding, shell lines, DataLoader workers under spawn). The end-to-end runs (the
course installed offline into a new venv, the Colab copies in a Colab-like venv) are
tests/portable/ (`make test-portable`, in .ci/run).
"""
from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_edition import bundle, colab  # noqa: E402
from student_edition import generate  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_lean_requirements_pin_what_the_full_ones_pin():
    lean, full = _pins(ROOT / "requirements-course.txt"), _pins(ROOT / "requirements.txt")
    assert {"torch", "numpy", "jupyterlab", "jupyterlab-myst", "ipykernel"} <= set(lean)
    differ = {name: (version, full.get(name)) for name, version in lean.items() if full.get(name) != version}
    assert not differ, f"requirements-course.txt and requirements.txt pin differently: {differ}"
    assert not {"jupyter-book", "nbval", "pytest", "playwright"} & set(lean), "the course needs no build tools"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    folder = bundle.build(ROOT, out, out / "course.zip")
    return folder, out / "course.zip"


def test_the_course_holds_the_chapters_the_package_and_a_lean_install(course):
    folder, zip_path = course
    assert sorted(p.name for p in (folder / "chapters").glob("*.ipynb")) == [p.name for p in CHAPTERS]
    assert (folder / "nnreg" / "practicals.mplstyle").is_file()  # the style travels with the package
    assert (folder / "requirements.txt").read_text(encoding="utf-8") == (
        ROOT / "requirements-course.txt").read_text(encoding="utf-8")
    for name in ("course.py", "jupyterlab_overrides.json", "README.md", "pyproject.toml", "data/README.md"):
        assert (folder / name).is_file(), name
    assert not (folder / "tests").exists() and not (folder / "student_edition").exists()
    assert not list(folder.rglob("__pycache__"))
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    assert all(n.startswith("nn-regression-course/") for n in names)
    assert "nn-regression-course/course.py" in names and "nn-regression-course/chapters/05_cnn.ipynb" in names


def test_the_readme_gives_one_command_to_install_and_one_to_open_jupyterlab(course):
    readme = (course[0] / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^python course\.py \w+$", readme, re.M)
    assert commands[:2] == ["python course.py install", "python course.py lab"]
    assert "make" not in readme.split()


# ------------------------------------------------------------------------------------------------
# Colab copies
# ------------------------------------------------------------------------------------------------
MYST = (":::{exercise}\n:label: ex-one\nDo this.\n:::\n\nText with {ref}`ex-one` and "
        "{ref}`the first <ex-one>`.\n\n:::{solution} ex-one\n:class: dropdown\nThe answer.\n"
        "```python\nprint(':::')\n```\n:::\n")


def test_myst_becomes_plain_markdown_with_folded_solutions():
    text = colab.plain_markdown(MYST, {})
    assert '<a id="ex-one"></a>**Exercise 1.** Do this.' in text
    assert "[Exercise 1](#ex-one)" in text and "the first" in text
    assert "<details>\n<summary>Solution to Exercise 1</summary>\n\nThe answer.\n```python\nprint(':::')\n```" in text
    assert ":::{" not in text and "{ref}" not in text and ":label:" not in text


def test_a_colab_copy_installs_only_what_is_missing_and_keeps_colabs_torch():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(MYST),
                                         nbformat.v4.new_code_cell("import nnreg")])
    copy = colab.colab_notebook(nb, "https://example.org/colab.zip")
    install = copy.cells[1]
    assert install.cell_type == "code" and copy.cells[2].source == "import nnreg"
    assert 'find_spec("nnreg") is None' in install.source and "--no-deps" in install.source
    code = "\n".join(line for line in install.source.splitlines() if not line.startswith("#"))
    installed = re.findall(r"'([\w-]+)==", code)
    assert installed == ["numpyarray-to-latex", "torchsummary"]  # never torch, never numpy
    assert nb.cells[0].source == MYST  # the source notebook is left alone


def test_every_colab_copy_is_free_of_myst(tmp_path):
    out = colab.build(ROOT, tmp_path / "colab", "https://example.org/colab.zip")
    for path in sorted((out / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        leftover = re.findall(r"^:{3,}\{?[\w-]*\}?|\{(?:ref|numref|doc|eq)\}`", markdown, re.M)
        assert not leftover, f"{path.name}: {leftover[:3]}"
        assert nb.cells[[c.cell_type for c in nb.cells].index("code")].metadata["tags"] == ["colab-install"]
    assert (out / "requirements.txt").is_file() and (out / "nnreg").is_dir()  # what Binder installs


def test_the_colab_source_comes_from_the_repository_in_the_config(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text('repository:\n  url: "https://github.com/me/book/"\n  branch: colab\n', encoding="utf-8")
    assert colab.published_source(config) == "https://github.com/me/book/archive/refs/heads/colab.zip"
    config.write_text('repository:\n  url: ""\n', encoding="utf-8")
    assert colab.published_source(config) is None


def test_launch_buttons_only_with_a_repository():
    sys.path.insert(0, str(ROOT / "_ext"))
    import run_buttons

    def config(url):
        return SimpleNamespace(html_theme_options={
            "repository_url": url, "launch_buttons": {"colab_url": "https://colab.research.google.com",
                                                      "binderhub_url": "https://mybinder.org",
                                                      "notebook_interface": "jupyterlab"}})

    without, with_repo = config(""), config("https://github.com/me/book")
    run_buttons.drop_launchers_without_repository(None, without)
    run_buttons.drop_launchers_without_repository(None, with_repo)
    assert without.html_theme_options["launch_buttons"] == {"notebook_interface": "jupyterlab"}
    assert with_repo.html_theme_options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_the_student_book_launches_and_offers_its_own_edition():
    config = generate.student_config((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert re.search(r'^\s*path_to_book: "student"$', config, re.M)
    assert re.search(r'^\s*nnreg_run_zip: "nn-regression-student.zip"$', config, re.M)


# ------------------------------------------------------------------------------------------------
# Windows and macOS: a static scan of what a student runs
# ------------------------------------------------------------------------------------------------
SHELL_MAGIC = re.compile(r"^\s*(!|%%(bash|sh|script|system)\b|%(system|sx)\b)", re.M)


def windows_problems(source: str, where: str) -> list[str]:
    """What in this Python code breaks or differs on Windows: text opened without an encoding
    (Windows' default is not UTF-8), shell lines, DataLoader workers (spawned processes cannot see
    a notebook's functions)."""
    problems = [f"{where}: a shell line ({m.group(0).strip()}): use Python (pathlib, shutil)"
                for m in SHELL_MAGIC.finditer(source)]
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return problems + [f"{where}: not plain Python"]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        keywords = {k.arg: k.value for k in node.keywords}
        if name == "open" and isinstance(node.func, ast.Name):
            mode = node.args[1] if len(node.args) > 1 else keywords.get("mode")
            binary = isinstance(mode, ast.Constant) and "b" in str(mode.value)
            if not binary and "encoding" not in keywords:
                problems.append(f"{where}, line {node.lineno}: open() of a text file without encoding=")
        if name in {"read_text", "write_text"} and "encoding" not in keywords and not (
                name == "write_text" and len(node.args) > 1):
            problems.append(f"{where}, line {node.lineno}: {name}() without encoding=")
        if name == "system" and isinstance(node.func, ast.Attribute):
            problems.append(f"{where}, line {node.lineno}: os.system runs a shell command")
        if name == "DataLoader":
            workers = keywords.get("num_workers")
            if workers is not None and not (isinstance(workers, ast.Constant) and workers.value == 0):
                problems.append(f"{where}, line {node.lineno}: DataLoader workers break under spawn "
                                "(Windows, macOS) for data defined in a notebook: leave num_workers at 0")
    return problems


def _student_code() -> list[tuple[str, str]]:
    code = []
    for path in CHAPTERS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                code.append((cell.source, f"{path.name}, cell {i}"))
    for path in sorted((ROOT / "nnreg").glob("*.py")) + [ROOT / "course_edition" / "course.py"]:
        code.append((path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()))
    return code


def test_what_a_student_runs_works_on_windows():
    problems = [p for source, where in _student_code() for p in windows_problems(source, where)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source, found", [
    ("text = open('data/README.md').read()", "without encoding"),
    ("Path('a.json').read_text()", "read_text() without encoding"),
    ("!ls data", "a shell line"),
    ("%%bash\nls", "a shell line"),
    ("import os\nos.system('rm -r data')", "os.system"),
    ("DataLoader(ds, batch_size=4, num_workers=2)", "DataLoader workers"),
])
def test_the_windows_scan_finds_each_problem(source, found):
    assert any(found in p for p in windows_problems(source, "t")), windows_problems(source, "t")


def test_the_windows_scan_accepts_portable_code():
    source = ("from pathlib import Path\nopen('x.bin', 'rb').read()\nPath('a').read_text(encoding='utf-8')\n"
              "Path('a').write_bytes(b'')\nDataLoader(ds, batch_size=4, num_workers=0)\n")
    assert windows_problems(source, "t") == []


def test_the_student_pages_link_the_student_zip_not_the_books_course(tmp_path):
    generate.build(ROOT, tmp_path / "student")
    index = (tmp_path / "student" / "chapters" / "index.md").read_text(encoding="utf-8")
    assert "nn-regression-student.zip" in index and "nn-regression-course.zip" not in index
    assert "nn-regression-course.zip" in (ROOT / "chapters" / "index.md").read_text(encoding="utf-8")
