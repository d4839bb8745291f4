"""`komek backup` and `komek health` against real SQLite files and the real content."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.errors import KomekError
from bot.events import ScreenShown
from bot.session import Session
from bot.storage.backup import backup
from bot.storage.sqlite import SqliteStorage
from tests.conftest import ROOT, TODAY


async def _database(path: Path, people: int) -> None:
    async with SqliteStorage.open(path) as storage:
        for n in range(people):
            await storage.record(f"p{n}", Session(lang="kk", node="main"), TODAY,
                                 [ScreenShown("main", "kk")])


async def test_a_backup_taken_while_the_bot_writes_is_one_consistent_moment(tmp_path: Path):
    live = tmp_path / "data" / "komek.sqlite3"
    copy = tmp_path / "backups" / "komek.sqlite3"
    written = 0
    stop = asyncio.Event()
    async with SqliteStorage.open(live) as storage:
        await storage.record("before", Session(lang="uz", node="asylum"), TODAY,
                             [ScreenShown("asylum", "uz")])

        async def keep_writing() -> None:
            nonlocal written
            while not stop.is_set():
                # A session and its count in one transaction: a torn copy would split them.
                await storage.record(f"w{written}", Session(lang="ru"), TODAY,
                                     [ScreenShown("x", "ru")])
                written += 1
                await asyncio.sleep(0)

        writer = asyncio.create_task(keep_writing())
        while written < 20:
            await asyncio.sleep(0)
        made = await asyncio.to_thread(backup, live, copy)
        at_backup = written
        while written < at_backup + 20:
            await asyncio.sleep(0)
        stop.set()
        await writer

    assert made.path == copy and made.size == copy.stat().st_size and made.schema_version >= 1
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert sorted(p.name for p in copy.parent.iterdir()) == ["komek.sqlite3"]  # no temp left
    async with SqliteStorage.open(copy) as restored:
        assert await restored.load_session("before") == Session(lang="uz", node="asylum")
        counted = {lang: n for _, _, _, lang, _, n in await restored.counters()}
        sessions = [n for n in range(written) if await restored.load_session(f"w{n}")]
    assert 20 <= len(sessions) < written  # written both before and after the copy was taken
    assert sessions == list(range(len(sessions)))  # a prefix: nothing later, nothing missing
    assert counted == {"uz": 1, "ru": len(sessions)}  # the same moment as the sessions


async def test_an_uncommitted_write_in_another_connection_neither_blocks_nor_leaks(
        tmp_path: Path):
    live = tmp_path / "komek.sqlite3"
    await _database(live, 3)
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM sessions")
    try:
        backup(live, tmp_path / "copy.sqlite3")
    finally:
        writer.execute("COMMIT")
        writer.close()
    async with SqliteStorage.open(tmp_path / "copy.sqlite3") as restored:
        assert [await restored.load_session(f"p{n}") for n in range(3)] == [
            Session(lang="kk", node="main")] * 3


async def test_backup_refuses_to_overwrite_unless_forced(tmp_path: Path):
    live = tmp_path / "komek.sqlite3"
    await _database(live, 2)
    target = tmp_path / "kept.sqlite3"
    target.write_bytes(b"an older backup")
    with pytest.raises(KomekError, match=r"already exists.*--force"):
        backup(live, target)
    assert target.read_bytes() == b"an older backup"
    with pytest.raises(KomekError, match="live database itself"):
        backup(live, live, force=True)
    with pytest.raises(KomekError, match="is a folder"):
        backup(live, tmp_path, force=True)
    with pytest.raises(KomekError, match="cannot write the backup"):
        backup(live, target / "under a file" / "b.sqlite3")
    backup(live, target, force=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    async with SqliteStorage.open(target) as restored:
        assert await restored.load_session("p1") == Session(lang="kk", node="main")


async def test_the_backup_command_reports_the_size_and_the_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    live = tmp_path / "data" / "komek.sqlite3"
    await _database(live, 1)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    monkeypatch.delenv("PSEUDONYM_SECRET", raising=False)
    assert main(["backup", "out/b.sqlite3"]) == 0
    out = capsys.readouterr().out
    size = (tmp_path / "out" / "b.sqlite3").stat().st_size
    async with SqliteStorage.open(tmp_path / "out" / "b.sqlite3") as copy:
        schema = await copy.schema_version()
    assert f"({size:,} bytes, schema {schema}, integrity ok)" in out
    assert f"pseudonym secret ({tmp_path / 'data' / 'pseudonym.secret'})" in out
    assert main(["backup", "out/b.sqlite3"]) == 2
    assert "already exists" in capsys.readouterr().err


async def test_backup_of_a_missing_database_says_where_it_looked(tmp_path: Path):
    with pytest.raises(KomekError, match=r"no database file at .*nothing\.sqlite3"):
        backup(tmp_path / "nothing.sqlite3", tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()


# -- health ------------------------------------------------------------------------------


def _health(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: Path,
            content: Path = ROOT / "content", locales: Path = ROOT / "locales") -> int:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("CONTENT_DIR", str(content))
    monkeypatch.setenv("LOCALES_DIR", str(locales))
    return main(["health"])


async def test_health_is_good_with_the_real_content_and_a_live_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    live = tmp_path / "komek.sqlite3"
    await _database(live, 1)
    assert _health(monkeypatch, tmp_path, live) == 0
    assert capsys.readouterr().out.startswith("ok: ")


async def test_health_fails_on_broken_content_and_names_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    live = tmp_path / "komek.sqlite3"
    await _database(live, 1)
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "work.yaml").write_text("nodes: [unclosed\n", encoding="utf-8")
    assert _health(monkeypatch, tmp_path, live, content=content) == 1
    reason = capsys.readouterr().err
    assert reason.startswith("content: ") and "work.yaml" in reason
    assert reason.count("\n") == 1


async def test_health_fails_on_a_broken_catalog(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    live = tmp_path / "komek.sqlite3"
    await _database(live, 1)
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    po = locales / "kk" / "LC_MESSAGES" / "bot.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "unfinished\n', encoding="utf-8")
    assert _health(monkeypatch, tmp_path, live, locales=locales) == 1
    reason = capsys.readouterr().err
    assert reason.startswith("catalogs: ") and "kk/LC_MESSAGES/bot.po" in reason


@pytest.mark.parametrize("kind", ["missing", "not a database", "a folder", "never opened"])
def test_health_fails_when_the_database_does_not_answer(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "komek.sqlite3"
    if kind == "not a database":
        path.write_bytes(b"this is no SQLite file " * 100)
    elif kind == "a folder":
        path.mkdir()
    elif kind == "never opened":
        sqlite3.connect(path).close()
    assert _health(monkeypatch, tmp_path, path) == 1
    reason = capsys.readouterr().err
    assert reason.startswith("database: ") and str(path) in reason
    assert not (tmp_path / "komek.sqlite3-wal").exists()  # the check itself never writes
