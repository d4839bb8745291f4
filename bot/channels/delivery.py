"""Getting calls to Telegram through: what is retried, what is skipped, what is cached.

Two layers, each doing one thing. AIORateLimiter keeps the bot under Telegram's 30 messages
a second and waits out a 429 (`retry_after`), pausing every call meanwhile, so a 429 never
turns into a storm. Below it, RetryingRequest retries a 5xx, a timeout or a network error a
bounded number of times with jittered backoff, but only where a repeat cannot show the
person something twice: a sendMessage that timed out may have been delivered, so it is not
sent again; an edit, an answer or a deletion is idempotent and is. A 4xx (blocked, not
modified, not found, too old) is an answer, not a fault, and is never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, cast

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.channels.ordering import Surplus
from bot.events import UpdateDropped, UpdateMerged
from bot.screens import Button
from bot.storage import Storage

log = logging.getLogger(__name__)

Timeout = ODVInput[float]

ATTEMPTS = 3  # one call and at most two retries
BACKOFF = 0.1  # seconds before the first retry; doubled after each, with jitter
# httpcore's pool does work in proportion to connections × waiting requests on every
# request, so hundreds of connections cost more CPU than they save time; at 30 messages a
# second and 150 ms a round trip, a few dozen are plenty. A request that waits for one is
# safe to retry (it never left).
CONNECTION_POOL = 48
POOL_TIMEOUT = 5.0
SURPLUS_ANSWERS = 2  # presses dropped in a flood answered at most this many at once
FLOOD_RATE = 30  # messages a second, Telegram's limit for a bot (SEND_RATE: this instance's)
RETRY_AFTER_TRIES = 3  # 429s waited out per call before giving up
# Calls that may be repeated without the person seeing anything twice.
IDEMPOTENT = frozenset({
    "editMessageText", "answerCallbackQuery", "deleteMessage", "deleteMessages",
    "setMyCommands", "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo",
})


class SlidingWindow:
    """At most `rate` messages in any `period` seconds, as Telegram counts them.

    A message counts from when its answer came back, and one in flight counts too: so the
    (rate+1)th starts a full period after the first was surely received, and however the
    network delays them, Telegram never sees more than `rate` in a period. PTB's default (a
    bucket of 30 refilled at 30 a second) lets up to 60 through in one second after a pause,
    and Telegram answers the surplus with 429; spacing every message 1/30 s apart would keep
    under the limit but hold back every reply.
    """

    def __init__(self, rate: int, period: float = 1.0) -> None:
        self._rate, self._period = rate, period
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._changed:
            while True:
                now = loop.time()
                while self._done and self._done[0] + self._period <= now:
                    self._done.popleft()
                if len(self._done) + self._in_flight < self._rate:
                    break
                wait = self._done[0] + self._period - now if self._done else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            self._in_flight += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self._in_flight -= 1
            self._done.append(asyncio.get_running_loop().time())
            self._changed.notify()


class FloodLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (429s waited out, every call paused meanwhile), with its overall
    limit as a sliding window of `rate` messages a second: FLOOD_RATE for one instance,
    its configured share (SEND_RATE) when several send for the same bot."""

    def __init__(self, rate: int = FLOOD_RATE) -> None:
        super().__init__(max_retries=RETRY_AFTER_TRIES)
        self._base_limiter = cast(Any, SlidingWindow(rate))


def rate_limiter(rate: int = FLOOD_RATE) -> AIORateLimiter:
    return FloodLimiter(rate)


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries what is safe to retry (see the module's docstring)."""

    def __init__(self, attempts: int = ATTEMPTS, backoff: float = BACKOFF) -> None:
        super().__init__(connection_pool_size=CONNECTION_POOL, pool_timeout=POOL_TIMEOUT)
        self._attempts = attempts
        self._backoff = backoff

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
                         write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Timeout = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                code, payload = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout)
            except TimedOut as exc:
                if last or not (endpoint in IDEMPOTENT or _never_sent(exc)):
                    raise  # the message may have been sent: never twice
                reason = "timeout"
            except NetworkError as exc:
                if last or not (endpoint in IDEMPOTENT or _never_sent(exc)):
                    raise
                reason = "network"
            else:
                if code < 500 or last:
                    return code, payload
                reason = "5xx"
            log.info("%s failed (%s); retry %d", endpoint, reason, attempt)
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))  # noqa: S311
        raise AssertionError("unreachable")  # the last attempt returns or raises


def _never_sent(exc: NetworkError) -> bool:
    """The request never left (no connection, or none free): repeating it cannot duplicate."""
    return isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout
                      | httpx.PoolTimeout)


class Keyboards:
    """InlineKeyboardMarkup per distinct rows of buttons, built once and reused.

    Screens come from immutable content, so the same rows recur for every reader; a new
    content version brings new rows and the old ones age out.
    """

    def __init__(self, size: int = 4096) -> None:
        self._made: OrderedDict[tuple[tuple[Button, ...], ...], InlineKeyboardMarkup] = \
            OrderedDict()
        self._size = size

    def markup(self, rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
        made = self._made.get(rows)
        if made is None:
            made = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                 for row in rows])
            self._made[rows] = made
            if len(self._made) > self._size:
                self._made.popitem(last=False)
        return made


class ShownScreens:
    """What each recent screen message shows, so an edit Telegram would refuse as "not
    modified" (a repeated press) is not sent at all. Memory only; lost on restart, when
    an edit is simply tried.

    Only for a single instance (size 0 turns it off): where several instances serve the
    same people, another may have edited the message since, and a skipped edit would leave
    the person looking at the wrong screen. There every edit is sent, and Telegram's "not
    modified" answer is taken as success."""

    def __init__(self, size: int = 50_000) -> None:
        self._shown: OrderedDict[tuple[int, int], Hashable] = OrderedDict()
        self._size = size

    def already(self, chat_id: int, message_id: int, screen: Hashable) -> bool:
        return self._size > 0 and self._shown.get((chat_id, message_id)) == screen

    def remember(self, chat_id: int, message_id: int, screen: Hashable) -> None:
        if not self._size:
            return
        self._shown[(chat_id, message_id)] = screen
        self._shown.move_to_end((chat_id, message_id))
        if len(self._shown) > self._size:
            self._shown.popitem(last=False)

    def forget(self, chat_id: int, message_id: int) -> None:
        self._shown.pop((chat_id, message_id), None)


class SurplusUpdates:
    """What is left to do for dropped and merged updates, kept cheap so a flood costs the
    others little: a press is still answered (no text, so no button keeps spinning), a few
    at a time; each is counted without who, written at most once a second, not as hundreds
    of commits everyone else waits behind."""

    def __init__(self, storage: Storage, today: Callable[[], date],
                 every: float = 1.0) -> None:
        self._storage = storage
        self._today = today
        self._every = every
        self._pending: list[UpdateDropped | UpdateMerged] = []
        self._writer: asyncio.Task[None] | None = None
        self._answering = asyncio.Semaphore(SURPLUS_ANSWERS)

    async def settle(self, update: object, surplus: Surplus) -> None:
        self.add(surplus)
        if not (isinstance(update, Update) and update.callback_query is not None):
            return
        async with self._answering:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:
                log.info("could not answer a %s press: %s", surplus.value, type(exc).__name__)

    def add(self, surplus: Surplus) -> None:
        self._pending.append(UpdateMerged() if surplus is Surplus.MERGED else UpdateDropped())
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_soon())

    async def _write_soon(self) -> None:
        await asyncio.sleep(self._every)
        self._writer = None
        await self.flush()

    async def flush(self) -> None:
        events, self._pending = self._pending, []
        if not events:
            return
        try:
            await self._storage.count(self._today(), events)
        except Exception as exc:  # a count lost is better than an error about a flood
            log.warning("could not count %d surplus updates: %s", len(events),
                        type(exc).__name__)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        await self.flush()


__all__ = ["IDEMPOTENT", "Keyboards", "RetryingRequest", "ShownScreens", "SurplusUpdates",
           "rate_limiter"]
