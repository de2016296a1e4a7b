"""A projection of embeddings learned on labelled training identities: camera centring, then LDA.

Off-the-shelf re-identification embeddings carry two things a labelled train
split can remove: each camera's overall look (lighting, white balance,
viewpoint), which shifts every embedding from that camera the same way, and
directions along which one person's images vary as much as different people's
do. :class:`CameraCenteredLDA` subtracts each camera's mean training
embedding, then applies shrinkage linear discriminant analysis (scikit-learn),
which keeps the directions separating identities and whitens the within-person
scatter. It is the classic metric-learning step of the CUHK01 protocol
(fitted on the 485 train ids, applied to the 486 test ids), and it is
inductive: nothing from the test ids is used.

:func:`lda_head_weight` is the same LDA without the camera step, as a plain
matrix: ``crosscam train --lda-head`` fits it on the training images and
folds it into the network as its last layer, so the shipped embedder needs no
camera labels.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pids = np.repeat(np.arange(20), 4)
    >>> camids = np.tile([0, 0, 1, 1], 20)
    >>> features = rng.normal(size=(80, 16)) + pids[:, None] * 0.1
    >>> projection = CameraCenteredLDA(shrinkage=0.5).fit(features, pids, camids)
    >>> projection.transform(features, camids).shape
    (80, 19)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from crosscam.embed.base import l2_normalize
from crosscam.errors import CrosscamError


@dataclass
class CameraCenteredLDA:
    """Per-camera mean removal + shrinkage LDA, fitted on labelled embeddings; outputs unit-norm rows.

    Cameras the fit never saw are centred with the mean of all training embeddings.
    """

    shrinkage: float = 0.9
    camera_means: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    overall_mean: np.ndarray | None = field(default=None, repr=False)
    lda: LinearDiscriminantAnalysis | None = field(default=None, repr=False)

    def fit(self, features: np.ndarray, pids: np.ndarray, camids: np.ndarray) -> CameraCenteredLDA:
        pids, camids = np.asarray(pids), np.asarray(camids)
        if len(np.unique(pids)) < 2:
            raise CrosscamError("a learned projection needs training images of at least two identities")
        self.camera_means = {int(c): features[camids == c].mean(axis=0) for c in np.unique(camids)}
        self.overall_mean = features.mean(axis=0)
        self.lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=self.shrinkage)
        self.lda.fit(self._centred(features, camids), pids)
        return self

    def _centred(self, features: np.ndarray, camids: np.ndarray) -> np.ndarray:
        means = np.stack([self.camera_means.get(int(c), self.overall_mean) for c in camids])
        return features - means

    def transform(self, features: np.ndarray, camids: np.ndarray) -> np.ndarray:
        if self.lda is None:
            raise CrosscamError("the projection must be fitted before it transforms features")
        projected = self.lda.transform(self._centred(features, np.asarray(camids)))
        return l2_normalize(projected.astype(np.float32))


def lda_head_weight(
    features: np.ndarray, pids: np.ndarray, shrinkage: float, directions: int | None = None
) -> np.ndarray:
    """Shrinkage LDA fitted on unit-norm ``features`` as a ``dim x dim`` matrix ``W`` (apply as ``W @ x``).

    The rows are the discriminant directions, best first, keeping at most ``directions`` of them (the last
    ones separate the training identities least and mostly amplify noise); the other rows are zero. ``W`` is
    scaled to a largest entry of 1 (the embedding is L2-normalised after it, so the scale is free) to keep it
    within fp16's range.
    """
    pids = np.asarray(pids)
    if len(np.unique(pids)) < 2:
        raise CrosscamError("an LDA head needs training images of at least two identities")
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage).fit(features, pids)
    kept = min(len(lda.classes_) - 1, features.shape[1], directions or features.shape[1])
    weight = np.zeros((features.shape[1], features.shape[1]), dtype=np.float32)
    weight[:kept] = lda.scalings_[:, :kept].T  # sklearn's transform: features @ scalings_
    return weight / np.abs(weight).max()
