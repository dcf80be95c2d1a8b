"""Face tracking for `track: face` stickers: OpenCV's Haar cascade, a Kalman filter, a follower.

Detection is the costly part, so it runs on a reduced grey copy of the frame and only every few
frames. Once a face is tracked, most detections look only at a small window around where the
face is predicted to be (scaled so the face is `ROI_FACE_PX` wide), with a full-frame scan now
and then to notice a more prominent face. Between detections a constant-velocity Kalman filter
(OpenCV's) predicts the face, and on detections it smooths the Haar boxes' jitter without the
lag a plain moving average would add to a moving face.

The cascade file ships in the opencv-python(-headless) 4.x wheels (`cv2.data.haarcascades`), so
nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from clipforge.errors import RenderError
from clipforge.overlay.state import LayerState

CASCADE = "haarcascade_frontalface_default.xml"
# Full scans run on a copy this wide; the smallest face found is MIN_FACE_PX there (about 9%
# of the frame width), which suits selfie footage. A full scan is the expensive detection
# (tens of ms), run only while searching or every `rescan_seconds` while tracking.
DETECT_WIDTH = 256
MIN_FACE_PX = 24
# Window scans: the face is scaled to this width, in a window this many face widths wide
# (about 1/8 of a full scan's cost) ...
ROI_FACE_PX = 64
ROI_FACES = 1.8
# ... looking for faces within this range of the predicted size (a face's size changes slowly;
# fewer sizes to try is most of what makes a window scan cheap).
ROI_SIZES = (0.8, 1.25)


@dataclass(frozen=True)
class Face:
    """A face box: centre and size in output pixels."""

    x: float
    y: float
    width: float
    height: float

    def distance(self, other: Face) -> float:
        """Centre distance in this face's widths."""
        return float(np.hypot(self.x - other.x, self.y - other.y) / max(self.width, 1.0))


def _cascade_path() -> Path:
    return Path(cv2.data.haarcascades) / CASCADE


class FaceDetector:
    """Finds frontal faces with OpenCV's Haar cascade, on reduced grey copies of RGB frames."""

    def __init__(self, detect_width: int = DETECT_WIDTH, min_face_px: int = MIN_FACE_PX):
        self._cascade = cv2.CascadeClassifier(str(_cascade_path()))
        if self._cascade.empty():
            raise RenderError(
                f"cannot load OpenCV's face detector {_cascade_path()}; face tracking needs "
                "opencv-python-headless 4.x (5.0 dropped the Haar cascades)"
            )
        self.detect_width = detect_width
        self.min_face_px = min_face_px

    def find_all(self, frame: np.ndarray) -> list[Face]:
        """Every face in the whole RGB frame, largest first."""
        h, w = frame.shape[:2]
        scale = min(1.0, self.detect_width / w)
        small = (
            cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            if scale < 1.0
            else frame
        )
        boxes = self._detect(small, 1.1, 4, self.min_face_px, None)
        return _faces(boxes, 1.0 / scale, 0.0, 0.0)

    def find_near(self, frame: np.ndarray, around: Face) -> list[Face]:
        """Faces of about `around`'s size in a window around it, largest first."""
        h, w = frame.shape[:2]
        half = ROI_FACES * around.width / 2
        x0, y0 = max(0, int(around.x - half)), max(0, int(around.y - half))
        x1, y1 = min(w, int(around.x + half) + 1), min(h, int(around.y + half) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        scale = min(1.0, ROI_FACE_PX / max(around.width, 1.0))
        crop = frame[y0:y1, x0:x1]
        if scale < 1.0:
            size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        face_px = around.width * scale
        low, high = ROI_SIZES
        boxes = self._detect(crop, 1.1, 3, max(MIN_FACE_PX, int(face_px * low)), face_px * high)
        return _faces(boxes, 1.0 / scale, x0, y0)

    def _detect(
        self, rgb: np.ndarray, step: float, neighbours: int, min_px: int, max_px: float | None
    ) -> np.ndarray:
        # OpenCV works on grey; equalising makes the cascade tolerate dim or flat footage.
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if min(grey.shape) < min_px:
            return np.empty((0, 4))
        # (0, 0) means no upper limit to OpenCV.
        max_size = (int(max_px), int(max_px)) if max_px else (0, 0)
        return np.asarray(
            self._cascade.detectMultiScale(
                grey,
                scaleFactor=step,
                minNeighbors=neighbours,
                minSize=(min_px, min_px),
                maxSize=max_size,
            )
        ).reshape(-1, 4)


def _faces(boxes: np.ndarray, scale: float, x0: float, y0: float) -> list[Face]:
    faces = [
        Face(x0 + (x + w / 2) * scale, y0 + (y + h / 2) * scale, w * scale, h * scale)
        for x, y, w, h in boxes.tolist()
    ]
    return sorted(faces, key=lambda f: -f.width * f.height)


class _Smoother:
    """Constant-velocity Kalman filter on (x, y, width), in output pixels."""

    # Haar boxes wobble by a few percent of the face width from frame to frame.
    MEASURE_NOISE = (0.04, 0.04, 0.05)  # x, y, width; in face widths (std)
    # How quickly the motion may change: acceleration std in face widths per s^2, for x, y
    # and the width (a face nears or leaves the camera more slowly than it moves across).
    ACCELERATION = (12.0, 12.0, 2.0)

    def __init__(self, face: Face):
        self.kf = cv2.KalmanFilter(6, 3, 0, cv2.CV_64F)
        self.kf.measurementMatrix = np.hstack([np.eye(3), np.zeros((3, 3))])
        self.kf.statePost = np.array([[face.x], [face.y], [face.width], [0.0], [0.0], [0.0]])
        w = face.width
        # Unknown speed at first: up to several face widths per second (a quick head turn).
        self.kf.errorCovPost = np.diag([(0.05 * w) ** 2] * 3 + [(6.0 * w) ** 2] * 3)
        self.aspect = face.height / face.width

    def predict(self, dt: float) -> None:
        if dt <= 0:
            return
        w = max(float(self.kf.statePost[2, 0]), 1.0)
        f = np.eye(6)
        f[0, 3] = f[1, 4] = f[2, 5] = dt
        self.kf.transitionMatrix = f
        # White-noise acceleration model, per axis: [[dt^4/4, dt^3/2], [dt^3/2, dt^2]] * a^2.
        block = np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]])
        cov = np.zeros((6, 6))
        for i, a in enumerate(self.ACCELERATION):
            cov[np.ix_([i, i + 3], [i, i + 3])] = block * (a * w) ** 2
        self.kf.processNoiseCov = cov
        self.kf.predict()

    def correct(self, face: Face) -> None:
        w = max(float(self.kf.statePost[2, 0]), 1.0)
        self.kf.measurementNoiseCov = np.diag([(n * w) ** 2 for n in self.MEASURE_NOISE])
        self.kf.correct(np.array([[face.x], [face.y], [face.width]]))
        self.aspect = 0.8 * self.aspect + 0.2 * face.height / face.width

    @property
    def face(self) -> Face:
        x, y, w = (float(v) for v in self.kf.statePost[:3, 0])
        return Face(x, y, w, w * self.aspect)


class FaceTracker:
    """Follows the most prominent face through the frames it is shown, in order.

    Call `observe(frame, t)` once per output frame (the footage, before filters), then read
    `face` for the smoothed face at that frame, or None while no face is tracked.

    Args:
        detector: the face detector (default: a `FaceDetector`).
        detect_every: frames between detections while a face is tracked.
        search_seconds: time between full scans while no face is tracked.
        rescan_seconds: time between full scans while a face is tracked (a bigger face may
            have come in).
        lost_seconds: a face not detected for this long is lost.
        confirm: detections needed before a new face counts (a lone false hit never shows).
    """

    def __init__(
        self,
        detector: FaceDetector | None = None,
        detect_every: int = 2,
        search_seconds: float = 0.2,
        rescan_seconds: float = 2.0,
        lost_seconds: float = 0.5,
        confirm: int = 2,
    ):
        self.detector = detector or FaceDetector()
        self.detect_every = detect_every
        self.search_seconds = search_seconds
        self.rescan_seconds = rescan_seconds
        self.lost_seconds = lost_seconds
        self.confirm = confirm
        self.detections = 0  # how many detector runs so far (for tests and benchmarks)
        self._smoother: _Smoother | None = None
        self._hits = 0
        self._frames = 0
        self._t: float | None = None
        self._seen_at = -np.inf
        self._scan_at = -np.inf

    @property
    def face(self) -> Face | None:
        """The tracked face at the last observed frame, or None."""
        if self._smoother is None or self._hits < self.confirm:
            return None
        return self._smoother.face

    def observe(self, frame: np.ndarray, t: float) -> None:
        """Look at the frame shown at output time t (RGB, output size)."""
        if self._smoother is not None and self._t is not None:
            self._smoother.predict(t - self._t)
        self._t = t
        self._frames += 1
        if self._smoother is None:
            if t - self._scan_at >= self.search_seconds - 1e-9:
                self._scan(frame, t)
            return
        if (self._frames - 1) % self.detect_every == 0:
            self._update(frame, t)
        if t - self._seen_at > self.lost_seconds:
            self._smoother, self._hits = None, 0

    def _scan(self, frame: np.ndarray, t: float) -> list[Face]:
        self._scan_at = t
        self.detections += 1
        faces = self.detector.find_all(frame)
        if faces and self._smoother is None:
            self._start(faces[0], t)
        return faces

    def _update(self, frame: np.ndarray, t: float) -> None:
        assert self._smoother is not None
        predicted = self._smoother.face
        if t - self._scan_at >= self.rescan_seconds:
            faces = self._scan(frame, t)
        else:
            self.detections += 1
            faces = self.detector.find_near(frame, predicted)
            if not faces:
                faces = self._scan(frame, t)
        if not faces:
            return
        largest = faces[0]
        near = [f for f in faces if predicted.distance(f) < 1.0]
        # Keep the face being followed unless another is clearly more prominent.
        if near and near[0].width * near[0].height >= 0.5 * largest.width * largest.height:
            self._smoother.correct(near[0])
            self._hits += 1
            self._seen_at = t
        else:
            self._start(largest, t)

    def _start(self, face: Face, t: float) -> None:
        self._smoother = _Smoother(face)
        self._hits = 1
        self._seen_at = t


@dataclass
class FaceFollow:
    """A modifier that puts a sticker on the tracked face, sized in face widths.

    Attributes:
        tracker: the render's face tracker.
        offset: (x in face widths, y in face heights) from the face centre to the anchor point.
        scale: sticker width in face widths.
        aspect: the sticker's height / width.
        hide_when_lost: hide while no face is tracked; otherwise stay where the face was last
            (or where the sticker's own `at` says, before any face was found).
    """

    tracker: FaceTracker
    offset: tuple[float, float]
    scale: float
    aspect: float
    hide_when_lost: bool = True
    _last: Face | None = None

    def __call__(self, state: LayerState, local_t: float, t: float) -> LayerState | None:
        face = self.tracker.face
        if face is None:
            if self.hide_when_lost:
                return None
            face = self._last
            if face is None:
                return state
        self._last = face
        width = self.scale * face.width
        at = (face.x + self.offset[0] * face.width, face.y + self.offset[1] * face.height)
        return replace(state, at=at, width=width, height=width * self.aspect)
