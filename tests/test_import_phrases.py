"""Reading one sentence: holds in every phrasing articles use (property tests), sides, reps, flows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.importer.model import Hold
from voicecoach.importer.phrases import (
    find_holds,
    find_pattern,
    find_props,
    find_reps,
    find_rounds,
    find_sides,
    is_caution,
    is_flow,
    labelled,
    sides_said,
    split_sentences,
    spoken_prop,
)
from voicecoach.importer.write import hold_value
from voicecoach.routine.durations import NAMED_PATTERNS, parse_hold

# Test data only: how a writer might spell a few numbers. The importer itself reads them through text2num.
WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "eight": 8,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
BEFORE = st.sampled_from(["", "Lie on your back and ", "Keep your spine long. ", "Gently "])
AFTER = st.sampled_from(["", ", then switch sides", " while breathing slowly", " on each side", "."])
SECONDS_WORD = st.sampled_from(["seconds", "second", "sec", "secs", "s"])
DASH = st.sampled_from(["-", "\u2013", " to ", " - ", "\u2014"])
SMALL = st.integers(min_value=1, max_value=120)


def only_hold(sentence: str) -> Hold:
    holds = find_holds(sentence)
    assert holds, f"no hold read in {sentence!r}"
    return holds[0]


def written_seconds(hold: Hold) -> float:
    """What the routine file will say, read back by the project's own loader."""
    value, _ = hold_value(hold)
    return parse_hold(value).resolve_s(NAMED_PATTERNS["calm"])


@settings(max_examples=150, deadline=None)
@given(
    BEFORE,
    st.sampled_from(["hold for", "hold", "stay for", "holding it for", "remain here for"]),
    SMALL,
    SMALL,
    DASH,
    SECONDS_WORD,
    AFTER,
)
def test_a_range_of_seconds_is_read_and_its_middle_used(before, verb, a, b, dash, unit, after):
    low, high = min(a, b), max(a, b) + 1
    hold = only_hold(f"{before}{verb} {low}{dash}{high} {unit}{after}")
    assert (hold.low, hold.high, hold.unit) == (low, high, "s")
    assert written_seconds(hold) == pytest.approx((low + high) / 2)


@settings(max_examples=100, deadline=None)
@given(BEFORE, SMALL, st.sampled_from(["s", " s", " sec", " seconds", "-second"]), AFTER)
def test_seconds_in_any_spelling(before, n, unit, after):
    hold = only_hold(f"{before}hold {n}{unit}{after}")
    assert (hold.low, hold.high, hold.unit) == (n, n, "s") and written_seconds(hold) == n


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=10),
    st.sampled_from(["minute", "minutes", "min", "mins"]),
    st.sampled_from(["", "up to ", "about ", "at least "]),
)
def test_minutes_with_and_without_a_qualifier(n, unit, qualifier):
    hold = only_hold(f"Relax here for {qualifier}{n} {unit}.")
    assert (hold.low, hold.high) == (60 * n, 60 * n) and written_seconds(hold) == 60 * n
    assert hold.qualifier == qualifier.strip()
    if qualifier:
        assert qualifier.strip() in hold_value(hold)[1]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(WORDS)),
    st.sampled_from(["seconds", "deep breaths", "slow breaths", "breaths"]),
    st.sampled_from(["Stay for", "Hold for", "Take", "Maintain this position for"]),
)
def test_number_words_are_read(word, unit, verb):
    hold = only_hold(f"{verb} {word} {unit}.")
    assert hold.low == hold.high == WORDS[word]
    assert hold.unit == ("s" if unit == "seconds" else "breaths")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12), DASH)
def test_a_range_of_breaths_becomes_a_whole_number_of_breaths_inside_it(a, b, dash):
    low, high = min(a, b), max(a, b)
    hold = only_hold(f"Maintain this position, taking {low}{dash}{high} deep breaths.")
    assert (hold.low, hold.high, hold.unit) == (low, high, "breaths")
    value, comment = hold_value(hold)
    breaths = parse_hold(value).breaths
    assert breaths is not None and low <= breaths <= high
    if low != high:
        assert f"{low}-{high} breaths" in comment


@pytest.mark.parametrize(
    "sentence, low, high, unit",
    [
        ("Hold for 20\u201330 seconds.", 20, 30, "s"),
        ("20-30 sec per leg", 20, 30, "s"),
        ("Stay for about half a minute.", 30, 30, "s"),
        ("Hold for 1 minute.", 60, 60, "s"),
        ("Rest here for up to 5 minutes.", 300, 300, "s"),
        ("Hold 45s, then switch legs.", 45, 45, "s"),
        ("Stay for five deep breaths.", 5, 5, "breaths"),
        ("Hold for 30 seconds to 1 minute.", 30, 60, "s"),
        ("Hold for 1 minute 30 seconds.", 90, 90, "s"),
        ("Stay for a minute and a half.", 90, 90, "s"),
        ("Maintain the stretch for four to five deep breaths.", 4, 5, "breaths"),
        ("Hold for 1 and a half minutes.", 90, 90, "s"),
        ("Stay here for two and a half minutes.", 150, 150, "s"),
        ("Hold for a count of ten.", 10, 10, "s"),
        ("Hold it and count to 10.", 10, 10, "s"),
    ],
)
def test_the_phrasings_the_issue_lists(sentence, low, high, unit):
    hold = only_hold(sentence)
    assert (hold.low, hold.high, hold.unit) == (low, high, unit)


@pytest.mark.parametrize(
    "sentence",
    [
        "Some felt better within a week.",
        "Take a deep breath.",
        "Do the whole sequence a second time.",
        "Do this daily.",
    ],
)
def test_no_hold_where_there_is_none(sentence):
    assert find_holds(sentence) == []


@pytest.mark.parametrize(
    "sentence, both",
    [
        ("Hold for 20 seconds on each side.", True),
        ("Repeat on the other side.", True),
        ("Switch sides and repeat.", True),
        ("Hold 30 s per leg.", True),
        ("Switch legs.", True),
        ("Hold before changing to the opposite side.", True),
        ("Bring both knees to your chest.", False),
        ("Cross one ankle over the opposite knee.", False),
        ("Rotate your knees from side to side.", False),
        ("Repeat with the left leg.", True),
        ("Hold for 30 seconds, then the other side.", True),
        ("Do the other side.", True),
        ("Now do the other leg.", True),
        ("Then switch to the right leg and hold again.", True),
        ("The other leg stays straight.", False),
        ("Place your hand on the other knee.", False),
        ("Keep your left leg straight.", False),
    ],
)
def test_sides(sentence, both):
    assert find_sides(sentence) is both
    said = sides_said(sentence)
    assert (said is not None and not said.terse) is both


@pytest.mark.parametrize(
    "sentence, second, terse",
    [
        ("Repeat with the left leg.", "left", False),
        ("Now do the other leg.", "", False),
        ("Now the left leg.", "left", True),
        ("Other side.", "", True),
    ],
)
def test_the_side_a_sentence_repeats_with(sentence, second, terse):
    said = sides_said(sentence)
    assert said is not None and (said.second, said.terse) == (second, terse)


@pytest.mark.parametrize(
    "sentence, low, high, sets",
    [
        ("Repeat 3\u20135 times.", 3, 5, 1),
        ("Do 2 sets of 10 reps.", 10, 10, 2),
        ("Do 3 rounds of 30 seconds.", 3, 3, 1),
        ("Repeat twice.", 2, 2, 1),
        ("Repeat it three times.", 3, 3, 1),
        ("Repeat 3 sets.", 3, 3, 1),
        ("Do two to three sets", 2, 3, 1),
    ],
)
def test_repetitions(sentence, low, high, sets):
    reps = find_reps(sentence)
    assert reps is not None and (reps.low, reps.high, reps.sets) == (low, high, sets)


def test_a_flow_and_its_rounds():
    sentence = "Move between cat and cow with your breath for 8 rounds."
    assert is_flow(sentence) and find_rounds(sentence).value == 8
    assert is_flow("Gently rotate them side to side.") and not is_flow("Hold for 30 seconds.")


@pytest.mark.parametrize(
    "sentence, rounds",
    [
        ("Move between cat and cow with your breath for 8 rounds.", 8),
        ("Do 5 rounds.", 5),  # a breathing exercise's rounds, in a sentence of their own
        ("Repeat the cycle 6-10 times.", 8),
        ("Breathe in for 4, hold for 4, out for 4, hold for 4.", None),
    ],
)
def test_rounds(sentence, rounds):
    found = find_rounds(sentence)
    assert (found and found.value) == rounds


@pytest.mark.parametrize(
    "sentence, pattern",
    [
        ("Breathe in for 4, out for 6.", "4-6"),
        ("Inhale for four counts, hold for seven, and exhale for eight.", "4-7-8"),
        ("Try 4-7-8 breathing before sleep.", "4-7-8"),
    ],
)
def test_breathing_patterns(sentence, pattern):
    found = find_pattern(sentence)
    assert found is not None and found.text == pattern and found.quote == sentence


def test_cautions():
    assert is_caution("Skip this if you have knee pain.") and not is_caution("Keep your knees soft.")


@pytest.mark.parametrize(
    "sentence, props",
    [
        ("You'll need a strap.", ["strap"]),
        ("You'll need a strap and a yoga mat.", ["strap", "yoga mat"]),
        ("You'll need a strap (a dressing-gown belt works too).", ["strap"]),
        ("You'll need: a sturdy chair.", ["chair"]),
        ("You will want a cushion, a pillow and a towel.", ["cushion", "pillow", "towel"]),
        (
            "You'll need a chair or a sturdy block, and a heavy object, such as a doorstop or a kettlebell.",
            ["chair or sturdy block", "heavy object such as doorstop or kettlebell"],
        ),
        ("You'll want something soft, like a cushion or a folded towel.", ["cushion or towel"]),
        ("Grab two yoga blocks and a cushion.", ["2 yoga blocks", "cushion"]),
        ("Use a strap or a towel around your foot.", ["strap or towel"]),
        ("Use the wall for balance.", ["wall"]),
        # where to stand, sit or lean is not something to bring
        ("Lean against the wall.", []),
        ("Place one knee over a chair or block.", []),
        ("Sit on a chair with your feet flat.", []),
        ("You'll need to sit on a chair.", []),
        ("Long days in a chair add up.", []),
        ("You don't need a strap for this one.", []),
        ("Using the opposite arm, pull your knee in.", []),
        # a "need" after the prop, or a negated one elsewhere, does not cancel a "use" (review regressions)
        ("Use a strap if needed.", ["strap"]),
        ("Use a towel as needed.", ["towel"]),
        ("You don't need to push hard; use a strap.", ["strap"]),
        ("Rest your hands on a block, or use a strap if you need to.", ["strap"]),
        ("You'll need a mat, but you can do it without a strap.", ["mat"]),
    ],
)
def test_props(sentence, props):
    assert find_props(sentence) == props


@pytest.mark.parametrize(
    "value, spoken",
    [
        ("strap", "a strap"),
        ("yoga mat", "a yoga mat"),
        ("chair or sturdy block", "a chair or a sturdy block"),
        ("heavy object such as doorstop or kettlebell", "a heavy object such as a doorstop or a kettlebell"),
        ("2 yoga blocks", "2 yoga blocks"),
        ("blankets", "some blankets"),
    ],
)
def test_props_as_spoken(value, spoken):
    assert spoken_prop(value) == spoken


def test_sentences_split_where_a_reader_would():
    assert split_sentences("Lie down. Hold e.g. 30 s. Then 2.5 more!") == [
        "Lie down.",
        "Hold e.g. 30 s.",
        "Then 2.5 more!",
    ]


@pytest.mark.parametrize(
    "sentence, kind, count, unread",
    [
        ("Reps: 2", "reps", 2, False),
        ("Reps: 3 on each side", "reps", 3, False),
        ("Sets: three", "reps", 3, False),
        ("Repetitions: 2-3 per side", "reps", (2, 3), False),
        ("Hold: 30 seconds", "hold", None, False),
        ("Duration: 1 minute", "hold", None, False),
        ("Sides: both", "sides", None, False),
        ("Reps: 10 x 2", "reps", 10, True),
        ("Reps: as many as you like", "reps", None, True),
        ("Hold: until your hips soften", "hold", None, True),
    ],
)
def test_labelled_values(sentence, kind, count, unread):
    label = labelled(sentence)
    assert label is not None and (label.kind, label.unread) == (kind, unread)
    low, high = count if isinstance(count, tuple) else (count, count)
    assert (label.count and (label.count.low, label.count.high)) == (count and (low, high))


def test_labels_run_together_are_split():
    assert split_sentences("Hold: 30 seconds Reps: 2 each side") == ["Hold: 30 seconds", "Reps: 2 each side"]
    assert labelled("Hold the pose: breathe.") is None and labelled("Keep your back flat.") is None
