"""Typed, frozen models of a preset and a job (PRESET-FORMAT.md, version 1).

Every field of the format is here under its documented name; YAML keys that are not Python
identifiers use aliases (`in` -> `in_`). Unknown keys are refused so a typo is reported, not
ignored. The models are also the Python API: `Preset(clipforge=1, filters=[AdjustFilter(...)])`.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from clipforge.spec.values import (
    Anchor,
    Color,
    Easing,
    Point,
    PositiveLength,
    parse_size,
)

MAX_LAYERS = 200
MAX_KEYFRAMES = 200


class SpecModel(BaseModel):
    """Base of every spec model: strict about keys, immutable, NaN-free."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        allow_inf_nan=False,
        use_enum_values=True,
    )


# Reusable constrained numbers.
Seconds = Annotated[float, Field(ge=0, le=86_400)]
Opacity = Annotated[float, Field(ge=0, le=1)]
Volume = Annotated[float, Field(ge=-60, le=20)]
Speed = Annotated[float, Field(ge=0.25, le=4)]
Degrees = Annotated[float, Field(ge=-3600, le=3600)]
Unit = Annotated[float, Field(ge=0, le=1)]


def _end_after_start(end: float | None, info: ValidationInfo) -> float | None:
    """Shared check for layers: `end` must come after `start` when both are given."""
    start = info.data.get("start")
    if end is not None and start is not None and end <= start:
        raise ValueError(f"expected end after start ({start:g}), found {end:g}")
    return end


def _check_keyframe_order(frames: list[Any]) -> list[Any]:
    """Keyframe times must not go backwards (equal times make a jump)."""
    times = [frame.t for frame in frames]
    for i, (a, b) in enumerate(pairwise(times)):
        if b < a:
            raise ValueError(f"keyframe times must not decrease: t={b:g} (item {i + 1}) < {a:g}")
    return frames


def _stringify_scalars(value: Any) -> Any:
    """Let `variables: {year: 2024}` mean the text "2024" (placeholders fill strings)."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(item, bool):
                out[key] = "true" if item else "false"
            elif isinstance(item, int | float):
                out[key] = str(item)
            else:
                out[key] = item
        return out
    return value


Variables = Annotated[dict[str, str], BeforeValidator(_stringify_scalars)]


# --- canvas, limit, timeline -------------------------------------------------------------------


class Canvas(SpecModel):
    """The output frame: size, frame rate, and how footage fits into it."""

    size: Annotated[tuple[int, int], BeforeValidator(parse_size)] = (1080, 1920)
    fps: Annotated[int, Field(ge=1, le=60)] = 30
    fit: Literal["cover", "contain", "contain-blur", "stretch"] = "cover"
    background: Color = "#000000"

    @field_validator("size")
    @classmethod
    def _check_size(cls, size: tuple[int, int]) -> tuple[int, int]:
        for side in size:
            if not 16 <= side <= 4096:
                raise ValueError(
                    f"expected each side within 16..4096 px, found {size[0]}x{size[1]}"
                )
            if side % 2:
                # H.264 with 4:2:0 chroma needs even dimensions.
                raise ValueError(f"expected even width and height, found {size[0]}x{size[1]}")
        return size


class Limit(SpecModel):
    """The platform's length limit and what to do when the clip is longer."""

    max_seconds: Annotated[float, Field(ge=1, le=600)] = 15
    policy: Literal["error", "trim", "fit"] = "error"


class Segment(SpecModel):
    """Per-input override of the timeline, by position in the job's inputs."""

    input: Annotated[int, Field(ge=0, le=10_000)]
    in_: Seconds = Field(default=0, alias="in")
    out: Seconds | None = None
    speed: Speed = 1.0
    reverse: bool = False

    @field_validator("out")
    @classmethod
    def _out_after_in(cls, out: float | None, info: ValidationInfo) -> float | None:
        start = info.data.get("in_")
        if out is not None and start is not None and out <= start:
            raise ValueError(f"expected out after in ({start:g}), found {out:g}")
        return out


class Transition(SpecModel):
    """How one input's segment gives way to the next."""

    type: Literal[
        "none", "crossfade", "fade-black", "slide-left", "slide-up", "zoom", "wipe-left"
    ] = "none"
    seconds: Annotated[float, Field(ge=0, le=10)] = 0.3


class Timeline(SpecModel):
    """How the job's inputs become one clip."""

    speed: Speed = 1.0
    segments: Annotated[list[Segment], Field(max_length=MAX_LAYERS)] = Field(default_factory=list)
    still_seconds: Annotated[float, Field(gt=0, le=600)] = 3.0
    still_motion: Literal["none", "zoom-in", "zoom-out", "pan-left", "pan-right"] = "none"
    transition: Transition = Field(default_factory=Transition)
    cut_on_beat: bool = False


# --- filters ------------------------------------------------------------------------------------


class ScalarKeyframe(SpecModel):
    """One keyframe of an animated number; `ease` shapes the move to the next keyframe."""

    t: Seconds
    value: Annotated[float, Field(ge=-1e6, le=1e6)]
    ease: Easing = Easing.LINEAR


def _scalar_or_keyframes(value: Any) -> str:
    """Pick the branch of an animated number: a list means keyframes."""
    return "keyframes" if isinstance(value, list | tuple) else "number"


def _check_unit_keyframes(frames: list[ScalarKeyframe]) -> list[ScalarKeyframe]:
    for frame in frames:
        if not 0 <= frame.value <= 1:
            raise ValueError(f"expected keyframe values within 0..1, found {frame.value:g}")
    return _check_keyframe_order(frames)


Keyframes01 = Annotated[
    list[ScalarKeyframe],
    Field(min_length=1, max_length=MAX_KEYFRAMES),
]

Strength = Annotated[
    Annotated[Unit, Tag("number")] | Annotated[Keyframes01, Tag("keyframes")],
    Discriminator(_scalar_or_keyframes),
]
"""A 0..1 number or keyframes `[{t, value, ease}]`."""


class FilterBase(SpecModel):
    """Fields every filter takes: when it applies and how strongly it blends."""

    start: Seconds = 0
    end: Seconds | None = None
    strength: Strength = 1.0

    _end_after_start = field_validator("end")(_end_after_start)

    @field_validator("strength")
    @classmethod
    def _check_strength(cls, value: float | list[ScalarKeyframe]) -> float | list[ScalarKeyframe]:
        if isinstance(value, list):
            return _check_unit_keyframes(value)
        return value


class AdjustFilter(FilterBase):
    """Basic tone and colour adjustments; neutral at the defaults."""

    type: Literal["adjust"] = "adjust"
    brightness: Annotated[float, Field(ge=-1, le=1)] = 0
    contrast: Annotated[float, Field(ge=0, le=4)] = 1
    saturation: Annotated[float, Field(ge=0, le=4)] = 1
    exposure: Annotated[float, Field(ge=-5, le=5)] = 0
    gamma: Annotated[float, Field(gt=0, le=10)] = 1
    temperature: Annotated[float, Field(ge=-1, le=1)] = 0
    tint: Annotated[float, Field(ge=-1, le=1)] = 0
    hue: Annotated[float, Field(ge=-360, le=360)] = 0


CurvePoint = tuple[Annotated[float, Field(ge=0, le=255)], Annotated[float, Field(ge=0, le=255)]]


def _check_curve(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    xs = [x for x, _ in points]
    if any(b <= a for a, b in pairwise(xs)):
        raise ValueError(f"expected curve points with increasing x, found x = {xs}")
    return points


Curve = Annotated[list[CurvePoint], Field(max_length=256)]


class CurvesFilter(FilterBase):
    """Tone curves through control points (0..255); an empty curve is the identity."""

    type: Literal["curves"] = "curves"
    rgb: Curve = Field(default_factory=list)
    r: Curve = Field(default_factory=list)
    g: Curve = Field(default_factory=list)
    b: Curve = Field(default_factory=list)

    _check_curves = field_validator("rgb", "r", "g", "b")(_check_curve)


class LutFilter(FilterBase):
    """A 1D or 3D `.cube` lookup table."""

    type: Literal["lut"] = "lut"
    file: Annotated[str, Field(min_length=1)]


class VignetteFilter(FilterBase):
    """Darkened corners; `strength` is the darkness at the edge."""

    type: Literal["vignette"] = "vignette"
    strength: Strength = 0.4
    radius: Annotated[float, Field(ge=0, le=2)] = 0.8
    softness: Annotated[float, Field(ge=0, le=1)] = 0.5


class GrainFilter(FilterBase):
    """Film grain noise."""

    type: Literal["grain"] = "grain"
    amount: Annotated[float, Field(ge=0, le=1)] = 0.05
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


class BlurFilter(FilterBase):
    """Gaussian blur; radius in canvas pixels."""

    type: Literal["blur"] = "blur"
    radius: Annotated[float, Field(gt=0, le=200)] = 4


class SharpenFilter(FilterBase):
    """Unsharp-mask sharpening."""

    type: Literal["sharpen"] = "sharpen"
    amount: Annotated[float, Field(ge=0, le=5)] = 0.5


class SmoothFilter(FilterBase):
    """Edge-preserving skin smoothing; `strength` blends it in."""

    type: Literal["smooth"] = "smooth"


class GrayscaleFilter(FilterBase):
    """Black and white."""

    type: Literal["grayscale"] = "grayscale"


class SepiaFilter(FilterBase):
    """Sepia tone; `strength` blends it in."""

    type: Literal["sepia"] = "sepia"


class PosterizeFilter(FilterBase):
    """Fewer tone levels per channel."""

    type: Literal["posterize"] = "posterize"
    levels: Annotated[int, Field(ge=2, le=256)] = 6


class RgbSplitFilter(FilterBase):
    """Glitch look: red and blue shifted apart by `offset` canvas pixels."""

    type: Literal["rgb-split"] = "rgb-split"
    offset: Annotated[float, Field(ge=-500, le=500)] = 6


class PixelateFilter(FilterBase):
    """Mosaic of `size`-pixel blocks."""

    type: Literal["pixelate"] = "pixelate"
    size: Annotated[int, Field(ge=1, le=1024)] = 24


Filter = Annotated[
    AdjustFilter
    | CurvesFilter
    | LutFilter
    | VignetteFilter
    | GrainFilter
    | BlurFilter
    | SharpenFilter
    | SmoothFilter
    | GrayscaleFilter
    | SepiaFilter
    | PosterizeFilter
    | RgbSplitFilter
    | PixelateFilter,
    Field(discriminator="type"),
]


# --- layers -------------------------------------------------------------------------------------


class Animation(SpecModel):
    """An enter or exit animation."""

    type: Literal[
        "none", "fade", "pop", "slide-up", "slide-down", "slide-left", "slide-right", "zoom"
    ]
    seconds: Annotated[float, Field(ge=0, le=60)] = 0.3


class Keyframe(SpecModel):
    """A layer keyframe at `t` seconds after the layer's start; unset fields keep the layer's."""

    t: Seconds
    at: Point | None = None
    rotate: Degrees | None = None
    width: PositiveLength | None = None
    height: PositiveLength | None = None
    opacity: Opacity | None = None
    ease: Easing = Easing.LINEAR


Keyframes = Annotated[list[Keyframe], Field(max_length=MAX_KEYFRAMES)]


class Track(SpecModel):
    """Follow the most prominent face in the footage."""

    target: Literal["face"] = "face"
    offset: tuple[
        Annotated[float, Field(ge=-100, le=100)], Annotated[float, Field(ge=-100, le=100)]
    ] = (0, -0.6)
    scale: Annotated[float, Field(gt=0, le=100)] = 1.4
    hide_when_lost: bool = True


class LayerBase(SpecModel):
    """Timing and animation shared by stickers and text."""

    start: Seconds = 0
    end: Seconds | None = None
    enter: Animation | None = None
    exit: Animation | None = None
    animate: Keyframes = Field(default_factory=list)

    _end_after_start = field_validator("end")(_end_after_start)
    _keyframe_order = field_validator("animate")(_check_keyframe_order)


class Sticker(LayerBase):
    """An image (PNG, GIF, APNG, WebP) placed on the canvas."""

    image: Annotated[str, Field(min_length=1)]
    at: Point = ("50%", "50%")
    anchor: Anchor = Anchor.CENTER
    width: PositiveLength | None = None
    height: PositiveLength | None = None
    rotate: Degrees = 0
    opacity: Opacity = 1
    loop: bool = True
    pulse: Literal["beat"] | None = None
    track: Track | None = None


class Stroke(SpecModel):
    """An outline around text."""

    width: Annotated[float, Field(gt=0, le=200)] = 4
    color: Color = "black"


class Shadow(SpecModel):
    """A drop shadow behind text."""

    offset: tuple[
        Annotated[float, Field(ge=-1000, le=1000)], Annotated[float, Field(ge=-1000, le=1000)]
    ] = (4, 4)
    blur: Annotated[float, Field(ge=0, le=200)] = 4
    color: Color = "#00000099"


class Box(SpecModel):
    """A filled (rounded) box behind text."""

    color: Color = "#00000080"
    padding: Annotated[float, Field(ge=0, le=1000)] = 16
    radius: Annotated[float, Field(ge=0, le=1000)] = 0


class TextStyle(LayerBase):
    """Styling shared by a text layer and a captions layer."""

    at: Point = ("50%", "85%")
    anchor: Anchor = Anchor.CENTER
    font: str | None = None
    size: Annotated[float, Field(gt=0, le=2000)] = 72
    color: Color = "white"
    align: Literal["left", "center", "right"] = "center"
    max_width: PositiveLength = "90%"
    line_spacing: Annotated[float, Field(ge=0.5, le=5)] = 1.15
    stroke: Stroke | None = None
    shadow: Shadow | None = None
    box: Box | None = None


class TextLayer(TextStyle):
    """A text layer; `content` may use `{{placeholders}}`."""

    kind: ClassVar[str] = "content"
    content: str


class CaptionsLayer(TextStyle):
    """Timed captions from an SRT file: one text layer per cue, styled like a text layer."""

    kind: ClassVar[str] = "captions"
    captions: Annotated[str, Field(min_length=1)]


def _text_kind(value: Any) -> str | None:
    """Tell a text layer from a captions layer by which key is present."""
    if isinstance(value, BaseModel):
        return getattr(value, "kind", None)
    if isinstance(value, dict):
        if "captions" in value:
            return "captions"
        if "content" in value:
            return "content"
    return None


def _one_text_source(value: Any) -> Any:
    """A text item needs exactly one of `content` and `captions`: say so plainly."""
    if isinstance(value, dict):
        has = [key for key in ("content", "captions") if key in value]
        if len(has) == 2:
            raise ValueError(
                "expected either 'content' (a text layer) or 'captions' (an SRT file), found both"
            )
        if not has:
            raise ValueError(
                "expected a text layer with 'content' or a captions layer with 'captions', "
                "found neither"
            )
    return value


AnyTextLayer = Annotated[
    Annotated[TextLayer, Tag("content")] | Annotated[CaptionsLayer, Tag("captions")],
    Discriminator(
        _text_kind,
        custom_error_type="text_kind",
        custom_error_message="expected a mapping with 'content' or 'captions'",
    ),
    BeforeValidator(_one_text_source),
]


# --- audio, moderation, output ------------------------------------------------------------------


class Music(SpecModel):
    """The music track."""

    file: Annotated[str, Field(min_length=1)]
    start: Seconds = 0
    volume: Volume = 0
    fade_in: Seconds = 0
    fade_out: Seconds = 0
    loop: bool = True


class Original(SpecModel):
    """The footage's own sound. In YAML, `original: mute` is short for `{mute: true}`."""

    volume: Volume = 0
    mute: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "mute":
            return {"mute": True}
        if isinstance(data, dict) and data.get("volume") == "mute":
            # "`mute` silences a track" also reads naturally as a volume.
            return {**{k: v for k, v in data.items() if k != "volume"}, "mute": True}
        if isinstance(data, str):
            raise ValueError(f"expected a mapping like {{volume: -12}} or 'mute', found '{data}'")
        return data


class Duck(SpecModel):
    """Lower the music while the original sound is louder than `threshold` (dBFS)."""

    amount: Annotated[float, Field(ge=-60, le=0)] = -9
    threshold: Annotated[float, Field(ge=-90, le=0)] = -30


class SoundEffect(SpecModel):
    """A one-shot sound at a time on the output timeline."""

    file: Annotated[str, Field(min_length=1)]
    at: Seconds
    volume: Volume = 0


class Audio(SpecModel):
    """The mix: music, original sound, ducking, loudness target, effects."""

    music: Music | None = None
    original: Original = Field(default_factory=Original)
    duck: Duck | None = None
    loudness: Annotated[float, Field(ge=-70, le=0)] | None = -14
    effects: Annotated[list[SoundEffect], Field(max_length=MAX_LAYERS)] = Field(
        default_factory=list
    )


class Moderation(SpecModel):
    """Words that make a job refused when its text contains them."""

    blocklist: Annotated[list[Annotated[str, Field(min_length=1)]], Field(max_length=10_000)] = (
        Field(default_factory=list)
    )


X264Preset = Literal[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
]


class Output(SpecModel):
    """Encoding settings and the files written beside the video."""

    crf: Annotated[int, Field(ge=0, le=51)] = 20
    preset: X264Preset = "veryfast"
    audio_bitrate: Annotated[str, Field(pattern=r"^\d{2,4}k$")] = "128k"
    faststart: bool = True
    strip_metadata: bool = True
    thumbnail: Seconds | None = 1.0
    preview: Literal["gif", "webp"] | None = None
    sidecar: bool = True
    # --- delivery (issue 10): an output profile sets size, fps and bitrate caps ---
    profile: Annotated[
        str | None,
        Field(json_schema_extra=lambda schema: _profile_schema(schema)),
    ] = None

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, name: str | None) -> str | None:
        # Imported here: the delivery package imports these models.
        from clipforge.delivery.profiles import get_profile

        if name is not None:
            try:
                get_profile(name)
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
        return name


def _profile_schema(schema: dict[str, Any]) -> None:
    """List the profile names in the JSON Schema, so editors can complete them."""
    from clipforge.delivery.profiles import profile_names

    schema["examples"] = profile_names()
    schema["description"] = "Output profile: " + ", ".join(profile_names())


# --- end delivery ---


# --- preset and job -----------------------------------------------------------------------------


class Preset(SpecModel):
    """A whole preset. Only `clipforge: 1` is required."""

    clipforge: Literal[1]
    name: str | None = None
    description: str = ""
    extends: str | None = None
    canvas: Canvas = Field(default_factory=Canvas)
    limit: Limit = Field(default_factory=Limit)
    variables: Variables = Field(default_factory=dict)
    timeline: Timeline = Field(default_factory=Timeline)
    filters: Annotated[list[Filter], Field(max_length=MAX_LAYERS)] = Field(default_factory=list)
    stickers: Annotated[list[Sticker], Field(max_length=MAX_LAYERS)] = Field(default_factory=list)
    text: Annotated[list[AnyTextLayer], Field(max_length=MAX_LAYERS)] = Field(default_factory=list)
    audio: Audio = Field(default_factory=Audio)
    moderation: Moderation = Field(default_factory=Moderation)
    output: Output = Field(default_factory=Output)

    # Where the preset came from, set by the loader; not part of the document.
    _source: Path | None = PrivateAttr(default=None)
    _source_dirs: tuple[Path, ...] = PrivateAttr(default=())
    _asset_roots: tuple[Path, ...] = PrivateAttr(default=())
    _lines: Any = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The preset file this was loaded from, if any."""
        return self._source

    @property
    def source_dir(self) -> Path | None:
        """The folder that relative asset paths start from (the preset file's folder)."""
        return self._source_dirs[0] if self._source_dirs else None

    @property
    def source_dirs(self) -> tuple[Path, ...]:
        """The preset's folder, then the folders of the presets it extends (nearest first)."""
        return self._source_dirs

    @property
    def asset_roots(self) -> tuple[Path, ...]:
        """Extra asset roots given when loading (for example with `--assets`)."""
        return self._asset_roots


class Job(SpecModel):
    """One render: inputs, a preset (catalog name or path), an output path, variables."""

    inputs: Annotated[
        list[Annotated[str, Field(min_length=1)]], Field(min_length=1, max_length=1000)
    ]
    preset: str | None = None
    output: Annotated[str, Field(min_length=1)]
    variables: Variables = Field(default_factory=dict)
    music: str | None = None
