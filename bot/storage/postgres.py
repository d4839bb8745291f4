"""The shared backend: PostgreSQL through an asyncpg pool, for several instances at once.

A turn holds one pooled connection in one transaction, from reading the person's session
to recording the outcome. It first takes a transaction-level advisory lock on the
pseudonym, so the same person's next update waits on any instance, even before their
session row exists; the row is then read FOR UPDATE, so the daily job cannot close their
day underneath. Counters are upserts (n = n + 1), correct with any number of writers.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.errors import StorageError
from bot.events import Event
from bot.session import Session
from bot.storage import rows
from bot.storage.backend import SqlBackend
from bot.storage.rows import Ledger
from bot.storage.schema import LATEST, MIGRATIONS, MIGRATIONS_TABLE, too_new
from bot.tree.model import Tree

log = logging.getLogger(__name__)

T = TypeVar("T")
Connection = asyncpg.Connection | PoolConnectionProxy

RELOAD_CHANNEL = "komek_reload"  # NOTIFY: an admin's /reload, carried to every instance
MIGRATION_LOCK = 0x6B6F6D656B  # "komek": instances starting together migrate one at a time
RETRIES = 4  # a deadlock or serialization failure is rolled back; the write is tried again
CONNECT_TIMEOUT = 10.0  # seconds


@lru_cache(maxsize=256)
def _numbered(query: str) -> str:
    """`?` placeholders (rows.py writes them once for both engines) as asyncpg's $1, $2…"""
    counter = iter(range(1, query.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", query)


class _Sql:
    locking = " FOR UPDATE"

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(self, query: str, *args: object) -> int:
        status: str = await self._connection.execute(_numbered(query), *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, query: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            await self._connection.executemany(_numbered(query), rows)

    async def fetch(self, query: str, *args: object) -> list[tuple[Any, ...]]:
        return [tuple(record) for record in
                await self._connection.fetch(_numbered(query), *args)]


class PostgresStorage(SqlBackend):
    engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(Ledger(share_keys=True))  # every instance must hash a person alike
        self._pool = pool
        self._listener: PoolConnectionProxy | None = None
        self._heard: Callable[..., None] | None = None
        self._instance = secrets.token_hex(8)  # so an instance ignores its own NOTIFY
        self._reloads: set[asyncio.Task[None]] = set()

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str, pool_size: int = 10) -> AsyncIterator[PostgresStorage]:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size,
                                             timeout=CONNECT_TIMEOUT, command_timeout=60)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {type(exc).__name__}: "
                               f"{_without_secrets(str(exc), url)}") from exc
        try:
            storage = cls(pool)
            await storage._migrate()
            yield storage
            try:
                await storage.flush()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("could not save the last people-sketches: %s", type(exc).__name__)
        finally:
            await storage._stop_listening()
            await pool.close()

    async def _migrate(self) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await connection.execute(MIGRATIONS_TABLE)
                applied = await _applied(connection)
                if applied > LATEST:
                    raise StorageError(too_new(applied))
                for migration in MIGRATIONS[applied:]:
                    async with connection.transaction():
                        await connection.execute(migration.for_engine("postgresql"))
                        await connection.execute(
                            "INSERT INTO schema_migrations (number, name, applied_on) "
                            "VALUES ($1, $2, $3)", migration.number, migration.name,
                            datetime.now(UTC).isoformat(timespec="seconds"))
                    log.info("database migrated to schema %d", migration.number)
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def schema_version(self) -> int:
        async with self._pool.acquire() as connection:
            return await _applied(connection)

    @asynccontextmanager
    async def turn(self, pseudonym: str, update_id: int | None) -> AsyncIterator[_Turn]:
        async with self._pool.acquire() as connection, connection.transaction():
            sql = _Sql(connection)
            await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                     pseudonym)
            handled = update_id is not None and await rows.was_handled(sql, update_id)
            session = None if handled else await rows.load_session(sql, pseudonym, lock=True)
            yield _Turn(self._ledger, sql, pseudonym, update_id, handled, session)

    async def record(self, pseudonym: str, session: Session | None, today: date,
                     events: Iterable[Event], tree: Tree | None = None) -> None:
        happened = list(events)

        async def write(sql: rows.Sql) -> None:
            await sql.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                              pseudonym)
            await self._ledger.record(sql, pseudonym, session, today, happened, tree)

        await self._write(write)

    async def announce_reload(self) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute("SELECT pg_notify($1, $2)", RELOAD_CHANNEL,
                                     self._instance)

    async def on_reload(self, reload: Callable[[], Awaitable[None]]) -> None:
        """LISTEN on a connection of its own, held while the storage is open; this
        instance's own announcements are not heard back."""
        def heard(connection: object, pid: int, channel: str, payload: object) -> None:
            if payload == self._instance:
                return
            task = asyncio.ensure_future(reload())
            self._reloads.add(task)
            task.add_done_callback(self._reloads.discard)

        self._listener = await self._pool.acquire()
        self._heard = heard
        await self._listener.add_listener(RELOAD_CHANNEL, heard)

    async def _stop_listening(self) -> None:
        if self._listener is None:
            return
        try:
            if self._heard is not None:
                await self._listener.remove_listener(RELOAD_CHANNEL, self._heard)
        finally:
            await self._pool.release(self._listener)
            self._listener = None

    async def _read(self, read: Callable[[rows.Sql], Awaitable[T]]) -> T:
        return await self._write(read)

    async def _write(self, work: Callable[[rows.Sql], Awaitable[T]]) -> T:
        """One transaction on a pooled connection; a deadlock or serialization failure,
        which PostgreSQL resolves by aborting one side, is run again."""
        for attempt in range(1, RETRIES + 1):
            try:
                async with self._pool.acquire() as connection, connection.transaction():
                    return await work(_Sql(connection))
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
                if attempt == RETRIES:
                    raise
                log.warning("PostgreSQL aborted a transaction to break a deadlock; retry %d",
                            attempt)
        raise AssertionError("unreachable")


@dataclass
class _Turn:
    ledger: Ledger
    sql: _Sql
    pseudonym: str
    update_id: int | None
    handled: bool
    session: Session | None

    async def record(self, session: Session | None, today: date, events: Sequence[Event],
                     tree: Tree | None = None) -> None:
        await self.ledger.record(self.sql, self.pseudonym, session, today, events, tree,
                                 self.update_id)


async def _applied(connection: Connection) -> int:
    number = await connection.fetchval("SELECT max(number) FROM schema_migrations")
    return int(number or 0)


def _without_secrets(message: str, url: str) -> str:
    password = re.match(r"[a-z]+://[^:/@]*:([^@]*)@", url)
    return message.replace(password.group(1), "…") if password and password.group(1) \
        else message


__all__ = ["PostgresStorage"]
