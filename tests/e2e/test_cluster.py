"""Two Kömek processes in webhook mode on one PostgreSQL, fed as Telegram feeds a webhook.

The sender below plays Telegram: each person's updates go one at a time (the next only
once the last was answered 200), alternately to the two instances; an update that gets no
200 (the instance died, the connection broke) is sent again, to the other. Halfway, one
instance is killed with SIGKILL while it has updates in hand.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import ROOT
from tests.e2e.test_serving import _free_port, kind_of, message
from tests.fakebotapi import TOKEN, FakeBotAPI

SECRET = "cluster-secret-token"
HOOK_PATH = "/telegram/hook"
PEOPLE = 10
ROUNDS = ["/help", "/language", "/menu"] * 4  # no kind twice in a row: a resend shows
KILL_AFTER = 0.5  # of all the updates answered
NAV = ("◀", "🏠", "🌐", "✖", "👍", "👎", "✓", "🆘")
BACK = "◀ Back"


@dataclass
class Instance:
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"


@dataclass
class Sender:
    """Telegram's side of the webhook: retries until some instance answers 200."""

    instances: list[Instance]
    http: aiohttp.ClientSession
    answered: int = 0
    resent: set[int] = field(default_factory=set)  # update ids sent more than once
    in_flight: Counter[int] = field(default_factory=Counter)  # instance index → requests
    dead: set[int] = field(default_factory=set)

    async def deliver(self, update: dict[str, Any], first: int) -> int:
        """Send until answered; the index of the instance that answered."""
        target = first
        for attempt in range(40):
            if attempt:
                self.resent.add(int(update["update_id"]))
                await asyncio.sleep(0.05)
            if target in self.dead:
                target = 1 - target
            self.in_flight[target] += 1
            try:
                async with self.http.post(
                        self.instances[target].hook, json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    if response.status == 200:
                        self.answered += 1
                        return target
            except (TimeoutError, aiohttp.ClientError):
                pass
            finally:
                self.in_flight[target] -= 1
            target = 1 - target
        raise AssertionError(f"update {update['update_id']} was never answered")


def _env(api: FakeBotAPI, url: str, port: int) -> dict[str, str]:
    env = {**os.environ, "BOT_TOKEN": TOKEN, "BOT_API_URL": api.base_url,
           "DATABASE_URL": url, "PSEUDONYM_SECRET": "cluster-pseudonym-secret",
           "WEBHOOK_URL": f"https://komek.example.org{HOOK_PATH}",
           "WEBHOOK_SECRET": SECRET, "PORT": str(port), "WEBHOOK_LISTEN": "127.0.0.1",
           "SEND_RATE": "15", "DATABASE_POOL_SIZE": "4",
           "CONTENT_DIR": str(ROOT / "content"), "LOCALES_DIR": str(ROOT / "locales")}
    env.pop("ADMIN_IDS", None)
    return env


async def _start(api: FakeBotAPI, url: str, folder: Path, name: str) -> Instance:
    port = _free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=_env(api, url, port),
            stdout=out, stderr=out)
    return Instance(port, process, log)


async def _healthy(instance: Instance, http: aiohttp.ClientSession) -> None:
    for _ in range(300):
        if instance.process.returncode is not None:
            raise AssertionError(instance.log.read_text()[-3000:])
        try:
            async with http.get(f"http://127.0.0.1:{instance.port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"not healthy: {instance.log.read_text()[-3000:]}")


def _replies(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [kind_of(str(c.params.get("text", "")), _labels(c.params))
            for c in api.calls_of("sendMessage") if c.params.get("chat_id") == str(chat_id)]


def _labels(params: dict[str, Any]) -> list[str]:
    import json

    markup = params.get("reply_markup")
    if not markup:
        return []
    rows = json.loads(markup)["inline_keyboard"]
    return [button["text"] for row in rows for button in row]


async def test_two_instances_one_database_nothing_lost_when_one_is_killed(
        api: FakeBotAPI, postgres_url: str, tmp_path: Path):
    api.latency = 0.03  # each update is in hand for a while: a kill catches some mid-way
    timeout = aiohttp.ClientTimeout(total=30)
    instances = await asyncio.gather(_start(api, postgres_url, tmp_path, "one"),
                                     _start(api, postgres_url, tmp_path, "two"))
    async with aiohttp.ClientSession(timeout=timeout) as http:
        try:
            await asyncio.gather(*(_healthy(i, http) for i in instances))
            sender = Sender(list(instances), http)
            people = [20_000 + n for n in range(PEOPLE)]
            update_ids = iter(range(1, 100_000))
            sent: dict[int, list[dict[str, Any]]] = {p: [] for p in people}
            chosen: dict[int, int] = {}  # replies before the rounds (the picker, the menu)

            async def talk(person: int) -> None:
                start = {"update_id": next(update_ids), **message(api, person, "/start")}
                await sender.deliver(start, person % 2)
                picker = api.visible(person)[-1]
                english = {"update_id": next(update_ids), "callback_query": {
                    "id": f"lang-{person}", "chat_instance": "ci",
                    "from": {"id": person, "is_bot": False, "first_name": "F"},
                    "data": picker.data_of("English"),
                    "message": api._message_json(person, picker)}}
                await sender.deliver(english, 1 - person % 2)
                # Presses on one message, each to the other instance: every one must really
                # change what the person sees, whatever the other instance showed last.
                menu = api.visible(person)[-1]
                menu_text = menu.text
                topic = next(label for label in menu.labels() if not label.startswith(NAV))
                for number in range(4):
                    shown = api.visible(person)[-1]
                    label = topic if number % 2 == 0 else BACK
                    await sender.deliver(_press(api, person, shown, label, next(update_ids)),
                                         (person + number) % 2)
                    now = api.visible(person)[-1]
                    assert now.message_id == menu.message_id
                    assert (now.text == menu_text) == (label == BACK), (person, number)
                chosen[person] = len(_replies(api, person))
                for number, text in enumerate(ROUNDS):
                    update = {"update_id": next(update_ids), **message(api, person, text)}
                    sent[person].append(update)
                    await sender.deliver(update, (person + number) % 2)

            async def kill_one_mid_run() -> None:
                total = PEOPLE * (len(ROUNDS) + 6)
                while sender.answered < total * KILL_AFTER or not sender.in_flight[0]:
                    await asyncio.sleep(0.005)
                sender.dead.add(0)
                instances[0].process.send_signal(signal.SIGKILL)
                await instances[0].process.wait()

            await asyncio.gather(kill_one_mid_run(), *(talk(p) for p in people))

            # Every person's replies arrived in the order sent, none missing. A reply may
            # come twice only for an update that was resent: the killed instance had sent
            # it but died before recording it and answering Telegram.
            for person in people:
                replies = _replies(api, person)[chosen[person]:]
                expected = [kind_of_text(u) for u in sent[person]]
                assert _without_resent_twins(replies, sent[person], sender.resent) \
                    == expected, (person, replies)

            # Updates already answered, sent again to the instance still alive: each was
            # recorded, so none is handled a second time.
            calls_before = len(api.calls_of("sendMessage"))
            for person in people[:3]:
                async with http.post(instances[1].hook, json=sent[person][0],
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) \
                        as response:
                    assert response.status == 200
            assert len(api.calls_of("sendMessage")) == calls_before
        finally:
            for instance in instances:
                if instance.process.returncode is None:
                    instance.process.send_signal(signal.SIGTERM)
            for instance in instances:
                await asyncio.wait_for(instance.process.wait(), timeout=30)
    assert instances[1].process.returncode == 0
    # PostgreSQL means other instances may still serve the webhook: it is not deleted.
    assert api.calls_of("deleteWebhook") == []
    assert len(api.calls_of("setWebhook")) == 2
    assert sender.resent, "the kill caught no update in hand; the test proved nothing"
    twice = len(api.calls_of("sendMessage")) - PEOPLE * (1 + len(ROUNDS))
    assert 0 <= twice <= len(sender.resent)
    print(f"{len(sender.resent)} updates resent, {twice} answered twice")  # shown with -s
    counted = await _commands_counted(postgres_url)
    # Each update counted once: a resent one's first, unrecorded attempt was rolled back.
    assert counted == Counter({"help": 4 * PEOPLE, "language": 4 * PEOPLE,
                               "menu": 4 * PEOPLE, "start": PEOPLE})


def _press(api: FakeBotAPI, person: int, shown: Any, label: str,
           update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": f"press-{update_id}", "chat_instance": "ci",
        "from": {"id": person, "is_bot": False, "first_name": "F"},
        "data": shown.data_of(label), "message": api._message_json(person, shown)}}


def kind_of_text(update: dict[str, Any]) -> str:
    return str(update["message"]["text"])


def _without_resent_twins(replies: list[str], sent: list[dict[str, Any]],
                          resent: set[int]) -> list[str]:
    """The replies with the second of each resent update's two identical replies dropped."""
    kept: list[str] = []
    position = 0
    for update in sent:
        if position < len(replies):
            kept.append(replies[position])
            position += 1
            if int(update["update_id"]) in resent and position < len(replies) \
                    and replies[position] == kept[-1]:
                position += 1
    return kept + replies[position:]


async def _commands_counted(url: str) -> Counter[str]:
    from bot.storage import open_storage

    async with open_storage(url) as storage:
        rows = await storage.counters()
    return Counter({extra: n for _, kind, _, _, extra, n in rows if kind == "command"})
