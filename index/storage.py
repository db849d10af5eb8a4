"""The index file: plain JSON with a format version, written atomically, read with checks."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError

FORMAT = "qabot-index"
FORMAT_VERSION = 3
INDEX_FILE = "index.json"
# Names inside an index's folder that qabot itself uses; a companion file must not take one.
RESERVED = frozenset((INDEX_FILE, "archives", "segments", "rebuild.lock", "english-stems.tsv"))


@dataclass(frozen=True)
class IndexPaths:
    """Where the files of one index live: `file` (the JSON index, or the pointer to an archive)
    and `home`, the one folder that holds everything else (archives, segment cache, lock, English
    stems table, and companion files such as embedding vectors)."""

    file: Path
    home: Path

    @property
    def archives(self) -> Path:
        """The archive folders (archive engine)."""
        return self.home / "archives"

    @property
    def segments(self) -> Path:
        """The per-file segment cache (archive engine)."""
        return self.home / "segments"

    @property
    def lock(self) -> Path:
        """The rebuild lock."""
        return self.home / "rebuild.lock"

    def companion(self, name: str) -> Path:
        """The path of a file named `name` that belongs with this index, inside its folder."""
        if not name or "/" in name or name in (".", "..") or name in RESERVED:
            raise ValueError(f"{name!r} cannot name a companion file of an index")
        return self.home / name


def index_paths(path: Path | str) -> IndexPaths:
    """The files of the index named `path`.

    A path ending in `.json` is the index file itself, and everything else lives in the folder
    `<name>.d` beside it, except a file named `index.json`, whose folder is its own. Any other
    path is the index's folder, holding `index.json` and the rest: `--out PATH` then writes
    nothing outside PATH. Decided by the name alone, not by what exists,
    so that a build and a later load agree before the first build too."""
    path = Path(path)
    if path.name == INDEX_FILE:
        # The folder's own index file, named directly (`--index .qabot/index.json`): the same
        # index as `.qabot`, so the same companions (vectors, segments, feedback), not a new set.
        return IndexPaths(path, path.parent)
    if path.suffix.lower() == ".json":
        return IndexPaths(path, path.with_name(path.name + ".d"))
    return IndexPaths(path / INDEX_FILE, path)


def companion_path(index: Path, name: str) -> Path:
    """The path of a file named `name` that belongs with the index `index` (see IndexPaths)."""
    return index_paths(index).companion(name)


def write_index(path: Path, data: dict[str, Any]) -> None:
    """Write the index `data` to the index file of `path`, atomically (see write_json)."""
    write_json(index_paths(path).file, {"format": FORMAT, "version": FORMAT_VERSION, **data})


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as JSON to `path`, atomically (see write_bytes)."""
    write_bytes(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def write_bytes(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that a crash at any moment leaves the old file or the new one."""
    write_atomically(path, lambda out: out.write(payload))


def write_atomically(path: Path, fill: Callable[[BinaryIO], object], durable: bool = True) -> None:
    """Write `path` with `fill(out)`: into a temporary file beside it, renamed over it when complete,
    so that a reader or a crash sees the old file or the new one, never half of one. `durable`:
    synced to disk first (a cache entry, checked when read, can skip that)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; the index is no secret and others read it
        with os.fdopen(fd, "wb") as out:
            fill(out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)  # the rename itself is durable only once the folder is synced


def fsync_dir(folder: Path) -> None:
    """Make the folder's entries (files created, renamed or removed in it) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_index(index: Path) -> dict[str, Any]:
    """Read and check an index file; raise IndexMissingError or IndexCorruptError otherwise."""
    path = index_paths(index).file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IndexMissingError(f"no index at {path}; run `qabot index`") from None
    except OSError as err:
        raise IndexCorruptError(f"cannot read the index at {path} ({err.strerror})") from err
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise IndexCorruptError(
            f"the index at {path} is damaged; rebuild it with `qabot index`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise IndexCorruptError(f"{path} is not a qabot index; rebuild it with `qabot index`")
    if data.get("version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"the index at {path} has format version {data.get('version')!r}, this qabot reads "
            f"version {FORMAT_VERSION}; rebuild it with `qabot index`"
        )
    return data


def rebuild_lock(path: Path) -> contextlib.AbstractContextManager[None]:
    """Hold an exclusive lock for rebuilding the index `path`; a second rebuild at once is refused."""
    return file_lock(
        index_paths(path).lock, f"another rebuild of {path} is running; try again when it has finished"
    )


@contextlib.contextmanager
def file_lock(lock_path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on the file `lock_path`; IndexBusyError(`busy`) when it is held."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusyError(busy) from None
            raise
        yield
    finally:
        os.close(fd)
