"""Resizing crops into one batch array, the same way for every embedder."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from crosscam.errors import CrosscamError


def resize_batch(crops: Sequence[np.ndarray], input_size: tuple[int, int]) -> np.ndarray:
    """Stack BGR uint8 crops resized (``cv2.INTER_LINEAR``) to ``input_size`` = (h, w): ``N x h x w x 3`` uint8."""
    height, width = input_size
    batch = np.empty((len(crops), height, width, 3), dtype=np.uint8)
    for index, crop in enumerate(crops):
        if crop is None or crop.ndim != 3 or crop.shape[2] != 3 or crop.shape[0] == 0 or crop.shape[1] == 0:
            shape = None if crop is None else crop.shape
            raise CrosscamError(f"crop {index} has shape {shape}; expected a non-empty H x W x 3 BGR image")
        batch[index] = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
    return batch


def to_nchw_float(batch: np.ndarray, mean: Sequence[float], std: Sequence[float], rgb: bool = True) -> np.ndarray:
    """``N x h x w x 3`` BGR uint8 -> ``N x 3 x h x w`` float32 ``(pixel / 255 - mean) / std``, RGB order if ``rgb``."""
    if rgb:
        batch = batch[..., ::-1]
    scaled = (batch.astype(np.float32) / 255.0 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(scaled.transpose(0, 3, 1, 2))
