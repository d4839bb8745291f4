"""A problem found in content or catalogs, with the place a moderator must go to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.tree.model import Place


class Level(StrEnum):
    ERROR = "error"  # blocks: the content is not served, CI fails
    WARNING = "warning"  # blocks only under --strict: something a moderator should fix now
    PENDING = "pending"  # never blocks: work waiting for a person (a translation, a review, a call)


@dataclass(frozen=True, slots=True)
class Problem:
    place: Place
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.level.value}: {self.message}"


def error(place: Place, message: str) -> Problem:
    return Problem(place, Level.ERROR, message)


def warning(place: Place, message: str) -> Problem:
    return Problem(place, Level.WARNING, message)


def pending(place: Place, message: str) -> Problem:
    return Problem(place, Level.PENDING, message)
