"""Kömek against a minimal PTB bot, on the same fake Bot API, in the same run.

    .venv/bin/python bench/bench_bot.py [--users 20] [--taps 10]

Prints ratios (Kömek ÷ baseline), never absolute pass/fail thresholds: the machine varies,
the ratio much less. Also: the content check and one conversation step, each against a
baseline measured here (parsing the same YAML with PyYAML alone; an empty function call);
a typed question (search) against a button press; and the safe exit of a 50-message chat
over a slow connection, against deleting the same chat one message per call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import timeit
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, TypeHandler  # noqa: E402

from bot.channels.serving import serve  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.content import ContentSource, build  # noqa: E402
from bot.conversation import Press, Text, respond  # noqa: E402
from bot.session import Session  # noqa: E402
from bot.storage.sqlite import SqliteStorage  # noqa: E402
from tests.fakebotapi import TOKEN, FakeBotAPI, User  # noqa: E402


async def minimal_bot(api: FakeBotAPI, stop: asyncio.Event) -> None:
    """The baseline: answer every update with one message and one button."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        if update.effective_chat is not None:
            from telegram import InlineKeyboardButton, InlineKeyboardMarkup

            await context.bot.send_message(update.effective_chat.id, "ok", reply_markup=(
                InlineKeyboardMarkup([[InlineKeyboardButton("English", callback_data="x")]])))

    app = Application.builder().token(TOKEN).base_url(api.base_url) \
        .concurrent_updates(True).build()
    app.add_handler(TypeHandler(Update, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling()
        await stop.wait()
        await app.updater.stop()
        await app.stop()


async def komek_bot(api: FakeBotAPI, stop: asyncio.Event, db: Path) -> None:
    content, _ = ContentSource.load(ROOT / "content", ROOT / "locales")
    assert content is not None
    async with SqliteStorage.open(db) as storage:
        await serve(TelegramChannel(content, storage, b"bench"),
                    Config(bot_token=TOKEN, bot_api_url=api.base_url), stop)


async def drive(users: int, taps: int, start_bot) -> float:  # type: ignore[no-untyped-def]
    api = FakeBotAPI(quiet=0.01)
    await api.start()
    stop = asyncio.Event()
    task = asyncio.create_task(start_bot(api, stop))
    await asyncio.wait_for(api.polled.wait(), timeout=30)

    async def one(user_id: int) -> None:
        user = User(api, user_id)
        await user.send("/start")
        for _ in range(taps):
            await user.tap(user.last.labels()[-1] if user.last.labels()[-1] == "English"
                           else user.last.labels()[0], on=user.last)

    started = time.perf_counter()
    await asyncio.gather(*(one(10_000 + i) for i in range(users)))
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    await api.stop()
    return elapsed


def content_figures() -> None:
    import yaml

    files = sorted((ROOT / "content").glob("*.yaml"))

    def plain() -> None:
        for path in files:
            yaml.load(path.read_text(), Loader=yaml.CSafeLoader)

    def full() -> None:
        build(ROOT / "content", ROOT / "locales")

    base = min(timeit.repeat(plain, number=1, repeat=5))
    ours = min(timeit.repeat(full, number=1, repeat=5))
    print(f"check:        {ours * 1000:7.1f} ms   (parse YAML only: {base * 1000:.1f} ms; "
          f"ratio {ours / base:.1f}×)")
    tracemalloc.start()
    full()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"check memory: {peak / 2**20:7.1f} MiB peak (tracemalloc)")

    content, _ = build(ROOT / "content", ROOT / "locales")
    assert content is not None
    session = Session(lang="kk", node="main")
    step = min(timeit.repeat(lambda: respond(content, session,
                                             Press("1:go:asylum-apply"), _today()),
                             number=200, repeat=5)) / 200
    nothing = min(timeit.repeat(lambda: None, number=200, repeat=5)) / 200
    print(f"one answer:   {step * 1e6:7.1f} µs   (an empty call: {nothing * 1e6:.2f} µs)")
    asked = Session(lang="ru", node="main")
    search = min(timeit.repeat(lambda: respond(content, asked,
                                               Text("работодатель забрал паспорт"), _today()),
                               number=200, repeat=5)) / 200
    print(f"one question: {search * 1e6:7.1f} µs   (search and its screen; "
          f"{search / step:.2f}× a button press)")


async def safe_exit_figure(latency: float, messages: int = 50) -> None:
    """The exit of a chat of `messages` messages with `latency` added to every Bot API call."""
    api = FakeBotAPI(quiet=0.01)
    await api.start()
    stop = asyncio.Event()
    with tempfile.TemporaryDirectory() as folder:
        task = asyncio.create_task(komek_bot(api, stop, Path(folder) / "exit.sqlite3"))
        await asyncio.wait_for(api.polled.wait(), timeout=30)
        user = User(api, 20_001)
        await user.start("English")
        n = 0
        while len(api.everything(user.id)) < messages:
            n += 1
            await user.send(f"question {n}")
        chat = len(api.everything(user.id))
        api.latency = latency
        started = time.perf_counter()
        await user.tap("Exit", on=user.last)
        while [m.text[:5] for m in api.everything(user.id)] != ["Done."]:
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
        calls = len([c for c in api.calls if c.method in ("deleteMessages", "deleteMessage")])
        left = len(api.everything(user.id))
        stop.set()
        await task
    await api.stop()
    one_by_one = chat * latency
    print(f"safe exit:    {elapsed * 1000:7.0f} ms   for a {chat}-message chat with "
          f"{latency * 1000:.0f} ms per call ({calls} delete call(s), {left} message left); "
          f"one call per message would take ≥ {one_by_one * 1000:.0f} ms "
          f"({elapsed / one_by_one:.2f}× that)")


def _today():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2026, 11, 28)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--taps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    content_figures()
    asyncio.run(safe_exit_figure(latency=0.1))
    updates = args.users * (args.taps + 1)
    baseline, ours = [], []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.rounds):
            baseline.append(asyncio.run(drive(args.users, args.taps, minimal_bot)))
            db = Path(folder) / f"bench{n}.sqlite3"
            ours.append(asyncio.run(drive(args.users, args.taps,
                                          lambda api, stop, db=db: komek_bot(api, stop, db))))
    b, o = statistics.median(baseline), statistics.median(ours)
    print(f"telegram:     {updates} updates from {args.users} users; minimal bot "
          f"{updates / b:.0f} updates/s, Kömek {updates / o:.0f} updates/s; "
          f"Kömek takes {o / b:.2f}× the minimal bot's time (median of {args.rounds})")
    print("              (Kömek runs PTB's AIORateLimiter, which keeps all calls under "
          "Telegram's 30 per second; the minimal bot has none)")


if __name__ == "__main__":
    main()
