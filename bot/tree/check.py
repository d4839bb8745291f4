"""The checker: a list of small functions, each (tree, catalogs-on-disk, today) → problems.

CHECKS below is the whole list; the checks of translations and of the PO files themselves
live in bot/tree/check_catalogs.py. Library code only returns problems; bot/__main__.py
prints them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from bot.actions import MAX_BYTES, Back, Go, encode
from bot.i18n import (
    DOMAINS,
    LANGUAGES,
    CatalogFiles,
    Catalogs,
    Translator,
    po_path,
)
from bot.screens import MAX_TEXT, Show, node_screen, telegram_length
from bot.tree.check_catalogs import (
    bot_translations,
    catalog_files,
    english_markup,
    po_file_problems,
    po_texts,
    translations,
)
from bot.tree.model import ROOT, Place, Tree, shown_path
from bot.tree.problems import Problem, error, pending, warning

MAX_LABEL = 30
DEEPLINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "blockquote", "span"}


@dataclass(frozen=True)
class Disk:
    """What the checker needs besides the tree: the catalogs as files, and the date."""

    locales_dir: Path
    today: date
    files: CatalogFiles
    catalogs: Catalogs
    # (domain, lang) → (msgctxt, msgid) → the msgstr's line: where a translation is fixed
    msgstr_at: Mapping[tuple[str, str], Mapping[tuple[str | None, str], int]]
    # PO files that are not valid PO, with their problems: their entries are not checked
    # further, since after a syntax error the reader's idea of an entry is a guess
    broken: Mapping[Path, list[tuple[int, str]]]

    @cached_property
    def po_shown(self) -> Mapping[tuple[str, str], str]:
        """Each PO file's path as the moderator types it (resolving paths is slow: do it once)."""
        return {(domain, lang): shown_path(po_path(self.locales_dir, lang, domain))
                for lang in LANGUAGES for domain in DOMAINS}

    def is_broken(self, domain: str, lang: str) -> bool:
        return po_path(self.locales_dir, lang, domain) in self.broken

    @property
    def raw(self) -> Mapping[tuple[str, str], Catalog]:
        return self.files.catalogs

    def po_place(self, domain: str, lang: str, message: Message) -> Place:
        key = (message.context, str(message.id))
        return Place(self.po_shown[domain, lang],
                     self.msgstr_at.get((domain, lang), {}).get(key) or message.lineno or 1)


Check = Callable[[Tree, Disk], Iterable[Problem]]


def check(tree: Tree, files: CatalogFiles, locales_dir: Path,
          today: date | None = None) -> list[Problem]:
    texts = po_texts(locales_dir)
    msgstr_at = {key: text.msgstr_lines for key, text in texts.items()}
    disk = Disk(locales_dir, today or date.today(), files, Catalogs.of(files), msgstr_at,
                po_file_problems(files, locales_dir, texts))
    problems: list[Problem] = []
    for one in CHECKS:
        problems.extend(one(tree, disk))
    return sorted(problems, key=lambda p: (p.place.path, p.place.line))


def ways_on(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """No screen is a dead end, and no group of screens only leads into itself.

    Back and Main menu are on every screen, so "a way on" here means one the content gives:
    a question must offer choices; only an answer (with sources) may end a path.
    """
    for node in tree.nodes.values():
        if not node.choices and not node.is_answer:
            yield error(node.place, f"screen '{node.id}' is a dead end: it asks nothing and "
                                    "answers nothing; add choices, or sources if it answers")
        if node.choices and all(c.target == node.id for c in node.choices):
            yield error(node.place, f"screen '{node.id}' has no way on: its choices only "
                                    "lead back to itself")
    for group in closed_cycles(tree):
        first = min(group, key=lambda n: (tree.nodes[n].place.path, tree.nodes[n].place.line))
        yield error(tree.nodes[first].place,
                    f"screens {', '.join(sorted(group))} only lead to each other: a cycle with "
                    "no exit; add a choice that leads out of it")


def closed_cycles(tree: Tree) -> list[set[str]]:
    """Groups of screens whose choices only lead back into the group (not the main menu)."""
    graph = {n.id: [c.target for c in n.choices if c.target in tree.nodes]
             for n in tree.nodes.values()}
    closed = []
    for group in _strongly_connected(graph):
        looped = len(group) > 1 or any(t in group for n in group for t in graph[n])
        leaves = any(t not in group for n in group for t in graph[n])
        if looped and not leaves and ROOT not in group:
            closed.append(group)
    return closed


def _strongly_connected(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative so a deep tree cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


def unreachable(tree: Tree, disk: Disk) -> Iterator[Problem]:
    if ROOT not in tree.nodes:
        yield error(Place("content/main.yaml", 1), f"there is no node '{ROOT}' (the main menu)")
        return
    reachable = tree.reachable()
    for node in tree.nodes.values():
        if node.id not in reachable:
            yield error(node.place, f"node '{node.id}' cannot be reached from the main menu; "
                                    "add a choice that goes to it, or remove it")


def answers_cite_and_date(tree: Tree, disk: Disk) -> Iterator[Problem]:
    for node in tree.nodes.values():
        if node.citations and node.reviewed is None:
            yield error(node.place, f"answer '{node.id}' has sources but no 'reviewed' date; "
                                    "add 'reviewed:' with the day a person checked it against "
                                    "them")
        if node.reviewed is not None and not node.citations:
            yield warning(node.place, f"answer '{node.id}' has no sources; cite the law, "
                                      "treaty or report it rests on")
        if node.reviewed is not None and node.reviewed > disk.today:
            yield error(node.place, f"'reviewed' date {node.reviewed} is in the future")
        elif node.reviewed is not None and \
                node.reviewed + timedelta(days=node.review_days) < disk.today:
            yield pending(node.place, f"answer '{node.id}' was last reviewed on {node.reviewed}, "
                                      f"over {node.review_days} days ago; check it against its "
                                      "sources again, then update 'reviewed'")


def contacts_confirmed(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """A contact is only as good as the last person who called it: say which nobody has."""
    for contact in tree.contacts.values():
        if contact.confirmed is None:
            yield pending(contact.place, f"contact '{contact.id}' was taken from a source on "
                                         f"{contact.taken} and no person has confirmed it; call "
                                         "or visit, then set 'confirmed:' to that day")
        elif contact.confirmed > disk.today:
            yield error(contact.place, f"'confirmed' date {contact.confirmed} is in the future")
        elif contact.confirmed + timedelta(days=contact.review_days) < disk.today:
            yield pending(contact.place, f"contact '{contact.id}' was confirmed on "
                                         f"{contact.confirmed}, over {contact.review_days} days "
                                         "ago; check its details again")


def one_urgent_node(tree: Tree, disk: Disk) -> Iterator[Problem]:
    urgent = [node for node in tree.nodes.values() if node.urgent]
    for node in urgent[1:]:
        yield error(node.place, f"node '{node.id}' is marked urgent, but '{urgent[0].id}' "
                                f"({urgent[0].place}) already is; /urgent opens one screen")


def buttons_fit(tree: Tree, disk: Disk) -> Iterator[Problem]:
    for node in tree.nodes.values():
        for action in (Go(node.id), Back(node.id)):
            try:
                encode(action)
            except ValueError:
                yield error(node.place, f"node id '{node.id}' makes button data over "
                                        f"{MAX_BYTES} bytes; shorten it")
        if node.deeplink is not None and not DEEPLINK.match(node.deeplink):
            yield error(node.place, f"deeplink '{node.deeplink}' must be 1–64 letters, digits, "
                                    "'_' or '-' (Telegram's rule for start links)")
        for choice in node.choices:
            if len(choice.label) > MAX_LABEL:
                yield warning(choice.place, f"button label is {len(choice.label)} characters; "
                                            f"at most {MAX_LABEL} fit on a phone")


def screens_render(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """Every node, in every language, as Telegram would receive it."""
    for lang in LANGUAGES:
        tr = Translator(disk.catalogs, lang)
        for node in tree.nodes.values():
            screen = node_screen(tree, tr, node, disk.today, Show.SEND)
            size = telegram_length(screen.text)
            if size > MAX_TEXT:
                yield error(node.text_place or node.place,
                            f"[{lang}] screen '{node.id}' is {size} characters with its sources "
                            f"and contacts; Telegram allows {MAX_TEXT}; split it")
            problem = html_problem(screen.text)
            if problem:
                yield error(node.text_place or node.place,
                            f"[{lang}] screen '{node.id}' would be refused by Telegram: {problem}")
            for button in screen.buttons_flat():
                if len(button.label.encode()) > 64 * 4:
                    yield error(node.place, f"[{lang}] a button label on '{node.id}' is too long")


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problem = self.problem or f"tag <{tag}> is not allowed"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f"</{tag}> does not close the last open tag"
            return
        self.stack.pop()


def html_problem(html: str) -> str | None:
    parser = _TagChecker()
    parser.feed(html)
    parser.close()
    if parser.problem is None and parser.stack:
        return f"<{parser.stack[-1]}> is never closed"
    return parser.problem


def contacts_reachable(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """A contact listed under an answer must give a reader some way to reach it."""
    for node in tree.nodes.values():
        for contact_id in node.contacts:
            contact = tree.contacts.get(contact_id)
            if contact is not None and not (contact.phones or contact.url or contact.address):
                yield error(node.place, f"node '{node.id}' lists contact '{contact_id}', which "
                                        "has no phone, url or address, so nobody can reach it; "
                                        "add one that a source shows, or remove it from this node")


CHECKS: tuple[Check, ...] = (
    catalog_files,
    unreachable,
    ways_on,
    answers_cite_and_date,
    contacts_confirmed,
    contacts_reachable,
    one_urgent_node,
    buttons_fit,
    screens_render,
    english_markup,
    translations,
    bot_translations,
)
