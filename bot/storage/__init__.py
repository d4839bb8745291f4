"""Sessions and anonymous counters, behind one protocol with two backends.

`DATABASE_URL` chooses: `sqlite:///path` (the embedded default, one process) or
`postgresql://…` (several instances on one database). The channels, stats and tools see
only `Storage`; all of Kömek's SQL lives in this package (`rows.py`, written once for both).

A `turn` is one update's hold on one person: it reads their session, says whether this
update was handled already, and records the outcome, with no other update of the same
person in between, on any instance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from typing import Protocol

from bot.errors import StorageError
from bot.events import Event
from bot.session import Session
from bot.sketch import Period, Sketch
from bot.storage.rows import CounterRow, Purged
from bot.tree.model import Tree

DEFAULT_POOL_SIZE = 10


class Turn(Protocol):
    handled: bool  # this update was handled and recorded before (a resend): skip it
    session: Session | None  # as stored when the turn began

    async def record(self, session: Session | None, today: date, events: Sequence[Event],
                     tree: Tree | None = None) -> None:
        """Save the session (None: forget it), count the events, remember the update."""
        ...


class Storage(Protocol):
    engine: str  # "sqlite" or "postgresql"

    def turn(self, pseudonym: str, update_id: int | None) -> AbstractAsyncContextManager[Turn]:
        """Hold this person until the block ends; committed if it ends without an error."""
        ...

    async def load_session(self, pseudonym: str) -> Session | None: ...

    async def record(self, pseudonym: str, session: Session | None, today: date,
                     events: Iterable[Event], tree: Tree | None = None) -> None:
        """record() outside a turn: for the error boundary, which has no turn of its own."""
        ...

    async def count(self, today: date, events: Iterable[Event]) -> None:
        """Count events that belong to no session (an update dropped in a flood)."""
        ...

    async def has_session(self, pseudonym: str) -> bool: ...

    async def counters(self) -> list[CounterRow]: ...

    async def counters_between(self, first: date, last: date) -> list[CounterRow]: ...

    async def sketches_between(self, first: date, last: date
                               ) -> list[tuple[Period, date, str, Sketch, int]]: ...

    async def daily(self, today: date, stats_days: int, session_days: int) -> Purged: ...

    async def flush(self) -> None:
        """Write what is held in memory (the people-sketches' registers)."""
        ...

    async def schema_version(self) -> int: ...

    async def announce_reload(self) -> None:
        """Tell the other instances that an admin reloaded the content (none on SQLite)."""
        ...

    async def on_reload(self, reload: Callable[[], Awaitable[None]]) -> None:
        """Call reload whenever another instance announces one (never on SQLite)."""
        ...


def engine_of(url: str) -> str:
    """"sqlite" or "postgresql", from a DATABASE_URL; StorageError for anything else."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise StorageError(f"DATABASE_URL must be sqlite:///path/to/file.sqlite3 or "
                       f"postgresql://user:password@host:5432/database, not {shown_url(url)}")


@asynccontextmanager
async def open_storage(url: str, pool_size: int = DEFAULT_POOL_SIZE,
                       busy_timeout_ms: int = 5000) -> AsyncIterator[Storage]:
    """Open, migrate, yield, and on leaving write what is held in memory and close."""
    if engine_of(url) == "sqlite":
        from pathlib import Path

        from bot.storage.sqlite import SqliteStorage

        async with SqliteStorage.open(Path(url[len("sqlite:///"):]),
                                      busy_timeout_ms) as sqlite:
            yield sqlite
    else:
        from bot.storage.postgres import PostgresStorage

        async with PostgresStorage.open(url, pool_size) as postgres:
            yield postgres


def shown_url(url: str) -> str:
    """A URL fit for a message: a password in it is not repeated."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = "…@" + rest.rsplit("@", 1)[1]
    return repr(f"{scheme}{sep}{rest}")


__all__ = [
    "DEFAULT_POOL_SIZE",
    "Purged",
    "Storage",
    "StorageError",
    "Turn",
    "engine_of",
    "open_storage",
    "shown_url",
]
