"""Read content/*.yaml into one Tree, or into the list of problems that stop it.

Line numbers come from bot.tree.yamlfile (PyYAML's C parser), so every problem names the file
and the line a moderator must open.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.tree.model import (
    NODE_ID,
    Choice,
    Citation,
    Contact,
    Need,
    Node,
    Place,
    Source,
    Tree,
    TreeInfo,
    shown_path,
)
from bot.tree.problems import Problem, error
from bot.tree.yamlfile import YList, YMap, parse

SOURCES_FILE = "sources.yaml"
CONTACTS_FILE = "contacts.yaml"
LANGS = ("en", "ru", "kk", "uz")

TREE_KEYS = {"tree": str, "title": str, "start": str, "nodes": list}
NODE_KEYS = {
    "id": str,
    "text": str,
    "choices": list,
    "sources": list,
    "contacts": list,
    "reviewed": date,
    "review_days": int,
    "keywords": dict,
    "deeplink": str,
    "urgent": bool,
}
CHOICE_KEYS = {"label": str, "to": str}
CITATION_KEYS = {"id": str, "art": str}
SOURCE_KEYS = {"id": str, "title": str, "url": str, "date": date, "research": str}
CONTACT_KEYS = {
    "id": str,
    "name": str,
    "what": str,
    "phones": list,
    "address": str,
    "hours": str,
    "url": str,
    "source": str,
    "taken": date,
    "confirmed": date,
    "review_days": int,
    "needs": list,
}
REQUIRED = {
    "tree": ("tree", "title", "start", "nodes"),
    "node": ("id", "text"),
    "choice": ("label", "to"),
    "citation": ("id",),
    "source": ("id", "title"),
    "contact": ("id", "name", "source", "taken"),
}


@dataclass(frozen=True)
class LoadResult:
    tree: Tree | None
    problems: tuple[Problem, ...]


def load_tree(content_dir: Path) -> LoadResult:
    """Load every YAML file in content_dir; the tree is None when any error was found."""
    loader = Loader(content_dir)
    tree = loader.load()
    return LoadResult(tree, tuple(loader.problems))


class Loader:
    def __init__(self, content_dir: Path) -> None:
        self.dir = content_dir
        self.problems: list[Problem] = []
        self.nodes: dict[str, Node] = {}
        self.trees: list[TreeInfo] = []
        self.sources: dict[str, Source] = {}
        self.contacts: dict[str, Contact] = {}

    def load(self) -> Tree | None:
        if not self.dir.is_dir():
            self.problems.append(error(Place(str(self.dir), 1),
                                       "the content folder does not exist"))
            return None
        files = sorted(self.dir.glob("*.yaml"))
        unreadable = False
        for path in files:
            shown = shown_path(path)
            data, problems = parse(path, shown)
            self.problems.extend(problems)
            if data is None:
                unreadable = True
                continue
            self.read(data, shown, path.name)
        if unreadable:  # references into a file that did not parse would only be noise
            return None
        self._check_references()
        if any(p.level == "error" for p in self.problems):
            return None
        return Tree.build(self.nodes, tuple(self.trees), self.sources, self.contacts)

    # -- files -------------------------------------------------------------------------

    def read(self, data: Any, shown: str, name: str) -> None:
        """Take in one parsed file; which kind it is follows from its name."""
        if name == SOURCES_FILE:
            self._read_sources(data, shown)
        elif name == CONTACTS_FILE:
            self._read_contacts(data, shown)
        else:
            self._read_tree(data, shown, Path(name).stem)

    def partial_tree(self) -> Tree:
        """What was read so far, unchecked: for extracting messages from single files."""
        return Tree.build(self.nodes, tuple(self.trees), self.sources, self.contacts)

    def _read_tree(self, data: Any, shown: str, stem: str) -> None:
        top = self._mapping(data, Place(shown, 1), "tree", TREE_KEYS)
        if top is None:
            return
        tree_id = top.get("tree")
        if isinstance(tree_id, str) and tree_id != stem:
            self.problems.append(
                error(_key_place(data, "tree", shown), f"tree is '{tree_id}' but the file is "
                      f"{stem}.yaml; name the tree after its file")
            )
        nodes = top.get("nodes")
        if not isinstance(nodes, YList):
            return
        for index, item in enumerate(nodes):
            self._read_node(item, _item_place(nodes, index, shown), stem)
        start = top.get("start")
        if isinstance(start, str) and isinstance(top.get("title"), str):
            self.trees.append(TreeInfo(stem, top["title"], start, _key_place(data, "start", shown)))

    def _read_node(self, data: Any, place: Place, tree_id: str) -> None:
        node = self._mapping(data, place, "node", NODE_KEYS)
        if node is None:
            return
        node_id = node.get("id")
        if not isinstance(node_id, str):
            return
        if not NODE_ID.match(node_id):
            self.problems.append(
                error(place, f"node id '{node_id}' must be 1–40 lower-case letters, digits or '-'")
            )
            return
        if node_id in self.nodes:
            first = self.nodes[node_id].place
            self.problems.append(error(place, f"duplicate node id '{node_id}' (first at {first})"))
            return
        shown = place.path
        choices = tuple(self._read_choices(data.get("choices"), shown))
        citations = tuple(self._read_citations(data.get("sources"), shown))
        contacts = tuple(self._read_id_list(data.get("contacts"), shown, "contacts"))
        keywords = self._read_keywords(data.get("keywords"), shown)
        self.nodes[node_id] = Node(
            id=node_id,
            tree=tree_id,
            text=str(node.get("text", "")).strip(),
            place=place,
            choices=choices,
            citations=citations,
            contacts=contacts,
            reviewed=node.get("reviewed"),
            review_days=int(node.get("review_days", 365)),
            keywords=keywords,
            deeplink=node.get("deeplink"),
            urgent=bool(node.get("urgent", False)),
            text_place=_key_place(data, "text", shown) if "text" in data else place,
        )

    def _read_choices(self, data: Any, shown: str) -> Iterator[Choice]:
        if not isinstance(data, YList):
            return
        for index, item in enumerate(data):
            place = _item_place(data, index, shown)
            choice = self._mapping(item, place, "choice", CHOICE_KEYS)
            if choice is not None and "label" in choice and "to" in choice:
                yield Choice(choice["label"].strip(), choice["to"], place)

    def _read_citations(self, data: Any, shown: str) -> Iterator[Citation]:
        if not isinstance(data, YList):
            return
        for index, item in enumerate(data):
            place = _item_place(data, index, shown)
            if isinstance(item, str):
                yield Citation(item, None, place)
                continue
            citation = self._mapping(item, place, "citation", CITATION_KEYS)
            if citation is not None and "id" in citation:
                art = citation.get("art")
                yield Citation(citation["id"], str(art) if art is not None else None, place)

    def _read_id_list(self, data: Any, shown: str, what: str) -> Iterator[str]:
        if not isinstance(data, YList):
            return
        for index, item in enumerate(data):
            if isinstance(item, str):
                yield item
            else:
                self.problems.append(
                    error(_item_place(data, index, shown), f"each of {what} must be an id (text)")
                )

    def _read_keywords(self, data: Any, shown: str) -> Mapping[str, tuple[str, ...]]:
        if not isinstance(data, YMap):
            return MappingProxyType({})
        keywords: dict[str, tuple[str, ...]] = {}
        for lang, words in data.items():
            place = _key_place(data, lang, shown)
            if lang not in LANGS:
                self.problems.append(
                    error(place, f"keywords for unknown language '{lang}'; use {', '.join(LANGS)}")
                )
            elif not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                self.problems.append(error(place, "keywords must be a list of words"))
            else:
                keywords[lang] = tuple(words)
        return MappingProxyType(keywords)

    def _read_sources(self, data: Any, shown: str) -> None:
        for source, place in self._entries(data, shown, "source", SOURCE_KEYS, self.sources):
            self.sources[source["id"]] = Source(
                id=source["id"],
                title=source.get("title", ""),
                place=place,
                url=source.get("url"),
                date=source.get("date"),
                research=source.get("research"),
            )

    def _read_contacts(self, data: Any, shown: str) -> None:
        for contact, place in self._entries(data, shown, "contact", CONTACT_KEYS, self.contacts):
            phones = contact.get("phones", [])
            self.contacts[contact["id"]] = Contact(
                id=contact["id"],
                name=contact.get("name", ""),
                place=place,
                what=contact.get("what"),
                phones=tuple(str(p) for p in phones),
                address=contact.get("address"),
                hours=contact.get("hours"),
                url=contact.get("url"),
                source=contact.get("source"),
                taken=contact.get("taken"),
                confirmed=contact.get("confirmed"),
                review_days=int(contact.get("review_days", 180)),
                needs=tuple(self._read_needs(contact.get("needs", []), place)),
            )

    def _read_needs(self, data: list[Any], place: Place) -> Iterator[Need]:
        known = ", ".join(need.value for need in Need)
        for item in data:
            if str(item) in {need.value for need in Need}:
                yield Need(str(item))
            else:
                self.problems.append(error(place, f"unknown need '{item}' in 'needs'; use "
                                                  f"{known}"))

    def _entries(self, data: Any, shown: str, what: str, keys: Mapping[str, type],
                 known: Mapping[str, Source] | Mapping[str, Contact],
                 ) -> Iterator[tuple[dict[str, Any], Place]]:
        """The well-formed entries of sources.yaml or contacts.yaml whose id is new."""
        for item, place in self._list_file(data, shown, what + "s"):
            entry = self._mapping(item, place, what, keys)
            if entry is None or "id" not in entry:
                continue
            if entry["id"] in known:
                first = known[entry["id"]].place
                self.problems.append(error(place, f"duplicate {what} id '{entry['id']}' "
                                                  f"(first at {first})"))
                continue
            yield entry, place

    def _list_file(self, data: Any, shown: str, key: str) -> Iterable[tuple[Any, Place]]:
        if not isinstance(data, YMap) or set(data) != {key}:
            self.problems.append(error(Place(shown, 1), f"the file must hold one key, '{key}:', "
                                                        "with a list under it"))
            return []
        items = data[key]
        if not isinstance(items, YList):
            self.problems.append(error(_key_place(data, key, shown), f"'{key}' must be a list"))
            return []
        return [(item, _item_place(items, i, shown)) for i, item in enumerate(items)]

    # -- shapes ------------------------------------------------------------------------

    def _mapping(
        self, data: Any, place: Place, what: str, keys: Mapping[str, type]
    ) -> dict[str, Any] | None:
        """Check one mapping's keys and value types; return the good values."""
        if not isinstance(data, YMap):
            self.problems.append(error(place, f"a {what} must be a mapping of "
                                              f"{', '.join(keys)}"))
            return None
        good: dict[str, Any] = {}
        for key, value in data.items():
            key_place = _key_place(data, key, place.path)
            if key not in keys:
                self.problems.append(error(key_place, _unknown_key(str(key), what, keys)))
                continue
            expected = keys[key]
            if expected is str and isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                self.problems.append(
                    error(key_place, f"'{key}' must be {_type_name(expected)}, "
                                     f"not {_type_name(type(value))}")
                )
                continue
            if isinstance(value, str) and not value.strip():
                self.problems.append(error(key_place, f"'{key}' is empty"))
                continue
            good[str(key)] = value
        for key in REQUIRED[what]:
            if key not in data:
                self.problems.append(error(place, f"this {what} has no '{key}'"))
        return good

    # -- references --------------------------------------------------------------------

    def _check_references(self) -> None:
        for node in self.nodes.values():
            for choice in node.choices:
                if choice.target not in self.nodes:
                    self.problems.append(error(choice.place, _missing(
                        f"choice '{choice.label}' goes to node", choice.target, self.nodes)))
            for citation in node.citations:
                if citation.source not in self.sources:
                    self.problems.append(error(citation.place, _missing(
                        "unknown source", citation.source, self.sources)))
            for contact_id in node.contacts:
                if contact_id not in self.contacts:
                    self.problems.append(error(node.place, _missing(
                        "unknown contact", contact_id, self.contacts)))
        for contact in self.contacts.values():
            if contact.source is not None and contact.source not in self.sources:
                self.problems.append(error(contact.place, _missing(
                    "unknown source", contact.source, self.sources)))
        for info in self.trees:
            if info.start not in self.nodes:
                self.problems.append(error(info.place, _missing(
                    "start node", info.start, self.nodes)))


def _missing(what: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{what} '{name}', which does not exist{hint}"


def _unknown_key(key: str, what: str, keys: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(keys), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}' in a {what}; allowed: {', '.join(keys)}.{hint}"


def _type_name(kind: type) -> str:
    return {
        str: "text",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
        date: "a date like 2026-11-28",
        bool: "yes/no",
        type(None): "empty",
        YList: "a list",
        YMap: "a mapping",
    }.get(kind, kind.__name__)


def _key_place(data: YMap, key: Any, shown: str) -> Place:
    return Place(shown, data.key_lines.get(key, data.line))


def _item_place(data: YList, index: int, shown: str) -> Place:
    return Place(shown, data.item_lines[index] if index < len(data.item_lines) else data.line)
