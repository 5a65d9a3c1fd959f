"""Device choice, seeding, plot style and LaTeX display of tensors (see chapter 1)."""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

DEVICE_ENV = "NNREG_DEVICE"
_KNOWN_DEVICES = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """The device types usable on this machine, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    found.append("cpu")
    return found


def get_device() -> torch.device:
    """CUDA if available, else Apple MPS, else CPU.

    The environment variable ``NNREG_DEVICE`` (``cuda``, ``cuda:1``, ``mps`` or ``cpu``) forces
    one; a value that is unknown or not available here raises a ``ValueError`` that lists what is.
    """
    forced = os.environ.get(DEVICE_ENV, "").strip().lower()
    available = available_devices()
    if not forced:
        return torch.device(available[0])
    kind = forced.split(":")[0]
    if kind not in _KNOWN_DEVICES:
        raise ValueError(
            f"{DEVICE_ENV}={forced!r} is not a device type this book knows. "
            f"Use one of {', '.join(_KNOWN_DEVICES)}; available here: {', '.join(available)}."
        )
    if kind not in available:
        raise ValueError(
            f"{DEVICE_ENV}={forced!r} asks for {kind}, which is not available on this machine. "
            f"Available here: {', '.join(available)}. Unset {DEVICE_ENV} to pick automatically."
        )
    try:
        device = torch.device(forced)
    except RuntimeError as err:
        raise ValueError(f"{DEVICE_ENV}={forced!r} is not a valid device string ({err}).") from None
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(
            f"{DEVICE_ENV}={forced!r}: this machine has {torch.cuda.device_count()} CUDA device(s), "
            f"numbered from 0."
        )
    return device


def describe_device(device: torch.device) -> str:
    """A one-line human description: the device and, for an accelerator, its name."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return f"{device} (Apple Metal)"
    n = torch.get_num_threads()
    return f"{device} ({n} thread{'' if n == 1 else 's'})"


def style_path() -> Path:
    """The book's plot style, ``practicals.mplstyle``, which travels inside this package.

    The repository keeps a copy at its root, where the design puts it; a test checks that the
    two are the same file.
    """
    return Path(__file__).resolve().parent / "practicals.mplstyle"


def use_style() -> None:
    """Apply ``seaborn-v0_8-muted`` and then the book's own style to matplotlib."""
    import matplotlib.pyplot as plt

    plt.style.use(["seaborn-v0_8-muted", str(style_path())])


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (all devices') random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA and MPS generator


def _is_library_file(filename: str, library_roots: tuple[str, ...]) -> bool:
    return filename.startswith(library_roots) or filename.startswith("<frozen ")


def _library_roots() -> tuple[str, ...]:
    """Folders whose code is not the reader's: the Python installation, its site-packages, nnreg."""
    import site
    import sys

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parent)}
    roots.update(getattr(site, "getsitepackages", lambda: [])())
    roots.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.realpath(r), "") for r in roots if r)


def own_frames(tb, library_roots: tuple[str, ...] | None = None):
    """The traceback ``tb`` without the frames of library code (PyTorch, IPython, nnreg, ...).

    What is left are the frames of the notebook's cells and of the reader's own files; if nothing
    is left, ``tb`` itself.
    """
    import types

    roots = _library_roots() if library_roots is None else library_roots
    kept = []
    while tb is not None:
        filename = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if not _is_library_file(filename, roots):
            kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return None
    trimmed = None
    for entry in reversed(kept):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return trimmed


def _show_own_frames(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for every error: the usual traceback, cut to the reader's own frames."""
    seen, error = set(), value
    while error is not None and id(error) not in seen:  # the chained errors too
        seen.add(id(error))
        own = own_frames(error.__traceback__)
        if own is not None:
            error.__traceback__ = own
        error = error.__cause__ or error.__context__
    own = own_frames(tb)
    shell.showtraceback((etype, value, own if own is not None else tb))


def tracebacks_without_library_frames() -> None:
    """In a notebook, show an error with the lines of the reader's cells, not the library's.

    An error raised inside PyTorch or NumPy otherwise comes with pages of their internals and the
    reader's install paths; this keeps IPython's usual traceback and drops the library frames, so
    that the error shows the cell, the line and the message. ``shell.set_custom_exc((), None)``
    brings the full tracebacks back.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((Exception,), _show_own_frames)


def setup(seed: int = 0, verbose: bool = True) -> torch.device:
    """The one call at the top of every chapter: style, seeds, device, tracebacks of your own code.

    Prints the device and the torch version on one line (unless verbose=False); returns the
    device (see :func:`get_device`).
    """
    tracebacks_without_library_frames()
    use_style()
    seed_everything(seed)
    device = get_device()
    if verbose:  # one line: tests/nbval_sanitize.cfg replaces it whole (setup-device)
        print(f"Using device: {describe_device(device)}, torch {torch.__version__}")
    return device


def _fmt_number(value, kind: str) -> str:
    if kind == "b":
        return "True" if value else "False"
    if kind in "iu":
        return str(int(value))
    text = f"{float(value):.4f}"
    return "0.0000" if text == "-0.0000" else text  # the sign of a rounded zero is noise


def _as_numpy(obj) -> np.ndarray:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy()
    return np.asarray(obj)


def _array_latex(arr: np.ndarray) -> str:
    kind = arr.dtype.kind
    if arr.ndim == 0:
        return _fmt_number(arr.item(), kind)
    if arr.ndim > 2:
        raise ValueError(
            f"pprint shows scalars, vectors and matrices; got an array of shape {tuple(arr.shape)}. "
            "Index or reshape it to at most 2 dimensions first."
        )
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if kind == "b":
        body = r" \\ ".join(" & ".join(r"\text{" + _fmt_number(v, kind) + "}" for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    from numpyarray_to_latex import to_ltx

    fmt = "{:d}" if kind in "iu" else "{:.4f}"
    values = rows.astype(np.int64) if kind in "iu" else rows.astype(np.float64)
    if kind not in "iu":
        values = np.where(np.abs(values) < 5e-5, 0.0, values)  # no "-0.0000"
    return to_ltx(values, fmt=fmt, latexarraytype="bmatrix", mathform=True)


def _array_text(arr: np.ndarray) -> str:
    kind = arr.dtype.kind
    if arr.ndim == 0:
        return _fmt_number(arr.item(), kind)
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
    cells = [[_fmt_number(v, kind) for v in row] for row in rows]
    width = max(len(c) for row in cells for c in row)
    lines = ["[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]
    return lines[0] if arr.ndim == 1 else "[" + "\n ".join(lines) + "]"


class LatexDisplay:
    """What :func:`pprint` displays: LaTeX for the page, the same values as plain text."""

    def __init__(self, latex: str, text: str):
        self.latex = latex
        self.text = text

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex + "$"

    def __repr__(self) -> str:
        return self.text


def _latex_to_text(part: str) -> str:
    """A readable plain-text version of a short LaTeX label such as ``\\text{Sum: } a+b=``."""
    import re

    text = re.sub(r"\\text\{([^}]*)\}", r"\1", part)
    text = re.sub(r"\\(mathrm|mathbf|operatorname)\{([^}]*)\}", r"\2", text)
    text = re.sub(r"\\hat\s*\{?(\w)\}?", r"\1_hat", text)
    for latex, plain in ((r"\times", "×"), (r"\cdot", "·"), (r"\odot", "⊙"), (r"\qquad", "  "), (r"\quad", " "), (r"\ ", " "), (r"\,", " ")):
        text = text.replace(latex, plain)
    text = re.sub(r"\\frac\{([^}]*)\}\{([^}]*)\}", r"\1/\2", text)
    return text.replace("{", "").replace("}", "").replace("\\_", "_").replace("\\", "")


def _escape_text_underscores(part: str) -> str:
    """Inside ``\\text{...}`` a bare ``_`` is a TeX error: escape it (``ones_like`` -> ``ones\\_like``)."""
    import re

    return re.sub(r"\\text\{([^}]*)\}", lambda m: r"\text{" + re.sub(r"(?<!\\)_", r"\\_", m.group(1)) + "}", part)


def to_display(*parts) -> LatexDisplay:
    """Build (without showing) what :func:`pprint` shows; useful in tests."""
    latex, text = [], []
    for part in parts:
        if isinstance(part, str):
            latex.append(_escape_text_underscores(part))
            text.append(_latex_to_text(part))
        elif isinstance(part, (torch.Tensor, np.ndarray, np.generic, int, float, bool)):
            arr = _as_numpy(part)
            latex.append(_array_latex(arr))
            shown = _array_text(arr)
            text.append(("\n" if "\n" in shown else "") + shown)
        else:
            raise TypeError(
                f"pprint takes strings (LaTeX), tensors, NumPy arrays and numbers; got {type(part).__name__}."
            )
    return LatexDisplay(" ".join(latex), " ".join(text).replace(" \n", "\n"))


def pprint(*parts) -> None:
    """Display strings (LaTeX), tensors and arrays side by side as one typeset formula.

    Tensors may live on any device and may require grad. Integers show as integers, floats to
    4 decimals, booleans as True/False. The output also carries a plain-text form with the same
    values, so a text reader (and nbval) sees the numbers.
    """
    from IPython.display import display

    display(to_display(*parts))
