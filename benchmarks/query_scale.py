"""Query at scale: warm search latency and recall of crosscam.store.vector_index over up to 1,000,000 tracklets.

Tracklet embeddings are built as in benchmarks/association_scale.py (real CUHK01 + CUHK03 crop embeddings,
mean of 1-3 crops of the camera's view, an identity offset, jitter; 3 tracklets per identity, alternating views),
streamed into the index in chunks as a growing store would add them. Queries: ``--queries`` tracklets of the
index itself, each searched alone for its 10 best matches excluding its own embedding (``exclude=[own id]``),
timed one by one after a warm-up; recall@10 against exact float32 brute force over the same vectors (computed
chunk by chunk while they are generated). Rows: the index's default nprobe and a few others. Peak RSS is the
process's. The index file is written with ``VectorIndex.save`` and its size divided by the tracklet count.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/query_scale.py [--size 1000000] [--nprobe 32 64 256]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from association_scale import crop_embeddings, tracklet_appearance

from crosscam.embed.base import l2_normalize
from crosscam.serve.search import CANDIDATES_PER_HIT
from crosscam.store.vector_index import FILE_NAME, VectorIndex

TRACKLETS_PER_IDENTITY = 3
K = 10
SERVE_K = CANDIDATES_PER_HIT * 20  # crosscam serve ranks 20 identities from this many hits first


def chunk_embeddings(crops, begin: int, end: int, beta: float, sigma: float, seed: int) -> np.ndarray:
    """Tracklets begin..end-1 (chunks start at multiples of TRACKLETS_PER_IDENTITY, so identities stay whole)."""
    rng = np.random.default_rng([seed, begin])
    identity = np.arange(begin, end) // TRACKLETS_PER_IDENTITY
    first, last = identity[0], identity[-1]
    people = np.unique(crops[1])
    who = people[identity % len(people)]
    offsets = l2_normalize(rng.normal(size=(last - first + 1, crops[0].shape[1])).astype(np.float32))
    return tracklet_appearance(crops, who, np.arange(begin, end) % 2, beta * offsets[identity - first], sigma, rng)


def merge_top(best_s: np.ndarray, best_i: np.ndarray, s: np.ndarray, ids: np.ndarray, k: int):
    """Keep the k highest of (best, new) per row."""
    all_s = np.concatenate([best_s, s], axis=1)
    all_i = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], axis=1)
    top = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
    return np.take_along_axis(all_s, top, 1), np.take_along_axis(all_i, top, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", default="osnet-x0.25-msmt17")
    parser.add_argument("--assets", default=None)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=99_999)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--nprobe", type=int, nargs="*", default=[32, 64, 256])
    parser.add_argument("--beta", type=float, default=0.6)
    parser.add_argument("--sigma", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    crops = crop_embeddings(args.embedder, args.assets)
    rng = np.random.default_rng(args.seed)
    query_ids = np.sort(rng.choice(args.size, args.queries, replace=False))
    chunks = [(begin, min(args.size, begin + args.chunk)) for begin in range(0, args.size, args.chunk)]
    index = VectorIndex(crops[0].shape[1])
    build_s, queries = 0.0, np.zeros((args.queries, crops[0].shape[1]), np.float32)
    for begin, end in chunks:  # pass 1: index the chunks, keep the query vectors
        vectors = chunk_embeddings(crops, begin, end, args.beta, args.sigma, args.seed)
        inside = (query_ids >= begin) & (query_ids < end)
        queries[inside] = vectors[query_ids[inside] - begin]
        started = time.perf_counter()
        index.add(np.arange(begin, end), vectors)
        build_s += time.perf_counter() - started
        print(f"{end:,} tracklets indexed, {build_s:.0f} s so far", flush=True)
    truth_s = np.full((args.queries, K), -np.inf, np.float32)
    truth_i = np.full((args.queries, K), -1, np.int64)
    for begin, end in chunks:  # pass 2: exact top 10 by brute force over the same vectors, 100 queries at a time
        ids = np.arange(begin, end)
        vectors = chunk_embeddings(crops, begin, end, args.beta, args.sigma, args.seed)
        for block in range(0, args.queries, 100):
            rows = slice(block, block + 100)
            similarity = queries[rows] @ vectors.T
            own = (query_ids[rows] >= begin) & (query_ids[rows] < end)
            similarity[np.flatnonzero(own), query_ids[rows][own] - begin] = -np.inf  # the query's own embedding
            truth_s[rows], truth_i[rows] = merge_top(truth_s[rows], truth_i[rows], similarity, ids, K)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        index.save(Path(folder) / FILE_NAME)
        save_s = time.perf_counter() - started
        bytes_per_tracklet = (Path(folder) / FILE_NAME).stat().st_size / len(index)
        started = time.perf_counter()
        index = VectorIndex.load(Path(folder) / FILE_NAME)
        load_s = time.perf_counter() - started
    default_nprobe = index.nprobe
    rows = []
    for nprobe in dict.fromkeys([default_nprobe, *args.nprobe]):
        if nprobe is not None:
            index.nprobe = nprobe
        for q in range(min(20, args.queries)):  # warm-up
            index.search(queries[q], K, exclude=[query_ids[q]])
        latencies, found = [], []
        for q in range(args.queries):
            started = time.perf_counter()
            ids, _ = index.search(queries[q], K, exclude=[query_ids[q]])
            latencies.append(time.perf_counter() - started)
            found.append(ids[0])
        recall = np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in zip(found, truth_i, strict=True)])
        rows.append((nprobe, np.percentile(latencies, 50) * 1e3, np.percentile(latencies, 95) * 1e3, recall))
        if nprobe is None:
            break
    if default_nprobe is not None:
        index.nprobe = default_nprobe
    serve_latencies = []  # `crosscam serve`'s first search depth for its default 20 identities
    for q in range(args.queries):
        started = time.perf_counter()
        index.search(queries[q], SERVE_K)
        serve_latencies.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    kind = "exact flat" if default_nprobe is None else f"IVF {index._index.nlist} lists, float16 vectors"
    print(
        f"\n{len(index):,} tracklets ({args.embedder} crop embeddings, identity offset beta {args.beta}, jitter "
        f"sigma {args.sigma}); {kind}; build (streamed adds) {build_s:.0f} s, save {save_s:.1f} s, load "
        f"{load_s:.1f} s; on disk {bytes_per_tracklet:.0f} bytes per tracklet; peak RSS {peak:.2f} GB; "
        f"{args.queries} single-query searches, top {K}, own embedding excluded\n"
    )
    print("| nprobe | p50 ms | p95 ms | recall@10 vs exact |")
    print("|---|---:|---:|---:|")
    for nprobe, p50, p95, recall in rows:
        label = "exact" if nprobe is None else f"{nprobe}{' (default)' if nprobe == default_nprobe else ''}"
        print(f"| {label} | {p50:.2f} | {p95:.2f} | {recall:.4f} |")
    p50, p95 = (np.percentile(serve_latencies, q) * 1e3 for q in (50, 95))
    print(f"\n`crosscam serve`'s search depth (top {SERVE_K}, default nprobe): p50 {p50:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
