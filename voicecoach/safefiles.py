"""What kind of file a path names, so that only regular files are ever read.

A routine, a profiles file or a bed sound shared by someone else may name a device
(/dev/zero never ends, /dev/urandom neither), a named pipe (reading blocks forever), a socket
or a folder. These are refused, with what they are, before anything opens them.
"""

from __future__ import annotations

import os
import stat


def special_kind(mode: int) -> str:
    """What a file with this `st_mode` is when it is not a regular file; '' for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def path_kind(path: str | os.PathLike[str]) -> str:
    """special_kind() of the file at `path` (symbolic links followed); OSError when it cannot be seen."""
    return special_kind(os.stat(path).st_mode)
