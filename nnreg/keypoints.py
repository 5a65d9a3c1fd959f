"""The Kaggle facial-keypoints file (chapter 6): its columns, reading and checking it, pixel strings.

The real data is ``training.csv`` of Kaggle's *Facial Keypoints Detection* competition: 7,049
rows, 30 keypoint columns (x and y of 15 landmarks, many missing) and an ``Image`` column holding
96×96 = 9,216 space-separated grey levels. This module knows the format and nothing else; it
imports no other module of the package. :mod:`nnreg.synthetic_faces` draws faces in this format,
and :func:`nnreg.faces.load_faces` picks the real file or the synthetic faces.

- :data:`KEYPOINT_NAMES`, :data:`KEYPOINT_COLUMNS`, :data:`COLUMNS`: the file's columns, in order;
  :func:`data_dir`: where the data lives.
- :func:`read_keypoints_csv` reads a file in the Kaggle format and checks it: text (not an archive
  or binary data), column names and order, numeric keypoints inside the image with x and y
  labelled together, 9,216 integer pixels in 0–255 per image. A violation raises
  :class:`KeypointsFormatError`, one short line naming the file, the row and the column.
- :func:`parse_images` turns the pixel strings into a ``(N, 9216)`` ``uint8`` array, vectorised
  (chapter 6 compares it with the simple per-row way); :func:`format_images` and
  :func:`write_keypoints_csv` go the other way.
"""
from __future__ import annotations

import csv
import io
import os
import re
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

IMAGE_SIZE = 96
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
KEYPOINT_NAMES = (
    "left_eye_center", "right_eye_center",
    "left_eye_inner_corner", "left_eye_outer_corner",
    "right_eye_inner_corner", "right_eye_outer_corner",
    "left_eyebrow_inner_end", "left_eyebrow_outer_end",
    "right_eyebrow_inner_end", "right_eyebrow_outer_end",
    "nose_tip",
    "mouth_left_corner", "mouth_right_corner",
    "mouth_center_top_lip", "mouth_center_bottom_lip",
)
KEYPOINT_COLUMNS = tuple(f"{name}_{axis}" for name in KEYPOINT_NAMES for axis in "xy")
IMAGE_COLUMN = "Image"
COLUMNS = KEYPOINT_COLUMNS + (IMAGE_COLUMN,)



class KeypointsFormatError(ValueError):
    """A keypoints file or pixel string that does not follow the Kaggle format."""


# --------------------------------------------------------------------------------------------
# Where the data lives
# --------------------------------------------------------------------------------------------
DATA_DIR_ENV = "NNREG_DATA_DIR"


def data_dir() -> Path:
    """Where chapter 6 looks for ``training.csv`` and caches the synthetic faces.

    ``NNREG_DATA_DIR`` when it is set; else the book's ``data/`` folder (the one that holds its
    ``README.md``) in the working directory or its parent, which is where it is when a chapter
    runs in ``chapters/`` of the repository, the runnable course or the student edition; else
    ``data/`` in the working directory (in Colab, say), made when something is written there.
    """
    forced = os.environ.get(DATA_DIR_ENV, "").strip()
    if forced:
        return Path(forced).expanduser()
    here = Path.cwd()
    for folder in (here, here.parent):
        if (folder / "data" / "README.md").is_file():
            return folder / "data"
    return here / "data"


def _where(source: str | None, row) -> str:
    """``'training.csv, row 12 (line 14)'``: a data row and its line in the file (header = 1)."""
    if source is None:
        return f"row {row}"
    return f"{source}, row {row} (line {int(row) + 2})"


# --------------------------------------------------------------------------------------------
# Parsing the Image column
# --------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"[0-9]+")


def _diagnose_pixels(text, where: str) -> KeypointsFormatError | None:
    """The precise complaint about one pixel string, or None if it is fine (the slow path)."""
    column = f"column '{IMAGE_COLUMN}'"
    if not isinstance(text, str):
        return KeypointsFormatError(
            f"{where}, {column}: the pixel string is missing; expected {N_PIXELS} integers 0-255 "
            "separated by spaces."
        )
    tokens = text.split()
    for k, token in enumerate(tokens):
        if not _TOKEN.fullmatch(token):
            return KeypointsFormatError(
                f"{where}, {column}, pixel {k}: {token[:20]!r} is not an integer; expected integers "
                "0-255 separated by spaces."
            )
        if len(token) > 3 or int(token) > 255:
            return KeypointsFormatError(
                f"{where}, {column}, pixel {k}: {token[:20]} is out of range; expected 0-255."
            )
    if len(tokens) != N_PIXELS:
        side = "short" if len(tokens) < N_PIXELS else "long"
        return KeypointsFormatError(
            f"{where}, {column}: the pixel string is too {side}: {len(tokens)} values, expected "
            f"{N_PIXELS} ({IMAGE_SIZE}x{IMAGE_SIZE})."
        )
    return None


def _parse_chunk(strings: list) -> np.ndarray | None:
    """Parse well-formed pixel strings in one C call; None if any of them is not well formed.

    The strings become the lines of one text that ``np.loadtxt`` reads as a 2-D integer table;
    its shape and range are then checked.
    """
    if not all(isinstance(s, str) for s in strings):
        return None
    text = "\n".join(s.replace("\n", " ") if "\n" in s else s for s in strings)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loadtxt only warns about an empty input
            values = np.loadtxt(io.StringIO(text), dtype=np.int16, comments=None, ndmin=2)
    except (ValueError, UserWarning):
        return None
    if values.shape != (len(strings), N_PIXELS) or values.min() < 0 or values.max() > 255:
        return None
    return values.astype(np.uint8)


def parse_images(images, *, source: str | None = None, chunk_rows: int = 256) -> np.ndarray:
    """Pixel strings (a pandas Series or a list) to a ``(N, 9216)`` ``uint8`` array.

    Vectorised: each chunk of rows is parsed by one call of NumPy's C text reader, not one
    ``str.split`` per row. A string that is not exactly 9,216 integers in 0–255 separated by
    whitespace raises :class:`KeypointsFormatError` naming its row (the Series index label, or
    the position in a list) and, when ``source`` names the file, its line in the file.
    """
    labels = list(images.index) if isinstance(images, pd.Series) else None
    strings = images.tolist() if isinstance(images, pd.Series) else list(images)
    out = np.empty((len(strings), N_PIXELS), dtype=np.uint8)
    for start in range(0, len(strings), chunk_rows):
        chunk = strings[start:start + chunk_rows]
        values = _parse_chunk(chunk)
        if values is None:  # find the first bad string and say what is wrong with it
            for position in range(start, start + len(chunk)):
                row = labels[position] if labels is not None else position
                error = _diagnose_pixels(strings[position], _where(source, row))
                if error is not None:
                    raise error
            raise KeypointsFormatError(
                f"{_where(source, labels[start] if labels else start)} and the next {len(chunk) - 1} "
                f"rows, column '{IMAGE_COLUMN}': could not be read as {N_PIXELS} integers 0-255 each."
            )
        out[start:start + len(chunk)] = values
    return out


def format_images(images: np.ndarray) -> list[str]:
    """The inverse of :func:`parse_images`: ``(N, 9216)`` integers 0–255 to Kaggle pixel strings."""
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != N_PIXELS:
        raise ValueError(f"format_images expects shape (N, {N_PIXELS}); got {images.shape}.")
    if images.size and (images.min() < 0 or images.max() > 255):
        raise ValueError("format_images expects integers in 0-255.")
    images = images.astype(np.uint8)
    strings: list[str] = []
    for start in range(0, len(images), 512):
        block = images[start:start + 512]
        chars = _PIXEL_TEXT[block].view(np.uint8).ravel()  # 4 bytes per pixel, zero-padded
        buf = chars[chars != 0].tobytes()
        ends = np.cumsum(_PIXEL_TEXT_WIDTH[block].sum(axis=1))
        begins = np.concatenate(([0], ends[:-1]))
        strings.extend(buf[b:e - 1].decode("ascii") for b, e in zip(begins, ends))  # drop the last space
    return strings


def _pixel_text_table():
    """Each grey level's digits and a space, zero-padded to 4 bytes and read as one uint32."""
    table = np.zeros((256, 4), dtype=np.uint8)
    for v in range(256):
        text = f"{v} ".encode()
        table[v, :len(text)] = np.frombuffer(text, dtype=np.uint8)
    return table.view(np.uint32).ravel(), np.array([len(f"{v} ") for v in range(256)], dtype=np.int64)


_PIXEL_TEXT, _PIXEL_TEXT_WIDTH = _pixel_text_table()


# --------------------------------------------------------------------------------------------
# Reading and checking a Kaggle-format file
# --------------------------------------------------------------------------------------------
_HOW_TO_UNPACK = "data/README.md shows how"
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))  # not tab, LF, CR


def _names(names: list[str], at_most: int = 3) -> str:
    """``'a', 'b', 'c' and 26 more``: a short list for one-line messages."""
    shown = ", ".join(repr(n[:40]) for n in names[:at_most])
    return shown + (f" and {len(names) - at_most} more" if len(names) > at_most else "")


def _check_is_text(path: Path, name: str) -> None:
    """Refuse what is not CSV text before parsing it: an archive, UTF-16, binary data."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                inside = f" holding {_names(archive.namelist())}"
        except (zipfile.BadZipFile, OSError):
            inside = ""
        raise KeypointsFormatError(
            f"{name} is a zip archive{inside}, not a CSV file: unzip it first ({_HOW_TO_UNPACK})."
        )
    if head.startswith(b"\x1f\x8b"):
        raise KeypointsFormatError(
            f"{name} is gzip-compressed, not a CSV file: decompress it first (gunzip; "
            f"{_HOW_TO_UNPACK})."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise KeypointsFormatError(f"{name} is UTF-16 text: save it as UTF-8 (or ASCII) text.")
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or control > len(head) // 100:
        offset = next(i for i, b in enumerate(head) if b in _CONTROL_BYTES)
        raise KeypointsFormatError(
            f"{name} is not a text file (byte {offset} is 0x{head[offset]:02x}): expected the CSV "
            "text of Kaggle's training.csv; data/README.md says how to get it."
        )


def _not_utf8(path: Path, name: str) -> KeypointsFormatError:
    """The complaint about the first byte that is not UTF-8: its line, row and column."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                byte = line[err.start]
                field = line[:err.start].count(b",")
                column = f"column '{COLUMNS[field]}'" if field < len(COLUMNS) else f"field {field + 1}"
                where = f"{name}, line 1 (header)" if number == 1 else _where(name, number - 2)
                latin1 = f" (Latin-1 {bytes([byte]).decode('latin-1')!r})" if byte >= 0xA0 else ""
                return KeypointsFormatError(
                    f"{where}, {column}: byte 0x{byte:02x} is not UTF-8 text{latin1}. The file must "
                    "be plain text (ASCII or UTF-8): remove that character or save the file as UTF-8."
                )
    return KeypointsFormatError(f"{name} is not UTF-8 text.")  # not reached: the decoder failed


def _check_header(header: list[str], name: str) -> None:
    expected = list(COLUMNS)
    if header == expected:
        return
    spaced = [h for h in header if h != h.strip()]
    if spaced:
        raise KeypointsFormatError(
            f"{name}, line 1 (header): the column names carry spaces (e.g. {spaced[0][:40]!r}); "
            "remove the spaces around the commas."
        )
    known = set(expected)
    if not any(h in known for h in header):
        shown = ", ".join(repr(h[:20]) for h in header[:3])
        raise KeypointsFormatError(
            f"{name}, line 1: not the expected header (found {shown}, ...). The first line must name "
            f"the {len(KEYPOINT_COLUMNS)} keypoint columns and '{IMAGE_COLUMN}': "
            f"{', '.join(expected[:2])}, ..., {expected[-1]}."
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in expected if c not in header]
    extra = [h for h in header if h not in known]
    problems = []
    if missing:
        problems.append(f"missing column(s) {_names(missing)}")
    if extra:
        problems.append(f"unexpected column(s) {_names(extra)}")
    if duplicated:
        problems.append(f"repeated column(s) {_names(duplicated)}")
    if not problems:  # the right names in the wrong order
        k = next(i for i, (h, e) in enumerate(zip(header, expected)) if h != e)
        problems.append(f"column {k + 1} is {header[k]!r}, expected {expected[k]!r} (columns out of order)")
    raise KeypointsFormatError(
        f"{name}, line 1 (header): {'; '.join(problems)}. Expected the {len(expected)} columns "
        f"{expected[0]}, ..., {expected[-1]}, in the order of Kaggle's file."
    )


def _fields_on_line(path: Path, line_number: int) -> int:
    """How many comma-separated fields a line has (the Kaggle file quotes nothing)."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if number == line_number:
                return line.count(b",") + 1 if line.strip() else 0
    return 0


def _check_keypoints(df: pd.DataFrame, name: str) -> None:
    """Keypoints numeric, inside the image, and x labelled exactly when y is; converts to float."""
    for column in KEYPOINT_COLUMNS:
        text = df[column]
        values = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = (text.notna() & values.isna()).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise KeypointsFormatError(
                f"{_where(name, row)}, column '{column}': {str(text.iloc[row])[:30]!r} is not a number; "
                "expected a coordinate in pixels, or an empty field for a missing keypoint."
            )
        outside = ((values < 0) | (values > IMAGE_SIZE) | np.isinf(values)).to_numpy()
        if outside.any():
            row = int(np.argmax(outside))
            raise KeypointsFormatError(
                f"{_where(name, row)}, column '{column}': {values.iloc[row]:g} is outside the image; "
                f"expected a coordinate between 0 and {IMAGE_SIZE}."
            )
        df[column] = values
    missing = df[list(KEYPOINT_COLUMNS)].isna().to_numpy().reshape(len(df), -1, 2)
    half = missing[:, :, 0] != missing[:, :, 1]  # (rows, keypoints): x and y disagree
    if half.any():
        row, k = np.unravel_index(np.argmax(half), half.shape)
        x, y = KEYPOINT_COLUMNS[2 * k], KEYPOINT_COLUMNS[2 * k + 1]
        empty, labelled = (x, y) if missing[row, k, 0] else (y, x)
        raise KeypointsFormatError(
            f"{_where(name, int(row))}, column '{empty}': empty, but '{labelled}' is labelled. A "
            "keypoint has both coordinates or neither (both fields empty when it is missing)."
        )


def read_keypoints_csv(path, *, check_images: bool = True) -> pd.DataFrame:
    """Read a Kaggle facial-keypoints file and check it; return a DataFrame like ``pd.read_csv``'s.

    The 30 keypoint columns come back as ``float64`` (NaN where a keypoint is missing), ``Image``
    as strings. Checked: that the file is text (not a zip or gzip archive, not binary data, no
    byte that is not UTF-8), the header (names and order), the number of fields on each line,
    every keypoint numeric and inside the 96×96 image (0 to 96) with its x and y labelled
    together, and, with ``check_images``, every pixel string (9,216 integers in 0–255). A
    violation raises :class:`KeypointsFormatError`: one short line naming the file, the row (and
    its line) and the column, and what was expected.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found. Download the Kaggle data as data/README.md explains, or use "
            "nnreg.faces.load_faces(), which falls back to synthetic faces."
        )
    _check_is_text(path, name)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            first = f.readline()
    except UnicodeDecodeError:
        raise _not_utf8(path, name) from None
    if not first.strip():
        raise KeypointsFormatError(
            f"{name} is empty: expected a header line naming the {len(KEYPOINT_COLUMNS)} keypoint "
            f"columns and '{IMAGE_COLUMN}', then one line per face."
        )
    _check_header(next(csv.reader([first])), name)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except pd.errors.ParserError as err:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if found:
            _, line, seen = (int(g) for g in found.groups())
            raise KeypointsFormatError(
                f"{name}, row {line - 2} (line {line}): {seen} fields, expected {len(COLUMNS)} "
                f"(the {len(KEYPOINT_COLUMNS)} keypoint columns and '{IMAGE_COLUMN}')."
            ) from None
        raise KeypointsFormatError(f"{name} is not a readable CSV file: {str(err)[:200]}") from None
    except UnicodeDecodeError:
        raise _not_utf8(path, name) from None
    if len(df) == 0:
        raise KeypointsFormatError(f"{name} has a header but no rows: expected one line per face.")

    missing_image = df[IMAGE_COLUMN].isna().to_numpy()
    if missing_image.any():
        row = int(np.argmax(missing_image))
        fields = _fields_on_line(path, row + 2)
        if fields != len(COLUMNS):
            raise KeypointsFormatError(
                f"{_where(name, row)}: {fields} fields, expected {len(COLUMNS)} (the "
                f"{len(KEYPOINT_COLUMNS)} keypoint columns and '{IMAGE_COLUMN}')."
            )
        raise _diagnose_pixels(None, _where(name, row))
    _check_keypoints(df, name)
    if check_images:
        parse_images(df[IMAGE_COLUMN], source=name)
    return df


def write_keypoints_csv(df: pd.DataFrame, path) -> None:
    """Write a frame in the Kaggle format (header, keypoints, empty fields for NaN, Image)."""
    keypoints = df[list(KEYPOINT_COLUMNS)].to_numpy(dtype=np.float64)
    with open(path, "w", encoding="ascii", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for values, image in zip(keypoints.tolist(), df[IMAGE_COLUMN].tolist()):
            fields = ["" if v != v else repr(v) for v in values]  # v != v: NaN
            f.write(",".join(fields) + "," + image + "\n")


__all__ = [
    "COLUMNS", "IMAGE_COLUMN", "IMAGE_SIZE", "KEYPOINT_COLUMNS", "KEYPOINT_NAMES", "N_PIXELS",
    "KeypointsFormatError", "data_dir", "format_images", "parse_images", "read_keypoints_csv",
    "write_keypoints_csv",
]
