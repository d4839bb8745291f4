"""Message catalogs through Babel: read PO files, look up with the fallback chain.

English is the source language: its text is the msgid itself. A fuzzy or empty entry is
never shown; the lookup walks the chain (kk → ru → en, uz → ru → en, ru → en) and says
which language it ended up in, so the screen can tell the reader and the stats can count.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, denormalize, read_po

SOURCE_LANG = "en"
LANGUAGES = ("ru", "kk", "uz", "en")
DOMAINS = ("bot", "content")
FALLBACKS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "kk": ("kk", "ru", "en"),
    "uz": ("uz", "ru", "en"),
    "ru": ("ru", "en"),
    "en": ("en",),
})

Key = tuple[str | None, str]


# Names as their speakers write them on a language picker, where CLDR (and so Babel) differs:
# CLDR gives Uzbek as 'o‘zbek', with U+2018 (a quotation mark) where Uzbek Latin writes the
# letter U+02BB, and in the lower case of running text.
OWN_NAMES: Mapping[str, str] = MappingProxyType({"uz": "O\u02bbzbekcha"})


def language_name(code: str) -> str:
    """The language's name in itself, as on a button: 'Қазақ тілі', 'Oʻzbekcha'."""
    if code in OWN_NAMES:
        return OWN_NAMES[code]
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def po_path(locales_dir: Path, lang: str, domain: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{domain}.po"


def po_files(locales_dir: Path) -> Iterator[tuple[str, str, Path]]:
    """(language, domain, path) of every translation catalog that exists on disk."""
    for lang in LANGUAGES:
        for domain in DOMAINS:
            path = po_path(locales_dir, lang, domain)
            if lang != SOURCE_LANG and path.is_file():
                yield lang, domain, path


def read_catalog(path: Path, lang: str) -> Catalog:
    with path.open("rb") as stream:
        return lift_previous(read_po(stream, locale=lang, abort_invalid=False))


def lift_previous(catalog: Catalog) -> Catalog:
    """Babel reads `#| msgid` lines (the English a fuzzy translation was made for) as translator
    comments starting with '|'; turn them back into `previous_id` so writing keeps them."""
    for message in [*catalog, *catalog.obsolete.values()]:
        lines = [c[1:].strip() for c in message.user_comments if c.startswith("|")]
        if not lines:
            continue
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        previous = _previous_msgid(lines)
        if previous is not None:
            message.previous_id = [previous]
    return catalog


def _previous_msgid(lines: list[str]) -> str | None:
    parts: list[str] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid":
            parts = [rest.strip()]
        elif line.startswith('"') and parts:
            parts.append(line)
        elif keyword in ("msgctxt", "msgid_plural"):
            continue
        else:
            return None  # not PO syntax (an old, wrapped `#|` line): drop it rather than guess
    if not parts:
        return None
    try:
        return str(denormalize("\n".join(parts)))
    except (ValueError, IndexError):
        return None


@dataclass(frozen=True)
class CatalogFiles:
    """Every PO file read once: the parsed catalogs, and the syntax errors met on the way."""

    catalogs: Mapping[tuple[str, str], Catalog]
    errors: tuple[tuple[Path, int, str], ...]

    @classmethod
    def read(cls, locales_dir: Path) -> CatalogFiles:
        catalogs: dict[tuple[str, str], Catalog] = {}
        errors: list[tuple[Path, int, str]] = []
        for lang, domain, path in po_files(locales_dir):
            try:
                with path.open("rb") as stream:
                    catalogs[domain, lang] = lift_previous(
                        read_po(stream, locale=lang, abort_invalid=True))
            except PoFileError as exc:
                errors.append((path, int(getattr(exc, "lineno", 0)) + 1, str(exc)))
                with contextlib.redirect_stdout(io.StringIO()):  # Babel prints warnings
                    catalogs[domain, lang] = read_catalog(path, lang)
        return cls(MappingProxyType(catalogs), tuple(errors))


@dataclass(frozen=True)
class Translated:
    text: str
    lang: str


@dataclass(frozen=True)
class Catalogs:
    """Every usable translation, per (domain, language): only entries neither fuzzy nor empty."""

    entries: Mapping[tuple[str, str], Mapping[Key, str]]

    @classmethod
    def load(cls, locales_dir: Path) -> Catalogs:
        return cls.of(CatalogFiles.read(locales_dir))

    @classmethod
    def of(cls, files: CatalogFiles) -> Catalogs:
        return cls(MappingProxyType({key: MappingProxyType(_usable(catalog))
                                     for key, catalog in files.catalogs.items()}))

    @classmethod
    def empty(cls) -> Catalogs:
        return cls(MappingProxyType({}))

    def find(self, domain: str, lang: str, context: str | None, msgid: str) -> str | None:
        if lang == SOURCE_LANG:
            return msgid
        return self.entries.get((domain, lang), {}).get((context, msgid))

    def lookup(self, domain: str, lang: str, context: str | None, msgid: str) -> Translated:
        for candidate in FALLBACKS.get(lang, (SOURCE_LANG,)):
            text = self.find(domain, candidate, context, msgid)
            if text is not None:
                return Translated(text, candidate)
        return Translated(msgid, SOURCE_LANG)


def _usable(catalog: Catalog) -> dict[Key, str]:
    usable: dict[Key, str] = {}
    for message in catalog:
        if not isinstance(message.id, str) or not message.id or message.fuzzy:
            continue
        if isinstance(message.string, str) and message.string:
            usable[message.context, message.id] = message.string
    return usable


@dataclass(frozen=True)
class Translator:
    """One language's view of the catalogs, handed to the pure conversation."""

    catalogs: Catalogs
    lang: str

    def gettext(self, msgid: str) -> str:
        return self.catalogs.lookup("bot", self.lang, None, msgid).text

    def fmt(self, msgid: str, **values: object) -> str:
        """gettext, then str.format; a translation with broken placeholders falls back to English
        (the checker reports it) rather than failing in front of a user."""
        try:
            return self.gettext(msgid).format(**values)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**values)

    def content(self, context: str, msgid: str) -> Translated:
        return self.catalogs.lookup("content", self.lang, context, msgid)
