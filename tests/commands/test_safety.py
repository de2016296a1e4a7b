"""Issue 18, one test per row of its table: bad input and dangerous options, as a new user would try them.

Each asserts the new behaviour: the exit code, the message (one line, naming the file), and that no file of the
user's was touched.
"""

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import av
import pytest

from crosscam.cli import build_parser, main
from crosscam.commands.run import config_from_args
from crosscam.io.frames import open_source
from crosscam.io.probe import probe_sources
from crosscam.store.index_store import IndexStore

REID_0277 = Path("weights/intel/person-reidentification-retail-0277/person-reidentification-retail-0277.bin")


def _clips(assets_dir: Path) -> Path:
    return assets_dir / "data" / "epfl_lab_2cam"


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256): what a refusal must leave as it was."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _error(capsys, name: str | None = None) -> str:
    err = capsys.readouterr().err  # after the progress bars, if frames were read
    assert err.count("crosscam: error: ") == 1 and err.endswith("\n"), err
    err = err[err.index("crosscam: error: ") :]
    assert err.count("\n") == 1, err
    if name is not None:
        assert name in err, err
    return err


@pytest.fixture(scope="module")
def epfl_run(tmp_path_factory, assets_dir) -> Path:
    out = tmp_path_factory.mktemp("safety") / "epfl"
    clips = _clips(assets_dir)
    command = ["--assets", str(assets_dir), "run", "--camera", f"lab_a={clips / 'Double1.mp4'}"]
    command += ["--camera", f"lab_b={clips / 'Single1.mp4'}", "--out", str(out), "--no-video"]
    assert main(command) == 0
    return out


def _copy(run: Path, folder: Path) -> Path:
    return Path(shutil.copytree(run, folder / "copy"))


# Row 1: --fresh into a folder that holds other files, or the footage itself.
def test_fresh_refuses_foreign_files_and_sources_and_deletes_nothing(tmp_path, capsys, assets_dir):
    single = _clips(assets_dir) / "Single1.mp4"
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    (out / "sub" / "plan.pdf").write_bytes(b"%PDF")
    before = _snapshot(out)
    assert main(["run", "--camera", f"lab_b={single}", "--out", str(out), "--fresh"]) == 2
    err = _error(capsys, "notes.txt")
    assert "sub/plan.pdf" in err and "did not write" in err
    assert _snapshot(out) == before

    footage = tmp_path / "footage"
    footage.mkdir()
    shutil.copy(single, footage / "lobby.mp4")
    before = _snapshot(footage)
    assert main(["run", "--camera", f"lobby={footage / 'lobby.mp4'}", "--out", str(footage), "--fresh"]) == 2
    assert "holds camera sources" in _error(capsys, "lobby.mp4")
    assert _snapshot(footage) == before


@pytest.mark.slow
def test_fresh_on_a_run_folder_refuses_an_added_file_then_removes_only_crosscams(epfl_run, tmp_path, capsys):
    from crosscam.store.manifest import remove_run_outputs

    run = _copy(epfl_run, tmp_path)
    (run / "my_notes.txt").write_text("keep")
    before = _snapshot(run)
    cameras = [f"{c.name}={c.source}" for c in IndexStore.open(run).cameras()]
    assert main(["run", *(x for c in cameras for x in ("--camera", c)), "--out", str(run), "--fresh"]) == 2
    _error(capsys, "my_notes.txt")
    assert _snapshot(run) == before
    (run / "my_notes.txt").unlink()
    removed = remove_run_outputs(run, [c.split("=", 1)[1] for c in cameras])  # what --fresh then does
    assert {p.name for p in removed} >= {"index.sqlite", "identities.json", "report.html"}
    assert list(run.iterdir()) == []


# Row 2: camera names that are paths, or break file names and URLs.
@pytest.mark.parametrize("name", ["../../x", "a/b", "a#b", ".hidden", "x" * 65])
def test_unsafe_camera_names_are_refused_before_anything_is_written(tmp_path, capsys, assets_dir, name):
    out = tmp_path / "deep" / "er" / "out"
    single = _clips(assets_dir) / "Single1.mp4"
    assert main(["run", "--camera", f"{name}={single}", "--out", str(out)]) == 2
    assert "bad camera name" in _error(capsys)
    cameras = tmp_path / "cameras.yaml"
    cameras.write_text(f"cameras:\n  - {{name: '{name}', source: {single}}}\n")
    assert main(["run", "--cameras", str(cameras), "--out", str(out)]) == 2
    assert "bad camera name" in _error(capsys, str(cameras))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cameras.yaml"]


# Row 3: the default embedder's weight file present but corrupt.
def test_a_corrupt_default_embedder_weight_is_an_error_naming_it(tmp_path, capsys, assets_dir):
    assets = tmp_path / "assets"
    (assets / "weights" / "intel").mkdir(parents=True)
    (assets / "data").symlink_to(assets_dir / "data")
    for path in (assets_dir / "weights").iterdir():
        if path.name != "intel":
            (assets / "weights" / path.name).symlink_to(path)
    for path in (assets_dir / "weights" / "intel").iterdir():
        if path.name != REID_0277.parent.name:
            (assets / "weights" / "intel" / path.name).symlink_to(path)
    shutil.copytree(assets_dir / REID_0277.parent, assets / REID_0277.parent)
    damaged = bytearray((assets / REID_0277).read_bytes())
    damaged[1000:1004] = b"XXXX"
    (assets / REID_0277).write_bytes(bytes(damaged))
    out = tmp_path / "out"
    clips = _clips(assets_dir)
    command = ["--assets", str(assets), "run", "--camera", f"lab_a={clips / 'Double1.mp4'}"]
    assert main([*command, "--camera", f"lab_b={clips / 'Single1.mp4'}", "--out", str(out)]) == 2
    err = _error(capsys, str(assets / REID_0277))
    assert "corrupt" in err and "openvino-0277" in err
    assert not out.exists()


def _cut_faststart(source: Path, target: Path, share: float) -> None:
    """A faststart remux of ``source`` (its index first) cut after ``share`` of its bytes: the index survives."""
    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "faststart"}) as out:
        stream = inp.streams.video[0]
        copied = out.add_stream_from_template(stream)
        for packet in inp.demux(stream):
            if packet.dts is not None:
                packet.stream = copied
                out.mux(packet)
    data = target.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])


# Row 4: a truncated video whose index survives.
@pytest.mark.slow
def test_a_truncated_video_is_a_recorded_warning_and_an_error_under_strict(tmp_path, capsys, assets_dir):
    cut = tmp_path / "cut.mp4"
    _cut_faststart(_clips(assets_dir) / "Single1.mp4", cut, 0.3)
    source = open_source(cut, "lab_b")
    read = sum(1 for _ in source)
    announced = source.frame_count
    assert read < announced - 1
    fast = ["--embedder", "osnet-x0.25-msmt17", "--tracker-embedder", "none", "--no-video"]
    out = tmp_path / "out"
    assert main(["--assets", str(assets_dir), "run", "--camera", f"lab_b={cut}", "--out", str(out), *fast]) == 0
    printed = capsys.readouterr().out
    assert f"{cut}: video ended after {read} of {announced} frames" in printed
    meta = IndexStore.open(out).meta()["truncated"]
    assert meta == {"lab_b": {"source": "cut.mp4", "frames_read": read, "frames_announced": announced}}
    assert f"cut.mp4 ended after {read} of {announced} frames" in (out / "report.html").read_text()
    appearances = [a for i in json.loads((out / "identities.json").read_text()) for a in i["appearances"]]
    assert appearances and all(a["source_truncated"]["frames_read"] == read for a in appearances)

    strict = tmp_path / "strict"
    assert (
        main(["--assets", str(assets_dir), "run", "--camera", f"lab_b={cut}", "--out", str(strict), *fast, "--strict"])
        == 2
    )
    assert "(--strict)" in _error(capsys, f"{read} of {announced} frames")
    assert not (strict / "identities.json").exists()
    assert IndexStore.open(strict).cameras() == []  # nothing stored: a rerun without --strict redoes it


# Row 5: an empty, zero-byte or non-video source as the second camera.
def test_every_bad_source_is_reported_before_any_camera_is_processed(tmp_path, capsys, assets_dir):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("not a video\n" * 100)
    (tmp_path / "frames").mkdir()
    out = tmp_path / "out"
    command = ["run", "--camera", f"lab_a={_clips(assets_dir) / 'Double1.mp4'}", "--out", str(out)]
    for name in ("empty", "notes", "frames"):
        command += ["--camera", f"{name}={tmp_path / name}" + (".mp4" if name != "frames" else "")]
    assert main(command) == 2
    err = _error(capsys, "3 of 4 camera sources cannot be used")
    assert "empty.mp4: empty file" in err and "notes.mp4" in err and "holds no images" in err
    assert not out.exists()  # no camera was processed, nothing written


# Row 6: query on the index of a killed or failed run.
@pytest.mark.slow
def test_query_on_an_unfinished_run_is_a_clear_error(epfl_run, tmp_path, capsys):
    run = _copy(epfl_run, tmp_path)
    with sqlite3.connect(run / "index.sqlite") as db:  # killed after storing its cameras, before association
        db.execute("DELETE FROM identities")
    before = _snapshot(run)
    thumbnail = run / IndexStore.open(run).tracklets()[0].thumbnail
    assert main(["query", str(thumbnail), "--index", str(run)]) == 2
    assert "did not finish" in _error(capsys, str(run))
    assert _snapshot(run) == before  # no picture labelled "PNone"


# Row 7: a junk index.sqlite, and --out that is a file.
def test_a_junk_index_and_an_out_file_are_one_line_errors(tmp_path, capsys, assets_dir):
    single = _clips(assets_dir) / "Single1.mp4"
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.sqlite").write_bytes(b"this is not SQLite\n" * 50)
    before = _snapshot(out)
    assert main(["run", "--camera", f"lab_b={single}", "--out", str(out)]) == 2
    assert "not a readable crosscam index" in _error(capsys, str(out / "index.sqlite"))
    assert main(["query", str(single), "--index", str(out)]) == 2
    _error(capsys, str(out / "index.sqlite"))
    assert _snapshot(out) == before
    a_file = tmp_path / "results.txt"
    a_file.write_text("mine")
    assert main(["run", "--camera", f"lab_b={single}", "--out", str(a_file)]) == 2
    assert "must be a folder" in _error(capsys, str(a_file))
    assert a_file.read_text() == "mine"


# Row 8: relative `source:` paths in a cameras YAML.
def test_cameras_file_sources_are_relative_to_the_file(tmp_path, monkeypatch, assets_dir):
    site = tmp_path / "site"
    (site / "footage").mkdir(parents=True)
    shutil.copy(_clips(assets_dir) / "Single1.mp4", site / "footage" / "lobby.mp4")
    cameras = site / "cameras.yaml"
    cameras.write_text("cameras:\n  - {name: lobby, source: footage/lobby.mp4}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args = build_parser().parse_args(["run", "--cameras", str(cameras), "--out", "out"])
    specs, _ = config_from_args(args)
    assert Path(specs[0].source) == site / "footage" / "lobby.mp4"
    (info,) = probe_sources(specs)  # what the run does first: the file is found from any working directory
    assert info.frame_count > 0 and info.kind == "video"


# Row 9: a transit window that forbids the true match.
@pytest.mark.slow
def test_a_window_that_blocks_a_merge_says_so(epfl_run, tmp_path, capsys, assets_dir):
    assert len(json.loads((epfl_run / "identities.json").read_text())) == 2  # appearance alone: 2 people
    run = _copy(epfl_run, tmp_path)
    clips = _clips(assets_dir)
    command = ["--assets", str(assets_dir), "run", "--camera", f"lab_a={clips / 'Double1.mp4'}"]
    command += ["--camera", f"lab_b={clips / 'Single1.mp4'}", "--out", str(run), "--no-video"]
    assert main([*command, "--transit", "lab_a:lab_b:3:120"]) == 0  # both cameras start together: gap 0 < 3 s
    printed = capsys.readouterr().out
    assert "3 people across 2 cameras" in printed
    assert "1 merge(s) that appearance alone would make were blocked" in printed
    assert "transit window lab_a-lab_b 3-120 s" in printed
    (line,) = IndexStore.open(run).meta()["blocked_merges"]
    assert "lab_a track" in line and "lab_b track" in line
    assert "blocked merges" in (run / "report.html").read_text()
