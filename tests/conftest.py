from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest

from bot.content import Content, ContentSource
from bot.i18n import Catalogs
from bot.tree.load import load_tree
from bot.tree.model import Tree
from tests.fakebotapi import FakeBotAPI
from tests.pgcluster import Cluster, ClusterUnavailable

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22's opt-in to its next major's behaviour

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = date(2026, 11, 28)
ADMINS = frozenset({424242})


def load_fixture_tree() -> Tree:
    result = load_tree(FIXTURES / "content")
    assert result.tree is not None, [str(p) for p in result.problems]
    return result.tree


@pytest.fixture
def tree() -> Tree:
    return load_fixture_tree()


@pytest.fixture
def catalogs() -> Catalogs:
    return Catalogs.load(FIXTURES / "locales")


@pytest.fixture
def content(tree: Tree, catalogs: Catalogs) -> Content:
    """The small fixture tree and catalogs as one value, as the conversation takes them."""
    return Content.of(tree, catalogs)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real content and catalogs to break or edit, as the working folder."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def real_content() -> ContentSource:
    source, problems = ContentSource.load(ROOT / "content", ROOT / "locales")
    assert source is not None, [str(p) for p in problems if p.level == "error"]
    return source


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throw-away PostgreSQL server for the run (tests/pgcluster.py). CI installs
    PostgreSQL (.ci/run), so there a server that cannot start fails the tests that need it;
    elsewhere they are skipped, with the reason."""
    try:
        cluster = Cluster.start()
    except ClusterUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run in CI: {exc}")
        pytest.skip(f"no PostgreSQL here: {exc}".splitlines()[0][:200])
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(pg_cluster: Cluster) -> Iterator[str]:
    """A new, empty database on the test cluster, dropped afterwards."""
    name = pg_cluster.new_database()
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on both backends: a new SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'komek.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def scratch_database(request: pytest.FixtureRequest, folder: Path) -> str:
    """For a module-wide fixture parametrised by engine: a SQLite file in folder, or a new
    database on the test cluster (gone with the cluster at the end of the run)."""
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'komek.sqlite3'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.url(cluster.new_database())


def stored_bytes(request: pytest.FixtureRequest, url: str) -> bytes:
    """Everything a database holds, as bytes to search: the SQLite files, or a pg_dump."""
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.dump(url.rsplit("/", 1)[1])


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


BotRunner = Callable[[], "asynccontextmanager[None]"]


@pytest.fixture
def run_bot(api: FakeBotAPI, tmp_path: Path, real_content: ContentSource):
    """Start the real PTB Application against the fake server; usable several times (restarts)."""
    from bot.channels.serving import serve
    from bot.channels.telegram import TelegramChannel
    from bot.config import Config
    from bot.storage.sqlite import SqliteStorage
    from tests.fakebotapi import TOKEN

    db_path = tmp_path / "data" / "komek.sqlite3"
    secret = b"test-secret"

    @asynccontextmanager
    async def running(content: ContentSource | None = None, admin_ids: frozenset[int] = ADMINS,
                      content_watch: bool = False,
                      config: Config | None = None) -> AsyncIterator[TelegramChannel]:
        stop = asyncio.Event()
        async with SqliteStorage.open(db_path) as storage:
            channel = TelegramChannel(content or real_content, storage, secret,
                                      today=lambda: TODAY, admin_ids=admin_ids,
                                      clock=lambda: api.now)
            config = config or Config(bot_token=TOKEN, bot_api_url=api.base_url,
                                      content_watch=content_watch)
            task = asyncio.create_task(serve(channel, config, stop))
            if config.webhook_url:
                await _wait_webhook(api, task)
            else:
                await _wait_polling(api, task)
            try:
                yield channel
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=15)

    running.db_path = db_path  # type: ignore[attr-defined]
    return running


async def _wait_polling(api: FakeBotAPI, task: asyncio.Task[None]) -> None:
    api.polled.clear()
    waiter = asyncio.create_task(api.polled.wait())
    done, _ = await asyncio.wait({waiter, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
        raise AssertionError("the bot stopped before polling")
    if waiter not in done:
        waiter.cancel()
        raise AssertionError("the bot did not start polling")


def require_tool(name: str) -> str:
    """The path of an external program a test needs. CI installs it (.ci/run), so there a
    missing one fails the test; elsewhere the test is skipped and says what to install."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI must run this test")
        pytest.skip(f"{name} is not installed")
    return path
async def _wait_webhook(api: FakeBotAPI, task: asyncio.Task[None]) -> None:
    for _ in range(150):
        if task.done():
            task.result()
            raise AssertionError("the bot stopped before serving its webhook")
        if api.calls_of("setWebhook"):
            await asyncio.sleep(0.1)  # the route for /healthz follows setWebhook at once
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot did not set its webhook")
