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
* ``sparse``: candidate pairs from a k-nearest-neighbour search (faiss), a
  priority queue with lazy deletion holding each cluster's best candidate
  pair, constraints checked per cluster pair from per-camera interval lists
  (no n x n matrix anywhere). Every candidate's average linkage is exact over
  *all* its cross pairs, not only the graph's edges: with dot-product
  similarity the sum over cross pairs is the dot product of the clusters'
  summed embeddings (plus the ``together`` corrections, kept per cluster pair).
  A cluster pair with mean >= threshold has at least one cross pair >=
  threshold, so when the kNN search returns every non-forbidden pair >=
  threshold the candidate set holds every pair that can merge and the result
  equals the dense one (ties are broken the same way; float rounding of the
  means differs by ~1e-7, which matters only for means that tie to that
  precision). The search widens k for tracklets whose k-th neighbour is still
  above the threshold (up to ``max_neighbours``), and is exact (flat) up to
  ``FLAT_SEARCH_LIMIT`` tracklets. Where it can differ, on large inputs: the
  HNSW search above that size misses a few neighbours above the threshold
  (97 % found at 100k in benchmarks/association_scale.py), and a tracklet with
  more than ``max_neighbours`` neighbours above the threshold keeps only the
  nearest. A cluster pair none of whose above-threshold cross pairs was found
  is never considered, so that merge is missed (and, since constraints depend
  on what was merged before, later merges can differ).

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
FLAT_SEARCH_LIMIT = 10_000  # exact (flat) neighbour search up to this many tracklets, HNSW graph above
HNSW_LINKS, HNSW_BUILD_DEPTH, HNSW_SEARCH_DEPTH = 16, 40, 64  # measured: 97 % of the pairs >= threshold at 100k
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
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs m x 2 with first < second, their similarities) of the tracklets whose similarity may be >= threshold.

    Each tracklet's nearest neighbours by inner product: k of them, doubled (up to ``max_neighbours``) for the
    tracklets whose k-th neighbour is still above the threshold. Exact flat search up to
    :data:`FLAT_SEARCH_LIMIT` tracklets, an HNSW graph above (see the module docstring for what that misses).
    """
    import faiss

    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    n, dim = x.shape
    if n <= FLAT_SEARCH_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_BUILD_DEPTH
    index.add(x)
    margin = 1e-4  # float32 search vs float64 linkage: keep pairs a hair below the threshold too
    rows_out, cols_out, scores_out = [], [], []
    pending = np.arange(n)
    while len(pending):
        k = min(k, n, max_neighbours)
        if n > FLAT_SEARCH_LIMIT:
            index.hnsw.efSearch = max(HNSW_SEARCH_DEPTH, 2 * k)
        scores, found = index.search(x[pending], k)
        keep = (found >= 0) & (scores >= threshold - margin)
        rows_out.append(np.repeat(pending, keep.sum(1)))
        cols_out.append(found[keep])
        scores_out.append(scores[keep])
        saturated = keep[:, -1] & (k < min(n, max_neighbours))
        pending, k = pending[saturated], 2 * k
        if len(pending):  # searched again with a larger k: drop this round's rows of those tracklets
            drop = np.isin(rows_out[-1], pending)
            rows_out[-1], cols_out[-1], scores_out[-1] = (part[-1][~drop] for part in (rows_out, cols_out, scores_out))
    rows, cols, scores = (np.concatenate(part) for part in (rows_out, cols_out, scores_out))
    codes, first = np.unique(np.minimum(rows, cols) * n + np.maximum(rows, cols), return_index=True)
    pairs, scores = np.stack(np.divmod(codes, n), axis=1), scores[first].astype(np.float64)
    return pairs[pairs[:, 0] != pairs[:, 1]], scores[pairs[:, 0] != pairs[:, 1]]


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
    candidates: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The dense algorithm's merges over a sparse candidate graph (module docstring); cluster ids are their
    smallest member, as in the dense one. ``candidates``: (pairs, similarities) as :func:`neighbour_pairs` gives."""
    n = len(timeline.camera)
    x = np.asarray(embeddings, dtype=np.float32)
    pairs, similarity = neighbour_pairs(x, threshold) if candidates is None else candidates
    sums = x.astype(np.float64)  # summed member embeddings per cluster: sum over cross pairs = dot of the sums
    if len(together_pairs):
        new = ~np.isin(together_pairs[:, 0] * n + together_pairs[:, 1], pairs[:, 0] * n + pairs[:, 1])
        added = together_pairs[new]
        pairs = np.concatenate([pairs, added])
        similarity = np.concatenate([similarity, np.einsum("ij,ij->i", sums[added[:, 0]], sums[added[:, 1]])])
    allowed = ~timeline.forbidden(pairs[:, 0], pairs[:, 1])
    if len(apart_pairs):
        allowed &= ~np.isin(pairs[:, 0] * n + pairs[:, 1], apart_pairs[:, 0] * n + apart_pairs[:, 1])
    pairs, similarity = pairs[allowed], similarity[allowed]
    # Correction per cluster pair: together pairs count 1 instead of their dot product.
    extra: list[dict[int, float]] | None = None
    if len(together_pairs):
        extra = [{} for _ in range(n)]
        is_together = np.isin(pairs[:, 0] * n + pairs[:, 1], together_pairs[:, 0] * n + together_pairs[:, 1])
        for a, b, s in zip(*pairs[is_together].T.tolist(), similarity[is_together].tolist(), strict=True):
            extra[a][b] = extra[b][a] = 1.0 - s
        similarity[is_together] = 1.0
    # links[c]: neighbour cluster -> current mean link. best_key[c]: c's best pair (highest mean, then lowest
    # partner; key i * n + j, i < j: the dense argmax's order), best_mean[c] its mean, -1 / -inf if none.
    # The heap holds (-mean, key) entries; an entry is current while links[i][j] still holds that mean. Every
    # live cluster's best pair has a heap entry, or one ordered before it whose pop rescans the cluster: average
    # linkage is reducible (the mean to a merged cluster is a weighted mean of the two), so bests only drop.
    links: list[dict[int, float] | None] = [{} for _ in range(n)]
    for a, b, s in zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), similarity.tolist(), strict=True):
        links[a][b] = links[b][a] = s
    best_key, best_mean = [-1] * n, [-np.inf] * n
    heap: list[tuple[float, int]] = []
    if len(pairs):
        nodes = np.concatenate([pairs[:, 0], pairs[:, 1]])
        partners = np.concatenate([pairs[:, 1], pairs[:, 0]])
        order = np.lexsort((partners, -np.concatenate([similarity, similarity]), nodes))
        first = order[np.r_[True, nodes[order][1:] != nodes[order][:-1]]]
        keys = np.minimum(nodes[first], partners[first]) * n + np.maximum(nodes[first], partners[first])
        means = np.concatenate([similarity, similarity])[first]
        for node, key, mean in zip(nodes[first].tolist(), keys.tolist(), means.tolist(), strict=True):
            best_key[node], best_mean[node] = key, mean
        above = means >= threshold
        heap = sorted(set(zip((-means[above]).tolist(), keys[above].tolist(), strict=True)))

    def rescan(c: int) -> None:
        links_c = links[c]
        if not links_c:
            best_key[c], best_mean[c] = -1, -np.inf
            return
        mean = max(links_c.values())
        other = min(o for o, v in links_c.items() if v == mean)
        best_key[c], best_mean[c] = (other * n + c if other < c else c * n + other), mean
        if mean >= threshold:
            heapq.heappush(heap, (-mean, best_key[c]))

    sizes = np.ones(n)
    parent = np.arange(n)
    constraints = _Constraints(timeline, apart_pairs)
    while heap:
        negative_mean, key = heapq.heappop(heap)
        i, j = divmod(key, n)
        links_i, links_j = links[i], links[j]
        if links_i is None or links_j is None or links_i.get(j) != -negative_mean:
            for c in (i, j):
                if links[c] is not None and best_key[c] == key:
                    rescan(c)
            continue
        if constraints.forbidden(i, j):  # forever: constraints only grow as clusters merge
            del links_i[j], links_j[i]
            if extra is not None:
                extra[i].pop(j, None), extra[j].pop(i, None)
            for c in (i, j):
                if best_key[c] == key:
                    rescan(c)
            continue
        # Merge j into i (i < j).
        constraints.merge(i, j)
        sums[i] += sums[j]
        sizes[i] += sizes[j]
        parent[j] = i
        del links_i[j], links_j[i]
        for other in links_j:
            del links[other][j]
        links[j] = None
        others = list(links_i.keys() | links_j.keys())
        links[i] = {}
        if not others:
            best_key[i], best_mean[i] = -1, -np.inf
            continue
        indices = np.array(others)
        linked = sums[indices] @ sums[i]
        if extra is not None:
            extra_i, extra_j = extra[i], extra[j]
            extra_i.pop(j, None), extra_j.pop(i, None)
            for other in extra_j:
                extra[other][i] = extra_i[other] = extra_i.get(other, 0.0) + extra[other].pop(j)
            extra[j] = None
            linked += np.array([extra_i.get(other, 0.0) for other in others])
        means = (linked / (sizes[indices] * sizes[i])).tolist()
        links[i] = dict(zip(others, means, strict=True))
        rescan(i)
        for other, mean in zip(others, means, strict=True):
            links[other][i] = mean
            pair = other * n + i if other < i else i * n + other
            old_key, old_mean = best_key[other], best_mean[other]
            old_partner = old_key // n + old_key % n - other if old_key >= 0 else -1
            if mean > old_mean or (mean == old_mean and (pair < old_key or old_partner in (i, j))):
                best_key[other], best_mean[other] = pair, mean
                if mean >= threshold:
                    heapq.heappush(heap, (-mean, pair))
    # Follow merges to each tracklet's final cluster (parents always have smaller indices).
    for index in range(n):
        parent[index] = parent[parent[index]]
    return parent


def complete_co_visible(
    embeddings: np.ndarray,
    spans: list[TrackletSpan],
    labels: np.ndarray,
    threshold: float,
    margin: float,
    transit: Sequence[TransitWindow] = (),
    apart: np.ndarray | None = None,
) -> np.ndarray:
    """``labels`` with pairs of identities merged that are each other's best partner and seen at the same time.

    After clustering at ``threshold``, two identities ``X``, ``Y`` still apart are merged when their average
    linkage is at least ``threshold - margin``, no constraint forbids it, ``Y`` is the allowed identity most like
    ``X`` (within that relaxed threshold) and ``X`` the one most like ``Y``, and a tracklet of ``X`` and one of
    ``Y`` in two different cameras overlap in time: the pair a one-to-one (Hungarian) assignment between the
    people two cameras see at once would make. Repeated until nothing changes; labels 0..k-1 in order of first
    appearance.
    """
    n = len(spans)
    labels = np.asarray(labels, dtype=np.int64).copy()
    if n < 2 or margin <= 0:
        return labels
    x = np.asarray(embeddings, dtype=np.float32)
    timeline = _Timeline(spans, transit)
    apart_pairs = evidence_pairs(apart, n, "apart")
    if n <= DENSE_LIMIT:
        rows, cols = np.triu_indices(n, k=1)
        keep = np.einsum("ij,ij->i", x[rows], x[cols]) >= threshold - margin
        pairs = np.stack([rows[keep], cols[keep]], axis=1)
    else:
        pairs = neighbour_pairs(x, threshold - margin)[0]
    pairs = pairs[~timeline.forbidden(pairs[:, 0], pairs[:, 1])]
    a, b = pairs[:, 0], pairs[:, 1]
    co_visible = (timeline.camera[a] != timeline.camera[b]) & (timeline.start[a] <= timeline.end[b])
    co_visible &= timeline.start[b] <= timeline.end[a]
    while True:
        roots, position = np.unique(labels, return_inverse=True)
        sums = np.zeros((len(roots), x.shape[1]))
        np.add.at(sums, position, x.astype(np.float64))
        sizes = np.bincount(position, minlength=len(roots))
        constraints = _Constraints(timeline, apart_pairs)
        order = np.argsort(position, kind="stable")
        first = order[np.r_[0, np.flatnonzero(np.diff(position[order])) + 1]]  # smallest member of each identity
        for tracklet in order.tolist():
            if tracklet != first[position[tracklet]]:
                constraints.merge(int(first[position[tracklet]]), tracklet)
        linked: dict[tuple[int, int], tuple[float, bool]] = {}
        for (p, q), seen_together in zip(np.sort(position[pairs], axis=1).tolist(), co_visible.tolist(), strict=True):
            if p != q:
                mean, together = linked.get((p, q), (None, False))
                if mean is None:
                    mean = float(sums[p] @ sums[q]) / (sizes[p] * sizes[q])
                linked[(p, q)] = (mean, together or seen_together)
        linked = {
            pq: value
            for pq, value in linked.items()
            if value[0] >= threshold - margin and not constraints.forbidden(int(first[pq[0]]), int(first[pq[1]]))
        }
        best: dict[int, tuple[float, int]] = {}
        for (p, q), (mean, _) in linked.items():
            for one, other in ((p, q), (q, p)):
                if mean > best.get(one, (-np.inf, -1))[0]:
                    best[one] = (mean, other)
        merges = [(p, q) for (p, q), (_, seen) in linked.items() if seen and best[p][1] == q and best[q][1] == p]
        if not merges:
            return first_appearance_order(labels)
        for p, q in merges:
            labels[position == q] = roots[p]
