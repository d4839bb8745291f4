"""What the Markdown of one string will look like to a reader, for comparing a translation with
its English: the marks Telegram will show as formatting, and those it will show literally.

Parsed with the same markdown-it settings as bot/tree/render.py, so "shown literally" means
exactly what the renderer will do with it, not a guess from counting characters.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_STRAY = re.compile(r"\*\*|\*|__|_|~~")
_MAY_HAVE_MARKUP = re.compile(r"[*_<>\[\]~`\n#]|^\s*(?:[-+]|\d+[.)])\s")


@dataclass(frozen=True)
class Shape:
    bold: int
    italic: int
    bullets: int
    links: tuple[str, ...]
    lines: int
    literal: tuple[str, ...]  # marks that will reach the reader as characters: '**', '<b>'…
    placeholders: frozenset[str]


@lru_cache(maxsize=8192)
def shape(text: str) -> Shape:
    if not _MAY_HAVE_MARKUP.search(text):  # most labels and titles: no need to parse
        return Shape(0, 0, 0, (), 0, (), placeholders(text))
    bold = italic = bullets = 0
    links: list[str] = []
    literal: list[str] = []
    for block in _md.parse(text):
        if block.type == "list_item_open" and block.markup in "-*+":
            bullets += 1
        for token in block.children or []:
            if token.type == "strong_open":
                bold += 1
            elif token.type == "em_open":
                italic += 1
            elif token.type == "link_open":
                links.append(str(token.attrGet("href") or ""))
            elif token.type == "text":
                literal += HTML_TAG.findall(token.content)
                literal += [m[0] for m in _STRAY.finditer(token.content)
                            if not _inside_word(token.content, m)]
            elif token.type in ("html_inline", "html_block"):
                literal.append(token.content)
    return Shape(bold, italic, bullets, tuple(sorted(links)), text.count("\n"),
                 tuple(literal), placeholders(text))


def _inside_word(text: str, mark: re.Match[str]) -> bool:
    """'_' between two letters (a file name, a handle) is meant as a character."""
    before, after = text[mark.start() - 1:mark.start()], text[mark.end():mark.end() + 1]
    return mark[0] == "_" and before.isalnum() and after.isalnum()


def placeholders(text: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text)
                         if name is not None)
    except ValueError:
        return frozenset({"<unbalanced { or }>"})


def literal_tags(text: str) -> list[str]:
    return [m for m in shape(text).literal if m.startswith("<")]


def shown_literally(english: str, translated: str) -> list[str]:
    """What a translation adds that the reader will see as raw characters."""
    allowed = Counter(shape(english).literal)
    extra = []
    for mark in shape(translated).literal:  # in the order the reader meets them
        if allowed[mark] > 0:
            allowed[mark] -= 1
        else:
            extra.append(mark)
    return extra


def differences(english: str, translated: str) -> list[str]:
    """Formatting the translation has in other numbers than its English (not an error: a
    translator may have good reason; a moderator should look)."""
    en, tr = shape(english), shape(translated)
    found = []
    for what, a, b in (("bold", en.bold, tr.bold), ("italic", en.italic, tr.italic),
                       ("'- ' list items", en.bullets, tr.bullets),
                       ("line breaks", en.lines, tr.lines)):
        if a != b:
            found.append(f"{what}: {a} in the English, {b} here")
    return found
