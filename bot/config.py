"""Configuration, read once from the environment at the edge (bot/__main__.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError, StorageError

DEFAULT_DATABASE_URL = "sqlite:///data/komek.sqlite3"
TELEGRAM_RATE = 30  # messages a second Telegram allows a bot, in all


@dataclass(frozen=True)
class Config:
    bot_token: str | None = field(default=None, repr=False)
    bot_api_url: str | None = None
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    database_pool_size: int = 10  # PostgreSQL connections per instance
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
    # This instance's share of Telegram's ~30 messages a second: with several instances,
    # each is given its share, and together they stay under the limit.
    send_rate: int = TELEGRAM_RATE

    @property
    def database_path(self) -> Path:
        """The SQLite file; ConfigError on PostgreSQL, which has none."""
        if self.engine != "sqlite":
            raise ConfigError("DATABASE_URL", "this command works on a SQLite file; on "
                              "PostgreSQL use its own tools (README, 'Several instances')")
        return database_path(self.database_url)

    @property
    def engine(self) -> str:
        from bot.storage import engine_of

        try:
            return engine_of(self.database_url)
        except StorageError as exc:
            raise ConfigError("DATABASE_URL", str(exc)) from exc

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        secret = env.get("PSEUDONYM_SECRET") or None
        return cls(
            bot_token=env.get("BOT_TOKEN") or None,
            bot_api_url=env.get("BOT_API_URL") or None,
            database_url=_database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
                                       secret),
            database_pool_size=_positive("DATABASE_POOL_SIZE",
                                         env.get("DATABASE_POOL_SIZE") or "10"),
            admin_ids=_admin_ids(env.get("ADMIN_IDS", "")),
            content_dir=Path(env.get("CONTENT_DIR") or "content"),
            locales_dir=Path(env.get("LOCALES_DIR") or "locales"),
            pseudonym_secret=secret.encode() if secret else None,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            port=_port(env.get("PORT") or "8080"),
            webhook_listen=env.get("WEBHOOK_LISTEN") or "0.0.0.0",  # noqa: S104
            content_watch=_content_watch(env),
            bot_username=(env.get("BOT_USERNAME") or "").lstrip("@") or None,
            stats_min_count=_positive("STATS_MIN_COUNT", env.get("STATS_MIN_COUNT") or "5"),
            stats_retention_days=_positive("STATS_RETENTION_DAYS",
                                           env.get("STATS_RETENTION_DAYS") or "400"),
            session_retention_days=_positive("SESSION_RETENTION_DAYS",
                                             env.get("SESSION_RETENTION_DAYS") or "90"),
            send_rate=_send_rate(env.get("SEND_RATE") or str(TELEGRAM_RATE)),
        )


def _database_url(url: str, secret: str | None) -> str:
    from bot.storage import engine_of

    try:
        engine = engine_of(url)
    except StorageError as exc:
        raise ConfigError("DATABASE_URL", str(exc)) from exc
    if engine == "postgresql" and not secret:
        # Each instance would make a secret file of its own and see different people.
        raise ConfigError("PSEUDONYM_SECRET", "PostgreSQL is for several instances, and "
                          "they must share one secret: set PSEUDONYM_SECRET, the same on "
                          "every instance")
    return url


def _content_watch(env: Mapping[str, str]) -> bool:
    """Off by default for one instance; on for PostgreSQL, where each instance must pick up
    an edit to its own files by itself (an admin's /reload is also carried to all)."""
    raw = env.get("CONTENT_WATCH")
    if raw:
        return raw.lower() in ("1", "true", "yes")
    return (env.get("DATABASE_URL") or "").startswith(("postgresql://", "postgres://"))


def _send_rate(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= TELEGRAM_RATE:
        raise ConfigError("SEND_RATE", f"{raw!r} is not a number of messages a second from 1 "
                          f"to {TELEGRAM_RATE} (Telegram's limit for the whole bot)")
    return int(raw)


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
