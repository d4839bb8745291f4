"""The pure parts of issue 9: exit words, button data, labels, notices, the command registry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import commands
from bot.actions import Back, Contacts, Exit, Forget, Go, Menu, Rate, encode, parse_action
from bot.content import Content
from bot.conversation import Command, DeleteMessages, Other, Press, Text, respond
from bot.events import EVENT_TYPES, Kind, NonTextKind, SafeExit, Vote
from bot.exitwords import is_exit_word
from bot.screens import MAX_TEXT, shorten, telegram_length
from bot.session import DELETE_WINDOW, Session
from bot.tree.model import Need, Tree
from tests.conftest import TODAY

EXITS = ["exit", "Exit", "EXIT!", " stop. ", "Выход", "ВЫХОД", "выйти", "выход!!", "шығу",
         "Шыгу", "shygu", "chiqish", "Chiqish.", "чиқиш", "Чикиш", "vyhod", "✖ Exit", "quit"]
QUESTIONS = ["елден шығу", "выход из гражданства", "how to exit Kazakhstan", "exit visa",
             "stop deportation", "chiqish vizasi", "выйти замуж", "exited", "выходной"]


@pytest.mark.parametrize("text", EXITS)
def test_exit_words_in_four_languages(text: str):
    assert is_exit_word(text)


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_about_leaving_are_not_exits(text: str):
    assert not is_exit_word(text)


def test_an_exit_word_leaves_at_once_even_before_a_language(content: Content):
    session = Session(recent_messages=((5, 100), (6, 101)))
    reply = respond(content, session, Text("Выход"), TODAY)
    assert reply.session is None
    assert reply.effects == (DeleteMessages((5, 6)),)
    assert reply.events == (SafeExit(),)
    assert reply.screens[0].buttons == () and reply.screens[0].text.startswith("Done.")


def test_a_question_about_leaving_is_searched_not_an_exit(content: Content):
    reply = respond(content, Session(lang="en", node="main"), Text("how to exit"), TODAY)
    assert reply.session is not None and not reply.effects


def test_every_action_round_trips_and_fits_64_bytes():
    for action in (Go("topic-a"), Back("topic"), Menu(), Rate("topic-a", Vote.NO), Contacts(),
                   Contacts(Need.LEGAL), Exit(), Forget(), Forget(True), Forget(False)):
        data = encode(action)
        assert parse_action(data) == action and len(data.encode()) <= 64
    for forged in ("1:rate:topic:maybe", "1:contacts:food", "1:forget:perhaps", "1:exit:now"):
        assert parse_action(forged) is None


def test_labels_are_cut_at_a_word():
    assert shorten("Employer took my passport") == "Employer took my passport"
    cut = shorten("Departments of Employment and Social Programs (where to apply)")
    assert cut == "Departments of Employment…" and len(cut) <= 30


def test_a_notice_that_would_not_fit_goes_in_its_own_message(tree: Tree, catalogs):
    node = tree.nodes["topic"]
    long = replace(node, text="Word " * 810)  # just under the limit on its own
    grown = Tree.build({**tree.nodes, "topic": long}, tree.trees, tree.sources, tree.contacts)
    content = Content.of(grown, catalogs)
    reply = respond(content, Session(lang="en", node="topic"), Press("1:go:vanished"), TODAY)
    assert reply.screens[0].node == "main"  # the stale notice over the main menu: fits
    reply = respond(content, Session(lang="en", node="main"), Other(NonTextKind.VOICE), TODAY)
    assert len(reply.screens) == 1
    session = Session(lang="en", node="main")
    reply = respond(content, session, Command("nonsense"), TODAY)
    assert len(reply.screens) == 1
    reply = respond(content, replace(session, node="topic"), Command("nonsense"), TODAY)
    assert [s.node for s in reply.screens] == [None, "topic"]
    assert "I do not know that command" in reply.screens[0].text
    assert all(telegram_length(s.text) <= MAX_TEXT for s in reply.screens)


def test_admin_commands_are_unknown_to_everyone_else(content: Content):
    session = Session(lang="en", node="main")
    assert "I do not know" in respond(content, session, Command("reload"), TODAY).screens[0].text
    reply = respond(content, session, Command("reload", admin=True), TODAY)
    assert reply.screens == () and reply.effects
    assert commands.find("reload", admin=False) is None


def test_help_lists_the_registry_in_every_language(content: Content):
    for lang in ("ru", "kk", "uz", "en"):
        screen = respond(content, Session(lang=lang), Command("help"), TODAY).screens[0]
        listed = [line.split(" — ")[0] for line in screen.text.splitlines()
                  if line.startswith("/")]
        assert listed == [f"/{spec.name}" for spec in commands.public()], lang


def test_every_event_kind_is_declared_once():
    kinds = [event.KIND for event in EVENT_TYPES]
    assert sorted(kinds) == sorted(Kind) and len(set(kinds)) == len(kinds)


def test_message_ids_older_than_48_hours_are_dropped():
    session = Session().seen(1, 0).seen(2, DELETE_WINDOW - 1)
    assert session.pruned(DELETE_WINDOW).message_ids() == (2,)
    assert session.seen(3, 2 * DELETE_WINDOW).message_ids() == (3,)


def test_a_vote_belongs_to_the_screen_it_was_given_on(content: Content):
    session = Session(lang="en", node="topic-a")
    reply = respond(content, session, Press("1:rate:topic-a:yes"), TODAY)
    assert reply.session is not None and reply.session.vote is Vote.YES
    moved = respond(content, reply.session, Press("1:go:topic-b"), TODAY).session
    assert moved is not None and moved.vote is None and not moved.vote_changed


def test_a_choice_on_the_urgent_screen_before_a_language_waits_for_it(content: Content):
    reply = respond(content, Session(), Press("1:go:topic-a"), TODAY)
    assert reply.session is not None and reply.session.pending == "topic-a"
    picker = reply.screens[0]
    assert picker.buttons_flat()[-1].action == Exit()  # the way out, even here
    chosen = respond(content, reply.session, Press("1:lang:en"), TODAY)
    assert chosen.screens[0].node == "topic-a"


def test_the_exit_button_deletes_its_own_message_even_if_untracked(content: Content):
    reply = respond(content, Session(lang="en", recent_messages=((3, 1),)),
                    Press("1:exit", 99), TODAY)
    assert reply.effects == (DeleteMessages((3, 99)),)
