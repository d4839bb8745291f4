"""What Kömek reads and writes, once, in the SQL both engines speak.

Each backend hands these functions a `Sql`: one connection inside one transaction, with
`?` placeholders. Rows that several writers may upsert at once are written in sorted order,
so two transactions never wait on each other's rows in opposite orders.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from bot.events import Event, Vote
from bot.session import Session
from bot.sketch import Period, Sketch, SketchKey, Uniques, period_start
from bot.tally import Mark, close_day, roles_of, tally
from bot.tree.model import Tree

HANDLED_DAYS = 2  # Telegram keeps an unanswered update for 24 hours; ids are kept longer
SAVE_SKETCHES_AFTER = 100  # registers grown in memory before the sketches are written

CounterRow = tuple[str, str, str, str, str, int]  # day, kind, node, lang, extra, n


class Sql(Protocol):
    """One connection in one transaction. `locking` is what a SELECT needs to hold the rows
    it read until the commit: " FOR UPDATE" on PostgreSQL; nothing on SQLite, which lets
    one writer in at a time anyway."""

    locking: str

    async def execute(self, query: str, *args: object) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, query: str, rows: Sequence[Sequence[object]]) -> None: ...

    async def fetch(self, query: str, *args: object) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True, slots=True)
class Purged:
    days_closed: int
    counters: int
    sketches: int
    sessions: int


# -- sessions ---------------------------------------------------------------------------

async def load_session(sql: Sql, pseudonym: str, lock: bool = False) -> Session | None:
    locking = sql.locking if lock else ""
    rows = await sql.fetch(
        "SELECT lang, node, stack, pending, screen_message, recent_messages, vote, "  # noqa: S608
        f"vote_changed FROM sessions WHERE pseudonym = ?{locking}", pseudonym,
    )
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


async def has_session(sql: Sql, pseudonym: str) -> bool:
    return bool(await sql.fetch("SELECT 1 FROM sessions WHERE pseudonym = ?", pseudonym))


async def was_handled(sql: Sql, update_id: int) -> bool:
    return bool(await sql.fetch("SELECT 1 FROM handled_updates WHERE update_id = ?",
                                update_id))


async def mark_handled(sql: Sql, update_id: int, today: date) -> None:
    await sql.execute("INSERT INTO handled_updates (update_id, day) VALUES (?, ?) "
                      "ON CONFLICT (update_id) DO NOTHING", update_id, today.isoformat())


class Ledger:
    """Writes a session and what happened to it; holds this process's people-sketches.

    `share_keys`: the current periods' sketch keys live in the database (several
    instances must hash a person alike), not only in this process's memory.
    """

    def __init__(self, share_keys: bool) -> None:
        self.share_keys = share_keys
        self.uniques = Uniques()  # the keys of the current periods live here, in memory
        self._unsaved: dict[SketchKey, tuple[Sketch, bool]] = {}
        self._growths = 0

    async def record(self, sql: Sql, pseudonym: str, session: Session | None, today: date,
                     events: Sequence[Event], tree: Tree | None,
                     update_id: int | None = None) -> None:
        """Save a session (None: delete it), count what happened, and remember the update.

        After a forget nothing here writes the row again: only the counters are touched.
        With the content's tree, the statistics' funnels are counted too (bot/tally.py).
        """
        if update_id is not None:
            await mark_handled(sql, update_id, today)
        before = await _mark(sql, pseudonym)
        if session is None:
            await sql.execute("DELETE FROM sessions WHERE pseudonym = ?", pseudonym)
        else:
            await _save_session(sql, pseudonym, session, today)
        await count(sql, today, events)
        await self._tally(sql, pseudonym, before, session, today, events, tree)

    async def _tally(self, sql: Sql, pseudonym: str, before: Mark, session: Session | None,
                     today: date, events: Sequence[Event], tree: Tree | None) -> None:
        roles = roles_of(tree)
        if session is None:
            mark, rows = tally(before, before.node, before.lang, list(events), today, roles)
            rows += close_day(mark, date.max)[1]  # a forgotten day ends here, not later
        else:
            mark, rows = tally(before, session.node, session.lang, list(events), today, roles)
            if (mark.open_day, mark.visit_tree, mark.visit_stages) != \
                    (before.open_day, before.visit_tree, before.visit_stages):
                await sql.execute(
                    "UPDATE sessions SET open_day = ?, visit_tree = ?, visit_stages = ? "
                    "WHERE pseudonym = ?",
                    mark.open_day.isoformat() if mark.open_day else None, mark.visit_tree,
                    mark.visit_stages, pseudonym,
                )
        if rows:
            await _add_tallies(sql, rows)
        lang = (session.lang if session else None) or before.lang or ""
        await self._count_person(sql, pseudonym, today, lang)

    # -- distinct people (bot/sketch.py) ----------------------------------------------

    async def _count_person(self, sql: Sql, pseudonym: str, today: date, lang: str) -> None:
        if self.share_keys:
            await self._adopt_keys(sql, today)
        for key in self.uniques.wanted(today, lang):
            await self.save_sketches(sql)  # one leaving memory must be written first
            period, start, _ = key
            rows = await sql.fetch(
                "SELECT registers FROM uniques WHERE period = ? AND start = ? AND lang = ?",
                period.value, start.isoformat(), lang,
            )
            self.uniques.hold(key, Sketch.load(bytes(rows[0][0])) if rows else Sketch())
        for key, sketch, first in self.uniques.add(pseudonym, today, lang):
            held = self._unsaved.get(key)
            self._unsaved[key] = (sketch, first or (held is not None and held[1]))
            self._growths += 1
        if self._growths >= SAVE_SKETCHES_AFTER:
            await self.save_sketches(sql)

    async def _adopt_keys(self, sql: Sql, today: date) -> None:
        """The first instance to need a period's key makes it; the others read the same one."""
        for period in Period:
            start = period_start(period, today)
            if self.uniques.keys.holds(period, start):
                continue
            mine = secrets.token_bytes(32)
            await sql.execute("INSERT INTO period_keys (period, start, key) VALUES (?, ?, ?) "
                              "ON CONFLICT (period, start) DO NOTHING",
                              period.value, start.isoformat(), mine)
            rows = await sql.fetch("SELECT key FROM period_keys WHERE period = ? AND start = ?",
                                   period.value, start.isoformat())
            key = bytes(rows[0][0])
            self.uniques.adopt(period, start, key, made=key == mine)
            # A period that has ended must not leave its key behind to link anyone later.
            await sql.execute("DELETE FROM period_keys WHERE period = ? AND start < ?",
                              period.value, start.isoformat())

    async def save_sketches(self, sql: Sql) -> None:
        """Sketches are written in batches: losing a few registers in a crash only lowers
        an estimate a little, and a 4 KB write per new person per period would not.

        Another instance may have written the same rows since they were read, so each is
        merged (register-wise max: the union of both) with what the database holds now."""
        unsaved, self._unsaved, self._growths = self._unsaved, {}, 0
        for key in sorted(unsaved):  # taken before the first await: others add meanwhile
            sketch, first = unsaved[key]
            period, start, lang = key
            rows = await sql.fetch(
                "SELECT registers FROM uniques "  # noqa: S608  (locking: the backend's constant)
                f"WHERE period = ? AND start = ? AND lang = ?{sql.locking}",
                period.value, start.isoformat(), lang,
            )
            if rows:
                sketch.registers[:] = sketch.merge(Sketch.load(bytes(rows[0][0]))).registers
            await sql.execute(
                "INSERT INTO uniques (period, start, lang, registers, keys) "
                "VALUES (?, ?, ?, ?, 1) ON CONFLICT (period, start, lang) DO UPDATE SET "
                "registers = excluded.registers, keys = uniques.keys + ?",
                period.value, start.isoformat(), lang, sketch.dump(), int(first),
            )


async def _mark(sql: Sql, pseudonym: str) -> Mark:
    rows = await sql.fetch(
        "SELECT open_day, node, lang, visit_tree, visit_stages FROM sessions "
        "WHERE pseudonym = ?", pseudonym,
    )
    if not rows:
        return Mark()
    open_day, node, lang, visit_tree, stages = rows[0]
    return Mark(date.fromisoformat(open_day) if open_day else None, node, lang, visit_tree,
                int(stages))


async def _save_session(sql: Sql, pseudonym: str, session: Session, today: date) -> None:
    await sql.execute(
        "INSERT INTO sessions (pseudonym, lang, node, stack, pending, screen_message, "
        "recent_messages, vote, vote_changed, updated_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (pseudonym) DO UPDATE SET lang = excluded.lang, "
        "node = excluded.node, stack = excluded.stack, pending = excluded.pending, "
        "screen_message = excluded.screen_message, "
        "recent_messages = excluded.recent_messages, vote = excluded.vote, "
        "vote_changed = excluded.vote_changed, updated_on = excluded.updated_on",
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
    )


# -- counters ---------------------------------------------------------------------------

async def count(sql: Sql, day: date, events: Iterable[Event]) -> None:
    await sql.executemany(
        "INSERT INTO counters (day, kind, node, lang, extra, n) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (day, kind, node, lang, extra) DO UPDATE SET n = counters.n + 1",
        sorted((day.isoformat(), *event.row()) for event in events),
    )


async def _add_tallies(sql: Sql, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
    await sql.executemany(
        "INSERT INTO tallies (day, kind, node, lang, extra, n) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (day, kind, node, lang, extra) DO UPDATE SET n = tallies.n + 1",
        sorted(rows),
    )


async def counters(sql: Sql) -> list[CounterRow]:
    rows = await sql.fetch("SELECT day, kind, node, lang, extra, n FROM counters "
                           "ORDER BY day, kind, node, lang, extra")
    return [(str(a), str(b), str(c), str(d), str(e), int(n)) for a, b, c, d, e, n in rows]


async def counters_between(sql: Sql, first: date, last: date) -> list[CounterRow]:
    rows = await sql.fetch(
        "SELECT day, kind, node, lang, extra, n FROM counters WHERE day BETWEEN ? AND ? "
        "UNION ALL "
        "SELECT day, kind, node, lang, extra, n FROM tallies WHERE day BETWEEN ? AND ?",
        *(first.isoformat(), last.isoformat()) * 2,
    )
    # Every column is declared TEXT or INTEGER NOT NULL, so both drivers already give str
    # and int: converting a year's 400,000 rows again took a third of reading them.
    return rows


async def sketches_between(sql: Sql, first: date, last: date
                           ) -> list[tuple[Period, date, str, Sketch, int]]:
    """Sketches of periods that start in [first, last] or hold first."""
    earliest = min(period_start(p, first) for p in Period)
    rows = await sql.fetch(
        "SELECT period, start, lang, registers, keys FROM uniques WHERE start BETWEEN ? AND ?",
        earliest.isoformat(), last.isoformat(),
    )
    return [(Period(p), date.fromisoformat(s), str(lang), Sketch.load(bytes(blob)), int(keys))
            for p, s, lang, blob, keys in rows]


# -- the daily job ----------------------------------------------------------------------

async def daily(sql: Sql, today: date, stats_days: int, session_days: int) -> Purged:
    """Count the end of every day left open, then purge what is too old.

    The open days are read with their rows held (FOR UPDATE on PostgreSQL) and closed in
    the same transaction: a second instance running the job at once waits, then finds them
    closed, so no day's end is counted twice."""
    open_rows = await sql.fetch(
        "SELECT open_day, node, lang FROM sessions "  # noqa: S608  (locking: a constant)
        f"WHERE open_day IS NOT NULL AND open_day < ?{sql.locking}", today.isoformat(),
    )
    await sql.execute("UPDATE sessions SET open_day = NULL WHERE open_day < ?",
                      today.isoformat())
    rows = [close_day(Mark(date.fromisoformat(d), node, lang), today)[1][0]
            for d, node, lang in open_rows]
    await _add_tallies(sql, rows)
    stats_cut = (today - timedelta(days=stats_days)).isoformat()
    session_cut = (today - timedelta(days=session_days)).isoformat()
    handled_cut = (today - timedelta(days=HANDLED_DAYS)).isoformat()
    counters_gone = await sql.execute("DELETE FROM counters WHERE day < ?", stats_cut)
    tallies_gone = await sql.execute("DELETE FROM tallies WHERE day < ?", stats_cut)
    uniques_gone = await sql.execute("DELETE FROM uniques WHERE start < ?", stats_cut)
    sessions_gone = await sql.execute("DELETE FROM sessions WHERE updated_on < ?",
                                      session_cut)
    await sql.execute("DELETE FROM handled_updates WHERE day < ?", handled_cut)
    for period in Period:
        await sql.execute("DELETE FROM period_keys WHERE period = ? AND start < ?",
                          period.value, period_start(period, today).isoformat())
    return Purged(len(rows), counters_gone + tallies_gone, uniques_gone, sessions_gone)


# -- moving a database (bot/storage/move.py) ------------------------------------------

# What a move carries, by table, key columns first. Not carried: handled update ids (a
# day's worth, for resends to this database only) and period keys (the current periods'
# keys of the old deployment: the new one makes its own, and the sketches say so).
MOVED: dict[str, tuple[str, ...]] = {
    "sessions": ("pseudonym", "lang", "node", "stack", "pending", "screen_message",
                 "recent_messages", "updated_on", "vote", "vote_changed", "open_day",
                 "visit_tree", "visit_stages"),
    "counters": ("day", "kind", "node", "lang", "extra", "n"),
    "tallies": ("day", "kind", "node", "lang", "extra", "n"),
    "uniques": ("period", "start", "lang", "registers", "keys"),
}
KEYS = {"sessions": 1, "counters": 5, "tallies": 5, "uniques": 3}


async def rows_of(sql: Sql, table: str, limit: int, offset: int) -> list[tuple[Any, ...]]:
    columns = MOVED[table]
    order = ", ".join(columns[:KEYS[table]])
    return await sql.fetch(f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
                           f"ORDER BY {order} LIMIT ? OFFSET ?", limit, offset)


async def add_rows(sql: Sql, table: str, batch: Sequence[Sequence[object]]) -> None:
    columns = MOVED[table]
    await sql.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                          f"VALUES ({', '.join('?' for _ in columns)})",
                          [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                           for row in batch])


async def row_counts(sql: Sql) -> dict[str, int]:
    return {table: int((await sql.fetch(f"SELECT count(*) FROM {table}"))[0][0])  # noqa: S608
            for table in MOVED}


__all__ = [
    "MOVED",
    "CounterRow",
    "Ledger",
    "Purged",
    "Sql",
    "add_rows",
    "count",
    "counters",
    "counters_between",
    "daily",
    "has_session",
    "load_session",
    "mark_handled",
    "row_counts",
    "rows_of",
    "sketches_between",
    "was_handled",
]
