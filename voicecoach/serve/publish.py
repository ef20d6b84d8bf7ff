"""The sessions folder: each routine exported once, re-exported only when what it sounds like changes.

    sessions/
      index.json                      what is published: one entry per session (atomic replace)
      .serving                        locked by the `serve` that uses the folder (its pid inside)
      reclining-hip-release-3f2a.../  one folder per export, named by its key
        session.mp3  session.m4b  cover.png  chapters.json
        .published.json               its index entry (never served): the folder is reused from it

A session's key hashes everything that decides its sound: the routine file's bytes, the options,
and the compiled plan (whose speech lengths change with the voice). A folder is built under a
hidden temporary name and renamed into place only when every file in it is complete, then the
index is replaced in one step, so a reader only ever sees complete files. A folder the index no
longer names is removed after a grace period (a listener may still be reading it); until then, a
routine served again with the same key gets that folder back, with its first publication date,
instead of a new export.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from voicecoach.errors import VoicecoachError
from voicecoach.fsutil import write_text_atomic
from voicecoach.plan.timeline import Timeline
from voicecoach.routine.model import Routine
from voicecoach.serve import cover
from voicecoach.serve.errors import PublishError, ServeError
from voicecoach.serve.xmltext import xml_text

INDEX = "index.json"
SERVING = ".serving"
MP3, M4B, COVER, CHAPTERS = "session.mp3", "session.m4b", "cover.png", "chapters.json"
#: The only session files a folder holds (besides its record, ENTRY): the only ones ever served.
SESSION_FILES = (MP3, M4B, COVER, CHAPTERS)
#: The folder's own record of its index entry (a hidden name, not a session file: never served).
ENTRY = ".published.json"
#: Bump when what is published for the same key changes (a new file, a new cover).
LAYOUT_VERSION = 1
TEMP_PREFIX = ".tmp-"
#: Seconds a replaced export stays on disk for listeners still reading it.
GRACE_S = 600.0


class Prepared(Protocol):
    """A compiled session ready to mix (`app.PreparedSession`): serve reads only its timeline."""

    @property
    def timeline(self) -> Timeline: ...


@dataclass(frozen=True)
class Toolkit:
    """What serve needs from the rest of voicecoach, handed in by the command.

    `load` reads a routine argument (raising a VoicecoachError for a bad one); `source` gives its
    file; `prepare` compiles it with the session's options (speech synthesised or from the
    cache); `export` writes a prepared session to a path whose suffix picks the format;
    `options_key` names every option that changes the audio; `default_routines` lists what to
    serve when no routine is named.
    """

    load: Callable[[str], Routine]
    source: Callable[[str], Path]
    prepare: Callable[[str], Prepared]
    export: Callable[[Any, Path], object]  # takes what `prepare` returned
    options_key: str
    default_routines: Callable[[], list[str]] = list
    m4b: bool = True


@dataclass(frozen=True)
class Published:
    """One session as the index lists it."""

    slug: str
    folder: str
    key: str
    title: str
    summary: str
    tags: tuple[str, ...]
    duration_s: float
    published: str  # ISO 8601, UTC
    files: dict[str, int] = field(hash=False)  # name -> size in bytes
    chapters: tuple[tuple[float, str], ...] = ()
    plan: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "folder": self.folder,
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "tags": list(self.tags),
            "duration_s": self.duration_s,
            "published": self.published,
            "files": self.files,
            "chapters": [[t, name] for t, name in self.chapters],
            "plan": self.plan,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Published:
        return cls(
            str(data["slug"]),
            str(data["folder"]),
            str(data["key"]),
            str(data["title"]),
            str(data.get("summary", "")),
            tuple(data.get("tags", ())),
            float(data["duration_s"]),
            str(data["published"]),
            {str(k): int(v) for k, v in data["files"].items()},
            tuple((float(t), str(n)) for t, n in data.get("chapters", ())),
            dict(data.get("plan", {})),
        )


def slugify(text: str) -> str:
    """A URL-safe name: lower-case letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug or "session"


def slug_for(routine_arg: str) -> str:
    """A built-in's name, or a routine file's name without its suffix, made URL-safe."""
    name = Path(routine_arg).name
    for suffix in (".yaml", ".yml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return slugify(name)


def unique_slugs(routine_args: Sequence[str]) -> list[str]:
    """One slug per routine, numbered where two would be the same."""
    seen: set[str] = set()
    slugs = []
    for arg in routine_args:
        base = slug = slug_for(arg)
        n = 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        slugs.append(slug)
    return slugs


def read_index(root: Path) -> list[Published]:
    """The published sessions, in page order ([] when there is no index or it cannot be read)."""
    try:
        data = json.loads((root / INDEX).read_text(encoding="utf-8"))
        return [Published.from_json(item) for item in data["sessions"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def folder_name(slug: str, key: str) -> str:
    """The folder of the export of `slug` with `key`."""
    return f"{slug}-{key[:16]}"


def chapters_of(mp3: Path) -> tuple[tuple[float, str], ...]:
    """(start in seconds, title) of each ID3 CHAP frame of an MP3, in order: what players show."""
    from mutagen.id3 import ID3

    frames = sorted(ID3(str(mp3)).getall("CHAP"), key=lambda c: c.start_time)
    chapters = []
    for chap in frames:
        titles = [str(f.text[0]) for f in chap.sub_frames.values() if f.FrameID == "TIT2" and f.text]
        chapters.append((chap.start_time / 1000.0, titles[0] if titles else chap.element_id))
    return tuple(chapters)


def chapters_json(chapters: Sequence[tuple[float, str]], duration_s: float) -> dict[str, Any]:
    """The Podcasting 2.0 JSON chapters document (podcast:chapters, version 1.2.0); its titles
    without the characters XML 1.0 does not allow, as in the feed and the page."""
    items = []
    for i, (start, title) in enumerate(chapters):
        end = chapters[i + 1][0] if i + 1 < len(chapters) else duration_s
        items.append({"startTime": round(start, 3), "endTime": round(end, 3), "title": xml_text(title)})
    return {"version": "1.2.0", "chapters": items}


def _shape(plan: dict[str, Any]) -> dict[str, Any]:
    """What the page draws of a plan: its length, steps and holds (not every spoken line)."""
    keep = ("index", "kind", "title", "start_s", "end_s", "step", "side")
    return {
        "duration_s": plan.get("duration_s", 0.0),
        "steps": [{k: s[k] for k in keep if k in s} for s in plan.get("steps", [])],
        "holds": [{k: h[k] for k in keep if k in h} for h in plan.get("holds", [])],
    }


class Publisher:
    """Exports routines into the sessions folder `root` and keeps its index."""

    def __init__(self, root: Path, toolkit: Toolkit, grace_s: float = GRACE_S) -> None:
        self.root, self.toolkit, self.grace_s = root, toolkit, grace_s
        self._lock = threading.Lock()

    def key_for(self, routine_arg: str, prepared: Prepared) -> str:
        """The hash of everything that decides the session's sound and files."""
        digest = hashlib.sha256()
        try:
            digest.update(self.toolkit.source(routine_arg).read_bytes())
        except OSError as exc:
            raise PublishError(f"cannot read {routine_arg}: {exc.strerror or exc}") from None
        digest.update(self.toolkit.options_key.encode())
        digest.update(json.dumps(prepared.timeline.to_json(), sort_keys=True).encode())
        digest.update(f"layout {LAYOUT_VERSION} m4b {self.toolkit.m4b}".encode())
        return digest.hexdigest()

    def current(self, slug: str, key: str) -> Published | None:
        """The session `slug` as the index lists it, when it has `key` and all its files are in place."""
        for item in read_index(self.root):
            if item.slug == slug and item.key == key and self._complete(item):
                return item
        return None

    def _on_disk(self, slug: str, key: str) -> Published | None:
        """The complete export of `key` left in its folder by an earlier run, or None."""
        folder = folder_name(slug, key)
        try:
            item = Published.from_json(json.loads((self.root / folder / ENTRY).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # none (an export from before the record), or unreadable: export again
        if (item.slug, item.key, item.folder) != (slug, key, folder) or not self._complete(item):
            return None
        return item

    def _complete(self, item: Published) -> bool:
        folder = self.root / item.folder
        try:
            return all((folder / name).stat().st_size == size for name, size in item.files.items())
        except OSError:
            return False

    def publish(self, routine_arg: str, slug: str) -> tuple[Published, bool]:
        """The session of `routine_arg`, exported unless already published as is; (it, exported?)."""
        routine = self.toolkit.load(routine_arg)
        prepared = self.toolkit.prepare(routine_arg)
        key = self.key_for(routine_arg, prepared)
        found = self.current(slug, key)
        if found is not None:
            return found, False
        found = self._on_disk(slug, key)  # a folder the index dropped, not yet pruned: taken back
        if found is not None:
            self._replace_in_index(found)
            return found, False
        item = self._build(slug, key, routine, prepared)
        self._replace_in_index(item)
        return item, True

    def _build(self, slug: str, key: str, routine: Routine, prepared: Prepared) -> Published:
        """Write the session's files into a temporary folder, then rename it into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = folder_name(slug, key)
        tmp = self.root / f"{TEMP_PREFIX}{folder}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            item = self._write_files(tmp, slug, folder, key, routine, prepared)
            write_text_atomic(tmp / ENTRY, json.dumps(item.to_json(), indent=1))
            final = self.root / folder
            if final.exists():  # the same export left by an earlier run with a damaged index
                shutil.rmtree(final)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return item

    def _write_files(
        self, tmp: Path, slug: str, folder: str, key: str, routine: Routine, prepared: Prepared
    ) -> Published:
        timeline = prepared.timeline
        self.toolkit.export(prepared, tmp / MP3)
        if self.toolkit.m4b:
            self.toolkit.export(prepared, tmp / M4B)
        duration = float(timeline.duration_s)
        chapters = chapters_of(tmp / MP3)
        (tmp / CHAPTERS).write_text(json.dumps(chapters_json(chapters, duration), indent=1), encoding="utf-8")
        cover.write_cover(tmp / COVER, routine.title, subtitle=", ".join(routine.tags))
        for name in SESSION_FILES:
            if (tmp / name).exists():
                with open(tmp / name, "rb") as fh:
                    os.fsync(fh.fileno())
        files = {name: (tmp / name).stat().st_size for name in SESSION_FILES if (tmp / name).exists()}
        return Published(
            slug,
            folder,
            key,
            routine.title,
            routine.summary,
            tuple(routine.tags),
            duration,
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            files,
            chapters,
            _shape(timeline.to_json()),
        )

    def _replace_in_index(self, item: Published) -> None:
        with self._lock:
            items = read_index(self.root)
            for old in items:
                if old.slug == item.slug and old.folder != item.folder:
                    with contextlib.suppress(OSError):
                        os.utime(self.root / old.folder)  # unused from now: pruned after the grace
            replaced = [item if i.slug == item.slug else i for i in items]
            if item not in replaced:
                replaced.append(item)
            self.write_index(replaced)

    def write_index(self, items: Sequence[Published]) -> None:
        """Replace the index in one step (fsutil's atomic writer: a temporary file, fsync, rename)."""
        text = json.dumps({"version": LAYOUT_VERSION, "sessions": [i.to_json() for i in items]}, indent=1)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.root / INDEX, text)
        except (OSError, VoicecoachError) as exc:  # VoicecoachError: a folder or a pipe where it goes
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise PublishError(f"cannot write {self.root / INDEX}: {reason}") from None

    def prune(self, grace_s: float | None = None) -> list[Path]:
        """Remove folders the index does not name once unused for `grace_s`, and dead temporary ones."""
        grace = self.grace_s if grace_s is None else grace_s
        live = {i.folder for i in read_index(self.root)}
        removed = []
        now = time.time()
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.root):
                if entry.name in live or entry.name == INDEX or entry.is_symlink() or not entry.is_dir():
                    continue
                if entry.name.startswith(TEMP_PREFIX) and not _temp_is_dead(entry.name):
                    continue
                if now - entry.stat().st_mtime < grace:
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
        return removed

    def retire_missing(self, keep: Sequence[str]) -> None:
        """Drop from the index every session whose slug is not in `keep`; mark their folders unused now."""
        with self._lock:
            items = read_index(self.root)
            kept = [i for i in items if i.slug in keep]
            kept.sort(key=lambda i: list(keep).index(i.slug))
            for gone in (i for i in items if i.slug not in keep):
                with contextlib.suppress(OSError):
                    os.utime(self.root / gone.folder)
            self.write_index(kept)


def _temp_is_dead(name: str) -> bool:
    """Whether the process that made a temporary folder is gone (its pid is in the name)."""
    parts = name.rsplit("-", 2)
    pid = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class Progress:
    """One line per session at start-up."""

    index: int
    total: int
    slug: str
    exported: bool
    seconds: float
    item: Published


def publish_all(
    publisher: Publisher, routine_args: Sequence[str], report: Callable[[Progress], None] | None = None
) -> list[Published]:
    """Publish every routine (each loaded first, so a bad name fails before any export) in order;
    the index then lists exactly these."""
    args = list(routine_args) or publisher.toolkit.default_routines()
    for arg in args:
        publisher.toolkit.load(arg)
    slugs = unique_slugs(args)
    publisher.retire_missing(slugs)
    publisher.prune()
    done = []
    for n, (arg, slug) in enumerate(zip(args, slugs, strict=False), start=1):
        start = time.perf_counter()
        item, exported = publisher.publish(arg, slug)
        done.append(item)
        if report:
            report(Progress(n, len(args), slug, exported, time.perf_counter() - start, item))
    publisher.write_index(done)
    return done


@contextlib.contextmanager
def serving(root: Path) -> Iterator[None]:
    """Hold the sessions folder `root` for one `serve`: a second one there would rewrite the index
    under the first and prune the exports it serves. The lock goes with the process, however it ends."""
    try:
        import fcntl  # POSIX only: on Windows the folder is not guarded
    except ImportError:  # Windows: not guarded
        yield
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / SERVING, "a+", encoding="ascii")  # noqa: SIM115 (held until the end)
    except OSError as exc:
        raise PublishError(f"cannot write in {root}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise ServeError(
                f"another `voicecoach serve` (pid {pid}) is serving from {root}; stop it first, "
                "or give this one its own data folder with VOICECOACH_DATA_DIR"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
