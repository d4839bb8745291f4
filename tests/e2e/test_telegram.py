"""The real PTB Application against the fake Bot API on 127.0.0.1, played like a person."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from bot import logs
from tests.conftest import ROOT
from tests.fakebotapi import TOKEN, FakeBotAPI, User

LANG_BUTTON = {"ru": "Русский", "kk": "Қазақ тілі", "uz": "Oʻzbekcha", "en": "English"}


async def walk_to_an_answer(user: User) -> None:
    """From the main menu, take the first choice until a screen cites its sources."""
    for _ in range(8):
        labels = user.last.labels()
        nav = {"◀", "🏠", "🌐", "✖", "👍", "👎", "✓"}
        choices = [label for label in labels if label[:1] not in nav]
        await user.tap(choices[0], on=user.last)
        if "Sources" in user.last.text or ("<b>" in user.last.text and "2026" in user.last.text):
            return
    raise AssertionError("no sourced answer within 8 taps")


async def test_a_new_user_walks_from_the_picker_to_a_sourced_answer(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 1001)
        await user.send("/start")
        assert "Choose your language" in user.last.text
        assert user.last.labels() == ["Русский", "Қазақ тілі", "Oʻzbekcha", "English",
                                      "✖ Выход · Шығу · Chiqish · Exit"]
        await user.tap("English")
        assert "🌐 Language" in user.last.labels()
        picker_and_menu = len(user.chat)
        await walk_to_an_answer(user)
        assert "Last reviewed:" in user.last.text
        assert user.last.parse_mode == "HTML"
        assert len(user.chat) == picker_and_menu  # button presses edit the screen in place
        assert user.last.labels()[-3:] == ["◀ Back", "🏠 Main menu", "✖ Exit"]


async def test_each_language_reaches_an_answer(api: FakeBotAPI, run_bot):
    async with run_bot():
        for offset, lang in enumerate(("ru", "kk", "uz", "en")):
            user = User(api, 2000 + offset)
            await user.start(LANG_BUTTON[lang])
            await walk_to_an_answer(user)
            assert any(label.startswith("🏠") for label in user.last.labels())


async def test_restart_keeps_the_language_and_old_buttons_work(api: FakeBotAPI, run_bot):
    user = User(api, 3001)
    async with run_bot():
        await user.start("English")
        menu = user.last
        await user.tap(menu.labels()[0], on=menu)
        old_screen = user.last
        first_choice = old_screen.labels()[0]
        old_data = old_screen.data_of(first_choice)
    async with run_bot():  # a new process would see the same database file
        await user.send("/menu")
        assert "🌐 Language" in user.last.labels()  # no language picker: remembered
        await user.press(old_data, on=old_screen)
        assert user.last.labels()[-3:] == ["◀ Back", "🏠 Main menu", "✖ Exit"]
        assert "Sorry" not in user.last.text


async def test_junk_is_answered_kindly(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 4001)
        await user.start("Русский")
        await user.send("x" * 10_000)  # read as a question: search answers it
        assert any(label.startswith("🏠") for label in user.last.labels())
        assert any(label.startswith("🆘") for label in user.last.labels())
        await user.send(None, sticker={"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                                       "width": 512, "height": 512, "is_animated": False,
                                       "is_video": False})
        await user.send(None, voice={"file_id": "v1", "file_unique_id": "u2", "duration": 3})
        assert user.last.labels()  # still a screen with a way on
        for data in ("1:go:does-not-exist", "garbage", "1:lang:xx", "💥" * 16):
            await user.press(data, on=user.last)
            assert user.last.labels(), data
        assert not any("Traceback" in m.text for m in user.chat)
        assert not any("Sorry, something went wrong" in m.text for m in user.chat)


async def test_the_database_holds_no_user_id_and_no_typed_text(api: FakeBotAPI, run_bot):
    secret_text = "my name is Dilshod, phone +998901234567"
    async with run_bot():
        user = User(api, 987654321)
        await user.start("Oʻzbekcha")
        await user.send(secret_text)
    db_path: Path = run_bot.db_path
    con = sqlite3.connect(db_path)
    try:
        dump = "\n".join(con.iterdump())
    finally:
        con.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("komek.sqlite3*"))
    for needle in ("987654321", "Dilshod", "+998901234567"):
        assert needle not in dump
        assert needle.encode() not in raw
    assert "uz" in dump  # the session itself was stored


async def test_users_are_served_concurrently_each_in_order(api: FakeBotAPI, run_bot):
    async with run_bot():
        users = [User(api, 5000 + i) for i in range(5)]
        await asyncio.gather(*(u.send("/start") for u in users))
        await asyncio.gather(*(u.tap("English") for u in users))
        for user in users:
            assert "🌐 Language" in user.last.labels()


async def test_a_telegram_failure_is_survived(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 6001)
        await user.start("English")
        api.fail_next["sendMessage"] = 3  # every attempt fails: the error boundary answers
        api.quiet = 0.6  # past the retries' backoff
        await user.send("/menu")
        assert user.last.text == ("Sorry, something went wrong on our side. Please try again, "
                                  "or send /menu.")
        await user.send("/menu")
        assert "🌐 Language" in user.last.labels()


async def test_flood_control_is_waited_out(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 6002)
        await user.send("/start")
        api.throttle_next["editMessageText"] = 1
        await user.tap("English")  # Telegram says "retry after 1": the rate limiter retries
        for _ in range(40):
            if len(api.calls_of("editMessageText")) == 2:
                break
            await asyncio.sleep(0.1)
        await api.settle(len(api.calls) - 1)
        assert "🌐 Language" in user.last.labels()
        edits = api.calls_of("editMessageText")
        assert len(edits) == 2 and edits[0].params == edits[1].params


async def test_command_menus_in_each_language_match_help(api: FakeBotAPI, run_bot):
    async with run_bot():
        menus = {c.params.get("language_code"): json.loads(c.params["commands"])
                 for c in api.calls_of("setMyCommands") if "scope" not in c.params}
        assert set(menus) == {None, "ru", "kk", "uz", "en"}
        assert menus[None] == menus["en"]
        user = User(api, 6003)
        await user.send("/start")
        for lang in ("ru", "kk", "uz", "en"):
            await user.send("/language")
            await user.tap(LANG_BUTTON[lang])
            await user.send("/help")
            for command in menus[lang]:
                assert f"/{command['command']} — {command['description']}" in user.last.text


async def test_logs_hold_no_user_data(api: FakeBotAPI, run_bot, caplog):
    logs.configure()  # what `komek run` does
    caplog.set_level(logging.DEBUG, logger="bot")
    async with run_bot():
        user = User(api, 55501234)
        await user.start("Русский")
        await user.send("Меня зовут Азамат, паспорт AB1234567")
        api.fail_next["sendMessage"] = 3  # past the retries: the error boundary logs
        await user.send("/menu")
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    for needle in ("55501234", "Азамат", "AB1234567", "TEST-token"):
        assert needle not in logged


async def test_sigterm_stops_the_bot_cleanly(api: FakeBotAPI, tmp_path: Path):
    env = {**os.environ, "BOT_TOKEN": TOKEN, "BOT_API_URL": api.base_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'komek.sqlite3'}",
           "CONTENT_DIR": str(ROOT / "content"), "LOCALES_DIR": str(ROOT / "locales")}
    env.pop("PSEUDONYM_SECRET", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await asyncio.wait_for(api.polled.wait(), timeout=30)
    user = User(api, 7001)
    await user.send("/start")
    assert user.last.labels()[0] == "Русский"
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    secret_file = tmp_path / "db" / "pseudonym.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert "7001" not in stderr.decode()


async def test_a_flood_from_one_user_does_not_stall_others(api: FakeBotAPI, run_bot):
    async with run_bot():
        flooder = User(api, 9001)
        await flooder.start("English")
        for n in range(60):
            api.push({"message": {"message_id": api.new_message_id(), "date": 1_790_000_000,
                                  "chat": {"id": 9001, "type": "private"},
                                  "from": {"id": 9001, "is_bot": False, "first_name": "F"},
                                  "text": f"spam {n}"}})
        other = User(api, 9002)
        await other.send("/start")
        assert other.last.labels()[0] == "Русский"
        await api.settle(0, 9001)
        answers = [c for c in api.calls_of("sendMessage") if c.params["chat_id"] == "9001"]
        assert 1 <= len(answers) <= 60
        await flooder.send("/menu")
        assert "🌐 Language" in flooder.last.labels()


async def test_a_screen_that_cannot_be_edited_is_sent_anew(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 9101)
        await user.start("English")
        menu = user.last
        api.too_old_to_edit.add(menu.message_id)
        await user.tap(menu.labels()[0], on=menu)
        assert user.last.message_id != menu.message_id  # a new message at the bottom
        assert any(label.startswith("🏠") for label in user.last.labels())
        assert "🌐 Language" in menu.labels()  # the old one is left as it was
        await user.send("/menu")
        await user.tap(user.last.labels()[0])  # the new screen edits in place again
        assert api.calls_of("editMessageText")[-1].params["message_id"] == \
            str(user.last.message_id)
