"""The session log: every session played live, completed or not, in SQLite in the user data folder.

The data folder is voicecoach's (`voicecoach.paths.data_dir()`; `$VOICECOACH_DATA_DIR` moves it).
A day counts toward the streak when a session that day was completed or played for at least
`STREAK_MIN_S`; the streak is the run of such days ending today, or yesterday while today has
none yet (it is not broken until the day is over).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError
from voicecoach.paths import data_dir

DB_NAME = "history.sqlite3"
STREAK_MIN_S = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    routine TEXT NOT NULL,        -- as named on the command line: a built-in name or a file
    title TEXT NOT NULL,
    profile TEXT NOT NULL,
    started_at TEXT NOT NULL,     -- ISO 8601 local time with its UTC offset
    day TEXT NOT NULL,            -- the local date it started on, YYYY-MM-DD
    played_s REAL NOT NULL,       -- seconds of session heard (pauses excluded)
    completed INTEGER NOT NULL    -- 1 when it played to the end
);
CREATE INDEX IF NOT EXISTS sessions_day ON sessions(day);
"""


@dataclass(frozen=True)
class SessionRecord:
    """One session played."""

    routine: str
    title: str
    profile: str
    started_at: datetime  # timezone-aware
    played_s: float
    completed: bool

    @property
    def minutes_played(self) -> float:
        return self.played_s / 60.0

    def counts_for_streak(self) -> bool:
        return self.completed or self.played_s >= STREAK_MIN_S

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "title": self.title,
            "profile": self.profile,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "minutes_played": round(self.minutes_played, 2),
            "completed": self.completed,
        }


class History:
    """The sessions table in `path` (default: history.sqlite3 in the data folder)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / DB_NAME

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5.0)
            connection.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise VoicecoachError(
                f"cannot open the session history at {self.path}: {exc} "
                "(set VOICECOACH_DATA_DIR to a writable folder)"
            ) from None
        return connection

    def record(self, session: SessionRecord) -> None:
        """Add one session."""
        connection = self._connect()
        try:
            with connection:
                connection.execute(
                    "INSERT INTO sessions (routine, title, profile, started_at, day, played_s, completed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        session.routine,
                        session.title,
                        session.profile,
                        session.started_at.isoformat(),
                        session.started_at.date().isoformat(),
                        float(session.played_s),
                        int(session.completed),
                    ),
                )
        except sqlite3.Error as exc:
            raise VoicecoachError(f"cannot write the session history at {self.path}: {exc}") from None
        finally:
            connection.close()

    def recent(self, limit: int = 10) -> list[SessionRecord]:
        """The latest sessions, newest first."""
        return self._select("ORDER BY id DESC LIMIT ?", (max(0, limit),))

    def _select(self, tail: str, args: tuple[Any, ...]) -> list[SessionRecord]:
        connection = self._connect()
        try:
            rows = connection.execute(
                f"SELECT routine, title, profile, started_at, played_s, completed FROM sessions {tail}", args
            ).fetchall()
        except sqlite3.Error as exc:
            raise VoicecoachError(f"cannot read the session history at {self.path}: {exc}") from None
        finally:
            connection.close()
        return [SessionRecord(r[0], r[1], r[2], datetime.fromisoformat(r[3]), r[4], bool(r[5])) for r in rows]

    def days_practised(self) -> set[date]:
        """Every day with a session that counts toward the streak."""
        return {s.started_at.date() for s in self._select("", ()) if s.counts_for_streak()}

    def streak(self, today: date | None = None) -> int:
        """The current streak in days (see the module docstring)."""
        return streak(self.days_practised(), today or date.today())


def streak(days: set[date], today: date) -> int:
    """Consecutive days in `days` ending today, or yesterday when today is not in `days` yet."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def history_report(limit: int = 10, today: date | None = None) -> dict[str, Any]:
    """What `voicecoach history` shows: the streak and the latest sessions."""
    store = History()
    return {
        "streak_days": store.streak(today),
        "sessions": [s.to_json() for s in store.recent(limit)],
        "path": str(store.path),
    }


def render_history(report: dict[str, Any]) -> str:
    """The report as lines for a person."""
    days = report["streak_days"]
    lines = [f"streak: {days} day{'s' if days != 1 else ''}"]
    if not report["sessions"]:
        lines.append("no sessions yet: `voicecoach play ROUTINE` starts one")
    for s in report["sessions"]:
        when = s["started_at"][:16].replace("T", " ")
        state = "completed" if s["completed"] else "stopped"
        lines.append(f"{when}  {s['minutes_played']:6.1f} min  {state:<9}  {s['profile']:<11} {s['title']}")
    return "\n".join(lines)
