"""Everything Kömek counts, declared once: each kind with its typed fields.

An event says what happened, never who or what they typed: no user id, no name, no text.
Storage turns each into one counter row (day, kind, node, lang, extra); stats reads them
back by the same kinds. A field that does not apply is stored as ''.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from bot.commands import COMMAND_NAMES
from bot.i18n import LANGUAGES
from bot.tree.model import Need

UNKNOWN_COMMAND = "unknown"


class Kind(StrEnum):
    SCREEN_SHOWN = "screen"
    CHOICE_TAKEN = "choice"
    ANSWER_REACHED = "answer"
    LANGUAGE_SET = "language"
    FALLBACK = "fallback"
    SEARCH = "search"
    SEARCH_EMPTY = "search_empty"
    HELPFUL = "helpful"
    HELPFUL_WITHDRAWN = "helpful_withdrawn"
    URGENT_OPENED = "urgent"
    CONTACTS_OPENED = "contacts"
    SAFE_EXIT = "exit"
    FORGET = "forget"
    DEEP_LINK = "deeplink"
    COMMAND = "command"
    NON_TEXT = "non_text"
    FORGED_BUTTON = "forged"
    STALE_BUTTON = "stale"
    ERROR = "error"
    UPDATE_DROPPED = "update_dropped"
    UPDATE_MERGED = "update_merged"


class Vote(StrEnum):
    YES = "yes"
    NO = "no"


class NonTextKind(StrEnum):
    """What a message held when it was not text: the kind only, never the content."""

    STICKER = "sticker"
    VOICE = "voice"
    VIDEO_NOTE = "video_note"
    VIDEO = "video"
    PHOTO = "photo"
    DOCUMENT = "document"
    AUDIO = "audio"
    LOCATION = "location"
    CONTACT = "contact"
    ANIMATION = "animation"
    POLL = "poll"
    DICE = "dice"
    OTHER = "other"


Row = tuple[str, str, str, str]  # kind, node, lang, extra


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"not a language Kömek speaks: {lang!r}")
    return lang


@dataclass(frozen=True, slots=True)
class ScreenShown:
    KIND: ClassVar[Kind] = Kind.SCREEN_SHOWN
    node: str
    lang: str

    def row(self) -> Row:
        return self.KIND, self.node, _lang(self.lang), ""


@dataclass(frozen=True, slots=True)
class ChoiceTaken:
    KIND: ClassVar[Kind] = Kind.CHOICE_TAKEN
    from_node: str
    to_node: str

    def row(self) -> Row:
        return self.KIND, self.from_node, "", self.to_node


@dataclass(frozen=True, slots=True)
class AnswerReached:
    KIND: ClassVar[Kind] = Kind.ANSWER_REACHED
    node: str
    lang: str

    def row(self) -> Row:
        return self.KIND, self.node, _lang(self.lang), ""


@dataclass(frozen=True, slots=True)
class LanguageSet:
    KIND: ClassVar[Kind] = Kind.LANGUAGE_SET
    lang: str

    def row(self) -> Row:
        return self.KIND, "", _lang(self.lang), ""


@dataclass(frozen=True, slots=True)
class Fallback:
    """A screen had to borrow words from another language than the reader's."""

    KIND: ClassVar[Kind] = Kind.FALLBACK
    node: str
    wanted: str
    shown: str

    def row(self) -> Row:
        return self.KIND, self.node, _lang(self.wanted), _lang(self.shown)


@dataclass(frozen=True, slots=True)
class Searched:
    KIND: ClassVar[Kind] = Kind.SEARCH
    lang: str

    def row(self) -> Row:
        return self.KIND, "", _lang(self.lang), ""


@dataclass(frozen=True, slots=True)
class SearchFoundNothing:
    KIND: ClassVar[Kind] = Kind.SEARCH_EMPTY
    lang: str

    def row(self) -> Row:
        return self.KIND, "", _lang(self.lang), ""


@dataclass(frozen=True, slots=True)
class Helpful:
    KIND: ClassVar[Kind] = Kind.HELPFUL
    node: str
    lang: str
    vote: Vote

    def row(self) -> Row:
        return self.KIND, self.node, _lang(self.lang), self.vote.value


@dataclass(frozen=True, slots=True)
class HelpfulWithdrawn:
    """A person changed their mind: this vote no longer stands (counters only go up)."""

    KIND: ClassVar[Kind] = Kind.HELPFUL_WITHDRAWN
    node: str
    lang: str
    vote: Vote

    def row(self) -> Row:
        return self.KIND, self.node, _lang(self.lang), self.vote.value


@dataclass(frozen=True, slots=True)
class UrgentOpened:
    KIND: ClassVar[Kind] = Kind.URGENT_OPENED

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class ContactsOpened:
    KIND: ClassVar[Kind] = Kind.CONTACTS_OPENED
    need: Need

    def row(self) -> Row:
        return self.KIND, "", "", self.need.value


@dataclass(frozen=True, slots=True)
class SafeExit:
    KIND: ClassVar[Kind] = Kind.SAFE_EXIT

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class Forgotten:
    KIND: ClassVar[Kind] = Kind.FORGET

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class DeepLinkOpened:
    KIND: ClassVar[Kind] = Kind.DEEP_LINK
    node: str

    def row(self) -> Row:
        return self.KIND, self.node, "", ""


@dataclass(frozen=True, slots=True)
class CommandUsed:
    KIND: ClassVar[Kind] = Kind.COMMAND
    name: str  # a name from the registry, or UNKNOWN_COMMAND: never what was typed

    def row(self) -> Row:
        if self.name not in COMMAND_NAMES and self.name != UNKNOWN_COMMAND:
            raise ValueError(f"not a registered command: {self.name!r}")
        return self.KIND, "", "", self.name


@dataclass(frozen=True, slots=True)
class NonText:
    KIND: ClassVar[Kind] = Kind.NON_TEXT
    what: NonTextKind

    def row(self) -> Row:
        return self.KIND, "", "", self.what.value


@dataclass(frozen=True, slots=True)
class ForgedButton:
    KIND: ClassVar[Kind] = Kind.FORGED_BUTTON

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class StaleButton:
    KIND: ClassVar[Kind] = Kind.STALE_BUTTON

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class ErrorShown:
    KIND: ClassVar[Kind] = Kind.ERROR

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class UpdateDropped:
    KIND: ClassVar[Kind] = Kind.UPDATE_DROPPED

    def row(self) -> Row:
        return self.KIND, "", "", ""


@dataclass(frozen=True, slots=True)
class UpdateMerged:
    KIND: ClassVar[Kind] = Kind.UPDATE_MERGED

    def row(self) -> Row:
        return self.KIND, "", "", ""


Event = (ScreenShown | ChoiceTaken | AnswerReached | LanguageSet | Fallback | Searched
         | SearchFoundNothing | Helpful | HelpfulWithdrawn | UrgentOpened | ContactsOpened
         | SafeExit | Forgotten | DeepLinkOpened | CommandUsed | NonText | ForgedButton
         | StaleButton | ErrorShown | UpdateDropped | UpdateMerged)

EVENT_TYPES: tuple[type[Event], ...] = (
    ScreenShown, ChoiceTaken, AnswerReached, LanguageSet, Fallback, Searched,
    SearchFoundNothing, Helpful, HelpfulWithdrawn, UrgentOpened, ContactsOpened, SafeExit,
    Forgotten, DeepLinkOpened, CommandUsed, NonText, ForgedButton, StaleButton, ErrorShown,
    UpdateDropped, UpdateMerged,
)

__all__ = [
    "EVENT_TYPES", "UNKNOWN_COMMAND", "AnswerReached", "ChoiceTaken", "CommandUsed",
    "ContactsOpened", "DeepLinkOpened", "ErrorShown", "Event", "Fallback", "ForgedButton",
    "Forgotten", "Helpful", "HelpfulWithdrawn", "Kind", "LanguageSet", "Need", "NonText",
    "NonTextKind", "Row", "SafeExit", "ScreenShown", "SearchFoundNothing", "Searched",
    "StaleButton", "UpdateDropped", "UpdateMerged", "UrgentOpened", "Vote",
]
