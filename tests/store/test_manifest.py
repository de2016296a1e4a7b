import json

import pytest

from crosscam.errors import CrosscamError
from crosscam.store.manifest import MANIFEST, check_out_folder, load_manifest, record_outputs, remove_run_outputs


def fake_run(out):
    """A run folder as crosscam leaves it: index files, a report, thumbnails, all recorded in the manifest."""
    (out / "thumbnails").mkdir(parents=True)
    (out / "index.sqlite").write_bytes(b"db")
    (out / "embeddings.npy").write_bytes(b"rows")
    (out / "report.html").write_text("<html>")
    (out / "thumbnails" / "lab_a_1.jpg").write_bytes(b"jpg")
    (out / "thumbnails" / "lab_b_2.jpg").write_bytes(b"jpg")
    record_outputs(out, [out / "report.html", out / "thumbnails"])
    return out


def test_fresh_removes_exactly_what_crosscam_wrote(tmp_path):
    out = fake_run(tmp_path / "run")
    assert load_manifest(out) == {"report.html", "thumbnails/lab_a_1.jpg", "thumbnails/lab_b_2.jpg"}
    removed = remove_run_outputs(out, sources=[tmp_path / "footage" / "a.mp4"])
    assert {p.relative_to(out).as_posix() for p in removed} == {
        "index.sqlite", "embeddings.npy", "report.html", "thumbnails/lab_a_1.jpg", "thumbnails/lab_b_2.jpg",
    }  # fmt: skip
    assert out.is_dir() and list(out.iterdir()) == []


def test_foreign_files_make_fresh_refuse_and_nothing_is_deleted(tmp_path):
    out = fake_run(tmp_path / "run")
    (out / "holiday.jpg").write_bytes(b"mine")
    (out / "thumbnails" / "notes.txt").write_text("mine too")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(CrosscamError) as caught:
        remove_run_outputs(out)
    message = str(caught.value)
    assert "did not write" in message and "holiday.jpg" in message and "thumbnails/notes.txt" in message
    assert "\n" not in message
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_a_source_inside_the_folder_makes_fresh_refuse(tmp_path):
    out = fake_run(tmp_path / "footage")
    video = out / "lobby.mp4"
    video.write_bytes(b"video")
    record_outputs(out, [video])  # even if it were listed, a camera's source is never deleted
    with pytest.raises(CrosscamError, match="holds camera sources: .*lobby.mp4"):
        remove_run_outputs(out, sources=[video])
    assert video.read_bytes() == b"video"
    with pytest.raises(CrosscamError, match="camera sources"):
        remove_run_outputs(out, sources=[out])  # an image-folder source that is the run folder itself


def test_many_foreign_files_are_counted(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    for index in range(8):
        (out / f"file{index}.txt").write_text("x")
    with pytest.raises(CrosscamError, match="and 3 more"):
        remove_run_outputs(out)


def test_out_that_is_a_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("keep me")
    for call in (lambda: remove_run_outputs(path), lambda: check_out_folder(path), lambda: record_outputs(path, [])):
        with pytest.raises(CrosscamError, match="must be a folder"):
            call()
    assert path.read_text() == "keep me"


def test_missing_folder_and_outputs_outside_it(tmp_path):
    assert remove_run_outputs(tmp_path / "nothing") == []
    (tmp_path / "run").mkdir()
    with pytest.raises(CrosscamError, match="outside the run folder"):
        record_outputs(tmp_path / "run", [tmp_path / "elsewhere.txt"])


def test_a_tampered_manifest_cannot_delete_outside_the_folder(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / MANIFEST).write_text(json.dumps({"files": ["../victim.txt"]}))
    remove_run_outputs(out)
    assert victim.read_text() == "precious"
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(CrosscamError, match="damaged manifest"):
        load_manifest(out)


def test_a_linked_folder_is_removed_as_a_link_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    out = tmp_path / "run"
    out.mkdir()
    (out / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(CrosscamError, match="linked"):
        remove_run_outputs(out)
    assert (outside / "keep.txt").read_text() == "keep"


def test_leftovers_of_interrupted_index_writes_are_crosscam_s(tmp_path):
    out = fake_run(tmp_path / "run")
    for name in ("embeddings.npy.tmp.npy", ".embeddings.faiss.x1y2", "embeddings.faiss", f".{MANIFEST}.abc"):
        (out / name).write_bytes(b"partial")
    remove_run_outputs(out)
    assert list(out.iterdir()) == []
