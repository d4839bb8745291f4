"""What both backends do alike: each public read or write is one function of rows.py, run
by the backend as a read or in a transaction. A backend supplies those two and the parts
that really differ (opening, migrating, turns, record, reload announcements)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TypeVar

from bot.events import Event
from bot.session import Session
from bot.sketch import Period, Sketch
from bot.storage import rows
from bot.storage.rows import CounterRow, Ledger, Purged

T = TypeVar("T")


class SqlBackend:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    async def _read(self, read: Callable[[rows.Sql], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def _write(self, write: Callable[[rows.Sql], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def run(self, work: Callable[[rows.Sql], Awaitable[T]]) -> T:
        """Within the storage package only (bot/storage/move.py): work in one transaction."""
        return await self._write(work)

    async def load_session(self, pseudonym: str) -> Session | None:
        return await self._read(lambda sql: rows.load_session(sql, pseudonym))

    async def count(self, today: date, events: Iterable[Event]) -> None:
        happened = list(events)
        await self._write(lambda sql: rows.count(sql, today, happened))

    async def has_session(self, pseudonym: str) -> bool:
        return await self._read(lambda sql: rows.has_session(sql, pseudonym))

    async def counters(self) -> list[CounterRow]:
        return await self._read(rows.counters)

    async def counters_between(self, first: date, last: date) -> list[CounterRow]:
        return await self._read(lambda sql: rows.counters_between(sql, first, last))

    async def sketches_between(self, first: date, last: date
                               ) -> list[tuple[Period, date, str, Sketch, int]]:
        await self.flush()
        return await self._read(lambda sql: rows.sketches_between(sql, first, last))

    async def daily(self, today: date, stats_days: int, session_days: int) -> Purged:
        await self.flush()
        return await self._write(lambda sql: rows.daily(sql, today, stats_days, session_days))

    async def flush(self) -> None:
        await self._write(self._ledger.save_sketches)


__all__ = ["SqlBackend"]
