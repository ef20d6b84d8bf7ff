"""The podcast feed as a podcast app reads it: feedparser, the enclosures' lengths, the JSON chapters
against the MP3's own ID3 chapters, and the covers."""

from __future__ import annotations

import io
import json
import urllib.request

import feedparser
from conftest import run_voicecoach
from mutagen.id3 import ID3
from PIL import Image
from serve_support import ESPEAK, TOKEN, site, write_tiny  # noqa: F401 (a fixture)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


def test_the_feed_parses_cleanly_with_what_podcast_apps_need(site):  # noqa: F811
    xml = _get(site.url("feed.xml"))
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    channel = feed.feed
    assert channel.title and channel.subtitle and channel.language == "en"
    assert channel.image.href == site.url("cover.png")
    assert xml.count(b"<itunes:explicit>no</itunes:explicit>") == 2  # the channel's and the item's
    assert {t.term for t in channel.tags} >= {"Health & Fitness", "Fitness"}
    [entry] = feed.entries
    assert entry.title == "Tiny Serve Test" and entry.published_parsed
    assert entry.id.startswith("voicecoach:tiny:") and entry.guidislink is False
    assert entry.itunes_duration == f"0:00:{round(site.items[0].duration_s):02d}"
    assert "Chapters:" in entry.summary and "Knee Hug" in entry.summary


def test_every_enclosure_is_as_long_as_its_file(site):  # noqa: F811
    feed = feedparser.parse(_get(site.url("feed.xml")))
    for entry in feed.entries:
        [enclosure] = entry.enclosures
        assert enclosure.type == "audio/mpeg" and enclosure.href.startswith(site.url())
        body = _get(enclosure.href)
        assert int(enclosure.length) == len(body) == site.file("tiny", "session.mp3").stat().st_size


def test_json_chapters_match_the_mp3s_id3_chapters_and_the_plan(site):  # noqa: F811
    feed = feedparser.parse(_get(site.url("feed.xml")))
    link = feed.entries[0].podcast_chapters
    assert link["type"] == "application/json+chapters"
    chapters = json.loads(_get(link["url"]))
    assert chapters["version"].startswith("1.")
    mp3 = site.file("tiny", "session.mp3")
    frames = sorted(ID3(str(mp3)).getall("CHAP"), key=lambda c: c.start_time)
    id3 = [(c.start_time / 1000, str(c.sub_frames["TIT2"].text[0])) for c in frames]
    assert [(c["startTime"], c["title"]) for c in chapters["chapters"]] == [
        (round(t, 3), name) for t, name in id3
    ]
    plan = json.loads(
        run_voicecoach("plan", str(write_tiny(mp3.parent.parent.parent)), "--json", *ESPEAK).stdout
    )
    assert (
        [name for _, name in id3]
        == [s["title"] for s in plan["steps"]]
        == ["Sit comfortably.", "Knee Hug", "Breathing 2-2"]
    )
    for chapter, step in zip(chapters["chapters"][1:], plan["steps"][1:], strict=False):
        assert abs(chapter["startTime"] - step["start_s"]) < 0.002


def test_covers_are_square_pngs_of_at_least_1400_pixels(site):  # noqa: F811
    for url in (site.url("cover.png"), site.url("tiny/cover.png")):
        image = Image.open(io.BytesIO(_get(url)))
        assert image.format == "PNG" and image.size[0] == image.size[1] >= 1400
        colours = image.convert("L").getextrema()
        assert colours[1] - colours[0] > 100  # a title drawn on it, not a blank square


def test_the_guid_is_stable_across_restarts(site):  # noqa: F811
    from serve_support import serving

    first = feedparser.parse(_get(site.url("feed.xml"))).entries[0]
    with serving(site.root, site.items) as again:
        second = feedparser.parse(_get(again.url("feed.xml"))).entries[0]
    assert (second.id, second.published) == (first.id, first.published)
    assert TOKEN in second.enclosures[0].href
