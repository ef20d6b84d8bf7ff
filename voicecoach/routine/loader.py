"""Load routine files: safe YAML with positions, every problem reported at once."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeAlias

import yaml

from voicecoach.errors import Problem, RoutineError
from voicecoach.routine import yamlpos
from voicecoach.routine.durations import parse_breath, parse_duration
from voicecoach.routine.model import Defaults, Routine
from voicecoach.routine.reader import NodeReader, did_you_mean
from voicecoach.routine.steps import read_hold, read_steps

TOP_KEYS = ("format", "title", "summary", "source", "tags", "intro", "profile", "defaults", "steps")
#: The names of the profiles there are, asked for only when a routine names one (the profiles
#: layer sits above this one, so its caller passes them in).
ProfileNames: TypeAlias = Callable[[], Collection[str]]
DEFAULT_KEYS = ("hold", "transition", "rest", "breath")


def load_routine(
    path: str | Path, display: str | None = None, profiles: ProfileNames | None = None
) -> Routine:
    """Read and check a routine file; raise RoutineError with every problem found.

    `profiles` gives the profile names a `profile:` key may take (None: any name)."""
    shown = display or str(path)
    data, problems = yamlpos.read_source(path, shown)
    if data is None:
        raise RoutineError(problems)
    return parse_routine(data, shown, profiles)


def parse_routine(
    data: bytes | str, path: str = "<routine>", profiles: ProfileNames | None = None
) -> Routine:
    """Check routine text (or bytes) and build the model; raise RoutineError with every problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    text, problems = yamlpos.decode(path, raw)
    if text is None:
        raise RoutineError(problems)
    root, problems = yamlpos.compose(path, text)
    if problems:
        raise RoutineError(problems)
    if root is None:
        raise RoutineError(
            [Problem(path, 1, 1, "the file is empty: a routine needs at least 'title:' and 'steps:'")]
        )
    reader = NodeReader(path)
    routine = _read_top(reader, root, profiles)
    if reader.problems or routine is None:
        raise RoutineError(sorted(set(reader.problems), key=lambda p: (p.line, p.col, p.message)))
    return routine


def _read_top(r: NodeReader, root: yaml.Node, profiles: ProfileNames | None) -> Routine | None:
    keys = r.mapping(root, "routine", TOP_KEYS)
    if not isinstance(root, yaml.MappingNode) or yamlpos.tag_problem(r.path, root):
        return None
    for required in ("title", "steps"):
        if required not in keys:
            r.problem(root, f"missing '{required}:': a routine needs a title and a list of steps")
    if "format" in keys:
        r.whole(keys["format"][1], "format", 1, 1)
    title = r.text(keys["title"][1], "title") if "title" in keys else None
    summary = r.text(keys["summary"][1], "summary") if "summary" in keys else ""
    source = r.text(keys["source"][1], "source") if "source" in keys else ""
    tags = _read_tags(r, keys["tags"][1]) if "tags" in keys else ()
    intro = r.texts(keys["intro"][1], "intro") if "intro" in keys else ()
    profile = _read_profile(r, keys["profile"][1], profiles) if "profile" in keys else None
    defaults = _read_defaults(r, keys["defaults"][1]) if "defaults" in keys else Defaults()
    steps = read_steps(r, keys["steps"][1], defaults) if "steps" in keys else ()
    if r.problems or title is None:
        return None
    return Routine(
        title=title,
        steps=steps,
        defaults=defaults,
        summary=summary or "",
        source=source or "",
        tags=tags,
        intro=intro,
        profile=profile,
        path=r.path,
    )


def _read_profile(r: NodeReader, node: yaml.Node, profiles: ProfileNames | None) -> str | None:
    """The routine's default profile: a name the profiles there are include."""
    name = r.scalar(node, "profile")
    if name is None:
        return None
    name = name.strip()
    known = list(profiles()) if profiles is not None else None
    if known is not None and name not in known:
        close = did_you_mean(name, known)
        hint = close if "did you mean" in close else ""
        r.problem(
            node,
            f"profile: unknown profile '{name}'{hint}; the profiles are: {', '.join(known)} "
            "(your own go in profiles.yaml in the config folder)",
        )
        return None
    return name


def _read_tags(r: NodeReader, node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        r.visit(node)
        r.problem(node, "tags: expected a list of words, such as [hips, bedtime]")
        return ()
    r.visit(node)
    return tuple(t for t in (r.text(item, "tags") for item in node.value) if t)


def _read_defaults(r: NodeReader, node: yaml.Node) -> Defaults:
    keys = r.mapping(node, "defaults", DEFAULT_KEYS)
    base = Defaults()
    breath = r.parsed(keys["breath"][1], "breath", parse_breath) if "breath" in keys else None
    hold = read_hold(r, keys["hold"][1], breath or base.breath) if "hold" in keys else None
    transition = (
        r.parsed(keys["transition"][1], "transition", parse_duration) if "transition" in keys else None
    )
    rest = r.parsed(keys["rest"][1], "rest", parse_duration) if "rest" in keys else None
    return Defaults(
        hold=hold or base.hold,
        transition_s=transition if transition is not None else base.transition_s,
        rest_s=rest if rest is not None else base.rest_s,
        breath=breath or base.breath,
    )
