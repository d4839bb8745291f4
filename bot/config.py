"""Configuration, read once from the environment at the edge (bot/__main__.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///data/komek.sqlite3"


@dataclass(frozen=True)
class Config:
    bot_token: str | None = field(default=None, repr=False)
    bot_api_url: str | None = None
    database_path: Path = Path("data/komek.sqlite3")
    admin_ids: frozenset[int] = frozenset()
    content_dir: Path = Path("content")
    locales_dir: Path = Path("locales")
    pseudonym_secret: bytes | None = field(default=None, repr=False)
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    port: int = 8080
    webhook_listen: str = "0.0.0.0"  # noqa: S104  (the webhook server's address)
    content_watch: bool = False
    bot_username: str | None = None  # for deep links and their QR codes (t.me/<name>?start=…)
    stats_min_count: int = 5
    stats_retention_days: int = 400
    session_retention_days: int = 90

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        secret = env.get("PSEUDONYM_SECRET") or None
        return cls(
            bot_token=env.get("BOT_TOKEN") or None,
            bot_api_url=env.get("BOT_API_URL") or None,
            database_path=database_path(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            admin_ids=_admin_ids(env.get("ADMIN_IDS", "")),
            content_dir=Path(env.get("CONTENT_DIR") or "content"),
            locales_dir=Path(env.get("LOCALES_DIR") or "locales"),
            pseudonym_secret=secret.encode() if secret else None,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            port=_port(env.get("PORT") or "8080"),
            webhook_listen=env.get("WEBHOOK_LISTEN") or "0.0.0.0",  # noqa: S104
            content_watch=(env.get("CONTENT_WATCH") or "0").lower() in ("1", "true", "yes"),
            bot_username=(env.get("BOT_USERNAME") or "").lstrip("@") or None,
            stats_min_count=_positive("STATS_MIN_COUNT", env.get("STATS_MIN_COUNT") or "5"),
            stats_retention_days=_positive("STATS_RETENTION_DAYS",
                                           env.get("STATS_RETENTION_DAYS") or "400"),
            session_retention_days=_positive("SESSION_RETENTION_DAYS",
                                             env.get("SESSION_RETENTION_DAYS") or "90"),
        )


def database_path(url: str) -> Path:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError("DATABASE_URL", f"expected sqlite:///path/to/file.sqlite3, got {url!r}")
    return Path(url[len(prefix):])


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError("ADMIN_IDS", f"{part!r} is not a Telegram user id (digits only)")
        ids.add(int(part))
    return frozenset(ids)


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError("PORT", f"{raw!r} is not a port number (1–65535)")
    return int(raw)


def _positive(variable: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(variable, f"{raw!r} is not a whole number of at least 1")
    return int(raw)
