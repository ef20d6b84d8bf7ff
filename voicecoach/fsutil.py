"""Safe kinds of file and the one atomic writer.

Only regular files are ever read: a routine, a profiles file or a bed sound shared by someone else
may name a device (/dev/zero never ends), a named pipe (reading blocks forever), a socket or a
folder; these are refused, with what they are, before anything opens them.

A file written by voicecoach appears at its destination only when it is complete: everything is
written to a hidden temporary file beside it (`.NAME.voicecoach-tmp-PID`, with the thread's id after
the PID when a thread other than the main one writes), flushed to disk, then renamed over the
destination in one step (os.replace). A file that is only a copy (a speech cache entry) may skip
the flushing: a power cut then costs a copy, never a file in use. On any error, Ctrl-C or SIGTERM (turned into
KeyboardInterrupt while writing) the temporary file is removed and an existing destination stays as
it was. A run killed outright leaves its temporary file behind; the next export into the same
folder removes every such file whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import NoReturn

from voicecoach.errors import ExportError, UsageError


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


TEMP_MARK = ".voicecoach-tmp-"


def temp_path_for(dest: Path, pid: int | None = None, thread: int | None = None) -> Path:
    """The temporary name used while `dest` is being written by process `pid` (default: this one),
    from the thread `thread` (None: the main thread), so that no two writers ever share one."""
    owner = f"{os.getpid() if pid is None else pid}" + (f"-{thread}" if thread is not None else "")
    return dest.parent / f".{dest.name}{TEMP_MARK}{owner}"


def _writer_thread() -> int | None:
    """This thread's id, or None on the main thread (whose temporary names carry only the PID)."""
    current = threading.current_thread()
    return None if current is threading.main_thread() else threading.get_ident()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a process we may not signal counts as alive)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes  # Windows only: the process query below

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files of earlier exports into `folder` whose process has died."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or TEMP_MARK not in name:
            continue
        pid_text = name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises KeyboardInterrupt (as Ctrl-C does), so cleanup code runs."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fsync_path(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:
            return  # some platforms cannot open folders; the rename is still atomic
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def check_destination(dest: str | os.PathLike[str]) -> None:
    """UsageError when `dest` is a folder, a named pipe, a device or a socket: the rename that
    publishes a file would replace it (a FIFO or a device node is never to be swapped for a file)."""

    try:
        kind = special_kind(os.lstat(dest).st_mode)
    except OSError:
        return  # nothing there yet (or a link: the rename replaces the link, not what it names)
    if kind and not os.path.islink(dest):
        raise UsageError(f"cannot write {dest}: it is {kind}, not a file (choose a file name)")


@contextlib.contextmanager
def atomic_output(dest: str | os.PathLike[str], durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `dest`, on failure it vanishes.

    `durable`: flush the file and its folder to disk before and after the rename (off only for a
    copy that can be made again, such as a cache entry).
    """
    dest = Path(dest)
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {dest}: the folder {folder} does not exist (create it first)")
    check_destination(dest)
    clean_stale_temp_files(folder)
    tmp = temp_path_for(dest, thread=_writer_thread())
    with sigterm_as_interrupt():
        try:
            yield tmp
            if not tmp.exists():
                raise ExportError(f"nothing was written for {dest}")
            if durable:
                _fsync_path(tmp)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    if durable:
        _fsync_path(folder, directory=True)


def write_bytes_atomic(
    dest: str | os.PathLike[str], data: bytes, durable: bool = True, mode: int = 0o666
) -> Path:
    """Write a file's bytes atomically (see `atomic_output`), created with permissions `mode`
    (less the umask: 0o600 for a file only its owner may read)."""
    with (
        atomic_output(dest, durable) as tmp,
        open(tmp, "wb", opener=lambda name, flags: os.open(name, flags, mode)) as fh,
    ):
        fh.write(data)
    return Path(dest)


def write_text_atomic(
    dest: str | os.PathLike[str], text: str, durable: bool = True, mode: int = 0o666
) -> Path:
    """Write a small text file (UTF-8, newlines as \\n) atomically, like `write_bytes_atomic`."""
    return write_bytes_atomic(dest, text.encode("utf-8"), durable, mode)
