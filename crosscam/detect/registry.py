"""Detectors by name.

Example:
    >>> from crosscam.detect import create_detector
    >>> detector = create_detector("bytetrack-nano")  # doctest: +SKIP
    >>> detections = detector.detect(image_bgr)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable

from crosscam.assets import resolve_file
from crosscam.detect.base import Detector
from crosscam.errors import CrosscamError

DEFAULT_DETECTOR = "bytetrack-nano"  # trained on pedestrians (CrowdHuman, MOT17, ...), not on all of COCO


def _bytetrack_nano(assets_dir, input_size) -> Detector:
    from crosscam.detect.yolox_onnx import YoloxOnnxDetector

    path = resolve_file("bytetrack_nano_mot17", assets_dir)
    return YoloxOnnxDetector(
        path, "bytetrack-nano", normalize_imagenet=True, trained_hw=(608, 1088), input_size=input_size
    )


def _yolox_nano_coco(assets_dir, input_size) -> Detector:
    from crosscam.detect.yolox_onnx import YoloxOnnxDetector

    path = resolve_file("yolox_nano_coco", assets_dir)
    # Trained at 416x416; that is too coarse for CCTV people, so the automatic size is 640 on the long side.
    return YoloxOnnxDetector(
        path, "yolox-nano-coco", normalize_imagenet=False, trained_hw=(640, 640), input_size=input_size
    )


def _openvino_0013(assets_dir, input_size) -> Detector:
    from crosscam.detect.openvino_ssd import OpenVinoSsdDetector

    path = resolve_file("person-detection-retail-0013.xml", assets_dir)
    resolve_file("person-detection-retail-0013.bin", assets_dir)
    # Native 320x544 misses small people; 544x960 is the better trade-off on CCTV frames.
    return OpenVinoSsdDetector(path, input_size=input_size or (544, 960))


DETECTORS: dict[str, tuple[Callable[..., Detector], str]] = {
    "bytetrack-nano": (_bytetrack_nano, "YOLOX-nano pedestrian model from ByteTrack (CrowdHuman, MOT17, ...), default"),
    "yolox-nano-coco": (_yolox_nano_coco, "YOLOX-Nano COCO, person class"),
    "openvino-0013": (_openvino_0013, "OpenVINO person-detection-retail-0013 (SSD), optional"),
}


def create_detector(
    name: str = DEFAULT_DETECTOR,
    assets_dir: str | os.PathLike | None = None,
    input_size: tuple[int, int] | None = None,
) -> Detector:
    """A detector by registry name; ``input_size`` (height, width) in multiples of 32, None = the model's scale."""
    if name not in DETECTORS:
        raise CrosscamError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    return DETECTORS[name][0](assets_dir, input_size)
