"""Every place a fact appears: the English in content/*.yaml and each translation in the PO files.

Changing a deadline means changing it in a screen's text, its keywords, a button label, a
source title and three translations; this lists them all, each with the file and line to
open. Matching ignores case, and the words of a phrase may have up to two words between
them, so "5 days" also finds "5 calendar days" and "5 күн" finds "5 күнтізбелік күн"; the
first word starts a word, so "5 days" does not find "15 days". The PO files are read line
by line, not through Babel, so each hit names the line of the PO file where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import unescape

from bot.i18n import LANGUAGES, SOURCE_LANG
from bot.tree.load import CONTACTS_FILE, SOURCES_FILE
from bot.tree.model import Place, shown_path
from bot.tree.yamlfile import YList, YMap, parse

EXCERPT = 100
GAP_WORDS = 2  # words allowed between the words of a phrase
_FRIENDLY = {"choices.label": "button", "choices.to": "button goes to", "sources.id": "source",
             "sources.art": "source article", "contacts": "contacts"}


@dataclass(frozen=True, slots=True)
class Hit:
    place: Place
    where: str  # what holds the text: "asylum-apply text", "[ru] asylum-apply" …
    excerpt: str  # the line as written there, shortened around the match

    def __str__(self) -> str:
        return f"{self.place}: {self.where}: {self.excerpt}"


def find(text: str, content_dir: Path, locales_dir: Path) -> list[Hit]:
    """Every hit of `text` (any case): content YAML first, then each language's catalogs."""
    if not text.strip():
        return []
    needle = pattern(text)
    hits: list[Hit] = []
    for path in sorted(content_dir.glob("*.yaml")):
        hits.extend(find_in_yaml(path, needle))
    for lang in LANGUAGES:
        if lang == SOURCE_LANG:
            continue
        for path in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.po")):
            hits.extend(find_in_po(path, lang, needle))
    return hits


# -- YAML -------------------------------------------------------------------------------

def pattern(text: str) -> re.Pattern[str]:
    """The phrase as a pattern over casefolded text (see the module's note)."""
    words = [re.escape(word) for word in text.casefold().split()]
    gap = rf"(?:\s+\S+){{0,{GAP_WORDS}}}?\s+"
    start = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    return re.compile(start + gap.join(words))


def find_in_yaml(path: Path, needle: re.Pattern[str]) -> Iterator[Hit]:
    shown = shown_path(path)
    data, _ = parse(path, shown)
    if data is None:  # a broken file: `komek check` names the problem
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    owner = {SOURCES_FILE: "source", CONTACTS_FILE: "contact"}.get(path.name, "node")
    for value, line, where in _strings(data, data.line, "", owner, ""):
        for at in _yaml_lines(value, line, lines, needle):
            yield Hit(Place(shown, at), where, _excerpt(lines[at - 1], needle))


def _strings(data: Any, line: int, key: str, owner: str, whose: str,
             ) -> Iterator[tuple[str, int, str]]:
    """Every text value with its line and a name for what holds it."""
    if isinstance(data, YMap):
        if isinstance(data.get("tree"), str):
            whose = f"tree {data['tree']}"
        if isinstance(data.get("id"), str):
            whose, key = f"{owner} {data['id']}" if owner != "node" else data["id"], ""
        for name, value in data.items():
            inner = f"{key}.{name}" if key else str(name)
            yield from _strings(value, data.key_lines.get(name, data.line), inner, owner, whose)
    elif isinstance(data, YList):
        for index, item in enumerate(data):
            at = data.item_lines[index] if index < len(data.item_lines) else data.line
            yield from _strings(item, at, key, owner, whose)
    elif isinstance(data, str | int | float) and not isinstance(data, bool):
        yield str(data), line, " ".join(part for part in (whose, _name(key)) if part)


def _name(key: str) -> str:
    if key.startswith("keywords."):
        return f"keywords ({key.removeprefix('keywords.')})"
    if key.startswith("nodes."):
        key = key.removeprefix("nodes.")
    return _FRIENDLY.get(key, key)


def _yaml_lines(value: str, key_line: int, lines: list[str], needle: re.Pattern[str],
                ) -> list[int]:
    """The file lines where `needle` appears inside this value (a block spans many lines)."""
    folded = value.casefold()
    found: list[int] = []
    for match in needle.finditer(folded):
        offset = folded[:match.start()].count("\n")
        first = match.group().split()[0]
        # A `|` block starts on the line after its key, one file line per text line.
        guesses = [key_line + 1 + offset, key_line] if "\n" in value else [key_line]
        guesses += range(key_line, min(len(lines), key_line + value.count("\n") + 2) + 1)
        at = next((g for g in guesses if 0 < g <= len(lines) and first in
                   lines[g - 1].casefold()), key_line)
        if at not in found:
            found.append(at)
    return found


# -- PO ---------------------------------------------------------------------------------

@dataclass
class _Entry:
    context: str | None = None
    msgid: list[tuple[int, str]] = field(default_factory=list)
    msgstr: list[tuple[int, str]] = field(default_factory=list)
    fuzzy: bool = False


def find_in_po(path: Path, lang: str, needle: re.Pattern[str]) -> Iterator[Hit]:
    shown = shown_path(path)
    for entry in _po_entries(path.read_text(encoding="utf-8").splitlines()):
        if not "".join(text for _, text in entry.msgid):
            continue  # the header
        where = f"[{lang}] msgctxt {entry.context!r}" if entry.context else f"[{lang}]"
        if entry.fuzzy:
            where += " (fuzzy)"
        for line, text in _po_hits(entry.msgstr, needle):
            yield Hit(Place(shown, line), where, _excerpt(text, needle))


def _po_entries(lines: list[str]) -> Iterator[_Entry]:
    """Entries as written, each string segment with its line; obsolete (#~) ones left out."""
    entry, fuzzy, field_name = _Entry(), False, ""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            if entry.msgid:
                yield entry
            entry, fuzzy, field_name = _Entry(), False, ""
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        keyword, _, rest = line.partition(" ") if not line.startswith('"') else ("", "", line)
        if keyword in ("msgctxt", "msgid") and entry.msgstr:
            yield entry
            entry = _Entry()
        if keyword in ("msgctxt", "msgid") and not entry.msgid and entry.context is None:
            entry.fuzzy, fuzzy = fuzzy, False  # the flags written above this entry
        if keyword:
            field_name = keyword
        if not rest.startswith('"'):
            continue
        text = unescape(rest)
        if field_name == "msgctxt":
            entry.context = (entry.context or "") + text
        elif field_name == "msgid":
            entry.msgid.append((number, text))
        elif field_name.startswith("msgstr"):
            entry.msgstr.append((number, text))
    if entry.msgid:
        yield entry


def _po_hits(segments: list[tuple[int, str]], needle: re.Pattern[str],
             ) -> Iterator[tuple[int, str]]:
    """Lines where `needle` starts in the joined string (a match may span wrapped lines)."""
    joined = "".join(text for _, text in segments).casefold()
    ends, total = [], 0
    for _, text in segments:
        total += len(text.casefold())
        ends.append(total)
    seen: set[int] = set()
    for match in needle.finditer(joined):
        index = next(i for i, end in enumerate(ends) if match.start() < end)
        line, text = segments[index]
        if line not in seen:
            seen.add(line)
            yield line, text


def _excerpt(line: str, needle: re.Pattern[str]) -> str:
    text = " ".join(line.split())
    if len(text) <= EXCERPT:
        return text
    match = needle.search(text.casefold())
    at = match.start() if match else 0
    begin = max(0, min(at - EXCERPT // 3, len(text) - EXCERPT))
    cut = text[begin:begin + EXCERPT]
    return ("…" if begin else "") + cut + ("…" if begin + EXCERPT < len(text) else "")
