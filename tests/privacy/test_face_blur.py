import cv2
import numpy as np
import pytest

from crosscam.privacy import FaceBlurrer, blur_faces
from crosscam.privacy.face_blur import blur_boxes, decode, detection_scale, nms

# A face labelled by hand in benchmarks/data/faces.json (EPFL Single1.mp4, frame 100), x0, y0, x1, y1.
EPFL_FACE = (309, 27, 332, 54)


@pytest.fixture(scope="module")
def blurrer() -> FaceBlurrer:
    return FaceBlurrer()


@pytest.fixture(scope="module")
def epfl_frame(assets_dir) -> np.ndarray:
    capture = cv2.VideoCapture(str(assets_dir / "data" / "epfl_lab_2cam" / "Single1.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 100)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def centre_inside(box, boxes) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def test_detects_the_labelled_face_in_a_frame_and_in_a_person_crop(blurrer, epfl_frame):
    assert centre_inside(EPFL_FACE, blurrer.detect(epfl_frame))
    crop = epfl_frame[10:240, 270:370]  # the man, head to knees: the face is about 25 px tall
    found = blurrer.detect(crop)
    assert centre_inside((EPFL_FACE[0] - 270, EPFL_FACE[1] - 10, EPFL_FACE[2] - 270, EPFL_FACE[3] - 10), found)


def test_blur_changes_the_face_and_leaves_the_rest_and_the_input(blurrer, epfl_frame):
    original = epfl_frame.copy()
    blurred = blurrer.blur(epfl_frame)
    assert np.array_equal(epfl_frame, original)
    x0, y0, x1, y1 = EPFL_FACE
    face_before, face_after = original[y0:y1, x0:x1].astype(int), blurred[y0:y1, x0:x1].astype(int)
    assert np.abs(face_before - face_after).mean() > 3
    # Blurring removes detail: the Laplacian's energy in the face's middle (eyes, nose, mouth) drops.
    middle = np.s_[y0 + 6 : y1 - 6, x0 + 5 : x1 - 5]
    sharpness = [cv2.Laplacian(image[middle], cv2.CV_64F).var() for image in (original, blurred)]
    assert sharpness[1] < 0.2 * sharpness[0]
    assert np.array_equal(blurred[300:, :], original[300:, :])


def test_no_face_no_change_and_empty_images(blurrer):
    flat = np.full((120, 80, 3), 128, np.uint8)
    assert np.array_equal(blur_faces(flat), flat)
    assert blurrer.detect(np.zeros((0, 0, 3), np.uint8)).shape == (0, 5)


def test_detection_scale_upscales_small_crops_only():
    assert detection_scale(160, 60, 640, 4.0) == 4.0
    assert detection_scale(300, 100, 640, 4.0) == pytest.approx(640 / 300)
    assert detection_scale(1080, 1920, 640, 4.0) == 1.0


def test_decode_places_a_box_at_the_heat_map_peak():
    heatmap = np.zeros((1, 1, 8, 8), np.float32)
    heatmap[0, 0, 3, 5] = 0.9
    scale = np.full((1, 2, 8, 8), np.log(2.0), np.float32)  # 2 * stride = 8 px tall and wide
    offset = np.zeros((1, 2, 8, 8), np.float32)
    boxes = decode(heatmap, scale, offset, threshold=0.5)
    assert boxes.shape == (1, 5)
    np.testing.assert_allclose(boxes[0], [5.5 * 4 - 4, 3.5 * 4 - 4, 5.5 * 4 + 4, 3.5 * 4 + 4, 0.9], rtol=1e-6)
    assert decode(heatmap, scale, offset, threshold=0.95).shape == (0, 5)


def test_nms_drops_overlaps_and_keeps_separate_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], np.float64)
    assert sorted(nms(boxes, np.array([0.9, 0.8, 0.7]), 0.3).tolist()) == [0, 2]


def test_blur_boxes_clips_to_the_image():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)
    out = blur_boxes(image, np.array([[-10, -10, 12, 12], [50, 50, 60, 60]]))
    assert out.shape == image.shape
    assert not np.array_equal(out[:10, :10], image[:10, :10])
    assert np.array_equal(out[30:, 30:], image[30:, 30:])


def test_faces_in_person_boxes_of_a_frame(blurrer, epfl_frame):
    person = np.array([[285, 10, 360, 280]])  # the man's box (head to feet)
    found = blurrer.detect_in_people(epfl_frame, person)
    assert centre_inside(EPFL_FACE, found)
    blurred = blurrer.blur_people(epfl_frame, person)
    x0, y0, x1, y1 = EPFL_FACE
    assert np.abs(blurred[y0:y1, x0:x1].astype(int) - epfl_frame[y0:y1, x0:x1].astype(int)).mean() > 3
    assert np.array_equal(blurred[:, :250], epfl_frame[:, :250])  # only that person's face region changes
    assert blurrer.detect_in_people(epfl_frame, np.zeros((0, 4))).shape == (0, 5)


def test_a_missing_or_damaged_detector_is_a_one_line_error(monkeypatch, tmp_path):
    import crosscam.privacy.face_blur as face_blur
    from crosscam.errors import CrosscamError

    monkeypatch.setattr(face_blur, "MODEL_PATH", tmp_path / "centerface.onnx")
    with pytest.raises(CrosscamError, match="centerface.onnx is missing"):
        FaceBlurrer()
    (tmp_path / "centerface.onnx").write_bytes(b"\x08\x07garbage" * 10)
    with pytest.raises(CrosscamError, match="centerface.onnx is corrupt") as caught:
        FaceBlurrer()
    assert "\n" not in str(caught.value)
