"""Kömek under load, against a minimal python-telegram-bot bot, in the same run.

    .venv/bin/python bench/bench_load.py [--users 100] [--latency 0.1] [--flood 30]

Both bots run as real processes (`python -m bot run`, and this file with --minimal-bot)
against the fake Bot API of the tests (tests/fakebotapi.py) in this process, with
`--latency` seconds added to every Bot API call and a flood limit that answers 429 with
`retry_after` past `--flood` messages a second. Each simulated person walks from /start
through the language picker and the menu to a sourced answer and back to the main menu.

Printed: updates served, wall time, messages a second against the flood limit, 429s,
p50/p99 from an action to the bot's reply reaching Telegram, CPU ms per update for the bot
process (/proc/<pid>/stat), peak RSS (VmHWM), start-up (process start to first getUpdates);
then the same with four people; then Kömek with 100,000 stored sessions. Ratios are
Kömek ÷ minimal, from the same run: the machine varies, the ratio much less.

With PostgreSQL installed (Debian's package; a throw-away cluster is started here, as the
tests do), the burst is run again in the same run on PostgreSQL (one instance, polling),
and on two instances in webhook mode sharing it (each with half the flood budget,
SEND_RATE), updates posted to them in turn as Telegram would, answered only when handled.
Not a test; it does not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.fakebotapi import TOKEN, FakeBotAPI, ShownMessage  # noqa: E402
from tests.pgcluster import Cluster, ClusterUnavailable  # noqa: E402

NAV = ("◀", "🏠", "🌐", "✖", "👍", "👎", "✓", "🆘")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
LOST_AFTER = 30.0  # seconds without a reply: the action counts as lost
PROFILE_TO = os.environ.get("BENCH_PROFILE")  # a path prefix: write the bot's cProfile there
MINIMAL_SCREEN = ("<b>A screen as long as Kömek's</b>\n" + "Words of an answer, " * 30)[:700]


# -- the minimal bot: the floor on this stack --------------------------------------------

def minimal_bot() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

    rows = [[InlineKeyboardButton(f"Choice {n}", callback_data=f"c{n}")] for n in range(5)]
    rows.append([InlineKeyboardButton("🏠 Main menu", callback_data="home")])
    markup = InlineKeyboardMarkup(rows)
    step = 0

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal step
        step += 1
        text = f"{MINIMAL_SCREEN} {step}"
        query = update.callback_query
        if query is not None and query.message is not None:
            await query.answer()
            await context.bot.edit_message_text(text, chat_id=query.message.chat.id,
                                                message_id=query.message.message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=markup)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text,
                                           parse_mode=ParseMode.HTML, reply_markup=markup)

    app = Application.builder().token(os.environ["BOT_TOKEN"]) \
        .base_url(os.environ["BOT_API_URL"]).rate_limiter(AIORateLimiter(max_retries=5)) \
        .concurrent_updates(True).build()
    app.add_handler(TypeHandler(Update, answer))
    app.run_polling(allowed_updates=["message", "callback_query"])


# -- the fake Bot API, told when a chat gets its reply ------------------------------------

@dataclass
class BenchAPI(FakeBotAPI):
    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)

    def _replied(self, params: dict[str, Any]) -> None:
        waiter = self.waiting.pop(int(params["chat_id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(asyncio.get_running_loop().time())

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super()._sendMessage(params)
        self._replied(params)
        return result

    def _editMessageText(self, params: dict[str, Any]) -> Any:
        result = super()._editMessageText(params)
        self._replied(params)
        return result


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    press_latencies: list[float] = field(default_factory=list)
    updates: int = 0
    lost: int = 0  # actions never answered (the walk stops there)
    choice_taps: list[int] = field(default_factory=list)


Deliver = Any  # async (update) -> None: how an update reaches the bot


class Person:
    def __init__(self, api: BenchAPI, user_id: int, figures: Figures,
                 deliver: Deliver = None) -> None:
        self.api, self.id, self.figures = api, user_id, figures
        self.deliver = deliver

    def _from(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": "B", "language_code": "en"}

    async def _wait(self, update: dict[str, Any], press: bool) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[float] = loop.create_future()
        self.api.waiting[self.id] = waiter
        started = loop.time()
        if self.deliver is None:
            self.api.push(update)
        else:
            await self.deliver(update)
        try:
            replied = await asyncio.wait_for(waiter, timeout=LOST_AFTER)
        except TimeoutError:
            self.figures.lost += 1
            raise
        self.figures.latencies.append(replied - started)
        if press:
            self.figures.press_latencies.append(replied - started)
        self.figures.updates += 1
        await asyncio.sleep(0)

    async def send(self, text: str) -> None:
        await self._wait({"message": {
            "message_id": self.api.new_message_id(), "date": 1_790_000_000,
            "chat": {"id": self.id, "type": "private"}, "from": self._from(), "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}},
            press=False)

    async def tap(self, label: str) -> None:
        shown = self.last
        await self._wait({"callback_query": {
            "id": f"q{self.api.new_message_id()}", "from": self._from(), "chat_instance": "ci",
            "data": shown.data_of(label), "message": self.api._message_json(self.id, shown)}},
            press=True)

    @property
    def last(self) -> ShownMessage:
        return self.api.visible(self.id)[-1]

    async def walk(self, taps: int | None = None) -> None:
        """/start, English, choices down to a sourced answer, then the main menu; with
        `taps`, that many choices whatever the screens say (the minimal bot)."""
        await self.send("/start")
        labels = self.last.labels()
        await self.tap("English" if "English" in labels else labels[0])
        taken = 0
        while taken < (taps or 8):
            taken += 1
            choices = [label for label in self.last.labels() if not label.startswith(NAV)]
            await self.tap(choices[0])
            if taps is None and "Last reviewed" in self.last.text:
                break
        self.figures.choice_taps.append(taken)
        home = [label for label in self.last.labels() if label.startswith("🏠")]
        await self.tap(home[0])


# -- one bot process ----------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    name: str
    updates: int
    wall: float
    messages: int
    over_limit: int
    p50: float
    p99: float
    press_p50: float
    cpu_ms_per_update: float
    lost: int
    rss_mb: float
    startup: float


async def run_bot(name: str, users: int, latency: float, flood: int, folder: Path,
                  sessions: int = 0, taps: int | None = None,
                  rounds: int = 1, database: str | None = None,
                  instances: int = 1) -> tuple[float, Run]:
    """One bot process polling (SQLite or `database`), or `instances` webhook processes."""
    import aiohttp

    api = BenchAPI(quiet=0.0, latency=latency, flood_limit=flood)
    await api.start()
    db = folder / f"{name}-{users}-{sessions}.sqlite3"
    if sessions:
        fill_sessions(db, sessions)
    env = {**os.environ, "BOT_TOKEN": TOKEN, "BOT_API_URL": api.base_url,
           "DATABASE_URL": database or f"sqlite:///{db}", "PSEUDONYM_SECRET": "bench",
           "CONTENT_DIR": str(ROOT / "content"), "LOCALES_DIR": str(ROOT / "locales"),
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "run"] if name.startswith("komek") \
        else [sys.executable, __file__, "--minimal-bot"]
    if PROFILE_TO and name.startswith("komek"):  # cProfile the bot, to see where time goes
        command[1:1] = ["-m", "cProfile", "-o", f"{PROFILE_TO}.{name}.{users}"]
    ports = [free_port() for _ in range(instances)] if instances > 1 else []
    started = time.perf_counter()
    processes = []
    for port in ports or [0]:
        own = dict(env)
        if port:  # several instances: webhooks, each with its share of the flood budget
            own.update(WEBHOOK_URL="https://bench.example.org/hook", WEBHOOK_SECRET="bench",
                       PORT=str(port), WEBHOOK_LISTEN="127.0.0.1",
                       SEND_RATE=str(max(1, flood // instances)))
        processes.append(await asyncio.create_subprocess_exec(
            *command, cwd=folder, env=own, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL))
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=LOST_AFTER))
    deliver: Deliver = None
    if ports:
        await asyncio.wait_for(all_healthy(http, ports), timeout=60)
        turn = iter(range(10**9))

        async def deliver(update: dict[str, Any]) -> None:
            port = ports[next(turn) % len(ports)]  # in turn, as a load balancer would
            update = {"update_id": next(api._update_ids), **update}
            async with http.post(f"http://127.0.0.1:{port}/hook", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}) as r:
                r.raise_for_status()
    else:
        await asyncio.wait_for(api.polled.wait(), timeout=60)
    startup = time.perf_counter() - started
    await asyncio.sleep(0.5 + 10 * latency)  # start-up calls (setMyCommands…) are done
    figures = Figures()
    sent_before = len([c for c in api.calls if "chat_id" in c.params])
    cpu_before = sum(cpu_seconds(p.pid) for p in processes)
    begun = time.perf_counter()

    async def person(user_id: int) -> None:
        for _ in range(rounds):
            try:
                await Person(api, user_id, figures, deliver).walk(taps)
            except TimeoutError:
                return

    await asyncio.gather(*(person(500_000 + n) for n in range(users)))
    wall = time.perf_counter() - begun
    cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
    rss = max(peak_rss_mb(p.pid) for p in processes)
    messages = len([c for c in api.calls if "chat_id" in c.params]) - sent_before \
        - api.over_limit
    await http.close()
    for process in processes:
        process.terminate()
    for process in processes:
        await process.wait()
    await api.stop()
    ordered = sorted(figures.latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.mean(figures.choice_taps), Run(
               name, figures.updates, wall, messages, api.over_limit,
               statistics.median(ordered), p99,
               statistics.median(figures.press_latencies), cpu * 1000 / figures.updates,
               figures.lost, rss,
               startup)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def all_healthy(http: Any, ports: list[int]) -> None:
    import aiohttp

    for port in ports:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


def fill_sessions(db: Path, count: int) -> None:
    """Stored sessions as Kömek keeps them: created by its own migrations, then filled."""
    from bot.storage.schema import LATEST, MIGRATIONS

    con = sqlite3.connect(db)
    for migration in MIGRATIONS:  # as a file from before the migrations table; carried over
        con.executescript(migration.script)
    con.execute(f"PRAGMA user_version = {LATEST}")
    con.executemany(
        "INSERT INTO sessions (pseudonym, lang, node, stack, recent_messages, updated_on) "
        "VALUES (?, 'ru', 'main', '[]', '[]', '2026-11-28')",
        ((secrets.token_hex(16),) for _ in range(count)))
    con.commit()
    con.close()


def show(run: Run, flood: int) -> None:
    print(f"  {run.name:<10} {run.updates:>5} updates in {run.wall:6.2f} s  "
          f"{run.messages / run.wall:5.1f} msg/s ({run.messages / run.wall / flood:4.2f}× the "
          f"limit, {run.over_limit} refused)  p50 {run.p50 * 1000:5.0f} ms  "
          f"p99 {run.p99 * 1000:5.0f} ms  press p50 {run.press_p50 * 1000:5.0f} ms  "
          f"CPU {run.cpu_ms_per_update:5.2f} ms/update  lost {run.lost}  RSS {run.rss_mb:5.1f} MB  "
          f"start-up {run.startup:4.2f} s")


def compare(ours: Run, floor: Run, latency: float) -> None:
    print(f"  ratios: throughput {ours.updates / ours.wall / (floor.updates / floor.wall):.2f}× "
          f"(target ≥ 1.0), p99 {ours.p99 / floor.p99:.2f}× (≤ 1.0), "
          f"CPU/update {ours.cpu_ms_per_update / floor.cpu_ms_per_update:.2f}× (≤ 1.15), "
          f"press p50 {ours.press_p50 * 1000:.0f} ms vs minimal's less one round trip "
          f"{(floor.press_p50 - latency) * 1000:.0f} ms")


async def main(args: argparse.Namespace) -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; latency "
          f"{args.latency * 1000:.0f} ms a call; flood limit {args.flood} messages/s")
    cluster = None
    try:
        cluster = Cluster.start()
    except ClusterUnavailable as exc:
        print(f"(no PostgreSQL here, so SQLite only: {str(exc).splitlines()[0][:120]})")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for users, rounds in ((args.users, 1), (4, args.rounds)):
            print(f"{users} people at once, each walking {rounds} time(s):")
            taps, ours = await run_bot("komek", users, args.latency, args.flood, folder,
                                       rounds=rounds)
            _, floor = await run_bot("minimal", users, args.latency, args.flood, folder,
                                     taps=round(taps), rounds=rounds)
            show(floor, args.flood)
            show(ours, args.flood)
            compare(ours, floor, args.latency)
            if cluster is not None:
                for label, instances in (("komek-pg", 1), ("komek-pg×2", 2)):
                    url = cluster.url(cluster.new_database())
                    _, on_pg = await run_bot(label, users, args.latency, args.flood, folder,
                                             rounds=rounds, database=url,
                                             instances=instances)
                    show(on_pg, args.flood)
                    compare(on_pg, floor, args.latency)
                    print(f"  against SQLite: throughput "
                          f"{on_pg.updates / on_pg.wall / (ours.updates / ours.wall):.2f}×, "
                          f"p99 {on_pg.p99 / ours.p99:.2f}×, CPU/update "
                          f"{on_pg.cpu_ms_per_update / ours.cpu_ms_per_update:.2f}× "
                          f"({'both processes' if instances > 1 else 'one process'})")
        print(f"4 people, {args.sessions:,} stored sessions:")
        _, many = await run_bot("komek", 4, args.latency, args.flood, folder, args.sessions,
                                rounds=args.rounds)
        show(many, args.flood)
        print(f"  per step {many.p50 * 1000:.0f} ms p50 (the round trip is "
              f"{args.latency * 1000:.0f} ms); peak RSS {many.rss_mb:.1f} MB (target < 100)")
    if cluster is not None:
        cluster.stop()


if __name__ == "__main__":
    if "--minimal-bot" in sys.argv:
        minimal_bot()
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--flood", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10, help="walks per person, four people")
    asyncio.run(main(parser.parse_args()))
