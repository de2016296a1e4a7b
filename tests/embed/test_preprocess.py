import numpy as np

from crosscam.embed.preprocess import resize_batch, to_nchw_float


def test_resize_batch_stacks_any_sizes_at_h_by_w():
    batch = resize_batch([np.full((160, 60, 3), 7, np.uint8), np.full((31, 9, 3), 9, np.uint8)], (256, 128))
    assert batch.shape == (2, 256, 128, 3) and batch.dtype == np.uint8
    assert (batch[0] == 7).all() and (batch[1] == 9).all()


def test_to_nchw_float_swaps_to_rgb_and_normalises():
    blue = np.zeros((1, 2, 2, 3), np.uint8)
    blue[..., 0] = 255  # BGR blue
    rgb = to_nchw_float(blue, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    assert rgb.shape == (1, 3, 2, 2) and rgb.dtype == np.float32
    np.testing.assert_allclose(rgb[0, :, 0, 0], [-1.0, -1.0, 1.0])
    bgr = to_nchw_float(blue, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), rgb=False)
    np.testing.assert_allclose(bgr[0, :, 0, 0], [1.0, 0.0, 0.0])
