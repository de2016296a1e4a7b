from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pets_dir(assets_dir) -> Path:
    return assets_dir / "data" / "pets09_s2l1"
