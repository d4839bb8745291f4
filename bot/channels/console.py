"""The terminal chat: the same conversation and content, with numbered buttons.

Typing a number presses that button; a line starting with '/' is a command; other text is
a question for search. It reads any stream, so `printf '1\\n2\\n' | komek chat` scripts it.
Sessions live in memory only. The safe exit has no chat to clear here: it shows what Telegram
would leave, says so, and ends the preview. /reload is for admins on Telegram only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from typing import TextIO

from bot.content import ContentSource
from bot.conversation import (
    Command,
    DeleteMessages,
    Input,
    Press,
    Reply,
    Text,
    parse_command,
    respond,
)
from bot.screens import Screen
from bot.session import Session

RULE = "─" * 40


class ConsoleChat:
    def __init__(self, content: ContentSource, output: TextIO,
                 session: Session | None = None,
                 today: Callable[[], date] = date.today) -> None:
        self.content = content
        self.output = output
        self.session = session or Session()
        self.today = today
        self.buttons: tuple[str, ...] = ()
        self.ended = False

    def run(self, lines: TextIO, first: Input | None = None) -> None:
        self.send(first or Command("start"))
        for line in lines:
            if self.ended:
                break
            self.send(self.parse(line.strip()))
        self.output.write("\n")

    def parse(self, line: str) -> Input:
        command = parse_command(line)
        if command is not None:
            return command
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            return Press(self.buttons[int(line) - 1], self.session.screen_message)
        return Text(line)

    def send(self, message: Input) -> Reply:
        reply = respond(self.content.current, self.session, message, self.today())
        self.session = reply.session or Session()
        toast = reply.toast
        if toast is not None:
            self.output.write(f"({toast})\n")
        for screen in reply.screens:
            self._print(screen)
        if any(isinstance(e, DeleteMessages) for e in reply.effects):
            self.output.write("\n(Telegram would now delete this chat's messages and forget "
                              "the session; the preview ends here.)\n")
            self.ended = True
        return reply

    def _print(self, screen: Screen) -> None:
        self.buttons = tuple(b.data for b in screen.buttons_flat())
        write = self.output.write
        write(RULE + "\n" + plain_text(screen.text) + "\n\n")
        for number, button in enumerate(screen.buttons_flat(), start=1):
            write(f"  [{number}] {button.label}\n")
        write("> ")
        self.output.flush()
        # Each screen is a new "message": number it so edits and sends read the same.
        self.session = self.session.shown((self.session.screen_message or 0) + 1, 0)


class _PlainText(HTMLParser):
    """Telegram HTML → terminal text: tags dropped, links shown with their address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: str | None = None
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href is not None:
            text = "".join(self.link_text)
            self.parts.append(text if text == self.href else f"{text} ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        (self.link_text if self.href is not None else self.parts).append(data)


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()
