import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    root = Path(os.environ.get("CROSSCAM_ASSETS", Path(__file__).parents[2] / "../shared/assets"))
    if not root.is_dir():
        pytest.skip(f"assets directory {root} not found")
    return root


@pytest.fixture(scope="session")
def pets_dir(assets_dir) -> Path:
    return assets_dir / "data" / "pets09_s2l1"
