"""Text as a coach would say it: ranges, units, abbreviations and symbols spelled out.

Every engine gets the same normalised text, and the clip cache is keyed by it, so a line
written `Hold 20–30 s` and one written `Hold 20 to 30 seconds` sound (and cache) the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NUM = r"\d+(?:\.\d+)?"

# Characters with a plain equivalent. Square brackets become parentheses so that text can
# never open a piper `[[ phoneme ]]` block.
_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u200b": "",
        "\u00ad": "",
        "\ufeff": "",
        "\u2022": " ",
        "\u25e6": " ",
        "\u25aa": " ",
        "\u25cf": " ",
        "\u2023": " ",
        "\u2011": "-",
        "\u2010": "-",
        "\u2212": "-",
        "\u2015": "\u2014",
        "[": "(",
        "]": ")",
        "*": " ",
        "_": " ",
        "\u2192": " to ",
        "\u00bd": " and a half",
        "\u00bc": " and a quarter",
        "\u00be": " and three quarters",
    }
)

# Abbreviation units after a number: (singular, plural). Single letters are handled apart.
_UNIT_WORDS = {
    "sec": "second",
    "secs": "second",
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "wk": "week",
    "wks": "week",
    "yr": "year",
    "yrs": "year",
    "kg": "kilogram",
    "kgs": "kilogram",
    "lb": "pound",
    "lbs": "pound",
    "cm": "centimetre",
}
_LETTER_UNITS = {"s": "second", "m": "minute", "h": "hour"}

_FRACTIONS = {
    "1/2": "one half",
    "1/3": "one third",
    "2/3": "two thirds",
    "1/4": "one quarter",
    "3/4": "three quarters",
}
_PER_UNITS = {
    "min": "minute",
    "sec": "second",
    "hr": "hour",
    "day": "day",
    "week": "week",
    "minute": "minute",
    "second": "second",
    "hour": "hour",
    "side": "side",
}

# (pattern, replacement) applied in order, all case-insensitive.
_ABBREVIATIONS: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\be\.\s?g\.(?=\W|$)", "for example"),
    (r"\bi\.\s?e\.(?=\W|$)", "that is"),
    (r"\betc\.", "et cetera"),
    (r"\bapprox\.?(?![a-z])", "approximately"),
    (r"\bca\.(?=\s*\d)", "about"),
    (r"\bvs\.?(?![a-z])", "versus"),
    (r"\bw/o\b", "without"),
    (r"\bw/(?=\s|[a-z])", "with "),
    (r"\bno\.(?=\s*\d)", "number"),
    (r"\bdr\.(?=\s+[A-Z])", "Doctor"),
    (r"\b(a|one) (sec|min)\b", lambda m: f"{m.group(1)} {_UNIT_WORDS[m.group(2).lower()]}"),
    (r"\bsecs?\b", "seconds"),
    (r"\bmins?\b", "minutes"),
]
_LATE = 3  # the last abbreviations apply after units have taken theirs


def _unit(number: str, unit: str, plural: bool | None = None) -> str:
    if plural is None:
        plural = number != "1"
    return f"{number} {unit}{'s' if plural else ''} "


def _expand_units(text: str) -> str:
    """`45s` -> `45 seconds`, `1m30s` -> `1 minute 30 seconds`, `20 to 30 s` -> `20 to 30 seconds`."""

    def word_unit(m: re.Match[str]) -> str:
        plural = True if m.group("to") else None
        return (m.group("to") or "") + _unit(m.group("n"), _UNIT_WORDS[m.group("u").lower()], plural)

    words = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
    text = re.sub(rf"(?P<to>\bto )?(?<![\d.])(?P<n>{_NUM})\s*(?P<u>{words})\b", word_unit, text, flags=re.I)

    def letter_unit(m: re.Match[str]) -> str:
        plural = True if m.group("to") else None
        return (m.group("to") or "") + _unit(m.group("n"), _LETTER_UNITS[m.group("u").lower()], plural)

    # Attached letters (45s, 1m30s, 1h) are units; a spaced `s` only after a number (20 to 30 s).
    text = re.sub(
        rf"(?P<to>\bto )?(?<![\d.])(?P<n>{_NUM})(?P<u>[smh])(?![a-z'])", letter_unit, text, flags=re.I
    )
    text = re.sub(rf"(?P<to>\bto )?(?<![\d.])(?P<n>{_NUM})\s+(?P<u>s)(?![\w'])", letter_unit, text)
    text = re.sub(rf"\b({_NUM})\s*[x\u00d7](?![\w])", r"\1 times", text, flags=re.I)
    text = re.sub(
        r"\b(\d+)-(sec|min|hr)\b",
        lambda m: f"{m.group(1)}-{_UNIT_WORDS[m.group(2).lower()]}",
        text,
        flags=re.I,
    )
    return text


def _expand_ranges(text: str) -> str:
    """`5-10` -> `5 to 10`; a chain such as `4-7-8` (a breathing pattern) -> `4, 7, 8`."""
    dash = r"\s*[-\u2013\u2014]\s*"
    text = re.sub(rf"\b{_NUM}(?:{dash}{_NUM}){{2,}}\b", lambda m: ", ".join(re.split(dash, m.group(0))), text)
    return re.sub(rf"(?<![\w.])({_NUM})([a-z]{{0,4}}){dash}(?=\d)", r"\1\2 to ", text, flags=re.I)


def _expand_symbols(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,500 -> 1500
    text = re.sub(
        r"\b(\d+)/(\d+)\b", lambda m: _FRACTIONS.get(m.group(0), f"{m.group(1)} over {m.group(2)}"), text
    )
    per = "|".join(sorted(_PER_UNITS, key=len, reverse=True))
    text = re.sub(
        rf"(?<=[a-z])\s*/\s*({per})s?\b", lambda m: f" per {_PER_UNITS[m.group(1).lower()]}", text, flags=re.I
    )
    text = re.sub(r"(?<=[a-z])\s*/\s*(?=[a-z])", " or ", text, flags=re.I)
    text = re.sub(r"\s*\u00b0\s*C\b", " degrees Celsius", text)
    text = re.sub(r"\s*\u00b0\s*F\b", " degrees Fahrenheit", text)
    text = re.sub(rf"\b({_NUM})\s*[x\u00d7]\s*(?=\d)", r"\1 times ", text, flags=re.I)
    for symbol, word in (
        ("%", " percent"),
        ("\u00b0", " degrees"),
        ("&", " and "),
        ("+", " plus "),
        ("\u00d7", " times "),
        ("=", " equals "),
        ("@", " at "),
        ("#", " number "),
    ):
        text = text.replace(symbol, word)
    text = re.sub(r"~\s*(?=\d)", "about ", text)
    return text.replace("~", " ")


def _expand_dashes(text: str) -> str:
    """Dashes that separate thoughts become a comma pause; hyphens inside words stay."""
    text = re.sub(r"^[ \t]*-+[ \t]*", "", text, flags=re.M)  # list bullets
    return re.sub(r"[ \t]*[\u2013\u2014]+[ \t]*|[ \t]+-{1,2}[ \t]+|(?<=\w)--(?=\w)", ", ", text)


def _tidy(text: str) -> str:
    text = re.sub(r"(?<=[\w)\"'])[ \t]*\n\s*", ". ", text)  # a line break with no stop is a sentence end
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    return text.strip(" ,")


def normalize_for_speech(text: str) -> str:
    """The words an engine should say for `text`: same meaning, nothing it would misread."""
    text = str(text).translate(_CHARS)
    for pattern, replacement in _ABBREVIATIONS[:-_LATE]:
        text = re.sub(pattern, replacement, text, flags=re.I)
    text = _expand_symbols(text)
    text = _expand_ranges(text)
    text = _expand_units(text)
    for pattern, replacement in _ABBREVIATIONS[-_LATE:]:
        text = re.sub(pattern, replacement, text, flags=re.I)
    text = _expand_dashes(text)
    return _tidy(text)
