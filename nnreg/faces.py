"""Chapter 6's data: Kaggle's ``training.csv`` when the reader has it, else the synthetic faces.

The one module of the package that knows both: it builds on :mod:`nnreg.keypoints` (the file
format) and :mod:`nnreg.synthetic_faces` (the stand-in), and neither of them imports it. Setting
the environment variable ``NNREG_SYNTHETIC_FACES=1`` forces the synthetic faces (``make test``
and ``make execute`` do, so that everybody's stored outputs agree).
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pandas as pd

from nnreg import synthetic_faces
from nnreg.keypoints import data_dir, read_keypoints_csv

SYNTHETIC_ENV = "NNREG_SYNTHETIC_FACES"
REAL_FILE_NAME = "training.csv"


def synthetic_forced() -> bool:
    """Whether ``NNREG_SYNTHETIC_FACES`` asks for the synthetic faces (1, true, yes, on)."""
    return os.environ.get(SYNTHETIC_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def load_faces(directory=None, *, seed: int = 0, verbose: bool = True) -> pd.DataFrame:
    """The chapter's data: ``training.csv`` in :func:`~nnreg.keypoints.data_dir` if it is there,
    else the synthetic faces (cached in that folder).

    ``NNREG_SYNTHETIC_FACES=1`` forces the synthetic faces. Prints which data it uses (unless
    ``verbose=False``) and records it in ``df.attrs["source"]`` (``"kaggle"`` or ``"synthetic"``).
    The file is checked by :func:`~nnreg.keypoints.read_keypoints_csv`.
    """
    directory = Path(directory) if directory is not None else data_dir()
    real = directory / REAL_FILE_NAME
    if not synthetic_forced() and real.is_file():
        df = read_keypoints_csv(real)
        df.attrs["source"] = "kaggle"
        message = f"Using the Kaggle data: data/{REAL_FILE_NAME} ({len(df)} faces)."
    else:
        path = synthetic_faces.synthetic_faces_csv(directory, synthetic_faces.SYNTHETIC_ROWS, seed)
        df = read_keypoints_csv(path)
        df.attrs["source"] = "synthetic"
        why = (f"{SYNTHETIC_ENV}=1" if synthetic_forced()
               else f"data/{REAL_FILE_NAME} not found; data/README.md says how to get it")
        message = f"Using synthetic faces ({why}): {len(df)} faces, seed {seed}, cached in data/{path.name}."
    if verbose:
        print(textwrap.fill(message, width=72))  # fits a narrow page
    return df


__all__ = ["REAL_FILE_NAME", "SYNTHETIC_ENV", "load_faces", "synthetic_forced"]
