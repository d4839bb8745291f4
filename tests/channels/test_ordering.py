from __future__ import annotations

import asyncio
import random

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.channels.ordering import MAX_QUEUED_PER_CHAT, PerChatOrder, Surplus


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


def press(update_id: int, chat_id: int, data: str, message_id: int = 1) -> Update:
    chat = Chat(chat_id, "private")
    user = User(chat_id, "x", is_bot=False)
    shown = Message(message_id, None, chat, text="screen")  # type: ignore[arg-type]
    return Update(update_id, callback_query=CallbackQuery(f"q{update_id}", user, "ci",
                                                          message=shown, data=data))


async def test_waiting_updates_hold_no_global_slot():
    processor = PerChatOrder(max_concurrent_updates=2)
    release = asyncio.Event()

    async def stuck() -> None:
        await release.wait()

    flood = [asyncio.create_task(processor.process_update(update(n, 9), stuck()))
             for n in range(MAX_QUEUED_PER_CHAT)]
    await asyncio.sleep(0.01)  # one in flight (one slot), seven waiting for their turn
    ran = []

    async def quick() -> None:
        ran.append(1)

    await asyncio.wait_for(processor.process_update(update(99, 10), quick()), timeout=1)
    assert ran == [1]
    release.set()
    await asyncio.gather(*flood)


async def test_surplus_is_reported_dropped_or_merged():
    heard: list[tuple[int, Surplus]] = []

    async def on_surplus(update: object, surplus: Surplus) -> None:
        assert isinstance(update, Update)
        heard.append((update.update_id, surplus))

    processor = PerChatOrder(on_surplus=on_surplus)
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    jobs = [asyncio.create_task(processor.process_update(press(0, 5, "1:go:main"), slow()))]
    await asyncio.sleep(0.01)  # in flight: a repeat of it now waits behind it
    jobs += [asyncio.create_task(processor.process_update(press(n, 5, "1:go:work"), slow()))
             for n in (1, 2, 3)]
    jobs += [asyncio.create_task(processor.process_update(update(n, 5), slow()))
             for n in range(4, 4 + MAX_QUEUED_PER_CHAT)]
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*jobs)
    assert heard[:2] == [(2, Surplus.MERGED), (3, Surplus.MERGED)]
    dropped = [n for n, s in heard if s is Surplus.DROPPED]
    assert dropped == list(range(4 + MAX_QUEUED_PER_CHAT - 2, 4 + MAX_QUEUED_PER_CHAT))
