"""Resume: what each output was made from, kept in `.clipforge-manifest.json` in its folder.

A job's key is a SHA-256 over everything that decides its output: the bytes of its inputs and
music, the resolved preset (extends merged, variables filled) and the bytes of the preset's
assets, the draft flag and clipforge's version. A later run skips a job when its output is
still the recorded file (same size; and the same SHA-256 if its mtime changed) and its key is
unchanged.

Hashing 60,000 inputs of 30 MB on the machine that runs the batch would take hours, so inputs
are hashed by the process that renders them (in parallel, while it reads them anyway) and the
hashes come back with the result. Each manifest also caches file hashes by path, size and
mtime, so checking a finished batch again only stats the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

MANIFEST_NAME = ".clipforge-manifest.json"
MANIFEST_VERSION = 1
SAVE_EVERY_SECONDS = 2.0  # a manifest of 60,000 entries is MiBs: not rewritten per job
_CHUNK = 1 << 20

FileHash = tuple[int, int, str]
"""(size, mtime_ns, sha256 hex) of a file."""


def clipforge_version() -> str:
    """The installed clipforge version (part of every key: a new version renders again)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clipforge")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_file(path: str | Path) -> FileHash:
    """(size, mtime_ns, sha256) of `path`; stat first so a change while reading shows."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, sha256_file(path)


class HashCache:
    """File hashes by path, trusted while size and mtime are unchanged."""

    def __init__(self, entries: Mapping[str, Sequence[Any]] | None = None):
        self.entries: dict[str, FileHash] = {}
        for path, value in (entries or {}).items():
            with contextlib.suppress(TypeError, ValueError):
                size, mtime, sha = value
                self.entries[path] = (int(size), int(mtime), str(sha))

    def add(self, path: str, value: Sequence[Any]) -> None:
        """Remember a hash made elsewhere (by the process that rendered the job)."""
        size, mtime, sha = value
        self.entries[str(path)] = (int(size), int(mtime), str(sha))

    def sha256(self, path: str | Path) -> str:
        """The file's SHA-256, from the cache when its size and mtime are unchanged."""
        key = str(path)
        st = os.stat(path)
        cached = self.entries.get(key)
        if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
            return cached[2]
        value = hash_file(path)
        self.entries[key] = value
        return value[2]


def preset_digest(preset: Any, cache: HashCache, draft: bool) -> str:
    """Fingerprint of a loaded preset: its resolved content, its assets' bytes, draft, version.

    Args:
        preset: A validated `Preset` (variables filled).
        cache: Where asset hashes are cached.
        draft: The batch's draft flag.

    Returns:
        A hex SHA-256.
    """
    from clipforge.spec.assets import resolve_asset
    from clipforge.spec.validate import asset_references

    search = [*preset.source_dirs[1:], *preset.asset_roots]
    assets = {}
    for _, ref in asset_references(preset):
        # Validation checked every asset; a failure here means it changed since: no digest.
        with contextlib.suppress(Exception):
            assets[ref] = cache.sha256(resolve_asset(ref, preset.source_dir, search))
    return _digest(
        {
            "clipforge": clipforge_version(),
            "preset": preset.model_dump(mode="json"),
            "assets": assets,
            "draft": bool(draft),
        }
    )


def job_key(digest: str, files: Sequence[str], variables: Mapping[str, str]) -> str:
    """The key of one job: its preset digest, its input and music hashes (in order), variables.

    Args:
        digest: `preset_digest` of the job's preset.
        files: SHA-256 of each input, then of the music file (if any).
        variables: The job's variables (already in the preset digest; kept for clarity).
    """
    return _digest({"preset": digest, "files": list(files), "variables": dict(variables)})


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Manifests:
    """The manifests of every output folder of a batch, loaded lazily and saved atomically."""

    def __init__(self) -> None:
        self._data: dict[Path, dict[str, Any]] = {}
        self._dirty: dict[Path, dict[str, Any]] = {}
        self._last_save = time.monotonic()
        self.hashes = HashCache()

    def _folder(self, folder: Path) -> dict[str, Any]:
        if folder not in self._data:
            data = _read(folder / MANIFEST_NAME)
            self._data[folder] = data
            for path, value in data.get("files", {}).items():
                with contextlib.suppress(TypeError, ValueError):
                    self.hashes.add(path, value)
        return self._data[folder]

    def record_of(self, output: Path) -> dict[str, Any] | None:
        """What the manifest says about `output` (None: nothing)."""
        entry = self._folder(output.parent).get("outputs", {}).get(output.name)
        return entry if isinstance(entry, dict) else None

    def is_current(self, output: Path, key: str) -> bool:
        """Whether `output` exists, is the file recorded, and was made with `key`.

        Size must match; when the mtime changed (a copy, a touch) the bytes are hashed and
        must match the recorded SHA-256.
        """
        record = self.record_of(output)
        if record is None or record.get("key") != key:
            return False
        try:
            st = output.stat()
        except OSError:
            return False
        if st.st_size != record.get("size"):
            return False
        if st.st_mtime_ns == record.get("mtime_ns"):
            return True
        try:
            same = sha256_file(output) == record.get("sha256")
        except OSError:
            return False
        if same:  # a copy or a touch: trust the new mtime from now on
            self.record(output, key, {**record, "mtime_ns": st.st_mtime_ns}, ())
        return same

    def record(self, output: Path, key: str, made: Mapping[str, Any], files: Iterable[str]) -> None:
        """Remember a finished output.

        Args:
            output: The output file.
            key: Its job key.
            made: `size`, `mtime_ns` and `sha256` of the output, measured where it was made.
            files: Paths of the files it was made from (their hashes go into the cache).
        """
        folder = output.parent
        data = self._folder(folder)
        entry = {
            "key": key,
            "size": made.get("size"),
            "mtime_ns": made.get("mtime_ns"),
            "sha256": made.get("sha256"),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        data.setdefault("outputs", {})[output.name] = entry
        cache = data.setdefault("files", {})
        for path in files:
            if path in self.hashes.entries:
                cache[path] = list(self.hashes.entries[path])
        pending = self._dirty.setdefault(folder, {"outputs": {}, "files": {}})
        pending["outputs"][output.name] = entry
        pending["files"].update({p: cache[p] for p in files if p in cache})

    def forget(self, output: Path) -> None:
        """Drop the record of `output` (it is about to be rendered again)."""
        folder = output.parent
        data = self._folder(folder)
        if data.get("outputs", {}).pop(output.name, None) is not None:
            pending = self._dirty.setdefault(folder, {"outputs": {}, "files": {}})
            pending["outputs"][output.name] = None

    def save(self, force: bool = True) -> None:
        """Write changed manifests (not more often than every 2 s unless `force`).

        Each file is re-read and our changes laid over it before the atomic replace, so
        another batch writing into the same folder loses as little as possible.
        """
        recent = time.monotonic() - self._last_save < SAVE_EVERY_SECONDS
        if not self._dirty or (recent and not force):
            return
        for folder, pending in list(self._dirty.items()):
            path = folder / MANIFEST_NAME
            current = _read(path)
            outputs = current.setdefault("outputs", {})
            for name, entry in pending["outputs"].items():
                if entry is None:
                    outputs.pop(name, None)
                else:
                    outputs[name] = entry
            current.setdefault("files", {}).update(pending["files"])
            current["clipforge_manifest"] = MANIFEST_VERSION
            with contextlib.suppress(OSError):  # a read-only folder loses resume, not renders
                folder.mkdir(parents=True, exist_ok=True)
                write_json_atomic(path, current)
                del self._dirty[folder]
        self._last_save = time.monotonic()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: nothing is trusted, everything renders
    if not isinstance(data, dict) or data.get("clipforge_manifest") != MANIFEST_VERSION:
        return {}
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    temp = path.parent / f".{path.name}.part-{secrets.token_hex(4)}"
    try:
        temp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
