"""Constrained average-linkage clustering of tracklets into global identities.

Tracklets are merged greedily, best pair of clusters first, while the pair's
mean cosine similarity (average linkage) is at least ``threshold`` and no
cannot-link constraint is violated. Two tracklets cannot be one person when:

* they come from the same camera and overlap in time (one person is not in two
  places of one picture), or
* they come from different cameras and the gap between them is outside the
  allowed transit time of that camera pair (when one is configured), or
* calibrated overlapping cameras see them standing apart at the same moments
  (``apart``, from :func:`crosscam.associate.ground_plane.ground_evidence`).

Pairs seen standing at the same spot at the same moments (``together``) count
as similarity 1 whatever their appearance.

A cluster inherits the constraints of its members, so the constraint holds for
every pair inside every identity. The threshold is not guessed: it comes from
:mod:`crosscam.associate.calibration` (similarity where P(same person) = 0.5).

Two implementations make the same decisions:

* ``dense``: n x n matrices and a full argmax per merge (cubic time, quadratic
  memory); the reference, used for small inputs.
* ``sparse``: candidate pairs from a k-nearest-neighbour search (faiss), a heap
  of cluster pairs with lazy deletion, constraints checked per cluster pair from
  per-camera interval lists. Every candidate's average linkage is exact over
  *all* its cross pairs, not only the graph's edges: with dot-product similarity
  the sum over cross pairs is the dot product of the clusters' summed
  embeddings (plus the ``together`` corrections, kept per cluster pair). A
  cluster pair with mean >= threshold has at least one cross pair >= threshold,
  so when the kNN search returns every non-forbidden pair >= threshold the
  candidate set holds every pair that can merge and the result equals the
  dense one (ties are broken the same way; float rounding differs by ~1e-7).
  The search widens k for tracklets whose k-th neighbour is still above the
  threshold (up to ``max_neighbours``), and is exact (flat) up to
  ``FLAT_SEARCH_LIMIT`` tracklets. Where it can differ, on large inputs: the IVF
  search above that size misses a few neighbours (recall < 1), and a tracklet
  with more than ``max_neighbours`` neighbours above the threshold keeps only
  the nearest ones. A cluster pair none of whose above-threshold cross pairs was
  found is never considered, so that merge is missed (and, since constraints
  depend on what was merged before, later merges can differ).

``apart`` / ``together`` come either as n x n boolean matrices (small inputs) or
as integer arrays of shape (m, 2) of unordered tracklet index pairs.

Example:
    >>> import numpy as np
    >>> spans = [TrackletSpan("a", 0, 5), TrackletSpan("b", 10, 12), TrackletSpan("a", 20, 30)]
    >>> emb = np.array([[1, 0], [0.9, 0.436], [0, 1]], dtype=np.float32)
    >>> cluster_tracklets(emb, spans, threshold=0.5).tolist()
    [0, 0, 1]
    >>> cluster_tracklets(emb, spans, threshold=0.5, method="sparse").tolist()
    [0, 0, 1]
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.errors import CrosscamError

DENSE_LIMIT = 200  # below this many tracklets ``method="auto"`` uses the dense reference (a few ms)
FLAT_SEARCH_LIMIT = 20_000  # exact (flat) neighbour search up to this many tracklets, IVF above
NEIGHBOURS = 32  # first k of the neighbour search; widened where the k-th neighbour is still above the threshold
MAX_NEIGHBOURS = 1024


@dataclass(frozen=True)
class TrackletSpan:
    """Where and when a tracklet was seen: camera name and [start, end] in seconds on a shared clock."""

    camera: str
    start: float
    end: float


@dataclass(frozen=True)
class TransitWindow:
    """Allowed gap (seconds) between leaving ``camera_a`` and appearing in ``camera_b`` (either direction)."""

    camera_a: str
    camera_b: str
    min_seconds: float
    max_seconds: float


class _Timeline:
    """Cameras as integer codes, spans as arrays, and the transit windows as per-camera-pair allowed gaps.

    Several windows on one camera pair all apply, so they collapse into their intersection.
    """

    def __init__(self, spans: Sequence[TrackletSpan], transit: Sequence[TransitWindow]) -> None:
        names = sorted({s.camera for s in spans} | {c for w in transit for c in (w.camera_a, w.camera_b)})
        self.code = {name: i for i, name in enumerate(names)}
        self.camera = np.array([self.code[s.camera] for s in spans], dtype=np.int64)
        self.start = np.array([s.start for s in spans], dtype=np.float64)
        self.end = np.array([s.end for s in spans], dtype=np.float64)
        self.min_gap = np.full((len(names), len(names)), -np.inf)
        self.max_gap = np.full((len(names), len(names)), np.inf)
        self.windows: dict[int, dict[int, tuple[float, float]]] = {}  # camera -> other camera -> (min, max)
        for w in transit:
            a, b = self.code[w.camera_a], self.code[w.camera_b]
            for x, y in ((a, b), (b, a)):
                self.min_gap[x, y] = max(self.min_gap[x, y], w.min_seconds)
                self.max_gap[x, y] = min(self.max_gap[x, y], w.max_seconds)
                self.windows.setdefault(x, {})[y] = (self.min_gap[x, y], self.max_gap[x, y])

    def forbidden(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For index arrays a, b: True where tracklets a[k] and b[k] can never be one person (spans only)."""
        ca, cb = self.camera[a], self.camera[b]
        # Signed gap: <= 0 when the intervals overlap, else the time from the earlier end to the later start.
        signed = np.maximum(self.start[a] - self.end[b], self.start[b] - self.end[a])
        gap = np.maximum(0.0, signed)
        forbidden = (ca == cb) & (signed <= 0)
        forbidden |= (gap < self.min_gap[ca, cb]) | (gap > self.max_gap[ca, cb])
        return forbidden & (a != b)


def cannot_link_matrix(spans: list[TrackletSpan], transit: list[TransitWindow] = ()) -> np.ndarray:
    """Boolean n x n matrix: True where two tracklets can never be the same person."""
    n = len(spans)
    rows, cols = np.indices((n, n)).reshape(2, -1)
    return _Timeline(spans, transit).forbidden(rows, cols).reshape(n, n)


def evidence_pairs(evidence: np.ndarray | None, n: int, name: str) -> np.ndarray:
    """Unordered tracklet pairs (m x 2, first < second, unique) from an n x n boolean matrix or an m x 2 index array."""
    if evidence is None:
        return np.zeros((0, 2), dtype=np.int64)
    evidence = np.asarray(evidence)
    if evidence.dtype == bool and evidence.shape == (n, n):
        pairs = np.argwhere(evidence | evidence.T)
    elif np.issubdtype(evidence.dtype, np.integer) and evidence.ndim == 2 and evidence.shape[1] == 2:
        pairs = evidence.astype(np.int64)
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= n):
            raise CrosscamError(f"{name}: tracklet index out of range 0..{n - 1}")
    else:
        raise CrosscamError(f"{name}: expected an {n} x {n} boolean matrix or an m x 2 integer pair array")
    pairs = np.sort(pairs, axis=1)
    return np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)


def _pair_matrix(pairs: np.ndarray, n: int) -> np.ndarray:
    matrix = np.zeros((n, n), dtype=bool)
    matrix[pairs[:, 0], pairs[:, 1]] = matrix[pairs[:, 1], pairs[:, 0]] = True
    return matrix


def cluster_tracklets(
    embeddings: np.ndarray,
    spans: list[TrackletSpan],
    threshold: float,
    transit: list[TransitWindow] = (),
    apart: np.ndarray | None = None,
    together: np.ndarray | None = None,
    method: str = "auto",
) -> np.ndarray:
    """Global identity label (0..k-1, in order of first appearance) for each tracklet.

    ``embeddings`` are L2-normalised tracklet embeddings (n x d); similarity is their dot product.
    ``apart`` / ``together``: optional ground-plane evidence, n x n boolean or m x 2 index pairs (module docstring).
    ``method``: "dense", "sparse", or "auto" (dense below :data:`DENSE_LIMIT` tracklets, sparse above).
    """
    n = len(spans)
    if embeddings.shape[0] != n:
        raise CrosscamError(f"{embeddings.shape[0]} embeddings for {n} tracklets")
    if method not in ("auto", "dense", "sparse"):
        raise CrosscamError(f"clustering method {method!r}: expected auto, dense or sparse")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    apart_pairs, together_pairs = evidence_pairs(apart, n, "apart"), evidence_pairs(together, n, "together")
    if method == "sparse" or (method == "auto" and n > DENSE_LIMIT):
        labels = sparse_cluster(embeddings, _Timeline(spans, transit), threshold, apart_pairs, together_pairs)
    else:
        labels = _dense_cluster(embeddings, spans, threshold, transit, apart_pairs, together_pairs)
    return first_appearance_order(labels)


def first_appearance_order(labels: np.ndarray) -> np.ndarray:
    """Relabel 0..k-1 in order of first appearance."""
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_index))
    return order[inverse].astype(np.int64)


def _dense_cluster(
    embeddings: np.ndarray,
    spans: list[TrackletSpan],
    threshold: float,
    transit: Sequence[TransitWindow],
    apart_pairs: np.ndarray,
    together_pairs: np.ndarray,
) -> np.ndarray:
    """The reference: n x n matrices, one full argmax per merge. Cluster ids are their smallest member."""
    n = len(spans)
    similarity = (embeddings @ embeddings.T).astype(np.float64)
    forbidden = cannot_link_matrix(spans, transit) | _pair_matrix(apart_pairs, n)
    similarity[_pair_matrix(together_pairs, n)] = 1.0
    # Cluster-level state: summed similarity between clusters, sizes, and constraint rows.
    linkage_sum = similarity.copy()
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    labels = np.arange(n)
    while True:
        mean_link = linkage_sum / np.outer(sizes, sizes)
        blocked = forbidden | ~alive[:, None] | ~alive[None, :] | np.eye(n, dtype=bool)
        mean_link[blocked] = -np.inf
        best = int(np.argmax(mean_link))
        i, j = divmod(best, n)
        if mean_link[i, j] < threshold:
            break
        # Merge j into i (Lance-Williams for average linkage is just adding the sums).
        linkage_sum[i, :] += linkage_sum[j, :]
        linkage_sum[:, i] += linkage_sum[:, j]
        sizes[i] += sizes[j]
        forbidden[i, :] |= forbidden[j, :]
        forbidden[:, i] |= forbidden[:, j]
        alive[j] = False
        labels[labels == j] = i
    return labels


def neighbour_pairs(
    embeddings: np.ndarray, threshold: float, k: int = NEIGHBOURS, max_neighbours: int = MAX_NEIGHBOURS
) -> np.ndarray:
    """Unordered pairs (m x 2, first < second) of tracklets whose similarity may be >= ``threshold``.

    Each tracklet's nearest neighbours by inner product: k of them, doubled (up to ``max_neighbours``) for the
    tracklets whose k-th neighbour is still above the threshold. Exact flat search up to
    :data:`FLAT_SEARCH_LIMIT` tracklets, an IVF index above (see the module docstring for what that misses).
    """
    import faiss

    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    n, dim = x.shape
    if n <= FLAT_SEARCH_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = int(np.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(n, size=min(n, 64 * nlist), replace=False)
        index.train(x[np.sort(sample)])
        index.nprobe = 16
    index.add(x)
    margin = 1e-4  # float32 search vs float64 linkage: keep pairs a hair below the threshold too
    rows_out, cols_out = [], []
    pending = np.arange(n)
    while len(pending):
        k = min(k, n, max_neighbours)
        scores, found = index.search(x[pending], k)
        keep = (found >= 0) & (scores >= threshold - margin)
        rows_out.append(np.repeat(pending, keep.sum(1)))
        cols_out.append(found[keep])
        saturated = keep[:, -1] & (k < min(n, max_neighbours))
        pending, k = pending[saturated], 2 * k
        if len(pending):  # searched again with a larger k: drop this round's rows of those tracklets
            drop = np.isin(rows_out[-1], pending)
            rows_out[-1], cols_out[-1] = rows_out[-1][~drop], cols_out[-1][~drop]
    rows, cols = np.concatenate(rows_out), np.concatenate(cols_out)
    pairs = np.stack([np.minimum(rows, cols), np.maximum(rows, cols)], axis=1)
    return np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)


class _Constraints:
    """Per-cluster cannot-link state: member intervals per camera, and the clusters seen apart from it."""

    def __init__(self, timeline: _Timeline, apart_pairs: np.ndarray) -> None:
        self.windows = timeline.windows
        n = len(timeline.camera)
        self.intervals: list[dict[int, list[tuple[float, float]]]] = [
            {int(c): [(float(s), float(e))]}
            for c, s, e in zip(timeline.camera, timeline.start, timeline.end, strict=True)
        ]
        self.apart: dict[int, set[int]] = {}
        for a, b in apart_pairs.tolist():
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)
        self.size = [1] * n

    def forbidden(self, i: int, j: int) -> bool:
        if j in self.apart.get(i, ()):
            return True
        a, b = self.intervals[i], self.intervals[j]
        if len(a) > len(b):
            a, b = b, a
        for camera, spans_a in a.items():
            spans_b = b.get(camera)
            if spans_b is not None and _any_overlap(spans_a, spans_b):
                return True
            for other, (low, high) in self.windows.get(camera, {}).items():
                spans_b = b.get(other)
                if spans_b is not None and _any_gap_outside(spans_a, spans_b, low, high):
                    return True
        return False

    def merge(self, i: int, j: int) -> None:
        """Cluster j joins cluster i."""
        a, b = self.intervals[i], self.intervals[j]
        if self.size[j] > self.size[i]:
            a, b = b, a
        for camera, spans in b.items():
            a.setdefault(camera, []).extend(spans)
        self.intervals[i], self.intervals[j] = a, None
        self.size[i] += self.size[j]
        apart_j = self.apart.pop(j, None)
        if apart_j:
            for other in apart_j:
                self.apart[other].discard(j)
                self.apart[other].add(i)
            self.apart.setdefault(i, set()).update(apart_j)
            self.apart[i].discard(i)


def _any_overlap(spans_a: list[tuple[float, float]], spans_b: list[tuple[float, float]]) -> bool:
    return any(sa <= eb and sb <= ea for sa, ea in spans_a for sb, eb in spans_b)


def _any_gap_outside(spans_a: list[tuple[float, float]], spans_b: list[tuple[float, float]], low, high) -> bool:
    for sa, ea in spans_a:
        for sb, eb in spans_b:
            gap = max(0.0, sa - eb, sb - ea)
            if gap < low or gap > high:
                return True
    return False


def sparse_cluster(
    embeddings: np.ndarray,
    timeline: _Timeline,
    threshold: float,
    apart_pairs: np.ndarray,
    together_pairs: np.ndarray,
    candidates: np.ndarray | None = None,
) -> np.ndarray:
    """The dense algorithm's merges over a sparse candidate graph (module docstring); cluster ids are their
    smallest member, as in the dense one. ``candidates``: m x 2 tracklet pairs (default :func:`neighbour_pairs`)."""
    n = len(timeline.camera)
    x = np.asarray(embeddings, dtype=np.float32)
    pairs = neighbour_pairs(x, threshold) if candidates is None else candidates
    pairs = np.unique(np.concatenate([pairs, together_pairs]), axis=0) if len(together_pairs) else pairs
    allowed = ~timeline.forbidden(pairs[:, 0], pairs[:, 1])
    if len(apart_pairs):
        allowed &= ~np.isin(pairs[:, 0] * n + pairs[:, 1], apart_pairs[:, 0] * n + apart_pairs[:, 1])
    pairs = pairs[allowed]
    sums = x.astype(np.float64)  # summed member embeddings per cluster: sum over cross pairs = dot of the sums
    similarity = np.einsum("ij,ij->i", sums[pairs[:, 0]], sums[pairs[:, 1]])
    # Correction per cluster pair: together pairs count 1 instead of their dot product.
    correction = np.zeros(len(pairs))
    if len(together_pairs):
        is_together = np.isin(pairs[:, 0] * n + pairs[:, 1], together_pairs[:, 0] * n + together_pairs[:, 1])
        correction[is_together] = 1.0 - similarity[is_together]
    links: list[dict[int, float]] = [{} for _ in range(n)]  # neighbour cluster -> correction
    for a, b, c in zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), correction.tolist(), strict=True):
        links[a][b] = links[b][a] = c
    initial = similarity + correction
    heap = [
        (-v, a, b, 0, 0)
        for v, a, b in zip(initial.tolist(), pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True)
        if v >= threshold
    ]
    heapq.heapify(heap)
    version = [0] * n  # an entry is current while both its clusters' versions are those it was pushed with
    sizes = np.ones(n)
    parent = np.arange(n)
    constraints = _Constraints(timeline, apart_pairs)
    while heap:
        _, i, j, version_i, version_j = heapq.heappop(heap)
        if version[i] != version_i or version[j] != version_j:
            continue
        if constraints.forbidden(i, j):  # forever: constraints only grow as clusters merge
            del links[i][j], links[j][i]
            continue
        # Merge j into i (i < j: the heap orders equal links by (i, j), as the dense argmax does).
        constraints.merge(i, j)
        sums[i] += sums[j]
        sizes[i] += sizes[j]
        parent[j] = i
        version[j] = -1
        version[i] += 1
        links_i, links_j = links[i], links[j]
        del links_i[j], links_j[i]
        for other, c in links_j.items():
            links_other = links[other]
            del links_other[j]
            links_i[other] = links_other[i] = links_i.get(other, 0.0) + c
        links[j] = None
        if not links_i:
            continue
        others = np.fromiter(links_i.keys(), dtype=np.int64, count=len(links_i))
        corrections = np.fromiter(links_i.values(), dtype=np.float64, count=len(links_i))
        means = (sums[others] @ sums[i] + corrections) / (sizes[others] * sizes[i])
        version_i = version[i]
        for other, mean in zip(others[means >= threshold].tolist(), means[means >= threshold].tolist(), strict=True):
            if other < i:
                heapq.heappush(heap, (-mean, other, i, version[other], version_i))
            else:
                heapq.heappush(heap, (-mean, i, other, version_i, version[other]))
    # Follow merges to each tracklet's final cluster (parents always have smaller indices).
    for index in range(n):
        parent[index] = parent[parent[index]]
    return parent
