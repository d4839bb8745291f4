"""Faults injected through the fake Bot API: each is retried, waited out or taken as the
normal answer it is, and the person's reply still arrives afterwards."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.events import ScreenShown
from bot.session import Session
from bot.storage.sqlite import SqliteStorage
from tests.fakebotapi import FakeBotAPI, User

MENU_BUTTON = "🌐 Language"


@pytest.fixture
def patient(api: FakeBotAPI) -> None:
    """A retry waits its backoff (under half a second): the user waits that long for quiet."""
    api.quiet = 0.6


def sends_to(api: FakeBotAPI, user: User) -> int:
    return sum(1 for c in api.calls_of("sendMessage") if c.params["chat_id"] == str(user.id))


async def test_a_5xx_is_retried_and_the_screen_arrives(api: FakeBotAPI, run_bot, patient):
    async with run_bot():
        user = User(api, 11_001)
        await user.start("English")
        before = sends_to(api, user)
        api.fail_next["sendMessage"] = 2
        shown = len(user.chat)
        await user.send("/menu")
        assert len(user.chat) == shown + 1 and MENU_BUTTON in user.last.labels()
        assert sends_to(api, user) == before + 3  # two failures, then the one that worked
        assert not any("Sorry" in m.text for m in user.chat)


async def test_a_send_that_may_have_arrived_is_not_sent_twice(api: FakeBotAPI, run_bot, patient):
    async with run_bot():
        user = User(api, 11_002)
        await user.start("English")
        menus_before = sum(MENU_BUTTON in m.labels() for m in user.chat)
        api.drop_next["sendMessage"] = 1  # Telegram sent it, the answer was lost on the way
        await user.send("/menu")
        menus = [m for m in user.chat if MENU_BUTTON in m.labels()]
        assert len(menus) == menus_before + 1  # shown once, never repeated
        await user.send("/help")
        assert "/menu" in user.last.text  # and the next message is answered


async def test_an_edit_whose_answer_was_lost_is_retried(api: FakeBotAPI, run_bot, patient):
    async with run_bot():
        user = User(api, 11_003)
        await user.send("/start")
        api.drop_next["editMessageText"] = 1
        await user.tap("English")
        assert MENU_BUTTON in user.last.labels()
        assert len(api.calls_of("editMessageText")) == 2  # idempotent: tried again
        await user.tap(user.last.labels()[0])
        assert any(label.startswith("🏠") for label in user.last.labels())


async def test_a_429_on_send_is_waited_out(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11_004)
        await user.start("English")
        api.throttle_next["sendMessage"] = 1
        since, shown = len(api.calls), len(user.chat)
        await user.send("/menu")  # Telegram says "retry after 1": the rate limiter waits
        for _ in range(40):
            if len(user.chat) > shown:
                break
            await asyncio.sleep(0.1)
        await api.settle(since, user.id)
        assert MENU_BUTTON in user.last.labels()
        assert sum(MENU_BUTTON in m.labels() for m in user.chat) == 2  # picker's menu + this


async def test_a_user_who_blocked_the_bot_is_not_retried(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11_005)
        await user.start("English")
        api.blocked.add(user.id)
        before = sends_to(api, user)
        await user.send("/menu")
        assert sends_to(api, user) == before + 1
        api.blocked.discard(user.id)
        await user.send("/menu")
        assert MENU_BUTTON in user.last.labels()


async def test_ordinary_refusals_are_normal_paths(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11_006)
        await user.start("English")
        menu = user.last
        api.errors_next["answerCallbackQuery"] = [(400, "Bad Request: query is too old and "
                                                        "response timeout expired")]
        since = len(api.calls)
        query = f"q{api.new_message_id()}"
        api.push({"callback_query": {"id": query, "from": user._from(), "chat_instance": "ci",
                                     "data": menu.data_of(menu.labels()[0]),
                                     "message": api._message_json(user.id, menu)}})
        await api.settle(since, user.id)
        assert any(label.startswith("🏠") for label in user.last.labels())  # edited anyway
        api.errors_next["editMessageText"] = [(400, "Bad Request: message to edit not found")]
        await user.tap(user.last.labels()[0], on=user.last)
        assert user.last.message_id != menu.message_id  # sent anew at the bottom
        assert not any("Sorry" in m.text for m in user.chat)


async def test_a_press_that_changes_nothing_sends_no_edit(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11_007)
        await user.start("English")
        await user.tap(user.last.labels()[0])
        topic = user.last
        edits = len(api.calls_of("editMessageText"))
        data = topic.data_of(topic.labels()[-2])  # 🏠 Main menu
        await user.press(data, on=topic)
        assert MENU_BUTTON in user.last.labels()
        await user.press(data, on=user.last)  # a stuck client repeats it
        assert len(api.calls_of("editMessageText")) == edits + 1  # the repeat cost no edit
        assert not any(c.params.get("description") for c in api.calls_of("editMessageText"))


async def test_polling_survives_failing_get_updates(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11_008)
        api.fail_next["getUpdates"] = 3
        while api.fail_next["getUpdates"] == 3:  # the poll in flight ends; the next one fails
            await asyncio.sleep(0.05)
        await user.send("/start")  # PTB's loop retries getUpdates, with its backoff
        assert user.last.labels()[0] == "Русский"
        assert api.fail_next["getUpdates"] == 0


async def test_a_busy_database_is_retried(tmp_path: Path):
    path = tmp_path / "busy.sqlite3"
    async with SqliteStorage.open(path, busy_timeout_ms=20) as storage:
        await storage.record("p1", Session(lang="en"), date(2026, 11, 28), [])
        other = sqlite3.connect(path, check_same_thread=False)
        other.execute("BEGIN EXCLUSIVE")
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, other.rollback)  # a backup that lets go shortly
        await storage.record("p1", Session(lang="kk"), date(2026, 11, 28),
                             [ScreenShown("main", "kk")])
        loaded = await storage.load_session("p1")
        assert loaded is not None and loaded.lang == "kk"
        other.execute("BEGIN EXCLUSIVE")  # one that never lets go: a bounded wait, an error
        with pytest.raises(sqlite3.OperationalError):
            await storage.record("p1", Session(lang="ru"), date(2026, 11, 28), [])
        other.rollback()
        other.close()
        loaded = await storage.load_session("p1")
        assert loaded is not None and loaded.lang == "kk"
