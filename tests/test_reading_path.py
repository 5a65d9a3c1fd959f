"""The reading path holds teaching: what a reader of the full book sees is the lesson.

- Test markers are cell tags (``nbval-ignore-output``, ``raises-exception``), never comments in
  the code a reader sees.
- The grading checks (the code cell after each student task) are folded in the full book
  (``hide-input``: the page shows their "Right: ..." line and a toggle); the student edition
  unfolds them.
- Visible code cells are short: per chapter, the median of non-blank lines over the code cells a
  reader sees (not folded with ``hide-input``/``hide-cell``, not removed) is at most 6, and no such
  cell has more than 30 lines. ``python tests/test_reading_path.py`` prints the table.
- Every ``assert`` in a code cell has a message that says what is wrong, as a string (an f-string, a
  string, a join, a variable holding one), never a bare tuple or number: a student who meets the
  failure reads a sentence.
- Every decimal number and every number with a thousands separator in a chapter's prose is shown
  by an output of that chapter (rounded as the prose rounds it), or is listed in
  ``NUMBERS_FROM_ELSEWHERE`` with where it comes from. Code spans are parameters, not
  observations, and are not read.
"""
from __future__ import annotations

import ast
import json
import re
import statistics
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
FOLDED = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
MEDIAN_AT_MOST, LONGEST_AT_MOST = 6, 30

# Numbers in the prose that no output of the page shows, and where each comes from. Each must
# still be in its chapter's prose (a stale entry fails), and the prose must say where it comes
# from or word it as an expectation.
NUMBERS_FROM_ELSEWHERE: dict[str, dict[str, str]] = {
    "02_autograd.ipynb": {
        # exercise solutions: what the reader's own run should give, worded as expectations
        "6.9718": "ex-autograd-product-rule solution: f'(1.5) = 3(1.5)^2 sin 1.5 + (1.5)^3 cos 1.5, "
                  "the value the solution's code should print (an expectation; not run on the page)",
        "0.137": "ex-autograd-learning-rate solution: 2 * 0.05 * 1.367 (the page shows 1.3667), arithmetic",
        "0.86": "ex-autograd-learning-rate solution: 1 - 0.137, arithmetic",
        "1.91": "ex-autograd-learning-rate solution: 2 * 0.7 * 1.367, arithmetic",
        "0.91": "ex-autograd-learning-rate solution: 1 - 1.91, arithmetic",
        "1.19": "ex-autograd-learning-rate solution: 1 - 2 * 0.8 * 1.367 = -1.19, arithmetic",
        "0.73": "ex-autograd-learning-rate solution: 1 / 1.367, the largest stable learning rate, arithmetic",
    },
    "03_backprop_exercise.ipynb": {
        # parameters that the bias exercise sets in its prose, not results
        "0.1": "backprop-bias exercise: the value it sets for b_1^(1)",
        "0.3": "backprop-bias exercise: the value it sets for b_2^(1) (-0.3)",
        "0.2": "backprop-bias exercise: the value it sets for b^(2)",
    },
    "04d_mlp_saving.ipynb": {
        "2.6": "a version number: the PyTorch release that made weights_only=True the default of "
               "torch.load (PyTorch's documentation of torch.load; torch's own refusal message says "
               "so too); the prose names the documentation",
    },
    "05_cnn.ipynb": {
        "0.3": "a parameter written in the prose: the background noise's standard deviation in "
               "make_disc_images (noise_std=0.3), which the prose names as such",
        "0.5": "a parameter written in the prose: the lower end of the disc brightness range in "
               "make_disc_images (0.5 + 1.5 * rand), which the prose names as such",
        "0.08": "ex-cnn-other-target's solution, worded as an expectation: the radius run's best "
                "validation MSE in off-page CPU trials (0.0821 in the last), said not to be shown",
        "0.05": "ex-cnn-other-target's solution, worded as an expectation: the brightness run's best "
                "validation MSE in off-page CPU trials (0.0540 in the last), said not to be shown",
    },
    "06_facial_keypoints.ipynb": {
        "0.1": "a parameter written in the prose: the CNN's first dropout probability (the practical's)",
        "0.2": "a parameter written in the prose: the CNN's second dropout probability (the practical's)",
        "0.3": "a parameter written in the prose: the FCN's dropout probability (the practical's)",
        "3.17": "the original practical's printed result (its CNN on the real data: 3.167 px); "
                "the prose says so",
        "10.46": "the original practical's printed result (its FCN on the real data: 10.461 px); "
                 "the prose says so",
        "1.6": "benchmarks/cnn_epoch_RESULTS.md (the book's loop 1.63x faster than the practical's, "
               "median whole epochs on the book's 2-core CPU); the prose names the file",
    },
}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------
# Test markers
# ------------------------------------------------------------------------------------------------
MARKER_COMMENT = re.compile(r"^\s*#\s*(NBVAL_\w+|nbval[-_]\w+|PYTEST_\w+)", re.I | re.M)


def marker_comments(nb: dict) -> list[str]:
    return [f"cell {i}: {m.group(1)}" for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for m in [MARKER_COMMENT.search(_source(c))] if m]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_test_markers_are_cell_tags_not_comments(path):
    found = marker_comments(_read(path))
    assert not found, (f"{path.name}: test markers in the code a reader sees: {found}; use nbval's "
                       "cell tags instead (nbval-ignore-output, raises-exception)")


def test_the_marker_check_finds_a_comment():
    nb = {"cells": [{"cell_type": "code", "source": "# NBVAL_IGNORE_OUTPUT\nx = 1"}]}
    assert marker_comments(nb) == ["cell 0: NBVAL_IGNORE_OUTPUT"]


# ------------------------------------------------------------------------------------------------
# Grading checks are folded
# ------------------------------------------------------------------------------------------------
def unfolded_checks(nb: dict) -> list[int]:
    """Check cells (the code cell after a cell tagged ``solution``) that the book shows in full."""
    code = [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    return [code[k + 1][0] for k, (_, c) in enumerate(code)
            if "solution" in _tags(c) and k + 1 < len(code) and "hide-input" not in _tags(code[k + 1][1])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_grading_checks_are_folded_in_the_full_book(path):
    cells = unfolded_checks(_read(path))
    assert not cells, f"{path.name}: the check cells {cells} are shown in full: tag them hide-input"


# ------------------------------------------------------------------------------------------------
# Short visible cells
# ------------------------------------------------------------------------------------------------
def visible_code_lines(nb: dict) -> list[int]:
    """Non-blank lines of each code cell a reader of the full book sees."""
    return [sum(1 for line in _source(c).splitlines() if line.strip())
            for c in nb["cells"] if c["cell_type"] == "code" and not _tags(c) & FOLDED and _source(c).strip()]


def code_statistics() -> dict[str, tuple[int, float, int]]:
    """Per chapter: (visible code cells, median lines, longest)."""
    stats = {}
    for path in NOTEBOOKS:
        lines = visible_code_lines(_read(path))
        stats[path.stem] = (len(lines), statistics.median(lines), max(lines))
    return stats


def statistics_table() -> str:
    rows = [f"{'chapter':28} {'visible cells':>13} {'median':>7} {'longest':>8}"]
    rows += [f"{name:28} {n:13d} {median:7.1f} {longest:8d}" for name, (n, median, longest) in code_statistics().items()]
    return "\n".join(rows)


def test_visible_code_cells_are_short():
    too_long = {name: (median, longest) for name, (_, median, longest) in code_statistics().items()
                if median > MEDIAN_AT_MOST or longest > LONGEST_AT_MOST}
    assert not too_long, (
        f"visible code cells: median at most {MEDIAN_AT_MOST} lines and none over {LONGEST_AT_MOST} "
        f"per chapter; over in {sorted(too_long)}:\n{statistics_table()}")


def test_the_statistics_count_what_a_reader_sees():
    cell = lambda src, *tags: {"cell_type": "code", "source": src, "metadata": {"tags": list(tags)}}  # noqa: E731
    nb = {"cells": [cell("a = 1\n\nb = 2\n"), cell("x\n" * 40, "hide-input"), cell("y\n" * 40, "remove-cell"),
                    cell(""), {"cell_type": "markdown", "source": "text\n" * 50}]}
    assert visible_code_lines(nb) == [2]


# ------------------------------------------------------------------------------------------------
# Every assert says what is wrong
# ------------------------------------------------------------------------------------------------
NOT_STRINGS = {"int", "float", "bool", "tuple", "list", "dict", "set", "len", "round", "sum", "min",
               "max", "abs"}  # builtins whose result is no message


def _python(source: str) -> str:
    """A code cell's Python: IPython's magic and shell lines (% and !) blanked, numbering kept."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _surely_text(node: ast.expr) -> bool:
    """A string literal, an f-string, a method of one ("\\n".join), or a sum or % with one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _surely_text(node.func.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(map(_surely_text, (node.left, node.right))) and all(map(is_text, (node.left, node.right)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _surely_text(node.left)
    return False


def is_text(node: ast.expr) -> bool:
    """Whether an assert's message is a string expression: a string for sure, or a name, attribute,
    item or call that may hold one (``problem``); never a tuple, a number or another literal."""
    if isinstance(node, ast.IfExp):
        return is_text(node.body) and is_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id not in NOT_STRINGS
    return _surely_text(node) or isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))


def asserts_without_a_message(nb: dict) -> list[str]:
    """Each assert of a code cell whose message is missing or is no string: 'cell i: source'."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        code = _python(_source(cell))
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            found.append(f"cell {i}: does not parse as Python ({error.msg}, line {error.lineno})")
            continue
        found += [f"cell {i}: {' '.join(ast.get_source_segment(code, node).split())}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Assert) and (node.msg is None or not is_text(node.msg))]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_assert_says_what_is_wrong(path):
    found = asserts_without_a_message(_read(path))
    assert not found, (
        f"{path.name}: asserts with no message, or a message that is no sentence:\n  - "
        + "\n  - ".join(found)
        + "\nGive each a string that says what is wrong and what it means, e.g. "
          'assert rmse < 1.5, f"the RMSE is {rmse:.2f} px, not below 1.5 px: ...".')


def test_the_assert_check_finds_a_bare_assert_and_a_tuple_message():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "assert False"},
        {"cell_type": "code", "source": "%timeit f()\nassert x > 0\nassert a == b, (a, b)\n"
                                        "assert a == b, 3\nassert a, float(a)\nassert a, a - b"},
        {"cell_type": "code", "source": ["!ls\n", "for x in xs:\n",
                                         '    assert x, f"{x} is no good"\n',
                                         "assert not problems, '\\n'.join(problems)\n",
                                         "assert problem is None, problem\n",
                                         'assert a, "a is " + str(a)\n', 'assert a, "a is %s" % a\n',
                                         'assert a, ("a is"\n           " empty")']},
        {"cell_type": "code", "source": "assert x >"},
    ]}
    *found, unparsed = asserts_without_a_message(nb)
    assert found == ["cell 1: assert x > 0", "cell 1: assert a == b, (a, b)", "cell 1: assert a == b, 3",
                     "cell 1: assert a, float(a)", "cell 1: assert a, a - b"]
    assert unparsed.startswith("cell 3: does not parse as Python (")


# ------------------------------------------------------------------------------------------------
# Numbers in the prose are backed by outputs
# ------------------------------------------------------------------------------------------------
PROSE_NUMBER = re.compile(r"(?<![\w.^{\\])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\w])")
OUTPUT_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)
LABEL = re.compile(r"^:(label|class|name):.*$", re.M)


def _output_texts(nb: dict) -> list[str]:
    texts = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(_source({"source": output["text"]}))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    text = _source({"source": value})
                    texts.append(re.sub(r"<[^>]+>", " ", text) if mime == "text/html" else text)
            if output.get("output_type") == "error":
                texts.append(output.get("evalue", ""))
    return texts


def output_numbers(nb: dict) -> set[Decimal]:
    found = set()
    for text in _output_texts(nb):
        for token in OUTPUT_NUMBER.findall(text):
            try:
                found.add(Decimal(token.replace(",", "")))
            except InvalidOperation:
                pass
    return found


def prose_numbers(nb: dict) -> list[tuple[int, str, str]]:
    """(cell, number, context) for each number the markdown of ``nb`` states."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = LABEL.sub("", CODE.sub(" ", _source(cell)))
        for match in PROSE_NUMBER.finditer(text):
            context = " ".join(text[max(0, match.start() - 50) : match.end() + 25].split())
            found.append((i, match.group(1), context))
    return found


def is_shown(number: str, shown: set[Decimal]) -> bool:
    """Whether an output shows ``number``, to the decimals the prose gives (3.1 matches 3.10, 3.1024)."""
    value = Decimal(number.replace(",", ""))
    step = Decimal(1).scaleb(value.as_tuple().exponent)
    return any(abs(v).quantize(step) == value for v in shown if abs(v) < 10**12)


def unbacked_numbers(path: Path) -> list[str]:
    nb = _read(path)
    shown = output_numbers(nb)
    elsewhere = NUMBERS_FROM_ELSEWHERE.get(path.name, {})
    return [f"cell {i}: {number} in '...{context}...'" for i, number, context in prose_numbers(nb)
            if number not in elsewhere and not is_shown(number, shown)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_numbers_in_the_prose_are_shown_by_an_output_of_the_page(path):
    missing = unbacked_numbers(path)
    assert not missing, (
        f"{path.name}: numbers the prose states that no output of the page shows:\n  - "
        + "\n  - ".join(missing)
        + "\nShow them with an output, or say where they come from and list them in "
          "NUMBERS_FROM_ELSEWHERE (tests/test_reading_path.py).")


def test_every_number_from_elsewhere_is_still_in_its_prose():
    stale = []
    for name, numbers in NUMBERS_FROM_ELSEWHERE.items():
        stated = {number for _, number, _ in prose_numbers(_read(ROOT / "chapters" / name))}
        stale += [f"{name}: {n}" for n in numbers if n not in stated]
    assert not stale, f"NUMBERS_FROM_ELSEWHERE lists numbers the prose no longer states: {stale}"


def test_the_number_check_finds_an_unbacked_number_and_accepts_a_rounded_one():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "The error is 3.10 px, about 1.6 times less, on 2,140 faces "
                                            "(`lr=0.05` is a parameter)."},
        {"cell_type": "code", "source": "", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "RMSE 3.1024 px on 2140 faces\n"}]},
    ]}
    numbers = [n for _, n, _ in prose_numbers(nb)]
    assert numbers == ["3.10", "1.6", "2,140"]
    shown = output_numbers(nb)
    assert [n for n in numbers if not is_shown(n, shown)] == ["1.6"]


if __name__ == "__main__":
    print(statistics_table())
    for path in NOTEBOOKS:
        for line in unbacked_numbers(path):
            print(f"{path.name}: {line}")
    sys.exit(0)
