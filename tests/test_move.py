"""`komek migrate-db FROM TO` on a real SQLite file with sessions and counters, to a real
PostgreSQL and back; and `komek backup` on PostgreSQL, restored with pg_restore."""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.content import ContentSource
from bot.events import AnswerReached, Helpful, ScreenShown, Vote
from bot.session import Session
from bot.storage import open_storage
from bot.storage.sqlite import SqliteStorage
from tests.conftest import TODAY
from tests.pgcluster import Cluster

PEOPLE = 25


async def _fill(path: Path, content: ContentSource) -> None:
    """Three days of a small bot: sessions where people are, counters, tallies, sketches."""
    tree = content.current.tree
    async with SqliteStorage.open(path) as storage:
        for back in (2, 1, 0):
            day = TODAY - timedelta(days=back)
            await storage.daily(day, 400, 90)
            for n in range(PEOPLE):
                lang = ("ru", "kk", "uz", "en")[n % 4]
                for node in ("main", "asylum", "asylum-apply"):
                    await storage.record(f"person-{n}", Session(
                        lang=lang, node=node, stack=("main",), screen_message=100 + n,
                        recent_messages=((100 + n, 1_790_000_000),)), day,
                        [ScreenShown(node, lang)], tree=tree)
                await storage.record(f"person-{n}", Session(lang=lang, node="asylum-apply",
                                                            vote=Vote.YES), day,
                                     [AnswerReached("asylum-apply", lang),
                                      Helpful("asylum-apply", lang, Vote.YES)], tree=tree)


async def _everything(url: str) -> tuple[object, ...]:
    async with open_storage(url) as storage:
        sessions = [await storage.load_session(f"person-{n}") for n in range(PEOPLE)]
        counters = await storage.counters()
        between = sorted(await storage.counters_between(TODAY - timedelta(days=10), TODAY))
        sketches = sorted((p.value, start, lang, bytes(s.registers), keys) for p, start, lang,
                          s, keys in await storage.sketches_between(TODAY, TODAY))
    return sessions, counters, between, sketches


@pytest.fixture
def with_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSEUDONYM_SECRET", "move-test-secret")  # PostgreSQL requires one


def test_sqlite_moves_to_postgresql_and_back_unchanged(
        tmp_path: Path, postgres_url: str, pg_cluster: Cluster, real_content: ContentSource,
        capsys: pytest.CaptureFixture[str], with_secret: None):
    path = tmp_path / "data" / "komek.sqlite3"
    asyncio.run(_fill(path, real_content))
    sqlite_url = f"sqlite:///{path}"
    before = asyncio.run(_everything(sqlite_url))
    assert all(before[0]) and len(before[1]) > 20  # type: ignore[arg-type]

    assert main(["migrate-db", sqlite_url, postgres_url]) == 0
    out = capsys.readouterr().out
    assert f"moved {PEOPLE} sessions" in out and "PSEUDONYM_SECRET" in out
    assert asyncio.run(_everything(postgres_url)) == before

    # A second move would count everything twice: refused, the target untouched.
    assert main(["migrate-db", sqlite_url, postgres_url]) == 2
    assert "already holds Kömek data" in capsys.readouterr().err
    assert asyncio.run(_everything(postgres_url)) == before

    back = f"sqlite:///{tmp_path / 'back' / 'komek.sqlite3'}"
    assert main(["migrate-db", postgres_url, back]) == 0
    assert asyncio.run(_everything(back)) == before


def test_migrate_db_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    assert main(["migrate-db", missing, f"sqlite:///{tmp_path / 'b.sqlite3'}"]) == 2
    assert "there is no database file" in capsys.readouterr().err
    path = tmp_path / "a.sqlite3"

    async def make() -> None:
        async with SqliteStorage.open(path):
            pass

    asyncio.run(make())
    assert main(["migrate-db", f"sqlite:///{path}", f"sqlite:///{path}"]) == 2
    assert "the same database" in capsys.readouterr().err
    assert main(["migrate-db", f"sqlite:///{path}", "mysql://db/komek"]) == 2
    assert "DATABASE_URL must be" in capsys.readouterr().err


def test_a_postgresql_backup_restores_with_pg_restore(
        postgres_url: str, pg_cluster: Cluster, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        with_secret: None):
    session = Session(lang="kk", node="return", stack=("main",), screen_message=5)
    async def keep() -> None:
        async with open_storage(postgres_url) as storage:
            await storage.record("kept", session, TODAY, [ScreenShown("return", "kk")])

    asyncio.run(keep())
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("PATH", f"{pg_cluster.bin_dir}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "backups" / "komek.pgdump"
    assert main(["backup", str(target)]) == 0
    assert "pg_dump custom format" in capsys.readouterr().out
    assert target.stat().st_mode & 0o777 == 0o600
    assert main(["backup", str(target)]) == 2  # never replaced without --force
    assert "already exists" in capsys.readouterr().err

    restored = pg_cluster.new_database()
    subprocess.run([str(pg_cluster.bin_dir / "pg_restore"), "--no-owner", "--dbname",
                    pg_cluster.url(restored), str(target)], check=True, capture_output=True)
    async def read_back() -> tuple[object, object]:
        async with open_storage(pg_cluster.url(restored)) as copy:
            return await copy.load_session("kept"), await copy.counters()

    assert asyncio.run(read_back()) == (session, [("2026-11-28", "screen", "return", "kk", "", 1)])
    pg_cluster.drop_database(restored)
