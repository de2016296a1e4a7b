"""Turn a cosine similarity into a calibrated probability that two tracklets show the same person.

Fitted on labelled pairs (CUHK01 / CUHK03 person crops, never on the data we
report on): every person's crops from one camera are averaged into a
"tracklet" embedding, exactly as ``crosscam run`` does with tracked crops, and
every cross-camera pair of tracklets is a positive (same person) or negative
pair. A logistic model ``p = 1 / (1 + exp(-(a * s + b)))`` is fitted with
balanced class weights, so the probability assumes **even prior odds** (one
candidate pair, no other information); the association threshold is the
similarity where p = 0.5.

Example:
    >>> cal = Calibration(embedder="x", slope=20.0, intercept=-10.0, fitted_on=[], num_positive=1, num_negative=1)
    >>> round(cal.threshold, 3), round(float(cal.probability(0.6)), 3)
    (0.5, 0.881)
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from crosscam.embed.base import l2_normalize
from crosscam.errors import CrosscamError
from crosscam.reid.datasets import ReidSample

CALIBRATION_DIR = Path(__file__).with_name("calibrations")


@dataclass(frozen=True)
class Calibration:
    embedder: str
    slope: float
    intercept: float
    fitted_on: list[str]
    num_positive: int
    num_negative: int
    reliability: list[dict] = field(default_factory=list)  # held-out bins, see reliability_table

    @property
    def threshold(self) -> float:
        """Similarity at which P(same person) = 0.5."""
        return -self.intercept / self.slope

    def probability(self, similarity: np.ndarray | float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * np.asarray(similarity, dtype=np.float64) + self.intercept)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        return cls(**json.loads(Path(path).read_text()))


def calibration_path(embedder: str) -> Path:
    return CALIBRATION_DIR / f"{embedder.replace('*', 'x').replace('+', '_').replace(':', '-')}.json"


def load_calibration(embedder: str) -> Calibration:
    """The shipped calibration of ``embedder``; a one-line error tells how to make one."""
    path = calibration_path(embedder)
    if not path.is_file():
        raise CrosscamError(
            f"no calibration for embedder {embedder!r} ({path} missing); run `crosscam calibrate --embedder {embedder}`"
        )
    return Calibration.load(path)


def tracklet_embeddings(features: np.ndarray, samples: list[ReidSample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average the crops of each (person, camera) into one unit embedding: (embeddings, pids, camids)."""
    groups: dict[tuple[int, object], list[int]] = defaultdict(list)
    for row, sample in enumerate(samples):
        groups[(sample.pid, sample.camid)].append(row)
    keys = sorted(groups, key=str)
    embeddings = l2_normalize(np.stack([features[groups[key]].mean(axis=0) for key in keys]))
    pids = np.array([key[0] for key in keys])
    camids = np.array([str(key[1]) for key in keys])
    return embeddings, pids, camids


def cross_camera_pairs(embeddings: np.ndarray, pids: np.ndarray, camids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Similarities and same-person labels of every pair of tracklets from different cameras."""
    similarity = embeddings @ embeddings.T
    upper = np.triu(np.ones_like(similarity, dtype=bool), k=1) & (camids[:, None] != camids[None, :])
    return similarity[upper], (pids[:, None] == pids[None, :])[upper]


def fit_calibration(embedder: str, similarities: np.ndarray, same: np.ndarray, fitted_on: list[str]) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    if same.all() or not same.any():
        raise CrosscamError("calibration needs both same-person and different-person pairs")
    model = LogisticRegression(class_weight="balanced", C=1e4)
    model.fit(similarities.reshape(-1, 1), same.astype(int))
    return Calibration(
        embedder=embedder,
        slope=float(model.coef_[0, 0]),
        intercept=float(model.intercept_[0]),
        fitted_on=fitted_on,
        num_positive=int(same.sum()),
        num_negative=int((~same).sum()),
    )


def reliability_table(
    calibration: Calibration, similarities: np.ndarray, same: np.ndarray, bins: int = 10, seed: int = 0
) -> list[dict]:
    """Predicted probability vs observed match rate on held-out pairs at even prior odds.

    Negatives are subsampled (seeded) to the number of positives, so the observed rate is what the
    predicted probability claims: the chance of a match when a match and a non-match are equally likely a priori.
    """
    rng = np.random.default_rng(seed)
    positives = np.flatnonzero(same)
    negatives = rng.choice(np.flatnonzero(~same), size=min(len(positives), int((~same).sum())), replace=False)
    chosen = np.concatenate([positives, negatives])
    predicted = calibration.probability(similarities[chosen])
    observed = same[chosen].astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(predicted, edges) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                {
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "pairs": int(mask.sum()),
                    "mean_predicted": float(predicted[mask].mean()),
                    "observed_rate": float(observed[mask].mean()),
                }
            )
    return rows


def expected_calibration_error(rows: list[dict]) -> float:
    total = sum(row["pairs"] for row in rows)
    return sum(row["pairs"] * abs(row["mean_predicted"] - row["observed_rate"]) for row in rows) / total
