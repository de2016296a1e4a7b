import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    """The shared assets: $CROSSCAM_ASSETS, else ../shared/assets beside the repository."""
    root = Path(os.environ.get("CROSSCAM_ASSETS", Path(__file__).parents[1] / "../shared/assets"))
    if not root.is_dir():
        pytest.skip(f"assets directory {root} not found")
    return root.resolve()
