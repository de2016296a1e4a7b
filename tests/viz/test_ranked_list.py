import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.reid.datasets import ReidSample
from crosscam.viz.ranked_list import (
    BORDER,
    GAP,
    GREEN,
    QUERY_GAP,
    RED,
    TILE_WIDTH,
    choose_queries,
    draw_ranked_lists,
    save_ranked_lists,
)

TILE = TILE_WIDTH + 2 * BORDER


@pytest.fixture
def samples(tmp_path):
    def image(name: str, value: int) -> ReidSample:
        path = tmp_path / name
        cv2.imwrite(str(path), np.full((32, 16, 3), value, np.uint8))
        pid, cam = (int(part) for part in path.stem.split("_")[:2])
        return ReidSample(path, pid, cam)

    query = [image("1_0_q.png", 10), image("2_0_q.png", 20)]
    # 1_0_same: same pid and camera as query 0 -> must not appear in its row.
    gallery = [image("1_0_same.png", 30), image("2_1_g.png", 40), image("1_1_g.png", 50), image("3_1_g.png", 60)]
    distmat = np.array([[0.0, 0.1, 0.2, 0.3], [0.9, 0.1, 0.8, 0.7]])
    return query, gallery, distmat


def _border_colour(image: np.ndarray, row_top: int, position: int) -> tuple[int, ...]:
    left = position * (TILE + GAP) + QUERY_GAP
    return tuple(int(v) for v in image[row_top + 1, left + 1])


def test_rows_follow_the_protocol_ranking_with_coloured_borders(samples):
    query, gallery, distmat = samples
    image = draw_ranked_lists(query, gallery, distmat, [0], top_k=3)
    # Query 0's ranking without the same-camera item: 2_1_g (wrong), 1_1_g (right), 3_1_g (wrong).
    assert [_border_colour(image, 0, position) for position in (1, 2, 3)] == [RED, GREEN, RED]
    interior = image[BORDER + 5, QUERY_GAP + (TILE + GAP) + BORDER + 5]
    assert int(interior[0]) == 40  # first match tile shows 2_1_g.png, not the removed 1_0_same.png
    assert image.shape[1] == 4 * (TILE + GAP) + QUERY_GAP


def test_choose_queries_modes():
    ap = np.array([0.9, 0.1, 0.5, 0.0])
    valid = np.array([True, True, True, False])
    assert choose_queries(ap, valid, "worst", 2).tolist() == [1, 2]
    assert choose_queries(ap, valid, "best", 2).tolist() == [0, 2]
    picked = choose_queries(ap, valid, "random", 2, seed=5)
    assert picked.tolist() == choose_queries(ap, valid, "random", 2, seed=5).tolist() and 3 not in picked
    with pytest.raises(CrosscamError, match="'median'"):
        choose_queries(ap, valid, "median", 2)


def test_save_writes_readable_png(samples, tmp_path):
    query, gallery, distmat = samples
    paths = save_ranked_lists(tmp_path / "vis", query, gallery, distmat, mode="worst", num_queries=2, top_k=2)
    assert [p.name for p in paths] == ["ranked_worst_01.png"]
    picture = cv2.imread(str(paths[0]))
    assert picture is not None and picture.shape[0] > 2 * TILE  # two rows
