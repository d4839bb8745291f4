"""A PO file read line by line, as strictly as GNU `msgfmt --check` reads it.

Babel's reader forgives what msgfmt, Poedit and Weblate refuse (a wrapped `#| msgid`, an
obsolete entry that repeats a live one, a msgstr that drops the msgid's final newline), so the
checker cannot rely on it to say a catalog is valid. Each problem comes with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_ESCAPE = re.compile(r"\\(?:[ntrabfv\\\"?]|[0-7]{1,3}|x[0-9A-Fa-f]+)")
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?:\s+(.*)|$)")
_SKIP = "<skip>"
HEADER_FIELDS = ("Project-Id-Version", "PO-Revision-Date", "Last-Translator", "Language-Team",
                 "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Language")
_DEFAULTS = ("PACKAGE VERSION", "YEAR-MO-DA HO:MI+ZONE", "FULL NAME <EMAIL@ADDRESS>",
             "LANGUAGE <LL@li.org>")


@dataclass
class _Entry:
    line: int
    obsolete: bool
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PoText:
    """One PO file, read once: what is wrong with it, and where each msgstr is."""

    problems: list[tuple[int, str]]
    # (msgctxt, msgid) → the msgstr's line: where a translator fixes a wrong translation
    msgstr_lines: dict[tuple[str | None, str], int]


def read_po_text(text: str) -> PoText:
    entries: list[_Entry] = []
    problems = list(_parse(text, entries))
    if not problems:  # what follows a syntax error is not what the translator meant
        problems = list(_semantics(entries))
    lines = {(e.fields.get("msgctxt"), e.fields["msgid"]): e.lines.get("msgstr", e.line)
             for e in entries if not e.obsolete and "msgid" in e.fields}
    return PoText(problems, lines)


def po_problems(text: str) -> list[tuple[int, str]]:
    """(line, message) for every way `text` is not a valid PO catalog."""
    return read_po_text(text).problems


def _parse(text: str, entries: list[_Entry]) -> Iterator[tuple[int, str]]:
    current: _Entry | None = None
    field_name: str | None = None  # the keyword a "…" continuation line belongs to
    previous_open = False  # inside a `#| msgid` that may continue
    flags: set[str] = set()
    lines = text.split("\n")
    if text and not text.endswith("\n"):
        yield len(lines), "the file does not end with a newline"
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#|") or (obsolete and line.startswith("|")):
            rest = line.lstrip("#").lstrip("|").strip()
            keyword = _KEYWORD.match(rest)
            if keyword and keyword[1] in ("msgctxt", "msgid", "msgid_plural"):
                problem = _string_problem(keyword[2])
                previous_open = True
            elif rest.startswith('"') and previous_open:
                problem = _string_problem(rest)
            else:
                problem = (f"'#|' lines must hold the previous msgid in PO syntax, as in "
                           f"'#| msgid \"…\"' or '#| \"…\"', not {rest[:30]!r}")
            if problem:
                yield number, problem
            continue
        previous_open = False
        if line.startswith("#") and not obsolete:
            if current is not None and field_name in ("msgctxt", "msgid", "msgid_plural") \
                    and current.obsolete == obsolete:
                yield number, f"a comment inside an entry: the msgid at line {current.line} " \
                              "has no msgstr before it"
                current, field_name = None, None
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith('"'):
            if field_name == _SKIP:
                continue  # the rest of a line already reported
            if current is None or field_name is None or current.obsolete != obsolete:
                yield number, "a quoted line that follows no msgid, msgstr or msgctxt"
                continue
            problem = _string_problem(line)
            if problem:
                yield number, problem
            else:
                current.fields[field_name] += _value(line)
            continue
        keyword = _KEYWORD.match(line)
        if not keyword:
            word = line.split()[0]
            yield number, f"unknown keyword {word!r}: a PO line starts with msgid, msgstr, " \
                          "msgctxt, '\"' or '#'"
            field_name = _SKIP
            continue
        name, rest = keyword[1], keyword[2] or ""
        problem = _string_problem(rest)
        if problem:
            yield number, problem
            rest = '""'
        after_context = (current is not None and set(current.fields) == {"msgctxt"}
                         and current.obsolete == obsolete)
        if name == "msgctxt" or (name == "msgid" and not after_context):
            if current is not None and not any(k.startswith("msgstr") for k in current.fields):
                yield current.line, "this msgid has no msgstr"
            current = _Entry(number, obsolete, flags)
            entries.append(current)
            flags = set()
        elif current is None or (name != "msgid" and "msgid" not in current.fields):
            yield number, f"{name} without a msgid before it"
            continue
        elif name in current.fields:
            yield number, f"a second {name} in the entry at line {current.line}"
            continue
        if name == "msgid":
            current.line = number
        current.fields[name] = _value(rest)
        current.lines[name] = number
        field_name = name
    last = entries[-1] if entries else None
    if last is not None and not any(k.startswith("msgstr") for k in last.fields):
        yield last.line, "this msgid has no msgstr"


def _string_problem(literal: str) -> str | None:
    literal = literal.strip()
    if not literal.startswith('"'):
        return f"expected a quoted string, found {literal[:30]!r}"
    if len(literal) < 2 or not literal.endswith('"') or (literal.endswith('\\"') and \
            not literal.endswith('\\\\"')):
        return "the string does not end on this line: close it with '\"' (and open the next " \
               "line with '\"')"
    if not _STRING.match(literal):
        return "a '\"' inside the text must be written \\\""
    body = literal[1:-1]
    for match in re.finditer(r"\\.?", body):
        if not _ESCAPE.match(body, match.start()):
            return f"invalid escape {match.group()!r}: write \\\\ for a backslash"
    return None


def _value(literal: str) -> str:
    body = literal.strip()[1:-1]
    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: simple.get(m[1], m[0]), body)


def _semantics(entries: list[_Entry]) -> Iterator[tuple[int, str]]:
    live = [e for e in entries if not e.obsolete]
    if not live or live[0].fields.get("msgid") != "" or "msgctxt" in live[0].fields:
        yield 1, "the header entry (msgid \"\" with Content-Type and Language) is missing"
    else:
        yield from _header(live[0])
    seen: dict[tuple[str | None, str], int] = {}
    for entry in entries:
        if "msgid" not in entry.fields:
            continue
        key = (entry.fields.get("msgctxt"), entry.fields["msgid"])
        if key in seen and key[1]:
            yield entry.line, f"duplicate entry: the same msgctxt and msgid as line {seen[key]}" \
                              + (" (delete this obsolete '#~' copy)" if entry.obsolete else "")
        seen.setdefault(key, entry.line)
        if entry.obsolete or "fuzzy" in entry.flags or not key[1]:
            continue
        if "msgid_plural" in entry.fields:
            yield entry.line, "plural forms are not used by Kömek: write one msgid and one msgstr"
        msgstr = entry.fields.get("msgstr", "")
        if not msgstr:
            continue
        where = entry.lines.get("msgstr", entry.line)
        for side, test in (("begin", str.startswith), ("end", str.endswith)):
            if test(key[1], "\n") != test(msgstr, "\n"):
                yield where, f"the msgid and the msgstr do not both {side} with a line break " \
                             "(\\n): make the translation match"


def _header(entry: _Entry) -> Iterator[tuple[int, str]]:
    values = {}
    for line in entry.fields.get("msgstr", "").split("\n"):
        name, colon, value = line.partition(":")
        if colon:
            values[name.strip()] = value.strip()
    where = entry.line
    for name in HEADER_FIELDS:
        if name not in values:
            yield where, f"header field '{name}' is missing"
        elif values[name] in _DEFAULTS:
            yield where, f"header field '{name}' still has its template value"
    if "charset=" not in values.get("Content-Type", "charset="):
        yield where, "the header's Content-Type names no charset (write charset=UTF-8)"
    elif values.get("Content-Type", "").lower().split("charset=")[-1].strip() != "utf-8":
        yield where, "the catalog must be UTF-8: Content-Type: text/plain; charset=UTF-8"
