"""Every parser of user input gives a result or one clean CrosscamError, never a traceback (hypothesis).

Parsers: camera specs, transit specs, the cameras YAML, MOT files and the data-set file-name conventions.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscam.cameras import CameraSpec, load_cameras_file, parse_camera_spec, parse_transit
from crosscam.errors import CrosscamError
from crosscam.names import CAMERA_NAME
from crosscam.reid.datasets import load_cuhk01, load_cuhk03_pair1, load_folder, load_market1501
from crosscam.track.mot import read_mot

FILE_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# File-name characters: no '/', no lone surrogates, no control characters (a path with a line break in it is
# printed as it is, so its error message would span two lines).
NAME_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/")


def outcome(call, *args, one_line: bool = True):
    """The parser's result, or None after checking that it failed with one clean CrosscamError."""
    try:
        return call(*args)
    except CrosscamError as error:
        assert str(error) and (not one_line or "\n" not in str(error))
        return None


# --- camera and transit specs ------------------------------------------------------------


@given(st.text(max_size=120))
def test_camera_spec_any_text(text):
    spec = outcome(parse_camera_spec, text)
    if spec is not None:
        assert isinstance(spec, CameraSpec) and spec.name and spec.source
        assert text.startswith(f"{spec.name}=")


@given(
    st.from_regex(CAMERA_NAME, fullmatch=True).filter(lambda s: ".." not in s),
    st.text(NAME_CHARS, min_size=1, max_size=40).filter(lambda s: "@" not in s),
    st.datetimes(),
)
def test_camera_spec_round_trips_name_source_and_time(name, source, when):
    spec = parse_camera_spec(f"{name}={source}@{when.isoformat()}")
    assert (spec.name, spec.source, spec.start_time) == (name, source, when)


@given(st.text(max_size=80))
def test_transit_any_text(text):
    window = outcome(parse_transit, text)
    if window is not None:
        assert text.count(":") == 3


@given(st.text(max_size=10), st.text(max_size=10), st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_transit_of_four_fields(a, b, low, high):
    window = outcome(parse_transit, f"{a}:{b}:{low!r}:{high!r}")
    if window is not None:
        assert (window.min_seconds, window.max_seconds) == (low, high)


# --- the cameras YAML --------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=15), st.datetimes(), st.dates()
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)  # fmt: skip
KEYS = st.sampled_from(["name", "source", "start_time", "calibration", "cameras", "min_seconds", "max_seconds"])
CAMERA = st.dictionaries(KEYS, VALUES, max_size=4)
DOCUMENT = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {"cameras": st.one_of(VALUES, st.lists(CAMERA, max_size=3))},
        optional={"transit": st.one_of(VALUES, st.lists(st.dictionaries(KEYS, VALUES, max_size=3), max_size=2)),
                  "config": VALUES},
    ),
)  # fmt: skip


def load_from(content: bytes, one_line: bool = True):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cameras.yaml"
        path.write_bytes(content)
        return outcome(load_cameras_file, path, one_line=one_line)


@FILE_SETTINGS
@given(DOCUMENT)
def test_cameras_yaml_any_document(document):
    loaded = load_from(yaml.safe_dump(document, allow_unicode=True).encode())
    if loaded is not None:
        cameras, _config = loaded
        assert cameras and all(isinstance(camera, CameraSpec) for camera in cameras)


@FILE_SETTINGS
@given(st.binary(max_size=300))
def test_cameras_yaml_any_bytes(content):
    load_from(content, one_line=False)  # PyYAML's messages span lines: see the next test


@pytest.mark.parametrize("content", [b",", b"*", b"\0", b"cameras: [a"])
def test_cameras_yaml_syntax_errors_are_one_line(content):
    load_from(content)


def test_cameras_yaml_huge_numbers_are_clean_errors():
    document = "cameras: [{name: a, source: a.mp4}, {name: b, source: b.mp4}]\n"
    document += f"transit: [{{cameras: [a, b], min_seconds: 0, max_seconds: {10**400}}}]\n"
    load_from(document.encode())


# --- MOT files ---------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(st.floats().map(repr), st.integers().map(str), st.text("0123456789.-e+ ", max_size=6))


def read_from(content: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gt.txt"
        path.write_bytes(content)
        return outcome(read_mot, path)


@FILE_SETTINGS
@given(st.lists(st.lists(NUMBER_TEXT, max_size=12).map(",".join), max_size=6))
def test_mot_any_rows_of_number_like_text(lines):
    rows = read_from("\n".join(lines).encode())
    if rows is not None:
        assert rows.ndim == 2 and rows.shape[1] == 10 and rows.dtype == np.float64


@FILE_SETTINGS
@given(st.binary(max_size=300))
def test_mot_any_bytes(content):
    read_from(content)


# --- data-set file names -----------------------------------------------------------------

FILE_NAME = st.text(NAME_CHARS, min_size=1, max_size=30).filter(lambda s: s not in (".", ".."))
SUFFIX = st.sampled_from([".jpg", ".png", ".JPG", ".txt", ""])


def make_files(root: Path, names: list[str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = root / name
        if not path.exists():
            path.write_bytes(b"")


@FILE_SETTINGS
@given(st.lists(st.tuples(FILE_NAME, SUFFIX).map("".join), max_size=5))
def test_cuhk01_any_file_names(names):
    with tempfile.TemporaryDirectory() as folder:
        make_files(Path(folder) / "campus", names)
        outcome(load_cuhk01, Path(folder) / "campus", 0, 1)


@FILE_SETTINGS
@given(
    st.lists(st.tuples(FILE_NAME, SUFFIX).map("".join), max_size=4),
    st.lists(FILE_NAME.map("{}.jpg".format), max_size=3),
)
def test_cuhk03_any_file_names(train, val):
    with tempfile.TemporaryDirectory() as folder:
        make_files(Path(folder) / "labeled_train", train)
        make_files(Path(folder) / "val", val)
        outcome(load_cuhk03_pair1, folder)


@FILE_SETTINGS
@given(
    st.lists(st.tuples(FILE_NAME, SUFFIX).map("".join), max_size=4),
    st.lists(FILE_NAME.map("{}.jpg".format), max_size=3),
)
def test_market1501_any_file_names(query, gallery):
    with tempfile.TemporaryDirectory() as folder:
        make_files(Path(folder) / "query", query)
        make_files(Path(folder) / "bounding_box_test", gallery)
        make_files(Path(folder) / "bounding_box_train", [])
        outcome(load_market1501, folder)


@FILE_SETTINGS
@given(st.dictionaries(FILE_NAME, st.lists(FILE_NAME.map("{}.jpg".format), max_size=2), max_size=3))
def test_folder_layout_any_names(persons):
    with tempfile.TemporaryDirectory() as folder:
        for part in ("query", "gallery"):
            for person, names in persons.items():
                make_files(Path(folder) / part / person, names)
            (Path(folder) / part).mkdir(exist_ok=True)
        outcome(load_folder, folder)


@pytest.mark.parametrize("name", ["0001²01.png", "00³1001.png"])
def test_cuhk01_unicode_digits_that_int_rejects(tmp_path, name):
    make_files(tmp_path, [name, "0001001.png", "0002001.png"])
    outcome(load_cuhk01, tmp_path, 0, 1)
