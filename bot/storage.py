"""Sessions and anonymous counters in SQLite, through one aiosqlite connection.

The SQL here is all the SQL Kömek has, and it stays portable (no SQLite-only syntax past
the PRAGMAs) so a PostgreSQL backend can be one more module with the same methods.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import aiosqlite

from bot.errors import StorageError
from bot.session import Session

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
)


class Storage:
    """One connection; a lock keeps each operation (and its commit) whole between coroutines."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path) -> AsyncIterator[Storage]:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(path)
        except Exception as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA busy_timeout=5000")
            storage = cls(db)
            await storage._migrate()
            yield storage
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
        async with self._lock, self._db.execute(
            "SELECT lang, node, stack, pending, screen_message, recent_messages "
            "FROM sessions WHERE pseudonym = ?",
            (pseudonym,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        lang, node, stack, pending, screen_message, recent = row
        return Session(
            lang=lang,
            node=node,
            stack=tuple(json.loads(stack)),
            pending=pending,
            screen_message=screen_message,
            recent_messages=tuple(json.loads(recent)),
        )

    async def record(self, pseudonym: str, session: Session, today: date,
                     events: Iterable[tuple[str, str]]) -> None:
        """Save a session and count what happened, in one transaction."""
        async with self._lock:
            await self._save_session(pseudonym, session, today)
            await self._count(today, session.lang or "none", events)
            await self._db.commit()

    async def _save_session(self, pseudonym: str, session: Session, today: date) -> None:
        await self._db.execute(
            "INSERT INTO sessions (pseudonym, lang, node, stack, pending, screen_message, "
            "recent_messages, updated_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (pseudonym) DO UPDATE SET lang = excluded.lang, "
            "node = excluded.node, stack = excluded.stack, pending = excluded.pending, "
            "screen_message = excluded.screen_message, "
            "recent_messages = excluded.recent_messages, updated_on = excluded.updated_on",
            (
                pseudonym,
                session.lang,
                session.node,
                json.dumps(list(session.stack)),
                session.pending,
                session.screen_message,
                json.dumps(list(session.recent_messages)),
                today.isoformat(),
            ),
        )

    async def forget(self, pseudonym: str) -> None:
        async with self._lock:
            await self._db.execute("DELETE FROM sessions WHERE pseudonym = ?", (pseudonym,))
            await self._db.commit()

    async def _count(self, day: date, lang: str, events: Iterable[tuple[str, str]]) -> None:
        await self._db.executemany(
            "INSERT INTO counters (day, kind, key, lang, n) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT (day, kind, key, lang) DO UPDATE SET n = counters.n + 1",
            [(day.isoformat(), kind, key, lang) for kind, key in events],
        )

    async def counters(self) -> list[tuple[str, str, str, str, int]]:
        async with self._lock, self._db.execute(
            "SELECT day, kind, key, lang, n FROM counters ORDER BY day, kind, key, lang"
        ) as cursor:
            rows = await cursor.fetchall()
        return [(str(a), str(b), str(c), str(d), int(e)) for a, b, c, d, e in rows]
