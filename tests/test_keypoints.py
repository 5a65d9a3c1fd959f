"""Tests of nnreg.keypoints (the Kaggle-format loader), nnreg.synthetic_faces (the synthetic faces
and their cache) and nnreg.faces (which of the two chapter 6 gets)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnreg import faces as F
from nnreg import keypoints as K
from nnreg import synthetic_faces as S

# Figures of the real labels (Kaggle training.csv), as the issue and the seed quote them.
REAL_NON_NULL = {
    "left_eye_center": 7039, "right_eye_center": 7036, "left_eye_inner_corner": 2271,
    "left_eye_outer_corner": 2267, "right_eye_inner_corner": 2268, "right_eye_outer_corner": 2268,
    "left_eyebrow_inner_end": 2270, "left_eyebrow_outer_end": 2225, "right_eyebrow_inner_end": 2270,
    "right_eyebrow_outer_end": 2236, "nose_tip": 7049, "mouth_left_corner": 2269,
    "mouth_right_corner": 2270, "mouth_center_top_lip": 2275, "mouth_center_bottom_lip": 7016,
}


@pytest.fixture(scope="module")
def small_faces() -> pd.DataFrame:
    """Twelve synthetic faces: a few complete rows and a few with missing keypoints."""
    return S.make_synthetic_faces(12, seed=3)


@pytest.fixture()
def good_file(tmp_path, small_faces) -> Path:
    path = tmp_path / "training.csv"
    K.write_keypoints_csv(small_faces, path)
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text().split("\n")[:-1]


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _replace_image(path: Path, row: int, image: str) -> Path:
    """Put ``image`` as the pixel string of data row ``row`` (0-based) of the file."""
    lines = _lines(path)
    fields = lines[row + 1].split(",")
    lines[row + 1] = ",".join(fields[:-1] + [image])
    return _write_lines(path, lines)


def _set_field(path: Path, row: int, column: str, value: str) -> Path:
    lines = _lines(path)
    fields = lines[row + 1].split(",")
    fields[K.COLUMNS.index(column)] = value
    lines[row + 1] = ",".join(fields)
    return _write_lines(path, lines)


def _raises(path: Path, *patterns: str) -> str:
    """The loader refuses ``path`` with one short line that names the file and matches ``patterns``."""
    with pytest.raises(K.KeypointsFormatError) as info:
        K.read_keypoints_csv(path)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    assert message.startswith(path.name), message
    assert len(message) <= 300 and "\n" not in message, f"{len(message)} characters: {message}"
    return message


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------
def test_columns_follow_the_kaggle_file():
    assert len(K.KEYPOINT_COLUMNS) == 30 and K.COLUMNS[-1] == "Image"
    assert K.KEYPOINT_COLUMNS[:3] == ("left_eye_center_x", "left_eye_center_y", "right_eye_center_x")
    assert K.KEYPOINT_COLUMNS[-1] == "mouth_center_bottom_lip_y"
    assert K.N_PIXELS == 96 * 96 == 9216


def test_data_dir_is_the_books_data_folder_beside_the_chapters(tmp_path, monkeypatch):
    monkeypatch.delenv(K.DATA_DIR_ENV, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "README.md").write_text("the book's data folder", encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "chapters")  # where a chapter runs
    assert K.data_dir() == tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # where the tests run
    assert K.data_dir() == tmp_path / "data"


def test_data_dir_elsewhere_is_data_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(K.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # Colab: /content, with no book around it
    assert K.data_dir() == tmp_path / "data"
    monkeypatch.setenv(K.DATA_DIR_ENV, str(tmp_path / "mine"))
    assert K.data_dir() == tmp_path / "mine"


# --------------------------------------------------------------------------------------------
# The loader on a good file
# --------------------------------------------------------------------------------------------
def test_reads_a_good_file(good_file, small_faces):
    df = K.read_keypoints_csv(good_file)
    assert list(df.columns) == list(K.COLUMNS)
    assert df.shape == (12, 31)
    assert all(df[c].dtype == np.float64 for c in K.KEYPOINT_COLUMNS)
    keypoints = df[list(K.KEYPOINT_COLUMNS)].to_numpy()
    expected = small_faces[list(K.KEYPOINT_COLUMNS)].to_numpy()
    np.testing.assert_array_equal(keypoints, expected)  # NaN where missing, exact values elsewhere
    assert df["Image"].tolist() == small_faces["Image"].tolist()


def test_reads_windows_line_endings(good_file, small_faces):
    good_file.write_bytes(good_file.read_bytes().replace(b"\n", b"\r\n"))
    df = K.read_keypoints_csv(good_file)
    assert df["Image"].tolist() == small_faces["Image"].tolist()


def test_parse_images_matches_the_per_row_way(small_faces):
    fast = K.parse_images(small_faces["Image"])
    slow = np.stack([np.array(s.split(), dtype=np.uint8) for s in small_faces["Image"]])
    assert fast.dtype == np.uint8 and fast.shape == (12, 9216)
    np.testing.assert_array_equal(fast, slow)


def test_format_and_parse_images_round_trip():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, K.N_PIXELS)).astype(np.uint8)
    images[0, :3] = [0, 255, 7]
    strings = K.format_images(images)
    assert strings[0].startswith("0 255 7 ") and not strings[0].endswith(" ")
    np.testing.assert_array_equal(K.parse_images(strings), images)


def test_parse_images_accepts_extra_whitespace():
    text = "  " + "  ".join(["12"] * K.N_PIXELS) + "\t"
    assert K.parse_images([text]).sum() == 12 * K.N_PIXELS


def test_a_missing_file_says_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="README"):
        K.read_keypoints_csv(tmp_path / "training.csv")


# --------------------------------------------------------------------------------------------
# The loader on each kind of bad input
# --------------------------------------------------------------------------------------------
def test_empty_file(tmp_path):
    path = tmp_path / "training.csv"
    path.write_text("")
    _raises(path, r"training\.csv is empty", "header")


def test_header_without_rows(tmp_path):
    path = _write_lines(tmp_path / "training.csv", [",".join(K.COLUMNS)])
    _raises(path, "no rows")


def test_wrong_header_first_line_is_data(good_file):
    lines = _lines(good_file)
    _raises(_write_lines(good_file, lines[1:]), "line 1", "not the expected header", "left_eye_center_x")


def test_missing_column(good_file):
    drop = K.COLUMNS.index("nose_tip_x")
    lines = [",".join(f for i, f in enumerate(line.split(",")) if i != drop) for line in _lines(good_file)]
    _raises(_write_lines(good_file, lines), "line 1", r"missing column\(s\) 'nose_tip_x'")


def test_missing_image_column(good_file):
    lines = [line.rsplit(",", 1)[0] for line in _lines(good_file)]
    _raises(_write_lines(good_file, lines), r"missing column\(s\) 'Image'")


def test_extra_column(good_file):
    lines = _lines(good_file)
    lines = [lines[0] + ",comment"] + [line + ",x" for line in lines[1:]]
    _raises(_write_lines(good_file, lines), r"unexpected column\(s\) 'comment'")


def test_columns_out_of_order(good_file):
    lines = _lines(good_file)
    names = lines[0].split(",")
    names[2], names[3] = names[3], names[2]
    _raises(_write_lines(good_file, [",".join(names)] + lines[1:]),
            "column 3 is 'right_eye_center_y', expected 'right_eye_center_x'", "order")


def test_row_with_an_extra_field(good_file):
    lines = _lines(good_file)
    lines[2] = "1.0," + lines[2]
    _raises(_write_lines(good_file, lines), r"row 1 \(line 3\)", "32 fields, expected 31")


def test_row_with_a_missing_field(good_file):
    lines = _lines(good_file)
    lines[3] = lines[3].split(",", 1)[1]
    _raises(_write_lines(good_file, lines), r"row 2 \(line 4\)", "30 fields, expected 31")


def test_short_pixel_string(good_file, small_faces):
    short = small_faces["Image"][2].rsplit(" ", 1)[0]
    _raises(_replace_image(good_file, 2, short),
            r"row 2 \(line 4\), column 'Image'", "too short: 9215 values, expected 9216")


def test_long_pixel_string(good_file, small_faces):
    _raises(_replace_image(good_file, 5, small_faces["Image"][5] + " 17"),
            r"row 5 \(line 7\), column 'Image'", "too long: 9217 values, expected 9216")


def test_empty_pixel_string(good_file):
    _raises(_replace_image(good_file, 4, ""), r"row 4 \(line 6\), column 'Image'", "missing", "9216")


@pytest.mark.parametrize("bad", ["abc", "-3", "12.5", "1e2"])
def test_non_numeric_pixel(good_file, small_faces, bad):
    pixels = small_faces["Image"][1].split(" ")
    pixels[40] = bad
    _raises(_replace_image(good_file, 1, " ".join(pixels)),
            r"row 1 \(line 3\), column 'Image', pixel 40", "is not an integer", "0-255")


@pytest.mark.parametrize("bad", ["256", "1000"])
def test_out_of_range_pixel(good_file, small_faces, bad):
    pixels = small_faces["Image"][7].split(" ")
    pixels[9215] = bad
    _raises(_replace_image(good_file, 7, " ".join(pixels)),
            r"row 7 \(line 9\), column 'Image', pixel 9215", f"{bad} is out of range; expected 0-255")


def test_non_numeric_keypoint(good_file):
    _raises(_set_field(good_file, 3, "mouth_left_corner_y", "abc"),
            r"row 3 \(line 5\), column 'mouth_left_corner_y'", "'abc' is not a number")


@pytest.mark.parametrize("bad", ["-0.5", "96.5", "inf"])
def test_keypoint_outside_the_image(good_file, bad):
    _raises(_set_field(good_file, 6, "nose_tip_x", bad),
            r"row 6 \(line 8\), column 'nose_tip_x'", "outside the image", "between 0 and 96")


def test_many_missing_columns_make_a_short_message(good_file):
    lines = _lines(good_file)
    names = lines[0].split(",")
    names[1:30] = [f"point_{k}" for k in range(29)]
    _raises(_write_lines(good_file, [",".join(names)] + lines[1:]),
            r"missing column\(s\) 'left_eye_center_y', 'right_eye_center_x', 'right_eye_center_y' and 26 more",
            r"unexpected column\(s\) 'point_0', 'point_1', 'point_2' and 26 more")


@pytest.mark.parametrize("separator", [", ", " ,", "\t,"])
def test_header_names_with_spaces(good_file, separator):
    lines = _lines(good_file)
    message = _raises(_write_lines(good_file, [separator.join(K.COLUMNS)] + lines[1:]),
                      r"line 1 \(header\): the column names carry spaces", "remove the spaces")
    assert len(message) < 150


@pytest.mark.parametrize(("empty", "labelled"), [("nose_tip_y", "nose_tip_x"),
                                                 ("left_eyebrow_outer_end_x", "left_eyebrow_outer_end_y")])
def test_a_keypoint_labelled_in_x_only_or_y_only(good_file, empty, labelled):
    _raises(_set_field(good_file, 2, empty, ""),
            rf"row 2 \(line 4\), column '{empty}': empty, but '{labelled}' is labelled", "both coordinates or neither")


def test_a_zip_archive_under_a_csv_name(good_file):
    archive = good_file.with_name("training.zip")
    with zipfile.ZipFile(archive, "w") as z:
        z.write(good_file, "training.csv")
    good_file.write_bytes(archive.read_bytes())  # the download left zipped, renamed .csv
    _raises(good_file, "is a zip archive holding 'training.csv', not a CSV file", "unzip it first",
            r"data/README\.md")


def test_gzip_bytes(good_file):
    good_file.write_bytes(gzip.compress(good_file.read_bytes()))
    _raises(good_file, "gzip-compressed", "decompress it first", r"data/README\.md")


def test_utf16_text(good_file):
    good_file.write_bytes(good_file.read_text().encode("utf-16"))
    _raises(good_file, "UTF-16", "UTF-8")


def test_binary_garbage(good_file):
    good_file.write_bytes(np.random.default_rng(0).bytes(100_000))
    _raises(good_file, "is not a text file", r"byte \d+ is 0x[0-9a-f]{2}")


def test_a_stray_latin1_byte_is_located(good_file):
    lines = good_file.read_bytes().split(b"\n")
    fields = lines[5].split(b",")  # data row 4
    fields[K.COLUMNS.index("mouth_left_corner_x")] += b"\xe9"
    lines[5] = b",".join(fields)
    good_file.write_bytes(b"\n".join(lines))
    _raises(good_file, r"row 4 \(line 6\), column 'mouth_left_corner_x': byte 0xe9 is not UTF-8",
            "Latin-1 'é'", "save the file as UTF-8")


def test_a_stray_byte_in_the_header_is_located(good_file):
    data = good_file.read_bytes()
    good_file.write_bytes(data.replace(b"nose_tip_y", b"nose_tip_\xff", 1))
    _raises(good_file, r"line 1 \(header\), column 'nose_tip_y': byte 0xff is not UTF-8")


def test_bad_row_is_named_by_its_index_label():
    images = pd.Series(["1 2 3"], index=[41])
    with pytest.raises(K.KeypointsFormatError, match=r"^row 41, column 'Image'.*3 values, expected 9216"):
        K.parse_images(images)


def test_a_bad_row_deep_in_a_large_file_is_found():
    good = " ".join(["128"] * K.N_PIXELS)
    strings = [good] * 600
    strings[517] = good.replace("128", "12x", 1)
    with pytest.raises(K.KeypointsFormatError, match="row 517, column 'Image', pixel 0: '12x'"):
        K.parse_images(strings)


# --------------------------------------------------------------------------------------------
# The synthetic faces
# --------------------------------------------------------------------------------------------
def test_presence_reproduces_the_real_counts_exactly():
    present = S.presence_mask(7049, seed=0)
    assert present.shape == (7049, 15)
    counts = dict(zip(K.KEYPOINT_NAMES, present.sum(axis=0).tolist()))
    assert counts == REAL_NON_NULL
    assert present.all(axis=1).sum() == 2140
    sparse = present.sum(axis=1) <= 4
    only_four = np.zeros(15, bool)
    only_four[[0, 1, 10, 14]] = True  # eye centres, nose tip, bottom lip
    assert (present == only_four).all(axis=1).sum() == 4755
    assert not sparse[:2284].any() and sparse[2284:].all()  # as in the real file


def test_presence_scales_to_other_sizes():
    for n in (1, 12, 100, 3000):
        present = S.presence_mask(n)
        assert present.shape == (n, 15)
    assert S.presence_mask(100).all(axis=1).sum() == round(100 * 2140 / 7049)


def test_keypoints_follow_the_real_statistics():
    keypoints = S.sample_keypoints(20000, seed=1)
    np.testing.assert_allclose(keypoints.mean(axis=0), S._SHAPE_MEAN, atol=0.15)
    np.testing.assert_allclose(keypoints.std(axis=0), S._SHAPE_STD, rtol=0.06)
    assert keypoints.min() >= 0 and keypoints.max() <= 96
    # predicting the mean misses by about the real 3.14 px
    assert abs(np.sqrt(keypoints.var(axis=0).mean()) - S.REAL_MEAN_PREDICTOR_RMSE) < 0.15


def test_synthetic_schema(small_faces):
    df = small_faces
    assert list(df.columns) == list(K.COLUMNS) and len(df) == 12
    assert all(df[c].dtype == np.float64 for c in K.KEYPOINT_COLUMNS)
    assert all(isinstance(s, str) for s in df["Image"])
    images = K.parse_images(df["Image"])  # 9216 integers in 0-255 each, or it raises
    assert images.std() > 10  # a picture, not a flat field
    values = df[list(K.KEYPOINT_COLUMNS)].to_numpy()
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 96
    # x and y are missing together, following presence_mask
    present = S.presence_mask(12, seed=3)
    np.testing.assert_array_equal(~np.isnan(values), np.repeat(present, 2, axis=1))


def test_synthetic_faces_are_deterministic(small_faces):
    again = S.make_synthetic_faces(12, seed=3)
    pd.testing.assert_frame_equal(again, small_faces)
    other = S.make_synthetic_faces(12, seed=4)
    assert other["Image"][0] != small_faces["Image"][0]


# Checksums recorded with the code before nnreg/keypoints.py was split into nnreg/keypoints.py
# and nnreg/synthetic_faces.py (commit 1b91707, x86-64, NumPy 2.4.6): the split, and any later
# refactoring, must not change a byte of the synthetic faces.
SYNTHETIC_64_SHA256 = "16e9204cf4076857d549477fee3c048acf7b2cce54dc2ac2fccfd5f2224d31cc"
SYNTHETIC_CACHE = (238_598_916, "b16af3f111b8b53a2f4d82b9cc8eb909d15894fe833a00774ed94d5f271f0e60")


def test_64_synthetic_faces_are_byte_for_byte_unchanged(tmp_path):
    path = tmp_path / "faces.csv"
    K.write_keypoints_csv(S.make_synthetic_faces(64, seed=0), path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SYNTHETIC_64_SHA256


def test_the_chapter_cache_is_byte_for_byte_unchanged():
    path = S.synthetic_faces_csv()  # data/synthetic_faces.csv, the one chapter 6 reads (~20 s if missing)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert S.cache_is_fresh(path)  # the file's size and SHA-256 are the recorded ones
    assert (meta["size"], meta["sha256"]) == SYNTHETIC_CACHE


def test_chunking_does_not_change_the_faces(small_faces):
    pd.testing.assert_frame_equal(S.make_synthetic_faces(12, seed=3, chunk_rows=5), small_faces)


def test_eyes_are_drawn_at_the_eye_centres():
    df = S.make_synthetic_faces(40, seed=5)
    images = K.parse_images(df["Image"]).reshape(-1, 96, 96).astype(float)
    keypoints = S.sample_keypoints(40, seed=5).reshape(-1, 15, 2)
    rows = np.arange(40)
    def at(k, dx=0.0, dy=0.0):
        x = np.rint(keypoints[:, k, 0] + dx).astype(int)
        y = np.rint(keypoints[:, k, 1] + dy).astype(int)
        return images[rows, y, x]
    # pupils are darker than the cheek below the eye, on average
    assert at(0).mean() < at(0, dy=10).mean() - 20
    assert at(1).mean() < at(1, dy=10).mean() - 20


# --------------------------------------------------------------------------------------------
# The cache and the choice of data
# --------------------------------------------------------------------------------------------
def test_cache_is_written_reused_and_rebuilt_when_stale(tmp_path, monkeypatch):
    path = S.synthetic_faces_csv(tmp_path, n_rows=6, seed=2)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["rows"] == 6 and meta["seed"] == 2
    assert S.cache_is_fresh(path, 6, 2)
    original = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    assert S.synthetic_faces_csv(tmp_path, n_rows=6, seed=2) == path
    assert path.stat().st_mtime_ns == stamp  # reused, not rewritten

    # an edited file is stale and rebuilt
    path.write_bytes(original.replace(b",", b";", 1))
    assert not S.cache_is_fresh(path, 6, 2)
    S.synthetic_faces_csv(tmp_path, n_rows=6, seed=2)
    assert path.read_bytes() == original

    # so is a truncated one, one without its record, and one from another generator version
    path.write_bytes(original[:-10])
    assert not S.cache_is_fresh(path, 6, 2)
    S.synthetic_faces_csv(tmp_path, n_rows=6, seed=2)
    path.with_suffix(".json").unlink()
    assert not S.cache_is_fresh(path, 6, 2)
    S.synthetic_faces_csv(tmp_path, n_rows=6, seed=2)
    assert S.cache_is_fresh(path, 6, 2)
    monkeypatch.setattr(S, "_fingerprint", lambda n, s: "another generator")
    assert not S.cache_is_fresh(path, 6, 2)
    assert not S.cache_is_fresh(path, 7, 2)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_load_faces_prefers_the_real_file(tmp_path, monkeypatch, capsys, small_faces):
    monkeypatch.delenv(F.SYNTHETIC_ENV, raising=False)
    K.write_keypoints_csv(small_faces, tmp_path / "training.csv")
    df = F.load_faces(tmp_path)
    assert df.attrs["source"] == "kaggle" and len(df) == 12
    assert "Using the Kaggle data: data/training.csv (12 faces)" in capsys.readouterr().out


@pytest.mark.parametrize("forced", [True, False])
def test_load_faces_falls_back_to_synthetic(tmp_path, monkeypatch, capsys, small_faces, forced):
    monkeypatch.setattr(S, "SYNTHETIC_ROWS", 10)  # keep the test fast
    if forced:
        K.write_keypoints_csv(small_faces, tmp_path / "training.csv")
        monkeypatch.setenv(F.SYNTHETIC_ENV, "1")
    else:
        monkeypatch.delenv(F.SYNTHETIC_ENV, raising=False)
    df = F.load_faces(tmp_path)
    out = capsys.readouterr().out
    assert df.attrs["source"] == "synthetic" and len(df) == 10
    assert "Using synthetic faces" in out
    assert ("NNREG_SYNTHETIC_FACES=1" in out) == forced
    assert ("training.csv not found" in out) == (not forced)
    assert str(tmp_path) not in out  # no absolute paths in the notebook's output


@pytest.mark.parametrize(("value", "forced"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_synthetic_forced(monkeypatch, value, forced):
    monkeypatch.setenv(F.SYNTHETIC_ENV, value)
    assert F.synthetic_forced() is forced
