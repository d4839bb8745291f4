"""A Babel extractor for content YAML, so `pybabel extract` works on content/ as well.

Registered as the `komek_content` entry point in `babel.extractors`; a Babel mapping file
line `[content/**.yaml] komek_content` uses it. Messages carry the node id as context.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from bot.tree.load import Loader
from bot.tree.messages import content_messages
from bot.tree.yamlfile import parse_text

Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_content(fileobj: IO[bytes], keywords: Mapping[str, Any],
                    comment_tags: Collection[str],
                    options: Mapping[str, Any]) -> Iterator[Extracted]:
    name = Path(getattr(fileobj, "name", "content.yaml")).name
    try:
        data, _ = parse_text(fileobj.read().decode("utf-8"), name)
    except UnicodeDecodeError:
        return
    if data is None:
        return  # `komek check` names the broken line; an extractor has no way to say it
    loader = Loader(Path("."))
    loader.read(data, name, name)
    for message in content_messages(loader.partial_tree()):
        # 'pgettext' is in Babel's default keywords as (context, message).
        yield message.place.line, "pgettext", (message.context, message.msgid), [message.comment]
