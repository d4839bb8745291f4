"""The content model: one immutable Tree of nodes, choices, sources and contacts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

ROOT = "main"
# Short enough that "1:back:<id>" fits Telegram's 64 bytes of button data with room to spare.
NODE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class Need(StrEnum):
    """What a person can ask /contacts for; a contact's `needs:` names those it serves."""

    ASYLUM = "asylum"
    WORK = "work"
    ABUSE = "abuse"
    LEGAL = "legal"


def shown_path(path: Path) -> str:
    """A path as a moderator would type it: relative to where the command runs."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True, slots=True)
class Place:
    """Where something was written: a file and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    target: str
    place: Place


@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    art: str | None
    place: Place


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    tree: str
    text: str
    place: Place
    choices: tuple[Choice, ...] = ()
    citations: tuple[Citation, ...] = ()
    contacts: tuple[str, ...] = ()
    reviewed: date | None = None
    review_days: int = 365
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    deeplink: str | None = None
    urgent: bool = False  # what /urgent and the main menu's urgent button open
    text_place: Place | None = None

    @property
    def is_answer(self) -> bool:
        return bool(self.citations) or self.reviewed is not None


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    place: Place
    url: str | None = None
    date: date | None = None
    research: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str
    place: Place
    what: str | None = None
    phones: tuple[str, ...] = ()
    address: str | None = None
    hours: str | None = None
    url: str | None = None
    source: str | None = None
    taken: date | None = None  # the day these details were read from `source`
    confirmed: date | None = None  # the day a person last called or visited: None until then
    review_days: int = 180
    needs: tuple[Need, ...] = ()  # what /contacts lists it under

    @property
    def reachable(self) -> bool:
        """A way to reach it: a contact without one is never listed on its own."""
        return bool(self.phones or self.url or self.address)


@dataclass(frozen=True, slots=True)
class TreeInfo:
    id: str
    title: str
    start: str
    place: Place


@dataclass(frozen=True)
class Tree:
    """Everything the content says, checked and frozen; replaced whole on reload."""

    nodes: Mapping[str, Node]
    trees: tuple[TreeInfo, ...]
    sources: Mapping[str, Source]
    contacts: Mapping[str, Contact]
    parents: Mapping[str, str]

    @classmethod
    def build(
        cls,
        nodes: Mapping[str, Node],
        trees: tuple[TreeInfo, ...],
        sources: Mapping[str, Source],
        contacts: Mapping[str, Contact],
    ) -> Tree:
        parents: dict[str, str] = {}
        for node in _breadth_first(nodes):
            for choice in node.choices:
                parents.setdefault(choice.target, node.id)
        return cls(
            nodes=MappingProxyType(dict(nodes)),
            trees=trees,
            sources=MappingProxyType(dict(sources)),
            contacts=MappingProxyType(dict(contacts)),
            parents=MappingProxyType(parents),
        )

    def parent(self, node_id: str) -> str | None:
        return self.parents.get(node_id)

    def reachable(self) -> set[str]:
        return {node.id for node in _breadth_first(self.nodes)}

    @property
    def urgent(self) -> str | None:
        """The node marked `urgent: true` (the checker allows at most one)."""
        for node in self.nodes.values():
            if node.urgent:
                return node.id
        return None

    def by_deeplink(self, name: str) -> Node | None:
        for node in self.nodes.values():
            if node.deeplink == name:
                return node
        return None


def _breadth_first(nodes: Mapping[str, Node]) -> list[Node]:
    """Nodes in the order a reader meets them from the main menu, so a parent is the nearest."""
    if ROOT not in nodes:
        return []
    seen = {ROOT}
    order = [nodes[ROOT]]
    for node in order:
        for choice in node.choices:
            if choice.target in nodes and choice.target not in seen:
                seen.add(choice.target)
                order.append(nodes[choice.target])
    return order
