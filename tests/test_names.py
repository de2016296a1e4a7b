import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosscam.errors import CrosscamError
from crosscam.names import CAMERA_NAME, safe_file_stem, validate_camera_name


@pytest.mark.parametrize("name", ["lab_a", "cam1", "C3", "gate-2.north", "a" * 64, "0"])
def test_valid_names_pass_unchanged(name):
    assert validate_camera_name(name) == name


@pytest.mark.parametrize(
    "name", ["../../x", "a/b", "a\\b", "a..b", ".hidden", "-x", "", "a" * 65, "cam#1", "café", "a b", "x\n", None]
)
def test_invalid_names_are_one_line_errors(name):
    with pytest.raises(CrosscamError) as caught:
        validate_camera_name(name)
    assert "\n" not in str(caught.value) and "bad camera name" in str(caught.value)


@given(st.text(max_size=80))
def test_any_text_is_valid_or_a_clean_error_and_valid_names_are_safe(name):
    try:
        validate_camera_name(name)
    except CrosscamError as error:
        assert "\n" not in str(error)
        return
    assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith((".", "-"))
    assert safe_file_stem(name) == name  # a valid name is already a safe file stem


@given(st.lists(st.one_of(st.text(max_size=30), st.integers()), min_size=1, max_size=4))
def test_safe_file_stem_never_escapes_the_folder(parts):
    try:
        stem = safe_file_stem(*parts)
    except CrosscamError:
        assert len(parts) == 1 and set(str(parts[0])) <= {"."}  # only "", ".", "..", ... have no safe stem
        return
    assert re.fullmatch(r"[A-Za-z0-9._-]+", stem)
    assert not stem.startswith(".") and ".." not in stem and len(stem) <= 200


def test_safe_file_stem_joins_parts():
    assert safe_file_stem("lab_a", 3) == "lab_a_3"
    assert safe_file_stem("../../x", "a/b") == "---x_a-b"
    assert CAMERA_NAME.fullmatch(safe_file_stem("gate", 1))
