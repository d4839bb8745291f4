"""Serving the Telegram channel: polling, or a webhook with a health check, until stopped.

Webhook mode is PTB's own server (tornado): `updater.start_webhook` calls setWebhook with
the secret token and the allowed updates, and rejects a POST without the token's header
(403). `GET /healthz` is one more route on that same server and port, so a load balancer
or a platform's health probe needs nothing extra: 200 when the content is loaded and the
database answers, 503 otherwise. On stop the webhook is deleted, so a later polling run,
or Telegram, is not left pointing at a server that is gone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast
from urllib.parse import urlsplit

import tornado.web
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel
from bot.config import Config
from bot.content import watch
from bot.daily import every_day

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 2.0  # seconds the database has to answer a health check


async def serve(channel: TelegramChannel, config: Config, stop: asyncio.Event) -> None:
    """Serve until stop is set (by SIGTERM or SIGINT in __main__, or by a test)."""
    assert config.bot_token is not None
    app = channel.build(config.bot_token, config.bot_api_url)
    watcher = asyncio.create_task(watch(channel.content, stop)) \
        if config.content_watch else None
    daily = asyncio.create_task(every_day(channel.daily, channel.today, stop))
    async with app:
        await channel.set_commands(app)
        await app.start()
        if config.webhook_url:
            await _start_webhook(app, channel, config)
        else:
            await _start_polling(app)
        await stop.wait()
        assert app.updater is not None
        await app.updater.stop()
        if config.webhook_url:
            await app.bot.delete_webhook()
            log.info("webhook deleted")
        await app.stop()
    await channel.surplus.close()
    if watcher is not None:
        await watcher
    await daily


async def _start_polling(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    # getUpdates that fails (network, 5xx, 429) is retried by PTB's own loop, with backoff.
    await app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES),
                                    drop_pending_updates=False)
    log.info("polling for updates")


async def _start_webhook(app: Application, channel: TelegramChannel,  # type: ignore[type-arg]
                         config: Config) -> None:
    assert app.updater is not None and config.webhook_url is not None
    await app.updater.start_webhook(
        listen=config.webhook_listen, port=config.port,
        url_path=urlsplit(config.webhook_url).path.lstrip("/"),
        webhook_url=config.webhook_url, secret_token=config.webhook_secret,
        allowed_updates=list(ALLOWED_UPDATES), drop_pending_updates=False,
        bootstrap_retries=3,
    )
    _add_health_route(app, channel)
    log.info("serving the webhook on port %d", config.port)


def _add_health_route(app: Application, channel: TelegramChannel) -> None:  # type: ignore[type-arg]
    # PTB keeps its tornado Application private; a route added to it shares the port.
    server = app.updater._httpd if app.updater else None
    if server is None:
        raise RuntimeError("PTB's webhook server was not found; the health check is missing")
    web_app = cast(tornado.web.Application, server._http_server.request_callback)
    web_app.add_handlers(r".*", [(HEALTH_PATH, _Health, {"channel": channel})])


class _Health(tornado.web.RequestHandler):
    def initialize(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def get(self) -> None:
        healthy = await healthy_now(self.channel)
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("ok\n" if healthy else "unavailable\n")


async def healthy_now(channel: TelegramChannel) -> bool:
    """Content loaded and the database answering within HEALTH_TIMEOUT."""
    try:
        if not channel.content.current.tree.nodes:
            return False
        await asyncio.wait_for(channel.storage.schema_version(), HEALTH_TIMEOUT)
    except Exception as exc:  # any failure is "not healthy", never a 500 with a trace
        log.warning("health check failed: %s", type(exc).__name__)
        return False
    return True


__all__ = ["ALLOWED_UPDATES", "HEALTH_PATH", "healthy_now", "serve"]
