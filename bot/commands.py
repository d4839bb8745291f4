"""Every command Kömek answers, declared once.

The conversation dispatches from this list, /help is drawn from it, and the channel sends it
to Telegram's command menu in each language; a test keeps the three in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def _(msgid: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return msgid


class Who(StrEnum):
    EVERYONE = "everyone"
    ADMINS = "admins"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str  # an English msgid of the bot domain
    who: Who = Who.EVERYONE


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", _("start again")),
    CommandSpec("menu", _("main menu")),
    CommandSpec("urgent", _("urgent help: if you may be sent back")),
    CommandSpec("contacts", _("organisations that help")),
    CommandSpec("language", _("change the language")),
    CommandSpec("help", _("this help")),
    CommandSpec("exit", _("leave at once and clear this chat")),
    CommandSpec("forget", _("delete everything Kömek keeps about you")),
    CommandSpec("reload", _("reload the content from disk"), Who.ADMINS),
    CommandSpec("stats", _("anonymous statistics: /stats 30 for the last 30 days"), Who.ADMINS),
)

COMMAND_NAMES = frozenset(spec.name for spec in COMMANDS)


def find(name: str, admin: bool) -> CommandSpec | None:
    """The command this person may use under that name; an admin command is unknown to others."""
    for spec in COMMANDS:
        if spec.name == name and (spec.who is Who.EVERYONE or admin):
            return spec
    return None


def public() -> tuple[CommandSpec, ...]:
    return tuple(spec for spec in COMMANDS if spec.who is Who.EVERYONE)


__all__ = ["COMMANDS", "COMMAND_NAMES", "CommandSpec", "Who", "find", "public"]
