import numpy as np
import pytest

from crosscam.detect import Detections
from crosscam.errors import CrosscamError
from crosscam.track.interpolate import gap_frames, interpolate_gaps
from crosscam.track.mot import detections_by_frame, mot_rows, read_mot, write_mot


def test_round_trip_keeps_frames_ids_and_boxes(tmp_path):
    tracked = {
        0: Detections([[10, 20, 50, 120], [200.5, 30.25, 240, 140]], [0.91, 0.55], [3, 7]),
        4: Detections([[12, 22, 52, 122]], [0.8], [3]),
    }
    rows = np.concatenate([mot_rows(index, detections) for index, detections in tracked.items()])
    write_mot(tmp_path / "cam.txt", rows)
    first = (tmp_path / "cam.txt").read_text().splitlines()[0]
    assert first == "1,3,10.00,20.00,40.00,100.00,0.91,-1,-1,-1"
    back = detections_by_frame(read_mot(tmp_path / "cam.txt"))
    assert sorted(back) == [1, 5]
    for index, detections in tracked.items():
        assert np.allclose(back[index + 1].xyxy, detections.xyxy, atol=0.01)
        assert back[index + 1].tracker_id.tolist() == detections.tracker_id.tolist()
        assert np.allclose(back[index + 1].confidence, detections.confidence, atol=1e-3)


def test_reads_pets_ground_truth(pets_dir):
    rows = read_mot(pets_dir / "gt" / "gt.txt")
    assert rows.shape == (4650, 10) and len(np.unique(rows[:, 1])) == 19


def test_bad_rows_name_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1,1,10,10,5,5,1,-1,-1,-1\n2,1,ten,10,5,5\n")
    with pytest.raises(CrosscamError, match=r"bad.txt:2"):
        read_mot(path)
    with pytest.raises(CrosscamError, match="no such MOT file"):
        read_mot(tmp_path / "missing.txt")


def test_interpolation_fills_short_gaps_only():
    rows = np.array(
        [
            [1, 1, 0, 0, 10, 20, 0.9, -1, -1, -1],
            [4, 1, 30, 0, 10, 20, 0.7, -1, -1, -1],
            [20, 1, 30, 0, 10, 20, 0.7, -1, -1, -1],
        ]
    )
    filled = interpolate_gaps(rows, max_gap=5)
    assert filled[:, 0].tolist() == [1, 2, 3, 4, 20]
    assert filled[1, 2] == 10 and filled[2, 2] == 20 and filled[1, 6] == 0.7


def test_interpolation_length_is_in_seconds():
    assert gap_frames(1.0, 10) == 10 and gap_frames(1.0, 29.97) == 30 and gap_frames(0, 25) == 0
