"""The live content: one Tree, its catalogs and its search index, swapped whole on reload."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import CatalogFiles, Catalogs
from bot.search import SearchIndex
from bot.tree.load import load_tree
from bot.tree.model import Tree
from bot.tree.problems import Level, Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    """Everything a conversation reads, built together so the three always agree."""

    tree: Tree
    catalogs: Catalogs
    search: SearchIndex

    @classmethod
    def of(cls, tree: Tree, catalogs: Catalogs) -> Content:
        return cls(tree, catalogs, SearchIndex.build(tree, catalogs))


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


@dataclass(frozen=True)
class Built:
    """One attempt to build content: what was read, what is wrong, and the result if usable."""

    content: Content | None
    problems: tuple[Problem, ...]
    tree: Tree | None = None
    files: CatalogFiles | None = None


def build(content_dir: Path, locales_dir: Path) -> tuple[Content | None, tuple[Problem, ...]]:
    built = build_all(content_dir, locales_dir)
    return built.content, built.problems


def build_all(content_dir: Path, locales_dir: Path) -> Built:
    from bot.tree.check import check  # the checker renders screens; keep plain loading light

    result = load_tree(content_dir)
    if result.tree is None:
        return Built(None, result.problems)
    files = CatalogFiles.read(locales_dir)
    problems = result.problems + tuple(check(result.tree, files, locales_dir))
    content = None
    if not any(p.level is Level.ERROR for p in problems):
        content = Content.of(result.tree, Catalogs.of(files))
    return Built(content, problems, result.tree, files)


def fingerprint(content_dir: Path, locales_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of every file a reload would read."""
    files = sorted([*content_dir.glob("*.yaml"), *locales_dir.glob("*/LC_MESSAGES/*.po")])
    marks = []
    for path in files:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # an editor's save in progress: the next look will see it
        marks.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(marks)


async def watch(source: ContentSource, stop: asyncio.Event, interval: float = 2.0) -> None:
    """Reload when files change (CONTENT_WATCH=1); a broken edit leaves the live tree alone."""
    seen = fingerprint(source.content_dir, source.locales_dir)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        now = fingerprint(source.content_dir, source.locales_dir)
        if now == seen:
            continue
        seen = now
        swapped, problems = await asyncio.to_thread(source.reload)
        errors = [p for p in problems if p.level is Level.ERROR]
        if swapped:
            log.info("content changed on disk: reloaded (%d screens)",
                     len(source.current.tree.nodes))
        else:
            log.warning("content changed on disk but has %d errors; keeping the old tree; "
                        "first: %s", len(errors), errors[0] if errors else "")
