"""Sessions are keyed by an HMAC of the Telegram user id, with a secret kept out of the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "pseudonym.secret"  # noqa: S105 - a file name, not a secret


def pseudonym(secret: bytes, user_id: int) -> str:
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """Read the secret beside the database, or make one readable only by its owner."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(value)
    return value
