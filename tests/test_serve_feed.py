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
from serve_support import (  # noqa: F401 (site: a fixture)
    ESPEAK,
    TINY_ROUTINE,
    TOKEN,
    serving,
    site,
    toolkit,
    write_tiny,
)

from voicecoach.serve import feed, page, publish
from voicecoach.serve.run import SESSIONS_DIR
from voicecoach.serve.xmltext import NOT_XML


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
    first = feedparser.parse(_get(site.url("feed.xml"))).entries[0]
    with serving(site.root, site.items) as again:
        second = feedparser.parse(_get(again.url("feed.xml"))).entries[0]
    assert (second.id, second.published) == (first.id, first.published)
    assert TOKEN in second.enclosures[0].href


CONTROL_ROUTINE = (
    TINY_ROUTINE.replace("title: Tiny Serve Test", 'title: "Hips\\u000b and knees\\u0007"')
    .replace("summary: A tiny", 'summary: "A\\u0001 tiny')
    .replace("serve tests.", 'serve tests."')
    .replace("tags: [test, hips]", 'tags: [test, "hi\\u0002ps"]')
    .replace("stretch: Knee Hug", 'stretch: "Knee\\u000b Hug"')
)


def test_control_characters_in_a_routine_leave_the_feed_and_page_whole(tmp_path):
    routine = write_tiny(tmp_path, "hips.yaml", CONTROL_ROUTINE)
    root = tmp_path / "data" / SESSIONS_DIR
    items = publish.publish_all(publish.Publisher(root, toolkit()), [str(routine)])
    assert "\x0b" in items[0].title  # the author's text as written; serve must cope with it
    with serving(root, items) as running:
        status, _, xml = running.request("GET", "feed.xml")
        assert status == 200
        parsed = feedparser.parse(xml)
        assert not parsed.bozo, parsed.get("bozo_exception")
        [entry] = parsed.entries
        assert entry.title == "Hips and knees"
        assert "A tiny routine" in entry.summary and "hips" in entry.summary
        assert "Knee Hug" in entry.summary
        status, _, html = running.request("GET", "")
        assert status == 200 and b"<h2>Hips and knees</h2>" in html
        status, _, body = running.request("GET", "hips/chapters.json")
        assert status == 200
        assert [c["title"] for c in json.loads(body)["chapters"]][1] == "Knee Hug"
    for text in (xml.decode("utf-8"), html.decode("utf-8")):
        assert not NOT_XML.search(text)


def test_no_character_xml_forbids_reaches_the_feed():
    bad = "".join(map(chr, [*range(0x20), 0xFFFE, 0xFFFF, 0xD800, 0xDFFF]))
    item = publish.Published(
        "s", "s-0", "0" * 64, f"A{bad}B", f"sum{bad}", (f"t{bad}",), 10.0,
        "2024-01-01T00:00:00+00:00", {publish.MP3: 1}, ((0.0, f"c{bad}"),),
    )  # fmt: skip
    xml = feed.feed_xml([item], feed.FeedSite("http://127.0.0.1:1/t/"))
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    title = parsed.entries[0].title
    assert title[0] == "A" and title[-1] == "B" and not NOT_XML.search(title)
    html = page.page_html([item]).encode("utf-8")  # a lone surrogate cannot be encoded at all
    assert not NOT_XML.search(html.decode("utf-8"))
