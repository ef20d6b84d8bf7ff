"""Reading an article: a saved web page (through trafilatura, or its schema.org HowTo), Markdown or text."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from voicecoach.importer.errors import ArticleError

MAX_ARTICLE_BYTES = 5 * 1024 * 1024
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


@dataclass(frozen=True)
class Document:
    """The article's text as Markdown (or plain text), with its title and where it came from."""

    name: str  # as shown in messages: the path, or "-"
    title: str
    source: str
    text: str
    form: str  # html, html+howto, md, txt


def read_article(article: str) -> Document:
    """Read ARTICLE (a path, or '-' for standard input) and extract its text."""
    data = _read_bytes(article)
    text = _decode(data)
    form = _form(article, text)
    if form == "html":
        return _from_html(article, text)
    title = _first_title(text, form)
    return Document(article, title, _source(title, "", article), text, form)


def _read_bytes(article: str) -> bytes:
    if article == "-":
        return sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)[:MAX_ARTICLE_BYTES]
    path = Path(article)
    if not path.exists():
        raise ArticleError(article, "no such file")
    if not path.is_file():
        raise ArticleError(article, "not a regular file (give a saved .html page, a .md or a .txt file)")
    if path.stat().st_size > MAX_ARTICLE_BYTES:
        raise ArticleError(article, "larger than 5 MB, too large for an article")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArticleError(article, f"cannot be read ({exc.strerror})") from exc


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _form(article: str, text: str) -> str:
    suffix = Path(article).suffix.lower() if article != "-" else ""
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == "" and re.match(r"\s*(?:<!doctype html|<html|<head|<body)", text, re.I):
        return "html"
    if suffix == "" and re.search(r"^#{1,6} \S", text, re.M):
        return "md"
    return "txt"


def _first_title(text: str, form: str) -> str:
    for raw in text.splitlines():
        line = raw.strip()
        if form == "md" and line.startswith("#"):
            return line.lstrip("#").strip()
        if form == "txt" and line:
            return line[:200]
    return next((line.strip()[:200] for line in text.splitlines() if line.strip()), "")


def _source(title: str, site: str, article: str, url: str = "") -> str:
    where = url or (Path(article).name if article != "-" else "standard input")
    named = f"{site}: {title}" if site and site not in title else title
    return f"{named} ({where})" if named else where


def _from_html(article: str, html: str) -> Document:
    import trafilatura

    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta and meta.title else "") or ""
    site = (meta.sitename if meta and meta.sitename else "") or ""
    url = (meta.url if meta and meta.url else "") or ""
    howto = howto_markdown(html)
    if howto is not None:
        howto_title = howto.splitlines()[0].lstrip("# ").strip()
        return Document(
            article,
            howto_title or title,
            _source(howto_title or title, site, article, url),
            howto,
            "html+howto",
        )
    text = trafilatura.extract(
        html,
        output_format="markdown",
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_tables=False,
        include_comments=False,
    )
    if not text:
        raise ArticleError(article, "no article text found in the page")
    if not title:
        title = _first_title(text, "md")
    return Document(article, title, _source(title, site, article, url), text, "html")


class _JsonLdScripts(HTMLParser):
    """Collects the text of <script type="application/ld+json"> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and (dict(attrs).get("type") or "").lower() == "application/ld+json"
        if self._inside:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in a JSON-LD document (through @graph and nested lists)."""
    if isinstance(node, list):
        return [found for item in node for found in _walk(item)]
    if isinstance(node, dict):
        return [node] + [found for value in node.values() for found in _walk(value)]
    return []


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    return set(kind if isinstance(kind, list) else [kind])


def howto_markdown(html: str) -> str | None:
    """A page's schema.org HowTo (or ExercisePlan) as Markdown with numbered headings; None if it has none."""
    parser = _JsonLdScripts()
    parser.feed(html)
    for script in parser.scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for node in _walk(data):
            if "HowTo" in _types(node) and node.get("step"):
                return _howto_text(node)
            if "ExercisePlan" in _types(node) and node.get("name"):
                return _exercise_plan_text(node)
    return None


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [str(i.get("name", "")) if isinstance(i, dict) else str(i) for i in items if i]


def _howto_steps(node: Any) -> list[dict[str, Any]]:
    """HowToStep objects in order, sections flattened."""
    items = node if isinstance(node, list) else [node]
    steps: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict) and "HowToSection" in _types(item):
            steps.extend(_howto_steps(item.get("itemListElement", [])))
        elif isinstance(item, dict):
            steps.append(item)
        elif isinstance(item, str):
            steps.append({"text": item})
    return steps


def _howto_text(node: dict[str, Any]) -> str:
    lines = [f"# {node.get('name', '').strip()}", "", str(node.get("description", "")).strip(), ""]
    props = _names(node.get("tool")) + _names(node.get("supply"))
    if props:
        lines += [f"You'll need: {', '.join(props)}.", ""]
    for n, step in enumerate(_howto_steps(node["step"]), start=1):
        text = str(step.get("text", "")).strip()
        for inner in _howto_steps(step.get("itemListElement", [])):
            text += " " + str(inner.get("text", "")).strip()
        name = str(step.get("name", "")).strip() or text.split(".")[0]
        lines += [f"## {n}. {name}", "", text.strip()]
        seconds = iso_seconds(str(step.get("performTime", step.get("timeRequired", ""))))
        if seconds:
            lines.append(f"Hold for {seconds:g} seconds (performTime).")
        lines.append("")
    return "\n".join(lines)


def _exercise_plan_text(node: dict[str, Any]) -> str:
    lines = [f"# {node['name']}", "", f"## 1. {node['name']}", "", str(node.get("description", "")).strip()]
    seconds = iso_seconds(str(node.get("activityDuration", "")))
    if seconds:
        lines.append(f"Hold for {seconds:g} seconds (activityDuration).")
    if str(node.get("repetitions", "")).isdigit():
        lines.append(f"Repeat {node['repetitions']} times (repetitions).")
    return "\n".join(lines) + "\n"


def iso_seconds(text: str) -> float:
    """Seconds in an ISO 8601 duration such as PT30S or PT1M30S (0 when it is not one)."""
    m = _ISO.match(text.strip())
    if not m or not any(m.groups()):
        return 0.0
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds
