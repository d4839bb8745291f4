"""Making and updating the gettext catalogs with Babel: extract, update, status.

Two domains: 'bot' (the bot's own words, extracted from bot/*.py) and 'content' (every
string in content/*.yaml, with the node id as context and file:line as reference).

`update` never guesses. An English string that is new arrives with an empty translation (the
bot falls back, with its note). A string that changed keeps its old translation only when it
has the same context and the same role as the one it replaces (the text of node X, the label
of X's button to Y, the title of source Z), and then as fuzzy, with the English it was made
for as `#| msgid`. Babel's similarity matching, which pairs strings across contexts, is off.

Catalogs are written by `po_lines` rather than Babel's write_po, whose `#| msgid` lines are
wrapped into something no PO reader accepts (and which a second run garbles further).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from textwrap import TextWrapper

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import normalize

from bot.i18n import DOMAINS, LANGUAGES, SOURCE_LANG, CatalogFiles, po_path, read_catalog
from bot.tree.messages import KEYWORDS_NOTE, REVIEW_NOTE, content_messages, role_of
from bot.tree.model import Tree

BOT_KEYWORDS = {"_": None, "gettext": None, "fmt": None}
PROJECT = "Kömek"
WIDTH = 100
LEGACY_LABEL = "button label: "  # the comment before labels named their target (until 2026-12)
# `# reviewed-by: Name 2026-12-01`, written by the reviewer; `update` adds `text:<seal>`, a
# fingerprint of the translation read, so an edit made afterwards counts as unreviewed again.
REVIEWED = re.compile(r"^reviewed-by:\s+(?P<who>.+?)\s+(?P<day>\d{4}-\d{2}-\d{2})"
                      r"(?:\s+text:(?P<seal>[0-9a-f]{8}))?\s*$")


def _new_catalog(lang: str | None = None) -> Catalog:
    return Catalog(locale=lang, project=PROJECT, version="1", fuzzy=False,
                   msgid_bugs_address="translations@komek.invalid", charset="utf-8",
                   creation_date=datetime(2026, 11, 28, tzinfo=UTC),
                   last_translator="Kömek translators <translations@komek.invalid>",
                   language_team=f"{lang} <translations@komek.invalid>")


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
    path.write_text("".join(po_lines(catalog)), encoding="utf-8")


def po_lines(catalog: Catalog, width: int = WIDTH) -> Iterator[str]:
    """The catalog as PO text, as Babel's write_po lays it out, but with `#|` lines that are
    valid PO: every continuation line of a wrapped previous msgid starts with `#| `."""
    wrap = TextWrapper(width=width, break_long_words=False, break_on_hyphens=False).wrap

    def comments(prefix: str, texts: Iterable[str]) -> Iterator[str]:
        for text in texts:
            for line in wrap(text) or [""]:
                yield f"#{prefix} {line.strip()}".rstrip() + "\n"

    def fields(message: Message, prefix: str = "") -> Iterator[str]:
        if message.context:
            yield f"{prefix}msgctxt {normalize(message.context, prefix=prefix, width=width)}\n"
        yield f"{prefix}msgid {normalize(str(message.id), prefix=prefix, width=width)}\n"
        yield f"{prefix}msgstr {normalize(str(message.string or ''), prefix=prefix, width=width)}\n"

    yield catalog.header_comment.rstrip("\n") + "\n"
    for message in catalog:
        yield from comments("", message.user_comments)
        yield from comments(".", message.auto_comments)
        if message.locations:
            places = " ".join(dict.fromkeys(f"{p}:{n}" if n else p for p, n in message.locations))
            yield from comments(":", [places])
        if message.flags:
            yield "#, " + ", ".join(sorted(message.flags)) + "\n"
        if message.previous_id and message.fuzzy:
            previous = message.previous_id[0]
            yield f"#| msgid {normalize(previous, prefix='#| ', width=width)}\n"
        yield from fields(message)
        yield "\n"
    for message in catalog.obsolete.values():
        yield from comments("", message.user_comments)
        yield from fields(message, "#~ ")
        yield "\n"


def extract(tree: Tree, code_dir: Path, locales_dir: Path,
            domains: tuple[str, ...] = DOMAINS) -> dict[str, Path]:
    """Write locales/<domain>.pot for each domain asked for."""
    written = {}
    for domain in domains:
        template = bot_template(code_dir) if domain == "bot" else content_template(tree)
        path = locales_dir / f"{domain}.pot"
        write_catalog(template, path)
        written[domain] = path
    return written


def update(locales_dir: Path, langs: tuple[str, ...] = LANGUAGES,
           domains: tuple[str, ...] = DOMAINS) -> list[Path]:
    """Merge each template into each language's PO file, creating missing ones."""
    written = []
    for domain in domains:
        for lang in langs:
            if lang == SOURCE_LANG:
                continue
            # Read afresh for each language: Babel's update adopts the template's Message
            # objects, so a translation carried over for one language would leak into the next.
            template = read_catalog(locales_dir / f"{domain}.pot", SOURCE_LANG)
            path = po_path(locales_dir, lang, domain)
            catalog = read_catalog(path, lang) if path.is_file() else _new_catalog(lang)
            write_catalog(merge(catalog, template), path)
            written.append(path)
    return written


def merge(catalog: Catalog, template: Catalog) -> Catalog:
    """Bring `catalog` in line with `template`, in place (see the module docstring)."""
    before = {(m.context, m.id): m for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    for key, message in before.items():
        kept = catalog.get(key[1], context=key[0])
        if kept is not None and kept.fuzzy and message.previous_id:
            kept.previous_id = message.previous_id  # Babel forgets it on an exact match
    gone: dict[tuple[str | None, str | None], list[Message]] = defaultdict(list)
    for key, message in before.items():
        if catalog.get(key[1], context=key[0]) is None and message.string:
            gone[message.context, role_of(message.auto_comments)].append(message)
    arrived: dict[tuple[str | None, str | None], list[Message]] = defaultdict(list)
    for message in catalog:
        if message.id and (message.context, message.id) not in before:
            _restore_obsolete(catalog, message)
            if not message.string:
                arrived[message.context, role_of(message.auto_comments)].append(message)
    for (context, role), new in arrived.items():
        old = gone.get((context, role), [])
        if role is None or len(new) != 1 or len(old) != 1:
            continue  # nothing says which old string this one replaces: leave it empty
        _carry_over(catalog, old[0], new[0])
    _carry_over_legacy_labels(catalog, gone, arrived)
    for message in catalog:
        if message.id:
            _seal_reviews(message)
    return catalog


def _carry_over_legacy_labels(catalog: Catalog,
                              gone: Mapping[tuple[str | None, str | None], list[Message]],
                              arrived: Mapping[tuple[str | None, str | None], list[Message]],
                              ) -> None:
    """Once only, for catalogs written before label comments named their button's target:
    a node whose one old label went and whose one new label came has renamed that button."""
    for (context, role), old in gone.items():
        legacy = [m for m in old if any(c.startswith(LEGACY_LABEL) for c in m.auto_comments)]
        if role is not None or len(legacy) != 1:
            continue
        new = [m for (c, r), ms in arrived.items() if c == context and r and
               r.startswith("label>") for m in ms if not m.string]
        if len(new) == 1:
            _carry_over(catalog, legacy[0], new[0])


def _restore_obsolete(catalog: Catalog, message: Message) -> None:
    """The very same English in the very same context, back after a while: its translation."""
    old = catalog.obsolete.pop(_key(message), None)
    if old is not None and old.string and not message.string:
        message.string = old.string
        message.flags |= old.flags
        message.user_comments = list(old.user_comments)


def _key(message: Message) -> str | tuple[str, str]:
    """Babel's key for a message in `Catalog.obsolete`: the msgid, with its context if any."""
    return (str(message.id), message.context) if message.context else str(message.id)


def _carry_over(catalog: Catalog, old: Message, new: Message) -> None:
    new.string = old.string
    new.flags |= {"fuzzy"}
    made_for = old.previous_id[0] if old.fuzzy and old.previous_id else old.id
    new.previous_id = [str(made_for)]
    new.user_comments = [c for c in old.user_comments if not REVIEWED.match(c)]
    catalog.obsolete.pop(_key(old), None)


def _seal_reviews(message: Message) -> None:
    if message.fuzzy or not message.string or not isinstance(message.string, str):
        return
    sealed = []
    for comment in message.user_comments:
        mark = REVIEWED.match(comment)
        if mark and mark["seal"] is None:
            comment = f"reviewed-by: {mark['who']} {mark['day']} text:{seal(message)}"
        sealed.append(comment)
    message.user_comments = sealed


def seal(message: Message) -> str:
    text = f"{message.context or ''}\x04{message.id}\x00{message.string}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def is_reviewed(message: Message) -> bool:
    """Reviewed only if a reviewer marked it, nobody still asks for a review, and the
    translation is the one that was read (when `update` has sealed the mark)."""
    if message.fuzzy or any(REVIEW_NOTE in c for c in message.user_comments):
        return False
    for comment in message.user_comments:
        mark = REVIEWED.match(comment)
        if mark and mark["seal"] in (None, seal(message)):
            return True
    return False


def edited_after_review(message: Message) -> str | None:
    """'NAME on DATE' when a sealed review mark no longer matches the translation."""
    for comment in message.user_comments:
        mark = REVIEWED.match(comment)
        if mark and mark["seal"] is not None and mark["seal"] != seal(message):
            return f"{mark['who']} on {mark['day']}"
    return None


@dataclass(frozen=True)
class Coverage:
    lang: str
    domain: str
    total: int
    translated: int
    fuzzy: int
    needs_review: int  # translated, but no reviewer has marked the translation read

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
            continue
        translated += 1
        if not is_reviewed(entry):
            review += 1
    return Coverage(lang, domain, len(shown), translated, fuzzy, review)


def _search_words(message: Message) -> bool:
    """A node's search words are never shown, so they are never missing from a screen."""
    return KEYWORDS_NOTE in message.auto_comments
