"""Placeholder for the search index built on the `search` branch: finds nothing.

Only its interface is relied on here; merging `search` replaces this file whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalogs
from bot.tree.model import Tree


@dataclass(frozen=True, slots=True)
class Hit:
    node: str
    score: float


class SearchIndex:
    @classmethod
    def build(cls, tree: Tree, catalogs: Catalogs) -> SearchIndex:
        return cls()

    def search(self, query: str, lang: str, limit: int = 5) -> tuple[Hit, ...]:
        return ()

    @classmethod
    def empty(cls) -> SearchIndex:
        return cls()
