"""`voicecoach import`: an article (saved web page, Markdown or text) -> a routine file that validates.

found = import_article("hips.html")
found.yaml_text      # the routine, each value with the article's sentence beside it
found.warnings       # one line for each value the article did not give (also # check: lines)
found.to_json()      # what was found: steps, holds as ranges, sides, reps, where each came from
"""

from __future__ import annotations

from voicecoach.errors import RoutineError, VoicecoachError
from voicecoach.importer.blocks import Block, parse_blocks
from voicecoach.importer.errors import ArticleError, NoStretchesError
from voicecoach.importer.extract import read_article
from voicecoach.importer.findsteps import find_sections
from voicecoach.importer.model import Found, FoundStep, Quoted
from voicecoach.importer.phrases import find_props, needs_props, split_sentences
from voicecoach.importer.readstep import read_step
from voicecoach.importer.write import routine_text
from voicecoach.routine.loader import parse_routine

__all__ = ["ArticleError", "Found", "FoundStep", "NoStretchesError", "import_article"]

MAX_STEPS = 100


def import_article(article: str) -> Found:
    """Read ARTICLE (a path, or '-' for standard input), find its routine and write it as YAML.

    Raises ArticleError (exit 2) when the article cannot be read or holds no stretch.
    """
    document = read_article(article)
    form = "md" if document.form.startswith("html") else document.form
    blocks = parse_blocks(document.text, form)
    sections = find_sections(blocks)
    steps = [read_step(section) for section in sections][:MAX_STEPS]
    if not steps:
        raise NoStretchesError(article)
    warnings = tuple(
        f'{article}: step {n} "{step.name}": {check}'
        for n, step in enumerate(steps, start=1)
        for check in step.checks
    )
    needed = _needed(blocks)
    text = routine_text(document.title, document.source, article, steps, needed)
    try:
        routine = parse_routine(text, "<imported routine>")
    except RoutineError as exc:  # a bug of the importer, not of the article
        raise VoicecoachError(
            f"{article}: the routine written from it does not validate "
            f"({exc.problems[0]}); please report this"
        ) from exc
    return Found(
        article,
        document.title,
        document.source,
        document.form,
        tuple(steps),
        warnings,
        text,
        tuple(needed),
        routine_steps=len(routine.steps),
    )


def _needed(blocks: list[Block]) -> list[Quoted]:
    """Props the article says you need, wherever it says so ("You'll need a strap and a yoga mat")."""
    found: dict[str, Quoted] = {}
    for block in blocks:
        for sentence in split_sentences(block.text):
            if needs_props(sentence):
                for prop in find_props(sentence):
                    found.setdefault(prop, Quoted(prop, sentence))
    return list(found.values())
