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
    ({"DATABASE_URL": "postgres://x"}, "DATABASE_URL"),
    ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
    ({"PORT": "99999"}, "PORT"),
])
def test_malformed_values_name_the_variable(env, variable):
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env)
    assert caught.value.variable == variable
