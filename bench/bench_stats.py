"""The statistics on a simulated year: database size and report times.

    .venv/bin/python bench/bench_stats.py [--sessions 2000] [--days 365] [--people 20000]
                                          [--db FILE]

With --db, the simulated year is kept in FILE and, when FILE exists, read again instead of
built (building it takes minutes): the same year for a before and an after.

A library of walks is made once through the real conversation (respond) with the real
content; each simulated day draws `--sessions` of them, counts their events and what
bot/tally.py derives from them, and writes the day's counters in one go (as a year of
Storage.record calls would, only faster). People are drawn from a pool, so they come back on
other days, and are counted in the sketches as Storage does. The last two days go through
Storage.record itself, so the sessions table is as a running bot leaves it.

Prints the database size and the time to build `/stats 30`'s report (text and chart), once
cold (the first after start loads matplotlib) and once warm, and `stats --days 365` (CSV and
JSON). The aim is under a second each; machines vary, so the
script also times a baseline on the same run: reading every counter row of the year.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import chart, stats  # noqa: E402
from bot.actions import Back, Go, Menu, Rate, SetLanguage, parse_action  # noqa: E402
from bot.content import Content, ContentSource  # noqa: E402
from bot.conversation import Command, Press, respond  # noqa: E402
from bot.events import Event  # noqa: E402
from bot.i18n import LANGUAGES, Translator  # noqa: E402
from bot.pseudonym import pseudonym  # noqa: E402
from bot.session import Session  # noqa: E402
from bot.sketch import Period, Sketch, Uniques, period_start  # noqa: E402
from bot.storage.sqlite import SqliteStorage  # noqa: E402
from bot.tally import Mark, Roles, close_day, roles_of, tally  # noqa: E402

LAST_DAY = date(2026, 11, 28)
WEIGHTS = {"ru": 0.45, "kk": 0.2, "uz": 0.25, "en": 0.1}


def walk(content: Content, rng: random.Random, lang: str) -> tuple[list[Event], str | None]:
    """One person's day: /start, a language, then up to eight presses."""
    session = Session()
    events: list[Event] = []
    reply = respond(content, session, Command("start"), LAST_DAY)
    for _ in range(9):
        assert reply.session is not None
        session = reply.session
        events += reply.events
        buttons = [b for s in reply.screens for b in s.buttons_flat()
                   if isinstance(b.action, Go | Back | Menu | Rate | SetLanguage)]
        if session.lang is None:
            buttons = [b for b in buttons if isinstance(b.action, SetLanguage)
                       and b.action.lang == lang]
        if not buttons or (session.lang is not None and rng.random() < 0.15):
            break
        choice = rng.choice(buttons)
        assert parse_action(choice.data) is not None
        reply = respond(content, session, Press(choice.data), LAST_DAY)
    return events, session.node


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--db", type=Path, help="keep the year here; reuse it if it exists")
    args = parser.parse_args()
    source, _ = ContentSource.load(ROOT / "content", ROOT / "locales")
    assert source is not None
    content = source.current
    rng = random.Random(2026)
    langs = list(WEIGHTS)
    library = []
    for _ in range(3000):
        lang = rng.choices(langs, [WEIGHTS[x] for x in langs])[0]
        library.append((lang, *walk(content, rng, lang)))
    roles = roles_of(content.tree)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "komek.sqlite3"
        started = time.perf_counter()
        if not path.exists():
            await build_year(path, library, roles, args, rng, content)
        filled = time.perf_counter() - started
        size = path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob("*-wal"))
        async with SqliteStorage.open(path) as storage:
            baseline = await timed(lambda: storage.counters_between(LAST_DAY - timedelta(
                days=args.days), LAST_DAY))
            tr = Translator(content.catalogs, "ru")

            async def month() -> None:
                report = await stats.gather(storage, 30, LAST_DAY, 5, content.tree)
                stats.text(report, tr)
                chart.png(report, tr)

            async def year() -> None:
                report = await stats.gather(storage, args.days, LAST_DAY, 5, content.tree)
                stats.csv_text(report)
                stats.json_text(report)

            cold_s = await timed(month)  # the first also loads matplotlib and its fonts
            month_s = await timed(month)
            year_s = await timed(year)
    print(f"simulated {args.days} days × {args.sessions} sessions ({args.people} people) "
          f"in {filled:.1f} s" + (" (reused)" if filled < 1 else ""))
    print(f"database size: {size / 1e6:.1f} MB")
    print(f"/stats 30 (report, text, chart): {month_s:.2f} s; the first after start "
          f"(loading matplotlib): {cold_s:.2f} s")
    print(f"stats --days {args.days} (report, CSV, JSON): {year_s:.2f} s")
    print(f"baseline, reading the year's counter rows: {baseline:.2f} s "
          f"(ratios {month_s / baseline:.1f}×, {year_s / baseline:.1f}×)")


async def build_year(path: Path, library: list[tuple[str, list[Event], str | None]],
                     roles: Roles, args: argparse.Namespace, rng: random.Random,
                     content: Content) -> None:
    async with SqliteStorage.open(path):
        pass
    fill(path, library, roles, args, rng)
    async with SqliteStorage.open(path) as storage:
        for day in (LAST_DAY - timedelta(days=1), LAST_DAY):
            for uid in rng.sample(range(args.people), args.sessions):
                lang, events, node = rng.choice(library)
                await storage.record(pseudonym(b"bench", uid), Session(lang=lang, node=node),
                                     day, events, tree=content.tree)
        await storage.flush()


def fill(path: Path, library: list[tuple[str, list[Event], str | None]], roles: Roles,
         args: argparse.Namespace, rng: random.Random) -> None:
    """A year of counters and sketches, a day at a time, as Storage.record would leave them."""
    uniques = Uniques()
    db = sqlite3.connect(path)
    first = LAST_DAY - timedelta(days=args.days - 1)
    for number in range(args.days - 2):
        day = first + timedelta(days=number)
        counts: Counter[tuple[str, str, str, str, str]] = Counter()
        derived: Counter[tuple[str, str, str, str, str]] = Counter()
        for uid in rng.sample(range(args.people), args.sessions):
            lang, events, node = rng.choice(library)
            for event in events:
                counts[(day.isoformat(), *event.row())] += 1
            mark, rows = tally(Mark(), node, lang, events, day, roles)
            derived.update(rows)
            derived.update(close_day(mark, day + timedelta(days=1))[1])
            for key in uniques.wanted(day, lang):
                uniques.hold(key, Sketch())
            uniques.add(pseudonym(b"bench", uid), day, lang)
        db.executemany("INSERT INTO counters (day, kind, node, lang, extra, n) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [(*k, n) for k, n in counts.items()])
        db.executemany("INSERT INTO tallies (day, kind, node, lang, extra, n) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [(*k, n) for k, n in derived.items()])
        db.executemany(
            "INSERT OR REPLACE INTO uniques (period, start, lang, registers, keys) "
            "VALUES (?, ?, ?, ?, 1)",
            [(p.value, period_start(p, day).isoformat(), code, sketch.dump())
             for p in Period for code in (*LANGUAGES, "*")
             if (sketch := uniques._sketches.get((p, period_start(p, day), code)))])
        db.commit()
    db.close()


async def timed(step) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = step()
    if asyncio.iscoroutine(result):
        await result
    return time.perf_counter() - started


if __name__ == "__main__":
    asyncio.run(main())
