"""Re-execute chapter notebooks in place and store what a reader needs to see (`make execute`).

    python -m execute chapters/05_cnn.ipynb [more.ipynb ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel in its own folder (nbclient, as
``jupyter nbconvert --execute`` does), without timing metadata, with the widget state stored: the
built book (embed.js) and a trusted JupyterLab draw each progress bar from that state. Consecutive
pieces of one stream (a ``print`` the kernel happened to flush in two parts) are merged, as
nbconvert does, so that the stored outputs do not depend on the kernel's flush timing.

A widget output also carries a text copy (``text/plain``), which is what an untrusted JupyterLab,
GitHub and nbviewer show. tqdm writes it when the bar appears, so it reads ``0%| | 0/20``; here it
is rewritten from the bar's stored final state (``100%|██████████| 20/20 [...]``), so that every
view of the notebook shows the finished bar. Nothing else is changed.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_REF = re.compile(r"^IPY_MODEL_(\w+)$")
BAR_WIDTH = 10  # characters, as tqdm's own text bars in a notebook


def bar_text(model_id: str, state: dict) -> str | None:
    """The text form of a tqdm bar from its stored models, or None when model_id is no tqdm bar.

    tqdm.auto shows a bar as a box of three widgets: a label ("epochs: 100%"), the progress bar
    and a label with counts, times and postfix; tqdm writes the labels with U+2007 spaces and
    HTML escapes.
    """
    box = state.get(model_id, {})
    children = box.get("state", {}).get("children", [])
    if box.get("model_name") != "HBoxModel" or len(children) != 3:
        return None
    ids = [MODEL_REF.match(child) for child in children]
    if not all(ids) or any(i.group(1) not in state for i in ids):
        return None
    left, bar, right = (state[i.group(1)] for i in ids)
    if (left.get("model_name"), bar.get("model_name"), right.get("model_name")) not in {
        ("HTMLModel", "FloatProgressModel", "HTMLModel"),
        ("HTMLModel", "IntProgressModel", "HTMLModel"),
    }:
        return None

    def label(model: dict) -> str:
        return html.unescape(model["state"].get("value", "")).replace("\u2007", " ")

    value, total = bar["state"].get("value") or 0, bar["state"].get("max") or 0
    filled = round(BAR_WIDTH * value / total) if total else 0
    return f"{label(left)}|{'█' * filled}{' ' * (BAR_WIDTH - filled)}|{label(right)}"


def finish_bar_texts(nb: dict) -> int:
    """Rewrite the text copy of every stored progress bar from its final state; how many."""
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    done = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            text = bar_text(view.get("model_id", ""), state) if view else None
            if text is not None:
                output["data"]["text/plain"] = text
                done += 1
    return done


def execute(path: Path, timeout: int = 1800) -> int:
    """Run the notebook at `path` top to bottom and write it back; the number of bars finished."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    bars = finish_bar_texts(nb)
    nbformat.write(nb, path)
    return bars
