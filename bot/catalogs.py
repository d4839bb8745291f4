"""Making and updating the gettext catalogs with Babel: extract, update, status.

Two domains: 'bot' (the bot's own words, extracted from bot/*.py) and 'content' (every
string in content/*.yaml, with the node id as context and file:line as reference).
Babel's Catalog.update marks a translation fuzzy when its English changed, so an outdated
translation is never shown as current.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from bot.i18n import DOMAINS, LANGUAGES, SOURCE_LANG, CatalogFiles, po_path, read_catalog
from bot.tree.messages import KEYWORDS_NOTE, REVIEW_NOTE, content_messages
from bot.tree.model import Tree

BOT_KEYWORDS = {"_": None, "gettext": None, "fmt": None}
PROJECT = "Kömek"


def _new_catalog(lang: str | None = None) -> Catalog:
    return Catalog(locale=lang, project=PROJECT, version="1", fuzzy=False,
                   msgid_bugs_address="translations@komek.invalid", charset="utf-8",
                   creation_date=datetime(2026, 11, 28, tzinfo=UTC))


def bot_template(code_dir: Path) -> Catalog:
    catalog = _new_catalog()
    root = code_dir.parent
    for filename, lineno, message, comments, context in extract_from_dir(
        str(code_dir), method_map=[("**.py", "python")], keywords=BOT_KEYWORDS,
        comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
    ):
        path = (code_dir / filename).relative_to(root).as_posix()
        catalog.add(message, locations=[(path, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def content_template(tree: Tree) -> Catalog:
    catalog = _new_catalog()
    for message in content_messages(tree):
        catalog.add(message.msgid, locations=[(message.place.path, message.place.line)],
                    auto_comments=[message.comment], context=message.context)
    return catalog


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        write_po(stream, catalog, width=100, sort_output=False, sort_by_file=False,
                 include_previous=True)


def extract(tree: Tree, code_dir: Path, locales_dir: Path) -> dict[str, Path]:
    """Write locales/<domain>.pot for both domains."""
    written = {}
    for domain, template in (("bot", bot_template(code_dir)), ("content", content_template(tree))):
        path = locales_dir / f"{domain}.pot"
        write_catalog(template, path)
        written[domain] = path
    return written


def update(locales_dir: Path, langs: tuple[str, ...] = LANGUAGES,
           domains: tuple[str, ...] = DOMAINS) -> list[Path]:
    """Merge each template into each language's PO file, creating missing ones."""
    written = []
    for domain in domains:
        template_path = locales_dir / f"{domain}.pot"
        template = read_catalog(template_path, "en")
        for lang in langs:
            if lang == SOURCE_LANG:
                continue
            path = po_path(locales_dir, lang, domain)
            if path.is_file():
                catalog = read_catalog(path, lang)
                catalog.update(template, update_header_comment=False)
                # Entries whose English is gone stay as obsolete (#~) so nothing is lost.
            else:
                catalog = _new_catalog(lang)
                for message in template:
                    if message.id:
                        catalog.add(message.id, locations=message.locations,
                                    auto_comments=message.auto_comments,
                                    context=message.context)
            write_catalog(catalog, path)
            written.append(path)
    return written


@dataclass(frozen=True)
class Coverage:
    lang: str
    domain: str
    total: int
    translated: int
    fuzzy: int
    needs_review: int

    @property
    def missing(self) -> int:
        return self.total - self.translated - self.fuzzy


def status(locales_dir: Path, tree: Tree, code_dir: Path) -> Iterator[Coverage]:
    templates = {"bot": bot_template(code_dir), "content": content_template(tree)}
    files = CatalogFiles.read(locales_dir)
    for lang in LANGUAGES:
        if lang == SOURCE_LANG:
            continue
        for domain, template in templates.items():
            yield coverage(template, files.catalogs.get((domain, lang)), lang, domain)


def coverage(template: Catalog, catalog: Catalog | None, lang: str, domain: str) -> Coverage:
    translated = fuzzy = review = 0
    shown = [message for message in template if message.id and not _search_words(message)]
    for message in shown:
        entry = catalog.get(message.id, context=message.context) if catalog else None
        if entry is None or not entry.string:
            continue
        if entry.fuzzy:
            fuzzy += 1
        else:
            translated += 1
        if any(REVIEW_NOTE in c for c in entry.user_comments + entry.auto_comments):
            review += 1
    return Coverage(lang, domain, len(shown), translated, fuzzy, review)


def _search_words(message: Message) -> bool:
    """A node's search words are never shown, so they are never missing from a screen."""
    return KEYWORDS_NOTE in message.auto_comments
