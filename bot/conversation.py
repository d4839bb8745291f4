"""The heart of Kömek: (content, session, input, today) → Reply.

Pure: no Telegram, no I/O, no clock. A Reply says everything that follows from one input:
the new session (or None: forget this person), the screens to show (each by edit or by a
new message; none is a valid answer), the events to count, and small effects the channel
carries out (delete these messages, answer the press with this toast, reload the content).
The channels are thin executors of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import assert_never

from bot import commands
from bot.actions import (
    Back,
    Contacts,
    Exit,
    Forget,
    Go,
    Menu,
    PickLanguage,
    Rate,
    SetLanguage,
    parse_action,
)
from bot.content import Content
from bot.events import (
    UNKNOWN_COMMAND,
    AnswerReached,
    ChoiceTaken,
    CommandUsed,
    ContactsOpened,
    DeepLinkOpened,
    Event,
    Fallback,
    ForgedButton,
    Forgotten,
    Helpful,
    HelpfulWithdrawn,
    LanguageSet,
    NonText,
    NonTextKind,
    SafeExit,
    ScreenShown,
    Searched,
    SearchFoundNothing,
    StaleButton,
    UrgentOpened,
    Vote,
)
from bot.exitwords import is_exit_word
from bot.i18n import Translator
from bot.screens import (
    MAX_TEXT,
    Screen,
    Show,
    contacts_screens,
    forget_question,
    forgotten,
    language_picker,
    menu_row,
    needs_screen,
    neutral,
    node_screen,
    note,
    search_results,
    telegram_length,
)
from bot.screens import Helpful as HelpfulRow
from bot.screens import html_text as escape
from bot.session import Session
from bot.tree.model import ROOT

# What a person who has not chosen a language yet reads when it cannot wait (urgent help,
# the exit, forget): the language most of them read, with the picker one tap away.
BEFORE_A_LANGUAGE = "ru"
SEARCH_HITS = 5


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    arg: str = ""
    admin: bool = False  # the channel says so; the conversation never sees who it is


@dataclass(frozen=True, slots=True)
class Press:
    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str  # read to answer, never kept


@dataclass(frozen=True, slots=True)
class Other:
    kind: NonTextKind  # what it was, not what it held


Input = Command | Press | Text | Other


@dataclass(frozen=True, slots=True)
class DeleteMessages:
    """Delete these messages of the chat, the bot's and the person's, as far as Telegram lets."""

    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Toast:
    """The short pop-up that answers a button press."""

    text: str


@dataclass(frozen=True, slots=True)
class Reload:
    """An admin asked to reload the content from disk; the channel does it and reports."""


Effect = DeleteMessages | Toast | Reload


@dataclass(frozen=True, slots=True)
class Reply:
    session: Session | None  # None: forget this person; nothing about them is written again
    screens: tuple[Screen, ...]
    events: tuple[Event, ...] = ()
    effects: tuple[Effect, ...] = ()

    @property
    def toast(self) -> str | None:
        return next((e.text for e in self.effects if isinstance(e, Toast)), None)


def respond(content: Content, session: Session, message: Input, today: date) -> Reply:
    return _Turn(content, message, today, _show_for(session, message)).run(session)


def _show_for(session: Session, message: Input) -> Show:
    """A press on the message that shows the current screen edits it; anything else sends."""
    if isinstance(message, Press) and message.message_id is not None \
            and message.message_id == session.screen_message:
        return Show.EDIT
    return Show.SEND


class _Turn:
    """One input's worth of work. The session is passed along, never kept here, and each
    step names the language it speaks in, so nothing changes meaning halfway through."""

    def __init__(self, content: Content, message: Input, today: date, show: Show) -> None:
        self.content = content
        self.tree = content.tree
        self.message = message
        self.today = today
        self.show = show
        self.events: list[Event] = []
        self.effects: list[Effect] = []

    def words(self, session: Session) -> Translator:
        return Translator(self.content.catalogs, session.lang or BEFORE_A_LANGUAGE)

    def run(self, session: Session) -> Reply:
        match self.message:
            case Press(data):
                return self._press(session, data)
            case Command() as command:
                return self._command(session, command)
            case Text(text):
                if is_exit_word(text):
                    return self._exit(session)
                if session.lang is None:
                    return self._picker(session)
                return self._search(session, text)
            case Other(kind):
                self.events.append(NonText(kind))
                if session.lang is None:
                    return self._picker(session)
                _ = self.words(session).gettext
                return self._at(session, ROOT, fresh=True, notice=_(
                    "I read buttons and typed words only. Voice messages, photos, stickers, "
                    "files, locations and contacts are not read or kept."))
            case _:
                assert_never(self.message)

    # -- commands ----------------------------------------------------------------------

    def _command(self, session: Session, command: Command) -> Reply:
        spec = commands.find(command.name, command.admin)
        self.events.append(CommandUsed(spec.name if spec else UNKNOWN_COMMAND))
        name = spec.name if spec else None
        if name == "start":
            return self._start(session, command.arg)
        if name == "exit":
            return self._exit(session)
        if name == "urgent":
            return self._urgent(session)
        if name == "forget":
            return self._reply(session, (forget_question(self.words(session), self.show),))
        if name == "reload":
            self.effects.append(Reload())
            return self._reply(session, ())
        if name == "language" or session.lang is None:
            return self._picker(session)
        if name == "menu":
            return self._at(session, ROOT, fresh=True)
        if name == "contacts":
            return self._reply(session, (needs_screen(self.words(session), self.show),))
        if name == "help":
            return self._reply(session, (self._help(session),))
        _ = self.words(session).gettext
        return self._at(session, session.node or ROOT,
                        notice=_("I do not know that command. Send /help to see what I can do."))

    def _start(self, session: Session, payload: str) -> Reply:
        target = self._deeplink(payload)
        if target is not None:
            self.events.append(DeepLinkOpened(target))
        if session.lang is None:
            return self._picker(replace(session, pending=target))
        return self._at(session, target or ROOT, fresh=target is None)

    def _urgent(self, session: Session) -> Reply:
        urgent = self.tree.urgent
        if urgent is None:
            return self._picker(session) if session.lang is None \
                else self._at(session, ROOT, fresh=True)
        self.events.append(UrgentOpened())
        return self._at(session, urgent)

    def _exit(self, session: Session) -> Reply:
        """At once, no question: delete the chat, forget the person, leave one plain word."""
        self.events.append(SafeExit())
        ids = session.message_ids()
        if isinstance(self.message, Press) and self.message.message_id is not None \
                and self.message.message_id not in ids:
            ids = (*ids, self.message.message_id)  # the pressed message, even if untracked
        self.effects.append(DeleteMessages(ids))
        return Reply(None, (neutral(self.words(session)),), tuple(self.events),
                     tuple(self.effects))

    # -- button presses ----------------------------------------------------------------

    def _press(self, session: Session, data: str) -> Reply:
        action = parse_action(data)
        match action:
            case SetLanguage(lang):
                return self._set_language(session, lang)
            case Exit():
                return self._exit(session)
            case Forget(confirmed):
                return self._forget(session, confirmed)
            case Go(node) if node == self.tree.urgent and node is not None:
                self.events.append(UrgentOpened())
                return self._go(session, node)
            case Go(node) if session.lang is None:
                # A choice on the urgent screen before a language: go there once it is chosen.
                pending = node if node in self.tree.nodes else None
                return self._picker(replace(session, pending=pending))
            case _ if session.lang is None:
                return self._picker(session)
            case None:
                return self._forged(session)
            case PickLanguage():
                return self._picker(session)
            case Menu():
                return self._at(session, ROOT, fresh=True)
            case Go(node):
                return self._go(session, node)
            case Back(node):
                return self._back(session, node)
            case Rate(node, vote):
                return self._rate(session, node, vote)
            case Contacts(need):
                if need is None:
                    return self._reply(session, (needs_screen(self.words(session), self.show),))
                self.events.append(ContactsOpened(need))
                return self._reply(session, contacts_screens(self.tree, self.words(session),
                                                             need, self.show))
            case _:
                assert_never(action)

    def _set_language(self, session: Session, lang: str) -> Reply:
        self.events.append(LanguageSet(lang))
        pending = session.pending
        session = replace(session, lang=lang, pending=None)
        if pending is not None and pending in self.tree.nodes:
            return self._at(session, pending)
        current = session.node
        return self._at(session, current if current is not None and current in self.tree.nodes
                        else ROOT)

    def _go(self, session: Session, node: str) -> Reply:
        if node not in self.tree.nodes:
            return self._stale(session)
        here = session.node
        if here is not None and here in self.tree.nodes \
                and any(c.target == node for c in self.tree.nodes[here].choices):
            self.events.append(ChoiceTaken(here, node))
        return self._at(session, node)

    def _back(self, session: Session, node: str) -> Reply:
        stack = session.stack
        if session.node == node and stack:
            target, stack = stack[-1], stack[:-1]
        else:
            target = self.tree.parent(node) or ROOT
            stack = ()
        if target not in self.tree.nodes:
            return self._stale(session)
        return self._show(session.at(target, stack))

    def _rate(self, session: Session, node: str, vote: Vote) -> Reply:
        """One vote per screen visit, changed at most once; only the counts are kept."""
        if node not in self.tree.nodes:
            return self._stale(session)
        lang = session.lang or BEFORE_A_LANGUAGE
        _ = self.words(session).gettext
        thanks = Toast(_("Thank you."))
        if session.node != node:
            session = session.visit(node)
        if session.vote is vote or session.vote_changed:
            self.effects.append(thanks)
            return self._reply(session, ())  # asked once: the screen stays as it is
        if session.vote is not None:
            self.events.append(HelpfulWithdrawn(node, lang, session.vote))
            session = replace(session, vote=vote, vote_changed=True)
        else:
            session = replace(session, vote=vote)
        self.events.append(Helpful(node, lang, vote))
        self.effects.append(thanks)
        return self._show(session, counted=False)

    def _forget(self, session: Session, confirmed: bool | None) -> Reply:
        tr = self.words(session)
        if confirmed is None:
            return self._reply(session, (forget_question(tr, self.show),))
        if not confirmed:
            self.effects.append(Toast(tr.gettext("Nothing was deleted.")))
            if session.lang is None:
                return self._picker(session)
            return self._at(session, session.node or ROOT)
        self.events.append(Forgotten())
        return Reply(None, (forgotten(tr, self.show),), tuple(self.events), tuple(self.effects))

    # -- typed questions ---------------------------------------------------------------

    def _search(self, session: Session, text: str) -> Reply:
        lang = session.lang or BEFORE_A_LANGUAGE
        self.events.append(Searched(lang))
        hits = tuple(dict.fromkeys(
            hit.node for hit in self.content.search.search(text, lang, SEARCH_HITS)
            if hit.node in self.tree.nodes))
        if not hits:
            self.events.append(SearchFoundNothing(lang))
        return self._reply(session, (search_results(self.tree, self.words(session), hits,
                                                    self.show),))

    # -- answers -----------------------------------------------------------------------

    def _forged(self, session: Session) -> Reply:
        _ = self.words(session).gettext
        self.events.append(ForgedButton())
        self.effects.append(Toast(_("This button does not work any more.")))
        return self._at(session, ROOT, fresh=True,
                        notice=_("This button does not work any more. Here is the main menu."))

    def _stale(self, session: Session) -> Reply:
        _ = self.words(session).gettext
        self.events.append(StaleButton())
        self.effects.append(Toast(_("This menu was updated.")))
        return self._at(session, ROOT, fresh=True,
                        notice=_("This menu was updated. Here is the main menu."))

    def _picker(self, session: Session) -> Reply:
        return self._reply(session, (language_picker(self.show),))

    def _at(self, session: Session, node_id: str, *, fresh: bool = False,
            notice: str | None = None) -> Reply:
        moved = session.at(node_id, ()) if fresh else session.visit(node_id)
        return self._show(moved, notice=notice)

    def _show(self, session: Session, *, notice: str | None = None,
              counted: bool = True) -> Reply:
        """The screen of session.node; a notice goes on top if the screen still fits in one
        message, else into a message of its own just before it."""
        assert session.node is not None
        node = self.tree.nodes[session.node]
        tr = self.words(session)
        helpful = HelpfulRow(ask=not session.vote_changed, vote=session.vote)
        picker = session.lang is None
        screen = node_screen(self.tree, tr, node, self.today, self.show, notice=notice,
                             helpful=helpful, picker=picker)
        screens: tuple[Screen, ...] = (screen,)
        if notice is not None and telegram_length(screen.text) > MAX_TEXT:
            alone = node_screen(self.tree, tr, node, self.today, Show.SEND, helpful=helpful,
                                picker=picker)
            screens = (note(tr, notice, self.show), alone)
        if counted:
            self._count_screen(session, node.id, node.is_answer, screen.fallback)
        return self._reply(session, screens)

    def _count_screen(self, session: Session, node: str, answer: bool,
                      fallback: str | None) -> None:
        lang = session.lang or BEFORE_A_LANGUAGE
        self.events.append(ScreenShown(node, lang))
        if answer:
            self.events.append(AnswerReached(node, lang))
        if fallback is not None:
            self.events.append(Fallback(node, lang, fallback))

    def _reply(self, session: Session, screens: tuple[Screen, ...]) -> Reply:
        return Reply(session, screens, tuple(self.events), tuple(self.effects))

    def _deeplink(self, name: str) -> str | None:
        if not name:
            return None
        node = self.tree.by_deeplink(name)
        if node is not None:
            return node.id
        return name if name in self.tree.nodes else None

    def _help(self, session: Session) -> Screen:
        tr = self.words(session)
        _ = tr.gettext
        lines = [
            "<b>" + escape(_("Kömek: your rights in Kazakhstan")) + "</b>",
            escape(_("Press the buttons to find answers, or type a question in a few words. "
                     "Every answer says which law it comes from and when we last checked it.")),
            "",
            *(f"/{spec.name} — " + escape(_(spec.description)) for spec in commands.public()),
            "",
            escape(_("This is information, not legal advice. We do not keep your name, your "
                     "number or what you type.")),
        ]
        rows = (menu_row(tr, None),)
        return Screen("\n".join(lines), rows, self.show)


def parse_command(text: str) -> Command | None:
    """'/start payload' or '/start@KomekBot payload' → Command; None for ordinary text."""
    if not text.startswith("/"):
        return None
    head, _, arg = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return Command(name, arg.strip())


__all__ = ["Command", "DeleteMessages", "Effect", "Input", "Other", "Press",
           "Reload", "Reply", "Text", "Toast", "parse_command", "respond"]
