"""Colour-matrix bookkeeping for the yuv420p pipes.

Both pipes carry BT.601 limited-range yuv420p because that is what OpenCV's fast I420
conversions (``COLOR_YUV2RGB_I420`` / ``COLOR_RGB2YUV_I420``) implement. ffmpeg's
``colormatrix`` filter moves between the footage's (or the output's) matrix and BT.601 inside
the ffmpeg process, where it runs on ffmpeg's threads in parallel with the Python frame loop.
Measured in benchmarks/media_pipes.py (1080x1920, 2 shared cores, noisy): per frame it is on par
with an rgb24 pipe in wall time for decode or encode alone and uses less CPU over a
decode -> encode round trip; a BT.709 matrix applied in Python with ``cv2.transform`` costs about
the same or more; swscale's own yuv->yuv matrix change was slower and 3 levels off on white.
Decoding BT.709 with OpenCV's BT.601 matrix and correcting later in RGB would be ~2 ms cheaper
but clips saturated colours (100 % red goes negative in G before the fix), so it is not used.
"""

from __future__ import annotations

from clipforge.media.probe import MediaInfo

# ffmpeg colour-space names (as probe reports them) -> colormatrix filter names.
_COLORMATRIX = {
    "bt709": "bt709",
    "bt470bg": "bt601",
    "smpte170m": "bt601",
    "bt601": "bt601",
    "smpte240m": "smpte240m",
    "fcc": "fcc",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}
# colormatrix names -> scale filter (swscale) names, to keep the matrix while scaling.
_SWS = {"bt709": "bt709", "bt601": "bt601", "smpte240m": "smpte240m", "fcc": "fcc",
        "bt2020": "bt2020"}  # fmt: skip


# colormatrix names -> the colorspace filter's `iall` names (fcc has none: colormatrix does it).
_COLORSPACE = {"bt709": "bt709", "smpte240m": "smpte240m", "bt2020": "bt2020"}


def source_matrix(info: MediaInfo) -> str:
    """The footage's YCbCr matrix as a colormatrix name.

    Untagged footage follows the players' convention: BT.709 for HD (either side at least 720
    lines of the coded picture), BT.601 below.
    """
    tagged = _COLORMATRIX.get(info.color_space or "")
    if tagged:
        return tagged
    hd = (
        max(info.coded_width, info.coded_height) >= 1280
        or min(info.coded_width, info.coded_height) >= 720
    )
    return "bt709" if hd else "bt601"


def source_range(info: MediaInfo) -> str:
    """'pc' for full-range footage (yuvj formats or tagged pc), else 'tv'."""
    if info.color_range == "pc" or (info.pix_fmt or "").startswith("yuvj"):
        return "pc"
    return "tv"


def sws_name(matrix: str) -> str:
    """The scale filter's name for a colormatrix matrix name."""
    return _SWS[matrix]


def to_matrix_filters(info: MediaInfo, target: str = "bt601") -> list[str]:
    """Filters (after geometry) that leave limited-range yuv420p in `target`'s matrix.

    `target` is "bt601" (what OpenCV's I420 conversions expect) or "bt709" (what the encoder
    writes: frames kept in YUV need no matrix change anywhere). HDR (HLG/PQ) footage is
    tone-mapped to SDR BT.709 with zscale + tonemap first; this is best-effort (hable curve), a
    preset's colour filters can refine it.
    """
    filters: list[str] = []
    matrix = source_matrix(info)
    if info.is_hdr:
        filters += [
            "zscale=t=linear:npl=100",
            "format=gbrpf32le",
            "zscale=p=bt709",
            "tonemap=tonemap=hable:desat=0",
            "zscale=t=bt709:m=bt709:r=tv",
            "format=yuv420p",
        ]
        matrix = "bt709"
    else:
        filters.append("format=yuv420p")
    if matrix == target:
        return filters
    if target == "bt601" and matrix in _COLORSPACE:
        # Same change as colormatrix but SIMD, slice-threaded and rounded once: ~1 ms of CPU per
        # 1080x1920 frame instead of ~4.5 ms, within 0.5 of exact (colormatrix: up to 1.1).
        filters.append(
            f"colorspace=all=bt601-6-525:iall={_COLORSPACE[matrix]}:range=tv:irange=tv:fast=1"
        )
    elif target == "bt709" and matrix in (*_COLORSPACE, "bt601"):
        source = _COLORSPACE.get(matrix, "bt601-6-525")
        filters.append(f"colorspace=all=bt709:iall={source}:range=tv:irange=tv:fast=1")
    else:
        filters.append(f"colormatrix=src={matrix}:dst={target}")
    return filters
