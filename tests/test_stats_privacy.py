"""PRIVACY.md names exactly the schema a real database has, and every kind that is counted."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.events import Kind
from bot.storage import open_storage
from bot.storage.sqlite import SqliteStorage
from bot.tally import Derived
from tests.conftest import ROOT
from tests.pgcluster import Cluster

PRIVACY = (ROOT / "PRIVACY.md").read_text()


def documented() -> dict[str, set[str]]:
    """Each '### `table`' section and the '| `column` |' rows of its table."""
    tables: dict[str, set[str]] = {}
    for section in re.split(r"^### ", PRIVACY, flags=re.M)[1:]:
        name = re.match(r"`(\w+)`", section)
        assert name, section[:40]
        tables[name.group(1)] = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    return tables


async def schema(path: Path) -> dict[str, set[str]]:
    async with SqliteStorage.open(path):
        pass
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: {r[1] for r in con.execute(f"PRAGMA table_info({name})")}
                for name in names}
    finally:
        con.close()


async def test_every_table_and_column_is_in_privacy_md_and_nothing_else(tmp_path: Path):
    real = await schema(tmp_path / "komek.sqlite3")
    assert documented() == real


async def test_postgresql_has_the_same_tables_and_columns(postgres_url: str,
                                                          pg_cluster: Cluster):
    async with open_storage(postgres_url):
        pass
    out = pg_cluster.psql(postgres_url.rsplit("/", 1)[1],
                          "SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = 'public'")
    tables: dict[str, set[str]] = {}
    for line in out.splitlines():
        table, column = line.split("|")
        tables.setdefault(table, set()).add(column)
    assert tables == documented()


def test_every_counted_kind_is_named():
    for kind in (*Kind, *Derived):
        assert f"`{kind.value}`" in PRIVACY, kind


def test_privacy_md_names_the_retention_settings_and_what_forget_removes():
    for name in ("STATS_RETENTION_DAYS", "SESSION_RETENTION_DAYS", "STATS_MIN_COUNT",
                 "PSEUDONYM_SECRET", "/forget", "/exit"):
        assert name in PRIVACY, name
