"""Unit tests of the nnreg helper package (device choice, pprint, style, seeding, diagrams)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from pathlib import Path
import numpy as np
import pytest
import torch

import nnreg
from nnreg import core
from nnreg.core import to_display
from nnreg.diagrams import draw_cnn, draw_network


# --- get_device -------------------------------------------------------------------------------

def test_default_device_is_the_best_available(monkeypatch):
    monkeypatch.delenv("NNREG_DEVICE", raising=False)
    assert nnreg.get_device().type == core.available_devices()[0]


def test_cuda_is_preferred_to_mps_and_cpu(monkeypatch):
    monkeypatch.delenv("NNREG_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(core, "_mps_available", lambda: True)
    assert nnreg.get_device() == torch.device("cuda")


def test_mps_is_preferred_to_cpu(monkeypatch):
    monkeypatch.delenv("NNREG_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(core, "_mps_available", lambda: True)
    assert nnreg.get_device() == torch.device("mps")


@pytest.mark.parametrize("value", ["cpu", "CPU", " cpu "])
def test_forced_cpu(monkeypatch, value):
    monkeypatch.setenv("NNREG_DEVICE", value)
    assert nnreg.get_device() == torch.device("cpu")


def test_unknown_device_lists_what_is_available(monkeypatch):
    monkeypatch.setenv("NNREG_DEVICE", "tpu")
    with pytest.raises(ValueError, match=r"not a device type.*available here: .*cpu"):
        nnreg.get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_says_so(monkeypatch):
    monkeypatch.setenv("NNREG_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"not available on this machine.*Available here: .*cpu"):
        nnreg.get_device()


def test_bad_cuda_index(monkeypatch):
    monkeypatch.setenv("NNREG_DEVICE", "cuda:99")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match="1 CUDA device"):
        nnreg.get_device()


# --- pprint -----------------------------------------------------------------------------------

def test_integer_tensor_shows_integers():
    shown = to_display(r"\text{A: }", torch.tensor([[1, 2], [3, 4]]))
    assert "1  &  2" in shown._repr_latex_() and "." not in shown._repr_latex_()
    assert repr(shown) == "A: \n[[1 2]\n [3 4]]"


def test_float_tensor_shows_four_decimals():
    shown = to_display(torch.tensor([0.5, -2.0, 1 / 3]))
    assert repr(shown) == "[ 0.5000 -2.0000  0.3333]"
    assert "0.3333" in shown._repr_latex_() and "bmatrix" in shown._repr_latex_()


def test_rounded_negative_zero_has_no_sign():
    assert repr(to_display(torch.tensor([-1e-7, 0.0]))) == "[0.0000 0.0000]"


def test_bool_tensor_shows_booleans():
    shown = to_display(torch.tensor([True, False]))
    assert repr(shown) == "[ True False]"
    assert r"\text{True}" in shown._repr_latex_()


def test_numpy_array_and_scalars():
    assert repr(to_display(np.array([[1.25, 2.0]]))) == "[[1.2500 2.0000]]"
    assert repr(to_display("x=", 3)) == "x= 3"
    assert repr(to_display(torch.tensor(2.0))) == "2.0000"


def test_tensor_requiring_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(to_display(w * 2)) == "[2.0000 4.0000]"


@pytest.mark.skipif(core.available_devices()[0] == "cpu", reason="no accelerator on this machine")
def test_tensor_on_accelerator():
    x = torch.tensor([1.5, 2.5], device=core.available_devices()[0])
    assert repr(to_display(x)) == "[1.5000 2.5000]"


def test_three_dimensional_input_is_refused_clearly():
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        to_display(torch.zeros(2, 2, 2))


def test_unsupported_type_is_refused_clearly():
    with pytest.raises(TypeError, match="pprint takes"):
        to_display({"a": 1})


def test_pprint_displays_latex_and_text(capsys):
    nnreg.pprint(r"\text{v: }", torch.tensor([1, 2]))
    assert capsys.readouterr().out.strip() == "v:  [1 2]"


def test_latex_labels_become_readable_text():
    assert repr(to_display(r"\text{Sum: } a + b =", r"\frac{a}{b} \times 2")) == "Sum:  a + b = a/b × 2"


# --- style, seeding, setup --------------------------------------------------------------------

def test_style_found_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plt.rcdefaults()
    nnreg.use_style()
    assert plt.rcParams["axes.spines.top"] is False
    assert plt.rcParams["axes.grid"] is True


def test_setup_seeds_and_reports_device(capsys, monkeypatch):
    monkeypatch.setenv("NNREG_DEVICE", "cpu")
    device = nnreg.setup(seed=3)
    first = (torch.rand(3), np.random.rand(3))
    assert device == torch.device("cpu")
    assert capsys.readouterr().out.startswith("Using device: cpu")
    nnreg.setup(seed=3, verbose=False)
    second = (torch.rand(3), np.random.rand(3))
    assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_setup_line_names_the_device_and_the_torch_on_one_line(capsys, monkeypatch):
    import configparser
    import re
    from pathlib import Path

    monkeypatch.setenv("NNREG_DEVICE", "cpu")
    nnreg.setup(seed=0)
    out = capsys.readouterr().out
    assert out == f"Using device: {core.describe_device(torch.device('cpu'))}, torch {torch.__version__}\n"
    # nbval's setup-device rule replaces the whole line, whatever the machine and the torch
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).with_name("nbval_sanitize.cfg"))
    rule = cfg["setup-device"]
    assert re.sub(rule["regex"], rule["replace"], out) == "Using device: DEVICE\n"


# --- diagrams ---------------------------------------------------------------------------------

def test_draw_network_draws_every_unit_up_to_the_cap():
    ax = draw_network([3, 4, 1])
    assert len(ax.patches) == 8
    ax = draw_network([30, 2], max_drawn=6)
    assert len(ax.patches) == 6 + 2
    plt.close("all")


def test_draw_network_labels_nodes_and_edges():
    ax = draw_network([1, 2, 1], node_labels={(0, 0): "$x$"}, edge_labels={((0, 0), (1, 0)): "$w$"})
    texts = {t.get_text() for t in ax.texts}
    assert {"$x$", "$w$"} <= texts
    plt.close("all")


def test_draw_network_refuses_bad_sizes():
    with pytest.raises(ValueError, match="at least two layers"):
        draw_network([3])


def test_draw_cnn_labels_every_stage():
    ax = draw_cnn([("input", (1, 28, 28)), ("conv", (8, 28, 28)), ("dense", 64)])
    texts = {t.get_text() for t in ax.texts}
    assert {"input", "conv", "dense", "1×28×28", "8×28×28", "64"} <= texts
    plt.close("all")


def test_hats_and_spaces_become_readable_text():
    assert repr(to_display(r"\hat{y} =\quad \hat y\qquad")) == "y_hat =  y_hat  "


def test_underscores_in_text_labels_are_escaped_for_tex():
    shown = to_display(r"\text{ones_like: } x_1 = \text{a\_b}", 1)
    assert shown.latex == r"\text{ones\_like: } x_1 = \text{a\_b} 1"
    assert repr(shown) == "ones_like:  x_1 = a_b 1"


# --- the package travels on its own -----------------------------------------------------------

def test_the_plot_style_travels_in_the_package_and_matches_the_repositorys_copy():
    from pathlib import Path

    inside = core.style_path()
    assert inside.parent == Path(nnreg.__file__).resolve().parent
    top = Path(__file__).resolve().parent.parent / "practicals.mplstyle"
    assert inside.read_bytes() == top.read_bytes(), (
        "nnreg/practicals.mplstyle and practicals.mplstyle differ: edit one, copy it onto the other")


def _package_imports() -> dict[str, set[str]]:
    """For each module of nnreg, the other modules of nnreg it imports (anywhere in its code)."""
    import ast
    from pathlib import Path

    folder = Path(nnreg.__file__).resolve().parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    found = {}
    for name in modules:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        uses = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "nnreg":
                    uses |= {a.name for a in node.names if a.name in modules}
                elif node.module.startswith("nnreg."):
                    uses.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                uses |= {a.name.split(".")[1] for a in node.names if a.name.startswith("nnreg.")}
        found[name] = uses - {name}
    return found


def test_imports_inside_the_package_go_one_way():
    imports = _package_imports()
    assert imports["keypoints"] == set() and imports["synthetic_faces"] == {"keypoints"}
    assert imports["faces"] == {"keypoints", "synthetic_faces"}
    for leaf in ("checks", "core", "diagrams", "progress"):
        assert imports[leaf] == set(), f"nnreg.{leaf} imports {imports[leaf]}"
    order, todo = [], dict(imports)  # and no cycle anywhere: a topological order exists
    while todo:
        ready = [m for m, uses in todo.items() if uses <= set(order)]
        assert ready, f"nnreg's modules import each other in a cycle: {todo}"
        order += ready
        for m in ready:
            del todo[m]


def test_the_import_check_sees_a_cycle():
    imports = _package_imports()
    imports["keypoints"] = {"synthetic_faces"}  # what the package had before: both ways
    todo, order = dict(imports), []
    while todo:
        ready = [m for m, uses in todo.items() if uses <= set(order)]
        if not ready:
            break
        order += ready
        for m in ready:
            del todo[m]
    assert "keypoints" in todo and "synthetic_faces" in todo


# --- tracebacks -------------------------------------------------------------------------------

def test_an_error_keeps_the_readers_frames_and_drops_the_librarys():
    import sys

    def readers_function():
        torch.zeros(2, 3).t().view(6)  # raises inside torch

    try:
        np.zeros(3).reshape(4)  # raises in NumPy's C code, called from here
    except ValueError:
        tb = sys.exc_info()[2]
    kept = core.own_frames(tb, library_roots=(str(Path(np.__file__).parent),))
    assert kept is not None and kept.tb_frame.f_code.co_filename == __file__

    try:
        readers_function()
    except RuntimeError:
        tb = sys.exc_info()[2]
    here = core.own_frames(tb, library_roots=core._library_roots())
    names = []
    while here is not None:
        names.append(here.tb_frame.f_code.co_name)
        here = here.tb_next
    assert names == ["test_an_error_keeps_the_readers_frames_and_drops_the_librarys", "readers_function"]
    # a frame of the library is dropped: nnreg's own code counts as library
    try:
        nnreg.pprint({"not": "a tensor"})
    except TypeError:
        tb = sys.exc_info()[2]
    frames = []
    kept = core.own_frames(tb, library_roots=core._library_roots())
    while kept is not None:
        frames.append(kept.tb_frame.f_code.co_filename)
        kept = kept.tb_next
    assert frames == [__file__]


def test_setup_leaves_the_traceback_mode_alone_and_installs_the_frame_filter(monkeypatch):
    class Shell:
        InteractiveTB = None

        def set_custom_exc(self, exc_tuple, handler):
            self.custom = (exc_tuple, handler)

    shell = Shell()
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setenv("NNREG_DEVICE", "cpu")
    nnreg.setup(seed=0, verbose=False)
    assert shell.custom == ((Exception,), core._show_own_frames)


# --- the epoch bar ----------------------------------------------------------------------------

def test_a_loop_stopped_early_closes_its_bar_finished_with_its_time():
    import time

    from nnreg.progress import epoch_bar

    with epoch_bar(20, desc="epochs") as bar:
        for epoch in range(20):
            time.sleep(0.01)
            bar.update()
            if epoch == 3:
                break
    assert (bar.n, bar.total) == (4, 4)
    assert bar.format_dict["elapsed"] >= 0.04  # the clock was not restarted

    with epoch_bar(5) as bar:
        for _ in range(5):
            bar.update()
    assert (bar.n, bar.total) == (5, 5)


# ------------------------------------------------------------------------------------------------
# nnreg.checks: the function a network computes, layer by layer (chapter 6's checks; the student
# edition's tests try them on many right and wrong networks)
# ------------------------------------------------------------------------------------------------
def test_dropout_probability_reads_p_from_the_scale_of_the_kept_entries():
    from nnreg.checks import dropout_probability

    torch.manual_seed(0)
    before = torch.rand(50, 40) + 0.1
    for p in (0.1, 0.3, 0.5):
        assert abs(dropout_probability(before, torch.nn.functional.dropout(before, p)) - p) < 1e-6
    assert dropout_probability(before, before) == 0.0
    assert dropout_probability(before, torch.sigmoid(before)) is None  # no entry zeroed, other factors
    assert dropout_probability(before, before * 1.5) is None  # a scale, nothing dropped: not a dropout
    half = before.clone()
    half[:, :20] = 0
    assert dropout_probability(before, half) is None  # zeroed, but the rest not scaled up


def test_network_problem_names_what_differs_and_accepts_the_same_function_written_otherwise():
    from torch import nn

    from nnreg.checks import Link, network_problem

    def problem(model):
        torch.manual_seed(0)
        link = Link("the ReLU of {before}'s outputs", torch.relu, dropout=0.5)
        return network_problem("Net", model, torch.randn(32, 6), shapes=[(8,), (2,)], links=[link])

    def net(*between, out=()):
        return nn.Sequential(nn.Linear(6, 8), *between, nn.Linear(8, 2), *out)

    assert problem(net(nn.ReLU(), nn.Dropout(0.5))) is None
    assert problem(net(nn.Dropout(0.5), nn.ReLU())) is None  # the same function
    assert "should get the ReLU of 0's outputs" in problem(net(nn.Tanh(), nn.Dropout(0.5)))
    assert "probability 0.2; the task asks for 0.5" in problem(net(nn.ReLU(), nn.Dropout(0.2)))
    assert "no dropout between 0 and 2" in problem(net(nn.ReLU()))
    assert "as they are" in problem(net(nn.ReLU(), nn.Dropout(0.5), out=[nn.ReLU()]))
    assert "gives 4 values per image where the practical's gives 8" in problem(
        nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)))
    assert "fails in evaluation mode" in problem(nn.Sequential(nn.Linear(6, 8), nn.Linear(6, 2)))
