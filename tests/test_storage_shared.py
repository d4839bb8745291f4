"""The storage contract on both backends: migrations recorded alike, a newer database
refused, and several writers at once (two Storage objects on one database are two
instances): one person's updates serialised, none lost, none handled twice, people and
days counted once."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.events import ScreenShown
from bot.session import Session
from bot.sketch import EVERYONE, Period
from bot.storage import engine_of, open_storage
from bot.storage.schema import LATEST, MIGRATIONS
from bot.storage.sqlite import SqliteStorage
from tests.conftest import TODAY
from tests.pgcluster import Cluster


def test_migrations_are_numbered_in_order():
    assert [m.number for m in MIGRATIONS] == list(range(1, LATEST + 1))
    assert all("'" not in m.name for m in MIGRATIONS)


def _psql(request: pytest.FixtureRequest, database_url: str, sql: str) -> str:
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.psql(database_url.rsplit("/", 1)[1], sql)


async def test_every_migration_is_recorded_in_the_migrations_table(
        database_url: str, request: pytest.FixtureRequest):
    async with open_storage(database_url) as storage:
        assert await storage.schema_version() == LATEST
    if engine_of(database_url) == "sqlite":
        con = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        rows = con.execute("SELECT number, name FROM schema_migrations ORDER BY 1").fetchall()
        con.close()
    else:
        out = _psql(request, database_url,
                    "SELECT number, name FROM schema_migrations ORDER BY 1")
        rows = [(int(n), name) for n, name in (line.split("|", 1) for line in out.splitlines())]
    assert rows == [(m.number, m.name) for m in MIGRATIONS]


async def test_a_database_newer_than_the_code_is_refused(database_url: str,
                                                         request: pytest.FixtureRequest):
    async with open_storage(database_url):
        pass
    future = "INSERT INTO schema_migrations (number, name, applied_on) " \
             f"VALUES ({LATEST + 1}, 'from the future', '2027-01-01')"
    if engine_of(database_url) == "sqlite":
        con = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        con.execute(future)
        con.commit()
        con.close()
    else:
        _psql(request, database_url, future)
    with pytest.raises(StorageError, match=f"schema {LATEST + 1}, newer than this Kömek"):
        async with open_storage(database_url):
            pass


async def test_a_sqlite_file_from_before_the_migrations_table_is_carried_over(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    for migration in MIGRATIONS[:3]:
        con.executescript(migration.script)
    con.execute("PRAGMA user_version = 3")
    con.execute("INSERT INTO sessions (pseudonym, lang, updated_on) "
                "VALUES ('p', 'kk', '2026-11-01')")
    con.commit()
    con.close()
    async with SqliteStorage.open(path) as storage:
        assert await storage.schema_version() == LATEST
        session = await storage.load_session("p")
        assert session is not None and session.lang == "kk"
    con = sqlite3.connect(path)
    names = [n for (n,) in con.execute("SELECT applied_on FROM schema_migrations ORDER BY 1")]
    con.close()
    assert names.count("before the migrations table") == 3


async def test_instances_starting_together_migrate_once(postgres_url: str):
    async def start() -> int:
        async with open_storage(postgres_url) as storage:
            return await storage.schema_version()

    assert await asyncio.gather(*(start() for _ in range(4))) == [LATEST] * 4


async def test_a_turn_holds_the_person_on_every_instance(postgres_url: str):
    """Two instances, the same person's updates at the same moment, 20 times: each turn reads
    what the one before it recorded, so none is lost."""
    async with open_storage(postgres_url) as one, open_storage(postgres_url) as two:
        async def press(storage: object, update_id: int) -> None:
            assert hasattr(storage, "turn")
            async with storage.turn("p", update_id) as turn:
                before = turn.session or Session(lang="ru", stack=())
                await asyncio.sleep(0.01)  # the other instance's turn tries to start here
                await turn.record(Session(lang="ru", stack=(*before.stack, str(update_id))),
                                  TODAY, [ScreenShown("main", "ru")])

        await asyncio.gather(*(press(one if n % 2 else two, n) for n in range(1, 21)))
        session = await one.load_session("p")
        counters = await one.counters()
    assert session is not None and sorted(session.stack, key=int) == [str(n)
                                                                      for n in range(1, 21)]
    assert counters == [("2026-11-28", "screen", "main", "ru", "", 20)]


async def test_an_update_recorded_once_is_not_handled_again(database_url: str):
    async with open_storage(database_url) as storage:
        async with storage.turn("p", 77) as turn:
            assert not turn.handled
            await turn.record(Session(lang="uz"), TODAY, [ScreenShown("main", "uz")])
        async with storage.turn("p", 77) as turn:
            assert turn.handled  # resent after an instance died before answering
        async with storage.turn("p", 78) as turn:
            assert not turn.handled and turn.session == Session(lang="uz")
        with pytest.raises(RuntimeError):
            async with storage.turn("p", 79) as turn:
                await turn.record(Session(lang="kk"), TODAY, [])
                raise RuntimeError("the handler failed")
        async with storage.turn("p", 80) as turn:
            assert turn.session is not None
            if storage.engine == "postgresql":  # the failed turn's writes were rolled back
                assert turn.session.lang == "uz"


async def test_people_are_counted_once_across_instances(postgres_url: str):
    """Two instances, the same 40 people split between them and then swapped: each is one
    person to the sketches, because both instances hash with the period's shared key."""
    async with open_storage(postgres_url) as one, open_storage(postgres_url) as two:
        for n in range(40):
            await (one if n % 2 else two).record(f"p{n}", Session(lang="ru"), TODAY, [])
        for n in range(40):
            await (two if n % 2 else one).record(f"p{n}", Session(lang="ru"), TODAY, [])
    async with open_storage(postgres_url) as again:  # a restart keeps the period's key
        await again.record("p0", Session(lang="ru"), TODAY, [])
        sketches = {(p, lang): (s.estimate(), keys)
                    for p, _, lang, s, keys in await again.sketches_between(TODAY, TODAY)}
    # An estimate, so within a person or two of 40; two keys would have made it about 80.
    for period, lang in ((Period.DAY, "ru"), (Period.WEEK, "ru"), (Period.MONTH, EVERYONE)):
        estimate, keys = sketches[(period, lang)]
        assert 38 <= estimate <= 42 and keys == 1, (period, lang, estimate, keys)


async def test_the_daily_job_on_two_instances_at_once_ends_each_day_once(postgres_url: str):
    async with open_storage(postgres_url) as one, open_storage(postgres_url) as two:
        for n in range(30):
            await one.record(f"p{n}", Session(lang="en", node="work"),
                             TODAY, [ScreenShown("work", "en")])
        tomorrow = TODAY.replace(day=TODAY.day + 1)
        first, second = await asyncio.gather(one.daily(tomorrow, 400, 90),
                                             two.daily(tomorrow, 400, 90))
        rows = await one.counters_between(TODAY, TODAY)
    assert first.days_closed + second.days_closed == 30
    assert [n for _, kind, node, *_, n in rows if kind == "ended"] == [30]


async def test_a_password_in_the_url_is_not_repeated_in_an_error():
    with pytest.raises(StorageError) as caught:
        async with open_storage("postgresql://komek:hunter2@127.0.0.1:1/komek"):
            pass
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StorageError) as caught:
        engine_of("mysql://komek:hunter2@db/komek")
    assert "hunter2" not in str(caught.value)


async def test_a_reload_on_one_instance_reaches_the_others(postgres_url: str):
    heard: dict[str, asyncio.Event] = {"one": asyncio.Event(), "two": asyncio.Event()}

    def hearing(name: str) -> Callable[[], Awaitable[None]]:
        async def reload() -> None:
            heard[name].set()
        return reload

    async with open_storage(postgres_url) as one, open_storage(postgres_url) as two:
        await one.on_reload(hearing("one"))
        await two.on_reload(hearing("two"))
        await one.announce_reload()
        await asyncio.wait_for(heard["two"].wait(), timeout=10)
        await asyncio.sleep(0.2)
        assert not heard["one"].is_set()  # its own announcement is not heard back


async def test_sqlite_has_nobody_to_tell_of_a_reload(tmp_path: Path):
    async with SqliteStorage.open(tmp_path / "db.sqlite3") as storage:
        await storage.on_reload(_never)
        await storage.announce_reload()


async def _never() -> None:
    raise AssertionError("SQLite has no other instance to hear from")
