import pytest

from crosscam.errors import CrosscamError
from crosscam.io.frames import DEFAULT_FOLDER_FPS
from crosscam.track.frame_rate import choose_frame_rate, seqinfo_frame_rate

SEQINFO = "[Sequence]\nname=KITTI-17\nimDir=img1\nframeRate={rate}\nseqLength=145\n"


def test_seqinfo_frame_rate_is_read_from_the_sequence_folder(tmp_path):
    images = tmp_path / "KITTI-17" / "img1"
    images.mkdir(parents=True)
    (tmp_path / "KITTI-17" / "seqinfo.ini").write_text(SEQINFO.format(rate=10))
    fps, origin = choose_frame_rate(images, None)
    assert fps == 10 and "seqinfo.ini" in origin
    assert seqinfo_frame_rate(tmp_path / "KITTI-17")[0] == 10  # the sequence folder itself works too
    assert choose_frame_rate(images, 7.5) == (7.5, "7.5 fps (--fps)")  # the user's rate wins


def test_folder_without_seqinfo_takes_the_default_and_videos_their_container(tmp_path):
    fps, origin = choose_frame_rate(tmp_path, None)
    assert fps == DEFAULT_FOLDER_FPS and "default" in origin
    assert choose_frame_rate(tmp_path / "clip.mp4", None)[0] is None


def test_bad_frame_rate_names_the_file(tmp_path):
    (tmp_path / "seqinfo.ini").write_text(SEQINFO.format(rate="fast"))
    with pytest.raises(CrosscamError, match=r"seqinfo.ini: frameRate is not a number"):
        choose_frame_rate(tmp_path, None)
