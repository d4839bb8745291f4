"""Every translatable string in the content, with its context and the place it was written.

One list serves extraction (the POT file), the checker (what is missing or fuzzy) and the
Babel extractor entry point, so they cannot disagree about what needs translating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.tree.model import Place, Tree

REVIEW_NOTE = "needs review by a native-speaking lawyer"
KEYWORDS_NOTE = ("search words, comma-separated: add the ways people type it, misspellings and "
                 "Latin-letter spellings welcome; these are never shown")


@dataclass(frozen=True, slots=True)
class ContentMessage:
    context: str
    msgid: str
    place: Place
    comment: str


def content_messages(tree: Tree) -> Iterator[ContentMessage]:
    for info in tree.trees:
        yield ContentMessage(f"tree:{info.id}", info.title, info.place, "title of a whole tree")
    for node in tree.nodes.values():
        kind = "answer" if node.is_answer else "question"
        yield ContentMessage(node.id, node.text, node.text_place or node.place,
                             f"{kind} screen text (Markdown: keep ** _ [](…) and - lists)")
        for choice in node.choices:
            yield ContentMessage(node.id, choice.label, choice.place,
                                 "button label: at most 30 characters")
        english = node.keywords.get("en")
        if english:  # read by bot/search.py, which adds the translation to that language's words
            yield ContentMessage(node.id, keywords_msgid(english), node.place, KEYWORDS_NOTE)
    for source in tree.sources.values():
        yield ContentMessage(f"source:{source.id}", source.title, source.place,
                             "title of a law, treaty or report: use its official name")
    for contact in tree.contacts.values():
        context = f"contact:{contact.id}"
        for value, what in ((contact.name, "organisation name: use its own name"),
                            (contact.what, "what this organisation does"),
                            (contact.address, "address"),
                            (contact.hours, "opening hours")):
            if value:
                yield ContentMessage(context, value, contact.place, what)


def keywords_msgid(english: tuple[str, ...]) -> str:
    """A node's English search words as one message, so translators add theirs in one place."""
    return ", ".join(english)
