"""crosscam: person re-identification across CCTV cameras.

The main job in a few lines::

    import crosscam

    result = crosscam.run_cameras(["lab_a=Double1.mp4@2026-11-25T08:00:00", "lab_b=Single1.mp4@2026-11-25T08:00:05"],
                                  out="out/epfl")
    for identity in result.identities:
        print(identity.global_id, [(a.camera, a.start_time) for a in identity.appearances])
    hits = crosscam.search_index("out/epfl", "person.jpg")

Also here: :func:`create_embedder`, :func:`create_detector`, :class:`IndexStore` / :func:`open_index`, the pure
:func:`associate`, :class:`RunConfig`, and the types every stage passes (:mod:`crosscam.types`). Importing
``crosscam`` loads none of them: each is imported on first use, so ``import crosscam`` stays light.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crosscam.store.index_store import IndexStore

__version__ = "0.1.0"

_EXPORTS = {
    "run_cameras": "crosscam.run",
    "RunConfig": "crosscam.config",
    "CameraSpec": "crosscam.cameras",
    "parse_camera_spec": "crosscam.cameras",
    "load_cameras_file": "crosscam.cameras",
    "associate": "crosscam.associate.associate",
    "AssociationConfig": "crosscam.associate.associate",
    "Association": "crosscam.associate.associate",
    "create_embedder": "crosscam.embed.registry",
    "create_detector": "crosscam.detect.registry",
    "IndexStore": "crosscam.store.index_store",
    "search_index": "crosscam.query",
    "CrosscamError": "crosscam.errors",
    **{
        name: "crosscam.types"
        for name in (
            "Camera",
            "TrackedBoxes",
            "Tracklet",
            "Appearance",
            "Identity",
            "RunResult",
            "QueryHit",
            "IdentityHit",
            "QueryResult",
        )
    },  # fmt: skip
}
__all__ = ["__version__", "open_index", *_EXPORTS]


def open_index(folder: str | os.PathLike) -> IndexStore:
    """The index of a run folder, read-only (:meth:`crosscam.store.index_store.IndexStore.open`)."""
    from crosscam.store.index_store import IndexStore

    return IndexStore.open(folder)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crosscam' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
