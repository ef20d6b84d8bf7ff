"""normalize_for_speech: phrasings taken from stretching articles, and the rules one by one."""

from __future__ import annotations

import pytest

from voicecoach.speech.normalize import normalize_for_speech

# Sentences as they appear in the seed articles (copied here as literal strings).
ARTICLE_LINES = [
    (
        "Lie on your back and pull one knee toward your chest, holding it for 20–30 seconds.",
        "Lie on your back and pull one knee toward your chest, holding it for 20 to 30 seconds.",
    ),
    (
        "Instead, hold each stretch for 20-30 seconds to allow your muscles to lengthen properly.",
        "Instead, hold each stretch for 20 to 30 seconds to allow your muscles to lengthen properly.",
    ),
    (
        "Maintain this position, taking 5 to 10 deep breaths.",
        "Maintain this position, taking 5 to 10 deep breaths.",
    ),
    (
        "Maintain this position for 4-8 deep breaths, then exhale and gently lower your arms and "
        "legs to the floor.",
        "Maintain this position for 4 to 8 deep breaths, then exhale and gently lower your arms and "
        "legs to the floor.",
    ),
    (
        "Hold the position, breathing deeply for 30-60 seconds before releasing and switching sides.",
        "Hold the position, breathing deeply for 30 to 60 seconds before releasing and switching sides.",
    ),
    (
        "Don’t rush—holding a stretch for even just a few seconds longer can make a significant difference.",
        "Don't rush, holding a stretch for even just a few seconds longer can make a significant difference.",
    ),
    (
        "If you feel any discomfort, ease off slightly—stretching should feel gentle but not painful.",
        "If you feel any discomfort, ease off slightly, stretching should feel gentle but not painful.",
    ),
    (
        "Bouncing or “ballistic stretching” can cause muscles to tighten, not loosen.",
        'Bouncing or "ballistic stretching" can cause muscles to tighten, not loosen.',
    ),
    (
        "A recent online fitness poll found that out of 1,500 respondents with back pain, 68% "
        "reported improvement.",
        "A recent online fitness poll found that out of 1500 respondents with back pain, 68 percent reported "
        "improvement.",
    ),
    (
        "Pilates Pila – Lower back pain isn’t just annoying",
        "Pilates Pila, Lower back pain isn't just annoying",
    ),
    (
        "Arch your back (Cat) and then dip your belly toward the floor while lifting your head and "
        "tailbone (Cow).",
        "Arch your back (Cat) and then dip your belly toward the floor while lifting your head and "
        "tailbone (Cow).",
    ),
    (
        "By unlocking tension there, your pelvis re-aligns, and pressure on the lower spine is released.",
        "By unlocking tension there, your pelvis re-aligns, and pressure on the lower spine is released.",
    ),
    ("Cat-Cow Stretch", "Cat-Cow Stretch"),
    ("Post-workout, it serves as a gentle cooldown.", "Post-workout, it serves as a gentle cooldown."),
    (
        "The psoas major and minor, which attach to the lower spine's vertebrae, can cause significant pain.",
        "The psoas major and minor, which attach to the lower spine's vertebrae, can cause significant pain.",
    ),
    (
        "Take a deep breath, hold the stretch for 60 seconds, and then release.",
        "Take a deep breath, hold the stretch for 60 seconds, and then release.",
    ),
]


@pytest.mark.parametrize("text,expected", ARTICLE_LINES)
def test_article_phrasings(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("20–30 s", "20 to 30 seconds"),
        ("5-10 breaths", "5 to 10 breaths"),
        ("1m30s", "1 minute 30 seconds"),
        ("45s", "45 seconds"),
        ("Hold 45s.", "Hold 45 seconds."),
        ("1m", "1 minute"),
        ("2m", "2 minutes"),
        ("2h", "2 hours"),
        ("30s-60s", "30 seconds to 60 seconds"),
        ("rest 10 s then", "rest 10 seconds then"),
        ("hold 1 min", "hold 1 minute"),
        ("1.5 min", "1.5 minutes"),
        ("0 to 1 min", "0 to 1 minutes"),
        ("Hold for 30 secs.", "Hold for 30 seconds."),
        ("a 5-min break", "a 5-minute break"),
        ("10x", "10 times"),
        ("3x10 reps", "3 times 10 reps"),
        ("4-7-8", "4, 7, 8"),
    ],
)
def test_ranges_and_units(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("e.g. a strap", "for example a strap"),
        ("i.e., slowly", "that is, slowly"),
        ("approx. 2 min", "approximately 2 minutes"),
        ("roll, twist, etc.", "roll, twist, et cetera"),
        ("w/ a strap", "with a strap"),
        ("w/o a strap", "without a strap"),
        ("for a sec", "for a second"),
        ("a few mins", "a few minutes"),
        ("vs. last time", "versus last time"),
    ],
)
def test_abbreviations(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("68%", "68 percent"),
        ("sit & relax", "sit and relax"),
        ("20+ reps", "20 plus reps"),
        ("hands/knees", "hands or knees"),
        ("6 breaths/min", "6 breaths per minute"),
        ("1/2 way", "one half way"),
        ("2 × 30 seconds", "2 times 30 seconds"),
        ("turn 90°", "turn 90 degrees"),
        ("~5 minutes", "about 5 minutes"),
    ],
)
def test_symbols(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Sit—tall—and breathe", "Sit, tall, and breathe"),
        ("Relax – then breathe", "Relax, then breathe"),
        ("Relax -- then breathe", "Relax, then breathe"),
        ("‘soft’ knees", "'soft' knees"),
        ("Slowly…", "Slowly..."),
        ("  • Knee to Chest\n  Lie on your back", "Knee to Chest. Lie on your back"),
        ("- item one\n- item two", "item one. item two"),
        ("too    many\tspaces", "too many spaces"),
    ],
)
def test_dashes_quotes_and_layout(text: str, expected: str) -> None:
    assert normalize_for_speech(text) == expected


def test_text_can_never_open_a_phoneme_block() -> None:
    # Piper reads [[ ... ]] as raw phonemes; written text must not reach that path.
    spoken = normalize_for_speech("Say [[ h @ l oU ]] now")
    assert "[" not in spoken and "]" not in spoken


def test_normalising_is_idempotent_on_article_lines() -> None:
    for text, _ in ARTICLE_LINES:
        once = normalize_for_speech(text)
        assert normalize_for_speech(once) == once
