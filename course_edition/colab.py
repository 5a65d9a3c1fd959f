"""Copies of the notebooks for Google Colab (and Binder), generated, never edited by hand.

Colab renders plain Markdown only, and has its own PyTorch but not the book's helper package. A
Colab copy of a notebook therefore differs from the book's in two ways:

- its Markdown is plain: an ``exercise`` block becomes a bold "Exercise N" paragraph with an
  anchor, a ``solution`` block a ``<details>`` element ("Solution to Exercise N", folded), a
  ``{ref}`` role a link to that anchor (or its text), any other role its text;
- a first code cell installs what Colab lacks, only when it is missing: ``nnreg`` from the
  published ``colab`` branch of the book's repository, ``numpyarray-to-latex`` and
  ``torchsummary``, all with ``--no-deps``, so that Colab's own torch and NumPy are never replaced.
  The environment variable ``NNREG_SOURCE`` points the install elsewhere (the Colab-like test
  points it at a local folder). Where ``nnreg`` is installed (Binder, a laptop) the cell does
  nothing.

``build`` writes a folder to publish as the repository's ``colab`` branch (the launch buttons of
the book open it: ``_config.yml``, ``repository``): ``chapters/`` (the book) and, when given,
``student/chapters/`` (the student edition), with the helper package and ``requirements.txt``
at the top, which is what Binder installs.
"""
from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat

from course_edition.bundle import COPY_IGNORE, copy_run_files
from student_edition.generate import closing_fence

SOURCE_ENV = "NNREG_SOURCE"
PINS = ("numpyarray-to-latex==0.1.0", "torchsummary==1.5.1")  # as requirements-course.txt

_OPEN = re.compile(r"^(?P<fence>:{3,})\{(?P<name>[\w-]+)\}(?P<arg>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")


def install_cell_source(source_url: str) -> str:
    """The code of the first cell of a Colab copy."""
    packages = ", ".join(repr(p) for p in PINS)
    return (
        "# On Colab: install this book's helper package (nnreg) and two small packages Colab lacks.\n"
        "# --no-deps keeps Colab's own torch and NumPy. Where nnreg is installed, this does nothing.\n"
        "import importlib.util, os, subprocess, sys\n"
        "if importlib.util.find_spec(\"nnreg\") is None:\n"
        f"    source = os.environ.get({SOURCE_ENV!r}, {source_url!r})\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", \"--no-deps\",\n"
        f"                    source, {packages}], check=True)"
    )


def _blocks(text: str):
    """Split MyST text into ('text', str) and ('directive', name, arg, options, body) pieces."""
    lines = text.splitlines()
    i, plain = 0, []
    while i < len(lines):
        opening = _OPEN.match(lines[i])
        if not opening:
            plain.append(lines[i])
            i += 1
            continue
        if plain:
            yield ("text", "\n".join(plain))
            plain = []
        fence, name, arg = opening.group("fence"), opening.group("name"), opening.group("arg").strip()
        i += 1
        options = {}
        while i < len(lines) and _OPTION.match(lines[i]):
            option = _OPTION.match(lines[i])
            options[option.group("key")] = option.group("value").strip()
            i += 1
        end = closing_fence(lines, i, fence)
        body, i = lines[i:end], end + 1  # past the closing fence
        yield ("directive", name, arg, options, "\n".join(body).strip("\n"))
    if plain:
        yield ("text", "\n".join(plain))


def plain_markdown(text: str, numbers: dict[str, int]) -> str:
    """MyST ``text`` as plain Markdown. ``numbers`` maps exercise labels to their numbers; exercises
    met here are numbered on from it (it is updated), as sphinx-exercise numbers them per page."""
    parts = []
    for piece in _blocks(text):
        if piece[0] == "text":
            parts.append(piece[1])
            continue
        _, name, arg, options, body = piece
        body = plain_markdown(body, numbers)
        if name == "exercise":
            number = numbers.setdefault(options.get("label", f"_{len(numbers)}"), len(numbers) + 1)
            anchor = f'<a id="{options["label"]}"></a>' if "label" in options else ""
            title = f" ({arg})" if arg else ""
            parts.append(f"{anchor}**Exercise {number}{title}.** {body}")
        elif name == "solution":
            number = numbers.get(arg.split()[0] if arg else "", "")
            parts.append(f"<details>\n<summary>Solution to Exercise {number}</summary>\n\n{body}\n\n</details>")
        else:
            parts.append(body)
    return _roles("\n\n".join(parts), numbers)


def _roles(text: str, numbers: dict[str, int]) -> str:
    def replace(match):
        role, body = match.group("role"), match.group("body")
        explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body)
        if explicit:
            return explicit.group("text")
        if role in {"ref", "numref"} and body in numbers:
            return f"[Exercise {numbers[body]}](#{body})"
        return body

    return _ROLE.sub(replace, text)


def colab_notebook(nb, source_url: str):
    """The Colab copy of the notebook ``nb`` (not modified)."""
    nb = copy.deepcopy(nb)
    numbers: dict[str, int] = {}
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, numbers)
        cells.append(cell)
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    install = nbformat.v4.new_code_cell(install_cell_source(source_url))
    install.metadata["tags"] = ["colab-install"]
    cells.insert(first_code, install)
    nb.cells = cells
    return nb


def published_source(config_path: Path) -> str | None:
    """Where the Colab copies install nnreg from: the zip of the branch that ``_config.yml``'s
    ``repository`` names (its launch buttons open the same branch); None without a repository."""
    import yaml

    repository = (yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}).get("repository") or {}
    url = (repository.get("url") or "").rstrip("/")
    return f"{url}/archive/refs/heads/{repository.get('branch') or 'colab'}.zip" if url else None


def build(root: Path, out: Path, source_url: str, student: Path | None = None) -> Path:
    """Write the folder of the ``colab`` branch: Colab copies of the book's chapters (and of the
    student edition's, from the folder ``student``), the helper package and requirements."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    copy_run_files(root, out)
    editions = [(root / "chapters", out / "chapters")]
    if student is not None:
        editions.append((Path(student) / "chapters", out / "student" / "chapters"))
    for source, target in editions:
        shutil.copytree(source, target, ignore=COPY_IGNORE)
        for path in sorted(target.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            nbformat.write(colab_notebook(nb, source_url), path)
    (out / "README.md").write_text(
        "# Neural Networks for Regression: notebooks for Colab and Binder\n\n"
        "Generated from the book's notebooks (`make colab`); do not edit. `chapters/` holds the book,\n"
        "`student/chapters/` the student edition. Each notebook's first code cell installs the book's\n"
        "helper package on Colab.\n", encoding="utf-8")
    return out
