"""The session history: records, recent sessions, the streak of days, `voicecoach history`."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from conftest import run_voicecoach

from voicecoach.history import History, SessionRecord, streak

TZ = timezone(timedelta(hours=2))


def at(day: date, hour: int = 21) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def session(day: date, played_s: float = 600.0, completed: bool = True, title: str = "Tiny") -> SessionRecord:
    return SessionRecord("tiny.yaml", title, "guided", at(day), played_s, completed)


def test_sessions_are_kept_in_the_data_folder_newest_first():
    store = History()
    assert store.path == Path(os.environ["VOICECOACH_DATA_DIR"]) / "history.sqlite3"
    today = date(2026, 3, 10)
    store.record(session(today - timedelta(days=1), title="First"))
    store.record(session(today, 42.5, completed=False, title="Second"))
    recent = store.recent(10)
    assert [s.title for s in recent] == ["Second", "First"]
    assert recent[0] == SessionRecord("tiny.yaml", "Second", "guided", at(today), 42.5, False)
    assert recent[0].started_at.utcoffset() == timedelta(hours=2)
    rows = sqlite3.connect(store.path).execute("SELECT day, completed FROM sessions ORDER BY id").fetchall()
    assert rows == [("2026-03-09", 1), ("2026-03-10", 0)]
    assert [s.title for s in store.recent(1)] == ["Second"]


def test_the_streak_counts_days_up_to_today_or_yesterday():
    today = date(2026, 3, 10)
    days = {today - timedelta(days=n) for n in (0, 1, 2, 4)}
    assert streak(days, today) == 3
    assert streak(days - {today}, today) == 2  # today not played yet: the streak still stands
    assert streak(days, today + timedelta(days=2)) == 0  # a whole day missed
    assert streak(set(), today) == 0


def test_a_day_counts_when_a_session_was_completed_or_long_enough():
    store = History()
    today = date(2026, 3, 10)
    store.record(session(today, played_s=30.0, completed=False))  # a false start does not count
    assert store.streak(today) == 0
    store.record(session(today - timedelta(days=1), played_s=300.0, completed=False))  # five minutes do
    store.record(session(today - timedelta(days=2), played_s=90.0, completed=True))
    assert store.streak(today) == 2
    store.record(session(today, played_s=120.0, completed=True))
    assert store.streak(today) == 3


def test_history_command_shows_the_streak_and_sessions():
    store = History()
    today = date.today()
    store.record(session(today - timedelta(days=1)))
    store.record(session(today, 95.0, completed=False, title="Evening Hips"))
    result = run_voicecoach("history")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "streak: 1 day"
    assert "Evening Hips" in lines[1] and "1.6 min" in lines[1] and "stopped" in lines[1]
    assert "completed" in lines[2]
    report = json.loads(run_voicecoach("history", "--json", "--limit", "1").stdout)
    assert report["streak_days"] == 1
    assert report["sessions"] == [
        {
            "routine": "tiny.yaml",
            "title": "Evening Hips",
            "profile": "guided",
            "started_at": at(today).isoformat(timespec="seconds"),
            "minutes_played": 1.58,
            "completed": False,
        }
    ]


def test_an_empty_history_says_how_to_start(tmp_path):
    result = run_voicecoach("history")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "streak: 0 days",
        "no sessions yet: `voicecoach play ROUTINE` starts one",
    ]


def test_an_unwritable_data_folder_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_voicecoach("history", env={"VOICECOACH_DATA_DIR": str(blocker / "data")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: cannot open the session history")
    assert "VOICECOACH_DATA_DIR" in result.stderr
