"""Colour-only baseline: HSV histograms over horizontal body stripes.

Each crop is resized to 256 x 128 and cut into :data:`STRIPES` horizontal
stripes (head to feet); each stripe gets a joint H x S x V histogram
(:data:`BINS`, OpenCV ``calcHist``) normalised to sum 1, then square-rooted
(Hellinger map) so that the cosine of two embeddings is the mean Bhattacharyya
coefficient of their stripes' colour distributions.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from crosscam.embed.base import Embedder
from crosscam.embed.preprocess import resize_batch
from crosscam.embed.registry import describes

NAME = "hsv-stripes"
INPUT_SIZE = (256, 128)
STRIPES = 6
BINS = (8, 4, 4)  # hue, saturation, value
_RANGES = [0, 180, 0, 256, 0, 256]  # OpenCV 8-bit hue is 0-179
DIM = STRIPES * int(np.prod(BINS))


class HsvStripesEmbedder(Embedder):
    name, dim, input_size, batch_size = NAME, DIM, INPUT_SIZE, 64

    def _stripe_histograms(self, hsv: np.ndarray) -> np.ndarray:
        histograms = []
        for stripe in np.array_split(hsv, STRIPES, axis=0):
            histogram = cv2.calcHist([stripe], [0, 1, 2], None, list(BINS), _RANGES).ravel()
            histograms.append(np.sqrt(histogram / max(histogram.sum(), 1.0)))
        return np.concatenate(histograms)

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        resized = resize_batch(crops, self.input_size)
        return np.stack([self._stripe_histograms(cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)) for crop in resized])


@describes(dim=DIM, input_size=INPUT_SIZE)
def create(assets_dir: str | None = None) -> Embedder:
    return HsvStripesEmbedder()
