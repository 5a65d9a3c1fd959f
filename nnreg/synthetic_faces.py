"""Synthetic faces in the Kaggle facial-keypoints format, for chapter 6 without the real file.

Kaggle's ``training.csv`` cannot be shipped with the book. :func:`make_synthetic_faces` draws a
stand-in with exactly the same schema (:mod:`nnreg.keypoints` describes the format): keypoints
that follow the real labels' shape model (mean + 10 PCA modes + per-coordinate residual), a
missing-value pattern that reproduces the real one exactly, and drawn faces (eyes, eyebrows,
nose, mouth, face outline, hair) on top of nuisance (background clutter, lighting, contrast,
glasses, blur, noise). The same size and seed give the same faces on every machine.

- :data:`REAL_MEAN_PREDICTOR_RMSE` and the private ``_SHAPE_*``, ``_PCA_*`` and
  ``_PRESENCE_PATTERNS`` tables: figures derived from the real labels (not the labels);
- :func:`presence_mask`, :func:`sample_keypoints`: which keypoints a row labels, and where;
- :func:`render_faces`: the drawing, in pixel-centre coordinates (pixel column ``j`` has its
  centre at ``x = j``, so a horizontal flip maps ``x`` to ``95 - x`` exactly);
- :func:`synthetic_faces_csv`: the cache in ``data/``, rebuilt when the generator, the size or
  the seed changes, or the file was edited.

:func:`nnreg.faces.load_faces` uses the cache when ``data/training.csv`` is absent.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from nnreg import keypoints
from nnreg.keypoints import (
    IMAGE_COLUMN, IMAGE_SIZE, KEYPOINT_COLUMNS, N_PIXELS, data_dir, format_images, write_keypoints_csv,
)

SYNTHETIC_FILE_NAME = "synthetic_faces.csv"
SYNTHETIC_ROWS = 7049


# --------------------------------------------------------------------------------------------
# The real labels' statistics (derived figures, not data)
# --------------------------------------------------------------------------------------------
# Source: computed from the 30 keypoint columns of Kaggle's Facial Keypoints Detection
# training.csv (7,049 rows; the project's calibration notes, label_statistics.json). Mean and
# standard deviation of every coordinate and a PCA shape model (10 components, 92% of the
# variance) over the 2,140 complete rows, in KEYPOINT_COLUMNS order; and how many rows show each
# presence pattern (one character per keypoint of KEYPOINT_NAMES, 1 = labelled). The rows
# themselves are not in the book: the Kaggle data is not redistributable.
_SHAPE_MEAN = np.array([
     66.222,  36.842,  29.640,  37.064,  59.272,  37.856,  73.412,  37.640,  36.603,  37.921,
     22.362,  38.035,  56.148,  29.222,  79.618,  29.657,  39.272,  29.414,  15.762,  30.453,
     47.952,  57.254,  63.419,  75.888,  32.967,  76.134,  48.081,  72.681,  48.150,  82.630,
])
_SHAPE_STD = np.array([
    2.088, 2.294, 2.052, 2.234, 2.006, 2.035, 2.702, 2.684, 1.823, 2.010,
    2.769, 2.655, 2.820, 2.867, 3.313, 3.627, 2.610, 2.842, 3.338, 3.644,
    3.276, 4.529, 3.650, 4.439, 3.595, 4.260, 2.723, 5.109, 3.032, 4.814,
])
_PCA_VARIANCE = np.array([
    90.9065, 53.8228, 40.1686, 22.8085, 21.3834, 17.6776, 12.0862, 9.1081, 6.9257, 6.1572,
])
_PCA_COMPONENTS = np.array([
    [-0.06851, -0.12454,  0.06100, -0.04730, -0.01020, -0.12638, -0.12364, -0.14343,  0.01511, -0.07863,
      0.12292, -0.03320,  0.02940, -0.12994, -0.16983, -0.16124, -0.02399, -0.08215,  0.14079, -0.01841,
      0.06523, -0.30995,  0.01198, -0.42363,  0.14543, -0.36734,  0.07869, -0.45023,  0.09328, -0.38156],
    [ 0.05243,  0.10931,  0.01196, -0.20847,  0.07631,  0.03763,  0.02796,  0.17757, -0.01104, -0.15532,
      0.04881, -0.27684,  0.14823, -0.00904,  0.12456,  0.21540,  0.10515, -0.17222,  0.11164, -0.36576,
     -0.14688, -0.08952, -0.34668,  0.06989, -0.28548, -0.20761, -0.30375, -0.17113, -0.35579,  0.02356],
    [-0.18611,  0.19051,  0.17595,  0.13021, -0.11674,  0.17729, -0.26220,  0.18594,  0.09056,  0.14563,
      0.24873,  0.10456, -0.09897,  0.30300, -0.29654,  0.30822,  0.12365,  0.27308,  0.31209,  0.19689,
     -0.02736,  0.13830, -0.22461, -0.01648,  0.07778, -0.05610, -0.05800,  0.03513, -0.06980, -0.17531],
    [ 0.05566,  0.14237, -0.01914,  0.14953,  0.15035,  0.08275, -0.05315,  0.17564, -0.10103,  0.08713,
      0.09809,  0.18855,  0.09611, -0.08487,  0.01629,  0.19448, -0.04320, -0.09700,  0.02535,  0.19982,
      0.06905, -0.52274, -0.05293,  0.16680,  0.15641,  0.19114,  0.04555, -0.40308,  0.05610,  0.42906],
    [-0.19404, -0.01883, -0.23708,  0.08606, -0.24873, -0.00641, -0.13794, -0.02342, -0.21575,  0.05503,
     -0.26592,  0.11687, -0.38269, -0.02453, -0.09607,  0.00247, -0.27954,  0.04469, -0.30337,  0.16024,
     -0.38763, -0.12916, -0.08755, -0.07093, -0.19858,  0.00306, -0.22827, -0.13233, -0.19280, -0.05420],
    [ 0.10664,  0.16533, -0.04786,  0.10901,  0.04073,  0.15527,  0.22947,  0.19380,  0.06953,  0.12528,
     -0.16693,  0.12799,  0.11482,  0.15697,  0.26680,  0.26847,  0.10355,  0.10126, -0.17797,  0.19885,
      0.17465, -0.01361,  0.34697, -0.26067, -0.39434, -0.28563,  0.03344, -0.11373,  0.02409, -0.14946],
    [-0.20255, -0.03231, -0.20294, -0.09979, -0.11267, -0.04447, -0.25546, -0.03536, -0.14234, -0.08431,
     -0.22356, -0.10365,  0.13978,  0.07564, -0.23167,  0.07547,  0.19014, -0.08087, -0.30208,  0.04410,
      0.62965,  0.01851, -0.29663,  0.02738, -0.13680,  0.04653,  0.08707,  0.00293,  0.05064,  0.02031],
    [ 0.02581, -0.00666,  0.03084,  0.00398, -0.10657,  0.01740,  0.11989,  0.04480,  0.15616,  0.02817,
     -0.09091,  0.04270, -0.03023, -0.04135,  0.08246,  0.02153,  0.12209, -0.01982,  0.01441, -0.02359,
      0.05599, -0.57533, -0.05157,  0.27085, -0.01380,  0.26669, -0.03303,  0.30338, -0.02226, -0.57790],
    [-0.03538, -0.20476,  0.12310, -0.18264, -0.06115, -0.18240,  0.03290, -0.17263,  0.15984, -0.17088,
      0.06518, -0.13913, -0.36862, -0.07953,  0.31330,  0.33791,  0.44241, -0.04861, -0.14592,  0.36276,
     -0.08868,  0.04848, -0.06365,  0.00645,  0.16010, -0.00241,  0.01444, -0.10745,  0.01663,  0.06764],
    [ 0.15700, -0.13515, -0.14384, -0.17871,  0.16103, -0.12819,  0.08083, -0.14063, -0.18017, -0.15893,
     -0.08602, -0.20168,  0.12862,  0.50628,  0.10426,  0.15165, -0.26055,  0.50279, -0.01231,  0.02826,
     -0.04312, -0.19880, -0.09796, -0.03537,  0.21579, -0.01897,  0.02767,  0.02470,  0.03322,  0.00010],
])
_PRESENCE_PATTERNS = {
    "110000000010001": 4755, "111111111111111": 2140, "111111101111111": 31, "111111111011111": 26,
    "111111111111110": 13, "110000000010000": 10, "111111101011111": 6, "111011111111111": 4,
    "111111111111011": 4, "111111000011111": 3, "101100111111111": 3, "111111111111100": 3,
    "111111111110000": 3, "111111111110111": 3, "110101000011111": 3, "110111111111111": 2,
    "111011101111111": 2, "111111110011111": 2, "111111010111111": 2, "110011111111111": 2,
    "111111101110111": 2, "111110111011111": 2, "101100111110011": 1, "111111100011111": 1,
    "111100111111111": 1, "110101111111111": 1, "001101111111111": 1, "111111001111111": 1,
    "111111111110011": 1, "111110101010000": 1, "001110111111111": 1, "000000111111111": 1,
    "111011101110000": 1, "001111111111111": 1, "111110111111011": 1, "111111111010000": 1,
    "111111110111111": 1, "101100100111111": 1, "101111111111111": 1, "011111001111111": 1,
    "000000011111111": 1, "111011101110111": 1, "000000000011111": 1, "111110111111111": 1,
    "111011101011111": 1, "010011111110111": 1, "000000001011011": 1, "111111101111110": 1,
    "011011001111111": 1, "111101111111111": 1,
}
# In the real file the 2,284 rows with more than four keypoints come first, then the 4,765 rows
# that label only the eye centres, the nose tip and (mostly) the bottom lip.
REAL_MEAN_PREDICTOR_RMSE = 3.139  # px: predicting the training mean, 90/10 split, random_state=42



# --------------------------------------------------------------------------------------------
# Synthetic faces
# --------------------------------------------------------------------------------------------
def presence_mask(n_rows: int = SYNTHETIC_ROWS, seed: int = 0) -> np.ndarray:
    """Which keypoints each synthetic row labels: a ``(n_rows, 15)`` boolean array.

    For 7,049 rows every presence pattern of the real file occurs exactly as often as there
    (hence the same non-null count in every column, 2,140 complete rows and 4,755 rows with only
    the eye centres, nose tip and bottom lip); other sizes scale the counts, largest remainders
    first. As in the real file the rows with more than four keypoints come first.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1; got {n_rows}.")
    patterns = list(_PRESENCE_PATTERNS)
    real = np.array([_PRESENCE_PATTERNS[p] for p in patterns], dtype=np.int64)
    exact = real * n_rows / real.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n_rows - counts.sum()]] += 1
    rng = np.random.default_rng([seed, 1])
    rows = np.repeat(np.arange(len(patterns)), counts)
    bits = np.array([[c == "1" for c in p] for p in patterns])
    rich = bits.sum(axis=1)[rows] > 4
    first, second = rows[rich], rows[~rich]
    order = np.concatenate([rng.permutation(first), rng.permutation(second)])
    return bits[order]


def sample_keypoints(n_rows: int, seed: int = 0) -> np.ndarray:
    """``(n_rows, 30)`` keypoint coordinates drawn from the real labels' shape model.

    Mean + 10 PCA modes with Gaussian scores (clipped at 3.5 standard deviations) + independent
    per-coordinate residuals sized so that every coordinate's variance matches the real one.
    Plain elementwise arithmetic (no BLAS), so the values are the same on every machine.
    """
    rng = np.random.default_rng([seed, 2])
    scores = np.clip(rng.standard_normal((n_rows, len(_PCA_VARIANCE))), -3.5, 3.5)
    scores *= np.sqrt(_PCA_VARIANCE)
    keypoints = np.tile(_SHAPE_MEAN, (n_rows, 1))
    for k in range(len(_PCA_VARIANCE)):
        keypoints += scores[:, k:k + 1] * _PCA_COMPONENTS[k]
    explained = (_PCA_COMPONENTS**2 * _PCA_VARIANCE[:, None]).sum(axis=0)
    residual_sd = np.sqrt(np.clip(_SHAPE_STD**2 - explained, 0.0, None))
    keypoints += rng.standard_normal((n_rows, len(KEYPOINT_COLUMNS))) * residual_sd
    return np.clip(keypoints, 1.0, IMAGE_SIZE - 1.0)


def _face_parameters(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-face appearance and nuisance, all drawn up front so that chunking changes nothing."""
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    dark_hair = rng.random(n) < 0.75
    return {
        # background: level, gradient, two blurry blobs and one straight edge (clutter)
        "bg": u(15, 240), "bg_gx": u(-0.7, 0.7), "bg_gy": u(-0.7, 0.7),
        "blob_x": rng.uniform(0, 96, (n, 2)), "blob_y": rng.uniform(0, 96, (n, 2)),
        "blob_s": rng.uniform(5, 16, (n, 2)), "blob_a": rng.normal(0, 45, (n, 2)),
        "edge_a": u(-60, 60), "edge_angle": u(0, np.pi), "edge_off": u(-45, 45),
        # head
        "skin": u(90, 210), "face_w": u(0.9, 1.08), "face_h": u(1.25, 1.45), "jaw": u(0.05, 0.3),
        "face_c": u(0.36, 0.5), "shade": u(0.1, 0.35),
        "hair": np.where(dark_hair, u(8, 70), u(120, 225)), "hairline": u(7, 24),
        "bald": rng.random(n) < 0.08, "hair_side": u(-10, 14), "hair_wave": u(0, 3),
        "hair_freq": u(0.1, 0.35), "hair_phase": u(0, 2 * np.pi), "hair_w": u(1.04, 1.2),
        # eyes
        "eye_open": u(0.3, 0.48), "eye_low": u(0.55, 0.85), "sclera": u(1.05, 1.3),
        "sclera_add": u(0, 30), "iris": u(0.9, 1.3), "iris_tone": u(15, 110),
        "lid_w": u(0.5, 1.1), "lid_k": u(0.3, 0.75), "socket_k": u(0.05, 0.3),
        "glint": rng.random(n) < 0.6,
        # eyebrows
        "brow_arch": u(0.3, 3.0), "brow_in": u(2.0, 3.8), "brow_out": u(1.0, 2.0), "brow_k": u(0.3, 0.75),
        # nose
        "nostril_k": u(0.35, 0.75), "nostril_size": u(0.9, 1.3), "tip_k": u(0.05, 0.25),
        "under_nose_k": u(0.05, 0.3), "bridge_k": u(0.0, 0.2), "bridge_side": rng.choice([-1.0, 1.0], n),
        # mouth
        "lip_k": u(0.15, 0.4), "line_k": u(0.4, 0.8), "line_w": u(0.5, 1.0), "bow": u(0.3, 1.2),
        "shine_k": u(0.05, 0.25),
        "mouth_open": rng.random(n) < 0.2, "gap": u(0.8, 2.5), "teeth": u(150, 235),
        "chin_k": u(0.05, 0.25),
        # glasses on some faces
        "glasses": rng.random(n) < 0.12, "glasses_r": u(0.6, 0.8), "glasses_w": u(0.6, 1.4),
        "glasses_k": u(0.4, 0.8),
        # photograph
        "light_x": u(-0.35, 0.35), "light_y": u(-0.15, 0.15), "contrast": u(0.75, 1.15),
        "brightness": u(-20, 20), "blur": u(0.3, 1.2), "noise": u(1.5, 9.0),
    }


_X = np.arange(IMAGE_SIZE, dtype=np.float32)[None, None, :]
_Y = np.arange(IMAGE_SIZE, dtype=np.float32)[None, :, None]


def _c(values) -> np.ndarray:
    """A per-face value as a (B, 1, 1) float32 array that broadcasts over the pixel grid."""
    return np.asarray(values, dtype=np.float32)[:, None, None]


class _Window:
    """A ``height`` × ``width`` patch of every face's image around a per-face centre.

    Face parts are small: drawing them in a patch instead of on the whole 96×96 grid is ~9 times
    less arithmetic. ``X`` and ``Y`` are the patch's pixel coordinates in the image.
    """

    def __init__(self, img, centre, width, height):
        B = len(img)
        x0 = np.clip(np.rint(centre[:, 0] - width / 2), 0, IMAGE_SIZE - width).astype(np.int64)
        y0 = np.clip(np.rint(centre[:, 1] - height / 2), 0, IMAGE_SIZE - height).astype(np.int64)
        cols = x0[:, None] + np.arange(width)
        rows = y0[:, None] + np.arange(height)
        self.index = (np.arange(B)[:, None, None], rows[:, :, None], cols[:, None, :])
        self.X = cols[:, None, :].astype(np.float32)
        self.Y = rows[:, :, None].astype(np.float32)
        self.img = img
        self.patch = img[self.index]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.img[self.index] = self.patch


def _local(origin, axis, X=_X, Y=_Y):
    """Pixel coordinates in a face-part frame: s along ``axis`` (a unit vector), t across it.

    With ``axis`` pointing right, t grows downwards, as image rows do.
    """
    dx = X - _c(origin[:, 0])
    dy = Y - _c(origin[:, 1])
    ax, ay = _c(axis[:, 0]), _c(axis[:, 1])
    return dx * ax + dy * ay, dy * ax - dx * ay


def _soft(signed_distance, width=1.0):
    """Anti-aliased inside-ness: 1 well inside, 0 well outside, linear over ``width`` pixels."""
    out = signed_distance / width
    out += 0.5
    return np.clip(out, 0.0, 1.0, out=out)


def _gauss(s, t, sigma_s, sigma_t):
    return np.exp(-0.5 * ((s / sigma_s) ** 2 + (t / sigma_t) ** 2))


def _spot(X, Y, point, sigma):
    """A round Gaussian of width ``sigma`` at ``point`` (B, 2)."""
    return np.exp(((X - _c(point[:, 0])) ** 2 + (Y - _c(point[:, 1])) ** 2) * (-0.5 / sigma**2))


def _unit(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _left_to_right(a, b):
    """The two points of each face ordered by x, so that part frames all point right."""
    swap = (a[:, 0] > b[:, 0])[:, None]
    return np.where(swap, b, a), np.where(swap, a, b)


def _draw_eye(img, centre, inner, outer, P):
    a, b = _left_to_right(inner, outer)
    with _Window(img, (a + b) / 2 + [0.0, -2.0], 36, 28) as w:
        X, Y, patch = w.X, w.Y, w.patch
        length = np.linalg.norm(b - a, axis=1)
        s, t = _local((a + b) / 2, _unit(b - a), X, Y)
        half = _c(length / 2)
        q = np.clip(1.0 - (s / half) ** 2, 0.0, None)
        inside = q > 0
        open_up = _c(P["eye_open"]) * half
        upper, lower = -open_up * q, open_up * _c(P["eye_low"]) * q
        patch *= 1.0 - _c(P["socket_k"]) * _gauss(s, t + 0.2 * open_up, 1.1 * half, 1.4 * open_up + 2.0)
        eye = _soft(np.minimum(t - upper, lower - t), 0.8) * inside
        sclera = np.minimum(_c(P["skin"] * P["sclera"] + P["sclera_add"]), 240.0)
        patch += eye * (sclera - patch)
        r = np.sqrt((X - _c(centre[:, 0])) ** 2 + (Y - _c(centre[:, 1])) ** 2)
        iris_r = _c(P["iris"]) * open_up
        patch += eye * _soft(iris_r - r, 0.8) * (_c(P["iris_tone"]) - patch)
        patch += eye * _soft(0.45 * iris_r - r, 0.6) * (8.0 - patch)
        glint = _c(P["glint"]) * _gauss(X - _c(centre[:, 0]) + 0.35 * iris_r, Y - _c(centre[:, 1]) + 0.35 * iris_r, 0.5, 0.5)
        patch += eye * glint * (235.0 - patch)
        lid = _soft(_c(P["lid_w"]) - np.abs(t - upper), 0.7) * inside
        patch *= 1.0 - _c(P["lid_k"]) * lid
        patch *= 1.0 - 0.4 * _c(P["lid_k"]) * _soft(0.6 - np.abs(t - lower), 0.7) * inside
        for corner in (inner, outer):  # the corners: where the lids meet, a little shadow
            patch *= 1.0 - 0.3 * _spot(X, Y, corner, 1.0)
        if P["glasses"].any():  # a rim around the eye on some faces
            mid = (a + b) / 2
            r0 = _c(P["glasses_r"]) * _c(length)
            r = np.sqrt((X - _c(mid[:, 0])) ** 2 + ((Y - _c(mid[:, 1])) * 1.25) ** 2)
            rim = _soft(_c(P["glasses_w"]) - np.abs(r - r0), 0.8)
            patch *= 1.0 - _c(P["glasses_k"] * P["glasses"]) * rim


def _draw_brow(img, inner, outer, P):
    a, b = _left_to_right(inner, outer)
    with _Window(img, (a + b) / 2 + [0.0, -1.0], 40, 20) as w:
        length = _c(np.linalg.norm(b - a, axis=1))
        s, t = _local(a, _unit(b - a), w.X, w.Y)
        tau = np.clip(s / length, 0.0, 1.0)
        arch = -4.0 * _c(P["brow_arch"]) * tau * (1.0 - tau)  # bulges upwards
        inner_is_a = _c((inner[:, 0] <= outer[:, 0]).astype(np.float32))
        from_inner = inner_is_a * tau + (1.0 - inner_is_a) * (1.0 - tau)
        width = _c(P["brow_in"]) * (1.0 - from_inner) + _c(P["brow_out"]) * from_inner
        band = _soft(width / 2 - np.abs(t - arch), 0.8) * _soft(np.minimum(s, length - s) + 0.5, 0.8)
        w.patch *= 1.0 - _c(P["brow_k"]) * band


def _draw_nose(img, tip, across, down, eye_mid, scale, P):
    with _Window(img, tip + [0.0, -8.0], 32, 36) as w:
        patch = w.patch
        s, t = _local(tip, across, w.X, w.Y)
        size = scale * _c(P["nostril_size"])
        patch *= 1.0 + _c(P["tip_k"]) * _gauss(s, t + 0.01 * scale, 0.07 * scale, 0.06 * scale)
        for side in (-1.0, 1.0):
            nostril = _gauss(s - side * 0.1 * scale, t - 0.07 * scale, 0.055 * size, 0.03 * size)
            patch *= 1.0 - _c(P["nostril_k"]) * nostril
            wing = _gauss(s - side * 0.15 * scale, t - 0.01 * scale, 0.04 * scale, 0.08 * scale)
            patch *= 1.0 - 0.25 * _c(P["nostril_k"]) * wing
        patch *= 1.0 - _c(P["under_nose_k"]) * _gauss(s, t - 0.13 * scale, 0.12 * scale, 0.035 * scale)
        # the bridge: a soft shadow along one side, from between the eyes down to the tip
        to_tip = np.sum((tip - eye_mid) * down, axis=1)
        bridge_s = s - _c(P["bridge_side"]) * 0.08 * scale
        along = _soft(np.minimum(t + _c(to_tip) * 0.75, -t - 0.08 * scale), 2.0)
        patch *= 1.0 - _c(P["bridge_k"]) * along * np.exp(-0.5 * (bridge_s / 1.2) ** 2)


def _apex_profile(s, apex, half):
    """0 at the mouth corners (s = ±half), 1 at ``apex``: two half-parabolas meeting there."""
    span = np.where(s <= apex, apex + half, half - apex)
    return np.clip(1.0 - ((s - apex) / span) ** 2, 0.0, None)


def _draw_mouth(img, left, right, top, bottom, P):
    a, b = _left_to_right(left, right)
    mid = (a + b) / 2
    with _Window(img, mid + [0.0, 1.0], 48, 32) as w:
        patch = w.patch
        length = np.linalg.norm(b - a, axis=1)
        half = _c(length / 2)
        axis = _unit(b - a)
        s, t = _local(mid, axis, w.X, w.Y)
        q = np.clip(1.0 - (s / half) ** 2, 0.0, None)
        inside = q > 0
        normal = np.stack([-axis[:, 1], axis[:, 0]], axis=1)  # points down
        t_top = np.minimum(np.sum((top - mid) * normal, axis=1), -0.5)
        t_bottom = np.maximum(np.sum((bottom - mid) * normal, axis=1), 0.5)
        # the lips' outer edges peak exactly at the top-lip and bottom-lip keypoints
        s_top = np.clip(np.sum((top - mid) * axis, axis=1), -0.6 * length / 2, 0.6 * length / 2)
        s_bottom = np.clip(np.sum((bottom - mid) * axis, axis=1), -0.6 * length / 2, 0.6 * length / 2)
        bow = _c(P["bow"]) * np.exp(-0.5 * ((s - _c(s_top)) / 1.3) ** 2)  # the notch of Cupid's bow
        upper = _c(t_top) * _apex_profile(s, _c(s_top), half) + bow
        lower = _c(t_bottom) * _apex_profile(s, _c(s_bottom), half)
        line = (_c(t_top) + 0.42 * _c(t_bottom - t_top)) * q
        lips = _soft(np.minimum(t - upper, lower - t), 0.8) * inside
        patch *= 1.0 - _c(P["lip_k"]) * lips
        if P["mouth_open"].any():
            is_open = _c(P["mouth_open"])
            gap = _c(P["gap"]) * q
            opening = _soft(gap - np.abs(t - line), 0.8) * inside * is_open
            patch += opening * (40.0 - patch)
            teeth = _soft(0.5 * gap - np.abs(t - line + 0.3 * _c(P["gap"])), 0.8) * inside * is_open
            patch += 0.8 * teeth * (_c(P["teeth"]) - patch)
        patch *= 1.0 - _c(P["line_k"]) * _soft(_c(P["line_w"]) - np.abs(t - line), 0.7) * _soft(np.sqrt(q) * 3.0, 1.0)
        shine = _gauss(s - _c(s_bottom), t - 0.6 * _c(t_bottom), 2.0, 0.9)  # light on the lower lip
        patch *= 1.0 + _c(P["shine_k"]) * shine
        patch *= 1.0 - _c(P["chin_k"]) * _gauss(s - _c(s_bottom), t - lower - 2.0, 0.3 * _c(length), 1.5)
        for corner in (left, right):  # a small crease at each corner
            patch *= 1.0 - 0.3 * _spot(w.X, w.Y, corner, 0.9)


def _blur(img, sigma):
    """Gaussian blur with a different width per face (separable, edges repeated)."""
    radius = 3
    offsets = np.arange(-radius, radius + 1, dtype=np.float32)
    weights = np.exp(-0.5 * (offsets[None, :] / sigma[:, None].astype(np.float32)) ** 2)
    weights /= weights.sum(axis=1, keepdims=True)
    padded = np.pad(img, ((0, 0), (radius, radius), (0, 0)), mode="edge")
    out = weights[:, 0, None, None] * padded[:, :IMAGE_SIZE, :]
    for k in range(1, len(offsets)):
        out += weights[:, k, None, None] * padded[:, k:k + IMAGE_SIZE, :]
    padded = np.pad(out, ((0, 0), (0, 0), (radius, radius)), mode="edge")
    out = weights[:, 0, None, None] * padded[:, :, :IMAGE_SIZE]
    for k in range(1, len(offsets)):
        out += weights[:, k, None, None] * padded[:, :, k:k + IMAGE_SIZE]
    return out


def render_faces(keypoints: np.ndarray, P: dict[str, np.ndarray], noise: np.ndarray) -> np.ndarray:
    """Draw faces whose 15 landmarks sit at ``keypoints`` ``(B, 30)``; return ``(B, 96, 96)`` uint8.

    ``P`` holds the per-face appearance (see ``_face_parameters``), ``noise`` standard-normal
    pixel noise ``(B, 96, 96)``.
    """
    kp = np.asarray(keypoints, dtype=np.float64).reshape(-1, 15, 2)
    (l_eye, r_eye, l_in, l_out, r_in, r_out, lb_in, lb_out, rb_in, rb_out,
     nose, m_left, m_right, m_top, m_bottom) = (kp[:, i] for i in range(15))
    B = len(kp)
    across = _unit(l_eye - r_eye)  # image-right, along the eye line
    down = np.stack([-across[:, 1], across[:, 0]], axis=1)
    scale = np.linalg.norm(l_eye - r_eye, axis=1)
    eye_mid = (l_eye + r_eye) / 2
    mouth_mid = (m_left + m_right) / 2
    eye_to_mouth = np.sum((mouth_mid - eye_mid) * down, axis=1)

    # background with clutter: a gradient, two blurry blobs, one straight edge
    img = np.broadcast_to(_c(P["bg"]) + _c(P["bg_gx"]) * (_X - 48) + _c(P["bg_gy"]) * (_Y - 48),
                          (B, IMAGE_SIZE, IMAGE_SIZE)).copy()
    for k in range(2):
        blob = np.array([P["blob_x"][:, k], P["blob_y"][:, k]]).T
        img += _c(P["blob_a"][:, k]) * _spot(_X, _Y, blob, _c(P["blob_s"][:, k]))
    angle = P["edge_angle"]
    img += _c(P["edge_a"]) * _soft(_X * _c(np.cos(angle)) + _Y * _c(np.sin(angle)) - 48 - _c(P["edge_off"]), 1.5)

    # head: face ellipse (narrower at the jaw), hair behind and on the forehead, neck
    centre = eye_mid + (P["face_c"] * eye_to_mouth)[:, None] * down
    centre = centre + (0.5 * np.sum((mouth_mid - eye_mid) * across, axis=1))[:, None] * across
    fs, ft = _local(centre, across)
    half_w, half_h = _c(P["face_w"] * scale), _c(P["face_h"] * P["face_w"] * scale)
    below = np.clip(ft / half_h, 0.0, 1.0)
    width = half_w * (1.0 - _c(P["jaw"]) * below * below)
    radius = np.sqrt((fs / width) ** 2 + (ft / half_h) ** 2)
    face = _soft((1.0 - radius) * half_w, 1.2)
    head = _soft((1.0 - np.sqrt((fs / (half_w * _c(P["hair_w"]))) ** 2 + (ft / (half_h * 1.06)) ** 2)) * half_w, 1.5)
    eye_t = _c(np.sum((eye_mid - centre) * down, axis=1))
    hair_tone = _c(P["hair"]) * (1.0 + 0.12 * np.sin(fs * 0.9 + ft * 0.15 + _c(P["hair_phase"])))
    back = head * _soft(eye_t + _c(P["hair_side"]) - ft, 2.0)
    img += back * (hair_tone - img)
    neck = _soft(0.5 * half_w - np.abs(fs), 1.0) * _soft(ft, 1.0)
    img += neck * (0.75 * _c(P["skin"]) - img)
    radius *= radius
    skin = _c(P["skin"]) * (1.0 - _c(P["shade"]) * radius * radius)
    img += face * (skin - img)
    brow_t = _c(np.sum(((lb_in + rb_in) / 2 - centre) * down, axis=1))
    hairline = brow_t - _c(np.where(P["bald"], 60.0, P["hairline"])) \
        + _c(P["hair_wave"]) * np.sin(fs * _c(P["hair_freq"]) + _c(P["hair_phase"]))
    fringe = head * _soft(hairline - ft, 1.5)
    img += fringe * (hair_tone - img)

    # the parts the keypoints mark
    _draw_eye(img, l_eye, l_in, l_out, P)
    _draw_eye(img, r_eye, r_in, r_out, P)
    _draw_brow(img, lb_in, lb_out, P)
    _draw_brow(img, rb_in, rb_out, P)
    _draw_nose(img, nose, across, down, eye_mid, _c(scale), P)
    _draw_mouth(img, m_left, m_right, m_top, m_bottom, P)
    if P["glasses"].any():  # the glasses' bridge between the rims
        with _Window(img, eye_mid, 32, 12) as w:
            bs, bt = _local(eye_mid, across, w.X, w.Y)
            gap = _c(0.5 * np.linalg.norm(l_in - r_in, axis=1)) - 2.0
            bridge = _soft(_c(P["glasses_w"]) - np.abs(bt + 1.0), 0.8) * _soft(gap - np.abs(bs), 0.8)
            w.patch *= 1.0 - _c(P["glasses_k"] * P["glasses"]) * bridge

    # the photograph: side lighting, contrast, blur, sensor noise
    img *= 1.0 + _c(P["light_x"]) * (_X - 48) / 48 + _c(P["light_y"]) * (_Y - 48) / 48
    img = (img - 128.0) * _c(P["contrast"]) + 128.0 + _c(P["brightness"])
    img = _blur(img, P["blur"])
    img += _c(P["noise"]) * noise
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_synthetic_faces(n_rows: int = SYNTHETIC_ROWS, seed: int = 0, *, chunk_rows: int = 256) -> pd.DataFrame:
    """A synthetic stand-in for Kaggle's ``training.csv``: same columns, types and missing values.

    Keypoints come from :func:`sample_keypoints` (rounded to 6 decimals), blanked where
    :func:`presence_mask` says the real file has no label; every image shows the whole face.
    Deterministic: the same ``n_rows`` and ``seed`` give the same frame on every machine
    (up to rare one-grey-level differences where the machine's exp/sqrt round differently).
    """
    keypoints = sample_keypoints(n_rows, seed)
    present = presence_mask(n_rows, seed)
    rng = np.random.default_rng([seed, 3])
    P = _face_parameters(n_rows, rng)
    images = np.empty((n_rows, N_PIXELS), dtype=np.uint8)
    for start in range(0, n_rows, chunk_rows):
        stop = min(start + chunk_rows, n_rows)
        noise = rng.standard_normal((stop - start, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
        part = {k: v[start:stop] for k, v in P.items()}
        images[start:stop] = render_faces(keypoints[start:stop], part, noise).reshape(-1, N_PIXELS)
    labels = np.round(keypoints, 6)
    labels[~np.repeat(present, 2, axis=1)] = np.nan
    df = pd.DataFrame(labels, columns=list(KEYPOINT_COLUMNS))
    df[IMAGE_COLUMN] = format_images(images)
    return df


# --------------------------------------------------------------------------------------------
# The cache in data/
# --------------------------------------------------------------------------------------------
def _fingerprint(n_rows: int, seed: int) -> str:
    """Changes whenever the generator (this file), the writer (nnreg/keypoints.py), the size or
    the seed changes."""
    source = Path(__file__).read_bytes() + Path(keypoints.__file__).read_bytes()
    return hashlib.sha256(source + f"|{n_rows}|{seed}".encode()).hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_is_fresh(csv_path, n_rows: int = SYNTHETIC_ROWS, seed: int = 0) -> bool:
    """Whether ``csv_path`` holds what :func:`make_synthetic_faces` makes now for this size and seed.

    The sidecar ``<name>.json`` records the generator's fingerprint and the file's size and
    SHA-256; a different generator, size or seed, or an edited, truncated or missing file,
    makes the cache stale.
    """
    csv_path = Path(csv_path)
    meta_path = csv_path.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return (
            meta.get("fingerprint") == _fingerprint(n_rows, seed)
            and csv_path.stat().st_size == meta.get("size")
            and _file_digest(csv_path) == meta.get("sha256")
        )
    except (OSError, ValueError):
        return False


def synthetic_faces_csv(directory=None, n_rows: int = SYNTHETIC_ROWS, seed: int = 0) -> Path:
    """The cached synthetic ``training.csv`` look-alike, generated (about 20 s) if missing or stale."""
    directory = Path(directory) if directory is not None else data_dir()
    name = SYNTHETIC_FILE_NAME if (n_rows, seed) == (SYNTHETIC_ROWS, 0) else f"synthetic_faces_{n_rows}_{seed}.csv"
    csv_path = directory / name
    if cache_is_fresh(csv_path, n_rows, seed):
        return csv_path
    directory.mkdir(parents=True, exist_ok=True)
    df = make_synthetic_faces(n_rows, seed)
    # write next to the target, then rename: a crash or a parallel run never leaves half a file
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".tmp", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        write_keypoints_csv(df, tmp_path)
        os.chmod(tmp_path, 0o644)  # NamedTemporaryFile makes it private; a cache need not be
        meta = {
            "what": "synthetic faces in the Kaggle facial-keypoints format (nnreg.synthetic_faces)",
            "rows": n_rows, "seed": seed, "fingerprint": _fingerprint(n_rows, seed),
            "size": tmp_path.stat().st_size, "sha256": _file_digest(tmp_path),
        }
        os.replace(tmp_path, csv_path)
    finally:
        tmp_path.unlink(missing_ok=True)
    csv_path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return csv_path


__all__ = [
    "REAL_MEAN_PREDICTOR_RMSE", "SYNTHETIC_FILE_NAME", "SYNTHETIC_ROWS", "cache_is_fresh",
    "make_synthetic_faces", "presence_mask", "render_faces", "sample_keypoints", "synthetic_faces_csv",
]
