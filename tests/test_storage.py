from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.pseudonym import load_or_create_secret, pseudonym
from bot.session import Session
from bot.storage import MIGRATIONS, Storage
from tests.conftest import TODAY


async def test_sessions_round_trip_and_survive_reopening(tmp_path: Path):
    path = tmp_path / "new" / "folder" / "db.sqlite3"
    key = pseudonym(b"s", 42)
    session = Session(lang="kk", node="asylum", stack=("main",), screen_message=9,
                      recent_messages=(7, 8, 9))
    async with Storage.open(path) as storage:
        assert await storage.load_session(key) is None
        await storage.record(key, session, TODAY, [])
    async with Storage.open(path) as storage:
        assert await storage.load_session(key) == session
        assert await storage.schema_version() == len(MIGRATIONS)
        await storage.forget(key)
        assert await storage.load_session(key) is None


async def test_wal_mode_and_counters(tmp_path: Path):
    path = tmp_path / "db.sqlite3"
    async with Storage.open(path) as storage:
        await storage.record("k", Session(lang="ru"), TODAY,
                             [("view", "main"), ("view", "main"), ("text", "")])
        assert await storage.counters() == [
            ("2026-11-28", "text", "", "ru", 1),
            ("2026-11-28", "view", "main", "ru", 2),
        ]
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
