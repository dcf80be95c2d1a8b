"""The `contain-blur` fit: the whole picture, sharp and centred, over a blurred, dimmed copy.

This is the usual vertical look for landscape footage. The background is the picture fitted to
cover the canvas, blurred and darkened; it is worked on at 1/`REDUCE` of the canvas size and
scaled up, because a heavy blur leaves no detail a smaller image could lose, and blurring 64
times fewer pixels is what keeps it cheap. Videos get it inside ffmpeg's filtergraph
(`ffmpeg_graph`); stills and frames from the API get the same look with OpenCV
(`blurred_background`, `contain_blur`), so a clip mixing both looks the same throughout.
"""

from __future__ import annotations

import cv2
import numpy as np

Size = tuple[int, int]

#: The background is computed at 1/REDUCE of the canvas size, then scaled up.
REDUCE = 8
#: Gaussian blur sigma of the background as a fraction of the canvas width (scales with drafts).
SIGMA = 0.05
#: Brightness factor of the background (0 black .. 1 unchanged), applied to every channel.
DIM = 0.55


def small_size(canvas: Size) -> Size:
    """The even-sized canvas the background is worked on before scaling up.

    Args:
        canvas: (width, height) of the canvas.

    Returns:
        (width, height), each at least 2 and even (yuv420p chroma needs even sides).
    """
    w, h = (max(2, round(side / REDUCE)) for side in canvas)
    return w + w % 2, h + h % 2


def small_sigma(canvas: Size) -> float:
    """The blur sigma in pixels of the reduced background (see `small_size`)."""
    return max(0.5, SIGMA * small_size(canvas)[0])


def ffmpeg_graph(
    scale_opts: str,
    canvas: Size,
    background: tuple[Size, tuple[int, int]],
    foreground: tuple[Size, tuple[int, int]],
) -> str:
    """The filtergraph fragment that turns one video stream into the contain-blur picture.

    It splits the stream: one branch is scaled to cover a reduced canvas, blurred (gblur),
    dimmed (lutyuv, exact per-channel scaling of limited-range YCbCr at any bit depth) and
    scaled up to the canvas; the other is scaled to contain; overlay puts the second on the
    first. One input and one output, so it sits in a plain ``-vf`` chain.

    Args:
        scale_opts: Matrix/range options shared by every scale filter (``in_color_matrix=...``).
        canvas: Canvas (width, height).
        background: The source's cover geometry on the `small_size` canvas: (scaled size,
            crop offset), as `fit_geometry(src, small_size(canvas), "cover")` gives it.
        foreground: Its contain geometry on the canvas: (scaled size, offset on the canvas).

    Returns:
        A filtergraph string such as ``split=2[cfbg][cffg];...;[cfbg][cffg]overlay=...``.
    """
    small = small_size(canvas)
    (bw, bh), (bx, by) = background
    (fw, fh), (fx, fy) = foreground
    cw, ch = canvas
    # Linear in Y-16 and C-128 is linear in (gamma) RGB: the colours keep their hue.
    mid = "(minval+maxval)/2"
    dim = f"lutyuv=y=(val-minval)*{DIM}+minval:u=(val-{mid})*{DIM}+{mid}:v=(val-{mid})*{DIM}+{mid}"
    blurred = ",".join(
        [
            f"scale={bw}:{bh}:flags=bilinear:{scale_opts}",
            f"crop={small[0]}:{small[1]}:{bx}:{by}",
            f"gblur=sigma={small_sigma(canvas):.3f}",
            dim,
            f"scale={cw}:{ch}:flags=bilinear",
        ]
    )
    sharp = f"scale={fw}:{fh}:{scale_opts}"
    # format=auto keeps 10-bit (HDR) footage 10-bit until the tone mapping that follows.
    return (
        f"split=2[cfbg][cffg];[cfbg]{blurred}[cfbg2];[cffg]{sharp}[cffg2];"
        f"[cfbg2][cffg2]overlay={fx}:{fy}:format=auto"
    )


def blurred_background(frame: np.ndarray, canvas: Size) -> np.ndarray:
    """The contain-blur background of an RGB frame: cover-fitted, blurred, dimmed.

    Args:
        frame: (H, W, 3) uint8 RGB (any channel order works the same).
        canvas: (width, height) of the result.

    Returns:
        A new (height, width, 3) uint8 array.
    """
    small = small_size(canvas)
    sw, sh = small
    fh, fw = frame.shape[:2]
    k = max(sw / fw, sh / fh)
    w, h = max(sw, round(fw * k)), max(sh, round(fh * k))
    # INTER_AREA averages the many source pixels behind each small one (no aliasing).
    scaled = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    x, y = (w - sw) // 2, (h - sh) // 2
    crop = np.ascontiguousarray(scaled[y : y + sh, x : x + sw])
    blurred = cv2.GaussianBlur(crop, (0, 0), small_sigma(canvas), borderType=cv2.BORDER_REFLECT)
    dimmed = cv2.convertScaleAbs(blurred, alpha=DIM)
    return cv2.resize(dimmed, (int(canvas[0]), int(canvas[1])), interpolation=cv2.INTER_LINEAR)


def contain_blur(frame: np.ndarray, canvas: Size) -> np.ndarray:
    """Fit an RGB frame to the canvas with the contain-blur look (OpenCV).

    Args:
        frame: (H, W, 3) uint8 RGB.
        canvas: (width, height).

    Returns:
        A new (height, width, 3) uint8 RGB array.
    """
    cw, ch = int(canvas[0]), int(canvas[1])
    fh, fw = frame.shape[:2]
    k = min(cw / fw, ch / fh)
    w, h = min(cw, max(1, round(fw * k))), min(ch, max(1, round(fh * k)))
    out = blurred_background(frame, (cw, ch))
    interpolation = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    x, y = (cw - w) // 2, (ch - h) // 2
    out[y : y + h, x : x + w] = cv2.resize(frame, (w, h), interpolation=interpolation)
    return out
