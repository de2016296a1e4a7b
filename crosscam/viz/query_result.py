"""A picture of a query result: the query crop, then the best tracklets with identity, camera, time and P(same)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from crosscam.imageio import read_bgr
from crosscam.types import QueryHit

TILE_HEIGHT, TILE_WIDTH, CAPTION = 256, 128, 58


def _tile(image: np.ndarray, lines: list[str], border: tuple[int, int, int] | None) -> np.ndarray:
    tile = np.full((TILE_HEIGHT + CAPTION, TILE_WIDTH, 3), 255, np.uint8)
    tile[:TILE_HEIGHT] = cv2.resize(image, (TILE_WIDTH, TILE_HEIGHT))
    if border:
        cv2.rectangle(tile, (0, 0), (TILE_WIDTH - 1, TILE_HEIGHT - 1), border, 4)
    for i, line in enumerate(lines):
        cv2.putText(tile, line, (3, TILE_HEIGHT + 16 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
    return tile


def draw_query_result(
    query: np.ndarray, hits: Sequence[QueryHit], run_folder: Path, path: Path, blur: bool = True
) -> Path:
    """Query tile, then one tile per hit (border colour: green P >= 0.5, red below).

    ``blur``: faces blurred in every tile (the query crop too; thumbnails of a ``--no-blur`` run as well).
    """
    from crosscam.privacy.face_blur import blur_faces  # the model loads on first use only

    def shown(image: np.ndarray) -> np.ndarray:
        return blur_faces(image) if blur else image

    tiles = [_tile(shown(query), ["query"], (255, 0, 0))]
    for hit in hits:
        colour = (0, 170, 0) if hit.probability >= 0.5 else (0, 0, 220)
        tracklet = hit.tracklet
        lines = [
            f"P{hit.global_id} {tracklet.camera}",
            f"t {tracklet.start:.1f}-{tracklet.end:.1f}s",
            f"p={hit.probability:.2f} cos={hit.similarity:.2f}",
        ]
        tiles.append(_tile(shown(read_bgr(run_folder / tracklet.thumbnail)), lines, colour))
    gap = np.full((TILE_HEIGHT + CAPTION, 6, 3), 255, np.uint8)
    row = np.hstack([part for tile in tiles for part in (tile, gap)][:-1])
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), row)
    return path
