"""The heart of Kömek: (tree, catalogs, session, input, today) → (session, screens, events).

Pure: no Telegram, no I/O, no clock. Channels turn its screens into messages; storage keeps
its sessions and counts its events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.actions import Back, Go, Menu, PickLanguage, SetLanguage, parse_action
from bot.i18n import Catalogs, Translator
from bot.screens import Button, Screen, Show, language_picker, node_screen
from bot.screens import html_text as escape
from bot.session import Session
from bot.tree.model import ROOT, Tree

COMMANDS = ("start", "menu", "language", "urgent", "help")


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Press:
    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str  # read to answer, never kept


@dataclass(frozen=True, slots=True)
class Other:
    kind: str  # sticker, voice, photo, document…: what it was, not what it held


Input = Command | Press | Text | Other


@dataclass(frozen=True, slots=True)
class Event:
    """Something worth counting: what happened, never who or what they typed."""

    kind: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    session: Session
    screens: tuple[Screen, ...]
    events: tuple[Event, ...] = ()
    toast: str | None = None  # a short pop-up answer to a button press


def respond(tree: Tree, catalogs: Catalogs, session: Session, message: Input,
            today: date) -> Reply:
    talk = _Turn(tree, catalogs, session, message, today)
    return talk.run()


class _Turn:
    """One input's worth of work; a class only to share the arguments between steps."""

    def __init__(self, tree: Tree, catalogs: Catalogs, session: Session, message: Input,
                 today: date) -> None:
        self.tree = tree
        self.catalogs = catalogs
        self.session = session
        self.message = message
        self.today = today
        self.show = Show.SEND
        if isinstance(message, Press) and message.message_id is not None \
                and message.message_id == session.screen_message:
            self.show = Show.EDIT
        self.events: list[Event] = []

    @property
    def tr(self) -> Translator:
        return Translator(self.catalogs, self.session.lang or "en")

    def run(self) -> Reply:
        message = self.message
        if isinstance(message, Press):
            return self._press(message)
        if isinstance(message, Command):
            return self._command(message)
        if self.session.lang is None:
            return self._picker()
        _ = self.tr.gettext
        if isinstance(message, Text):
            self.events.append(Event("text"))
            note = _("I can only answer the buttons for now. What you type is not saved.")
        else:
            self.events.append(Event("unsupported", message.kind))
            note = _("I can only work with buttons. Voice messages, photos and files are "
                     "not saved or read.")
        return self._at(self.session.node or ROOT, notice=note)

    # -- inputs ------------------------------------------------------------------------

    def _command(self, command: Command) -> Reply:
        self.events.append(Event("command", command.name if command.name in COMMANDS
                                 else "unknown"))
        if command.name == "start":
            target = self._deeplink(command.arg)
            if target is not None:
                self.events.append(Event("deeplink", target))
            if self.session.lang is None:
                self.session = replace(self.session, pending=target)
                return self._picker()
            return self._at(target or ROOT, fresh=target is None)
        if command.name == "language" or self.session.lang is None:
            return self._picker()
        if command.name == "menu":
            return self._at(ROOT, fresh=True)
        if command.name == "urgent" and self.tree.urgent is not None:
            return self._at(self.tree.urgent)
        if command.name == "help":
            return self._reply((self._help(),))
        _ = self.tr.gettext
        return self._at(self.session.node or ROOT,
                        notice=_("I do not know that command. Send /help to see what I can do."))

    def _press(self, press: Press) -> Reply:
        action = parse_action(press.data)
        if isinstance(action, SetLanguage):
            self.events.append(Event("language", action.lang))
            pending = self.session.pending
            self.session = replace(self.session, lang=action.lang, pending=None)
            if pending is not None and pending in self.tree.nodes:
                return self._at(pending)
            current = self.session.node
            return self._at(current if current is not None and current in self.tree.nodes
                            else ROOT)
        if self.session.lang is None or isinstance(action, PickLanguage):
            return self._picker()
        _ = self.tr.gettext
        if action is None:
            self.events.append(Event("forged"))
            return self._at(ROOT, fresh=True, toast=_("This button does not work any more."),
                            notice=_("This button does not work any more. Here is the main "
                                     "menu."))
        if isinstance(action, Menu):
            return self._at(ROOT, fresh=True)
        if isinstance(action, Go):
            if action.node not in self.tree.nodes:
                return self._stale()
            return self._at(action.node)
        assert isinstance(action, Back)
        return self._back(action.node)

    def _back(self, node: str) -> Reply:
        stack = self.session.stack
        if self.session.node == node and stack:
            target, stack = stack[-1], stack[:-1]
        else:
            target = self.tree.parent(node) or ROOT
            stack = ()
        if target not in self.tree.nodes:
            return self._stale()
        self.session = replace(self.session, node=target, stack=stack)
        return self._show(target)

    # -- answers -----------------------------------------------------------------------

    def _stale(self) -> Reply:
        _ = self.tr.gettext
        self.events.append(Event("stale"))
        return self._at(ROOT, fresh=True, toast=_("This menu was updated."),
                        notice=_("This menu was updated. Here is the main menu."))

    def _picker(self) -> Reply:
        return self._reply((language_picker(self.show),))

    def _at(self, node_id: str, *, fresh: bool = False, notice: str | None = None,
            toast: str | None = None) -> Reply:
        if fresh:
            self.session = replace(self.session, node=node_id, stack=())
        else:
            self.session = self.session.visit(node_id)
        return self._show(node_id, notice=notice, toast=toast)

    def _show(self, node_id: str, *, notice: str | None = None,
              toast: str | None = None) -> Reply:
        screen = node_screen(self.tree, self.tr, self.tree.nodes[node_id], self.today, self.show)
        self.events.append(Event("view", node_id))
        if screen.fallback is not None:
            self.events.append(Event("fallback", f"{self.tr.lang}>{screen.fallback}"))
        if notice is not None:
            screen = replace(screen, text="<i>" + escape(notice) + "</i>\n\n" + screen.text)
        return self._reply((screen,), toast=toast)

    def _reply(self, screens: tuple[Screen, ...], toast: str | None = None) -> Reply:
        return Reply(self.session, screens, tuple(self.events), toast)

    def _deeplink(self, name: str) -> str | None:
        if not name:
            return None
        node = self.tree.by_deeplink(name)
        if node is not None:
            return node.id
        return name if name in self.tree.nodes else None

    def _help(self) -> Screen:
        _ = self.tr.gettext
        lines = [
            "<b>" + escape(_("Kömek: your rights in Kazakhstan")) + "</b>",
            escape(_("Press the buttons to find answers. Every answer says which law it comes "
                     "from and when we last checked it.")),
            "",
            "/menu — " + escape(_("main menu")),
            "/urgent — " + escape(_("urgent help: if you may be sent back")),
            "/language — " + escape(_("change the language")),
            "/help — " + escape(_("this help")),
            "",
            escape(_("This is information, not legal advice. We do not keep your name, your "
                     "number or what you type.")),
        ]
        rows = ((Button("🏠 " + _("Main menu"), Menu()),),)
        return Screen("\n".join(lines), rows, self.show)


def parse_command(text: str) -> Command | None:
    """'/start payload' or '/start@KomekBot payload' → Command; None for ordinary text."""
    if not text.startswith("/"):
        return None
    head, _, arg = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return Command(name, arg.strip())


__all__ = ["Command", "Event", "Input", "Other", "Press", "Reply", "Text", "parse_command",
           "respond"]
