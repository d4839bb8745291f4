"""Typed questions through the real Application and the terminal: found, and never kept."""

from __future__ import annotations

import logging
import sqlite3

from bot import logs
from tests.fakebotapi import FakeBotAPI, User
from tests.test_console import chat

QUESTION = "my employer took my passport"


async def test_a_typed_question_finds_the_passport_answer_and_is_not_kept(
        api: FakeBotAPI, run_bot, real_content, caplog):
    logs.configure()
    caplog.set_level(logging.DEBUG)
    passport = real_content.current.tree.by_deeplink("passport")
    async with run_bot():
        user = User(api, 19001)
        await user.start("English")
        await user.send(QUESTION)
        assert user.last.text == "Here is what I found. Choose one:"
        labels = user.last.labels()
        assert 1 <= len(labels) - 3 <= 5  # the hits, then urgent help and the menu row
        assert all(len(label) <= 30 for label in labels)
        assert labels[-3:] == ["🆘 Urgent help", "🏠 Main menu", "✖ Exit"]
        await user.tap(labels[0])
        assert "Sources" in user.last.text
        assert user.last.data_of("Helpful") == f"1:rate:{passport.id}:yes"

        await user.send("qqqq zzzz wwww")
        assert user.last.text.startswith("I did not find an answer to that.")
        assert user.last.labels() == ["🆘 Urgent help", "🏠 Main menu", "✖ Exit"]
    raw = b"".join(p.read_bytes() for p in run_bot.db_path.parent.glob("komek.sqlite3*"))
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    for needle in ("employer", "took my", "qqqq"):  # ("passport" is in a node id)
        assert needle.encode() not in raw
        assert needle not in logged
    con = sqlite3.connect(run_bot.db_path)
    counted = dict(con.execute("SELECT kind, SUM(n) FROM counters WHERE kind LIKE 'search%' "
                               "GROUP BY kind").fetchall())
    con.close()
    assert counted == {"search": 2, "search_empty": 1}


def test_the_terminal_finds_it_too(tmp_path):
    out = chat(f"4\n{QUESTION}\n1\n", "chat", cwd=tmp_path)
    assert "Here is what I found" in out and "[1] Employer took my passport" in out
    assert "Sources" in out.rsplit("────", 1)[1]
    assert list(tmp_path.iterdir()) == []
