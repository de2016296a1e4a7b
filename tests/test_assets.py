"""Asset lookup: the first copy found decides; a corrupt one is an error naming the file."""

import pytest

from crosscam.assets import manifest, resolve_file, status
from crosscam.errors import CrosscamError

NAME = "osnet_x0_25_msmt17"


@pytest.fixture
def roots(tmp_path, monkeypatch, assets_dir):
    """An --assets folder with a damaged copy, and $CROSSCAM_ASSETS holding the intact one."""
    monkeypatch.setenv("CROSSCAM_ASSETS", str(assets_dir))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    damaged = tmp_path / "mine" / manifest()["files"][NAME]["path"]
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"\0" * 1024)
    return tmp_path / "mine", damaged


def test_a_corrupt_first_copy_is_not_skipped_for_a_later_intact_one(roots):
    mine, damaged = roots
    found = status(NAME, mine)
    assert (found.state, found.location) == ("corrupt", damaged)
    with pytest.raises(CrosscamError, match="is corrupt") as error:
        resolve_file(NAME, mine)
    assert str(damaged) in str(error.value) and "\n" not in str(error.value)


def test_the_intact_copy_is_used_when_it_comes_first(roots, assets_dir):
    assert resolve_file(NAME) == assets_dir / manifest()["files"][NAME]["path"]


def test_a_missing_asset_names_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.delenv("CROSSCAM_ASSETS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert status(NAME, tmp_path).state == "missing"
    with pytest.raises(CrosscamError, match=f"{NAME}.*not found; searched: {tmp_path}"):
        resolve_file(NAME, tmp_path)
