"""Tracklet embeddings in an on-disk vector index: add / remove by tracklet id, search by cosine similarity.

Small indexes are an exact flat inner-product search. Past :data:`EXACT_LIMIT` vectors the index becomes an
inverted file (IVF, ``2 * sqrt(n)`` lists, k-means trained on a sample of the vectors) whose vectors are stored
as float16; a search visits :data:`NPROBE_FRACTION` of the lists, at least :data:`MIN_NPROBE` (``nprobe``):
sub-linear search at the price of a recall just under 1 (measured by ``benchmarks/query_scale.py``). It is
retrained when it has grown 4x past the size it was trained at, so the lists stay short (``nprobe`` is then
reset to the default). Remove is by tracklet id (erasure of a person removes their vectors for good).

Embeddings are expected L2-normalised, so inner product is cosine similarity. The whole index is one file,
written to a temporary file beside it and renamed into place, so a reader never sees half of one.

Example:
    >>> import numpy as np
    >>> index = VectorIndex(dim=2)
    >>> index.add([10, 11, 12], np.array([[1, 0], [0.6, 0.8], [0, 1]], np.float32))
    >>> ids, similarities = index.search(np.array([1, 0], np.float32), k=2)
    >>> ids.tolist(), np.round(similarities.astype(float), 2).tolist()
    ([[10, 11]], [[1.0, 0.6]])
    >>> index.remove([10])
    1
    >>> index.search(np.array([1, 0], np.float32), k=2, exclude=[11])[0].tolist()
    [[12, -1]]
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import faiss
import numpy as np

from crosscam.errors import CrosscamError

FILE_NAME = "embeddings.faiss"  # the index's file name inside an index directory
EXACT_LIMIT = 50_000  # flat (exact) search up to this many vectors; IVF above
NPROBE_FRACTION = 1 / 22  # share of the IVF lists searched: recall@10 0.994, p95 21 ms at 1M (query_scale.py)
MIN_NPROBE = 64  # and at least this many lists (smaller indexes: cheap, and recall 0.977 with 1/22 at 60k)
TRAIN_POINTS_PER_LIST = 32
TRAIN_ITERATIONS = 10
REGROW_FACTOR = 4


def _lists_for(n: int) -> int:
    return max(16, int(2 * np.sqrt(n)))


class VectorIndex:
    """Unit embeddings keyed by int64 tracklet id, searched by inner product."""

    def __init__(self, dim: int, exact_limit: int = EXACT_LIMIT) -> None:
        if dim <= 0:
            raise CrosscamError(f"vector index dimension {dim}: must be positive")
        self.dim, self.exact_limit = dim, exact_limit
        self._index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._trained_size = 0  # vectors the IVF lists were trained on; 0 while flat

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def nprobe(self) -> int | None:
        """IVF lists searched per query (None while the search is exact)."""
        return None if self.exact else int(self._index.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if self.exact:
            raise CrosscamError("vector index: nprobe applies to an IVF index, this one is still exact")
        self._index.nprobe = int(np.clip(value, 1, self._index.nlist))

    @property
    def exact(self) -> bool:
        """True while the search is an exact flat scan."""
        return self._trained_size == 0

    def _vectors(self, embeddings: np.ndarray, what: str) -> np.ndarray:
        vectors = np.ascontiguousarray(np.atleast_2d(np.asarray(embeddings, dtype=np.float32)))
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise CrosscamError(f"{what}: expected {self.dim}-dimensional vectors, got shape {vectors.shape}")
        if not np.isfinite(vectors).all():
            raise CrosscamError(f"{what}: embeddings hold NaN or infinite values")
        return vectors

    def add(self, ids: Sequence[int] | np.ndarray, embeddings: np.ndarray) -> None:
        """Add (or replace) the vectors of tracklets ``ids``."""
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
        vectors = self._vectors(embeddings, "vector index add")
        if len(ids) != len(vectors):
            raise CrosscamError(f"vector index add: {len(ids)} ids for {len(vectors)} embeddings")
        if len(np.unique(ids)) != len(ids):
            raise CrosscamError("vector index add: the same tracklet id twice in one call")
        if not len(ids):
            return
        self.remove(ids)
        size = len(self) + len(ids)
        if (self.exact and size > self.exact_limit) or (not self.exact and size > REGROW_FACTOR * self._trained_size):
            old_ids, old_vectors = self.items()
            self._build_ivf(np.concatenate([old_ids, ids]), np.concatenate([old_vectors, vectors]))
        else:
            self._index.add_with_ids(vectors, ids)

    def _build_ivf(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        nlist = _lists_for(len(ids))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        sample = rng.choice(len(ids), size=min(len(ids), TRAIN_POINTS_PER_LIST * nlist), replace=False)
        index.cp.niter, index.cp.min_points_per_centroid = TRAIN_ITERATIONS, TRAIN_POINTS_PER_LIST
        index.train(vectors[np.sort(sample)])
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.nprobe = min(nlist, max(MIN_NPROBE, int(np.ceil(nlist * NPROBE_FRACTION))))
        index.add_with_ids(vectors, ids)
        self._index, self._trained_size = index, len(ids)

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Remove the vectors of tracklets ``ids`` (absent ids are ignored); returns how many were removed."""
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
        if not len(ids) or not len(self):
            return 0
        # The IVF's id hash table removes only through an explicit id array.
        selector = faiss.IDSelectorBatch(ids) if self.exact else faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))
        return int(self._index.remove_ids(selector))

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything stored, in no particular order; IVF vectors come back as stored (float16)."""
        if self.exact:
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            return ids, self._index.index.reconstruct_n(0, len(ids)).reshape(len(ids), self.dim)
        lists = self._index.invlists
        ids = np.concatenate(
            [np.zeros(0, np.int64)]
            + [
                faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).astype(np.int64)
                for i in range(lists.nlist)
                if lists.list_size(i)
            ]
        )
        return ids, self._index.reconstruct_batch(ids) if len(ids) else np.zeros((0, self.dim), np.float32)

    def search(
        self, queries: np.ndarray, k: int, exclude: Sequence[int] | np.ndarray = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, similarities), each len(queries) x k, best first; -1 / -inf where fewer than k vectors qualify.

        ``exclude``: tracklet ids left out of every query's results (for example the query's own tracklet).
        """
        vectors = self._vectors(queries, "vector index search")
        exclude = np.asarray(exclude, dtype=np.int64).reshape(-1)
        if k <= 0:
            raise CrosscamError(f"vector index search: k = {k} must be positive")
        wanted = min(k + len(exclude), len(self))
        found_ids = np.full((len(vectors), k), -1, dtype=np.int64)
        found = np.full((len(vectors), k), -np.inf, dtype=np.float32)
        if wanted == 0:
            return found_ids, found
        similarities, ids = self._index.search(vectors, wanted)
        keep = ids >= 0
        if len(exclude):
            keep &= ~np.isin(ids, exclude)
        for row in range(len(vectors)):  # stable compaction of the kept results, best first
            kept = np.flatnonzero(keep[row])[:k]
            found_ids[row, : len(kept)], found[row, : len(kept)] = ids[row, kept], similarities[row, kept]
        return found_ids, found

    def search_until(
        self, query: np.ndarray, k: int, enough: Callable[[np.ndarray, np.ndarray], bool]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, similarities) of the ``k`` best vectors for one ``query``, best first, ``k`` doubled until
        ``enough(ids, similarities)`` holds or the whole index is returned (for example until the hits hold
        ``top`` identities: a person may own many of the best vectors)."""
        k = max(1, min(k, len(self)))
        while True:
            ids, similarities = (row[0] for row in self.search(query, k))
            found = ids >= 0
            ids, similarities = ids[found], similarities[found]
            if k >= len(self) or enough(ids, similarities):
                return ids, similarities
            k = min(len(self), 2 * k)

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` atomically (temporary file in the same folder, then rename)."""
        path = Path(path)
        if not path.parent.is_dir():
            raise CrosscamError(f"{path.parent}: no such directory for the vector index")
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(handle)
        try:
            faiss.write_index(self._index, temporary)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
        path = Path(path)
        if not path.is_file():
            raise CrosscamError(f"{path}: no vector index file")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as error:
            raise CrosscamError(f"{path}: not a readable vector index ({str(error).splitlines()[0]})") from None
        loaded = cls(index.d, exact_limit)
        if isinstance(index, faiss.IndexIVF):
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
            loaded._trained_size = max(1, (index.nlist // 2) ** 2)  # inverse of _lists_for
        elif not isinstance(index, faiss.IndexIDMap2):
            raise CrosscamError(f"{path}: {type(index).__name__} is not a crosscam vector index")
        loaded._index = index
        return loaded
