"""The video writer makes H.264 that browsers play, frame for frame, at any size."""

import av
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.viz.video_writer import open_video_writer


def test_h264_with_every_frame_and_an_even_size(tmp_path):
    path = tmp_path / "out" / "clip.mp4"
    with open_video_writer(path, 25.0, (161, 91)) as writer:
        for level in range(0, 250, 10):
            writer.write(np.full((91, 161, 3), level, np.uint8))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (stream.width, stream.height) == (162, 92)  # yuv420p needs even sizes: padded by one pixel
        means = [frame.to_ndarray(format="gray").mean() for frame in container.decode(stream)]
    assert len(means) == 25
    assert np.allclose(means, np.arange(0, 250, 10), atol=3)


def test_a_frame_of_another_size_and_an_unwritable_path(tmp_path):
    with open_video_writer(tmp_path / "a.mp4", 25.0, (64, 48)) as writer, pytest.raises(CrosscamError, match="64x48"):
        writer.write(np.zeros((50, 64, 3), np.uint8))
    (tmp_path / "file").write_text("")
    with pytest.raises(CrosscamError, match="cannot open video for writing"):
        open_video_writer(tmp_path / "file" / "b.mp4", 25.0, (64, 48))
