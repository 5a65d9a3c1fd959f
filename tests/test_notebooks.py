"""Notebook hygiene: every chapter is committed executed once, top to bottom, and honest.

nbval (run by `make test` over chapters/) checks that the stored outputs are what the code
produces; these checks catch what nbval cannot see: out-of-order or partial execution, stored
errors, leaked paths, ignored outputs that nothing checks, unsafe loading, progress bars that a
reader would see empty or unfinished.
"""
from __future__ import annotations

import getpass
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from execute import bar_text  # noqa: E402  (how `make execute` writes a bar's text copy)
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

# absolute paths that would leak the author's machine into the book
PATH_PATTERN = re.compile(r"(/home/\w|/Users/\w|/root/|/work/|/tmp/|/private/var/|[A-Z]:\\\\)")
IGNORE_TAG = "nbval-ignore-output"  # nbval compares nothing of such a cell
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # an output that shows a widget
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"  # the models, in the notebook metadata
MODEL_REF = re.compile(r"IPY_MODEL_(\w+)")  # how a model names another (children, layout)
PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _output_text(output) -> str:
    parts = []
    if "text" in output:
        parts.append("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime == "application/json":
            parts.append("".join(value) if isinstance(value, list) else str(value))
    if output.get("output_type") == "error":
        parts.extend(output.get("traceback", []))
    return "\n".join(parts)


def _ignores_output(cell) -> bool:
    return IGNORE_TAG in _tags(cell)


def widget_problems(nb: dict) -> list[str]:
    """Widget outputs that would show nothing, or an unfinished bar, without a running kernel.

    The book (embed.js) and JupyterLab draw a widget output from the notebook's stored widget
    state: a view whose model, or one of the models it refers to, is missing from it shows nothing
    (or its text fallback, a bar at 0 %). A progress bar must be stored finished: value == max,
    not in tqdm's red 'danger' style (an interrupted loop, or one stopped early without saying so).
    """
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    problems = []
    for i, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            seen, todo, missing = set(), [view.get("model_id")], []
            while todo:
                model_id = todo.pop()
                if model_id in seen:
                    continue
                seen.add(model_id)
                if model_id not in state:
                    missing.append(model_id)
                    continue
                model = state[model_id]
                todo += MODEL_REF.findall(json.dumps(model.get("state", {})))
                if model.get("model_name") in PROGRESS_MODELS:
                    bar = model.get("state", {})
                    if bar.get("value") != bar.get("max") or bar.get("bar_style") == "danger":
                        problems.append(
                            f"cell {i} stores an unfinished progress bar ({bar.get('value')} of "
                            f"{bar.get('max')}, style {bar.get('bar_style')!r}): a reader sees it stopped; "
                            "close it at its total (or shrink the total when a loop stops early)")
            if missing:
                problems.append(
                    f"cell {i} shows a widget whose model {missing[0]} is not in the notebook's stored "
                    "widget state: the book and JupyterLab would show nothing or a bar at 0 % "
                    "(re-execute with `make execute`, which stores it)")
                continue
            final = bar_text(view.get("model_id"), state)
            text = output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if final is not None and text != final:
                problems.append(
                    f"cell {i} stores a bar whose text copy ({text[:40]!r}) is not its final state "
                    f"({final[:40]!r}): an untrusted JupyterLab, GitHub and nbviewer show the text "
                    "(re-execute with `make execute`, which writes it)")
    return problems


def notebook_problems(nb: dict, user: str | None = None) -> list[str]:
    """Everything wrong with a stored notebook, as readable sentences (empty when it is fine)."""
    problems = []
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec is {kernel!r}, expected 'python3'")

    problems += widget_problems(nb)

    code_cells = [(i, c) for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code" and _source(c).strip()]
    counts = [c.get("execution_count") for _, c in code_cells]
    never_run = [i for (i, c), n in zip(code_cells, counts) if n is None]
    if never_run:
        problems.append(f"code cells {never_run} were never executed")
    elif counts != list(range(1, len(counts) + 1)):
        problems.append(f"execution counts are {counts}, expected 1..{len(counts)}: restart the kernel and run all")

    for position, (i, cell) in enumerate(code_cells):
        for output in cell.get("outputs", []):
            text = _output_text(output)
            if output.get("output_type") == "error" and "raises-exception" not in _tags(cell):
                problems.append(f"cell {i} stores an error ({output.get('ename')}) but is not tagged raises-exception")
            if PATH_PATTERN.search(text):
                problems.append(f"cell {i} output shows an absolute path: {PATH_PATTERN.search(text).group(0)!r}")
            if user and user not in {"root", "runner", "user", "jovyan"} and re.search(rf"\b{re.escape(user)}\b", text):
                problems.append(f"cell {i} output shows the user name {user!r}")
        if "raises-exception" in _tags(cell) and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            problems.append(f"cell {i} is tagged raises-exception but raised nothing")
        if _ignores_output(cell):
            following = _source(code_cells[position + 1][1]) if position + 1 < len(code_cells) else ""
            if not re.search(r"^\s*assert\b", _source(cell) + "\n" + following, re.MULTILINE):
                problems.append(f"cell {i} ignores its output (tag {IGNORE_TAG}) but neither it nor the next code cell asserts anything")
        if re.search(r"torch\.load\(", _source(cell)) and not re.search(r"weights_only\s*=\s*True", _source(cell)):
            problems.append(f"cell {i} calls torch.load without weights_only=True")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = notebook_problems(nb, user=getpass.getuser())
    assert not problems, f"{path.name}:\n  - " + "\n  - ".join(problems)


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"(?:file|root):\s*(\S+)", toc))
    on_disk = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    on_disk |= {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.md")}
    assert on_disk - listed == set(), f"chapters missing from _toc.yml: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"_toc.yml lists files that do not exist: {sorted(listed - on_disk)}"
    assert NOTEBOOKS, "no chapter notebooks found"


# --- the checker itself, on notebooks that are wrong on purpose ------------------------------

def _nb(*cells, kernel="python3"):
    return {"metadata": {"kernelspec": {"name": kernel}}, "cells": list(cells)}


def _code(source, count, outputs=(), tags=()):
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": list(outputs), "metadata": {"tags": list(tags)}}


def _err():
    return {"output_type": "error", "ename": "ValueError", "evalue": "boom", "traceback": ["ValueError: boom"]}


def _bar_view(model_id, text="epochs: 100%|██████████|5/5"):
    return {"output_type": "display_data", "metadata": {},
            "data": {WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
                     "text/plain": text}}


def _bar_state(value, total, style="success", drop=None):
    # the models tqdm.auto stores for one bar: a box holding a label, the bar and a second label
    models = {
        "hbox": ("HBoxModel", {"children": ["IPY_MODEL_label", "IPY_MODEL_bar", "IPY_MODEL_text"]}),
        "label": ("HTMLModel", {"value": "epochs: 100%"}),
        "bar": ("FloatProgressModel", {"value": value, "max": total, "bar_style": style}),
        "text": ("HTMLModel", {"value": f"{value}/{total}"}),
    }
    return {model_id: {"model_name": name, "state": state}
            for model_id, (name, state) in models.items() if model_id != drop}


def _with_state(nb, state):
    nb["metadata"]["widgets"] = {WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_checker_accepts_a_clean_notebook():
    nb = _nb(_code("x = 1", 1), _code("t = 2.5\nprint(t)", 2, tags=["nbval-ignore-output"]), _code("assert t > 0", 3),
             _code("1/0", 4, [_err()], tags=["raises-exception"]))
    assert notebook_problems(nb) == []


def test_checker_accepts_a_finished_bar_with_its_state():
    nb = _with_state(_nb(_code("bar", 1, [_bar_view("hbox")])), _bar_state(5, 5))
    assert notebook_problems(nb) == []


@pytest.mark.parametrize("nb, expected", [
    (_nb(_code("a", 2), _code("b", 1)), "execution counts"),
    (_nb(_code("a", 1), _code("b", None)), "never executed"),
    (_nb(_code("a", 1, [_err()])), "stores an error"),
    (_nb(_code("a", 1, tags=["raises-exception"])), "raised nothing"),
    (_nb(_code("a", 1), kernel="julia"), "kernelspec"),
    (_nb(_code("print(3)", 1, tags=["nbval-ignore-output"]), _code("print(4)", 2)), "asserts anything"),
    (_nb(_code("print(p)", 1, [{"output_type": "stream", "name": "stdout", "text": "/home/alice/book/x.pt\n"}])), "absolute path"),
    (_nb(_code("m = torch.load('m.pt')", 1)), "weights_only=True"),
    (_nb(_code("bar", 1, [_bar_view("hbox")])), "not in the notebook's stored widget state"),
    (_with_state(_nb(_code("bar", 1, [_bar_view("hbox")])), _bar_state(5, 5, drop="label")),
     "not in the notebook's stored widget state"),
    (_with_state(_nb(_code("bar", 1, [_bar_view("hbox")])), _bar_state(3, 5)), "unfinished progress bar"),
    (_with_state(_nb(_code("bar", 1, [_bar_view("hbox", text="epochs:   0%|          | 0/5")])), _bar_state(5, 5)),
     "text copy"),
    (_with_state(_nb(_code("bar", 1, [_bar_view("hbox")])), _bar_state(5, 5, style="danger")),
     "unfinished progress bar"),
])
def test_checker_rejects(nb, expected):
    problems = notebook_problems(nb)
    assert any(expected in p for p in problems), problems


def test_checker_names_the_user():
    nb = _nb(_code("print(u)", 1, [{"output_type": "stream", "name": "stdout", "text": "hello alice\n"}]))
    assert any("user name" in p for p in notebook_problems(nb, user="alice"))


def test_nbval_reads_every_rule_of_the_sanitize_file():
    """nbval finds a rule only as a 'regex: ' line followed at once by a 'replace: ' line (with its
    space, even when the replacement is empty): a rule it cannot read is silently not applied."""
    from nbval.plugin import get_sanitize_patterns

    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    sections = re.findall(r"^\[([\w-]+)\]$", text, re.MULTILINE)
    assert len(get_sanitize_patterns(text)) == len(sections), (
        f"nbval reads {len(get_sanitize_patterns(text))} of the {len(sections)} rules {sections}")
    broken = text.replace("replace: \n", "replace:\n")  # the slip this test is for
    assert len(get_sanitize_patterns(broken)) < len(sections)
