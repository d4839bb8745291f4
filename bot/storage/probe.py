"""A light, read-only question to the database, for `komek health` (Docker's HEALTHCHECK):
does it answer, and at which schema? Nothing is created, migrated or written."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from bot.config import database_path
from bot.errors import StorageError
from bot.storage import engine_of
from bot.storage.backup import open_read_only, schema_version

TIMEOUT = 5.0  # seconds


def schema_at(url: str) -> int:
    """The schema number of the database at url; StorageError if it does not answer."""
    if engine_of(url) == "sqlite":
        path = database_path(url)
        try:
            with contextlib.closing(open_read_only(path)) as db:
                db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
                return schema_version(db)
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: {exc}") from exc
    return asyncio.run(_postgres_schema(url))


async def _postgres_schema(url: str) -> int:
    import asyncpg

    try:
        connection = await asyncpg.connect(url, timeout=TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise StorageError(f"PostgreSQL does not answer: {type(exc).__name__}") from exc
    try:
        exists = await connection.fetchval("SELECT to_regclass('schema_migrations')")
        if exists is None:
            return 0
        return int(await connection.fetchval("SELECT max(number) FROM schema_migrations") or 0)
    finally:
        await connection.close()


__all__ = ["schema_at"]
