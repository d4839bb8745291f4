"""Moving Kömek's data from one database to another: `komek migrate-db FROM TO`.

Mostly from the embedded SQLite file to PostgreSQL, when one host is no longer enough; the
other way works too. The target is opened (so it has the current schema), must hold no
Kömek data yet, and receives sessions, counters, tallies and people-sketches in batches,
all in one transaction: a move that fails half-way leaves the target empty, to try again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import database_path
from bot.errors import StorageError
from bot.storage import engine_of, open_storage, rows
from bot.storage.backend import SqlBackend

BATCH = 5000  # rows read and written at a time: a year's counters stay out of memory

@dataclass(frozen=True)
class Moved:
    rows: dict[str, int]  # table → rows carried


async def move(source_url: str, target_url: str,
               progress: Callable[[str, int], None] = lambda table, n: None) -> Moved:
    if engine_of(source_url) == "sqlite" and not database_path(source_url).is_file():
        raise StorageError(f"there is no database file at {database_path(source_url)}")
    if _same(source_url, target_url):
        raise StorageError("FROM and TO are the same database")
    async with open_storage(source_url, pool_size=2) as source, \
            open_storage(target_url, pool_size=2) as target:
        reader, writer = _transactional(source), _transactional(target)
        present = {t: n for t, n in (await writer.run(rows.row_counts)).items() if n}
        if present:
            held = ", ".join(f"{n:,} {t}" for t, n in present.items())
            raise StorageError(f"the target already holds Kömek data ({held}); move into an "
                               "empty database, so nothing is counted twice")

        async def copy_all(sql: rows.Sql) -> dict[str, int]:
            carried: dict[str, int] = {}
            for table in rows.MOVED:
                offset = 0
                while batch := await reader.run(_batch_of(table, offset)):
                    await rows.add_rows(sql, table, batch)
                    offset += len(batch)
                    progress(table, offset)
                carried[table] = offset
            return carried

        carried = await writer.run(copy_all)
        check = await writer.run(rows.row_counts)
        if check != carried:
            raise StorageError(f"the target holds {check}, not the {carried} carried")
    return Moved(carried)


def _batch_of(table: str, offset: int
              ) -> Callable[[rows.Sql], Awaitable[list[tuple[object, ...]]]]:
    async def read(sql: rows.Sql) -> list[tuple[object, ...]]:
        return await rows.rows_of(sql, table, BATCH, offset)
    return read


def _transactional(storage: object) -> SqlBackend:
    if not isinstance(storage, SqlBackend):
        raise StorageError("this backend cannot be moved")
    return storage


def _same(first: str, second: str) -> bool:
    if engine_of(first) == engine_of(second) == "sqlite":
        return database_path(first).resolve() == database_path(second).resolve()
    return first == second


__all__ = ["Moved", "move"]
