"""crosscam: person re-identification across CCTV cameras."""

__version__ = "0.1.0"
