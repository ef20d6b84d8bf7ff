"""The access token: random, kept in the data folder so that a subscribed podcast app keeps working
across restarts; `--new-token` replaces it (and so shuts out every phone that had the old one)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from voicecoach.errors import VoicecoachError
from voicecoach.fsutil import write_text_atomic
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
        write_text_atomic(path, token + "\n", mode=0o600)
    except (OSError, VoicecoachError) as exc:  # VoicecoachError: a folder or a pipe where it goes
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PublishError(
            f"cannot keep the access token in {data_dir}: {reason} "
            "(set VOICECOACH_DATA_DIR to a writable folder)"
        ) from None
    return token
