"""One configuration for ``crosscam run``: detector, tracker, crops and association, each default with its reason.

A cameras file may override any field under ``config:`` (nested like the dataclasses)::

    config:
      detector: yolox-nano-coco
      tracker: {max_lost_seconds: 2.0}
      crops: {max_crops: 8}
      association: {refine_grounds: false}

Transit windows and ground-plane calibrations live with the cameras they concern (see :mod:`crosscam.cameras`)
and end up in :attr:`RunConfig.association`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field

from crosscam.associate.associate import AssociationConfig
from crosscam.associate.tracklet_builder import CropConfig
from crosscam.detect.registry import DEFAULT_DETECTOR
from crosscam.errors import CrosscamError
from crosscam.track.interpolate import DEFAULT_INTERPOLATE_SECONDS
from crosscam.track.tracker import TrackerConfig

TRACKER_EMBEDDER = "osnet-x0.25-msmt17"  # IDF1 93.2 vs 85.4 motion-only on PETS09-S2L1 (benchmarks/pets09_tracking.py)


@dataclass(frozen=True)
class RunConfig:
    """Everything a run decides, with the reason for each default.

    Attributes:
        embedder: embedder spec for the tracklet embeddings across cameras; None: the most accurate one whose
            assets are available (:func:`crosscam.embed.registry.default_embedder_name`).
        detector: person detector; the ByteTrack YOLOX-nano is trained on pedestrians (CrowdHuman, MOT17), the
            COCO models on everything.
        detector_input: (height, width) of the detector's input, multiples of 32; None: the model's own scale for
            each frame size.
        tracker_embedder: appearance cue inside each camera's tracker (a fast model suffices there); None: motion
            only. When the default one's assets are missing the run falls back to motion only, with a note.
        tracker: the per-camera tracker; its ``fps`` is replaced by each source's rate (over the detection stride).
        detect_fps: detect and track at this many frames per second of video (every ``round(fps / detect_fps)``-th
            frame, the others interpolated); None: every frame (the accuracy and speed of 5: docs/scale_footage.md).
        interpolate_seconds: each track's gaps up to this long (a person missed by the detector, often hidden
            behind another) are filled by linear interpolation, as ``crosscam track`` does: 2 s was chosen by
            leave-one-sequence-out (docs/tracking.md); 0 fills only the frames ``detect_fps`` skips.
        crops: which crops describe a tracklet, and how many.
        association: transit windows, ground plane and its refinement; per-camera centring and the one-to-one
            step for co-visible people are there too, off by default (measured in docs/mtmc.md).
        blur: blur the faces in every image the run exports (thumbnails, recordings, videos): CCTV films people
            who did not consent (docs/privacy.md); False (``--no-blur``) only where that is allowed.
        strict: a video that ends before the frame count its container announced is an error (``--strict``);
            by default it is a warning recorded in the index, the report and ``identities.json``, since a cut
            file's frames are still worth searching.
    """

    embedder: str | None = None
    detector: str = DEFAULT_DETECTOR
    detector_input: tuple[int, int] | None = None
    tracker_embedder: str | None = TRACKER_EMBEDDER
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    detect_fps: float | None = None
    interpolate_seconds: float = DEFAULT_INTERPOLATE_SECONDS
    crops: CropConfig = CropConfig()
    association: AssociationConfig = AssociationConfig()
    blur: bool = True
    strict: bool = False


# Fields a cameras file cannot set under ``config:`` (they come from the cameras and transit entries).
_FROM_CAMERAS = {(AssociationConfig, "transit"), (AssociationConfig, "grounds"), (TrackerConfig, "fps")}


def config_from_mapping(values: dict, base: RunConfig | None = None, where: str = "config") -> RunConfig:
    """``base`` with the fields of ``values`` (nested dicts for the nested configurations) replaced.

    Unknown keys and values of the wrong type are :class:`CrosscamError` s naming the key.
    """
    return _replace(base or RunConfig(), values, where)


def _replace(instance, values, where: str):
    if not isinstance(values, dict):
        raise CrosscamError(f"{where}: expected a mapping, got {values!r}")
    cls = type(instance)
    fields = {f.name: f for f in dataclasses.fields(cls) if (cls, f.name) not in _FROM_CAMERAS}
    hints = typing.get_type_hints(cls)
    changes = {}
    for key, value in values.items():
        if key not in fields:
            raise CrosscamError(f"{where}: unknown setting {key!r}; known: {', '.join(sorted(fields))}")
        current = getattr(instance, key)
        if dataclasses.is_dataclass(current):
            changes[key] = _replace(current, value, f"{where}.{key}")
        else:
            changes[key] = _coerce(value, hints[key], f"{where}.{key}")
    return dataclasses.replace(instance, **changes)


def _coerce(value, hint, where: str):
    """``value`` as the field's type: int / float / bool / str, an optional of one, or a tuple of ints."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise CrosscamError(f"{where}: may not be empty")
    for option in options:
        if option is bool and isinstance(value, bool):
            return value
        if option in (int, float) and isinstance(value, int | float) and not isinstance(value, bool):
            if option is int and value != int(value):
                continue
            return option(value)
        if option is str and isinstance(value, str):
            return value
        if typing.get_origin(option) is tuple and isinstance(value, list | tuple):
            try:
                return tuple(int(v) for v in value)
            except (TypeError, ValueError):
                continue
    raise CrosscamError(f"{where}: {value!r} is not a valid value ({hint})")
