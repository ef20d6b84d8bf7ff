"""The podcast feed: RSS 2.0 with the iTunes tags podcast apps need, and Podcasting 2.0 chapters.

feedgen (and its podcast extension) writes the RSS and iTunes parts; the `podcast:chapters`
element, which feedgen does not know, comes from a small feedgen extension here. Every URL is
absolute and carries the token, so a podcast app subscribed once keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from voicecoach.routine.durations import format_duration
from voicecoach.serve.publish import CHAPTERS, COVER, MP3, Published
from voicecoach.serve.xmltext import xml_text

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"
FEED_TITLE = "voicecoach sessions"
FEED_DESCRIPTION = (
    "Voice-guided stretching, breathing and rest sessions from voicecoach, "
    "served from your own computer. One chapter per step."
)


def clock(seconds: float) -> str:
    """`H:MM:SS` (what itunes:duration and the chapter lists show)."""
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def episode_description(item: Published) -> str:
    """The item's description: the summary, the tags, then the chapter list (XML-safe)."""
    lines = [xml_text(item.summary).strip() or item.title]
    if item.tags:
        lines.append("Tags: " + ", ".join(item.tags))
    lines.append("")
    lines.append("Chapters:")
    lines += [f"{format_duration(start)} {title}" for start, title in item.chapters]
    return xml_text("\n".join(lines))


class PodcastNsExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Declares the Podcasting 2.0 namespace on the feed."""

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}


class PodcastNsEntryExtension(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no types
    """`<podcast:chapters url=... type="application/json+chapters"/>` on an item."""

    def __init__(self) -> None:
        self._chapters_url: str | None = None

    def chapters(self, url: str) -> None:
        self._chapters_url = url

    def extend_rss(self, entry: Any) -> Any:  # an lxml element, as feedgen passes it
        if self._chapters_url:
            element = xml_elem(f"{{{PODCAST_NS}}}chapters", entry)
            element.attrib["url"] = self._chapters_url
            element.attrib["type"] = CHAPTERS_TYPE
        return entry


@dataclass(frozen=True)
class FeedSite:
    """Where the feed lives: the base URL (ending in the token and a slash) and the feed's own URL."""

    base_url: str
    language: str = "en"

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"

    def url(self, item: Published, name: str) -> str:
        return f"{self.base_url}{item.slug}/{name}"


def feed_xml(items: Sequence[Published], site: FeedSite) -> bytes:
    """The RSS document for the published sessions (newest first, as podcast apps expect)."""
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastns", PodcastNsExtension, PodcastNsEntryExtension, atom=False)
    fg.title(FEED_TITLE)
    fg.description(FEED_DESCRIPTION)
    fg.link(href=site.feed_url, rel="self")
    fg.link(href=site.base_url, rel="alternate")  # after "self": RSS <link> is the last one set
    fg.language(site.language)
    fg.image(url=site.base_url + COVER, title=FEED_TITLE, link=site.base_url)
    fg.generator("voicecoach")
    fg.podcast.itunes_image(site.base_url + COVER)
    fg.podcast.itunes_category("Health & Fitness", "Fitness")
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_author("voicecoach")
    fg.podcast.itunes_summary(FEED_DESCRIPTION)
    fg.podcast.itunes_type("episodic")
    for item in sorted(items, key=lambda i: (i.published, i.slug)):  # feedgen puts the last added first
        _add_entry(fg, item, site)
    xml: bytes = fg.rss_str(pretty=True)
    return xml


def _add_entry(fg: FeedGenerator, item: Published, site: FeedSite) -> None:
    entry = fg.add_entry()
    entry.title(xml_text(item.title))
    entry.guid(f"voicecoach:{item.slug}:{item.key[:16]}", permalink=False)
    entry.pubDate(datetime.fromisoformat(item.published))
    entry.description(episode_description(item))
    entry.link(href=site.base_url + "#" + item.slug)
    entry.enclosure(site.url(item, MP3), str(item.files[MP3]), "audio/mpeg")
    entry.podcast.itunes_duration(clock(item.duration_s))
    entry.podcast.itunes_image(site.url(item, COVER))
    entry.podcast.itunes_explicit("no")
    entry.podcast.itunes_summary(episode_description(item))
    entry.podcastns.chapters(site.url(item, CHAPTERS))
