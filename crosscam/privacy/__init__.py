"""Privacy: blur the faces of the people filmed in every exported image."""

from crosscam.privacy.face_blur import FaceBlurrer, blur_faces

__all__ = ["FaceBlurrer", "blur_faces"]
