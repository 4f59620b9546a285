"""The browser's sign-in on loopback: a per-data-dir secret (0600) from which the sign-in
cookie is derived, so that a browser stays signed in across restarts of the same data dir
and of no other."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

SIGNIN_SECRET = "signin.key"
SIGNIN_MAX_AGE_S = 400 * 24 * 3600  # the longest a browser keeps a cookie


def signin_secret(data_dir: Path) -> bytes:
    """The data dir's own secret (0600), made on first use: the browser's sign-in cookie is
    derived from it, so that the cookie outlives a restart of the same data dir and no
    other. Deleting the file signs every browser out."""
    path = data_dir / SIGNIN_SECRET
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.name != "nt" and path.stat().st_mode & 0o077:
            path.chmod(0o600)
        secret = path.read_bytes().strip()
        if len(secret) >= 32:
            return secret
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    secret = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
    return secret


def browser_cookie(secret: bytes) -> str:
    digest = hmac.new(secret, b"wow-rag browser sign-in", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
