"""Button data: small, typed, versioned ('1:go:<node>'), parsed by one function.

Telegram gives a button at most 64 bytes of callback data and lets anyone send any bytes
back, so parse_action returns None for anything it did not make.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.events import Need, Vote
from bot.i18n import LANGUAGES
from bot.tree.model import NODE_ID

VERSION = "1"
MAX_BYTES = 64
_VOTES = frozenset(v.value for v in Vote)
_NEEDS = frozenset(n.value for n in Need)


@dataclass(frozen=True, slots=True)
class Go:
    node: str


@dataclass(frozen=True, slots=True)
class Back:
    node: str  # the screen the button was on, so an old Back still knows where it was


@dataclass(frozen=True, slots=True)
class Menu:
    pass


@dataclass(frozen=True, slots=True)
class PickLanguage:
    pass


@dataclass(frozen=True, slots=True)
class SetLanguage:
    lang: str


@dataclass(frozen=True, slots=True)
class Rate:
    node: str  # the screen the vote is about: named, so an old message still counts right
    vote: Vote


@dataclass(frozen=True, slots=True)
class Contacts:
    need: Need | None = None  # None: the screen that asks what the person needs


@dataclass(frozen=True, slots=True)
class Exit:
    pass


@dataclass(frozen=True, slots=True)
class Forget:
    confirmed: bool | None = None  # None: ask first; True: delete; False: keep


Action = (Go | Back | Menu | PickLanguage | SetLanguage | Rate | Contacts | Exit | Forget)


def encode(action: Action) -> str:
    match action:
        case Go(node):
            data = f"{VERSION}:go:{node}"
        case Back(node):
            data = f"{VERSION}:back:{node}"
        case Menu():
            data = f"{VERSION}:menu"
        case PickLanguage():
            data = f"{VERSION}:langs"
        case SetLanguage(lang):
            data = f"{VERSION}:lang:{lang}"
        case Rate(node, vote):
            data = f"{VERSION}:rate:{node}:{vote.value}"
        case Contacts(None):
            data = f"{VERSION}:contacts"
        case Contacts(Need() as need):
            data = f"{VERSION}:contacts:{need.value}"
        case Exit():
            data = f"{VERSION}:exit"
        case Forget(None):
            data = f"{VERSION}:forget"
        case Forget(confirmed):
            data = f"{VERSION}:forget:{'yes' if confirmed else 'no'}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse_action(data: str | None) -> Action | None:
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if parts[0] != VERSION:
        return None
    match parts[1:]:
        case ["go", node] if NODE_ID.match(node):
            return Go(node)
        case ["back", node] if NODE_ID.match(node):
            return Back(node)
        case ["menu"]:
            return Menu()
        case ["langs"]:
            return PickLanguage()
        case ["lang", lang] if lang in LANGUAGES:
            return SetLanguage(lang)
        case ["rate", node, vote] if NODE_ID.match(node) and vote in _VOTES:
            return Rate(node, Vote(vote))
        case ["contacts"]:
            return Contacts()
        case ["contacts", need] if need in _NEEDS:
            return Contacts(Need(need))
        case ["exit"]:
            return Exit()
        case ["forget"]:
            return Forget()
        case ["forget", "yes" | "no" as answer]:
            return Forget(answer == "yes")
    return None
