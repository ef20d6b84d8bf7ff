"""The sessions folder and the token: export once, again only on change, complete files only; a token
that lasts; the LAN address found without traffic."""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
import time

import feedparser
import pytest
from serve_support import TINY_ROUTINE, serving, toolkit, write_tiny

from voicecoach.errors import UsageError
from voicecoach.serve import netaddr, publish, token
from voicecoach.serve.run import progress_line


def _publisher(tmp_path, **options):
    return publish.Publisher(tmp_path / "data" / "sessions", toolkit(**options))


def test_a_session_is_exported_once_and_then_up_to_date(tmp_path):
    routine = write_tiny(tmp_path)
    steps = []
    [first] = publish.publish_all(_publisher(tmp_path), [str(routine)], steps.append)
    mp3 = tmp_path / "data" / "sessions" / first.folder / publish.MP3
    written = mp3.stat().st_mtime_ns
    [again] = publish.publish_all(_publisher(tmp_path), [str(routine)], steps.append)
    assert [s.exported for s in steps] == [True, False]
    assert again == first and mp3.stat().st_mtime_ns == written
    assert set(first.files) == set(publish.SESSION_FILES)
    assert all((mp3.parent / n).stat().st_size == size for n, size in first.files.items())


@pytest.mark.parametrize("change", ["routine", "options"])
def test_a_change_of_routine_or_options_exports_again(tmp_path, change):
    routine = write_tiny(tmp_path)
    [first] = publish.publish_all(_publisher(tmp_path), [str(routine)])
    options = {}
    if change == "routine":
        write_tiny(tmp_path, text=TINY_ROUTINE.replace("hold: 4s", "hold: 5s"))
    else:
        options = {"rate": 1.2}
    steps = []
    [second] = publish.publish_all(_publisher(tmp_path, **options), [str(routine)], steps.append)
    assert steps[0].exported and second.key != first.key and second.folder != first.folder
    assert [i.folder for i in publish.read_index(tmp_path / "data" / "sessions")] == [second.folder]
    assert (tmp_path / "data" / "sessions" / first.folder).is_dir()  # kept for listeners for a while


def test_replaced_exports_are_removed_after_the_grace(tmp_path):
    routine = write_tiny(tmp_path)
    [first] = publish.publish_all(_publisher(tmp_path), [str(routine)])
    publish.publish_all(_publisher(tmp_path, rate=1.2), [str(routine)])
    root = tmp_path / "data" / "sessions"
    assert publish.Publisher(root, toolkit()).prune(grace_s=3600) == []
    assert publish.Publisher(root, toolkit()).prune(grace_s=0) == [root / first.folder]


def test_a_failed_export_leaves_nothing_and_keeps_what_was_published(tmp_path):
    routine = write_tiny(tmp_path)
    [first] = publish.publish_all(_publisher(tmp_path), [str(routine)])
    good = toolkit(rate=1.2)

    def export_then_fail(prepared, out):
        good.export(prepared, out)
        if out.suffix == ".m4b":
            raise OSError(28, "No space left on device")

    failing = publish.Publisher(
        tmp_path / "data" / "sessions", dataclasses.replace(good, export=export_then_fail)
    )
    with pytest.raises(OSError):
        publish.publish_all(failing, [str(routine)])
    root = tmp_path / "data" / "sessions"
    assert sorted(p.name for p in root.iterdir()) == sorted([first.folder, publish.INDEX])
    assert publish.read_index(root) == [first]


def test_a_bad_routine_fails_before_anything_is_exported(tmp_path):
    routine = write_tiny(tmp_path)
    with pytest.raises(UsageError):
        publish.publish_all(_publisher(tmp_path), [str(routine), "no-such-routine"])
    assert not (tmp_path / "data" / "sessions").exists() or not [
        p for p in (tmp_path / "data" / "sessions").iterdir() if p.is_dir()
    ]


def test_slugs_are_url_safe_and_unique():
    assert publish.unique_slugs(
        ["a/My Routine.yaml", "b/my routine.yml", "desk-reset", "../../Ünïcode!!"]
    ) == ["my-routine", "my-routine-2", "desk-reset", "n-code"]


def test_the_token_lasts_and_is_replaced_on_request(tmp_path):
    first = token.load_or_create(tmp_path)
    assert token.is_valid_token(first) and len(first) >= 32
    assert token.load_or_create(tmp_path) == first
    assert stat.S_IMODE((tmp_path / token.TOKEN_FILE).stat().st_mode) == 0o600
    renewed = token.load_or_create(tmp_path, renew=True)
    assert renewed != first and token.load_or_create(tmp_path) == renewed
    (tmp_path / token.TOKEN_FILE).write_text("../../short\n")
    assert token.load_or_create(tmp_path) not in (renewed, "../../short")


def test_the_lan_address_is_one_this_machine_can_listen_on():
    address = netaddr.lan_address()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))  # fails for an address that is not this machine's
    assert netaddr.url_host("::1") == "[::1]" and netaddr.url_host("0.0.0.0") == address


def test_temporary_folders_of_dead_exports_are_cleaned(tmp_path):
    root = tmp_path / "data" / "sessions"
    dead = root / f"{publish.TEMP_PREFIX}tiny-abc-{2**22 + 12345}-1"
    alive = root / f"{publish.TEMP_PREFIX}tiny-abc-{os.getpid()}-1"
    for folder in (dead, alive):
        folder.mkdir(parents=True)
    publish.Publisher(root, toolkit()).prune(grace_s=0)
    assert not dead.exists() and alive.exists()


def test_a_routine_served_again_gets_its_folder_back_not_a_new_export(tmp_path):
    """A,B; then A alone (B dropped from the index, its folder kept for the grace); then A,B: B is
    up to date, with its first folder, files and publication date (so the feed's guid and pubDate)."""
    tiny = str(write_tiny(tmp_path))
    other = str(write_tiny(tmp_path, "other.yaml", TINY_ROUTINE.replace("Tiny Serve Test", "Other Test")))
    root = tmp_path / "data" / "sessions"
    runs: list[list[publish.Progress]] = [[], [], []]
    _, b_first = publish.publish_all(_publisher(tmp_path), [tiny, other], runs[0].append)
    mp3 = root / b_first.folder / publish.MP3
    written = mp3.stat().st_mtime_ns
    publish.publish_all(_publisher(tmp_path), [tiny], runs[1].append)
    assert [i.slug for i in publish.read_index(root)] == ["tiny"] and mp3.exists()
    _, b_again = publish.publish_all(_publisher(tmp_path), [tiny, other], runs[2].append)
    assert [(s.slug, s.exported) for s in runs[2]] == [("tiny", False), ("other", False)]
    assert "other: up to date" in progress_line(runs[2][1])
    assert b_again == b_first and b_again.published == b_first.published
    assert mp3.stat().st_mtime_ns == written
    assert publish.read_index(root) == [runs[2][0].item, b_first]
    assert publish.Publisher(root, toolkit()).prune(grace_s=0) == []  # in use again: kept


def test_an_incomplete_folder_on_disk_is_exported_again(tmp_path):
    tiny = str(write_tiny(tmp_path))
    other = str(write_tiny(tmp_path, "other.yaml", TINY_ROUTINE.replace("Tiny Serve Test", "Other Test")))
    root = tmp_path / "data" / "sessions"
    _, b_first = publish.publish_all(_publisher(tmp_path), [tiny, other])
    publish.publish_all(_publisher(tmp_path), [tiny])
    with open(root / b_first.folder / publish.MP3, "r+b") as mp3:
        mp3.truncate(1000)  # damaged while out of the index
    steps = []
    _, b_again = publish.publish_all(_publisher(tmp_path), [tiny, other], steps.append)
    assert [s.exported for s in steps] == [False, True]
    assert b_again.folder == b_first.folder
    assert (root / b_again.folder / publish.MP3).stat().st_size == b_again.files[publish.MP3] > 1000


def test_a_routine_served_again_with_the_same_feed_entry(tmp_path):
    """Through the server: the entry of a routine served again has its first guid and pubDate."""
    tiny = str(write_tiny(tmp_path))
    other = str(write_tiny(tmp_path, "other.yaml", TINY_ROUTINE.replace("Tiny Serve Test", "Other Test")))
    root = tmp_path / "data" / "sessions"

    def entries(items: list) -> dict:
        with serving(root, items) as site:
            status, _, xml = site.request("GET", "feed.xml")
        assert status == 200
        return {e.title: (e.id, e.published) for e in feedparser.parse(xml).entries}

    first = entries(publish.publish_all(_publisher(tmp_path), [tiny, other]))
    time.sleep(1.1)  # a new export now would have another pubDate (it has seconds)
    assert list(entries(publish.publish_all(_publisher(tmp_path), [tiny]))) == ["Tiny Serve Test"]
    assert entries(publish.publish_all(_publisher(tmp_path), [tiny, other])) == first
