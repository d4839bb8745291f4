from __future__ import annotations

from dataclasses import replace

from bot.actions import MAX_BYTES
from bot.content import Content
from bot.conversation import Command, Other, Press, Text, parse_command, respond
from bot.events import Fallback, Searched, SearchFoundNothing, StaleButton
from bot.screens import PICKER_TEXT, Screen, Show
from bot.session import Session
from tests.conftest import TODAY


def talk(content: Content, session: Session, message) -> tuple[Session, Screen]:
    reply = respond(content, session, message, TODAY)
    assert len(reply.screens) == 1 and reply.session is not None
    return reply.session, reply.screens[0]


def press(screen: Screen, label: str, session: Session) -> Press:
    for button in screen.buttons_flat():
        if button.label == label or button.label.endswith(" " + label):
            return Press(button.data, session.screen_message)
    raise AssertionError(f"no {label!r} in {[b.label for b in screen.buttons_flat()]}")


def test_first_contact_shows_the_language_picker(content):
    session, screen = talk(content, Session(), Command("start"))
    assert screen.text == PICKER_TEXT
    assert [b.label for b in screen.buttons_flat()] == ["Русский", "Қазақ тілі", "O‘zbek",
                                                         "English",
                                                         "✖ Выход · Шығу · Chiqish · Exit"]
    assert session.lang is None


def test_any_input_before_a_language_gets_the_picker(content):
    for message in (Text("hello"), Other("sticker"), Command("menu"), Press("1:go:topic")):
        _, screen = talk(content, Session(), message)
        assert screen.text == PICKER_TEXT


def test_choosing_a_language_opens_the_main_menu_in_it(content):
    session, picker = talk(content, Session(), Command("start"))
    session, screen = talk(content, session, press(picker, "Русский", session))
    assert session.lang == "ru"
    assert "Добро пожаловать" in screen.text
    assert [b.label for b in screen.buttons_flat()] == ["Тема", "🌐 Language", "✖ Exit"]


def test_walk_to_an_answer_back_and_menu(content):
    session = Session(lang="en", node="main")
    session, screen = talk(content, session, Command("menu"))
    session, screen = talk(content, session, press(screen, "Topic", session))
    session, screen = talk(content, session, press(screen, "About A", session))
    assert screen.node == "topic-a"
    assert "<b>Do A within 5 days.</b>" in screen.text
    assert "• first step" in screen.text
    assert 'A Law "On Things" No. 1 of 1 January 2020</a>, art. 10(1)' in screen.text
    assert "Last reviewed: November 1, 2026" in screen.text
    assert "☎ +7 700 000 00 00" in screen.text
    assert session.stack == ("main", "topic")
    session, screen = talk(content, session, press(screen, "Back", session))
    assert screen.node == "topic" and session.stack == ("main",)
    session, screen = talk(content, session, press(screen, "Main menu", session))
    assert screen.node == "main" and session.stack == ()


def test_every_screen_but_the_main_menu_has_back_and_main_menu(content):
    for node_id in content.tree.nodes:
        session = Session(lang="en", node="main")
        _, screen = talk(content, session, Press(f"1:go:{node_id}"))
        labels = [b.label for b in screen.buttons_flat()]
        if node_id == "main":
            assert "🌐 Language" in labels
        else:
            assert labels[-3:] == ["◀ Back", "🏠 Main menu", "✖ Exit"]


def test_a_button_on_an_old_message_goes_where_it_names(content):
    session = Session(lang="en", node="topic-b", stack=("main", "topic", "topic-a"))
    session, screen = talk(content, session, Press("1:go:topic-a"))
    assert screen.node == "topic-a"


def test_back_on_an_old_message_goes_to_that_screens_parent(content):
    session = Session(lang="en", node="main")
    session, screen = talk(content, session, Press("1:back:topic-b"))
    assert screen.node == "topic"


def test_a_button_to_a_node_that_is_gone_says_the_menu_was_updated(content):
    reply = respond(content, Session(lang="en", node="topic"), Press("1:go:vanished"),
                    TODAY)
    assert reply.toast == "This menu was updated."
    assert "This menu was updated. Here is the main menu." in reply.screens[0].text
    assert reply.screens[0].node == "main"
    assert StaleButton() in reply.events


def test_forged_button_data_is_answered_not_crashed(content):
    for data in ("", "x", "1:go:", "1:go:../../etc", "2:go:main", "1:lang:xx",
                 "1:go:" + "a" * 100, "💥" * 40, "1:back", "1:menu:extra"):
        reply = respond(content, Session(lang="en", node="topic"), Press(data), TODAY)
        assert reply.screens[0].node == "main", data
        assert "does not work any more" in reply.screens[0].text


def test_button_data_fits_telegrams_64_bytes(content):
    session = Session(lang="en")
    for node_id in content.tree.nodes:
        _, screen = talk(content, session, Press(f"1:go:{node_id}"))
        assert all(len(b.data.encode()) <= MAX_BYTES for b in screen.buttons_flat())


def test_a_deep_link_before_the_language_is_kept_until_it_is_chosen(content):
    session, picker = talk(content, Session(), Command("start", "about_a"))
    assert session.pending == "topic-a"
    session, screen = talk(content, session, press(picker, "English", session))
    assert screen.node == "topic-a" and session.pending is None


def test_typed_text_is_a_question_and_is_not_kept(content):
    secret = "my passport number is 123"
    session = Session(lang="en", node="topic")
    reply = respond(content, session, Text(secret), TODAY)
    assert reply.screens[0].text.startswith("I did not find an answer")
    assert reply.session == session  # where the reader was, unchanged
    assert reply.events == (Searched("en"), SearchFoundNothing("en"))
    assert secret not in repr(reply)


def test_a_missing_translation_falls_back_and_says_so(content):
    session = Session(lang="kk", node="main")
    reply = respond(content, session, Press("1:go:topic"), TODAY)
    screen = reply.screens[0]
    assert "Это про <i>А</i>" in screen.text  # Kazakh is missing: Russian is next
    assert "About B" in [b.label for b in screen.buttons_flat()]  # fuzzy in Russian: English
    assert screen.fallback == "en"
    assert "shown in English" in screen.text
    assert Fallback("topic", "kk", "en") in reply.events


def test_a_fuzzy_translation_is_never_shown(content):
    reply = respond(content, Session(lang="ru", node="main"), Press("1:go:topic"), TODAY)
    labels = [b.label for b in reply.screens[0].buttons_flat()]
    assert "Про Б (старое)" not in labels and "About B" in labels


def test_an_answer_past_its_review_date_warns_the_reader(content):
    _, screen = talk(content, Session(lang="en"), Press("1:go:topic-b"))
    assert "due for a new check" in screen.text


def test_pressing_the_current_screens_button_edits_it(content):
    session = Session(lang="en", node="main", screen_message=41)
    reply = respond(content, session, Press("1:go:topic", 41), TODAY)
    assert reply.screens[0].show is Show.EDIT
    reply = respond(content, session, Press("1:go:topic", 7), TODAY)
    assert reply.screens[0].show is Show.SEND


def test_language_command_and_help(content):
    session = Session(lang="en", node="topic")
    _, screen = talk(content, session, Command("language"))
    assert screen.text == PICKER_TEXT
    _, screen = talk(content, session, Command("help"))
    assert "/menu" in screen.text and "/language" in screen.text
    _, screen = talk(content, session, Command("nonsense"))
    assert "I do not know that command" in screen.text


def test_back_stack_is_bounded(content):
    session = Session(lang="en", node="main")
    for _ in range(30):
        session = replace(session).visit("topic").visit("topic-a")
    assert len(session.stack) <= 20


def test_parse_command():
    assert parse_command("/start@KomekBot work_permit") == Command("start", "work_permit")
    assert parse_command("hello") is None
