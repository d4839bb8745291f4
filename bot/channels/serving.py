"""Serving the Telegram channel: polling, or a webhook with a health check, until stopped.

Webhook mode runs its own tornado server (tornado comes with PTB's webhooks extra) rather
than PTB's: PTB answers Telegram 200 as soon as an update is queued, so an instance killed
a moment later would lose it. Here the answer comes only once the update is handled and
recorded; an instance that dies first leaves the POST unanswered, Telegram (or the load
balancer) sends it again, to whichever instance is alive, and the update ids remembered in
storage keep one already recorded from being handled twice.

A POST without the secret token's header gets 403 and is not read. `GET /healthz` is on
the same port: 200 when the content is loaded and the database answers, 503 otherwise. On
stop, a single instance (SQLite) deletes its webhook, so a later polling run is not left
behind a webhook; on PostgreSQL the others go on serving it, so it stays.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.routing
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel
from bot.config import Config
from bot.content import watch
from bot.daily import every_day

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 2.0  # seconds the database has to answer a health check
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header's name)
MAX_BODY = 1 << 20  # an update is a few KB; Telegram's own limit on text is 4,096 characters
STOP_GRACE = 20.0  # seconds the updates in hand get to finish on SIGTERM


async def serve(channel: TelegramChannel, config: Config, stop: asyncio.Event) -> None:
    """Serve until stop is set (by SIGTERM or SIGINT in __main__, or by a test)."""
    assert config.bot_token is not None
    app = channel.build(config.bot_token, config.bot_api_url, config.send_rate)
    watcher = asyncio.create_task(watch(channel.content, stop)) \
        if config.content_watch else None
    daily = asyncio.create_task(every_day(channel.daily, channel.today, stop))
    await channel.storage.on_reload(channel.reload_announced)
    async with app:
        await channel.set_commands(app)
        await app.start()
        if config.webhook_url:
            hook = await _start_webhook(app, channel, config)
            await stop.wait()
            await hook.stop()
            if channel.storage.engine == "sqlite":
                await app.bot.delete_webhook()
                log.info("webhook deleted")
        else:
            await _start_polling(app)
            await stop.wait()
            assert app.updater is not None
            await app.updater.stop()
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
                         config: Config) -> Webhook:
    assert config.webhook_url is not None
    hook = Webhook(app, channel, config.webhook_secret)
    hook.listen(urlsplit(config.webhook_url).path or "/", config.port, config.webhook_listen)
    # Every instance sets the same URL: setWebhook is idempotent, and retried (delivery.py).
    await app.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret,
                              allowed_updates=list(ALLOWED_UPDATES),
                              drop_pending_updates=False)
    log.info("serving the webhook on port %d", config.port)
    return hook


class Webhook:
    """The webhook server: each POST is answered when its update has been handled."""

    def __init__(self, app: Application, channel: TelegramChannel,  # type: ignore[type-arg]
                 secret: str | None) -> None:
        self.app = app
        self.secret = secret
        self.in_hand: set[asyncio.Task[None]] = set()
        self._channel = channel
        self._server: tornado.httpserver.HTTPServer | None = None

    def listen(self, path: str, port: int, address: str) -> None:
        routes = tornado.web.Application([
            (tornado.routing.PathMatches(path), _Updates, {"hook": self}),
            (HEALTH_PATH, _Health, {"channel": self._channel}),
        ])
        self._server = tornado.httpserver.HTTPServer(routes, max_body_size=MAX_BODY,
                                                     xheaders=True)
        self._server.listen(port, address=address)

    async def handle(self, update: Update) -> None:
        """Through PTB's update processor (our per-chat order), to the end of the handler."""
        work = asyncio.ensure_future(
            self.app.update_processor.process_update(update, self.app.process_update(update)))
        self.in_hand.add(work)
        work.add_done_callback(self.in_hand.discard)
        await asyncio.shield(work)  # a client that hangs up does not cancel the handling

    async def stop(self) -> None:
        """No new updates; the ones in hand finish (their POSTs are then answered)."""
        if self._server is not None:
            self._server.stop()
        if self.in_hand:
            await asyncio.wait(set(self.in_hand), timeout=STOP_GRACE)
        if self._server is not None:
            await self._server.close_all_connections()


class _Updates(tornado.web.RequestHandler):
    def initialize(self, hook: Webhook) -> None:
        self.hook = hook

    async def post(self) -> None:
        if self.hook.secret and self.request.headers.get(SECRET_HEADER) != self.hook.secret:
            self._answer(403, "forbidden")
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.hook.app.bot)
        except Exception:  # any body that is not an update: refused, never a trace
            log.warning("the webhook got a body that is not an update")
            self._answer(400, "not an update")
            return
        await self.hook.handle(update)
        self._answer(200, "ok")

    def _answer(self, status: int, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(text + "\n")


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


__all__ = ["ALLOWED_UPDATES", "HEALTH_PATH", "Webhook", "healthy_now", "serve"]
