"""Association at CCTV scale: the sparse clustering against the dense reference, 1k to 100k tracklets.

Tracklets come from real embeddings: every CUHK01 + CUHK03 pair-1 crop (12,061 crops, 1,814 people) is embedded
once with ``--embedder`` (cached under runs/scale/). A simulated site has cameras along a corridor (walking time
20-120 s between neighbours; the transit windows of neighbouring cameras, 0.5x-2x that time, are configured). Each
identity is one visit: a real person, entering at a random camera at a random moment over the hours, walking
through 1-5 consecutive cameras, 5-60 s in view of each, walking at 0.8x-1.3x the nominal time. A tracklet's
embedding is the mean of 1-3 of the person's crops from the camera's view (even cameras see CUHK view A, odd ones
view B), plus the identity's own offset and per-tracklet jitter:

    tracklet = normalise(normalise(mean of crops) + beta * identity offset + sigma * noise)

There are only 1,814 real people, so at 10k+ tracklets every person makes several visits; the identity offset
(a random unit vector, ``--beta``) makes those visits different people who look alike (about 10 % of such
look-alike pairs are above the threshold at the defaults), and it also lifts same-identity similarity above the
real embedder's: the task is easier than real cross-view re-identification at this population size.

Every size runs in a fresh process (peak RSS is that process's, instance data included). Pairwise F1 from
contingency counts (no n^2 pairs). The merge threshold is the embedder's shipped calibration (P(same) = 0.5).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/association_scale.py [--sizes 1000 2000 4000 10000 100000]
        [--exact-up-to 4000] [--flat-check-at 100000]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/association_scale.py --ground-sizes 1000 2000 10000 60000

``--ground-sizes`` times the ground-plane evidence of calibrated overlapping cameras alone (:func:`ground_row`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from pathlib import Path

import numpy as np

import crosscam.associate.clustering as clustering
from crosscam.assets import resolve_dataset
from crosscam.associate.calibration import load_calibration
from crosscam.associate.clustering import TrackletSpan, TransitWindow, cluster_tracklets, evidence_pairs
from crosscam.embed.base import l2_normalize
from crosscam.embed.registry import create_embedder
from crosscam.eval.association import pairwise_scores
from crosscam.reid.datasets import ReidSample, load_cuhk01, load_cuhk03_pair1
from crosscam.reid.features import embed_samples

CACHE_DIR = Path(__file__).resolve().parents[1] / "runs" / "scale"
CUHK01_PID_OFFSET = 1_000_000  # CUHK01 ids never collide with CUHK03's (0-742, 100000-100099)
TRACKLETS_PER_CAMERA_HOUR = 500


def crop_embeddings(embedder_name: str, assets: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every CUHK01 + CUHK03 pair-1 crop embedded once (cached under runs/scale/): (embeddings, person, view)."""
    path = CACHE_DIR / f"cuhk01_cuhk03_{embedder_name}.npz"
    if not path.is_file():
        cuhk01 = load_cuhk01(resolve_dataset("cuhk01", assets))
        cuhk03 = load_cuhk03_pair1(resolve_dataset("cuhk03_pair1", assets))
        samples = [*cuhk03.train, *cuhk03.query, *cuhk03.gallery]
        samples += [
            ReidSample(s.path, s.pid + CUHK01_PID_OFFSET, s.camid) for s in cuhk01.train + cuhk01.query + cuhk01.gallery
        ]
        embeddings = embed_samples(create_embedder(embedder_name, assets), samples)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.savez(path, embeddings=embeddings, person=[s.pid for s in samples], view=[s.camid for s in samples])
    data = np.load(path)
    return data["embeddings"], data["person"], data["view"]


def cameras_for(n: int) -> int:
    return int(np.clip(2 ** np.round(3 + np.log2(n / 1000) / np.log2(100) * 3), 8, 64))  # 1k-2k: 8, 10k: 16, 100k: 64


def simulate_site(
    crops: tuple[np.ndarray, np.ndarray, np.ndarray], n: int, seed: int, beta: float, sigma: float
) -> tuple[np.ndarray, list[TrackletSpan], list[TransitWindow], np.ndarray]:
    """(embeddings float32 n x d, spans, transit windows, identity per tracklet) of a simulated site."""
    rng = np.random.default_rng(seed)
    cameras = cameras_for(n)
    hours = n / (cameras * TRACKLETS_PER_CAMERA_HOUR)
    walk = rng.uniform(20, 120, cameras - 1)  # nominal walking time camera c -> c + 1
    transit = [
        TransitWindow(f"cam{c:02d}", f"cam{c + 1:02d}", 0.5 * walk[c], 2.0 * walk[c]) for c in range(cameras - 1)
    ]
    # Visits: 1-5 consecutive cameras each, until there are n tracklets.
    lengths = 1 + rng.binomial(4, 0.4, size=n)
    visits = int(np.searchsorted(np.cumsum(lengths), n)) + 1
    lengths = lengths[:visits]
    lengths[-1] -= lengths.sum() - n
    identity = np.repeat(np.arange(visits), lengths)
    step = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)  # 0, 1, ... within the visit
    first = rng.integers(0, cameras - lengths + 1)
    backwards = rng.random(visits) < 0.5
    camera = np.where(backwards[identity], first[identity] + lengths[identity] - 1 - step, first[identity] + step)
    duration = np.exp(rng.uniform(np.log(5), np.log(60), n))
    # Start times: entry moment, then each previous span plus the walk to this camera.
    hop = np.zeros(n)
    later = step > 0
    hop[later] = walk[np.minimum(camera[later], camera[np.flatnonzero(later) - 1])] * rng.uniform(0.8, 1.3, later.sum())
    gap_and_previous = np.where(later, hop + np.roll(duration, 1), 0.0)
    start = np.repeat(rng.uniform(0, hours * 3600, visits), lengths)
    start += np.cumsum(gap_and_previous) - np.repeat(np.cumsum(gap_and_previous)[np.cumsum(lengths) - lengths], lengths)
    spans = [
        TrackletSpan(f"cam{c:02d}", s, s + d)
        for c, s, d in zip(camera.tolist(), start.tolist(), duration.tolist(), strict=True)
    ]
    # Appearance: 1-3 crops of the visit's person from the camera's view, the identity offset, jitter.
    who = rng.permutation(np.resize(np.unique(crops[1]), visits))
    offsets = l2_normalize(np.random.default_rng(seed + 1).normal(size=(visits, crops[0].shape[1])).astype(np.float32))
    embeddings = np.empty((n, crops[0].shape[1]), np.float32)
    for begin in range(0, n, 50_000):
        part = slice(begin, min(n, begin + 50_000))
        ids = identity[part]
        embeddings[part] = tracklet_appearance(crops, who[ids], camera[part] % 2, beta * offsets[ids], sigma, rng)
    return embeddings, spans, transit, identity


def tracklet_appearance(
    crops: tuple[np.ndarray, np.ndarray, np.ndarray],
    who: np.ndarray,
    view: np.ndarray,
    offset: np.ndarray,
    sigma: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One embedding per tracklet: normalise(normalise(mean of 1-3 crops of person ``who`` seen from ``view``) +
    ``offset`` + ``sigma`` * noise). A person lacking that view is seen from the other."""
    features, person, crop_view = crops
    order = np.lexsort((crop_view, person))
    keys = person[order] * 2 + crop_view[order]
    key = who * 2 + view
    lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
    missing = lo == hi
    key[missing] ^= 1
    lo[missing], hi[missing] = np.searchsorted(keys, key[missing], "left"), np.searchsorted(keys, key[missing], "right")
    count = rng.integers(1, 4, len(who))
    total = np.zeros((len(who), features.shape[1]), np.float32)
    for draw in range(3):
        pick = order[lo + (rng.random(len(who)) * (hi - lo)).astype(np.int64)]
        total += features[pick] * (draw < count)[:, None]
    noise = rng.normal(size=total.shape).astype(np.float32) / np.sqrt(features.shape[1])
    return l2_normalize(l2_normalize(total) + offset + sigma * noise)


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def run_size(args: argparse.Namespace, n: int, method: str, threshold: float, results) -> None:
    """One size, one method, in this (fresh) process: put a result row into ``results``."""
    instance_started = time.perf_counter()
    embeddings, spans, transit, identity = simulate_site(
        crop_embeddings(args.embedder, args.assets), n, args.seed, args.beta, args.sigma
    )
    instance_s, instance_gb = time.perf_counter() - instance_started, peak_rss_gb()
    if method == "sparse-flat":  # every neighbour search exact, to measure what the HNSW search changes
        clustering.FLAT_SEARCH_LIMIT = n
    started = time.perf_counter()
    labels = cluster_tracklets(embeddings, spans, threshold, transit, method="dense" if method == "dense" else "sparse")
    seconds = time.perf_counter() - started
    rss = peak_rss_gb()  # before the check of the candidates below, which is not part of the product
    scores = pairwise_scores(identity, labels)  # from the contingency table: no n x n matrix at any size
    precision, recall, f1 = scores.precision, scores.recall, scores.f1
    found = 1.0
    if method == "sparse" and n > clustering.FLAT_SEARCH_LIMIT:  # share of the pairs >= threshold the search finds
        pairs, _ = clustering.neighbour_pairs(embeddings, threshold)
        sample = np.random.default_rng(1).choice(n, 300, replace=False)
        truth = [set(np.flatnonzero(embeddings @ embeddings[s] >= threshold).tolist()) - {s} for s in sample]
        codes = set((pairs[:, 0] * n + pairs[:, 1]).tolist())
        hits = sum(len({min(s, o) * n + max(s, o) for o in t} & codes) for s, t in zip(sample, truth, strict=True))
        found = hits / max(1, sum(len(true) for true in truth))
    results.put(
        dict(
            n=n,
            method=method,
            cameras=cameras_for(n),
            hours=n / (cameras_for(n) * TRACKLETS_PER_CAMERA_HOUR),
            identities=int(identity.max()) + 1,
            found=int(labels.max()) + 1,
            seconds=seconds,
            rss_gb=rss,
            candidates_found=found,
            instance_gb=instance_gb,
            instance_s=instance_s,
            precision=precision,
            recall=recall,
            f1=f1,
            labels=labels if n <= 200_000 else None,
        )
    )


def ground_row(n: int, seed: int = 0) -> dict:
    """Seconds of the ground-plane evidence of ``n`` tracklets in a hall seen by 4 overlapping calibrated cameras
    (:func:`~crosscam.associate.ground_plane.ground_evidence`, and the co-visible pair table that
    :func:`~crosscam.associate.ground_refinement.refine_calibrations` scores each mapping on): 6 people in each
    view at any moment, 5-60 s tracklets with foot positions at 5 fps, a random walk on a 20 x 20 m floor."""
    from crosscam.associate.ground_plane import GroundTrack, ground_evidence
    from crosscam.associate.ground_refinement import MOMENT_SECONDS, _PairTable

    rng = np.random.default_rng(seed)
    duration = np.exp(rng.uniform(np.log(5), np.log(60), n))
    hours = n * duration.mean() / (4 * 6) / 3600
    start = rng.uniform(0, hours * 3600, n)
    tracks, cameras = [], [f"cam{c}" for c in rng.integers(0, 4, n)]
    for s, d in zip(start.tolist(), duration.tolist(), strict=True):
        times = s + np.arange(0, d, 0.2)
        tracks.append(GroundTrack(times, rng.uniform(0, 20, 2) + np.cumsum(rng.normal(0, 0.1, (len(times), 2)), 0)))
    started = time.perf_counter()
    apart, together = ground_evidence(tracks, cameras)
    evidence_s = time.perf_counter() - started
    moments = [np.unique(np.round(t.times / MOMENT_SECONDS).astype(np.int64)) for t in tracks]
    sources = [i for i, c in enumerate(cameras) if c == "cam0"]
    references = [i for i, c in enumerate(cameras) if c != "cam0"]
    started = time.perf_counter()
    table = _PairTable(
        [np.zeros((len(moments[i]), 2)) for i in sources],
        [moments[i] for i in sources],
        [(moments[i], np.zeros((len(moments[i]), 2))) for i in references],
    )
    table_s = time.perf_counter() - started
    pairs = [evidence_pairs(e, n, "evidence") for e in (apart, together)]  # matrices or pairs, whichever is given
    return {"n": n, "hours": hours, "evidence_s": evidence_s, "apart": len(pairs[0]), "together": len(pairs[1]),
            "table_s": table_s, "table_pairs": len(table.pair_source)}  # fmt: skip


def measure(args: argparse.Namespace, n: int, method: str, threshold: float) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=run_size, args=(args, n, method, threshold, results))
    process.start()
    row = results.get()
    process.join()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", default="osnet-x0.25-msmt17")
    parser.add_argument("--assets", default=None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 10000, 100000])
    parser.add_argument("--exact-up-to", type=int, default=4000, help="run the dense reference up to this size")
    parser.add_argument("--flat-check-at", type=int, nargs="*", default=[], help="also run sparse with flat kNN")
    parser.add_argument("--beta", type=float, default=0.6, help="identity offset")
    parser.add_argument("--sigma", type=float, default=0.3, help="per-tracklet jitter")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ground-sizes", type=int, nargs="*", default=[], help="time the ground-plane evidence only")
    args = parser.parse_args()
    if args.ground_sizes:
        print("| tracklets | hours | ground_evidence (s) | apart pairs | together pairs | refinement pair table (s) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in args.ground_sizes:
            r = ground_row(n, args.seed)
            print(
                f"| {n:,} | {r['hours']:.1f} | {r['evidence_s']:.2f} | {r['apart']:,} | {r['together']:,} | "
                f"{r['table_s']:.2f} |",
                flush=True,
            )
        return
    crop_embeddings(args.embedder, args.assets)  # embed once, before the timed processes
    threshold = load_calibration(args.embedder).threshold
    rows = []
    for n in args.sizes:
        methods = ["sparse"] + (["sparse-flat"] if n in args.flat_check_at else [])
        methods += ["dense"] if n <= args.exact_up_to else []
        found = {}
        for method in methods:
            found[method] = measure(args, n, method, threshold)
            r = found[method]
            same = "" if method == "sparse" else str(bool(np.array_equal(r["labels"], found["sparse"]["labels"])))
            rows.append((r, same))
            print(f"n={n} {method}: {r['seconds']:.1f} s, peak {r['rss_gb']:.2f} GB, F1 {r['f1']:.4f}", flush=True)
    print(
        f"\nembedder {args.embedder}, merge threshold cosine {threshold:.4f} (calibrated P = 0.5); identity offset "
        f"beta {args.beta}, jitter sigma {args.sigma}, seed {args.seed}; {TRACKLETS_PER_CAMERA_HOUR} tracklets per "
        "camera-hour\n"
    )
    print(
        "| tracklets | cameras | hours | identities | method | seconds | peak RSS GB (instance alone) | "
        "identities found | pair precision | pair recall | pair F1 | same labels as sparse | pairs >= threshold "
        "among the candidates |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for r, same in rows:
        print(
            f"| {r['n']:,} | {r['cameras']} | {r['hours']:.1f} | {r['identities']:,} | {r['method']} | "
            f"{r['seconds']:.1f} | {r['rss_gb']:.2f} ({r['instance_gb']:.2f}) | {r['found']:,} | "
            f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {same or '–'} | "
            f"{r['candidates_found']:.4f} |"
        )


if __name__ == "__main__":
    main()
