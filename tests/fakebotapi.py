"""A fake Telegram Bot API server on 127.0.0.1, and test users who talk to the bot through it.

The real PTB Application polls it with getUpdates and calls sendMessage, editMessageText,
answerCallbackQuery… over real HTTP; the server keeps each chat's messages as a phone would
show them, so tests assert on what the user sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:TEST-token"
START_TIME = 1_790_000_000
DELETE_WINDOW = 48 * 3600  # Telegram lets a bot delete a message for 48 hours


@dataclass
class ShownMessage:
    message_id: int
    text: str
    buttons: list[list[dict[str, str]]]
    parse_mode: str | None = None
    deleted: bool = False
    from_bot: bool = True
    date: int = START_TIME
    photo: bytes | None = None  # what sendPhoto uploaded

    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def data_of(self, label: str) -> str:
        for row in self.buttons:
            for button in row:
                if button["text"] == label or button["text"].endswith(" " + label):
                    return button["callback_data"]
        raise AssertionError(f"no button {label!r} among {self.labels()}")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = 0.0  # the event loop's clock when the call reached the server (after latency)


@dataclass
class FakeBotAPI:
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    chats: dict[int, list[ShownMessage]] = field(default_factory=dict)
    fail_next: dict[str, int] = field(default_factory=dict)  # method → count of 500s to give
    throttle_next: dict[str, int] = field(default_factory=dict)  # method → count of 429s
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _activity: asyncio.Event = field(default_factory=asyncio.Event)
    polled: asyncio.Event = field(default_factory=asyncio.Event)
    too_old_to_edit: set[int] = field(default_factory=set)  # message ids Telegram won't edit
    quiet: float = 0.15  # how long the bot must be silent before a user's action counts as done
    latency: float = 0.0  # seconds added to every call but getUpdates (a slow connection)
    now: int = START_TIME  # the server's clock, for the 48-hour rule; tests move it
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot
    # method → (status, description) answers to give before behaving normally again
    errors_next: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    drop_next: dict[str, int] = field(default_factory=dict)  # do it, then cut the connection
    flood_limit: int | None = None  # messages a second (calls with a chat_id) before a 429
    _flood_window: list[float] = field(default_factory=list)
    over_limit: int = 0  # calls that found the flood limit reached (and were refused)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the Bot API -----------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _fail(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        if method == "getUpdates":
            self.polled.set()
        else:
            if self.latency:
                await asyncio.sleep(self.latency)
            self.calls.append(Call(method, params, asyncio.get_running_loop().time()))
            self._activity.set()
        if method != "getUpdates" and params.get("chat_id") is not None \
                and int(params["chat_id"]) in self.blocked:
            return _fail(403, "Forbidden: bot was blocked by the user")
        if self.flood_limit is not None and params.get("chat_id") is not None:
            refused = self._flooded()
            if refused is not None:
                return refused
        if self.errors_next.get(method):
            status, description = self.errors_next[method].pop(0)
            return _fail(status, description)
        if self.throttle_next.get(method):
            self.throttle_next[method] -= 1
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}, status=429)
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            return _fail(500, "Internal Server Error: injected by the test")
        handler = getattr(self, "_" + method, None)
        if handler is None:
            return _ok(True)
        result = handler(params) if method != "getUpdates" else await handler(params)
        if self.drop_next.get(method):  # done, but the answer never arrives
            self.drop_next[method] -= 1
            assert request.transport is not None
            request.transport.abort()
            return _ok(True)
        if isinstance(result, web.Response):
            return result
        return _ok(result)

    def _flooded(self) -> web.Response | None:
        """As Telegram: past flood_limit messages in the last second, 429 with retry_after."""
        now = asyncio.get_running_loop().time()
        self._flood_window = [t for t in self._flood_window if now - t < 1.0]
        assert self.flood_limit is not None
        if len(self._flood_window) >= self.flood_limit:
            self.over_limit += 1
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}, status=429)
        self._flood_window.append(now)
        return None

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Kömek", "username": "KomekTestBot",
                "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            timeout = float(params.get("timeout") or 0)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=min(timeout, 1.0))
            except TimeoutError:
                return []
        return list(self.updates)

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        shown = ShownMessage(next(self._ids), params["text"], _buttons(params),
                             params.get("parse_mode"), date=self.now)
        self.chats.setdefault(chat_id, []).append(shown)
        return self._message_json(chat_id, shown)

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        photo = params["photo"]
        shown = ShownMessage(next(self._ids), params.get("caption", ""), _buttons(params),
                             params.get("parse_mode"), date=self.now,
                             photo=photo if isinstance(photo, bytes) else None)
        self.chats.setdefault(chat_id, []).append(shown)
        message = self._message_json(chat_id, shown)
        message["photo"] = [{"file_id": f"photo{shown.message_id}",
                             "file_unique_id": f"u{shown.message_id}", "width": 1, "height": 1}]
        return message

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        if message_id in self.too_old_to_edit:
            return _fail(400, "Bad Request: message can't be edited")
        for shown in self.chats.get(chat_id, []):
            if shown.message_id == message_id and not shown.deleted:
                if shown.text == params["text"] and shown.buttons == _buttons(params):
                    return _fail(400, "Bad Request: message is not modified: specified new "
                                      "message content and reply markup are exactly the same")
                shown.text = params["text"]
                shown.buttons = _buttons(params)
                shown.parse_mode = params.get("parse_mode")
                return self._message_json(chat_id, shown)
        return _fail(400, "Bad Request: message to edit not found")

    def _deletable(self, chat_id: int, message_id: int) -> ShownMessage | str:
        for shown in self.chats.get(chat_id, []):
            if shown.message_id == message_id and not shown.deleted:
                if self.now - shown.date >= DELETE_WINDOW:
                    return "Bad Request: message can't be deleted"
                return shown
        return "Bad Request: message to delete not found"

    def _deleteMessage(self, params: dict[str, Any]) -> bool | web.Response:
        found = self._deletable(int(params["chat_id"]), int(params["message_id"]))
        if isinstance(found, str):
            return _fail(400, found)
        found.deleted = True
        return True

    def _deleteMessages(self, params: dict[str, Any]) -> bool | web.Response:
        """As Telegram: 1–100 ids; those it cannot delete are skipped; an error only if none
        of them could be deleted."""
        ids = params["message_ids"]
        ids = json.loads(ids) if isinstance(ids, str) else ids
        if not 1 <= len(ids) <= 100:
            return _fail(400, "Bad Request: too many message identifiers specified")
        found = [self._deletable(int(params["chat_id"]), int(i)) for i in ids]
        deletable = [m for m in found if isinstance(m, ShownMessage)]
        if not deletable:
            return _fail(400, "Bad Request: message to delete not found")
        for shown in deletable:
            shown.deleted = True
        return True

    def _message_json(self, chat_id: int, shown: ShownMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": shown.message_id, "date": 1_790_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Kömek"},
            "text": shown.text,
        }
        if shown.buttons:
            message["reply_markup"] = {"inline_keyboard": shown.buttons}
        return message

    # -- what tests do ---------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def new_message_id(self) -> int:
        return next(self._ids)

    def visible(self, chat_id: int) -> list[ShownMessage]:
        """The bot's messages still on the phone."""
        return [m for m in self.chats.get(chat_id, []) if not m.deleted and m.from_bot]

    def everything(self, chat_id: int) -> list[ShownMessage]:
        """Every message still on the phone, the person's own too."""
        return [m for m in self.chats.get(chat_id, []) if not m.deleted]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def settle(self, since: int, chat_id: int | None = None, limit: float = 10.0,
                     query_id: str | None = None) -> None:
        """Wait until the bot has answered (a call after `since`, to chat_id if given, or
        else the answer to the button press query_id) and then gone quiet for that chat."""

        def count() -> int:
            return sum(1 for c in self.calls[since:]
                       if (chat_id is not None and c.params.get("chat_id") == str(chat_id))
                       or (query_id is not None
                           and c.params.get("callback_query_id") == query_id)
                       or (chat_id is None and query_id is None))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while count() == 0:
            if loop.time() > deadline:
                raise AssertionError("the bot did not answer within the time limit")
            self._activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._activity.wait(), timeout=0.5)
        seen = count()
        while True:
            await asyncio.sleep(self.quiet)
            if count() == seen:
                return
            seen = count()


class User:
    """A person on a phone: sends text, taps buttons, sees the chat."""

    def __init__(self, api: FakeBotAPI, user_id: int, language_code: str = "en") -> None:
        self.api = api
        self.id = user_id
        self.language_code = language_code

    @property
    def chat(self) -> list[ShownMessage]:
        return self.api.visible(self.id)

    @property
    def last(self) -> ShownMessage:
        return self.chat[-1]

    def _from(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": "Test",
                "language_code": self.language_code}

    async def send(self, text: str | None = None, **other: Any) -> None:
        since = len(self.api.calls)
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(), "date": 1_790_000_000,
            "chat": {"id": self.id, "type": "private"}, "from": self._from(),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command)}]
        message.update(other)
        self.api.chats.setdefault(self.id, []).append(ShownMessage(
            message["message_id"], text or "", [], from_bot=False, date=self.api.now))
        self.api.push({"message": message})
        await self.api.settle(since, self.id)

    async def start(self, language: str) -> None:
        """/start and pick a language by its button, as every new person does first."""
        await self.send("/start")
        await self.tap(language)

    async def tap(self, label: str, on: ShownMessage | None = None,
                  toast_only: bool = False) -> str:
        shown = on or self._latest_with(label)
        return await self.press(shown.data_of(label), shown, toast_only)

    async def press(self, data: str, on: ShownMessage, toast_only: bool = False) -> str:
        """Press a button; toast_only: the bot is expected to answer the press and show
        nothing more, so only the answer is waited for."""
        since = len(self.api.calls)
        query_id = f"q{self.api.new_message_id()}"
        self.api.push({"callback_query": {
            "id": query_id, "from": self._from(), "chat_instance": "ci", "data": data,
            "message": self.api._message_json(self.id, on),
        }})
        if toast_only:
            await self.api.settle(since, None, query_id=query_id)
        else:  # the answer counts too: a press that changes nothing is edited by no one
            await self.api.settle(since, self.id, query_id=query_id)
        answers = [c for c in self.api.calls_of("answerCallbackQuery")
                   if c.params.get("callback_query_id") == query_id]
        assert answers, "the bot did not answer the button press"
        return query_id

    def _latest_with(self, label: str) -> ShownMessage:
        for shown in reversed(self.chat):
            try:
                shown.data_of(label)
                return shown
            except AssertionError:
                continue
        raise AssertionError(f"no message shows a button {label!r}; last: {self.last.labels()}")


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if data else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = value.file.read()
        else:
            params[key] = value if isinstance(value, str) else str(value)
    return params


def _buttons(params: dict[str, Any]) -> list[list[dict[str, str]]]:
    markup = params.get("reply_markup")
    if not markup:
        return []
    data = json.loads(markup) if isinstance(markup, str) else markup
    return data.get("inline_keyboard", [])


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description},
                             status=status)
