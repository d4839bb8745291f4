"""What a person in trouble needs beyond the tree, through the real Application: safe exit,
forget, urgent help, contacts, "was this helpful?", deep links, anything that is not text."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

from bot.commands import COMMANDS, Who
from tests.conftest import ADMINS
from tests.fakebotapi import DELETE_WINDOW, FakeBotAPI, User

LOCATION = {"latitude": 43.238949, "longitude": 76.889709}
PHONE_CONTACT = {"phone_number": "+77011234567", "first_name": "Aigul"}


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


async def fill_a_chat(user: User, api: FakeBotAPI, messages: int) -> None:
    await user.start("English")
    await user.send(None, location=LOCATION)
    number = 0
    while len(api.everything(user.id)) < messages:
        number += 1
        await user.send(f"question number {number}")


async def test_safe_exit_clears_a_50_message_chat_and_forgets_the_person(api: FakeBotAPI,
                                                                          run_bot):
    async with run_bot():
        user = User(api, 11001)
        await fill_a_chat(user, api, 50)
        before = api.everything(user.id)
        assert len(before) >= 50 and any(not m.from_bot for m in before)
        await user.tap("Exit", on=user.last)
        left = api.everything(user.id)
        assert len(left) == 1 and left[0].from_bot
        assert left[0].text.startswith("Done.")
        assert "Kömek" not in left[0].text and "asylum" not in left[0].text.lower()
        assert "Clear history" in left[0].text  # how to remove what is older than 48 hours
        assert left[0].buttons == []
        assert len(api.calls_of("deleteMessages")) == 1  # one batch, not 50 calls
    assert rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert ("exit", 1) in rows(run_bot.db_path, "SELECT kind, n FROM counters")


async def test_exit_survives_telegram_refusals(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 11002)
        await fill_a_chat(user, api, 12)
        old = api.everything(user.id)[0]
        old.date -= DELETE_WINDOW  # the first message is now too old to delete
        api.fail_next["deleteMessages"] = 3  # the batch call fails, retries too: one by one
        api.quiet = 0.6  # past the retries' backoff
        await user.send("/exit")
        left = api.everything(user.id)
        assert left[0].message_id == old.message_id
        assert left[-1].text.startswith("Done.") and len(left) == 2
        assert api.calls_of("deleteMessage")  # the fallback ran

        blocked = User(api, 11003)
        await blocked.start("English")
        api.blocked.add(blocked.id)
        since = len(api.calls)
        blocked_update = blocked.send("выход")
        await blocked_update
        assert any(c.method == "deleteMessages" for c in api.calls[since:])
    assert rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions") == [(0,)]


async def test_exit_words_leave_but_questions_about_leaving_are_searched(api: FakeBotAPI,
                                                                         run_bot):
    async with run_bot():
        for number, word in enumerate(("Exit", "ВЫХОД!", "выйти", "Шығу", "chiqish",
                                       "чиқиш", "stop")):
            user = User(api, 11100 + number)
            await user.start("English")
            await user.send(word)
            assert [m.text[:5] for m in api.everything(user.id)] == ["Done."], word
        for number, question in enumerate(("елден шығу", "выход из гражданства",
                                           "how do I exit Kazakhstan")):
            user = User(api, 11200 + number)
            await user.start("English")
            await user.send(question)
            assert len(api.everything(user.id)) > 2, question  # nothing deleted
            assert "Urgent help" in " ".join(user.last.labels())  # a search answer
    sessions = rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions")
    assert sessions == [(3,)]  # only the three who asked questions are still known


async def test_forget_asks_once_then_leaves_no_row(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 12001)
        await user.start("English")
        await user.send("/forget")
        assert "Delete everything" in user.last.text
        await user.tap("No, keep")
        assert rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions") == [(1,)]
        await user.send("/forget")
        await user.tap("Yes, delete")
        assert user.last.text.startswith("<b>Deleted.</b>")
        assert "language" in user.last.text and "message numbers" in user.last.text
        assert rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions") == [(0,)]
        await user.send("/start")
        assert "Choose your language" in user.last.text  # a first contact again
        await user.send("/forget")  # before a language is chosen, the bot speaks Russian
        await user.tap("Да, удалить")
    assert rows(run_bot.db_path, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert ("forget", 2) in rows(run_bot.db_path, "SELECT kind, SUM(n) FROM counters "
                                                  "GROUP BY kind")


async def test_urgent_from_anywhere_even_before_a_language(api: FakeBotAPI, run_bot,
                                                           real_content):
    urgent = real_content.current.tree.urgent
    async with run_bot():
        user = User(api, 13001)
        await user.send("/urgent")
        assert "+7 727 258 45 98" in user.last.text  # the phone first, before any choice
        assert "🏠 Главное меню" in user.last.labels()  # in Russian
        await user.tap("🌐 Язык · Тіл · Til · Language")
        await user.tap("English")
        assert "Call UNHCR now" in user.last.text  # still the urgent screen, now in English
        await user.send("/menu")
        first = user.last.buttons[0][0]
        assert first["text"].startswith("🆘") and first["callback_data"] == f"1:go:{urgent}"
        await user.send("/contacts")
        await user.send("/urgent")
        assert "Call UNHCR now" in user.last.text


async def test_contacts_by_need(api: FakeBotAPI, run_bot, real_content):
    contacts = real_content.current.tree.contacts
    async with run_bot():
        user = User(api, 14001)
        await user.start("English")
        await user.send("/contacts")
        assert user.last.labels()[:4] == ["Asylum and refugees", "Work and stay",
                                          "Abuse, exploitation, police", "A lawyer, legal aid"]
        await user.tap("Asylum and refugees")
        assert "UNHCR" in user.last.text and "☎ +7 727 258 45 98" in user.last.text
        assert "Taken on" in user.last.text
        unreachable = [c.name for c in contacts.values() if not c.reachable]
        assert not [name for name in unreachable if name in user.last.text]
        await user.tap("Back")
        await user.tap("Abuse, exploitation, police")
        assert "1424" in user.last.text
        assert not [name for name in unreachable if name in user.last.text]
        await user.tap("Back")
        await user.tap("A lawyer, legal aid")
        assert "bureau.kz" in user.last.text


async def test_helpful_counts_one_vote_changed_at_most_once(api: FakeBotAPI, run_bot,
                                                            real_content):
    link = next(n.deeplink for n in real_content.current.tree.nodes.values()
                if n.deeplink and n.is_answer)
    async with run_bot():
        user = User(api, 15001)
        await user.start("English")
        await user.send(f"/start {link}")
        answer = user.last
        assert "👍 Helpful" in answer.labels()
        node = answer.data_of("Helpful").split(":")[2]
        await user.tap("Helpful", on=answer)
        assert "✓ 👍 Helpful" in user.last.labels()
        await user.tap("Helpful", on=user.last, toast_only=True)  # the same: not counted again
        await user.tap("Not helpful", on=user.last)  # a change of mind, once
        assert not any("Helpful" in label for label in user.last.labels())
        toasts = [c.params.get("text") for c in api.calls_of("answerCallbackQuery")]
        assert toasts[-3:] == ["Thank you."] * 3
    counted = rows(run_bot.db_path, "SELECT kind, node, lang, extra, n FROM counters "
                                    "WHERE kind LIKE 'helpful%' ORDER BY kind, extra")
    assert counted == [("helpful", node, "en", "no", 1), ("helpful", node, "en", "yes", 1),
                       ("helpful_withdrawn", node, "en", "yes", 1)]


async def test_every_press_and_command_is_answered(api: FakeBotAPI, run_bot):
    async with run_bot():
        user = User(api, 16001)
        await user.start("English")  # User.press asserts each press got answerCallbackQuery
        for command in ("/help", "/menu", "/contacts", "/urgent", "/language", "/nonsense",
                        "/reload", "/start nowhere-at-all"):
            await user.send(command)
            screen = copy.deepcopy(user.last)  # the buttons as the phone showed them
            assert screen.labels(), command
            for label in screen.labels()[:2]:
                await user.tap(label, on=screen)
        assert "Sorry" not in user.last.text
        await user.send("/language")
        await user.tap("English")
        await user.send("/start nowhere-at-all")  # an unknown deep link: the main menu
        assert any(label.startswith("🆘") for label in user.last.labels())
        await user.send("/reload")  # not an admin: the ordinary unknown-command answer
        assert "I do not know that command" in user.last.text


async def test_anything_that_is_not_text_gets_a_kind_answer_and_is_not_kept(api: FakeBotAPI,
                                                                            run_bot):
    async with run_bot():
        user = User(api, 17001)
        await user.start("English")
        for kind, value in (("location", LOCATION), ("contact", PHONE_CONTACT),
                            ("voice", {"file_id": "v", "file_unique_id": "v", "duration": 2}),
                            ("dice", {"emoji": "🎲", "value": 3}),
                            ("photo", [{"file_id": "p", "file_unique_id": "p", "width": 1,
                                        "height": 1}])):
            await user.send(None, **{kind: value})
            assert "I read buttons and typed words only" in user.last.text, kind
            assert any(label.startswith("🆘") for label in user.last.labels())
    counted = dict(rows(run_bot.db_path, "SELECT extra, n FROM counters WHERE kind = "
                                         "'non_text'"))
    assert counted == {"location": 1, "contact": 1, "voice": 1, "dice": 1, "photo": 1}
    raw = b"".join(p.read_bytes() for p in run_bot.db_path.parent.glob("komek.sqlite3*"))
    for needle in (b"43.238", b"76.889", b"7011234567", b"Aigul"):
        assert needle not in raw


async def test_help_command_menus_and_registry_agree(api: FakeBotAPI, run_bot):
    public = [spec.name for spec in COMMANDS if spec.who is Who.EVERYONE]
    admin = [spec.name for spec in COMMANDS if spec.who is Who.ADMINS]
    async with run_bot():
        calls = api.calls_of("setMyCommands")
        menus = {c.params.get("language_code"): json.loads(c.params["commands"])
                 for c in calls if "scope" not in c.params}
        assert set(menus) == {None, "ru", "kk", "uz", "en"}
        (for_admin,) = [c for c in calls if "scope" in c.params]
        assert json.loads(for_admin.params["scope"]) == {"type": "chat",
                                                         "chat_id": next(iter(ADMINS))}
        assert [c["command"] for c in json.loads(for_admin.params["commands"])] == \
            public + admin
        user = User(api, 18001)
        await user.send("/start")
        for lang, button in (("ru", "Русский"), ("kk", "Қазақ тілі"), ("uz", "Oʻzbekcha"),
                             ("en", "English")):
            assert [c["command"] for c in menus[lang]] == public, lang
            await user.send("/language")
            await user.tap(button)
            await user.send("/help")
            shown = [line.split(" — ")[0][1:] for line in user.last.text.splitlines()
                     if line.startswith("/")]
            assert shown == public, lang
            for command in menus[lang]:
                assert f"/{command['command']} — {command['description']}" in user.last.text
            for name in admin:
                assert f"/{name}" not in user.last.text
