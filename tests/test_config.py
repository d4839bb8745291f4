from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from bot.errors import ConfigError


def test_defaults():
    config = Config.from_env({})
    assert config.bot_token is None and config.database_path == Path("data/komek.sqlite3")
    assert config.admin_ids == frozenset() and not config.content_watch


def test_values_and_secrets_hidden_from_repr():
    config = Config.from_env({"BOT_TOKEN": "123:SECRET", "ADMIN_IDS": "1, 22,333",
                              "DATABASE_URL": "sqlite:////var/lib/komek/db.sqlite3",
                              "PSEUDONYM_SECRET": "pepper", "CONTENT_WATCH": "1"})
    assert config.admin_ids == {1, 22, 333}
    assert config.database_path == Path("/var/lib/komek/db.sqlite3")
    assert config.content_watch
    assert "SECRET" not in repr(config) and "pepper" not in repr(config)


@pytest.mark.parametrize(("env", "variable"), [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://komek@db/komek"}, "PSEUDONYM_SECRET"),
    ({"SEND_RATE": "31"}, "SEND_RATE"),
    ({"SEND_RATE": "0"}, "SEND_RATE"),
    ({"DATABASE_POOL_SIZE": "none"}, "DATABASE_POOL_SIZE"),
    ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
    ({"PORT": "99999"}, "PORT"),
])
def test_malformed_values_name_the_variable(env, variable):
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env)
    assert caught.value.variable == variable


def test_postgresql_with_its_pool_and_a_share_of_the_flood_limit():
    config = Config.from_env({"DATABASE_URL": "postgresql://komek:pw@db:5432/komek",
                              "PSEUDONYM_SECRET": "shared", "DATABASE_POOL_SIZE": "4",
                              "SEND_RATE": "14"})
    assert config.engine == "postgresql" and config.database_pool_size == 4
    assert config.send_rate == 14
    assert config.content_watch  # each instance picks up edits to its files by itself
    assert "pw" not in repr(config)
    with pytest.raises(ConfigError, match="SQLite file"):
        _ = config.database_path
