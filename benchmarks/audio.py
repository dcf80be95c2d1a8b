"""Audio benchmarks: time of the audio work for a 15 s clip, beat tracking accuracy, stretch
alignment and loudness after AAC encoding.

Run: .venv/bin/python benchmarks/audio.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clipforge.audio.beats import beat_times  # noqa: E402
from clipforge.audio.original import shape_segment  # noqa: E402
from clipforge.audio.timeline import mix_audio  # noqa: E402
from clipforge.spec import preset_from_dict  # noqa: E402
from clipforge.timeline import plan_timeline  # noqa: E402
from tests.audio_helpers import (  # noqa: E402
    RATE,
    beat_scores,
    click_times,
    drums,
    ebur128,
    encode,
    tone,
    with_clicks,
)
from tests.gen import make_video  # noqa: E402

PRESET = {
    "clipforge": 1,
    "canvas": {"size": "180x320"},
    "audio": {
        "music": {"file": "music/pop-120.m4a", "start": 12.0, "fade_in": 0.5, "fade_out": 1.5},
        "original": {"volume": -6},
        "duck": {"amount": -9, "threshold": -30},
        "effects": [{"file": "sfx/pop.wav", "at": 1.0}, {"file": "sfx/ding.wav", "at": 7.5}],
    },
}


def audio_time(folder: Path, runs: int) -> None:
    footage = make_video(folder / "take.mp4", 15.0, size=(180, 320), tone=440.0)
    spec = preset_from_dict(PRESET)
    plan = plan_timeline([footage], spec)
    times, cpu = [], []
    for _ in range(runs):
        start, used = time.perf_counter(), _cpu()
        mix = mix_audio(spec, plan, 15.0, [])
        times.append(time.perf_counter() - start)
        cpu.append(_cpu() - used)
    start = time.perf_counter()
    assert mix.beats is not None
    beats = time.perf_counter() - start
    print(
        f"audio work, 15 s clip (original + music + ducking + 2 effects + -14 LUFS): "
        f"wall best {min(times):.3f} s, median {statistics.median(times):.3f} s over {runs} runs "
        f"(CPU, ffmpeg included: median {statistics.median(cpu):.3f} s); "
        f"beats of the music on demand: {beats:.3f} s"
    )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the ffmpeg decoders)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def beat_accuracy(quick: bool) -> None:
    print("\nbeats on generated tracks (kick/snare/hats/chord + white noise), 15 s each:")
    print("noise vs music | tracks | recall >= 0.9 | precision >= 0.9 | tempo within 2 % | "
          "mean recall | worst tempo error")  # fmt: skip
    tempos = range(80, 161, 16 if quick else 4)
    for noise_db in (-12.0, -6.0, 0.0, 6.0):
        recalls, precisions, errors = [], [], []
        for bpm in tempos:
            sound, truth = drums(float(bpm), 15.0, seed=bpm, noise_db=noise_db)
            info = beat_times(sound, RATE)
            recall, precision = beat_scores(info.times, truth)
            recalls.append(recall)
            precisions.append(precision)
            errors.append(abs(info.tempo / bpm - 1))
        n = len(recalls)
        print(
            f"{noise_db:+5.0f} dB | {n} | {sum(r >= 0.9 for r in recalls)} | "
            f"{sum(p >= 0.9 for p in precisions)} | {sum(e < 0.02 for e in errors)} | "
            f"{np.mean(recalls):.3f} | {100 * max(errors):.2f} %"
        )


def stretch_alignment() -> None:
    clicks = [0.4, 1.1, 1.75, 2.3, 2.8]
    sound = with_clicks(tone(3.0, 300.0, 0.05), clicks)
    print("\nclick positions after time-stretching (pitch kept), worst error:")
    for speed in (0.25, 0.5, 2.0, 4.0):
        out = shape_segment(sound, speed=speed)
        found = click_times(out)
        expected = np.array(clicks) / speed
        gaps = np.abs(expected[:, None] - found[None, :]).min(axis=1) if len(found) else expected
        heard = gaps < 0.05
        start = time.perf_counter()
        shape_segment(sound, speed=speed)
        took = time.perf_counter() - start
        print(
            f"  {speed:>4}x: {heard.sum()} of {len(clicks)} clicks over 30 % of the loudest, "
            f"worst {1000 * gaps[heard].max():.1f} ms off ({took / (len(out) / RATE):.3f} s "
            f"of work per output s)"
        )


def loudness_after_aac(folder: Path) -> None:
    print("\nloudness after AAC, by ffmpeg's ebur128 (promise: target within 1 LU, <= -1 dBTP):")
    footage = make_video(folder / "take.mp4", 15.0, size=(90, 160), tone=440.0)
    for music, target in (("pop-120", -14), ("chill-90", -14), ("pop-120", -10), ("pop-120", -8)):
        spec = preset_from_dict(
            {"clipforge": 1, "canvas": {"size": "90x160"},
             "audio": {"music": {"file": f"music/{music}.m4a"}, "loudness": target}}
        )  # fmt: skip
        mix = mix_audio(spec, plan_timeline([footage], spec), 15.0, [])
        found = []
        for bitrate in ("128k", "96k"):
            path = encode(folder / "mix.m4a", mix.samples, codec=("-c:a", "aac", "-b:a", bitrate))
            loudness, peak = ebur128(path)
            found.append(f"{bitrate}: {loudness:.1f} LUFS, {peak:.1f} dBTP")
        print(f"  {music} + original, target {target}: " + "; ".join(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer tempos and runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        audio_time(folder, 3 if args.quick else 7)
        stretch_alignment()
        loudness_after_aac(folder)
    beat_accuracy(args.quick)


if __name__ == "__main__":
    main()
