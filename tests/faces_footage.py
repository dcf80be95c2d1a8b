"""Synthetic footage with real face photos moving across it (scikit-image's sample data).

The photos are test-only: `skimage.data.astronaut()` (Eileen Collins, public domain) and the
25x25 face crops of `lfw_subset.npy` (Labeled Faces in the Wild) in scikit-image's data folder.
Where a face "really" is comes from OpenCV's detector run once on the full-size still photo,
mapped through the known paste position and scale: the tracker under test then has to find it
again in the reduced, moving, noisy footage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import skimage

from clipforge.overlay.faces import Face, FaceDetector

Path2D = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class Head:
    """An RGB picture of a head and the face box in it (picture pixels)."""

    image: np.ndarray
    face: Face


def _reference_face(image: np.ndarray) -> Face:
    faces = FaceDetector(detect_width=10_000).find_all(image)
    assert faces, "the reference detector finds no face in the sample photo"
    return faces[0]


def astronaut_head(size: int) -> Head:
    photo = skimage.data.astronaut()
    face = _reference_face(photo)
    # The astronaut's face is about (177..272, 66..161) in the 512x512 photo.
    assert 200 < face.x < 250 and 90 < face.y < 140 and 80 < face.width < 110
    crop = photo[20:230, 120:330]
    k = size / crop.shape[1]
    image = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
    return Head(image, Face((face.x - 120) * k, (face.y - 20) * k, face.width * k, face.height * k))


def lfw_heads(size: int, count: int) -> list[Head]:
    """The first `count` LFW faces (of the subset's 100 faces) that the detector finds."""
    crops = np.load(Path(skimage.data.__file__).parent / "lfw_subset.npy")[:100]
    heads: list[Head] = []
    for crop in crops:
        grey = cv2.resize(
            (crop * 255).astype(np.uint8), (size, size), interpolation=cv2.INTER_CUBIC
        )
        image = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        padded = cv2.copyMakeBorder(image, size // 2, size // 2, size // 2, size // 2,
                                    cv2.BORDER_CONSTANT, value=(128, 128, 128))  # fmt: skip
        found = FaceDetector(detect_width=10_000).find_all(padded)
        if found:
            f = found[0]
            heads.append(Head(image, Face(f.x - size // 2, f.y - size // 2, f.width, f.height)))
        if len(heads) == count:
            break
    return heads


def background(size: tuple[int, int]) -> np.ndarray:
    """A smooth colour gradient with some texture: not flat, and no faces in it."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack(
        [40 + 160 * xx / w, 60 + 120 * yy / h, 140 + 40 * np.sin(xx / 23) * np.cos(yy / 31)], -1
    )
    return rgb.astype(np.uint8)


def sway(size: tuple[int, int], head: int) -> Path2D:
    """A head swaying across the frame: top-left corner of the head picture at t."""
    w, h = size
    cx, cy = (w - head) / 2, (h - head) / 2
    ax, ay = 0.42 * (w - head), 0.4 * (h - head)
    return lambda t: (cx + ax * math.sin(2.1 * t), cy + ay * math.sin(1.3 * t + 0.5))


def footage(
    heads: list[tuple[Head, Path2D]],
    seconds: float,
    size: tuple[int, int] = (360, 640),
    fps: int = 30,
    noise: float = 3.0,
    seed: int = 0,
    visible: Callable[[float], bool] = lambda t: True,
) -> Iterator[tuple[float, np.ndarray, list[Face]]]:
    """(t, frame, true faces in output pixels) for each frame."""
    base = background(size).astype(np.float32)
    rng = np.random.default_rng(seed)
    for n in range(round(seconds * fps)):
        t = n / fps
        frame = base.copy()
        truth = []
        if visible(t):
            for head, path in heads:
                x, y = (round(v) for v in path(t))
                hh, hw = head.image.shape[:2]
                frame[y : y + hh, x : x + hw] = head.image
                truth.append(Face(x + head.face.x, y + head.face.y, head.face.width,
                                  head.face.height))  # fmt: skip
        if noise:
            frame += rng.normal(0, noise, frame.shape).astype(np.float32)
        yield t, np.clip(frame, 0, 255).astype(np.uint8), truth
