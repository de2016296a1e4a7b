"""Ranked-list pictures: one row per query, then its top-k gallery matches.

Each gallery tile is labelled with its score and its person id / camera; with
known labels the border is green for the query's person and red otherwise. The
gallery items that the Market protocol removes for a query (same person AND
same camera) are removed here too, so the picture shows exactly the ranking the
numbers were computed from. Queries are picked at random (seeded), or the worst
or best by average precision.

Example:
    >>> paths = save_ranked_lists("out/vis", query, gallery, distmat, mode="worst")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import labels_of, per_query_scores
from crosscam.imageio import read_bgr

MODES = ("random", "worst", "best")
TILE_HEIGHT, TILE_WIDTH = 160, 80
BORDER = 5
CAPTION_HEIGHT = 34
GAP = 6
QUERY_GAP = 24  # extra space between the query and its matches
ROWS_PER_IMAGE = 8
GREEN, RED, GREY, BLUE = (40, 170, 40), (40, 40, 220), (150, 150, 150), (200, 120, 0)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def choose_queries(ap: np.ndarray, valid: np.ndarray, mode: str, count: int, seed: int = 0) -> np.ndarray:
    """Indices of ``count`` valid queries: seeded random, lowest AP first (``worst``) or highest first (``best``)."""
    if mode not in MODES:
        raise CrosscamError(f"unknown visualisation mode {mode!r}; choose one of {', '.join(MODES)}")
    candidates = np.flatnonzero(valid)
    if mode == "random":
        return np.sort(np.random.default_rng(seed).permutation(candidates)[:count])
    order = np.argsort(ap[candidates], kind="stable")
    return candidates[order if mode == "worst" else order[::-1]][:count]


def _tile(path: Path, border_colour: tuple[int, int, int], lines: Sequence[str]) -> np.ndarray:
    """A crop resized into a coloured frame with up to two caption lines under it."""
    height, width = TILE_HEIGHT + 2 * BORDER, TILE_WIDTH + 2 * BORDER
    tile = np.full((height + CAPTION_HEIGHT, width, 3), 255, np.uint8)
    tile[:height] = border_colour
    tile[BORDER : BORDER + TILE_HEIGHT, BORDER : BORDER + TILE_WIDTH] = cv2.resize(
        read_bgr(path), (TILE_WIDTH, TILE_HEIGHT), interpolation=cv2.INTER_AREA
    )
    for line_number, text in enumerate(lines[:2]):
        baseline = height + 14 + 15 * line_number
        cv2.putText(tile, text, (2, baseline), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return tile


def _row(query_index, query, gallery, distmat, ap, top_k, labels_known, similarity) -> np.ndarray:
    sample = query[query_index]
    distances = distmat[query_index]
    keep = [
        index
        for index in np.argsort(distances, kind="stable")
        if not (gallery[index].pid == sample.pid and gallery[index].camid == sample.camid)
    ][:top_k]
    caption = [f"query id {sample.pid}", f"cam {sample.camid}" + (f" AP {100 * ap:.1f}%" if labels_known else "")]
    tiles = [_tile(sample.path, BLUE, caption)]
    for index in keep:
        match = gallery[index]
        colour = (GREEN if match.pid == sample.pid else RED) if labels_known else GREY
        score = f"sim {1 - distances[index]:.3f}" if similarity else f"dist {distances[index]:.3f}"
        tiles.append(_tile(match.path, colour, [score, f"id {match.pid} cam {match.camid}"]))
    height, width = tiles[0].shape[:2]
    row = np.full((height, len(tiles) * (width + GAP) + QUERY_GAP, 3), 255, np.uint8)
    for position, tile in enumerate(tiles):
        left = position * (width + GAP) + (QUERY_GAP if position else 0)
        row[:, left : left + width] = tile
    return row


def draw_ranked_lists(
    query: Sequence,
    gallery: Sequence,
    distmat: np.ndarray,
    query_indices: Sequence[int],
    top_k: int = 10,
    labels_known: bool = True,
    similarity: bool = True,
) -> np.ndarray:
    """One BGR image: a row per query in ``query_indices`` (ReidSample lists; ``distmat`` is queries x gallery).

    ``similarity=True`` labels tiles with ``1 - distance`` (cosine similarity for
    cosine distances); otherwise with the distance itself (e.g. after re-ranking).
    """
    query_pids, query_cams = labels_of(query)
    gallery_pids, gallery_cams = labels_of(gallery)
    _, _, ap, _ = per_query_scores(distmat, query_pids, gallery_pids, query_cams, gallery_cams)
    rows = [_row(i, query, gallery, distmat, ap[i], top_k, labels_known, similarity) for i in query_indices]
    width = max(row.shape[1] for row in rows)
    padded = [np.pad(row, ((0, GAP), (0, width - row.shape[1]), (0, 0)), constant_values=255) for row in rows]
    return np.concatenate(padded, axis=0)


def save_ranked_lists(
    out_dir: str | Path,
    query: Sequence,
    gallery: Sequence,
    distmat: np.ndarray,
    mode: str = "random",
    num_queries: int = 8,
    top_k: int = 10,
    seed: int = 0,
    labels_known: bool = True,
    similarity: bool = True,
    prefix: str = "ranked",
) -> list[Path]:
    """Write PNG grids (at most :data:`ROWS_PER_IMAGE` queries each) to ``out_dir``; returns their paths."""
    query_pids, query_cams = labels_of(query)
    gallery_pids, gallery_cams = labels_of(gallery)
    valid, _, ap, _ = per_query_scores(distmat, query_pids, gallery_pids, query_cams, gallery_cams)
    if not labels_known:
        valid = np.ones(len(query), dtype=bool)
        mode = "random"  # worst / best need labels
    chosen = choose_queries(ap, valid, mode, num_queries, seed)
    if len(chosen) == 0:
        raise CrosscamError("no query to visualise (no query has a true match from another camera)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for page, start in enumerate(range(0, len(chosen), ROWS_PER_IMAGE), start=1):
        image = draw_ranked_lists(
            query, gallery, distmat, chosen[start : start + ROWS_PER_IMAGE], top_k, labels_known, similarity
        )
        path = out_dir / f"{prefix}_{mode}_{page:02d}.png"
        if not cv2.imwrite(str(path), image):
            raise CrosscamError(f"{path}: cannot write PNG")
        written.append(path)
    return written
