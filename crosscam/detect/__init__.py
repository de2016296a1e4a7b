"""Person detection: one :class:`Detector` interface, boxes out as :class:`Detections`."""

from crosscam.detect.base import Detections, Detector
from crosscam.detect.registry import DETECTORS, create_detector

__all__ = ["DETECTORS", "Detections", "Detector", "create_detector"]
