"""Probing media files with the bundled ffmpeg (there is no ffprobe) or Pillow for stills.

`ffmpeg -hide_banner -i PATH` prints the container and stream summary on stderr and exits with
status 1 ("At least one output file must be specified"); we parse that summary.

Probing is where untrusted files are first looked at: playlists are refused by their bytes before
ffmpeg runs, ffmpeg may only open the file itself with an allowlisted demuxer, and the probed
demuxer and codecs are checked against the allowlists (see safety.py) before anything decodes.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from clipforge.errors import InputError, RenderError
from clipforge.media.ffmpeg import input_file, run_ffmpeg
from clipforge.media.images import IMAGE_ERRORS, IMAGE_FORMATS, MAX_STILL_PIXELS
from clipforge.media.safety import check_probed, input_options, input_url, probe_options, sniff

# Reading a header takes milliseconds; a file that takes longer is hostile or broken.
PROBE_TIMEOUT = 20.0

# Demuxers that read one still image (ffmpeg reports "Duration: N/A" for them).
_IMAGE_DEMUXERS = re.compile(r"^(image2|\w+_pipe)$")
_IMAGE_CODECS = {"png", "mjpeg", "webp", "bmp", "tiff", "gif", "jpegls", "jpeg2000", "qoi", "pam"}

_CHANNELS = {
    "mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "quad": 4, "quad(side)": 4,
    "4.0": 4, "4.1": 5, "5.0": 5, "5.0(side)": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6, "6.1": 7,
    "7.0": 7, "7.1": 8, "7.1(wide)": 8, "downmix": 2,
}  # fmt: skip

_RE_INPUT = re.compile(r"^Input #0, (?P<fmt>.+?), from '", re.M)
_RE_DURATION = re.compile(r"Duration: (?:(?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)|N/A)")
_RE_STREAM = re.compile(
    r"^\s*Stream #0:(?P<idx>\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (?P<kind>Video|Audio|Subtitle|Data"
    r"|Attachment): (?P<rest>.*)$"
)
_RE_SIZE = re.compile(r"(?<![\w.])(?P<w>\d{1,5})x(?P<h>\d{1,5})(?![\w.])")
_RE_SAR = re.compile(r"\[SAR (?P<n>\d+):(?P<d>\d+) DAR")
_RE_FPS = re.compile(r"(?P<v>\d+(?:\.\d+)?)(?P<k>k?) (?P<unit>fps|tbr)\b")
_RE_ROTATION = re.compile(r"display ?matrix: rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees", re.I)
_RE_ROTATE_TAG = re.compile(r"^\s*rotate\s*:\s*(?P<deg>-?\d+)", re.M)
_RE_HZ = re.compile(r"(?P<rate>\d+) Hz")
_RE_TIME = re.compile(r"time=\s*(?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
_RE_FRAME = re.compile(r"frame=\s*(?P<n>\d+)")
_RE_SUBTITLE = re.compile(r"^\s*Stream #0:\d+\S*: Subtitle: ", re.M)


@dataclass(frozen=True)
class MediaInfo:
    """What clipforge needs to know about an input file.

    Attributes:
        path: The file probed.
        duration: Seconds (0.0 for a still image).
        width: Display width in pixels after rotation (and sample aspect ratio).
        height: Display height in pixels after rotation (and sample aspect ratio).
        fps: Frames per second of the video stream (0.0 without video).
        rotation: Clockwise degrees (0, 90, 180, 270) the player rotates the coded picture by,
            as the legacy ``rotate`` tag counts it; ffmpeg's "displaymatrix: rotation of -90"
            (counter-clockwise angle) is rotation 90 here.
        has_video: A (non cover-art) video stream exists.
        has_audio: An audio stream exists.
        audio_rate: Sample rate in Hz (0 without audio).
        audio_channels: Channel count (0 without audio).
        video_codec: ffmpeg's codec name, e.g. "h264" (None without video).
        audio_codec: ffmpeg's codec name, e.g. "aac" (None without audio).
        pix_fmt: Pixel format, e.g. "yuv420p" or "yuv420p10le".
        color_range: "tv" or "pc" when tagged.
        color_space: Matrix name, e.g. "bt709", when tagged.
        color_transfer: Transfer name, e.g. "arib-std-b67" (HLG), when tagged.
        color_primaries: Primaries name, e.g. "bt2020", when tagged.
        is_image: The file is a still image.
        frame_count: Estimated number of video frames (1 for a still).
        coded_width: Width of the coded picture before rotation.
        coded_height: Height of the coded picture before rotation.
        sar: Sample (pixel) aspect ratio.
        format: ffmpeg's demuxer name(s), or Pillow's format for stills.
    """

    path: str
    duration: float
    width: int
    height: int
    fps: float
    rotation: int
    has_video: bool
    has_audio: bool
    audio_rate: int = 0
    audio_channels: int = 0
    video_codec: str | None = None
    audio_codec: str | None = None
    pix_fmt: str | None = None
    color_range: str | None = None
    color_space: str | None = None
    color_transfer: str | None = None
    color_primaries: str | None = None
    is_image: bool = False
    frame_count: int = 0
    coded_width: int = 0
    coded_height: int = 0
    sar: float = 1.0
    format: str = ""

    @property
    def is_hdr(self) -> bool:
        """True for HLG or PQ transfer (recent phones shoot these)."""
        return self.color_transfer in ("arib-std-b67", "smpte2084")


# Probes of unchanged files, the oldest dropped first: a render looks at its music two or three
# times (the up-front check, the mix, the beats), each probe an ffmpeg run of ~40 ms before the
# first frame. A file is the same while its path, inode, size and change times are.
_PROBED: OrderedDict[tuple[object, ...], MediaInfo] = OrderedDict()
_PROBED_LOCK = threading.Lock()
_PROBED_MAX = 64


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a video, audio or still image file (probed once while it is unchanged).

    Args:
        path: The file.

    Returns:
        A MediaInfo.

    Raises:
        InputError: Missing, empty, non-regular, unreadable or non-media file, a playlist or
            concat list, or a format or codec not on the allowlists (safety.py); the message
            names the file and quotes ffmpeg shortly.
    """
    p = input_file(path)
    key = _identity(p)
    with _PROBED_LOCK:
        known = _PROBED.get(key)
    if known is not None:
        return known
    info = _probe(p)
    with _PROBED_LOCK:
        _PROBED[key] = info
        while len(_PROBED) > _PROBED_MAX:
            _PROBED.popitem(last=False)
    return info


def _identity(path: str) -> tuple[object, ...]:
    st = os.stat(path)
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _probe(p: str) -> MediaInfo:
    sniff(p)  # playlists and concat lists are refused before ffmpeg ever opens them
    still = _probe_still(p)
    if still is not None:
        return still
    try:
        proc = run_ffmpeg([*probe_options(), "-i", input_url(p)], PROBE_TIMEOUT, check=False)
    except RenderError as exc:
        raise InputError(f"probing timed out: {exc}", p) from None
    text = proc.stderr.decode("utf-8", "replace")
    return parse_probe(p, text)


def parse_probe(path: str, text: str) -> MediaInfo:
    """Build a MediaInfo from the stderr of ``ffmpeg -hide_banner -i PATH`` (pure function)."""
    m_in = _RE_INPUT.search(text)
    if m_in is None:
        if "Error opening input: Invalid argument" in text:
            # What ffmpeg says when -format_whitelist refused the detected demuxer.
            raise InputError("not a media format clipforge accepts", path)
        raise InputError(f"not a readable media file (ffmpeg: {_complaint(text)})", path)
    fmt = m_in.group("fmt")
    video, audio = _streams(text)
    check_probed(
        path,
        fmt,
        _codec(video[0]) if video else None,
        _codec(audio[0]) if audio else None,
        subtitles=bool(_RE_SUBTITLE.search(text)),
    )
    if video is None and audio is None:
        raise InputError("contains no video or audio stream", path)

    duration: float | None = None
    m_dur = _RE_DURATION.search(text)
    if m_dur and m_dur.group("h") is not None:
        duration = int(m_dur["h"]) * 3600 + int(m_dur["m"]) * 60 + float(m_dur["s"])

    fields: dict[str, object] = {"format": fmt}
    width = height = 0
    fps = 0.0
    rotation = 0
    is_image = False
    if video is not None:
        head, block = video
        try:
            fields.update(_video_fields(head))
        except InputError as exc:
            raise InputError(str(exc), path) from None
        cw, ch = int(fields.pop("_w")), int(fields.pop("_h"))  # type: ignore[call-overload]
        sar = float(fields["sar"])  # type: ignore[arg-type]
        fps = float(fields.pop("_fps"))  # type: ignore[arg-type]
        rotation = _rotation(block)
        dw, dh = max(1, round(cw * sar)), ch
        width, height = (dh, dw) if rotation in (90, 270) else (dw, dh)
        fields.update(coded_width=cw, coded_height=ch)
        is_image = duration is None and (
            bool(_IMAGE_DEMUXERS.match(fmt)) or fields.get("video_codec") in _IMAGE_CODECS
        )
    if audio is not None:
        fields.update(_audio_fields(audio[0]))

    if is_image:
        duration = 0.0
    elif duration is None:
        duration = _measure_duration(path, fmt)
    frame_count = 1 if is_image else (round(duration * fps) if video is not None else 0)
    return MediaInfo(
        path=path,
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        rotation=rotation,
        has_video=video is not None,
        has_audio=audio is not None,
        is_image=is_image,
        frame_count=frame_count,
        **fields,  # type: ignore[arg-type]
    )


def _codec(rest: str) -> str | None:
    """The codec name at the start of a stream description ("h264 (High) (avc1 / ...), ...")."""
    words = rest.split(",", 1)[0].split()
    return words[0] if words else None


def _complaint(text: str) -> str:
    """ffmpeg's most telling error line, shortened."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error opening input" in ln or "Invalid data" in ln or "No such file" in ln:
            return re.sub(r"^\[[^\]]*\]\s*", "", ln)[:200]
    return (lines[-1] if lines else "no output")[:200]


def _streams(text: str) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """First real video stream and first audio stream of input #0: (stream line, its block)."""
    video = audio = None
    lines = text.splitlines()
    in_input0 = False
    for i, line in enumerate(lines):
        if line.startswith("Input #"):
            in_input0 = line.startswith("Input #0")
            continue
        if line.startswith("Output #") or line.startswith("Stream mapping"):
            in_input0 = False
        if not in_input0:
            continue
        m = _RE_STREAM.match(line)
        if m is None:
            continue
        block_lines = []
        for nxt in lines[i + 1 :]:
            if _RE_STREAM.match(nxt) or not nxt.startswith("    "):
                break
            block_lines.append(nxt)
        rest, block = m["rest"], "\n".join(block_lines)
        if m["kind"] == "Video" and video is None and "(attached pic)" not in rest:
            video = (rest, block)
        elif m["kind"] == "Audio" and audio is None:
            audio = (rest, block)
    return video, audio


def _split_top(rest: str) -> list[str]:
    """Split a stream description on commas outside parentheses and brackets."""
    parts, depth, cur = [], 0, []
    for ch in rest:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _video_fields(rest: str) -> dict[str, object]:
    parts = _split_top(rest)
    out: dict[str, object] = {"video_codec": parts[0].split()[0] if parts[0] else None}
    size_i = next((i for i, p in enumerate(parts) if _RE_SIZE.search(p)), None)
    if size_i is None:
        raise InputError("video stream without a frame size")
    m = _RE_SIZE.search(parts[size_i])
    assert m is not None
    out["_w"], out["_h"] = int(m["w"]), int(m["h"])
    sar = _RE_SAR.search(parts[size_i])
    out["sar"] = int(sar["n"]) / int(sar["d"]) if sar and int(sar["d"]) and int(sar["n"]) else 1.0
    # The pixel format sits between the codec and the size, e.g. "yuv420p(tv, bt709, progressive)".
    if size_i >= 2:
        pf = parts[size_i - 1]
        out["pix_fmt"] = pf.split("(")[0].strip() or None
        if "(" in pf:
            out.update(_colour(pf[pf.index("(") + 1 : pf.rindex(")")]))
    rates = {m["unit"]: float(m["v"]) * (1000 if m["k"] else 1) for m in _RE_FPS.finditer(rest)}
    out["_fps"] = rates.get("fps") or rates.get("tbr") or 0.0
    return out


def _colour(inner: str) -> dict[str, object]:
    """Parse "tv, bt709/bt709/bt709, progressive" (ffmpeg prints one name when all three agree)."""
    out: dict[str, object] = {}
    for tok in (t.strip() for t in inner.split(",")):
        if tok in ("tv", "pc"):
            out["color_range"] = tok
        elif "/" in tok:
            space, prim, trc = ([*tok.split("/"), "", ""])[:3]
            for key, val in (("color_space", space), ("color_primaries", prim),
                             ("color_transfer", trc)):  # fmt: skip
                if val and val not in ("unknown", "reserved", "unspecified"):
                    out[key] = val
        elif tok.startswith(("bt", "smpte", "gbr", "fcc", "ycgco", "iec", "arib", "log")):
            out.update(color_space=tok, color_primaries=tok, color_transfer=tok)
    return out


def _audio_fields(rest: str) -> dict[str, object]:
    parts = _split_top(rest)
    out: dict[str, object] = {"audio_codec": parts[0].split()[0] if parts[0] else None}
    m = _RE_HZ.search(rest)
    out["audio_rate"] = int(m["rate"]) if m else 0
    channels = 0
    for p in parts[1:]:
        if p in _CHANNELS:
            channels = _CHANNELS[p]
            break
        m_ch = re.match(r"(\d+) channels", p)
        if m_ch:
            channels = int(m_ch[1])
            break
    out["audio_channels"] = channels
    return out


def _rotation(block: str) -> int:
    m = _RE_ROTATION.search(block)
    if m:
        # ffmpeg prints the counter-clockwise angle; players rotate clockwise by its negative.
        deg = -float(m["deg"])
    else:
        m_tag = _RE_ROTATE_TAG.search(block)
        deg = float(m_tag["deg"]) if m_tag else 0.0
    return round(deg / 90.0) % 4 * 90


def _measure_duration(path: str, fmt: str) -> float:
    """Decode the whole file to nowhere and read the last ``time=`` (when the header lacks it)."""
    args = [*input_options(fmt), "-i", input_url(path), "-map", "0:v:0?", "-map", "0:a:0?"]
    try:
        proc = run_ffmpeg(
            [*args, "-f", "null", "-"],
            PROBE_TIMEOUT * 4,
            check=False,
        )
    except RenderError as exc:
        raise InputError(f"cannot measure duration: {exc}", path) from None
    text = proc.stderr.decode("utf-8", "replace")
    times = list(_RE_TIME.finditer(text))
    if not times:
        raise InputError(f"cannot measure duration (ffmpeg: {_complaint(text)})", path)
    m = times[-1]
    return int(m["h"]) * 3600 + int(m["m"]) * 60 + float(m["s"])


# EXIF orientation -> clockwise rotation applied for display (mirrored variants approximated).
_EXIF_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}


def _probe_still(path: str) -> MediaInfo | None:
    """MediaInfo for a single-frame image Pillow can read, else None (let ffmpeg try).

    Only the allowlisted formats are tried; a picture over `MAX_STILL_PIXELS` is refused here
    rather than handed to ffmpeg, which would decode it whole.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path, formats=IMAGE_FORMATS) as im:
            w, h = im.size
            if w * h > MAX_STILL_PIXELS:
                raise InputError(
                    f"image is {w}x{h} px, more than the {MAX_STILL_PIXELS} pixels allowed", path
                )
            if getattr(im, "n_frames", 1) > 1:
                return None  # animated GIF/WebP/APNG: ffmpeg treats it as video
            orientation = im.getexif().get(0x0112, 1)
            fmt, mode = im.format or "", im.mode
    except Image.DecompressionBombError as exc:
        raise InputError(f"image too large ({exc})", path) from None
    except (UnidentifiedImageError, *IMAGE_ERRORS):
        return None
    rotation = _EXIF_ROTATION.get(orientation, 0)
    if rotation in (90, 270):
        w, h = h, w
    return MediaInfo(
        path=path,
        duration=0.0,
        width=w,
        height=h,
        fps=0.0,
        rotation=rotation,
        has_video=True,
        has_audio=False,
        video_codec=fmt.lower() or None,
        pix_fmt=mode,
        is_image=True,
        frame_count=1,
        coded_width=im.size[0],
        coded_height=im.size[1],
        format=fmt,
    )
