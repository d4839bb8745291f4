from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.events import (
    ChoiceTaken,
    CommandUsed,
    Fallback,
    Forgotten,
    NonText,
    NonTextKind,
    ScreenShown,
    Vote,
)
from bot.pseudonym import load_or_create_secret, pseudonym
from bot.session import Session
from bot.storage import open_storage
from bot.storage.schema import MIGRATIONS
from bot.storage.sqlite import SqliteStorage
from tests.conftest import TODAY


async def test_sessions_round_trip_and_survive_reopening(database_url: str):
    key = pseudonym(b"s", 42)
    session = Session(lang="kk", node="asylum", stack=("main",), screen_message=9,
                      recent_messages=((7, 100), (8, 101), (9, 102)), vote=Vote.NO,
                      vote_changed=True)
    async with open_storage(database_url) as storage:
        assert await storage.load_session(key) is None
        await storage.record(key, session, TODAY, [])
    async with open_storage(database_url) as storage:
        assert await storage.load_session(key) == session
        assert await storage.schema_version() == len(MIGRATIONS)
        await storage.record(key, None, TODAY, [Forgotten()])
        assert await storage.load_session(key) is None
        assert not await storage.has_session(key)
        assert await storage.counters() == [("2026-11-28", "forget", "", "", "", 1)]


async def test_counters(database_url: str):
    async with open_storage(database_url) as storage:
        await storage.record("k", Session(lang="ru"), TODAY,
                             [ScreenShown("main", "ru"), ScreenShown("main", "ru"),
                              Fallback("main", "kk", "ru"), ChoiceTaken("main", "work"),
                              CommandUsed("unknown"), NonText(NonTextKind.LOCATION)])
        assert await storage.counters() == [
            ("2026-11-28", "choice", "main", "", "work", 1),
            ("2026-11-28", "command", "", "", "unknown", 1),
            ("2026-11-28", "fallback", "main", "kk", "ru", 1),
            ("2026-11-28", "non_text", "", "", "location", 1),
            ("2026-11-28", "screen", "main", "ru", "", 2),
        ]


async def test_sqlite_runs_in_wal_mode(tmp_path: Path):
    path = tmp_path / "db.sqlite3"
    async with SqliteStorage.open(path):
        pass
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_pseudonym_is_keyed_and_stable():
    assert pseudonym(b"a", 1) == pseudonym(b"a", 1)
    assert pseudonym(b"a", 1) != pseudonym(b"b", 1)
    assert pseudonym(b"a", 1) != "1" and len(pseudonym(b"a", 1)) == 64


def test_secret_file_is_made_once_and_private(tmp_path: Path):
    path = tmp_path / "data" / "pseudonym.secret"
    first = load_or_create_secret(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_secret(path) == first and len(first) == 64


async def test_migration_2_keeps_the_old_counters(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0].script + "; PRAGMA user_version = 1;")
    con.execute("INSERT INTO counters VALUES ('2026-11-01', 'view', 'main', 'none', 3)")
    con.execute("INSERT INTO sessions (pseudonym, recent_messages, updated_on) "
                "VALUES ('p', '[1, 2]', '2026-11-01')")
    con.commit()
    con.close()
    async with SqliteStorage.open(path) as storage:
        assert await storage.counters() == [("2026-11-01", "screen", "main", "", "", 3)]
        session = await storage.load_session("p")
        assert session is not None and session.recent_messages == ()


def test_events_refuse_what_is_not_in_the_closed_set():
    import pytest

    with pytest.raises(ValueError):
        CommandUsed("/start my name is Dilshod").row()
    with pytest.raises(ValueError):
        ScreenShown("main", "Dilshod").row()
