"""Writing what was found as routine YAML: each value with the article's sentence beside it."""

from __future__ import annotations

import json

from voicecoach.importer.model import FoundStep, Hold, Quoted
from voicecoach.importer.phrases import spoken_prop
from voicecoach.importer.readstep import DEFAULT_BREATHE_CYCLES, DEFAULT_HOLD_S, flow_rounds
from voicecoach.routine.durations import DurationError, parse_breath

INTRO = (
    "A word on safety first. Move slowly, keep breathing, and hold each stretch still, without "
    "bouncing. Look for a mild pull, never pain, and if anything feels sharp, stop."
)
_QUOTE_CHARS = 140


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(" ".join(str(text).split()), ensure_ascii=False)


def said(quote: str) -> str:
    """The article's sentence, cut short, as a comment on one line."""
    text = " ".join(quote.split())
    return q(text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3] + "...")


def hold_text(seconds: float) -> str:
    """A hold in the routine format: 25s, 1m30s, 5m, 22.5s."""
    if seconds >= 60 and float(seconds).is_integer():
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    return f"{seconds:g}s"


def hold_value(hold: Hold) -> tuple[str, str]:
    """The hold's YAML value and its comment: the range kept, the middle used, the sentence quoted."""
    if hold.unit == "breaths":
        value = f"{int(hold.value)} breath{'s' if hold.value != 1 else ''}"
        shown = f"{int(hold.low)}-{int(hold.high)} breaths"
    else:
        value = hold_text(hold.value)
        shown = f"{hold_text(hold.low)}-{hold_text(hold.high)}"
    if hold.is_range:
        return value, f"{shown} in the article, the middle used: {said(hold.quote)}"
    qualifier = f" ({hold.qualifier})" if hold.qualifier else ""
    return value, f"article{qualifier}: {said(hold.quote)}"


def _texts(key: str, texts: list[str]) -> list[str]:
    if not texts:
        return []
    return [f"    {key}:"] + [f"      - {q(t)}" for t in texts]


def step_lines(step: FoundStep) -> list[str]:
    """The YAML lines of one step."""
    lines = [
        f"  - {step.kind if step.kind != 'breathe' else 'breathe'}: "
        f"{q(step.name) if step.kind != 'breathe' else _pattern(step)}  # {said(step.heading)}"
    ]
    if step.kind == "breathe":
        return lines + _breathe_keys(step)
    lines += _texts("setup", list(step.setup))
    if step.kind == "flow":
        return lines + _flow_keys(step)
    if step.hold is not None:
        value, comment = hold_value(step.hold)
        lines.append(f"    hold: {value}  # {comment}")
    if step.sides is not None:
        lines.append(f"    sides: {step.sides.yaml_value}  # article: {said(step.sides.quote)}")
    if step.reps is not None:
        total = min(100, step.reps.value * step.reps.sets)
        shown = (
            f"{step.reps.low}-{step.reps.high} in the article, the middle used"
            if step.reps.low != step.reps.high
            else "article"
        )
        lines.append(f"    reps: {total}  # {shown}: {said(step.reps.quote)}")
    lines += _texts("cues", list(step.cues))
    lines += _texts("tips", [c.text for c in step.cautions] + list(step.tips))
    if step.release:
        lines.append(f"    release: {q(step.release)}")
    return lines + [f"    # check: {c}" for c in step.checks]


def _pattern(step: FoundStep) -> str:
    if step.breath is None:
        return "calm"
    try:
        parse_breath(step.breath.text)
    except DurationError:
        return "calm"
    return step.breath.text


def _breathe_keys(step: FoundStep) -> list[str]:
    lines = [f"    # article: {said(step.breath.quote)}"] if step.breath else []
    if step.cycles is not None:
        lines.append(f"    cycles: {min(100, step.cycles.value)}  # article: {said(step.cycles.quote)}")
    else:
        lines.append(f"    cycles: {DEFAULT_BREATHE_CYCLES}")
    return lines + [f"    # check: {c}" for c in step.checks]


def _flow_keys(step: FoundStep) -> list[str]:
    lines = []
    if step.inhale:
        lines.append(f"    inhale: {q(step.inhale)}")
    if step.exhale:
        lines.append(f"    exhale: {q(step.exhale)}")
    rounds, quote = flow_rounds(step)
    if quote and step.cycles is None and step.hold is not None and step.hold.unit == "s":
        lines.append(
            f"    cycles: {rounds}  # {hold_text(step.hold.value)} in the article, at one 10 s "
            f"breath a round: {said(quote)}"
        )
    elif step.cycles is not None and step.cycles.low != step.cycles.high:
        lines.append(
            f"    cycles: {rounds}  # {step.cycles.low}-{step.cycles.high} in the article, the middle "
            f"used: {said(quote)}"
        )
    else:
        lines.append(f"    cycles: {rounds}" + (f"  # article: {said(quote)}" if quote else ""))
    if step.breath is not None and _pattern(step) == step.breath.text:
        lines.append(f"    breath: {step.breath.text}  # article: {said(step.breath.quote)}")
    return lines + [f"    # check: {c}" for c in step.checks]


def routine_text(title: str, source: str, article: str, steps: list[FoundStep], needed: list[Quoted]) -> str:
    """The whole routine file; `needed` are the props the article names outside its steps."""
    first_said: dict[str, Quoted] = {}
    for prop in needed + [p for s in steps for p in s.props]:
        first_said.setdefault(prop.text, prop)  # each prop quoted where the article first names it
    props = list(first_said.values())
    lines = [
        f"# Drafted by `voicecoach import` from {article}. Each value has the article's sentence beside it;",
        "# lines marked `# check:` are what the article did not say: look at them before you use this.",
        "format: 1",
        f"title: {q(title or 'Imported routine')}",
        f"summary: {q(_summary(steps, [spoken_prop(p.text) for p in props]))}",
        f"source: {q(source)}",
        "defaults:",
        f"  hold: {DEFAULT_HOLD_S}s          # where the article gives no hold (such steps say so below)",
        "  transition: 6s",
        "  rest: 5s",
        "  breath: 4-6",
        "# The safety reminder, spoken after the title; --no-intro skips it.",
        f"intro: {q(INTRO)}",
        "steps:",
    ]
    if props:
        lines += _props_talk(props)
    for step in steps:
        lines += step_lines(step)
    lines.append("  - rest: 10s")
    return "\n".join(lines) + "\n"


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _props_talk(props: list[Quoted]) -> list[str]:
    """The spoken line of props; each prop's own sentence quoted (beside it, or above it when several)."""
    spoken = [spoken_prop(p.text) for p in props]
    talk = f"  - talk: {q('For this session you will need ' + and_list(spoken) + '.')}"
    quotes = list(dict.fromkeys(p.quote for p in props))
    if len(quotes) == 1:
        return [f"{talk}  # article: {said(quotes[0])}"]
    above = [
        f"  # {and_list([s for s, p in zip(spoken, props, strict=True) if p.quote == quote])}: "
        f"article: {said(quote)}"
        for quote in quotes
    ]
    return [*above, talk]


def _summary(steps: list[FoundStep], props: list[str]) -> str:
    names = ", ".join(s.name for s in steps[:4]) + (" and more" if len(steps) > 4 else "")
    text = f"{len(steps)} step{'s' if len(steps) != 1 else ''} from the article: {names}."
    return text + (f" You'll need {and_list(props)}." if props else "")
