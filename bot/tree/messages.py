"""Every translatable string in the content, with its context, its role and its place.

One list serves extraction (the POT file), the checker (what is missing or fuzzy) and the
Babel extractor entry point, so they cannot disagree about what needs translating.

The context (msgctxt) says where a string is shown: the node id, `tree:<id>`, `source:<id>`
or `contact:<id>`. A node's text and its button labels share the node's context, so each
message also has a role ("text", "label>work-permit", "title", "name"…), written into its
`#.` comment. `i18n update` keeps an old translation (as fuzzy) only for a new English string
with the same context and the same role: never a guess from a similar-looking string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.tree.model import Place, Tree

REVIEW_NOTE = "needs review by a native-speaking lawyer"
KEYWORDS_NOTE = ("search words, comma-separated: add the ways people type it, misspellings and "
                 "Latin-letter spellings welcome; these are never shown")

_COMMENTS = {
    "tree-title": "title of a whole tree",
    "text": "screen text (Markdown: keep ** _ [](…) and - lists)",
    "source-title": "title of a law, treaty or report: use its official name",
    "name": "organisation name: use its own name",
    "what": "what this organisation does",
    "address": "address",
    "hours": "opening hours",
    "keywords": KEYWORDS_NOTE,
}
_LABEL = re.compile(r"^button label to '([^']+)'")


@dataclass(frozen=True, slots=True)
class ContentMessage:
    context: str
    msgid: str
    place: Place
    role: str
    kind: str = ""  # "answer " or "question " before a screen text's comment

    @property
    def comment(self) -> str:
        if self.role.startswith("label>"):
            target = self.role.removeprefix("label>")
            return f"button label to '{target}': at most 30 characters"
        return self.kind + _COMMENTS[self.role]


def role_of(auto_comments: Iterable[str]) -> str | None:
    """The role a catalog entry's `#.` comment names; None for a label written before labels
    named their target (such an entry is carried over only when unambiguous, see catalogs)."""
    for comment in auto_comments:
        label = _LABEL.match(comment)
        if label:
            return f"label>{label[1]}"
        for role, text in _COMMENTS.items():
            if comment == text or (role == "text" and comment.endswith(" " + text)):
                return role
    return None


def content_messages(tree: Tree) -> Iterator[ContentMessage]:
    for info in tree.trees:
        yield ContentMessage(f"tree:{info.id}", info.title, info.place, "tree-title")
    for node in tree.nodes.values():
        kind = "answer " if node.is_answer else "question "
        yield ContentMessage(node.id, node.text, node.text_place or node.place, "text", kind)
        for choice in node.choices:
            yield ContentMessage(node.id, choice.label, choice.place, f"label>{choice.target}")
        english = node.keywords.get("en")
        if english:  # read by bot/search.py, which adds the translation to that language's words
            yield ContentMessage(node.id, keywords_msgid(english), node.place, "keywords")
    for source in tree.sources.values():
        yield ContentMessage(f"source:{source.id}", source.title, source.place, "source-title")
    for contact in tree.contacts.values():
        context = f"contact:{contact.id}"
        for value, role in ((contact.name, "name"), (contact.what, "what"),
                            (contact.address, "address"), (contact.hours, "hours")):
            if value:
                yield ContentMessage(context, value, contact.place, role)


def keywords_msgid(english: tuple[str, ...]) -> str:
    """A node's English search words as one message, so translators add theirs in one place."""
    return ", ".join(english)
