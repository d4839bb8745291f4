"""The checks of translations and of the catalogs themselves, registered in check.CHECKS.

A problem in a translation is reported where a translator fixes it, the line of its msgstr
in the PO file, with the English's place beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.catalog import Message

from bot.catalogs import edited_after_review
from bot.i18n import LANGUAGES, SOURCE_LANG, CatalogFiles, po_files, po_path
from bot.tree import markup
from bot.tree.messages import content_messages
from bot.tree.model import Place, Tree, shown_path
from bot.tree.pocheck import PoText, read_po_text
from bot.tree.problems import Problem, error, pending, warning

if TYPE_CHECKING:
    from bot.tree.check import Disk


def catalog_files(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """Every PO file as strictly as `msgfmt --check` reads it (Babel's reader forgives more)."""
    for path, problems in disk.broken.items():
        for line, message in problems:
            yield error(Place(shown_path(path), line), f"PO file: {message}")


def po_texts(locales_dir: Path) -> dict[tuple[str, str], PoText]:
    texts = {}
    for lang, domain, path in po_files(locales_dir):
        try:
            texts[domain, lang] = read_po_text(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            texts[domain, lang] = PoText([(1, f"not UTF-8 ({exc.reason}); save it as "
                                              "UTF-8")], {})
    return texts


def po_file_problems(files: CatalogFiles, locales_dir: Path,
                      texts: Mapping[tuple[str, str], PoText],
                      ) -> dict[Path, list[tuple[int, str]]]:
    babel_errors = {path: (line, message) for path, line, message in files.errors}
    broken: dict[Path, list[tuple[int, str]]] = {}
    for (domain, lang), text in texts.items():
        path = po_path(locales_dir, lang, domain)
        found = text.problems
        if not found and path in babel_errors:
            line, message = babel_errors[path]
            found = [(line, f"{message}; open the file in Poedit or fix the quotes on this "
                            "line")]
        if found:
            broken[path] = found
    return broken


def bot_translations(tree: Tree, disk: Disk) -> Iterator[Problem]:
    for (domain, lang), catalog in sorted(disk.raw.items()):
        if domain != "bot" or disk.is_broken(domain, lang):
            continue
        for message in catalog:
            if not isinstance(message.id, str) or not message.id:
                continue
            english_at = ", ".join(f"{p}:{n}" for p, n in message.locations[:1])
            shown_in = disk.catalogs.lookup("bot", lang, None, message.id).lang
            yield from _entry(disk.po_place("bot", lang, message), lang, message, shown_in,
                              english_at or "bot/")


def translations(tree: Tree, disk: Disk) -> Iterator[Problem]:
    for lang in LANGUAGES:
        if lang == SOURCE_LANG or disk.is_broken("content", lang):
            continue
        catalog = disk.raw.get(("content", lang))
        path = shown_path(po_path(disk.locales_dir, lang, "content"))
        for message in content_messages(tree):
            fallback = disk.catalogs.lookup("content", lang, message.context, message.msgid).lang
            entry = catalog.get(message.msgid, context=message.context) if catalog else None
            if message.role == "keywords":
                if entry is not None and not entry.string:
                    yield pending(disk.po_place("content", lang, entry),
                                  f"[{lang}] search words not translated yet (never shown; "
                                  f"people typing {lang} find this screen by its text until "
                                  f"then) (English at {message.place})")
                continue
            if entry is None:
                yield pending(message.place, f"[{lang}] not in {path} yet: shown in {fallback} "
                                             f"({_short(message.msgid)}); run i18n extract, "
                                             "then i18n update")
                continue
            yield from _entry(disk.po_place("content", lang, entry), lang, entry, fallback,
                              str(message.place))


def _entry(place: Place, lang: str, entry: Message, shown_in: str,
           english_at: str) -> Iterator[Problem]:
    """One catalog entry's problems, at its msgstr line, with the English's place beside."""
    english = str(entry.id)
    where = f"(English at {english_at})"
    if not entry.string:
        yield pending(place, f"[{lang}] not translated: shown in {shown_in} "
                             f"({_short(english)}) {where}")
    elif entry.fuzzy and entry.previous_id:
        yield pending(place, f"[{lang}] translation is fuzzy: the English changed: "
                             f"{what_changed(entry.previous_id[0], english)}; the old English "
                             f"is its '#| msgid'. Shown in {shown_in} until you update the "
                             f"translation and remove '#, fuzzy' {where}")
    elif entry.fuzzy:
        yield pending(place, f"[{lang}] translation is marked fuzzy: shown in {shown_in} "
                             f"({_short(english)}) {where}")
    elif isinstance(entry.string, str):
        yield from _same_shape(place, lang, english, entry.string, where)
        reviewer = edited_after_review(entry)
        if reviewer:
            yield pending(place, f"[{lang}] translation changed after {reviewer} reviewed it: "
                                 f"counted as unreviewed until a reviewer marks it again {where}")


def what_changed(old: str, new: str) -> str:
    """The first change between two versions of an English text, in words, with the two words
    before it: '"Count 5 days" is now "Count 7 days"'."""
    before, after = old.split(), new.split()
    changes = [op for op in SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    if not changes:
        return "only its spacing or line breaks"
    _, i1, i2, j1, j2 = changes[0]
    lead = before[max(0, i1 - 2):i1]
    was = _short(" ".join(lead + before[i1:i2])) if i2 > i1 or lead else "(nothing)"
    now = _short(" ".join(lead + after[j1:j2])) if j2 > j1 or lead else "(nothing)"
    more = len(changes) - 1
    return f'"{was}" is now "{now}"' + (f", and {more} more change{'s' * (more > 1)}"
                                         if more else "")


def _same_shape(place: Place, lang: str, english: str, translated: str,
                where: str) -> Iterator[Problem]:
    """Errors for what the reader would see broken; warnings for other formatting changes."""
    en, tr = markup.placeholders(english), markup.placeholders(translated)
    for name in sorted(en - tr):
        yield error(place, f"[{lang}] placeholder {{{name}}} is missing from the translation; "
                           f"the bot shows the English instead {where}")
    for name in sorted(tr - en):
        yield error(place, f"[{lang}] placeholder {{{name}}} is not in the English: keep the "
                           f"English's names ({_names(en)}) {where}")
    literal = markup.shown_literally(english, translated)
    tags = [mark for mark in literal if mark.startswith("<")]
    if tags:
        yield error(place, f"[{lang}] raw HTML {_tags(tags)} would be shown as text: write "
                           f"**bold** or _italic_ as in the English {where}")
    for mark in dict.fromkeys(m for m in literal if not m.startswith("<")):
        yield error(place, f"[{lang}] an unmatched '{mark}' would be shown as text: "
                           f"{_mark_counts(mark, english, translated)} {where}")
    links_en, links_tr = markup.shape(english).links, markup.shape(translated).links
    for link in sorted(set(links_en) - set(links_tr)):
        yield error(place, f"[{lang}] the link to {link} is missing from the translation {where}")
    for link in sorted(set(links_tr) - set(links_en)):
        yield error(place, f"[{lang}] the link to {link} is not in the English {where}")
    if not literal:
        for difference in markup.differences(english, translated):
            yield warning(place, f"[{lang}] formatting differs from the English: {difference} "
                                 f"{where}")


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"{{{n}}}" for n in sorted(names)) or "none"


def _mark_counts(mark: str, english: str, translated: str) -> str:
    return f"the English has {english.count(mark)}, the translation {translated.count(mark)}"


def english_markup(tree: Tree, disk: Disk) -> Iterator[Problem]:
    """Raw HTML in the YAML reaches the reader as text: Markdown is the only formatting."""
    for message in content_messages(tree):
        literal = markup.shape(message.msgid).literal
        tags = [mark for mark in literal if mark.startswith("<")]
        if tags:
            yield error(message.place, f"raw HTML {_tags(tags)} in the English would be shown "
                                       "as text: write **bold**, _italic_ or [a link](https://…)")
        for mark in dict.fromkeys(m for m in literal if not m.startswith("<")):
            yield error(message.place, f"an unmatched '{mark}' in the English would be shown as "
                                       "text: each bold or italic part needs an opening and a "
                                       "closing mark")


def _tags(tags: list[str]) -> str:
    unique = list(dict.fromkeys(tags))
    return ("tag " if len(unique) == 1 else "tags ") + " ".join(unique)


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 50 else one_line[:47] + "…"
