"""A cover picture for each session (and the feed): its title on a calm gradient, 1400x1400 PNG.

Podcast apps want a square image of at least 1400 pixels. Pillow draws it with the font it
carries (no system font needed), so the cover looks the same on every machine. The colours
come from a hash of the title: a session keeps its colour, and sessions differ.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap
from pathlib import Path

SIZE = 1400
MARGIN = 120


def _palette(title: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two related colours (top and bottom of the gradient) chosen by the title's hash."""
    hue = int.from_bytes(hashlib.sha256(title.encode("utf-8")).digest()[:2], "big") / 65535

    def rgb(h: float, lightness: float, saturation: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        return int(r * 255), int(g * 255), int(b * 255)

    return rgb(hue, 0.36, 0.45), rgb(hue + 0.08, 0.16, 0.5)


def cover_png(title: str, subtitle: str = "", size: int = SIZE) -> bytes:
    """The cover as PNG bytes: a vertical gradient, the title wrapped and centred, a small footer."""
    from PIL import Image, ImageDraw, ImageFont

    top, bottom = _palette(title)
    gradient = Image.linear_gradient("L").resize((size, size))
    image = Image.composite(
        Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), gradient
    )
    draw = ImageDraw.Draw(image)
    scale = size / SIZE
    lines = textwrap.wrap(title.strip() or "voicecoach", width=14)[:5]
    font = ImageFont.load_default(size=int((150 if len(lines) <= 3 else 120) * scale))
    heights = [draw.textbbox((0, 0), line, font=font)[3] for line in lines]
    y = (size - sum(heights) - 30 * scale * (len(lines) - 1)) / 2
    for line, height in zip(lines, heights, strict=False):
        draw.text((size / 2, y), line, font=font, fill=(250, 248, 240), anchor="ma")
        y += height + 30 * scale
    small = ImageFont.load_default(size=int(56 * scale))
    footer = "voicecoach" + (f"  ·  {subtitle}" if subtitle else "")
    draw.text((size / 2, size - MARGIN * scale), footer[:48], font=small, fill=(235, 230, 215), anchor="md")
    draw.ellipse(
        (size / 2 - 40 * scale, MARGIN * scale, size / 2 + 40 * scale, MARGIN * scale + 80 * scale),
        outline=(250, 248, 240),
        width=max(1, int(8 * scale)),
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_cover(path: Path, title: str, subtitle: str = "") -> Path:
    """Write the cover of `title` to `path` (the caller makes it visible atomically)."""
    path.write_bytes(cover_png(title, subtitle))
    return path
