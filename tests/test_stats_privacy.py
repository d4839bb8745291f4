"""PRIVACY.md names exactly the schema a real database has, and every kind that is counted."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.events import Kind
from bot.storage import Storage
from bot.tally import Derived
from tests.conftest import ROOT

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
    async with Storage.open(path):
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


def test_every_counted_kind_is_named():
    for kind in (*Kind, *Derived):
        assert f"`{kind.value}`" in PRIVACY, kind


def test_privacy_md_names_the_retention_settings_and_what_forget_removes():
    for name in ("STATS_RETENTION_DAYS", "SESSION_RETENTION_DAYS", "STATS_MIN_COUNT",
                 "PSEUDONYM_SECRET", "/forget", "/exit"):
        assert name in PRIVACY, name
