"""execute/: the text copy of a stored progress bar is written from the bar's final state."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from execute import WIDGET_STATE, WIDGET_VIEW, bar_text, finish_bar_texts  # noqa: E402


def tqdm_state(value=4.0, total=4.0):
    """The models tqdm.auto stores for one bar (as in chapter 5), keyed by model id."""
    return {
        "box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_left", "IPY_MODEL_bar", "IPY_MODEL_right"]}},
        "left": {"model_name": "HTMLModel", "state": {"value": "epochs:\u2007100%"}},
        "bar": {"model_name": "FloatProgressModel", "state": {"value": value, "max": total, "bar_style": "success"}},
        "right": {"model_name": "HTMLModel", "state": {
            "value": "\u20074/4\u2007[00:34&lt;00:00,\u2007\u20078.68s/it,\u2007train=0.9282,\u2007val=1.1214]"}},
    }


def notebook_with_bar(state):
    output = {"output_type": "display_data", "metadata": {},
              "data": {WIDGET_VIEW: {"model_id": "box", "version_major": 2, "version_minor": 0},
                       "text/plain": "epochs:   0%|          | 0/20 [00:00<?, ?it/s]"}}
    return {"metadata": {"widgets": {WIDGET_STATE: {"state": state}}},
            "cells": [{"cell_type": "code", "outputs": [output]},
                      {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "0%|"}]}]}


def test_the_text_copy_reads_like_tqdms_finished_text_bar():
    assert bar_text("box", tqdm_state()) == (
        "epochs: 100%|██████████| 4/4 [00:34<00:00,  8.68s/it, train=0.9282, val=1.1214]")


def test_a_half_bar_is_drawn_half_full():
    assert "|█████     |" in bar_text("box", tqdm_state(value=2.0, total=4.0))


def test_finishing_rewrites_only_bar_outputs():
    nb = notebook_with_bar(tqdm_state())
    assert finish_bar_texts(nb) == 1
    assert nb["cells"][0]["outputs"][0]["data"]["text/plain"].startswith("epochs: 100%|██████████| 4/4")
    assert nb["cells"][1]["outputs"][0]["text"] == "0%|"


def test_other_widgets_and_missing_state_are_left_alone():
    state = tqdm_state()
    del state["right"]
    assert bar_text("box", state) is None
    slider = {"box": {"model_name": "IntSliderModel", "state": {"value": 3}}}
    nb = notebook_with_bar(slider)
    assert finish_bar_texts(nb) == 0
    assert "0%" in nb["cells"][0]["outputs"][0]["data"]["text/plain"]
