"""User ids are kept only as keyed hashes; the key (the salt) lives in its own file beside the database.

A file of its own, not a table: a copy of the database handed to an analyst then carries no way to
test a guessed user id against it (Telegram ids are few enough to try them all).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import FeedbackError

SALT_BYTES = 32
KEY_HEX = 32  # 128 bits of the HMAC: no collisions among any number of readers a newsroom has


class UserKeys:
    """Turns a user id into the opaque key the store keeps: HMAC-SHA256 with a secret salt."""

    def __init__(self, salt: bytes) -> None:
        if len(salt) < 16:
            raise ValueError("the salt must hold at least 16 bytes")
        self._salt = salt

    def key(self, channel: str, user_id: int | str) -> str:
        """The stored form of `user_id` on `channel` ("telegram", "console")."""
        message = f"{channel}:{user_id}".encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:KEY_HEX]

    @classmethod
    def beside(cls, database: Path) -> UserKeys:
        """The keys for `database`, from its salt file (made once, by whichever process comes first)."""
        return cls(load_salt(database.with_name(database.name + ".salt")))


def load_salt(path: Path) -> bytes:
    """The salt in `path`, made first if there is none. Safe with several processes at once: the
    salt is written to a temporary file and linked into place, so no one reads a half-written salt
    and the first link wins."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(SALT_BYTES))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return _read(path)


def _read(path: Path) -> bytes:
    salt = path.read_bytes()
    if len(salt) < 16:
        raise FeedbackError(f"the salt file {path} is damaged (fewer than 16 bytes); move it away to start anew")
    return salt
