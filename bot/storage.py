"""Sessions and anonymous counters in SQLite, through one aiosqlite connection.

The SQL here is all the SQL Kömek has, and it stays portable (no SQLite-only syntax past
the PRAGMAs) so a PostgreSQL backend can be one more module with the same methods.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import aiosqlite

from bot.errors import StorageError
from bot.events import Event, Vote
from bot.session import Session
from bot.sketch import Period, Sketch, SketchKey, Uniques, period_start
from bot.tally import Mark, close_day, roles_of, tally
from bot.tree.model import Tree

log = logging.getLogger(__name__)

BUSY_TRIES = 4  # on top of busy_timeout: another process (a backup, `komek stats`) held a lock
BUSY_PAUSE = 0.05  # seconds, doubled after each try

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions keyed by a pseudonym; counters by day, kind, key and language
    """
    CREATE TABLE sessions (
        pseudonym TEXT PRIMARY KEY,
        lang TEXT,
        node TEXT,
        stack TEXT NOT NULL DEFAULT '[]',
        pending TEXT,
        screen_message INTEGER,
        recent_messages TEXT NOT NULL DEFAULT '[]',
        updated_on TEXT NOT NULL
    );
    CREATE TABLE counters (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        lang TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, key, lang)
    );
    """,
    # 2: typed events (bot/events.py) as (kind, node, lang, extra); message ids with the time
    # each was seen, for the safe exit; the vote on the current screen
    """
    ALTER TABLE counters RENAME TO counters_v1;
    CREATE TABLE counters (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        node TEXT NOT NULL,
        lang TEXT NOT NULL,
        extra TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, node, lang, extra)
    );
    INSERT INTO counters (day, kind, node, lang, extra, n)
        SELECT day, CASE kind WHEN 'view' THEN 'screen' ELSE kind END, key,
               CASE lang WHEN 'none' THEN '' ELSE lang END, '', n FROM counters_v1;
    DROP TABLE counters_v1;
    UPDATE sessions SET recent_messages = '[]';
    ALTER TABLE sessions ADD COLUMN vote TEXT;
    ALTER TABLE sessions ADD COLUMN vote_changed INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: statistics without a trail (bot/tally.py, bot/sketch.py): the day whose end is not
    # counted yet and the current tree visit beside each session; the counts derived from
    # them (tallies: sessions, ends of days, funnels), apart from the events; distinct-people
    # sketches
    """
    ALTER TABLE sessions ADD COLUMN open_day TEXT;
    ALTER TABLE sessions ADD COLUMN visit_tree TEXT;
    ALTER TABLE sessions ADD COLUMN visit_stages INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE tallies (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        node TEXT NOT NULL,
        lang TEXT NOT NULL,
        extra TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, node, lang, extra)
    );
    CREATE TABLE uniques (
        period TEXT NOT NULL,
        start TEXT NOT NULL,
        lang TEXT NOT NULL,
        registers BLOB NOT NULL,
        keys INTEGER NOT NULL,
        PRIMARY KEY (period, start, lang)
    );
    """,
)


@dataclass(frozen=True, slots=True)
class Purged:
    days_closed: int
    counters: int
    sketches: int
    sessions: int


SAVE_SKETCHES_AFTER = 100  # registers grown in memory before the sketches are written


class Storage:
    """One connection; a lock keeps each operation (and its commit) whole between coroutines."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._uniques = Uniques()  # the keys of the current periods live here, in memory only
        self._unsaved: dict[SketchKey, tuple[Sketch, bool]] = {}
        self._growths = 0

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path, busy_timeout_ms: int = 5000) -> AsyncIterator[Storage]:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(path)
        except Exception as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            storage = cls(db)
            await storage._migrate()
            yield storage
            try:
                await storage.flush()
            except (ValueError, sqlite3.Error) as exc:  # the connection is already gone
                # Only unsaved sketch registers are lost: an estimate comes out a little low.
                log.warning("could not save the last people-sketches: %s", type(exc).__name__)
        finally:
            await db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StorageError(f"the database is at schema {version}, newer than this Kömek "
                               f"({len(MIGRATIONS)}); upgrade Kömek")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(
                f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;"
            )

    async def schema_version(self) -> int:
        async with self._lock, self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def load_session(self, pseudonym: str) -> Session | None:
        # One trip to aiosqlite's thread, not three (execute, fetch, close): under load each
        # trip waits for the GIL, and this runs for every update.
        async with self._lock:
            rows = list(await self._db.execute_fetchall(
                "SELECT lang, node, stack, pending, screen_message, recent_messages, vote, "
                "vote_changed FROM sessions WHERE pseudonym = ?",
                (pseudonym,),
            ))
        if not rows:
            return None
        lang, node, stack, pending, screen_message, recent, vote, vote_changed = rows[0]
        return Session(
            lang=lang,
            node=node,
            stack=tuple(json.loads(stack)),
            pending=pending,
            screen_message=screen_message,
            recent_messages=tuple((int(m), int(t)) for m, t in json.loads(recent)),
            vote=Vote(vote) if vote else None,
            vote_changed=bool(vote_changed),
        )

    async def record(self, pseudonym: str, session: Session | None, today: date,
                     events: Iterable[Event], tree: Tree | None = None) -> None:
        """Save a session (None: delete it) and count what happened, in one transaction.

        After a forget nothing here writes the row again: only the counters are touched.
        With the content's tree, the statistics' funnels are counted too (bot/tally.py).
        """
        events = list(events)

        async def write() -> None:
            before = await self._mark(pseudonym)
            if session is None:
                await self._db.execute("DELETE FROM sessions WHERE pseudonym = ?",
                                       (pseudonym,))
            else:
                await self._save_session(pseudonym, session, today)
            await self._count(today, events)
            await self._tally(pseudonym, before, session, today, events, tree)

        await self._transaction(write)

    async def count(self, today: date, events: Iterable[Event]) -> None:
        """Count events that belong to no session (an update dropped in a flood)."""
        events = list(events)
        await self._transaction(lambda: self._count(today, events))

    async def _transaction(self, write: Callable[[], Awaitable[None]]) -> None:
        """Run write and commit; if SQLite stayed busy past busy_timeout (a backup or
        `komek stats` in another process), roll back and try again, a few times."""
        async with self._lock:
            for attempt in range(1, BUSY_TRIES + 1):
                try:
                    await write()
                    await self._db.commit()
                    return
                except sqlite3.OperationalError as exc:
                    await self._db.rollback()
                    if attempt == BUSY_TRIES or not _busy(exc):
                        raise
                    log.warning("the database was busy; retry %d", attempt)
                    await asyncio.sleep(BUSY_PAUSE * 2 ** (attempt - 1))

    async def _save_session(self, pseudonym: str, session: Session, today: date) -> None:
        await self._db.execute(
            "INSERT INTO sessions (pseudonym, lang, node, stack, pending, screen_message, "
            "recent_messages, vote, vote_changed, updated_on) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (pseudonym) DO UPDATE SET lang = excluded.lang, "
            "node = excluded.node, stack = excluded.stack, pending = excluded.pending, "
            "screen_message = excluded.screen_message, "
            "recent_messages = excluded.recent_messages, vote = excluded.vote, "
            "vote_changed = excluded.vote_changed, updated_on = excluded.updated_on",
            (
                pseudonym,
                session.lang,
                session.node,
                json.dumps(list(session.stack)),
                session.pending,
                session.screen_message,
                json.dumps([list(seen) for seen in session.recent_messages]),
                session.vote.value if session.vote else None,
                int(session.vote_changed),
                today.isoformat(),
            ),
        )

    async def _count(self, day: date, events: Iterable[Event]) -> None:
        await self._db.executemany(
            "INSERT INTO counters (day, kind, node, lang, extra, n) VALUES (?, ?, ?, ?, ?, 1) "
            "ON CONFLICT (day, kind, node, lang, extra) DO UPDATE SET n = counters.n + 1",
            [(day.isoformat(), *event.row()) for event in events],
        )

    async def counters(self) -> list[tuple[str, str, str, str, str, int]]:
        """Every counter row: (day, kind, node, lang, extra, n)."""
        async with self._lock, self._db.execute(
            "SELECT day, kind, node, lang, extra, n FROM counters "
            "ORDER BY day, kind, node, lang, extra"
        ) as cursor:
            rows = await cursor.fetchall()
        return [(str(a), str(b), str(c), str(d), str(e), int(n)) for a, b, c, d, e, n in rows]

    # -- statistics (bot/tally.py, bot/sketch.py, bot/stats.py) ---------------------------

    async def _mark(self, pseudonym: str) -> Mark:
        async with self._db.execute(
            "SELECT open_day, node, lang, visit_tree, visit_stages FROM sessions "
            "WHERE pseudonym = ?", (pseudonym,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return Mark()
        open_day, node, lang, visit_tree, stages = row
        return Mark(date.fromisoformat(open_day) if open_day else None, node, lang, visit_tree,
                    int(stages))

    async def _tally(self, pseudonym: str, before: Mark, session: Session | None,
                     today: date, events: list[Event], tree: Tree | None) -> None:
        roles = roles_of(tree)
        if session is None:
            mark, rows = tally(before, before.node, before.lang, events, today, roles)
            rows += close_day(mark, date.max)[1]  # a forgotten day ends here, not later
        else:
            mark, rows = tally(before, session.node, session.lang, events, today, roles)
            if (mark.open_day, mark.visit_tree, mark.visit_stages) != \
                    (before.open_day, before.visit_tree, before.visit_stages):
                await self._db.execute(
                    "UPDATE sessions SET open_day = ?, visit_tree = ?, visit_stages = ? "
                    "WHERE pseudonym = ?",
                    (mark.open_day.isoformat() if mark.open_day else None, mark.visit_tree,
                     mark.visit_stages, pseudonym),
                )
        if rows:
            await self._add(rows)
        lang = (session.lang if session else None) or before.lang or ""
        await self._count_person(pseudonym, today, lang)

    async def _add(self, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        await self._db.executemany(
            "INSERT INTO tallies (day, kind, node, lang, extra, n) VALUES (?, ?, ?, ?, ?, 1) "
            "ON CONFLICT (day, kind, node, lang, extra) DO UPDATE SET n = tallies.n + 1",
            list(rows),
        )

    async def _count_person(self, pseudonym: str, today: date, lang: str) -> None:
        for key in self._uniques.wanted(today, lang):
            await self._save_sketches()  # one leaving memory must be written first
            period, start, _ = key
            async with self._db.execute(
                "SELECT registers FROM uniques WHERE period = ? AND start = ? AND lang = ?",
                (period.value, start.isoformat(), lang),
            ) as cursor:
                row = await cursor.fetchone()
            self._uniques.hold(key, Sketch.load(row[0]) if row else Sketch())
        for key, sketch, first in self._uniques.add(pseudonym, today, lang):
            held = self._unsaved.get(key)
            self._unsaved[key] = (sketch, first or (held is not None and held[1]))
            self._growths += 1
        if self._growths >= SAVE_SKETCHES_AFTER:
            await self._save_sketches()

    async def _save_sketches(self) -> None:
        """Sketches are written in batches: losing a few registers in a crash only lowers
        an estimate a little, and a 4 KB write per new person per period would not."""
        await self._db.executemany(
            "INSERT INTO uniques (period, start, lang, registers, keys) "
            "VALUES (?, ?, ?, ?, 1) ON CONFLICT (period, start, lang) DO UPDATE SET "
            "registers = excluded.registers, keys = uniques.keys + ?",
            [(period.value, start.isoformat(), lang, sketch.dump(), int(first))
             for (period, start, lang), (sketch, first) in self._unsaved.items()],
        )
        self._unsaved.clear()
        self._growths = 0

    async def flush(self) -> None:
        async with self._lock:
            await self._save_sketches()
            await self._db.commit()

    async def daily(self, today: date, stats_days: int, session_days: int) -> Purged:
        """The daily job: count the end of every day left open, then purge what is too old."""
        await self.flush()
        async with self._lock:
            async with self._db.execute(
                "SELECT open_day, node, lang FROM sessions "
                "WHERE open_day IS NOT NULL AND open_day < ?", (today.isoformat(),),
            ) as cursor:
                open_rows = await cursor.fetchall()
            rows = [close_day(Mark(date.fromisoformat(d), node, lang), today)[1][0]
                    for d, node, lang in open_rows]
            await self._add(rows)
            await self._db.execute(
                "UPDATE sessions SET open_day = NULL WHERE open_day < ?", (today.isoformat(),))
            stats_cut = (today - timedelta(days=stats_days)).isoformat()
            session_cut = (today - timedelta(days=session_days)).isoformat()
            counters = await self._db.execute("DELETE FROM counters WHERE day < ?", (stats_cut,))
            tallies = await self._db.execute("DELETE FROM tallies WHERE day < ?", (stats_cut,))
            uniques = await self._db.execute("DELETE FROM uniques WHERE start < ?", (stats_cut,))
            sessions = await self._db.execute("DELETE FROM sessions WHERE updated_on < ?",
                                              (session_cut,))
            await self._db.commit()
        return Purged(len(rows), counters.rowcount + tallies.rowcount, uniques.rowcount,
                      sessions.rowcount)

    async def counters_between(self, first: date, last: date
                               ) -> list[tuple[str, str, str, str, str, int]]:
        """Counters and tallies of the days from first to last."""
        async with self._lock, self._db.execute(
            "SELECT day, kind, node, lang, extra, n FROM counters WHERE day BETWEEN ? AND ? "
            "UNION ALL "
            "SELECT day, kind, node, lang, extra, n FROM tallies WHERE day BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()) * 2,
        ) as cursor:
            rows = await cursor.fetchall()
        # Every column is declared TEXT or INTEGER NOT NULL, so SQLite already gives str and
        # int: converting a year's 400,000 rows again took a third of reading them.
        return cast(list[tuple[str, str, str, str, str, int]], rows)

    async def sketches_between(self, first: date, last: date
                               ) -> list[tuple[Period, date, str, Sketch, int]]:
        """Sketches of periods that start in [first, last] or hold first."""
        earliest = min(period_start(p, first) for p in Period)
        await self.flush()
        async with self._lock, self._db.execute(
            "SELECT period, start, lang, registers, keys FROM uniques "
            "WHERE start BETWEEN ? AND ?", (earliest.isoformat(), last.isoformat()),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(Period(p), date.fromisoformat(s), str(lang), Sketch.load(blob), int(keys))
                for p, s, lang, blob, keys in rows]

    async def has_session(self, pseudonym: str) -> bool:
        async with self._lock, self._db.execute(
            "SELECT 1 FROM sessions WHERE pseudonym = ?", (pseudonym,)
        ) as cursor:
            return await cursor.fetchone() is not None


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)
