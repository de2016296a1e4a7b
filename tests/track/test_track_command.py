import cv2

from crosscam.cli import main
from crosscam.io import open_source
from crosscam.track.mot import read_mot


def test_corrupt_frame_keeps_the_tracks_already_written(pets_dir, assets_dir, tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    for frame in open_source(pets_dir / "vtest.avi", camera="c", start_frame=100):
        if frame.index == 106:
            break
        cv2.imwrite(str(folder / f"{frame.index:06d}.jpg"), frame.image)
    (folder / "000106.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "seqinfo.ini").write_text("[Sequence]\nname=gate\nimDir=frames\nframeRate=7\n")
    out = tmp_path / "out"
    args = ["track", str(folder), "--camera", "gate", "--out", str(out), "--detector-size", "480x640"]
    code = main([*args, "--assets", str(assets_dir)])
    assert code == 2
    printed = capsys.readouterr()
    assert "000106.jpg" in printed.err
    assert "frame rate 7 fps" in printed.out and "appearance cue osnet-x0.25-msmt17" in printed.out
    rows = read_mot(out / "gate.txt")
    assert len(rows) > 0 and set(rows[:, 0].astype(int)) <= {1, 2, 3, 4, 5, 6}


def test_eval_track_prints_the_scores(pets_dir, capsys):
    gt = pets_dir / "gt" / "gt.txt"
    assert main(["eval-track", "--gt", str(gt), "--pred", str(gt)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| tracks | HOTA | DetA | AssA | IDF1 | MOTA | IDSW")
    assert "| 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 0 |" in table[2]
