"""/stats over Telegram: an admin gets the summary and the chart; anyone else the ordinary
answer to an unknown command, so nobody learns the command exists."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.conftest import ADMINS
from tests.fakebotapi import FakeBotAPI, User
from tests.test_stats_report import png_size


async def photo_sent(api: FakeBotAPI) -> None:
    """The chart is drawn after the summary is sent: wait for it (a limit, not a timing)."""
    for _ in range(300):
        if api.calls_of("sendPhoto"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no chart was sent")


async def test_stats_for_an_admin_and_not_for_others(api: FakeBotAPI, run_bot):
    admin = User(api, next(iter(ADMINS)))
    people = [User(api, 8100 + n) for n in range(7)]
    async with run_bot():
        for person in people:
            await person.start("Русский")
        await people[0].send("/stats")
        unknown = people[0].last.text
        await people[1].send("/qwerty")
        assert people[1].last.text == unknown  # the same words as any unknown command
        assert people[0].last.photo is None
        assert not api.calls_of("sendPhoto")

        await admin.start("English")
        await admin.send("/stats 7")
        await photo_sent(api)
        *_, summary, picture = admin.chat
        assert summary.parse_mode == "HTML"
        assert "Kömek statistics, 2026-11-22 – 2026-11-28 (7 days)" in summary.text
        # Seven Russian readers and one English (the admin): the one is "<5", and so that it
        # cannot be had as 8 − 7, the seven and the total are hidden too.
        assert "Sessions (a person's day): x — ru x · en &lt;5" in summary.text
        assert "ru 7" not in summary.text
        assert picture.photo is not None and picture.text == "Kömek, the last 7 days"
        width, height = png_size(picture.photo)
        assert width >= 1000 and height >= 1000
    db = sqlite3.connect(run_bot.db_path)
    try:
        commands = dict(db.execute(
            "SELECT extra, SUM(n) FROM counters WHERE kind = 'command' GROUP BY extra"))
    finally:
        db.close()
    assert commands["stats"] == 1 and commands["unknown"] == 2
