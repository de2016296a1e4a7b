from pathlib import Path

import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.reid.datasets import load_dataset
from crosscam.reid.track_reid import MIN_HEIGHT, PER_SPAN, build_track_reid, cache_dir, span_picks, usable_boxes


def _sequence(root: Path, name: str, rows: list[tuple], frames: int, fps: int = 10) -> Path:
    sequence = root / name
    (sequence / "gt").mkdir(parents=True)
    (sequence / "img1").mkdir()
    (sequence / "seqinfo.ini").write_text(
        f"[Sequence]\nname={name}\nframeRate={fps}\nseqLength={frames}\nimWidth=200\nimHeight=150\n"
    )
    (sequence / "gt" / "gt.txt").write_text("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    for frame in range(1, frames + 1):
        image = np.full((150, 200, 3), frame, np.uint8)
        image[:, 100:] = (0, 0, 200)  # person 2 walks in the red half
        cv2.imwrite(str(sequence / "img1" / f"{frame:06d}.jpg"), image)
    return sequence


@pytest.fixture
def tracks(tmp_path: Path) -> Path:
    """One 30-frame sequence at 10 fps: person 1 (left, whole track), person 2 (right, whole track), person 3
    (only 1 s long), person 4 (conf 0, not scored) and person 5 (too short a box)."""
    rows = []
    for frame in range(1, 31):
        rows.append((frame, 1, 10, 10, 40, 100, 1, 1, 1.0))
        rows.append((frame, 2, 120, 10, 40, 100, 1, 1, 1.0))
        rows.append((frame, 4, 60, 10, 30, 100, 0, 1, 1.0))
        rows.append((frame, 5, 60, 10, 30, MIN_HEIGHT - 1, 1, 1, 1.0))
        if frame <= 10:
            rows.append((frame, 3, 160, 10, 30, 100, 1, 1, 1.0))
    _sequence(tmp_path / "seqs", "SEQ-A", rows, 30)
    return tmp_path / "seqs"


def test_only_scored_tall_visible_boxes_are_usable(tracks):
    boxes = usable_boxes(tracks / "SEQ-A" / "gt" / "gt.txt", 200, 150)
    assert {b.pid for b in boxes} == {1, 2, 3}


def test_spans_are_the_first_and_last_thirds_of_a_long_enough_track(tracks):
    boxes = [b for b in usable_boxes(tracks / "SEQ-A" / "gt" / "gt.txt", 200, 150) if b.pid == 1]
    picks = span_picks(boxes, fps=10)
    first = sorted(f for f, span in picks.items() if span == 0)
    last = sorted(f for f, span in picks.items() if span == 1)
    assert len(first) == len(last) == PER_SPAN
    assert first[0] == 1 and max(first) <= 1 + 29 / 3 and min(last) >= 30 - 29 / 3 and last[-1] == 30
    short = [b for b in usable_boxes(tracks / "SEQ-A" / "gt" / "gt.txt", 200, 150) if b.pid == 3]
    assert span_picks(short, fps=10) == {}


def test_build_writes_folder_layout_crops(tracks, tmp_path):
    written = build_track_reid(tracks, tmp_path / "out")
    assert written == 2 * 2 * PER_SPAN  # persons 1 and 2, two spans each
    crop = cv2.imread(str(tmp_path / "out/query/SEQ-A_0001/s0_f000001.jpg"))
    assert crop.shape == (100, 40, 3)
    assert (tmp_path / "out/gallery/SEQ-A_0002/s1_f000030.jpg").is_file()


def test_tracks_protocol_matches_only_across_spans(tracks, tmp_path, monkeypatch):
    """Features that tell the two people apart score perfectly; features that only tell the spans apart (the
    frame's brightness) rank the other person's crop of the same span first."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    split = load_dataset("tracks", tracks)
    assert cache_dir(tracks).is_dir() and split.name == "tracks" and not split.train
    assert {s.camid for s in split.query} == {0, 1}
    by_person = np.array([[1.0, 0.0] if s.pid == 0 else [0.0, 1.0] for s in split.query])
    assert evaluate_features(by_person, by_person, split.query, split.gallery).rank1 == pytest.approx(100.0)
    by_span = np.array([[1.0, 0.0] if s.camid == 0 else [0.0, 1.0] for s in split.query])
    assert evaluate_features(by_span, by_span, split.query, split.gallery).rank1 == pytest.approx(0.0)


def test_a_folder_without_sequences_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CrosscamError, match="no sequence folder"):
        build_track_reid(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(CrosscamError, match="no such directory"):
        build_track_reid(tmp_path / "missing", tmp_path / "out")
