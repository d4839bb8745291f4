from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update, User

from bot.channels.ordering import MAX_QUEUED_PER_CHAT, PerChatOrder


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    user = User(chat_id, "x", is_bot=False)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="t"))  # type: ignore[arg-type]


async def test_one_chat_in_order_many_chats_at_once():
    processor = PerChatOrder(64)
    log: list[tuple[int, int]] = []
    running = 0
    most = 0

    async def work(chat_id: int, number: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(random.uniform(0, 0.01))
        log.append((chat_id, number))
        running -= 1

    jobs = []
    for number in range(MAX_QUEUED_PER_CHAT):
        for chat_id in (1, 2, 3):
            jobs.append(processor.process_update(update(number, chat_id),
                                                 work(chat_id, number)))
    await asyncio.gather(*jobs)
    for chat_id in (1, 2, 3):
        assert [n for c, n in log if c == chat_id] == list(range(MAX_QUEUED_PER_CHAT))
    assert most >= 2  # different chats overlapped


async def test_a_flood_from_one_chat_is_cut_and_others_still_run():
    processor = PerChatOrder(64)
    done: list[int] = []
    release = asyncio.Event()

    async def slow(number: int) -> None:
        await release.wait()
        done.append(number)

    flood = [asyncio.create_task(processor.process_update(update(n, 9), slow(n)))
             for n in range(40)]
    await asyncio.sleep(0.01)
    other = []

    async def quick() -> None:
        other.append(1)

    await asyncio.wait_for(processor.process_update(update(99, 10), quick()), timeout=1)
    assert other == [1]
    release.set()
    await asyncio.gather(*flood)
    assert done == list(range(MAX_QUEUED_PER_CHAT))
