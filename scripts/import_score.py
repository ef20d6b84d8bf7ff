#!/usr/bin/env python3
"""How well `voicecoach import` reads the seed articles (issue 16's closing figures).

Compares what the importer finds in tests/articles/seed-* with the hand-written expected files
beside them: precision and recall of step names (in order-free matching), and the share of holds
(range right, and the used value inside it), sides and reps found right over the expected steps.

    .venv/bin/python scripts/import_score.py            # the three seed fixtures
    .venv/bin/python scripts/import_score.py tests/articles/*.md   # any fixtures with expected files
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voicecoach.importer import import_article
from voicecoach.importer.readstep import normalised_name


def score(articles: list[Path]) -> dict[str, float]:
    """Counts and shares over all the articles given."""
    tp = found_n = expected_n = 0
    right = {"holds": 0, "sides": 0, "reps": 0}
    for article in articles:
        want = json.loads(article.with_suffix(".expected.json").read_text(encoding="utf-8"))
        steps = import_article(str(article)).to_json()["steps"]
        got = {normalised_name(s["name"]): s for s in steps}
        found_n += len(got)
        expected_n += len(want["steps"])
        for spec in want["steps"]:
            step = got.get(normalised_name(spec["name"]))
            if step is None:
                continue
            tp += 1
            hold = step["hold"] and [step["hold"]["low"], step["hold"]["high"], step["hold"]["unit"]]
            inside = hold is None or hold[0] <= step["hold"]["used"] <= hold[1]
            right["holds"] += hold == spec["hold"] and inside
            right["sides"] += bool(step["sides"]) == spec["sides"]
            right["reps"] += (step["reps"] and step["reps"]["used"]) == spec["reps"]
    result = {
        "articles": len(articles),
        "expected steps": expected_n,
        "found steps": found_n,
        "precision": tp / found_n if found_n else 0.0,
        "recall": tp / expected_n if expected_n else 0.0,
    }
    result.update({f"{k} right": v / expected_n for k, v in right.items()})
    return result


def main(argv: list[str]) -> int:
    articles = [Path(a) for a in argv] or sorted((REPO / "tests" / "articles").glob("seed-*.*"))
    articles = [
        a
        for a in articles
        if a.suffix != ".json"
        and a.with_suffix(".expected.json").exists()
        and "steps" in json.loads(a.with_suffix(".expected.json").read_text(encoding="utf-8"))
    ]
    for key, value in score(articles).items():
        shown = f"{value:.1%}" if isinstance(value, float) else str(value)
        print(f"{key:<16} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
