"""Batch rendering (issue 8): parsing, validation, resume, retries, timeouts, Ctrl-C.

Media is tiny (180x320 at 15 fps, 1 s clips) so each render takes well under a second; the job
processes come from forkers kept warm between batches, so only the first batch pays the import.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from gen import make_video

from clipforge.batch import MANIFEST_NAME, run_batch
from clipforge.batch.jobs import BatchJob, JobProblem, load_batch, validate_jobs
from clipforge.cli import main
from clipforge.errors import PresetError
from clipforge.media import probe

TINY_PRESET = """\
clipforge: 1
canvas: {size: 180x320, fps: 15}
output: {thumbnail: null, sidecar: false}
variables: {caption: "#Tiny"}
text:
  - {content: "{{caption}}", size: 20, at: ["50%", "80%"]}
"""
# `type: fog` is not a filter: the preset fails validation, with its line.
BROKEN_PRESET = """\
clipforge: 1
canvas: {size: 180x320, fps: 15}
filters:
  - {type: fog, amount: 2}
"""


def make_media(folder: Path) -> Path:
    """Tiny presets and clips in `folder` (returned)."""
    (folder / "presets").mkdir(parents=True, exist_ok=True)
    (folder / "clips").mkdir(exist_ok=True)
    (folder / "presets" / "tiny.yaml").write_text(TINY_PRESET)
    (folder / "presets" / "broken.yaml").write_text(BROKEN_PRESET)
    for name in ("a", "b"):
        make_video(folder / "clips" / f"{name}.mp4", seconds=1.0, fps=15)
    make_video(folder / "clips" / "long.mp4", seconds=5.0, fps=15)
    # Exists and is not empty (passes validation) but is no video: fails in the render.
    (folder / "clips" / "broken.mp4").write_bytes(os.urandom(4096))
    return folder


def write_scenario(folder: Path, out: str = "out") -> Path:
    """The issue's batch: 8 jobs, one with a broken input, one with a broken preset."""
    jobs = []
    for i in range(8):
        clip = "clips/a.mp4" if i % 2 else "clips/b.mp4"
        job: dict = {"inputs": [clip], "output": f"{out}/{i}.mp4"}
        job["variables"] = {"caption": f"#Clip{i}"}
        jobs.append(job)
    jobs[3]["inputs"] = ["clips/broken.mp4"]
    jobs[5]["preset"] = "presets/broken.yaml"
    path = folder / f"batch-{out}.json"
    path.write_text(json.dumps({"defaults": {"preset": "presets/tiny.yaml"}, "jobs": jobs}))
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return make_media(tmp_path_factory.mktemp("batch"))


def statuses(report) -> list[str]:
    return [job.status for job in report.jobs]


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part-" in p.name]


def test_issue_scenario_resume_and_force(media):
    batch = write_scenario(media)
    out = media / "out"
    report_path = media / "report.json"
    result = CliRunner().invoke(main, ["batch", str(batch), "--report", str(report_path)])
    assert result.exit_code == 1, result.output
    report = json.loads(report_path.read_text())
    by_id = {job["id"]: job for job in report["jobs"]}
    assert report["counts"] == {"done": 6, "skipped": 0, "failed": 2, "cancelled": 0}
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"{i}.mp4" for i in (0, 1, 2, 4, 6, 7)]
    # The broken input failed in the render, once: a bad input is never retried.
    assert by_id[3]["status"] == "failed" and by_id[3]["kind"] == "input"
    assert by_id[3]["attempts"] == 1 and "broken.mp4" in by_id[3]["error"]
    # The broken preset was refused before rendering, naming the file, line and key.
    assert by_id[5]["status"] == "failed" and by_id[5]["attempts"] == 0
    assert "broken.yaml:4" in by_id[5]["error"] and "fog" in by_id[5]["error"]
    assert "jobs[3]" in result.output and "jobs[5]" in result.output
    info = probe(out / "0.mp4")
    assert (info.width, info.height) == (180, 320)
    assert not partials(media)

    second = run_batch(batch)
    assert statuses(second).count("skipped") == 6 and statuses(second).count("done") == 0
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}

    (out / "4.mp4").unlink()
    third = run_batch(batch)
    assert [j.index for j in third.jobs if j.status == "done"] == [4]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4") if p.name != "4.mp4"} == {
        k: v for k, v in mtimes.items() if k != "4.mp4"
    }

    # A changed variable changes the key of that job only.
    data = json.loads(batch.read_text())
    data["jobs"][0]["variables"]["caption"] = "#Changed"
    batch.write_text(json.dumps(data))
    fourth = run_batch(batch)
    assert [j.index for j in fourth.jobs if j.status == "done"] == [0]

    forced = run_batch(batch, force=True)
    assert statuses(forced).count("done") == 6
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert sorted(manifest["outputs"]) == sorted(f"{i}.mp4" for i in (0, 1, 2, 4, 6, 7))


def test_csv_rows_and_variables(media, tmp_path):
    csv_file = media / "jobs.csv"
    csv_file.write_text(
        "output,inputs,preset,var:caption\n"
        "csv/a.mp4,clips/a.mp4;clips/b.mp4,presets/tiny.yaml,#A\n"
        "csv/b.mp4,clips/nope.mp4,presets/tiny.yaml,#B\n"
        '"csv/c.mp4","clips/a.mp4","nosuch-preset","multi\nline"\n'
        "csv/d.mp4,,presets/tiny.yaml,#D\n"
    )
    checked = validate_jobs(load_batch(csv_file))
    first, missing, unknown, empty = checked
    assert isinstance(first, BatchJob)
    assert [p.name for p in first.inputs] == ["a.mp4", "b.mp4"]
    assert first.variables == {"caption": "#A"} and first.output == media / "csv" / "a.mp4"
    assert isinstance(missing, JobProblem) and missing.where == "jobs.csv:3"
    assert "nope.mp4" in missing.error and "not found" in missing.error
    assert isinstance(unknown, JobProblem) and unknown.where == "jobs.csv:4"
    assert "nosuch-preset" in unknown.error
    # A quoted cell spanning two lines: the next row is on line 6.
    assert isinstance(empty, JobProblem) and empty.where == "jobs.csv:6"
    assert "jobs.csv:6" in empty.error and "inputs" in empty.error


def test_csv_unknown_column_refuses_the_file(media):
    bad = media / "bad.csv"
    bad.write_text("output,inputs,captoin\nx.mp4,clips/a.mp4,hi\n")
    result = CliRunner().invoke(main, ["batch", str(bad)])
    assert result.exit_code == 2
    assert "unknown column 'captoin'" in result.output and "bad.csv:1" in result.output


def test_jsonl_lines_and_yaml_positions(media):
    jsonl = media / "jobs.jsonl"
    jsonl.write_text(
        '{"defaults": {"preset": "presets/tiny.yaml"}}\n'
        '{"inputs": ["clips/a.mp4"], "output": "jl/a.mp4"}\n'
        "\n"
        '{"inputs": ["clips/a.mp4"], "output": "jl/b.mp4",\n'
        '{"inputs": ["clips/a.mp4"], "outptu": "jl/c.mp4"}\n'
    )
    checked = validate_jobs(load_batch(jsonl))
    assert isinstance(checked[0], BatchJob) and checked[0].preset.endswith("tiny.yaml")
    assert isinstance(checked[1], JobProblem) and checked[1].where == "jobs.jsonl:4"
    assert "JSON syntax error" in checked[1].error
    assert isinstance(checked[2], JobProblem) and checked[2].where == "jobs.jsonl:5"
    assert "outptu" in checked[2].error

    yaml_file = media / "jobs.yaml"
    yaml_file.write_text(
        "defaults:\n"
        "  preset: presets/tiny.yaml\n"
        "jobs:\n"
        "  - {inputs: [clips/a.mp4], output: y/a.mp4}\n"
        "  - inputs: [clips/a.mp4]\n"
        "    output: y/b.mp4\n"
        "    musik: song.mp3\n"
        "  - {inputs: [clips/a.mp4], output: y/a.mp4}\n"
    )
    checked = validate_jobs(load_batch(yaml_file))
    assert isinstance(checked[1], JobProblem) and checked[1].where == "jobs[1]"
    assert "jobs.yaml:7" in checked[1].error and "musik" in checked[1].error
    # Two jobs writing one output: both refused, each naming the other.
    assert isinstance(checked[0], JobProblem) and "jobs[2]" in checked[0].error
    assert isinstance(checked[2], JobProblem) and "jobs[0]" in checked[2].error

    alias = media / "alias.yaml"
    alias.write_text("jobs:\n  - &j {inputs: [a.mp4], output: o.mp4}\n  - *j\n")
    with pytest.raises(PresetError, match="alias"):
        load_batch(alias)


def test_a_big_json_batch_nested_too_deep_is_refused_not_a_traceback(tmp_path):
    # Over the size where positions are kept, parsed by the plain JSON path: deep nesting
    # must still be a PresetError naming the file.
    deep = tmp_path / "deep.json"
    deep.write_text('{"jobs": ' + "[" * 600_000 + "]" * 600_000 + "}")
    with pytest.raises(PresetError, match="invalid JSON") as caught:
        load_batch(deep)
    assert "deep.json" in str(caught.value)


def _descendants_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


def test_hanging_job_is_killed_at_its_timeout(media, monkeypatch):
    import clipforge.batch.forker as forker

    monkeypatch.setattr(forker, "GRACE_SECONDS", 0.5)
    seen: list[psutil.Process] = []

    def freeze(pid: int) -> None:
        # Wait for the render's ffmpeg processes, then freeze the job: a real hang.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_descendants_of(pid)) < 2:
            time.sleep(0.02)
        seen.extend(_descendants_of(pid))
        seen.append(psutil.Process(pid))
        os.kill(pid, signal.SIGSTOP)

    def progress(event) -> None:
        if event.kind == "started":
            threading.Thread(target=freeze, args=(event.pid,), daemon=True).start()

    job = {"inputs": ["clips/long.mp4"], "output": "hang/x.mp4", "preset": "presets/tiny.yaml"}
    # The timeout leaves room for the job to start its ffmpeg processes on a loaded CI machine.
    report = run_batch([job], base_dir=media, timeout=6.0, retries=0, progress=progress)
    (line,) = report.jobs
    assert line.status == "failed" and line.kind == "timeout" and line.attempts == 1
    assert "timed out after 6 s" in line.error
    assert len(seen) >= 3, "the job had no ffmpeg children to check"
    time.sleep(0.2)
    assert not _alive(seen), "processes of the killed job are still running"
    assert not (media / "hang" / "x.mp4").exists()
    assert not partials(media / "hang")


def test_crashed_job_is_retried_and_reported(media):
    killed: list[tuple[int, int]] = []

    def progress(event) -> None:
        # Job 0 is killed on every attempt, job 1 only on its first.
        if event.kind == "started" and (event.job.index == 0 or event.job.attempts == 1):
            killed.append((event.job.index, event.job.attempts))
            os.kill(event.pid, signal.SIGKILL)

    jobs = [
        {"inputs": ["clips/a.mp4"], "output": f"crash/{i}.mp4", "preset": "presets/tiny.yaml"}
        for i in range(2)
    ]
    report = run_batch(jobs, base_dir=media, retries=1, workers=2, progress=progress)
    always, once = report.jobs
    assert always.status == "failed" and always.kind == "crash" and always.attempts == 2
    assert "SIGKILL" in always.error
    assert once.status == "done" and once.attempts == 2
    assert sorted(killed) == [(0, 1), (0, 2), (1, 1)]
    assert probe(media / "crash" / "1.mp4").duration == pytest.approx(1.0, abs=0.1)
    assert not (media / "crash" / "0.mp4").exists()
    assert not partials(media / "crash")


def test_ctrl_c_stops_cleanly(media):
    jobs = [
        {"inputs": ["clips/long.mp4"], "output": f"int/{i}.mp4", "variables": {"caption": str(i)}}
        for i in range(6)
    ]
    batch = media / "int.yaml"
    batch.write_text(json.dumps({"defaults": {"preset": "presets/tiny.yaml"}, "jobs": jobs}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "clipforge", "batch", str(batch), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out = media / "int"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not partials(out):
            time.sleep(0.05)
        assert partials(out), "no render started"
        tree = _descendants_of(proc.pid)
        proc.send_signal(signal.SIGINT)  # what a Ctrl-C in the terminal sends
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    assert not partials(out)
    time.sleep(0.2)
    assert not _alive(tree), "processes left behind after Ctrl-C"
    # Outputs that exist are complete, and recorded so a rerun skips them.
    finished = sorted(out.glob("*.mp4"))
    for path in finished:
        assert probe(path).duration == pytest.approx(5.0, abs=0.1)
    if finished:
        recorded = json.loads((out / MANIFEST_NAME).read_text())["outputs"]
        assert {p.name for p in finished} == set(recorded)


def test_image_sequence_inputs_render_and_resume_on_their_images(media):
    from PIL import Image

    shots = media / "shots"
    shots.mkdir()
    for i in range(10):  # 10 frames at 15 fps: two thirds of a second
        Image.new("RGB", (90, 160), (20 * i, 100, 200)).save(shots / f"s{i}.png")
    jobs = [
        {"inputs": ["shots"], "output": "seq/folder.mp4"},
        {"inputs": ["shots/*.png"], "output": "seq/pattern.mp4"},
        {"inputs": ["nothing/*.png"], "output": "seq/empty.mp4"},
    ]
    source = media / "seq.json"
    source.write_text(json.dumps({"defaults": {"preset": "presets/tiny.yaml"}, "jobs": jobs}))
    first = run_batch(source, workers=1)
    assert statuses(first) == ["done", "done", "failed"]
    assert "no images found" in first.jobs[2].error
    assert probe(media / "seq" / "folder.mp4").duration == pytest.approx(10 / 15, abs=0.07)
    assert statuses(run_batch(source, workers=1)) == ["skipped", "skipped", "failed"]
    # Editing one image of the sequence makes both jobs out of date.
    Image.new("RGB", (90, 160), (255, 0, 0)).save(shots / "s4.png")
    assert statuses(run_batch(source, workers=1)) == ["done", "done", "failed"]
