"""Updates from different people run at once; one person's updates run strictly in order.

PTB's BaseUpdateProcessor.process_update holds its semaphore around do_process_update, so
an update that merely waits for its chat's turn would keep a global slot, and a few
flooding chats could fill them all. Here PTB's semaphore is only a generous waiting room;
the real slots are our own, taken when the chat's turn comes, so waiting costs no one else.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_QUEUED_PER_CHAT = 8  # in flight plus waiting, per chat
MAX_CONCURRENT = 64  # updates being handled at once, over all chats
WAITING_ROOM = 100_000  # PTB's own bound: updates held in memory before the fetcher waits


class Surplus(Enum):
    DROPPED = "dropped"  # the chat already had MAX_QUEUED_PER_CHAT updates waiting
    MERGED = "merged"  # the same press on the same message was already waiting


OnSurplus = Callable[[object, Surplus], Awaitable[None]]


async def _ignore(update: object, surplus: Surplus) -> None:
    return None


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0  # in flight plus waiting
    waiting_presses: Counter[Hashable] = field(default_factory=Counter)


class PerChatOrder(BaseUpdateProcessor):
    """A queue per chat; a global slot only for the update whose turn it is.

    What a chat sends past MAX_QUEUED_PER_CHAT is dropped, and a press repeated while the
    same press still waits is merged; either way `on_surplus` hears of it, so a press is
    still answered (no spinning button) and the drop is counted.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT,
                 max_queued_per_chat: int = MAX_QUEUED_PER_CHAT,
                 on_surplus: OnSurplus = _ignore) -> None:
        super().__init__(WAITING_ROOM)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._max_queued = max_queued_per_chat
        self._on_surplus = on_surplus
        self._chats: dict[int, _Chat] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        chat = self._chats.setdefault(key, _Chat())
        press = _press_of(update)
        if press is not None and chat.waiting_presses[press]:
            await self._refuse(update, coroutine, Surplus.MERGED)
            return
        if chat.queued >= self._max_queued:
            await self._refuse(update, coroutine, Surplus.DROPPED)
            return
        chat.queued += 1
        if press is not None:
            chat.waiting_presses[press] += 1
        waiting = press is not None
        try:
            async with chat.lock:
                if press is not None:
                    chat.waiting_presses[press] -= 1
                    waiting = False
                async with self._slots:
                    await coroutine
        finally:
            if waiting:  # cancelled before its turn
                chat.waiting_presses[press] -= 1
            chat.queued -= 1
            if not chat.queued:  # forget idle chats so the table stays small
                del self._chats[key]

    async def _refuse(self, update: object, coroutine: Awaitable[Any], surplus: Surplus) -> None:
        if asyncio.iscoroutine(coroutine):
            coroutine.close()
        await self._on_surplus(update, surplus)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


def _press_of(update: object) -> Hashable | None:
    """What makes two presses the same: the button's data on the same message."""
    if isinstance(update, Update) and update.callback_query is not None:
        query = update.callback_query
        return (query.data, query.message.message_id if query.message else None)
    return None
