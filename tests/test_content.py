"""The shipped content, walked like a reader: every path, every tree, every language."""

from __future__ import annotations

import re

import pytest

from bot.content import ContentSource
from bot.conversation import Press, respond
from bot.screens import MAX_TEXT, Screen, telegram_length
from bot.session import Session
from bot.tree.check import html_problem
from bot.tree.model import ROOT
from tests.conftest import TODAY

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
KAZAKH_ONLY = re.compile(r"[әғқңөұүһі]", re.IGNORECASE)
UZBEK_LATIN = re.compile(r"[oʻgʻ]ʻ|ʻ|ʼ")


def walk(content: ContentSource, lang: str) -> dict[str, Screen]:
    """Press every button of every screen from the main menu; return each screen seen.

    Every edge is pressed (not only the first way into a screen), and each press must land
    on the screen its button names; Back must return to where the reader came from.
    """
    current = content.current
    seen: dict[str, Screen] = {}
    queue = [(ROOT, Session(lang=lang, node="main"))]
    while queue:
        node_id, session = queue.pop(0)
        reply = respond(current, session, Press(f"1:go:{node_id}"), TODAY)
        screen = reply.screens[0]
        assert screen.node == node_id
        if node_id != ROOT:
            back = respond(current, reply.session,
                           Press(f"1:back:{node_id}"), TODAY).screens[0]
            assert back.node == session.node, (node_id, back.node, session.node)
        if node_id in seen:
            continue
        seen[node_id] = screen
        for button in screen.buttons_flat():
            if button.data.startswith("1:go:"):
                queue.append((button.data.removeprefix("1:go:"), reply.session))
    return seen


@pytest.mark.parametrize("lang", ["en", "ru", "kk", "uz"])
def test_every_screen_in_every_language(real_content: ContentSource, lang: str):
    screens = walk(real_content, lang)
    tree = real_content.current.tree
    assert set(screens) == set(tree.nodes), "every node is reachable by pressing buttons"
    assert len(screens) >= 40
    for node_id, screen in screens.items():
        node = tree.nodes[node_id]
        assert telegram_length(screen.text) <= MAX_TEXT, node_id
        assert html_problem(screen.text) is None, node_id
        assert screen.fallback is None, f"{node_id} falls back from {lang}"
        labels = [b.label for b in screen.buttons_flat()]
        assert labels, node_id
        if node_id != ROOT:
            assert [label[:1] for label in labels[-3:]] == ["◀", "🏠", "✖"], node_id
        else:
            assert labels[0].startswith("🆘") and labels[-1].startswith("✖"), node_id
        if node.is_answer:
            assert node.citations, node_id
            assert str(node.reviewed.year) in screen.text, node_id
        assert all(len(b.data.encode()) <= 64 for b in screen.buttons_flat())
        body = re.sub(r"<[^>]+>|https?://\S+", "", screen.text)
        if lang in ("ru", "kk"):
            assert CYRILLIC.search(body), node_id
        if lang == "kk":
            assert KAZAKH_ONLY.search(body), f"{node_id} reads as Russian, not Kazakh"
        if lang == "uz":
            cyrillic = CYRILLIC.findall(re.sub(r"«[^»]*»", "", body))
            assert not cyrillic, f"{node_id}: Cyrillic outside a quoted Russian formula"
        if lang == "en":
            assert not CYRILLIC.search(re.sub(r"«[^»]*»", "", body)), node_id


def test_each_topic_has_a_full_path_to_a_sourced_answer(real_content: ContentSource):
    tree = real_content.current.tree
    starts = [c.target for c in tree.nodes[ROOT].choices]
    for topic in ("work", "asylum", "return", "abuse"):
        assert topic in starts
        answers = [n for n in tree.nodes.values() if n.tree == topic and n.is_answer]
        assert len(answers) >= 8, topic


def test_no_screen_sends_someone_in_danger_to_their_embassy(real_content: ContentSource):
    for node in real_content.current.tree.nodes.values():
        text = node.text.lower()
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if "embassy" in sentence or "consulate" in sentence:
                assert re.search(r"\b(do not|don't|never|not)\b", sentence), (node.id, sentence)


def test_english_screens_are_short(real_content: ContentSource):
    for node in real_content.current.tree.nodes.values():
        assert len(node.text) < 1500, node.id
