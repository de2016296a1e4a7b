"""Evaluate one set of features over several seeded splits of a data set.

CUHK01 is evaluated over N random 486-id test splits. Embedding is the costly
part, so the images of all requested splits are embedded once
(:func:`split_samples`) and each split is evaluated on a subset of the rows
(:func:`evaluate_splits`). With ``projection`` a
:class:`~crosscam.reid.projection.CameraCenteredLDA` is fitted on each split's own train rows and
scored as well (and re-ranked after it, with ``rerank``). Data sets with a fixed split (Market-1501,
CUHK03 pair 1, folder) have one split whatever the seed.

Example:
    >>> from crosscam.eval.reid_splits import split_samples  # doctest: +SKIP
    >>> samples, splits = split_samples("cuhk01", "assets/data/cuhk01/CUHK01/campus", [0, 1])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import ReidMetrics, evaluate_features
from crosscam.eval.rerank import RerankParams
from crosscam.reid.datasets import ReidSample, ReidSplit, load_dataset
from crosscam.reid.projection import CameraCenteredLDA

SEEDED_DATASETS = {"cuhk01"}
METRIC_NAMES = ("rank1", "rank5", "rank10", "mAP", "mINP")


@dataclass(frozen=True)
class SplitResult:
    seed: int
    plain: ReidMetrics
    reranked: ReidMetrics | None = None
    projected: ReidMetrics | None = None  # after a projection learned on the split's train ids
    projected_reranked: ReidMetrics | None = None  # that projection, then re-ranking


def split_seeds(dataset: str, first_seed: int, num_splits: int) -> list[int]:
    """``first_seed .. first_seed + num_splits - 1``; data sets with a fixed split accept one split only."""
    if num_splits < 1:
        raise CrosscamError(f"--splits {num_splits}: need at least one split")
    if num_splits > 1 and dataset not in SEEDED_DATASETS:
        raise CrosscamError(f"dataset {dataset!r} has one fixed split; --splits {num_splits} applies to cuhk01 only")
    return list(range(first_seed, first_seed + num_splits))


def split_samples(
    dataset: str, root, seeds: Sequence[int], include_train: bool = False
) -> tuple[list[ReidSample], list[ReidSplit]]:
    """The splits for ``seeds`` and the union of their query and gallery (and train) samples, sorted by path."""
    splits = [load_dataset(dataset, root, split_seed=seed) for seed in seeds]
    union = {
        sample.path: sample
        for split in splits
        for sample in (*split.query, *split.gallery, *(split.train if include_train else ()))
    }
    return [union[path] for path in sorted(union)], splits


def rows_of(samples: Sequence[ReidSample], subset: Sequence[ReidSample]) -> np.ndarray:
    """Row indices of ``subset`` within ``samples`` (matched by path)."""
    index = {sample.path: row for row, sample in enumerate(samples)}
    return np.array([index[sample.path] for sample in subset], dtype=np.int64)


def evaluate_splits(
    features: np.ndarray,
    samples: Sequence[ReidSample],
    splits: Sequence[ReidSplit],
    seeds: Sequence[int],
    rerank: RerankParams | None = None,
    projection: Callable[[], CameraCenteredLDA] | None = None,
) -> list[SplitResult]:
    """Evaluate ``features`` (rows aligned with ``samples``) on every split; re-ranked too with ``rerank``.

    ``projection`` makes a fresh unfitted projection per split, fitted on that split's train rows (which
    ``samples`` must then include) and applied to its query and gallery.
    """
    results = []
    for seed, split in zip(seeds, splits, strict=True):
        query, gallery = features[rows_of(samples, split.query)], features[rows_of(samples, split.gallery)]
        plain = evaluate_features(query, gallery, split.query, split.gallery)
        reranked = evaluate_features(query, gallery, split.query, split.gallery, rerank=rerank) if rerank else None
        projected = projected_reranked = None
        if projection is not None:
            if not split.train:
                raise CrosscamError(f"{split.name}: no train images to learn a projection from")
            learned = projection().fit(
                features[rows_of(samples, split.train)],
                np.array([s.pid for s in split.train]),
                np.array([s.camid for s in split.train]),
            )
            projected_query = learned.transform(query, np.array([s.camid for s in split.query]))
            projected_gallery = learned.transform(gallery, np.array([s.camid for s in split.gallery]))
            projected = evaluate_features(projected_query, projected_gallery, split.query, split.gallery)
            if rerank:
                projected_reranked = evaluate_features(
                    projected_query, projected_gallery, split.query, split.gallery, rerank=rerank
                )
        results.append(SplitResult(seed, plain, reranked, projected, projected_reranked))
    return results


def summarize(metrics: Sequence[ReidMetrics]) -> dict[str, dict[str, float]]:
    """Mean and (population) standard deviation over splits of every metric, in percent."""
    values = {name: np.array([m.as_dict()[name] for m in metrics]) for name in METRIC_NAMES}
    return {name: {"mean": float(v.mean()), "std": float(v.std())} for name, v in values.items()}
