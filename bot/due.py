"""When each fact falls due for checking again: answers by `reviewed`, contacts by `confirmed`.

A moderator plans a month of calls and readings from this list. A contact no person has
confirmed yet is due now: its details were only read from a source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.tree.model import Place, Tree

Kind = Literal["answer", "contact"]


@dataclass(frozen=True, slots=True)
class Due:
    """One answer or contact, and the day its next check falls due."""

    on: date
    kind: Kind
    id: str
    place: Place
    checked: date | None  # the last review or confirmation; None: never confirmed
    review_days: int
    taken: date | None = None  # contacts: the day the details were read from `source`
    source: str | None = None

    def days_left(self, today: date) -> int:
        return (self.on - today).days

    @property
    def why(self) -> str:
        if self.kind == "answer":
            return f"reviewed {self.checked}, every {self.review_days} days"
        if self.checked is None:
            return f"never confirmed, taken from {self.source} on {self.taken}"
        return f"confirmed {self.checked}, every {self.review_days} days"


def due(tree: Tree, today: date, within: int | None = None) -> list[Due]:
    """Everything with a review date, oldest first; with `within`, only what falls due by
    today + within days (overdue and never-confirmed included)."""
    items = sorted(_all(tree, today), key=lambda d: (d.on, d.kind, d.place.path, d.place.line))
    if within is None:
        return items
    last = today + timedelta(days=within)
    return [item for item in items if item.on <= last]


def _all(tree: Tree, today: date) -> Iterator[Due]:
    for node in tree.nodes.values():
        if node.reviewed is not None:
            yield Due(node.reviewed + timedelta(days=node.review_days), "answer", node.id,
                      node.place, node.reviewed, node.review_days)
    for contact in tree.contacts.values():
        on = today if contact.confirmed is None else \
            contact.confirmed + timedelta(days=contact.review_days)
        yield Due(on, "contact", contact.id, contact.place, contact.confirmed,
                  contact.review_days, contact.taken, contact.source)
