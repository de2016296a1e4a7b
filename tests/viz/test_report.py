from datetime import datetime

import numpy as np

from crosscam.types import Camera, Tracklet, identities_from
from crosscam.viz.report import timeline_bars, write_report

CAMERAS = [
    Camera("C1", "/secret/site/C1 north.mp4", datetime(2026, 11, 25, 8, 0, 0), 25.0, 64, 48, 100),
    Camera("C3", "/secret/site/C3.mp4", datetime(2026, 11, 25, 8, 0, 2), 25.0, 64, 48, 100),
]


def _identities(cameras=CAMERAS):
    def tracklet(camera, track_id, start, end):
        return Tracklet(
            camera, track_id, start, end, 0, 1, 2, 1, np.ones(2, np.float32), f"thumbnails/{camera} {track_id}.jpg"
        )

    # Person 0 is seen by both cameras at the same moments; person 1 by C1 only.
    rows = [
        (tracklet("C1", 1, 2.0, 6.0), 0, 0.9),
        (tracklet("C3", 4, 0.0, 4.0), 0, 0.8),
        (tracklet("C1", 2, 8.0, 9.0), 1, 1.0),
    ]
    return identities_from(rows, cameras)


def test_simultaneous_appearances_get_their_own_lanes_on_one_clock():
    bars = timeline_bars(_identities(), CAMERAS)
    lanes = {(bar.global_id, bar.camera): bar.lane for bar in bars}
    assert lanes == {(0, "C1"): 0, (0, "C3"): 1, (1, "C1"): 2}
    spans = {(bar.global_id, bar.camera): (bar.start, bar.end) for bar in bars}
    assert spans[(0, "C1")] == spans[(0, "C3")] == (2.0, 6.0)  # C3 started 2 s later


def test_report_uses_wall_clock_file_names_and_encoded_urls(tmp_path):
    path = write_report(_identities(), CAMERAS, {"embedder": "e"}, tmp_path, {"C1": "videos/C1 north.mp4"})
    page = path.read_text()
    assert "/secret" not in page and "C1 north.mp4" in page
    assert "src='thumbnails/C1%201.jpg'" in page and "href='videos/C1%20north.mp4'" in page
    assert "08:00:02.00 – 08:00:06.00" in page  # both appearances of person 0, in one time base
    assert page.count("08:00:02.00 – 08:00:06.00") == 2 and " s</td>" not in page
    assert (tmp_path / "timeline.png").stat().st_size > 0


def test_without_start_times_the_report_uses_seconds_since_the_start(tmp_path):
    cameras = [Camera(c.name, c.source, None, 25.0, 64, 48, 100) for c in CAMERAS]
    page = write_report(_identities(cameras), cameras, {}, tmp_path, {}).read_text()
    assert "2.00 – 6.00 s" in page and "seconds since the cameras started" in page
