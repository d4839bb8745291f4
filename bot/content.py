"""The live content: one Tree and its catalogs, swapped whole on reload, never patched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.i18n import Catalogs
from bot.tree.load import load_tree
from bot.tree.model import Tree
from bot.tree.problems import Level, Problem


@dataclass(frozen=True)
class Content:
    tree: Tree
    catalogs: Catalogs


class ContentSource:
    """Holds the current Content; a handler reads .current once per update."""

    def __init__(self, content_dir: Path, locales_dir: Path, current: Content) -> None:
        self.content_dir = content_dir
        self.locales_dir = locales_dir
        self.current = current

    @classmethod
    def load(cls, content_dir: Path, locales_dir: Path) -> tuple[ContentSource | None,
                                                                  tuple[Problem, ...]]:
        content, problems = build(content_dir, locales_dir)
        if content is None:
            return None, problems
        return cls(content_dir, locales_dir, content), problems

    def reload(self) -> tuple[bool, tuple[Problem, ...]]:
        """Build a new Content from disk; swap it in only if it has no errors."""
        content, problems = build(self.content_dir, self.locales_dir)
        if content is None:
            return False, problems
        self.current = content
        return True, problems


def build(content_dir: Path, locales_dir: Path) -> tuple[Content | None, tuple[Problem, ...]]:
    from bot.tree.check import check  # the checker needs catalogs; import here to keep load light

    result = load_tree(content_dir)
    if result.tree is None:
        return None, result.problems
    catalogs = Catalogs.load(locales_dir)
    problems = result.problems + tuple(check(result.tree, catalogs, locales_dir))
    if any(p.level is Level.ERROR for p in problems):
        return None, problems
    return Content(result.tree, catalogs), problems
