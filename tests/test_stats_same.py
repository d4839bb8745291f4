"""The faster report is the same report: on a seeded input, every published figure and
every mark equals what the line-by-line implementation gave (pinned below as digests)."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from bot.sketch import Period, Sketch
from bot.stats import build, csv_text, json_text

FIRST = date(2026, 9, 1)
DAYS = 40
KINDS = ("screen", "answer", "ended", "session", "search", "search_empty", "choice")


def seeded_rows() -> list[tuple[str, str, str, str, str, int]]:
    """Counters with many small cells, zeros, withdrawn votes and detailed kinds."""
    rng = random.Random(7)
    rows = []
    for number in range(DAYS):
        day = (FIRST + timedelta(days=number)).isoformat()
        for _ in range(60):
            kind = rng.choice((*KINDS, "helpful", "helpful_withdrawn", "command", "funnel"))
            extra = {"helpful": rng.choice(("yes", "no")),
                     "helpful_withdrawn": rng.choice(("yes", "no")),
                     "command": rng.choice(("help", "start")),
                     "funnel": rng.choice(("start", "answer")),
                     "choice": rng.choice(("a", "b"))}.get(kind, "")
            rows.append((day, kind, rng.choice(("main", "asylum", "work", "asylum-apply")),
                         rng.choice(("ru", "kk", "uz", "en", "")), extra,
                         rng.choice((1, 1, 2, 3, 4, 5, 6, 9, 14, 40))))
    return rows


def seeded_sketches() -> list[tuple[Period, date, str, Sketch, int]]:
    rng = random.Random(11)
    out = []
    for number in range(DAYS):
        day = FIRST + timedelta(days=number)
        for lang in ("ru", "kk", "*"):
            sketch = Sketch()
            for _ in range(rng.choice((1, 3, 8, 30))):
                sketch.add_hash(rng.getrandbits(64))
            out.append((Period.DAY, day, lang, sketch, 1))
    return out


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_the_report_of_a_seeded_input_is_exactly_as_before():
    last = FIRST + timedelta(days=DAYS - 1)
    report = build(seeded_rows(), seeded_sketches(), FIRST + timedelta(days=3), last, 5)
    assert digest(csv_text(report)) == "1a4daf26695f71fa"
    assert digest(json_text(report)) == "940edcb93e4d848f"
