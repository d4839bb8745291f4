"""The embedded backend: one SQLite file, one aiosqlite connection, one process.

A lock keeps each operation (and its commit) whole between coroutines; a turn is one more
lock per person, in memory, since no other process writes this file's sessions.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.errors import StorageError
from bot.events import Event
from bot.session import Session
from bot.storage import rows
from bot.storage.backend import SqlBackend
from bot.storage.rows import Ledger
from bot.storage.schema import LATEST, MIGRATIONS, MIGRATIONS_TABLE, too_new
from bot.tree.model import Tree

log = logging.getLogger(__name__)

BUSY_TRIES = 4  # on top of busy_timeout: another process (a backup, `komek stats`) held a lock
BUSY_PAUSE = 0.05  # seconds, doubled after each try

T = TypeVar("T")


class _Sql:
    locking = ""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, query: str, *args: object) -> int:
        cursor = await self._db.execute(query, args)
        return cursor.rowcount

    async def executemany(self, query: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            await self._db.executemany(query, rows)

    async def fetch(self, query: str, *args: object) -> list[tuple[Any, ...]]:
        # One trip to aiosqlite's thread, not three (execute, fetch, close): under load each
        # trip waits for the GIL, and this runs for every update.
        return list(await self._db.execute_fetchall(query, args))  # type: ignore[arg-type]


class SqliteStorage(SqlBackend):
    engine = "sqlite"

    def __init__(self, db: aiosqlite.Connection) -> None:
        super().__init__(Ledger(share_keys=False))  # one process: sketch keys stay in memory
        self._db = db
        self._sql = _Sql(db)
        self._lock = asyncio.Lock()
        self._people: weakref.WeakValueDictionary[str, asyncio.Lock] = \
            weakref.WeakValueDictionary()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path, busy_timeout_ms: int = 5000
                   ) -> AsyncIterator[SqliteStorage]:
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
        await self._db.execute("BEGIN IMMEDIATE")  # a second process waits, then sees them
        try:
            await self._db.execute(MIGRATIONS_TABLE)
            applied = await _applied(self._db)
            if applied > LATEST:
                raise StorageError(too_new(applied))
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        for migration in MIGRATIONS[applied:]:
            # The script leaves its transaction open, so its record commits with it.
            await self._db.executescript("BEGIN IMMEDIATE; " + migration.for_engine("sqlite"))
            try:
                await self._db.execute(
                    "INSERT INTO schema_migrations (number, name, applied_on) VALUES (?, ?, ?)",
                    (migration.number, migration.name,
                     datetime.now(UTC).isoformat(timespec="seconds")))
                # Kept in step for older tools that read the number there.
                await self._db.execute(f"PRAGMA user_version = {int(migration.number)}")
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def schema_version(self) -> int:
        async with self._lock:
            return await _applied(self._db)

    @asynccontextmanager
    async def turn(self, pseudonym: str, update_id: int | None) -> AsyncIterator[_Turn]:
        person = self._people.get(pseudonym)
        if person is None:
            person = self._people[pseudonym] = asyncio.Lock()
        async with person:
            handled = update_id is not None and await self._read(
                lambda sql: rows.was_handled(sql, update_id))
            yield _Turn(self, pseudonym, update_id, handled,
                        None if handled else await self.load_session(pseudonym))

    async def record(self, pseudonym: str, session: Session | None, today: date,
                     events: Iterable[Event], tree: Tree | None = None,
                     update_id: int | None = None) -> None:
        happened = list(events)

        async def write(sql: rows.Sql) -> None:
            await self._ledger.record(sql, pseudonym, session, today, happened, tree,
                                      update_id)

        await self._write(write)

    async def announce_reload(self) -> None:
        return None  # one process: nobody else to tell

    async def on_reload(self, reload: Callable[[], Awaitable[None]]) -> None:
        return None

    async def _read(self, read: Callable[[rows.Sql], Awaitable[T]]) -> T:
        async with self._lock:
            return await read(self._sql)

    async def _write(self, write: Callable[[rows.Sql], Awaitable[T]]) -> T:
        """Run write and commit; if SQLite stayed busy past busy_timeout (a backup or
        `komek stats` in another process), roll back and try again, a few times."""
        async with self._lock:
            for attempt in range(1, BUSY_TRIES + 1):
                try:
                    result = await write(self._sql)
                    await self._db.commit()
                    return result
                except sqlite3.OperationalError as exc:
                    await self._db.rollback()
                    if attempt == BUSY_TRIES or not _busy(exc):
                        raise
                    log.warning("the database was busy; retry %d", attempt)
                    await asyncio.sleep(BUSY_PAUSE * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


@dataclass
class _Turn:
    storage: SqliteStorage
    pseudonym: str
    update_id: int | None
    handled: bool
    session: Session | None

    async def record(self, session: Session | None, today: date, events: Sequence[Event],
                     tree: Tree | None = None) -> None:
        await self.storage.record(self.pseudonym, session, today, events, tree,
                                  update_id=self.update_id)


async def _applied(db: aiosqlite.Connection) -> int:
    """The migrations this file has had. A file from before the migrations table counted
    them in PRAGMA user_version; they are written into the table the first time."""
    numbers = [int(n) for (n,) in await db.execute_fetchall(
        "SELECT number FROM schema_migrations")]
    if numbers:
        return max(numbers)
    (legacy,) = next(iter(await db.execute_fetchall("PRAGMA user_version")))
    for migration in MIGRATIONS[:int(legacy)]:
        await db.execute("INSERT INTO schema_migrations (number, name, applied_on) "
                         "VALUES (?, ?, 'before the migrations table')",
                         (migration.number, migration.name))
    return int(legacy)


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


__all__ = ["SqliteStorage"]
