"""The package's layers: every import points down the stack, never up or sideways, and no cycle.

sound <- routine <- profiles <- plan <- speech <- mix <- export/live/serve/importer <- app <- cli,
with errors, paths and fsutil beneath everything. Read from the source with ast, so an import
inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import voicecoach

PACKAGE = Path(voicecoach.__file__).parent

#: Each top-level part of the package and its rank: a module may import from lower ranks only
#: (and from its own part).
RANKS: dict[str, int] = {
    "errors": 0,
    "paths": 1,
    "fsutil": 1,
    "sound": 2,
    "history": 2,
    "routine": 3,
    "profiles": 4,
    "plan": 5,
    "speech": 6,
    "mix": 7,
    "export": 8,
    "live": 8,
    "serve": 8,
    "importer": 8,
    "app": 9,
    "cli": 10,
    "__main__": 11,
    "__init__": 0,
}

#: At most this many imports inside functions, each for start-up time or an optional dependency.
MAX_LOCAL_IMPORTS = 10


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def part_of(module: str) -> str:
    """The top-level part a dotted module name belongs to ('voicecoach.mix.bed' -> 'mix')."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported voicecoach module, line, inside a function?) for every import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    local_lines = {
        n.lineno
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(f)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("voicecoach"):
                found.append((name, node.lineno, node.lineno in local_lines))
    return found


def resolved(name: str, known: dict[str, Path]) -> str | None:
    """The module an imported name refers to (a name imported from a module resolves to it)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    for module, path in known.items():
        for name, _line, _local in imports_of(module, path):
            target = resolved(name, known)
            if target and target != module and target != "voicecoach":
                edges[module].add(target)
    return edges


def test_every_part_has_a_rank() -> None:
    unranked = {part_of(m) for m in modules()} - set(RANKS)
    assert not unranked, f"give these parts a rank in RANKS: {sorted(unranked)}"


def test_imports_point_down() -> None:
    wrong = []
    for module, targets in graph().items():
        mine = part_of(module)
        for target in targets:
            theirs = part_of(target)
            if theirs != mine and RANKS[theirs] >= RANKS[mine]:
                wrong.append(f"{module} imports {target} ({mine}:{RANKS[mine]} -> {theirs}:{RANKS[theirs]})")
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(sorted(wrong))


def test_sound_is_a_leaf() -> None:
    wrong = [
        f"{m} imports {t}"
        for m, ts in graph().items()
        if part_of(m) == "sound"
        for t in ts
        if part_of(t) not in ("sound", "errors")
    ]
    assert not wrong, wrong


def test_no_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


#: Lint and type-checker directives in a comment: they silence a tool, they explain nothing.
DIRECTIVES = re.compile(
    r"noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore(\[[^\]]*\])?|pragma:[^#]*", re.I
)


def reason_in(comment: str) -> str:
    """The words of a comment once its tool directives are gone ('' when it only silences a tool)."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", DIRECTIVES.sub(" ", comment))
    return " ".join(words) if len(words) >= 2 else ""


def local_imports(path: Path) -> list[tuple[int, list[str], str]]:
    """Every import inside a function: (line, top-level names imported, its comments joined: on its
    own lines and on the comment lines right above it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    found: dict[int, tuple[int, list[str], str]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["voicecoach" if node.level else (node.module or "").split(".")[0]]
            else:
                continue
            first = node.lineno - 1
            while first > 0 and lines[first - 1].lstrip().startswith("#"):
                first -= 1
            text = lines[first : (node.end_lineno or node.lineno)]
            comments = " ".join(line.split("#", 1)[1] for line in text if "#" in line)
            found[node.lineno] = (node.lineno, names, comments)
    return sorted(found.values())


def test_a_reason_is_words_not_a_lint_directive() -> None:
    assert reason_in(" noqa: F401") == "" and reason_in(" type: ignore[import]") == ""
    assert reason_in(" noqa: F401, E402  ") == "" and reason_in(" pragma: no cover") == ""
    said = reason_in(" noqa: F401  start-up time: only `serve` needs it")
    assert said == "start-up time only serve needs it"


def test_few_imports_inside_functions_each_with_a_reason() -> None:
    local = [
        (module, line, comment)
        for module, path in modules().items()
        for line, names, comment in local_imports(path)
        if "voicecoach" in names
    ]
    assert len(local) < MAX_LOCAL_IMPORTS, "imports inside functions:\n" + "\n".join(
        f"{m}:{n}" for m, n, _c in local
    )
    unexplained = [f"{m}:{n}: #{c}" for m, n, c in local if not reason_in(c)]
    assert not unexplained, (
        "say why each import is inside a function (start-up time or optional), in words:\n"
        + "\n".join(unexplained)
    )


def test_standard_library_imports_inside_functions_say_why() -> None:
    """The standard library is always there: an import of it inside a function is for start-up
    time or a platform that lacks it, and says which; any other belongs at the top of the file."""
    unexplained = [
        f"{module}:{line}: {', '.join(names)}"
        for module, path in modules().items()
        for line, names, comment in local_imports(path)
        if any(name in sys.stdlib_module_names for name in names) and not reason_in(comment)
    ]
    assert not unexplained, (
        "move these imports to the top of their file, or say why they are inside a function:\n"
        + "\n".join(unexplained)
    )
