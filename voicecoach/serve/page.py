"""The page for the phone: every session with its player, chapters, downloads and a picture of its shape.

One HTML document with its style, script and pictures inline: it works with no network beyond
this server, and the Content-Security-Policy (see `csp`) lets nothing else in. URLs are relative
to the page, which lives at `/TOKEN/`, so they carry the token without repeating it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape

from voicecoach.routine.durations import format_duration
from voicecoach.serve.publish import COVER, M4B, MP3, Published
from voicecoach.serve.xmltext import xml_text

#: Colours of the step kinds in the timeline strip (holds are drawn darker on top).
KIND_COLOURS = {
    "stretch": "#5b8c6e",
    "flow": "#6f86b8",
    "breathe": "#7aa7c7",
    "rest": "#b9b4a6",
    "talk": "#c9a96b",
}
OTHER_COLOUR = "#9a9a9a"
HOLD_COLOUR = "#2f5240"
STRIP_W, STRIP_H = 1000, 90

STYLE = """
:root{color-scheme:light dark;--bg:#f6f4ee;--fg:#1f2a24;--card:#fff;--muted:#5d665f;--accent:#2f6b4f}
@media (prefers-color-scheme:dark){:root{--bg:#141816;--fg:#e8ebe6;--card:#1f2421;--muted:#a3aba5;--accent:#8fc9a8}}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg)}header,main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}.hint{color:var(--muted);font-size:.9rem}
article{background:var(--card);border-radius:14px;padding:1rem;margin:0 0 1.2rem;box-shadow:0 1px 3px #0002}
.top{display:flex;gap:.9rem;align-items:center}.top img{width:84px;height:84px;border-radius:10px;flex:none}
h2{font-size:1.2rem;margin:0}.meta{color:var(--muted);font-size:.9rem}.tags span{display:inline-block;
font-size:.8rem;border:1px solid var(--muted);border-radius:99px;padding:0 .5rem;margin:.15rem .2rem 0 0}
audio{width:100%;margin:.8rem 0 .3rem}svg{width:100%;height:auto;display:block;cursor:pointer}
ol{padding:0;margin:.5rem 0;list-style:none}li button{width:100%;text-align:left;border:0;
background:none;color:var(--fg);font:inherit;padding:.55rem .3rem;border-bottom:1px solid #8883;cursor:pointer}
li button:hover,li button.now{background:#8fc9a833}li time{color:var(--muted);display:inline-block;width:3.6rem}
.dl a{display:inline-block;margin:.4rem .6rem 0 0;color:var(--accent);font-weight:600}
"""

#: Tapping a chapter (or a step of the strip) seeks there and plays; the playhead follows.
SCRIPT = """
document.querySelectorAll('article').forEach(function(card){
 var audio=card.querySelector('audio'),head=card.querySelector('.playhead'),total=+card.dataset.duration;
 function seek(t){audio.currentTime=t;var p=audio.play();if(p&&p.catch)p.catch(function(){});}
 card.querySelectorAll('[data-t]').forEach(function(el){el.addEventListener('click',function(){seek(+el.dataset.t);});});
 audio.addEventListener('timeupdate',function(){
  if(head&&total>0)head.setAttribute('x',(audio.currentTime/total*1000).toFixed(1));
  card.querySelectorAll('li button').forEach(function(b){
   var next=b.parentNode.nextElementSibling,end=next?+next.firstChild.dataset.t:Infinity;
   b.classList.toggle('now',audio.currentTime>=+b.dataset.t&&audio.currentTime<end);});
 });
});
"""


def text(value: str) -> str:
    """An author's text for the page: escaped, without the characters XML 1.0 does not allow (a
    control character in a title is no part of what anyone reads)."""
    return escape(xml_text(value))


def csp() -> str:
    """The Content-Security-Policy of the page: its own inline style and script (by hash), media
    and images from this server, nothing else."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def timeline_svg(item: Published) -> str:
    """The session's shape as an inline SVG strip: one block per step (coloured by kind, tap to go
    there), its holds as darker bars, and a playhead."""
    plan = item.plan
    total = float(plan.get("duration_s") or item.duration_s) or 1.0

    def x(seconds: float) -> float:
        return round(max(0.0, min(seconds, total)) / total * STRIP_W, 2)

    parts = [
        f'<svg viewBox="0 0 {STRIP_W} {STRIP_H}" role="img" aria-label="the session\'s steps and holds">'
    ]
    for step in plan.get("steps", []):
        x0, x1 = x(step["start_s"]), x(step["end_s"])
        colour = KIND_COLOURS.get(step.get("kind", ""), OTHER_COLOUR)
        label = text(f"{step.get('title') or step.get('kind', '')} ({format_duration(step['start_s'])})")
        parts.append(
            f'<rect class="step" data-t="{step["start_s"]:.3f}" x="{x0}" y="8" width="{max(x1 - x0 - 1, 1)}"'
            f' height="74" rx="6" fill="{colour}"><title>{label}</title></rect>'
        )
    for hold in plan.get("holds", []):
        x0, x1 = x(hold["start_s"]), x(hold["end_s"])
        side = text(str(hold.get("side") or "hold"))
        parts.append(
            f'<rect class="hold" x="{x0}" y="62" width="{max(x1 - x0, 1)}" height="14" fill="{HOLD_COLOUR}">'
            f"<title>{side}, {hold['end_s'] - hold['start_s']:.0f} s</title></rect>"
        )
    parts.append(
        f'<rect class="playhead" x="0" y="0" width="4" height="{STRIP_H}" fill="currentColor"/></svg>'
    )
    return "".join(parts)


def session_card(item: Published) -> str:
    """One session: cover, title, length, description, tags, player, strip, chapters, downloads."""
    base = f"{escape(item.slug)}/"
    tags = "".join(f"<span>{text(t)}</span>" for t in item.tags)
    chapters = "".join(
        f'<li><button data-t="{start:.3f}"><time>{format_duration(start)}</time>{text(title)}</button></li>'
        for start, title in item.chapters
    )
    size_mb = item.files[MP3] / 1e6
    downloads = [f'<a href="{base}{MP3}" download>MP3 ({size_mb:.1f} MB)</a>']
    if M4B in item.files:
        downloads.append(
            f'<a href="{base}{M4B}" download>Audiobook, M4B ({item.files[M4B] / 1e6:.1f} MB)</a>'
        )
    return (
        f'<article id="{escape(item.slug)}" data-duration="{item.duration_s:.3f}">'
        f'<div class="top"><img src="{base}{COVER}" alt="" width="84" height="84"><div>'
        f'<h2>{text(item.title)}</h2><div class="meta">{format_duration(item.duration_s)}'
        f' · {len(item.chapters)} chapters</div><div class="tags">{tags}</div></div></div>'
        f"<p>{text(item.summary)}</p>"
        f'<audio controls preload="metadata" src="{base}{MP3}"></audio>'
        f'{timeline_svg(item)}<ol>{chapters}</ol><div class="dl">{"".join(downloads)}</div></article>'
    )


def page_html(items: Sequence[Published]) -> str:
    """The whole page."""
    cards = "".join(session_card(i) for i in items) or "<p>No sessions are published yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><title>voicecoach sessions</title>'
        f"<style>{STYLE}</style></head><body><header><h1>voicecoach sessions</h1>"
        '<p class="hint">Tap a chapter to go there. In a podcast app, subscribe to '
        '<a href="feed.xml">the feed</a> to have them all, with chapters.</p></header>'
        f"<main>{cards}</main><script>{SCRIPT}</script></body></html>"
    )
