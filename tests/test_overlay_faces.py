"""Face tracking on real face photos moved across synthetic footage, measured in face widths."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.geometry import Geometry
from clipforge.media import open_video
from clipforge.overlay.build import build_overlays
from clipforge.overlay.faces import Face, FaceFollow, FaceTracker
from clipforge.overlay.state import LayerState
from clipforge.spec import preset_from_dict
from tests.faces_footage import astronaut_head, footage, lfw_heads, sway
from tests.gen import blob_centre, make_square_png

SIZE = (360, 640)
TOLERANCE = 0.10  # of the face width
ACQUIRE_SECONDS = 0.2


def track(frames, tracker: FaceTracker | None = None):
    """Run a tracker over (t, frame, truth) and return [(t, tracked face, true faces)]."""
    tracker = tracker or FaceTracker()
    out = []
    for t, frame, truth in frames:
        tracker.observe(frame, t)
        out.append((t, tracker.face, truth))
    return out


def error(face: Face, truth: Face) -> float:
    return math.hypot(face.x - truth.x, face.y - truth.y) / truth.width


def test_follows_the_astronaut_within_ten_percent_of_the_face_width():
    head = astronaut_head(160)
    result = track(footage([(head, sway(SIZE, 160))], 3.0, SIZE))
    found = [t for t, face, _ in result if face is not None]
    assert found and found[0] <= ACQUIRE_SECONDS
    errors = [error(face, truth[0]) for t, face, truth in result if t >= found[0]]
    assert all(face is not None for t, face, _ in result if t >= found[0])  # never lost
    assert max(errors) <= TOLERANCE, max(errors)
    # Scaled to the face: the tracked width is the face's, within the detector's own spread.
    widths = [face.width / truth[0].width for t, face, truth in result if face is not None]
    assert min(widths) >= 0.85 and max(widths) <= 1.25


@pytest.mark.parametrize("index", [0, 1, 2])
def test_follows_lfw_faces(index):
    head = lfw_heads(110, 3)[index]
    path = sway(SIZE, 110)
    result = track(footage([(head, path)], 2.0, SIZE, seed=index))
    found = [t for t, face, _ in result if face is not None]
    assert found and found[0] <= ACQUIRE_SECONDS
    errors = [error(face, truth[0]) for t, face, truth in result if t >= found[0]]
    assert max(errors) <= TOLERANCE, max(errors)


def test_still_face_gives_a_steady_sticker():
    head = astronaut_head(160)
    result = track(footage([(head, lambda t: (100.0, 240.0))], 2.0, SIZE, noise=6.0))
    faces = np.array([(f.x, f.y, f.width) for t, f, _ in result if f is not None and t > 0.3])
    width = result[-1][2][0].width
    # No jitter: the smoothed face barely moves from frame to frame, nor overall.
    assert np.abs(np.diff(faces[:, :2], axis=0)).max() / width < 0.03
    assert faces[:, :2].std(axis=0).max() / width < 0.02
    assert faces[:, 2].std() / width < 0.03


def test_lost_face_is_dropped_and_found_again():
    head = astronaut_head(160)
    tracker = FaceTracker()
    gone = lambda t: not 1.0 <= t < 2.0  # noqa: E731
    result = track(footage([(head, lambda t: (100.0, 240.0))], 3.0, SIZE, visible=gone), tracker)
    state = {round(t, 3): face for t, face, _ in result}
    assert state[0.9] is not None
    lost_by = 1.0 + tracker.lost_seconds + 0.1
    assert all(face is None for t, face in state.items() if lost_by <= t < 2.0)
    assert state[round(2.0 + ACQUIRE_SECONDS + 0.1, 3)] is not None


def test_follows_the_most_prominent_face():
    big = astronaut_head(220)  # a face about 100 px wide
    small = lfw_heads(60, 1)[0]  # about 57 px: LFW crops are tight around the face
    assert small.face.width < 0.7 * big.face.width
    result = track(
        footage([(small, lambda t: (20.0, 40.0)), (big, lambda t: (120.0, 380.0))], 1.0, SIZE)
    )
    _, face, truth = result[-1]
    assert face is not None and error(face, truth[1]) < TOLERANCE


def test_no_face_no_detection():
    frames = footage([], 1.5, SIZE, noise=8.0)
    assert all(face is None for _, face, _ in track(frames))


def test_detection_is_sparse_and_mostly_local():
    head = astronaut_head(160)
    tracker = FaceTracker()
    calls = {"all": 0, "near": 0}
    detector = tracker.detector
    find_all, find_near = detector.find_all, detector.find_near

    def counting(name, fn):
        def wrapped(*args):
            calls[name] += 1
            return fn(*args)

        return wrapped

    detector.find_all = counting("all", find_all)  # type: ignore[method-assign]
    detector.find_near = counting("near", find_near)  # type: ignore[method-assign]
    track(footage([(head, sway(SIZE, 160))], 3.0, SIZE), tracker)
    # 90 frames: a detection every other frame, almost all of them in a window around the face.
    assert calls["all"] + calls["near"] <= 46
    assert calls["all"] <= 5


class _Seen:
    """Stands in for a tracker: whatever face it is told it sees."""

    face: Face | None = None


def test_follow_modifier_places_sizes_and_hides():
    seen = _Seen()
    state = LayerState(at=(10.0, 20.0), width=50.0, height=25.0, rotate=5.0, opacity=1.0)
    hiding = FaceFollow(seen, (0.0, -0.6), 1.4, 0.5, hide_when_lost=True)  # type: ignore[arg-type]
    holding = FaceFollow(seen, (0.5, -0.6), 1.4, 0.5, hide_when_lost=False)  # type: ignore[arg-type]
    assert hiding(state, 0.0, 0.0) is None
    assert holding(state, 0.0, 0.0) == state  # no face yet: the sticker's own place
    seen.face = Face(200.0, 300.0, 100.0, 110.0)
    placed = hiding(state, 0.0, 0.0)
    assert placed is not None
    assert placed.at == pytest.approx((200.0, 300.0 - 0.6 * 110.0))
    assert (placed.width, placed.height) == pytest.approx((140.0, 70.0))
    assert placed.rotate == 5.0 and placed.opacity == 1.0
    assert holding(state, 0.0, 0.0).at == pytest.approx((250.0, 234.0))
    seen.face = None  # the face is lost
    assert hiding(state, 0.0, 0.0) is None
    assert holding(state, 0.0, 0.0).at == pytest.approx((250.0, 234.0))  # stays where it was


def test_tracker_only_runs_around_tracked_stickers():
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "stickers": [
                {"image": "stickers/heart.png"},
                {"image": "stickers/dog-ears.png", "track": {}, "start": 2, "end": 4},
            ],
        }
    )
    overlays = build_overlays(preset, Geometry((1080, 1920)), duration=6.0)
    (watch,) = overlays.watches
    assert [watch.wanted(t) for t in (1.0, 1.6, 3.0, 4.0)] == [False, True, True, False]


@pytest.mark.slow
def test_tracked_sticker_in_the_rendered_output(tmp_path: Path):
    """End to end: footage through `clipforge.render`, decoded, sticker measured per frame."""
    head = astronaut_head(160)
    data = list(footage([(head, sway(SIZE, 160))], 2.0, SIZE))
    source = clipforge.FrameSource((frame for _, frame, _ in data), fps=30, duration=2.0)
    make_square_png(tmp_path / "green.png", 40, (0, 255, 0, 255))
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 360x640, fps: 30}\noutput: {preset: ultrafast}\n"
        "stickers:\n  - {image: green.png, track: {offset: [0, -0.6], scale: 0.5}}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([source], out, preset)
    with open_video(out, SIZE, 30, "stretch") as reader:
        frames = list(reader)
    assert len(frames) == len(data)
    seen = 0
    for (t, _, truth), frame in zip(data, frames, strict=True):
        frame = frame.astype(int)
        green = (frame[..., 1] > 170) & (frame[..., 0] < 80) & (frame[..., 2] < 80)
        if t < 0.05:  # not confirmed yet: hidden
            assert not green.any()
            continue
        if not green.any():
            assert t <= ACQUIRE_SECONDS
            continue
        seen += 1
        face = truth[0]
        x, y = blob_centre(frame, green)
        # Pixel i spans [i, i + 1): the blob's centre is half a pixel past its mean index.
        err = math.hypot(x + 0.5 - face.x, y + 0.5 - (face.y - 0.6 * face.height)) / face.width
        assert err <= TOLERANCE, (t, err)
        side = math.sqrt(green.sum())
        assert 0.85 <= side / (0.5 * face.width) <= 1.3
    assert seen >= len(data) - ACQUIRE_SECONDS * 30 - 1
