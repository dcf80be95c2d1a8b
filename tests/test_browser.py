"""A rendered clip plays in a real browser: Debian's Chromium, headless, driven by Playwright.

The clip is served from 127.0.0.1 by a local http.server thread; the page loads it in a
`<video>` element, seeks, draws the frame into a canvas and reads the pixels back. Colours are
checked against what was rendered, so a browser that mis-read the colour tags (BT.601 instead
of BT.709) or could not decode the profile would fail. The preview GIF is checked the same way.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from RangeHTTPServer import RangeRequestHandler

import clipforge

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # needed as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Colours that a BT.601 decode of the BT.709 file would move by 13 to 28 levels.
FIRST, SECOND = (200, 60, 40), (20, 200, 60)  # the footage's colour before and after 1 s
STICKER = (200, 40, 200)
TOLERANCE = 6  # Chromium's own YUV->RGB rounding is within 5 levels
SIZE = (180, 320)


def chromium() -> str:
    """Debian's chromium; skipped only where it is truly absent outside CI."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed here (.ci/run installs Debian's package)")
    return path


class _QuietHandler(RangeRequestHandler):
    """Serves files with Range requests: Chromium seeks in a video only where it may."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1 (only), and its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><html><body></body></html>")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def render_clip(folder: Path) -> Path:
    """2 s, 180x320: FIRST then SECOND, a STICKER square at (30..70, 30..70), a 440 Hz tone."""
    square = folder / "square.png"
    from PIL import Image

    Image.new("RGBA", (40, 40), (*STICKER, 255)).save(square)
    frames = [np.full((320, 180, 3), FIRST if i < 30 else SECOND, np.uint8) for i in range(60)]
    t = np.arange(96000) / 48000
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    source = clipforge.FrameSource(
        iter(frames), fps=30, duration=2.0, audio=np.stack([tone, tone], axis=1)
    )
    preset = folder / "web.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\n"
        "stickers: [{image: square.png, at: [50, 50], width: 40}]\n"
        "output: {preview: gif}\n"
    )
    out = folder / "clip.mp4"
    clipforge.render([source], out, preset)
    return out


# Runs in the page: load, seek to each time, draw the frame, average the pixels of each region.
MEASURE = """async ([src, times, regions]) => {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  document.body.appendChild(video);
  const loaded = new Promise((ok, bad) => {
    video.onloadeddata = ok;
    video.onerror = () => bad(new Error('video error ' + (video.error && video.error.code)));
  });
  video.src = src;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const g = canvas.getContext('2d', {willReadFrequently: true});
  const mean = ([x, y, w, h]) => {
    const d = g.getImageData(x, y, w, h).data, sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) {
      sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2];
    }
    return sum.map(v => v / (d.length / 4));
  };
  const seen = [], times_seen = [];
  for (const t of times) {
    const seeked = new Promise(ok => { video.onseeked = ok; });
    video.currentTime = t;
    await seeked;
    times_seen.push(video.currentTime);
    g.drawImage(video, 0, 0);
    seen.push(regions.map(mean));
  }
  const img = new Image();
  img.src = src.replace(/\\.mp4$/, '.gif');
  await img.decode();
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  return {
    width: video.videoWidth, height: video.videoHeight, duration: video.duration,
    canPlay: video.canPlayType('video/mp4; codecs="avc1.640028, mp4a.40.2"'),
    seen, times: times_seen, gif: regions.map(mean), gifSize: [img.naturalWidth, img.naturalHeight],
  };
}"""


def test_rendered_clip_plays_seeks_and_shows_the_right_colours(served, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    site, base = served
    clip = render_clip(tmp_path)
    for path in (clip, clip.with_suffix(".gif")):
        shutil.copy(path, site / path.name)
    footage = [110, 160, 50, 80]  # x, y, w, h: footage only
    sticker = [36, 36, 28, 28]  # inside the sticker square (30..70)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{base}/index.html")
            result = page.evaluate(MEASURE, [f"{base}/clip.mp4", [0.5, 1.5], [footage, sticker]])
        finally:
            context.close()
    assert result["canPlay"] == "probably"
    assert (result["width"], result["height"]) == SIZE
    assert result["duration"] == pytest.approx(2.0, abs=0.05)
    assert result["times"] == [0.5, 1.5]  # the seeks happened
    (early_footage, early_sticker), (late_footage, late_sticker) = result["seen"]
    assert np.abs(np.subtract(early_footage, FIRST)).max() <= TOLERANCE, early_footage
    assert np.abs(np.subtract(late_footage, SECOND)).max() <= TOLERANCE, late_footage
    for seen in (early_sticker, late_sticker):
        assert np.abs(np.subtract(seen, STICKER)).max() <= TOLERANCE, seen
    gif_footage, gif_sticker = result["gif"]
    assert result["gifSize"][0] <= SIZE[0]
    assert np.abs(np.subtract(gif_footage, FIRST)).max() <= 8, gif_footage  # the first frame
    assert np.abs(np.subtract(gif_sticker, STICKER)).max() <= 8, gif_sticker
