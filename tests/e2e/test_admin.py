"""Admins over Telegram: /reload with a good and a broken tree, and watching files."""

from __future__ import annotations

import asyncio
import copy
import shutil
from pathlib import Path

import pytest

from bot.content import ContentSource
from tests.conftest import ADMINS, ROOT
from tests.fakebotapi import FakeBotAPI, User


@pytest.fixture
def copied(tmp_path: Path) -> ContentSource:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    source, _ = ContentSource.load(tmp_path / "content", tmp_path / "locales")
    assert source is not None
    return source


async def test_reload_good_and_broken(api: FakeBotAPI, run_bot, copied: ContentSource):
    work = copied.content_dir / "work.yaml"
    admin = User(api, next(iter(ADMINS)))
    person = User(api, 8001)
    async with run_bot(copied):
        await person.start("English")
        await person.tap(person.last.labels()[1])  # into a topic, before the reload
        old_screen = copy.deepcopy(person.last)  # the buttons as they were on the phone
        old_button = old_screen.labels()[0]

        original = work.read_text()
        work.write_text(original.replace("    to: ", "    to: nowhere-", 1))
        await admin.send("/reload")
        assert admin.last.text.startswith("Reload refused: 1 errors.")
        assert "content/work.yaml:" in admin.last.text or "work.yaml:" in admin.last.text
        await person.tap(old_button, on=old_screen)  # people still have the old tree
        assert any(label.startswith("🏠") for label in person.last.labels())

        work.write_text(original.replace("**", "**Updated. ", 1))
        await admin.send("/reload")
        assert admin.last.text.startswith("Content reloaded: 67 screens")
        assert "Updated." in copied.current.tree.nodes[
            next(n.id for n in copied.current.tree.nodes.values() if n.tree == "work"
                 and "Updated." in n.text)].text
        await person.tap(old_button, on=old_screen)  # old buttons keep working
        assert any(label.startswith("🏠") for label in person.last.labels())


async def test_reload_is_only_for_admins(api: FakeBotAPI, run_bot, copied: ContentSource):
    async with run_bot(copied):
        person = User(api, 8002)
        await person.start("English")
        await person.send("/reload")
        assert "I do not know that command" in person.last.text


async def test_content_watch_reloads_when_files_change(api: FakeBotAPI, run_bot,
                                                       copied: ContentSource):
    before = copied.current
    async with run_bot(copied, content_watch=True):
        main = copied.content_dir / "main.yaml"
        main.write_text(main.read_text().replace("    text: |\n", "    text: |\n      Hi.\n", 1))
        for _ in range(50):
            if copied.current is not before:
                break
            await asyncio.sleep(0.2)
        assert copied.current is not before
        assert copied.current.tree.nodes["main"].text.startswith("Hi.")
