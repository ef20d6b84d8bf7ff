"""The access token: random, kept in the data folder so that a subscribed podcast app keeps working
across restarts; `--new-token` replaces it (and so shuts out every phone that had the old one)."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from voicecoach.serve.errors import PublishError

TOKEN_FILE = "serve-token"
#: 24 random bytes: 32 URL-safe characters.
TOKEN_BYTES = 24
_VALID = re.compile(r"[A-Za-z0-9_-]{32,128}")


def is_valid_token(text: str) -> bool:
    """Whether `text` looks like a token this module made (a damaged file gets a new one)."""
    return bool(_VALID.fullmatch(text))


def load_or_create(data_dir: Path, renew: bool = False) -> str:
    """The token kept in `data_dir`, made (readable by the owner only) when missing, damaged or `renew`."""
    path = data_dir / TOKEN_FILE
    if not renew:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            text = ""
        if is_valid_token(text):
            return text
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(token + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise PublishError(
            f"cannot keep the access token in {data_dir}: {exc.strerror or exc} "
            "(set VOICECOACH_DATA_DIR to a writable folder)"
        ) from None
    return token
