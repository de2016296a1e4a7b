"""Real crops from the shared assets and one loaded instance per embedder for the whole session."""

from pathlib import Path

import numpy as np
import pytest

from crosscam.embed.base import Embedder
from crosscam.embed.registry import available_embedders, create_embedder
from crosscam.imageio import read_bgr

# Ids 0001-0006 of CUHK01: other people than the Market-1501 query person.
CUHK01_OTHERS = [f"{pid:04d}{view:03d}.png" for pid in range(1, 7) for view in (1, 3)]


@pytest.fixture(scope="session")
def market_pair(assets_dir: Path) -> list[np.ndarray]:
    """Two Market-1501 crops of one person, camera 1 and camera 6 (different sizes, as they come)."""
    paths = sorted((assets_dir / "data/prw_frames/query").glob("*.jpg"))
    assert [path.name[:7] for path in paths] == ["0001_c1", "0001_c6"]
    return [read_bgr(path) for path in paths]


@pytest.fixture(scope="session")
def other_people(assets_dir: Path) -> list[np.ndarray]:
    """CUHK01 crops (60 x 160) of six other people, two views each."""
    root = assets_dir / "data/cuhk01/CUHK01/campus"
    return [read_bgr(root / name) for name in CUHK01_OTHERS]


@pytest.fixture(scope="session")
def crops(market_pair, other_people) -> list[np.ndarray]:
    return [*market_pair, *other_people]


@pytest.fixture(scope="session")
def embedder_for(assets_dir: Path):
    """``embedder_for(spec)``: a cached embedder; skips when the registry says it is unavailable here."""
    infos = {info.name: info for info in available_embedders(str(assets_dir))}
    cache: dict[str, Embedder] = {}

    def get(spec: str) -> Embedder:
        if spec not in cache:
            info = infos.get(spec)
            if info is not None and not info.available:
                pytest.skip(f"{spec} unavailable: {info.reason}")
            cache[spec] = create_embedder(spec, str(assets_dir))
        return cache[spec]

    return get
