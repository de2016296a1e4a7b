"""How far the distilled student is from its teacher, per data set: where does crosscam-lite0 fall short?

Data: CUHK01 split ``--split-seed`` (train ids, test query + gallery) and CUHK03 pair 1 (labeled_train, val).
Protocol: the student (``--student``, default the shipped ``crosscam-lite0``) and the teacher (the distill
preset's ``openvino-0277:flip``) embed the same un-augmented crops; the table gives the mean cosine between
their unit-norm embeddings of each image, and on the evaluation parts the rank-1 / mAP of each (cosine
distance, view/camera A query, B gallery, as ``crosscam eval``). The training parts' teacher embeddings are
read from ``--teacher-cache`` (a training run's ``teacher.npy``) when given, else computed (8 minutes here).

    .venv/bin/python benchmarks/student_teacher_gap.py [--teacher-cache runs/RUN/teacher.npy]
"""

from __future__ import annotations

import argparse

import numpy as np

from crosscam.assets import resolve_dataset
from crosscam.embed.registry import create_embedder
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.reid.datasets import ASSET_NAMES, load_dataset
from crosscam.reid.features import embed_samples
from crosscam.reid.train import PRESETS, training_samples

SOURCES = ("cuhk01", "cuhk03_pair1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="crosscam-lite0")
    parser.add_argument("--teacher", default=PRESETS["distill"]["teacher"])
    parser.add_argument("--teacher-cache", help="teacher.npy of a run on cuhk01+cuhk03_pair1 with this split seed")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--assets")
    args = parser.parse_args()

    splits = [
        load_dataset(name, str(resolve_dataset(ASSET_NAMES[name], args.assets)), args.split_seed) for name in SOURCES
    ]
    samples, _, sources = training_samples(splits)
    student = create_embedder(args.student, args.assets)
    teacher = create_embedder(args.teacher, args.assets)
    train_teacher = np.load(args.teacher_cache) if args.teacher_cache else embed_samples(teacher, samples)
    if train_teacher.shape[0] != len(samples):
        raise SystemExit(f"{args.teacher_cache}: {train_teacher.shape[0]} rows, the training set has {len(samples)}")
    train_student = embed_samples(student, samples)
    train_cosine = (train_student * train_teacher).sum(axis=1)

    rows = []
    for index, split in enumerate(splits):
        part = np.asarray(sources) == index
        rows.append((f"{split.name} train", f"{train_cosine[part].mean():.3f}", "-", "-"))
        cosines, scores = [], {}
        for who, model in (("teacher", teacher), ("student", student)):
            query, gallery = embed_samples(model, split.query), embed_samples(model, split.gallery)
            metrics = evaluate_features(query, gallery, split.query, split.gallery)
            scores[who] = f"{metrics.rank1:.1f} / {metrics.mAP:.1f}"
            cosines.append(np.concatenate([query, gallery]))
        evaluation = "test" if split.name.startswith("cuhk01") else "val"
        cosine = (cosines[0] * cosines[1]).sum(axis=1).mean()
        rows.append((f"{split.name} {evaluation}", f"{cosine:.3f}", scores["teacher"], scores["student"]))

    print(f"| part | mean cosine {args.student} vs {args.teacher} | teacher rank-1 / mAP | student rank-1 / mAP |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
