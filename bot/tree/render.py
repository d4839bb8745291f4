"""Markdown from content files → the HTML subset Telegram accepts.

markdown-it-py parses; this module only maps its tokens onto Telegram's tags (b, i, s,
code, pre, a) and escapes text with the standard library, so no hand-made escaping can
let a stray '<' break a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

_md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")

_INLINE_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "<s>",
    "s_close": "</s>",
    "link_close": "</a>",
}


@lru_cache(maxsize=4096)
def to_html(markdown: str) -> str:
    """Render Markdown to Telegram HTML; cached because screens are rendered per message."""
    return _blocks(_md.parse(markdown)).strip()


def _blocks(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    lists: list[list[int]] = []  # a stack of [next number] for ordered, [] for bullets
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                out.append("\n")
        elif kind == "list_item_open":
            indent = "  " * (len(lists) - 1)
            counter = lists[-1] if lists else []
            if counter:
                out.append(f"{indent}{counter[0]}. ")
                counter[0] += 1
            else:
                out.append(f"{indent}• ")
        elif kind == "list_item_close":
            if not out[-1].endswith("\n"):
                out.append("\n")
        elif kind == "paragraph_close":
            out.append("\n" if lists else "\n\n")
        elif kind == "heading_open":
            out.append("<b>")
        elif kind == "heading_close":
            out.append("</b>\n\n")
        elif kind in ("fence", "code_block"):
            out.append(f"<pre>{escape(token.content.rstrip())}</pre>\n\n")
        elif kind == "hr":
            out.append("———\n\n")
        elif kind == "inline":
            out.append(_inline(token.children or []))
    return "".join(out)


def _inline(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        kind = token.type
        if kind == "text":
            out.append(escape(token.content, quote=False))
        elif kind == "code_inline":
            out.append(f"<code>{escape(token.content, quote=False)}</code>")
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            out.append(f'<a href="{escape(str(token.attrGet("href") or ""))}">')
        elif kind in _INLINE_TAGS:
            out.append(_INLINE_TAGS[kind])
        elif kind == "image":
            out.append(escape(token.content, quote=False))
    return "".join(out)
